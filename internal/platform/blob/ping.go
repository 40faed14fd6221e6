package blob

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Pinger is a Store that can tell whether it is reachable and writable.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Ping checks the store when it knows how; stores that do not are taken
// to be reachable.
func Ping(ctx context.Context, s Store) error {
	if p, ok := s.(Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

// Ping creates the directory when it is missing and checks that a file can
// be written in it.
func (l Local) Ping(context.Context) error {
	if err := os.MkdirAll(l.Dir, 0o750); err != nil {
		return fmt.Errorf("file storage %s cannot be created: %w", l.Dir, err)
	}
	f, err := os.CreateTemp(l.Dir, ".ping-*")
	if err != nil {
		return fmt.Errorf("file storage %s is not writable: %w", l.Dir, err)
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}

// Sweep removes the temporary files of uploads that a crash or a cut
// connection left behind (a finished upload renames its temporary file
// into place) when they are older than age, and reports how many it
// removed. Stores without such files remove nothing.
func Sweep(s Store, age time.Duration, now time.Time) (int, error) {
	l, ok := s.(Local)
	if !ok {
		return 0, nil
	}
	removed := 0
	err := filepath.WalkDir(l.Dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if d.IsDir() || !strings.HasPrefix(d.Name(), ".upload-") && !strings.Contains(p, string(filepath.Separator)+".spool"+string(filepath.Separator)) {
			return nil
		}
		info, err := d.Info()
		if err != nil || now.Sub(info.ModTime()) < age {
			return nil
		}
		if err := os.Remove(p); err == nil {
			removed++
		}
		return nil
	})
	return removed, err
}
