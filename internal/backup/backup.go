// Package backup writes and restores a whole sciweek: the database and the
// stored files, in one tar archive with a manifest of checksums.
//
// The archive holds, in this order:
//
//	database/sciweek.db      SQLite: a consistent copy (VACUUM INTO)
//	database/postgres.dump   PostgreSQL: pg_dump --format=custom
//	files/...                the local file store, path for path
//	manifest.json            what the archive holds, with sizes and SHA-256
//
// The database is copied first and the files after: files are written once
// under new names and never changed, so every file the copied database
// names is in the archive (a file added after the copy is harmless).
package backup

import (
	"archive/tar"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/sciweek/sciweek/internal/platform/db"
)

// Format is the archive layout this package writes and reads.
const Format = 1

// The database entries of an archive.
const (
	sqliteEntry   = "database/sciweek.db"
	postgresEntry = "database/postgres.dump"
	manifestEntry = "manifest.json"
	filesPrefix   = "files/"
)

// Manifest describes an archive.
type Manifest struct {
	Format  int        `json:"format"`
	Version string     `json:"sciweek_version"`
	Created time.Time  `json:"created_at"`
	Dialect db.Dialect `json:"database"`
	// Schema is the newest migration applied to the database copied.
	Schema  int     `json:"schema"`
	Entries []Entry `json:"entries"`
}

// Entry is one file of an archive.
type Entry struct {
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// Source is what a backup copies.
type Source struct {
	DB *db.DB
	// DatabaseURL is handed to pg_dump for a PostgreSQL database.
	DatabaseURL string
	// FilesDir is the local file store; "" when files live elsewhere
	// (S3-compatible storage keeps its own copies).
	FilesDir string
	Version  string
	Now      func() time.Time
}

// Create writes an archive of src to w and returns its manifest. On an
// error w holds a partial archive, which Restore refuses.
func Create(ctx context.Context, w io.Writer, src Source) (Manifest, error) {
	now := time.Now
	if src.Now != nil {
		now = src.Now
	}
	st, err := src.DB.Status(ctx)
	if err != nil {
		return Manifest{}, err
	}
	m := Manifest{Format: Format, Version: src.Version, Created: now().UTC(), Dialect: src.DB.Dialect, Schema: st.Current()}
	tmp, err := os.MkdirTemp("", "sciweek-backup-")
	if err != nil {
		return m, err
	}
	defer os.RemoveAll(tmp)

	tw := tar.NewWriter(w)
	dump := filepath.Join(tmp, "database")
	name := sqliteEntry
	switch src.DB.Dialect {
	case db.SQLite:
		err = src.DB.Snapshot(ctx, dump)
	case db.Postgres:
		name = postgresEntry
		err = pgDump(ctx, src.DatabaseURL, dump)
	default:
		err = fmt.Errorf("backup: unknown database %q", src.DB.Dialect)
	}
	if err != nil {
		return m, err
	}
	if err := addFile(tw, &m, name, dump); err != nil {
		return m, err
	}
	if src.FilesDir != "" {
		err := filepath.WalkDir(src.FilesDir, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) && p == src.FilesDir {
					return fs.SkipDir // no file stored yet
				}
				return err
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			if !d.Type().IsRegular() || strings.HasPrefix(d.Name(), ".") {
				return nil // directories, and the store's own temporary files
			}
			rel, err := filepath.Rel(src.FilesDir, p)
			if err != nil {
				return err
			}
			return addFile(tw, &m, filesPrefix+filepath.ToSlash(rel), p)
		})
		if err != nil {
			return m, fmt.Errorf("backup files: %w", err)
		}
	}
	body, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return m, err
	}
	hdr := &tar.Header{Name: manifestEntry, Mode: 0o640, Size: int64(len(body)), ModTime: m.Created, Format: tar.FormatPAX}
	if err := tw.WriteHeader(hdr); err != nil {
		return m, err
	}
	if _, err := tw.Write(body); err != nil {
		return m, err
	}
	return m, tw.Close()
}

