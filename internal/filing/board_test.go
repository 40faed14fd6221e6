package filing_test

import (
	"regexp"
	"strconv"
	"strings"
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

// TestBoardNamesFiltersItIgnores: a state, table or level the board does
// not offer is left out and named above the list, which then counts every
// organisation, as without it; its pages' links do not carry it on.
func TestBoardNamesFiltersItIgnores(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		admin := e.As(t, "admin")
		shown := regexp.MustCompile(`共 (\d+) 个单位`)
		total := func(res *apptest.Response) string {
			t.Helper()
			if res.Status != 200 {
				t.Fatalf("board: %d", res.Status)
			}
			m := shown.FindStringSubmatch(res.Body)
			if m == nil {
				t.Fatalf("the board shows no total:\n%s", res.Body)
			}
			return m[1]
		}
		all := admin.Get("/campaigns/2026/board")
		if strings.Contains(all.Body, "无法识别") {
			t.Errorf("the plain board names an ignored filter")
		}
		bad := admin.Get("/campaigns/2026/board?state=bogus&table=7&level=9&page=-3")
		if total(bad) != total(all) {
			t.Errorf("with values it does not offer the board counts %s, without them %s", total(bad), total(all))
		}
		if !strings.Contains(bad.Body, "以下条件无法识别，未应用： 状态、备案表、层级") {
			t.Errorf("the board does not name the filters it ignored:\n%s", bad.Body)
		}
		if regexp.MustCompile(`href="/campaigns/2026/board\?[^"]*bogus`).MatchString(bad.Body) {
			t.Errorf("a link of the board carries the ignored state on")
		}
		if ok := admin.Get("/campaigns/2026/board?state=late&table=1&level=1"); strings.Contains(ok.Body, "无法识别") {
			t.Errorf("values the board offers are named as ignored:\n%s", ok.Body)
		}
	})
}
