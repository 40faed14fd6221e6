package program_test

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/apptest"
)

// TestIndexSnapshot: a server started again loads the program's index from
// the snapshot its last run saved and answers exactly as the built one
// did; an approval saved as the server stops is in the next start's
// snapshot; a snapshot the stored program has moved past, or a damaged
// one, is set aside and the index built from the database.
func TestIndexSnapshot(t *testing.T) {
	dir := t.TempDir()
	queries := []string{"", "q=" + url.QueryEscape("华侨大学"), "q=" + url.QueryEscape("科学"), "day=2026-12-22", "district=fengze&page=2&per_page=5",
		"q=" + url.QueryEscape("深海探测器开放课")}
	answers := func(e *apptest.Env) []string {
		c := e.Client(t)
		var out []string
		for _, q := range queries {
			out = append(out, c.Get("/api/v1/campaigns/2026/activities?"+q).Body)
		}
		// The 2020 chain has an index of its own.
		return append(out, c.Get("/api/v1/campaigns/2020/activities?q="+url.QueryEscape("科学")).Body)
	}
	first := apptest.Start(t, apptest.Options{DataDir: dir})
	built := answers(first)
	first.App.Close()
	if _, err := os.Stat(filepath.Join(dir, "program")); err != nil {
		t.Fatalf("no snapshot saved: %v", err)
	}

	again := apptest.Start(t, apptest.Options{DataDir: dir, NoDemo: true})
	if got := answers(again); !reflect.DeepEqual(got, built) {
		t.Errorf("answers from the snapshot differ:\n%v\n%v", got, built)
	}
	if n := again.App.Program.Indexing(); n.Built != 0 || n.Loaded == 0 {
		t.Errorf("started again: %+v", n)
	}
	camp, err := again.App.Campaigns.Get(account.AsSystem(context.Background()), "2026")
	if err != nil {
		t.Fatal(err)
	}
	approveOpenClass(t, again, camp)
	approved := answers(again)
	again.App.Close()

	third := apptest.Start(t, apptest.Options{DataDir: dir, NoDemo: true})
	if got := answers(third); !reflect.DeepEqual(got, approved) {
		t.Errorf("after an approval and a restart:\n%v\n%v", got, approved)
	}
	if n := third.App.Program.Indexing(); n.Built != 0 || n.Loaded == 0 {
		t.Errorf("started a third time: %+v", n)
	}
	// The stored program moves while the server is stopped (another
	// server's approval): the snapshot no longer matches.
	if _, err := third.App.DB.Exec(context.Background(), `UPDATE program_activities SET listed = FALSE WHERE title = '深海探测器开放课'`); err != nil {
		t.Fatal(err)
	}
	third.App.Close()
	fourth := apptest.Start(t, apptest.Options{DataDir: dir, NoDemo: true})
	want := answers(fourth)
	if reflect.DeepEqual(want, approved) {
		t.Error("a snapshot the stored program moved past was read")
	}
	if n := fourth.App.Program.Indexing(); n.Built == 0 {
		t.Errorf("after the program moved: %+v", n)
	}
	fourth.App.Close()

	// A snapshot with one byte changed, or cut short, is refused.
	files, _ := filepath.Glob(filepath.Join(dir, "program", "index-*.bin"))
	if len(files) != 2 {
		t.Fatalf("snapshot files: %v", files)
	}
	for i, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			b[len(b)*2/3] ^= 1
		} else {
			b = b[:len(b)-7]
		}
		os.WriteFile(f, b, 0o600)
	}
	fifth := apptest.Start(t, apptest.Options{DataDir: dir, NoDemo: true})
	if got := answers(fifth); !reflect.DeepEqual(got, want) {
		t.Errorf("from damaged snapshots:\n%v\n%v", got, want)
	}
	if n := fifth.App.Program.Indexing(); n.Loaded != 0 {
		t.Errorf("damaged snapshots were read: %+v", n)
	}
}