// addFile copies the file at p into the archive as name, recording its
// checksum as it goes.
func addFile(tw *tar.Writer, m *Manifest, name, p string) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return err
	}
	hdr := &tar.Header{Name: name, Mode: 0o640, Size: info.Size(), ModTime: info.ModTime(), Format: tar.FormatPAX}
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	h := sha256.New()
	n, err := io.Copy(tw, io.TeeReader(f, h))
	if err != nil {
		return fmt.Errorf("backup %s: %w", name, err)
	}
	m.Entries = append(m.Entries, Entry{Path: name, Size: n, SHA256: sum(h)})
	return nil
}

func pgDump(ctx context.Context, url, out string) error {
	cmd := exec.CommandContext(ctx, "pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file="+out, "--dbname="+url)
	if msg, err := cmd.CombinedOutput(); err != nil {
		if errors.Is(err, exec.ErrNotFound) {
			return errors.New("backup of a PostgreSQL database needs pg_dump (Debian package postgresql-client) on the PATH")
		}
		return fmt.Errorf("pg_dump: %v: %s", err, strings.TrimSpace(string(msg)))
	}
	return nil
}

// Target is where Restore puts an archive.
type Target struct {
	// DataDir receives sciweek.db (SQLite) and files/.
	DataDir string
	// DatabaseURL, when set, is the PostgreSQL database pg_restore fills;
	// it must hold no tables.
	DatabaseURL string
	// Latest is the newest migration this build knows; an archive of a
	// newer schema is refused.
	Latest int
	// Force allows restoring over existing data, which is replaced.
	Force bool
}

// ErrRefused is wrapped by every error that leaves the target untouched
// because the archive or the target is not fit.
var ErrRefused = errors.New("restore refused")

func refuse(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrRefused, fmt.Sprintf(format, args...))
}

// Restore reads the archive from r into the target. It first unpacks the
// whole archive beside the target and checks every entry against the
// manifest; only an archive that is complete and unaltered is put in place,
// so a refused archive leaves nothing written.
func Restore(ctx context.Context, r io.Reader, t Target) (Manifest, error) {
	if err := os.MkdirAll(t.DataDir, 0o750); err != nil {
		return Manifest{}, err
	}
	if !t.Force {
		if err := checkEmptyDir(t.DataDir); err != nil {
			return Manifest{}, err
		}
	}
	stage, err := os.MkdirTemp(t.DataDir, ".restore-")
	if err != nil {
		return Manifest{}, err
	}
	defer os.RemoveAll(stage)

	m, err := unpack(ctx, r, stage)
	if err != nil {
		return m, err
	}
	if m.Schema > t.Latest {
		return m, refuse("the backup holds schema version %d, made by sciweek %s; this sciweek knows up to %d", m.Schema, m.Version, t.Latest)
	}
	dump := filepath.Join(stage, filepath.FromSlash(sqliteEntry))
	if m.Dialect == db.Postgres {
		dump = filepath.Join(stage, filepath.FromSlash(postgresEntry))
	}
	switch {
	case m.Dialect == db.Postgres && t.DatabaseURL == "":
		return m, refuse("the backup is of a PostgreSQL database: give the database to restore into (--database-url or SCIWEEK_DATABASE_URL)")
	case m.Dialect == db.SQLite && t.DatabaseURL != "":
		return m, refuse("the backup is of a SQLite database: restore it into a data directory, without a database URL")
	case m.Dialect == db.Postgres:
		if err := pgRestore(ctx, t, dump); err != nil {
			return m, err
		}
	default:
		for _, suffix := range []string{"", "-wal", "-shm"} {
			if err := os.Remove(filepath.Join(t.DataDir, "sciweek.db"+suffix)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return m, err
			}
		}
		if err := os.Rename(dump, filepath.Join(t.DataDir, "sciweek.db")); err != nil {
			return m, err
		}
	}
	files := filepath.Join(t.DataDir, "files")
	if err := os.RemoveAll(files); err != nil {
		return m, err
	}
	if staged := filepath.Join(stage, "files"); exists(staged) {
		if err := os.Rename(staged, files); err != nil {
			return m, err
		}
	}
	return m, nil
}

