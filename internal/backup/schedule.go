package backup

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// fileLayout names scheduled backups so that they sort by time.
const fileLayout = "sciweek-20060102T150405Z.tar"

// WriteFile writes an archive of src into dir under a name with the time,
// through a temporary file, so a backup cut short never looks complete.
func WriteFile(ctx context.Context, dir string, src Source) (string, Manifest, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return "", Manifest{}, err
	}
	now := time.Now
	if src.Now != nil {
		now = src.Now
	}
	final := filepath.Join(dir, now().UTC().Format(fileLayout))
	m, err := WriteTo(ctx, final, src)
	return final, m, err
}

// WriteTo writes an archive of src to the file at path, replacing it only
// once the archive is complete.
func WriteTo(ctx context.Context, path string, src Source) (m Manifest, err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".backup-*")
	if err != nil {
		return m, err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if m, err = Create(ctx, tmp, src); err != nil {
		return m, err
	}
	if err = tmp.Sync(); err != nil {
		return m, err
	}
	if err = tmp.Close(); err != nil {
		return m, err
	}
	return m, os.Rename(tmp.Name(), path)
}

// Prune removes the oldest scheduled backups in dir beyond the newest keep.
func Prune(dir string, keep int) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if _, err := time.Parse(fileLayout, e.Name()); err == nil && e.Type().IsRegular() {
			names = append(names, e.Name())
		}
	}
	sort.Sort(sort.Reverse(sort.StringSlice(names)))
	var removed []string
	for _, name := range names[min(keep, len(names)):] {
		if err := os.Remove(filepath.Join(dir, name)); err != nil {
			return removed, err
		}
		removed = append(removed, name)
	}
	return removed, nil
}

// Schedule takes a backup every Every into Dir and keeps the newest Keep.
type Schedule struct {
	Dir    string
	Every  time.Duration
	Keep   int
	Source Source
	Log    *slog.Logger
}

// Run takes backups until ctx ends. A failed backup is logged and tried
// again at the next tick.
func (s Schedule) Run(ctx context.Context) {
	t := time.NewTicker(s.Every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		started := time.Now()
		p, m, err := WriteFile(ctx, s.Dir, s.Source)
		if err != nil {
			s.Log.Error("scheduled backup failed", "dir", s.Dir, "err", err)
			continue
		}
		removed, err := Prune(s.Dir, s.Keep)
		if err != nil {
			s.Log.Error("pruning old backups", "dir", s.Dir, "err", err)
		}
		s.Log.Info("backup written", "file", p, "files", len(m.Entries), "took", time.Since(started).Round(time.Millisecond),
			"removed", strings.Join(removed, ","))
	}
}

// Describe is a one-line account of a manifest for the operator.
func Describe(m Manifest) string {
	var size int64
	for _, e := range m.Entries {
		size += e.Size
	}
	return fmt.Sprintf("%s database at schema %d, %d files (%d bytes), made by sciweek %s at %s",
		m.Dialect, m.Schema, len(m.Entries)-1, size, m.Version, m.Created.Format(time.RFC3339))
}
