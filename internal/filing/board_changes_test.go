package filing_test

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/apptest"
	"github.com/sciweek/sciweek/internal/filing"
	"github.com/sciweek/sciweek/internal/i18n"
)

var (
	boardShown = regexp.MustCompile(`共 (\d+) 个单位`)
	lateBadge  = regexp.MustCompile(`<li class="badge danger">(\S+) (\d+)</li>`)
)

// boardQueries are the filters each check of the board reads.
var boardQueries = []struct {
	level, table int
	state        string
}{{}, {state: "late"}, {level: 1}, {level: 2}, {state: "draft"}, {state: "submitted", table: 1}, {state: "returned"},
	{state: "approved", table: 1}, {state: "not_started", table: 2}, {level: 2, state: "late", table: 2}}

// checkBoard reads the board over HTTP, c signed in as user, with each of
// boardQueries, and compares every count and total with the board counted
// from scratch, row by row, by the service's Board.
func checkBoard(t *testing.T, c *apptest.Client, truthFrom *apptest.Env, user, step string) {
	t.Helper()
	rows, err := truthFrom.App.Filings.Board(as(t, truthFrom, user), upcoming(t, truthFrom))
	if err != nil {
		t.Fatal(err)
	}
	zh := i18n.For("zh-CN")
	want := map[string]int{}
	for _, st := range []filing.Status{filing.StatusNotStarted, filing.StatusDraft, filing.StatusSubmitted, filing.StatusReturned, filing.StatusApproved} {
		want[zh.T("filing.status."+string(st))] = 0
	}
	late := zh.T("filing.status.late")
	want[late] = 0
	for _, row := range rows {
		tables := 2
		if row.Upward != "" {
			tables = 1 // one submission holds both tables
		}
		for i := 1; i <= tables; i++ {
			want[zh.T("filing.status."+string(row.Cells[i].Status))]++
			if row.Cells[i].Late {
				want[late]++
			}
		}
	}
	// A level counts from the campaign's organiser, whoever reads.
	owner, err := truthFrom.App.Accounts.OrgByID(context.Background(), upcoming(t, truthFrom).OwnerOrgID)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range boardQueries {
		query := fmt.Sprintf("level=%d&table=%d&state=%s", q.level, q.table, q.state)
		res := c.Get("/campaigns/2026/board?" + query)
		if res.Status != 200 {
			t.Fatalf("%s: %s board?%s: %d", step, user, query, res.Status)
		}
		if q == boardQueries[0] {
			got := map[string]int{}
			for _, m := range append(badge.FindAllStringSubmatch(res.Body, -1), lateBadge.FindAllStringSubmatch(res.Body, -1)...) {
				got[m[1]], _ = strconv.Atoi(m[2])
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("%s: %s's board counts %v; counted from scratch %v", step, user, got, want)
			}
		}
		shown := 0
		for _, row := range rows {
			if (q.level == 0 || row.Org.Depth-owner.Depth == q.level) && boardShows(row, q.table, q.state) {
				shown++
			}
		}
		m := boardShown.FindStringSubmatch(res.Body)
		if m == nil || m[1] != strconv.Itoa(shown) {
			t.Errorf("%s: %s's board?%s shows %v units; counted from scratch %d", step, user, query, m, shown)
		}
	}
}

// boardShows is whether a row of the board has a table (either when 0)
// in state, or late.
func boardShows(row filing.BoardRow, table int, state string) bool {
	for i := 1; i <= 2; i++ {
		c := row.Cells[i]
		if (table == 0 || table == i) && (state == "" || state == string(c.Status) || state == "late" && c.Late) {
			return true
		}
	}
	return false
}

