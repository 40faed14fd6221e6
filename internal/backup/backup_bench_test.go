package backup_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sciweek/sciweek/internal/apptest"
	"github.com/sciweek/sciweek/internal/backup"
	"github.com/sciweek/sciweek/internal/platform/db"
)

// Run with: go test -run XXX -bench Backup -benchtime 1x ./internal/backup/
//
// BenchmarkBackupRestore backs up and restores a SQLite sciweek holding
// 100,000 filing items and 1 GiB of stored files (100 files of 10 MiB).
func BenchmarkBackupRestore(b *testing.B) {
	e := apptest.Start(b, apptest.Options{})
	ctx := context.Background()
	var filingID int64
	if err := e.App.DB.QueryRow(ctx, `SELECT MIN(id) FROM filings`).Scan(&filingID); err != nil {
		b.Fatal(err)
	}
	err := e.App.DB.InTx(ctx, func(tx *db.Tx) error {
		for i := range 100_000 {
			data := fmt.Sprintf(`{"title":"科普活动第%d项：人工智能与生活","place":"泉州市丰泽区城华北路269号","content":"面向青少年和社会公众的科普展览、讲座与互动体验","phone":"0595-22692114"}`, i)
			if _, err := tx.Exec(ctx, `INSERT INTO filing_items (filing_id, uid, position, data, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
				filingID, fmt.Sprintf("bench%07d", i), 1000+i, data, "2026-11-28T02:00:00Z", "2026-11-28T02:00:00Z"); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	chunk := make([]byte, 10<<20)
	rand.Read(chunk)
	for i := range 100 {
		if _, err := e.App.Blobs.Put(ctx, fmt.Sprintf("media/bench-%03d", i), bytes.NewReader(chunk), 0); err != nil {
			b.Fatal(err)
		}
	}
	src := backup.Source{DB: e.App.DB, FilesDir: filepath.Join(e.App.Config.DataDir, "files"), Version: "bench"}
	ms, _ := db.Migrations(db.SQLite)
	b.ResetTimer()
	for b.Loop() {
		dir := b.TempDir()
		archive := filepath.Join(dir, "backup.tar")
		started := time.Now()
		m, err := backup.WriteTo(ctx, archive, src)
		took := time.Since(started)
		if err != nil {
			b.Fatal(err)
		}
		f, err := os.Open(archive)
		if err != nil {
			b.Fatal(err)
		}
		started = time.Now()
		if _, err := backup.Restore(ctx, f, backup.Target{DataDir: filepath.Join(dir, "restored"), Latest: ms[len(ms)-1].Version}); err != nil {
			b.Fatal(err)
		}
		f.Close()
		b.ReportMetric(took.Seconds(), "s-backup")
		b.ReportMetric(time.Since(started).Seconds(), "s-restore")
		var size int64
		for _, e := range m.Entries {
			size += e.Size
		}
		b.ReportMetric(float64(size)/(1<<20), "MiB-archive")
	}
}
