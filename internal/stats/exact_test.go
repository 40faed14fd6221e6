package stats_test

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/apptest"
	"github.com/sciweek/sciweek/internal/benchseed"
	"github.com/sciweek/sciweek/internal/campaign"
	"github.com/sciweek/sciweek/internal/demo"
	"github.com/sciweek/sciweek/internal/filing"
	"github.com/sciweek/sciweek/internal/stats"
)

// TestStatisticsStayExact approves, reopens, returns, re-approves and
// books between requests for the statistics, and after each step checks
// what the running server keeps against what is counted from scratch (see
// compareWithCounted).
func TestStatisticsStayExact(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		sys := account.AsSystem(context.Background())
		c, err := e.App.Campaigns.Get(sys, "2026")
		if err != nil {
			t.Fatal(err)
		}
		check := func(step string) { compareWithCounted(t, e, "admin", c, step) }
		check("at first")

		id := e.ApproveWaiting(t, "2026")
		check("approved")

		// Its district renamed, a minute later (what tells the
		// organisations changed is when the last one did): the
		// district's row follows.
		e.Clock.Advance(time.Minute)
		f, err := e.App.Filings.Get(sys, id)
		if err != nil {
			t.Fatal(err)
		}
		unit, err := e.App.Accounts.Org(sys, f.OrgCode)
		if err != nil {
			t.Fatal(err)
		}
		district, err := e.App.Accounts.OrgByID(sys, unit.ParentID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.App.Accounts.UpdateOrg(sys, district.Code, account.OrgInput{Name: district.Name + "（新）", NameEn: district.NameEn,
			ContactName: district.ContactName, ContactPhone: district.ContactPhone, ContactEmail: district.ContactEmail, Address: district.Address}); err != nil {
			t.Fatal(err)
		}
		check("renamed")

		if len(f.Items) < 2 {
			t.Fatalf("filing %d has %d items", id, len(f.Items))
		}
		if now := e.App.Filings.Clock.Now(); now.After(c.FilingDeadline) {
			if err := e.App.Filings.Extend(sys, c, f.OrgCode, c.Start.Add(-time.Hour)); err != nil {
				t.Fatal(err)
			}
		}
		if err := e.App.Filings.Reopen(sys, id, f.Version); err != nil {
			t.Fatal(err)
		}
		check("reopened")

		// Submitted with one activity fewer and returned: the approved
		// revision still counts.
		f = resubmitWithout(t, e, id, f.Items[0].UID)
		if err := e.App.Filings.Return(sys, id, f.Version, "请补充", nil); err != nil {
			t.Fatal(err)
		}
		check("returned")

		// Submitted again with another fewer and approved: the new
		// revision counts instead.
		resubmitWithout(t, e, id, f.Items[1].UID)
		for f, err = e.App.Filings.Get(sys, id); err == nil && f.State == filing.StateSubmitted; f, err = e.App.Filings.Get(sys, id) {
			if err = e.App.Filings.Approve(sys, id, f.Version, ""); err != nil {
				t.Fatal(err)
			}
		}
		if err != nil || f.State != filing.StateApproved {
			t.Fatalf("re-approval: %v %s", err, f.State)
		}
		check("approved again")

		if err := demo.LoadBookings(sys, e.App.Booking); err != nil {
			t.Fatal(err)
		}
		check("booked")
	})
}

