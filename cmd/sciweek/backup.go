package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/sciweek/sciweek/internal/app"
	"github.com/sciweek/sciweek/internal/backup"
	"github.com/sciweek/sciweek/internal/booking"
	"github.com/sciweek/sciweek/internal/platform/db"
)

// backupSource is what a backup of the configured sciweek copies. Files
// kept in an S3 bucket are the bucket's to keep (versioning, replication),
// so only local files go into the archive.
func backupSource(cfg *app.Config, d *db.DB) backup.Source {
	files := filepath.Join(cfg.DataDir, "files")
	if cfg.S3.Bucket != "" {
		files = ""
	}
	key := ""
	if cfg.SecretKey == "" {
		key = filepath.Join(cfg.DataDir, booking.KeyFile)
	}
	return backup.Source{DB: d, DatabaseURL: cfg.DatabaseURL, FilesDir: files, KeyFile: key, Version: versionString()}
}

func backupCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg, check := configFlags(fs)
	out := fs.String("out", "", "the archive to write (.tar)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := check(); err != nil {
		return err
	}
	if *out == "" {
		return errors.New("backup: name the archive to write with --out FILE")
	}
	d, err := db.Open(ctx, db.Config{URL: cfg.DatabaseURL, DataDir: cfg.DataDir})
	if err != nil {
		return err
	}
	defer d.Close()
	started := time.Now()
	m, err := backup.WriteTo(ctx, *out, backupSource(cfg, d))
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	fmt.Fprintf(stdout, "wrote %s in %s: %s\n", *out, time.Since(started).Round(time.Millisecond), backup.Describe(m))
	return nil
}

func restoreCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("restore", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg, check := configFlags(fs)
	force := fs.Bool("force", false, "replace the data already in the target")
	files, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if err := check(); err != nil {
		return err
	}
	if len(files) != 1 {
		return errors.New("restore: name one archive, e.g. sciweek restore --data ./data backup.tar")
	}
	if strings.HasPrefix(cfg.DatabaseURL, "sqlite:") {
		return errors.New("restore: a SQLite backup is restored into a data directory (--data), without --database-url")
	}
	f, err := os.Open(files[0])
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer f.Close()
	ms, err := db.Migrations(db.SQLite)
	if err != nil {
		return err
	}
	started := time.Now()
	m, err := backup.Restore(ctx, f, backup.Target{DataDir: cfg.DataDir, DatabaseURL: cfg.DatabaseURL, Latest: ms[len(ms)-1].Version, Force: *force})
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	fmt.Fprintf(stdout, "restored in %s: %s\n", time.Since(started).Round(time.Millisecond), backup.Describe(m))
	return nil
}

// backupFlags are serve's options for scheduled backups.
type backupFlags struct {
	dir, every, keep string
	interval         time.Duration
	count            int
}

// register adds the options to fs and returns the check of their values.
func (b *backupFlags) register(fs *flag.FlagSet) func() error {
	env := func(k string) string { return os.Getenv(k) }
	fs.StringVar(&b.dir, "backup-dir", env("SCIWEEK_BACKUP_DIR"), "take scheduled backups into this directory")
	fs.StringVar(&b.every, "backup-every", or(env("SCIWEEK_BACKUP_EVERY"), "24h"), "time between scheduled backups")
	fs.StringVar(&b.keep, "backup-keep", or(env("SCIWEEK_BACKUP_KEEP"), "7"), "scheduled backups to keep")
	return b.check
}

func (b *backupFlags) check() error {
	if b.dir == "" {
		return nil
	}
	var problems []string
	var err error
	if b.interval, err = time.ParseDuration(b.every); err != nil || b.interval < time.Minute {
		problems = append(problems, fmt.Sprintf("--backup-every / SCIWEEK_BACKUP_EVERY: %q must be a duration of at least 1m, such as 24h", b.every))
	}
	if b.count, err = strconv.Atoi(b.keep); err != nil || b.count < 1 {
		problems = append(problems, fmt.Sprintf("--backup-keep / SCIWEEK_BACKUP_KEEP: %q must be a whole number of at least 1", b.keep))
	}
	if len(problems) > 0 {
		return errors.New("bad configuration:\n  " + strings.Join(problems, "\n  "))
	}
	return nil
}

// schedule is the checked schedule, or nil when scheduled backups are off.
func (b *backupFlags) schedule(a *app.App) *backup.Schedule {
	if b.dir == "" {
		return nil
	}
	return &backup.Schedule{Dir: b.dir, Every: b.interval, Keep: b.count, Source: backupSource(&a.Config, a.DB), Log: a.Log}
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// parseInterleaved parses flags that may stand before or after the
// positional arguments, which it returns.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return positional, nil
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
}