// unpack extracts the archive into dir, checking each entry against the
// manifest at its end.
func unpack(ctx context.Context, r io.Reader, dir string) (Manifest, error) {
	var m Manifest
	seen := map[string]Entry{}
	var manifest []byte
	tr := tar.NewReader(r)
	for {
		if err := ctx.Err(); err != nil {
			return m, err
		}
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return m, refuse("the archive is damaged or cut short (%v)", err)
		}
		name := path.Clean(hdr.Name)
		if hdr.Typeflag != tar.TypeReg || !validName(name) {
			return m, refuse("the archive holds an unexpected entry %q", hdr.Name)
		}
		if manifest != nil {
			return m, refuse("the archive holds %q after its manifest", name)
		}
		if name == manifestEntry {
			if manifest, err = io.ReadAll(io.LimitReader(tr, 64<<20)); err != nil {
				return m, refuse("the manifest is damaged (%v)", err)
			}
			continue
		}
		if _, dup := seen[name]; dup {
			return m, refuse("the archive holds %q twice", name)
		}
		e, err := extract(tr, dir, name)
		if err != nil {
			return m, err
		}
		seen[name] = e
	}
	if manifest == nil {
		return m, refuse("the archive has no manifest: it is cut short or not a sciweek backup")
	}
	if err := json.Unmarshal(manifest, &m); err != nil {
		return m, refuse("the manifest is not readable (%v)", err)
	}
	if m.Format != Format {
		return m, refuse("the archive is in format %d; this sciweek reads format %d", m.Format, Format)
	}
	if m.Dialect != db.SQLite && m.Dialect != db.Postgres {
		return m, refuse("the manifest names an unknown database %q", m.Dialect)
	}
	if len(m.Entries) != len(seen) {
		return m, refuse("the manifest lists %d files, the archive holds %d", len(m.Entries), len(seen))
	}
	for _, want := range m.Entries {
		got, ok := seen[want.Path]
		switch {
		case !ok:
			return m, refuse("%s is missing from the archive", want.Path)
		case got.Size != want.Size || got.SHA256 != want.SHA256:
			return m, refuse("%s does not match its checksum: the archive was altered or damaged", want.Path)
		}
	}
	return m, nil
}

func validName(name string) bool {
	if name == manifestEntry || name == sqliteEntry || name == postgresEntry {
		return true
	}
	rest, ok := strings.CutPrefix(name, filesPrefix)
	return ok && rest != "" && !strings.HasPrefix(rest, "../") && !strings.Contains(rest, "/../") && !path.IsAbs(rest)
}

func extract(r io.Reader, dir, name string) (Entry, error) {
	p := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
		return Entry{}, err
	}
	f, err := os.OpenFile(p, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o640)
	if err != nil {
		return Entry{}, err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), r)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return Entry{}, refuse("the archive is cut short in %s", name)
		}
		return Entry{}, err
	}
	return Entry{Path: name, Size: n, SHA256: sum(h)}, nil
}

func sum(h hash.Hash) string { return hex.EncodeToString(h.Sum(nil)) }

func pgRestore(ctx context.Context, t Target, dump string) error {
	d, err := db.Open(ctx, db.Config{URL: t.DatabaseURL})
	if err != nil {
		return err
	}
	defer d.Close()
	var tables int
	if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema()`).Scan(&tables); err != nil {
		return err
	}
	if tables > 0 && !t.Force {
		return refuse("the database already holds %d tables; restore into an empty database, or use --force to replace them", tables)
	}
	args := []string{"--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction", "--dbname=" + t.DatabaseURL}
	if t.Force {
		args = append(args, "--clean", "--if-exists")
	}
	cmd := exec.CommandContext(ctx, "pg_restore", append(args, dump)...)
	if msg, err := cmd.CombinedOutput(); err != nil {
		if errors.Is(err, exec.ErrNotFound) {
			return errors.New("restoring a PostgreSQL backup needs pg_restore (Debian package postgresql-client) on the PATH")
		}
		return fmt.Errorf("pg_restore: %v: %s", err, strings.TrimSpace(string(msg)))
	}
	return nil
}

func checkEmptyDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	if len(names) > 0 {
		return refuse("%s is not empty (it holds %s); restore into an empty directory, or use --force to replace what is there", dir, strings.Join(names, ", "))
	}
	return nil
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
