package program_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/apptest"
	"github.com/sciweek/sciweek/internal/filing"
)

// TestPeerPatchesTheApproval: two servers share one PostgreSQL database.
// An approval on one reaches the other's program at once, patched in from
// the filing the news names, not by rebuilding the whole index; a return
// of a change takes the old row out the same way.
func TestPeerPatchesTheApproval(t *testing.T) {
	a, b := apptest.Pair(t, apptest.Options{})
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	go a.App.FollowPeers(ctx)
	go b.App.FollowPeers(ctx)

	sys := account.AsSystem(context.Background())
	camp, err := a.App.Campaigns.Get(sys, "2026")
	if err != nil {
		t.Fatal(err)
	}
	found := func(e *apptest.Env, title string) int {
		var got struct{ Total int }
		e.Client(t).Get("/api/v1/campaigns/2026/activities?q="+url.QueryEscape(title)).JSON(t, &got)
		return got.Total
	}
	// B holds its indexes, one for each public chain (2020's and 2026's),
	// built once, before the change.
	if n := found(b, "深海探测器开放课"); n != 0 {
		t.Fatalf("found %d before filing", n)
	}
	before := b.App.Program.Indexing()
	for deadline := time.Now().Add(10 * time.Second); before.Built < 2 && time.Now().Before(deadline); before = b.App.Program.Indexing() {
		time.Sleep(20 * time.Millisecond)
	}
	if before.Built != 2 {
		t.Fatalf("B built %d indexes", before.Built)
	}
	waitFor := func(step, title string, want int) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for found(b, title) != want {
			if time.Now().After(deadline) {
				t.Fatalf("%s: B does not list %q %d times", step, title, want)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}

	values, f := approveOpenClass(t, a, camp)
	waitFor("approved on A", "深海探测器开放课", 1)

	values[filing.KeyTitle] = "海洋机器人开放课"
	reopenAndSave(t, a, camp, f.ID, "深海探测器开放课", values)
	submitAndApprove(t, a, f.ID)
	waitFor("changed on A", "海洋机器人开放课", 1)
	if n := found(b, "深海探测器开放课"); n != 0 {
		t.Errorf("B still lists the old title %d times", n)
	}

	after := b.App.Program.Indexing()
	if after.Built != before.Built || after.Rebuilt != before.Rebuilt || after.Patched < before.Patched+2 {
		t.Errorf("B's index: %+v before, %+v after two changes on A", before, after)
	}
}
