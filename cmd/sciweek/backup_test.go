package main

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/sciweek/sciweek/internal/app"
	"github.com/sciweek/sciweek/internal/apptest"
	"github.com/sciweek/sciweek/internal/platform/db"
	"github.com/sciweek/sciweek/internal/platform/db/dbtest"
)

// cli runs the sciweek command with args and returns what it printed.
func cli(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, &out, &errOut)
	return out.String() + errOut.String(), err
}

// dbArgs are the flags that point a command at the app's database.
func dbArgs(cfg app.Config) []string {
	args := []string{"--data", cfg.DataDir}
	if cfg.DatabaseURL != "" {
		args = append(args, "--database-url", cfg.DatabaseURL)
	}
	return args
}

// tables reads every table of the database, each row as text, rows sorted.
func tables(t *testing.T, d *db.DB) map[string][]string {
	t.Helper()
	ctx := context.Background()
	q := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`
	if d.Dialect == db.Postgres {
		q = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`
	}
	rows, err := d.Query(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	rows.Close()
	out := map[string][]string{}
	for _, name := range names {
		rows, err := d.Query(ctx, `SELECT * FROM `+name)
		if err != nil {
			t.Fatalf("read %s: %v", name, err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			for i, v := range vals {
				if bs, ok := v.([]byte); ok {
					v = string(bs)
				}
				fmt.Fprintf(&b, "%s=%v|", cols[i], v)
			}
			out[name] = append(out[name], b.String())
		}
		rows.Close()
		sort.Strings(out[name])
	}
	return out
}

// files reads every stored file under dir: its path and checksum.
func files(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		sum := sha256.Sum256(body)
		out[rel] = hex.EncodeToString(sum[:])
		return nil
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	return out
}

func get(t *testing.T, u string) string {
	t.Helper()
	res, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return string(body)
}

func sameData(t *testing.T, want, got map[string][]string) {
	t.Helper()
	if len(want) != len(got) {
		t.Errorf("tables: %d in the source, %d restored", len(want), len(got))
	}
	for name, rows := range want {
		if strings.Join(rows, "\n") != strings.Join(got[name], "\n") {
			t.Errorf("table %s differs: %d rows in the source, %d restored", name, len(rows), len(got[name]))
		}
	}
}

// storeFiles puts a few files of different sizes into the app's store.
func storeFiles(t *testing.T, e *apptest.Env) {
	t.Helper()
	for i, size := range []int{0, 1, 70_000, 3 << 20} {
		body := bytes.Repeat([]byte{byte('a' + i)}, size)
		if _, err := e.App.Blobs.Put(context.Background(), fmt.Sprintf("scans/test-%d", i), bytes.NewReader(body), 0); err != nil {
			t.Fatal(err)
		}
	}
}

func TestBackupAndRestore(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		storeFiles(t, e)
		archive := filepath.Join(t.TempDir(), "backup.tar")
		out, err := cli(t, append([]string{"backup", "--out", archive}, dbArgs(e.App.Config)...)...)
		if err != nil {
			t.Fatalf("backup: %v\n%s", err, out)
		}
		if !strings.Contains(out, "4 files") {
			t.Errorf("backup says: %s", out)
		}

		target := app.Config{DataDir: filepath.Join(t.TempDir(), "restored")}
		if e.App.DB.Dialect == db.Postgres {
			u, _ := dbtest.PostgresURL(t)
			target.DatabaseURL = u
		}
		if out, err := cli(t, append([]string{"restore", archive}, dbArgs(target)...)...); err != nil {
			t.Fatalf("restore: %v\n%s", err, out)
		}
		restored := openDB(t, db.Config{URL: target.DatabaseURL, DataDir: target.DataDir})
		sameData(t, tables(t, e.App.DB), tables(t, restored))
		want, got := files(t, filepath.Join(e.App.Config.DataDir, "files")), files(t, filepath.Join(target.DataDir, "files"))
		if len(want) != 4 || fmt.Sprint(want) != fmt.Sprint(got) {
			t.Errorf("files differ:\nsource   %v\nrestored %v", want, got)
		}
		// The key that seals bookers' phone numbers comes back with them.
		key, _ := os.ReadFile(filepath.Join(e.App.Config.DataDir, "secret.key"))
		restoredKey, err := os.ReadFile(filepath.Join(target.DataDir, "secret.key"))
		if len(key) == 0 || !bytes.Equal(key, restoredKey) {
			t.Errorf("the key file was not restored: %v", err)
		}

		// The restored sciweek serves.
		base, _, stop := startServe(t, dbArgs(target)...)
		if page := get(t, base+"/campaigns/2020"); !strings.Contains(page, "科技战疫") {
			t.Errorf("the restored server does not show the 2020 campaign:\n%s", page)
		}
		if err := stop(); err != nil {
			t.Errorf("stop: %v", err)
		}

		// A second restore into the same place is refused: it is not empty.
		out, err = cli(t, append([]string{"restore", archive}, dbArgs(target)...)...)
		if err == nil || (!strings.Contains(err.Error(), "not empty") && !strings.Contains(err.Error(), "already holds")) {
			t.Errorf("restore over data: %v\n%s", err, out)
		}
	})
}