// TestSeededFiguresAreCounted checks that the figures the bench seed
// writes beside each revision are those the statistics count from its
// items.
func TestSeededFiguresAreCounted(t *testing.T) {
	apptest.EachWith(t, apptest.Options{NoDemo: true}, func(t *testing.T, e *apptest.Env) {
		sys := account.AsSystem(context.Background())
		if _, err := benchseed.Seed(sys, e.App, benchseed.Options{Activities: 300, Units: 60, Flat: true}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.App.Accounts.CreateAccount(sys, account.AccountInput{OrgCode: "cn", Username: "most", DisplayName: "科技部活动周管理员",
			Password: "Organiser-2026-exact", Roles: []account.Role{account.RoleAdmin}}); err != nil {
			t.Fatal(err)
		}
		c, err := e.App.Campaigns.Get(sys, benchseed.Slug)
		if err != nil {
			t.Fatal(err)
		}
		compareWithCounted(t, e, "most", c, "seeded")
	})
}

// compareWithCounted checks the statistics of c for the account username,
// as the running server keeps them, against a server that has kept
// nothing: once reading the figures stored per approved revision, once
// with them deleted, so that they are counted from the revisions' items
// again. The total of activities and of places booked is also counted
// here from the database itself.
func compareWithCounted(t *testing.T, e *apptest.Env, username string, c campaign.Campaign, step string) {
	t.Helper()
	sys := account.AsSystem(context.Background())
	a, err := e.App.Accounts.Account(sys, username)
	if err != nil {
		t.Fatal(err)
	}
	org, err := e.App.Accounts.OrgByID(sys, a.OrgID)
	if err != nil {
		t.Fatal(err)
	}
	ctx := account.WithPrincipal(sys, &account.Principal{Account: a, Org: org})
	fresh := func() *stats.Service {
		return &stats.Service{Accounts: e.App.Accounts, Campaigns: e.App.Campaigns, Filings: e.App.Filings.At(e.App.Filings.Clock),
			Reports: e.App.Reports, Bookings: e.App.Booking}
	}
	summary := func(s *stats.Service) stats.Summary {
		t.Helper()
		sum, err := s.Summarize(ctx, c, "zh-CN")
		if err != nil {
			t.Fatal(err)
		}
		return sum
	}
	kept := summary(e.App.Stats)
	if stored := summary(fresh()); !reflect.DeepEqual(kept, stored) {
		t.Errorf("%s: the kept statistics differ from the stored figures':\n%+v\n%+v", step, kept.Totals, stored.Totals)
	}
	if _, err := e.App.DB.Exec(sys, `DELETE FROM filing_figures`); err != nil {
		t.Fatal(err)
	}
	if counted := summary(fresh()); !reflect.DeepEqual(kept, counted) {
		t.Errorf("%s: the kept statistics differ from the figures counted again:\n%+v %v %v %v\n%+v %v %v %v", step,
			kept.Totals, kept.ByCategory, kept.ByDay, kept.ByMode, counted.Totals, counted.ByCategory, counted.ByDay, counted.ByMode)
	}
	activities, booked := countDirectly(t, e, c)
	if kept.Totals.Activities != activities || kept.Totals.Booked != booked || activities == 0 {
		t.Errorf("%s: %d activities and %d places booked counted, %d and %d in the database", step,
			kept.Totals.Activities, kept.Totals.Booked, activities, booked)
	}
}

// resubmitWithout deletes an item of a filing open for changes and
// submits it again.
func resubmitWithout(t *testing.T, e *apptest.Env, id int64, uid string) filing.Filing {
	t.Helper()
	sys := account.AsSystem(context.Background())
	if err := e.App.Filings.DeleteItem(sys, id, uid); err != nil {
		t.Fatal(err)
	}
	f, err := e.App.Filings.Get(sys, id)
	if err != nil {
		t.Fatal(err)
	}
	if f, err = e.App.Filings.Submit(sys, id, f.Version); err != nil {
		t.Fatal(err)
	}
	return f
}

// countDirectly counts the items of the approved revisions of table 1 of
// c's subtree and the places booked at its activities, from the tables.
func countDirectly(t *testing.T, e *apptest.Env, c campaign.Campaign) (activities, booked int) {
	t.Helper()
	sys := account.AsSystem(context.Background())
	scope, err := e.App.Campaigns.Subtree(sys, c)
	if err != nil {
		t.Fatal(err)
	}
	for _, cc := range scope {
		rows, err := e.App.DB.Query(sys, `SELECT r.items FROM filing_revisions r JOIN filings f ON f.id = r.filing_id AND r.number = f.approved_revision
			WHERE f.campaign_id = ? AND f.table_no = 1`, cc.ID)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var data string
			var items []json.RawMessage
			if err := rows.Scan(&data); err != nil {
				t.Fatal(err)
			}
			if err := json.NewDecoder(strings.NewReader(data)).Decode(&items); err != nil {
				t.Fatal(err)
			}
			activities += len(items)
		}
		rows.Close()
		var n int
		if err := e.App.DB.QueryRow(sys, `SELECT COALESCE(SUM(taken), 0) FROM booking_slots WHERE campaign_id = ?`, cc.ID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		booked += n
	}
	return activities, booked
}
