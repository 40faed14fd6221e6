package filing_test

import (
	"regexp"
	"strconv"
	"testing"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/apptest"
)

// badge is a count at the top of the board: a status and its number.
var badge = regexp.MustCompile(`<li class="badge">(\S+) (\d+)</li>`)

// TestBoardFollowsChanges reads the board, approves a waiting table and
// adds a unit, and reads the board again: its counts, kept between
// requests, follow each change at once.
func TestBoardFollowsChanges(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		admin := e.As(t, "admin")
		counts := func() map[string]int {
			t.Helper()
			res := admin.Get("/campaigns/2026/board")
			if res.Status != 200 {
				t.Fatalf("board: %d", res.Status)
			}
			out := map[string]int{}
			for _, m := range badge.FindAllStringSubmatch(res.Body, -1) {
				out[m[1]], _ = strconv.Atoi(m[2])
			}
			return out
		}
		before := counts()
		e.ApproveWaiting(t, "2026")
		sys := account.AsSystem(t.Context())
		approved := counts()
		if approved["已通过"] != before["已通过"]+1 || approved["审核中"] != before["审核中"]-1 {
			t.Errorf("after an approval the board counts %v, before %v", approved, before)
		}
		if _, err := e.App.Accounts.CreateOrg(sys, account.OrgInput{ParentCode: "fengze", Code: "newunit", Name: "新加入的单位", Kind: account.KindUnit}); err != nil {
			t.Fatal(err)
		}
		// A new unit has not started either table.
		if added := counts(); added["未开始"] != approved["未开始"]+2 {
			t.Errorf("after a unit joined the board counts %v, before %v", added, approved)
		}
	})
}