// TestBackupWhileServing takes a backup while units keep filing: the copy
// is of one moment, whole and usable.
func TestBackupWhileServing(t *testing.T) {
	e := apptest.Start(t, apptest.Options{NoDemoFilings: true})
	hqu := e.As(t, "hqu")
	item := url.Values{"f_title": {"人工智能科普展"}, "f_host": {"华侨大学"}, "f_category": {"展示科技创新成就"}, "f_mode": {"线下"},
		"f_start": {"2026-12-20T09:00"}, "f_end": {"2026-12-20T17:00"}, "f_place": {"泉州市丰泽区城华北路269号"}, "f_content": {"展示"},
		"f_audience": {"青少年"}, "f_expected": {"300"}, "f_contact": {"林老师"}, "f_phone": {"0595-22692114"}}
	var saved atomic.Int64
	stopWriting := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-stopWriting:
				return
			default:
			}
			if res := hqu.PostForm("/campaigns/2026/filings/hqu/1/items", item); res.Status == 303 {
				saved.Add(1)
			}
		}
	})
	for saved.Load() < 20 {
		runtime.Gosched()
	}
	before := saved.Load()
	archive := filepath.Join(t.TempDir(), "live.tar")
	out, err := cli(t, append([]string{"backup", "--out", archive}, dbArgs(e.App.Config)...)...)
	after := saved.Load()
	close(stopWriting)
	wg.Wait()
	if err != nil {
		t.Fatalf("backup while serving: %v\n%s", err, out)
	}
	target := filepath.Join(t.TempDir(), "restored")
	if out, err := cli(t, "restore", "--data", target, archive); err != nil {
		t.Fatalf("restore: %v\n%s", err, out)
	}
	d := openDB(t, db.Config{DataDir: target})
	var check string
	if err := d.QueryRow(context.Background(), `PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity of the copy: %q %v", check, err)
	}
	var items int64
	if err := d.QueryRow(context.Background(), `SELECT COUNT(*) FROM filing_items`).Scan(&items); err != nil {
		t.Fatal(err)
	}
	if items < before || items > after {
		t.Errorf("the copy holds %d items; %d were saved before the backup began and %d when it ended", items, before, after)
	}
	t.Logf("items saved: %d before the backup, %d when it ended; the copy holds %d", before, after, items)
}

// rewrite copies the archive at src to dst, changing entries with edit.
func rewrite(t *testing.T, src, dst string, edit func(hdr *tar.Header, body []byte) []byte) {
	t.Helper()
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	tr, tw := tar.NewReader(in), tar.NewWriter(out)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(tr)
		body = edit(hdr, body)
		hdr.Size = int64(len(body))
		tw.WriteHeader(hdr)
		tw.Write(body)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestRestoreRefusesBadArchives(t *testing.T) {
	e := apptest.Start(t, apptest.Options{NoDemoFilings: true})
	storeFiles(t, e)
	dir := t.TempDir()
	archive := filepath.Join(dir, "good.tar")
	if out, err := cli(t, append([]string{"backup", "--out", archive}, dbArgs(e.App.Config)...)...); err != nil {
		t.Fatalf("backup: %v\n%s", err, out)
	}
	good, _ := os.ReadFile(archive)

	truncated := filepath.Join(dir, "truncated.tar")
	os.WriteFile(truncated, good[:len(good)/2], 0o600)
	altered := filepath.Join(dir, "altered.tar")
	rewrite(t, archive, altered, func(hdr *tar.Header, body []byte) []byte {
		if strings.HasSuffix(hdr.Name, "test-2") {
			body[100] ^= 1
		}
		return body
	})
	newer := filepath.Join(dir, "newer.tar")
	rewrite(t, archive, newer, func(hdr *tar.Header, body []byte) []byte {
		if hdr.Name == "manifest.json" {
			var m map[string]any
			json.Unmarshal(body, &m)
			m["schema"], m["sciweek_version"] = 999, "v9.0.0"
			body, _ = json.Marshal(m)
		}
		return body
	})
	notTar := filepath.Join(dir, "notes.tar")
	os.WriteFile(notTar, []byte("这不是备份文件\n"), 0o600)

	for _, c := range []struct{ name, file, want string }{
		{"truncated", truncated, "cut short"},
		{"altered", altered, "checksum"},
		{"newer schema", newer, "schema version 999"},
		{"not an archive", notTar, "restore refused"},
	} {
		t.Run(c.name, func(t *testing.T) {
			target := filepath.Join(t.TempDir(), "data")
			out, err := cli(t, "restore", "--data", target, c.file)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("restore of a %s archive: %v\n%s", c.name, err, out)
			}
			if entries, _ := os.ReadDir(target); len(entries) != 0 {
				t.Errorf("a refused restore wrote %v", entries)
			}
		})
	}
}

func TestNewerDatabaseRefused(t *testing.T) {
	dir := t.TempDir()
	if out, err := cli(t, "migrate", "--data", dir); err != nil {
		t.Fatalf("migrate: %v\n%s", err, out)
	}
	d := openDB(t, db.Config{DataDir: dir})
	if _, err := d.Exec(context.Background(), `INSERT INTO schema_migrations (version, name) VALUES (999, '0999_future.sql')`); err != nil {
		t.Fatal(err)
	}
	d.Close()
	out, err := cli(t, "migrate", "--data", dir)
	if !errors.Is(err, db.ErrNewerSchema) || !strings.Contains(err.Error(), "version 999") {
		t.Fatalf("migrating a newer database: %v\n%s", err, out)
	}
	out, err = cli(t, "migrate", "--status", "--data", dir)
	if err != nil || !strings.Contains(out, "newer than this sciweek: [999]") {
		t.Errorf("status of a newer database: %v\n%s", err, out)
	}
}