// TestBoardCountsFollowWrites makes, between requests for the board,
// every kind of change a board counts (an approval, a return, a change and
// a new submission, a new draft, a new organisation, a deadline passing
// and an extension, and drafts saved at once while the board is read)
// and, on PostgreSQL, changes made by a second server on the same
// database; after each, every count of the board, the
// organiser's and a district's, equals the board counted from scratch.
// The counts are kept between requests and follow the changes written
// since, so a change the database does not number, or a server that does
// not read the changes since, fails here.
func TestBoardCountsFollowWrites(t *testing.T) {
	run := func(t *testing.T, a, b *apptest.Env) {
		sys := account.AsSystem(context.Background())
		c := upcoming(t, a)
		fs := a.App.Filings
		servers := []*apptest.Env{a}
		if b != a {
			servers = append(servers, b)
		}
		var clients map[*apptest.Client]string
		signIn := func() {
			clients = map[*apptest.Client]string{}
			for _, e := range servers {
				for _, user := range []string{"admin", "fengze"} {
					clients[e.As(t, user)] = user
				}
			}
		}
		signIn()
		check := func(step string) {
			t.Helper()
			for c, user := range clients {
				checkBoard(t, c, a, user, step)
			}
		}
		check("at first")

		a.ApproveWaiting(t, "2026")
		check("after an approval")

		var id int64
		if err := a.App.DB.QueryRow(sys, `SELECT id FROM filings WHERE campaign_id = ? AND state = 'submitted' ORDER BY id LIMIT 1`, c.ID).Scan(&id); err != nil {
			t.Fatal(err)
		}
		f, err := fs.Get(sys, id)
		if err != nil {
			t.Fatal(err)
		}
		if err := fs.Return(sys, f.ID, f.Version, "请补充", nil); err != nil {
			t.Fatal(err)
		}
		check("after a return")

		if f, err = fs.Get(sys, id); err != nil {
			t.Fatal(err)
		}
		values := project("改过的活动")
		if f, _, _, err = fs.SaveItem(sys, c, f.OrgCode, f.Table, f.Items[0].UID, values); err != nil {
			t.Fatal(err)
		}
		check("after a returned table changed")
		if _, err := fs.Submit(sys, f.ID, f.Version); err != nil {
			t.Fatal(err)
		}
		check("after it came back")

		if _, err := a.App.Accounts.CreateOrg(sys, account.OrgInput{ParentCode: "fengze", Code: "newunit", Name: "新加入的单位", Kind: account.KindUnit}); err != nil {
			t.Fatal(err)
		}
		check("after a unit joined")
		if _, _, _, err := fs.SaveItem(sys, c, "newunit", 2, "", project("新单位的活动")); err != nil {
			t.Fatal(err)
		}
		check("after the new unit's first draft")
		if f, _, _, err = fs.SaveItem(sys, c, "newunit", 1, "", project("新单位的另一个活动")); err != nil {
			t.Fatal(err)
		}
		if _, err := fs.Submit(sys, f.ID, f.Version); err != nil {
			t.Fatal(err)
		}
		check("after the new unit submitted")

		// The deadline passes: what has not been submitted is late, but
		// for the unit given a few more days.
		deadline := c.FilingDeadline.Add(time.Hour)
		a.Clock.Set(deadline)
		b.Clock.Set(deadline)
		signIn() // the sessions ended meanwhile
		check("after the deadline")
		if err := fs.Extend(sys, c, "newunit", c.FilingDeadline.AddDate(0, 0, 3)); err != nil {
			t.Fatal(err)
		}
		check("after an extension")

		// Six units save drafts at once, half of them on each server,
		// while the boards are read: no change is lost between two reads.
		var units []string
		for i := range 6 {
			code := fmt.Sprintf("rush%d", i)
			if _, err := a.App.Accounts.CreateOrg(sys, account.OrgInput{ParentCode: "fengze", Code: code, Name: "同时填报的单位" + code, Kind: account.KindUnit}); err != nil {
				t.Fatal(err)
			}
			if err := fs.Extend(sys, c, code, c.FilingDeadline.AddDate(0, 0, 3)); err != nil {
				t.Fatal(err)
			}
			units = append(units, code)
		}
		check("after six units joined")
		var saving sync.WaitGroup
		for i, code := range units {
			e := servers[i%len(servers)]
			saving.Add(1)
			go func() {
				defer saving.Done()
				for table := 1; table <= 2; table++ {
					for j := range 3 {
						if _, _, _, err := e.App.Filings.SaveItem(sys, c, code, table, "", project(fmt.Sprintf("同时填报的活动 %d", j))); err != nil {
							t.Errorf("%s saving table %d: %v", code, table, err)
							return
						}
					}
				}
			}()
		}
		saved := make(chan struct{})
		go func() { saving.Wait(); close(saved) }()
		for reading := true; reading; {
			select {
			case <-saved:
				reading = false
			default:
				for c := range clients {
					if res := c.Get("/campaigns/2026/board"); res.Status != 200 {
						t.Fatalf("the board while units save: %d", res.Status)
					}
				}
			}
		}
		check("after six units saved at once")

		if a == b {
			return
		}
		// A change on one server, whose board the other has counted.
		if _, _, _, err := b.App.Filings.SaveItem(sys, upcoming(t, b), "newunit", 2, "", project("另一台服务器上的活动")); err != nil {
			t.Fatal(err)
		}
		check("after a draft changed on the second server")
		b.ApproveWaiting(t, "2026")
		check("after an approval on the second server")
		if _, err := b.App.Accounts.CreateOrg(sys, account.OrgInput{ParentCode: "fengze", Code: "peerunit", Name: "另一台服务器加入的单位", Kind: account.KindUnit}); err != nil {
			t.Fatal(err)
		}
		check("after a unit joined on the second server")
	}
	t.Run("sqlite", func(t *testing.T) {
		e := apptest.Start(t, apptest.Options{})
		run(t, e, e)
	})
	t.Run("postgres", func(t *testing.T) {
		a, b := apptest.Pair(t, apptest.Options{})
		run(t, a, b)
	})
}
