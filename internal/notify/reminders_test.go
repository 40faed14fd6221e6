package notify_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sciweek/sciweek/internal/app"
	"github.com/sciweek/sciweek/internal/apptest"
	"github.com/sciweek/sciweek/internal/filing"
	"github.com/sciweek/sciweek/internal/notify"
	"github.com/sciweek/sciweek/internal/platform/clock"
	"github.com/sciweek/sciweek/internal/platform/db"
	"github.com/sciweek/sciweek/internal/platform/sms"
)

// The 2026 demo campaign's filing deadline is the end of 12 December.
var (
	weekBefore  = time.Date(2026, 12, 5, 10, 0, 0, 0, clock.Zone)
	threeBefore = time.Date(2026, 12, 9, 10, 0, 0, 0, clock.Zone)
)

// notSubmitted lists, from the board, the organisations that owe a table:
// 附件1 not in review or approved, or a 附件2 started and not submitted.
func notSubmitted(t *testing.T, e *apptest.Env) []string {
	t.Helper()
	c, _ := e.App.Campaigns.Get(sys, "2026")
	rows, err := e.App.Filings.Board(sys, c)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rows {
		t1, t2 := r.Cells[1].Status, r.Cells[2].Status
		if (t1 != filing.StatusSubmitted && t1 != filing.StatusApproved) || t2 == filing.StatusDraft || t2 == filing.StatusReturned {
			out = append(out, r.Org.Code)
		}
	}
	sort.Strings(out)
	return out
}

// reminded lists the organisations reminded days before, one entry per
// reminder recorded.
func reminded(t *testing.T, d *db.DB, days int) []string {
	t.Helper()
	rows, err := d.Query(context.Background(), `SELECT o.code FROM reminders_sent r JOIN organisations o ON o.id = r.org_id WHERE r.days_before = ? ORDER BY o.code`, days)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var code string
		rows.Scan(&code)
		out = append(out, code)
	}
	return out
}

// deadlineNotices counts the deadline notifications each account received.
func deadlineNotices(t *testing.T, d *db.DB) map[string]int {
	t.Helper()
	rows, err := d.Query(context.Background(), `SELECT a.username, COUNT(*) FROM notifications n JOIN accounts a ON a.id = n.account_id WHERE n.topic = 'deadline' GROUP BY a.username`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var u string
		var n int
		rows.Scan(&u, &n)
		out[u] = n
	}
	return out
}

func tick(t *testing.T, e *apptest.Env) {
	t.Helper()
	if err := e.App.Jobs.Tick(context.Background()); err != nil {
		t.Fatal(err)
	}
	runJobs(t, e)
}

func checkReminded(t *testing.T, d *db.DB, days int, want []string) {
	t.Helper()
	if got := reminded(t, d, days); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("reminded %d days before:\n got %v\nwant %v", days, got, want)
	}
}

func TestRemindersGoOnceToUnitsThatHaveNotSubmitted(t *testing.T) {
	dir := t.TempDir()
	e := apptest.Start(t, apptest.Options{DataDir: dir})
	clerk := addClerk(t, e, "hqu", "clerk", "clerk@example.cn", "")
	want := notSubmitted(t, e)
	t.Logf("units to remind: %v", want)
	if len(want) == 0 || !contains(want, "hqu") {
		t.Fatalf("the demo should leave units to remind: %v", want)
	}

	tick(t, e) // two weeks before: nothing yet
	checkReminded(t, e.App.DB, 7, nil)

	e.Clock.Set(weekBefore)
	tick(t, e)
	checkReminded(t, e.App.DB, 7, want)
	if n := deadlineNotices(t, e.App.DB); n["clerk"] != 1 || n["hqu"] != 1 || n["hqu-checkin"] != 0 || n["admin"] != 0 {
		t.Fatalf("notices: %v", n)
	}
	clerk.Login("clerk", "clerk-password-1") // a week on, the session has expired
	res := clerk.Get("/notifications")
	if !strings.Contains(res.Body, "还有 7 天截止") || !strings.Contains(res.Body, "科技活动周重点项目备案表") {
		t.Errorf("the unit's notice:\n%s", res.Body)
	}

	// A restart on the same database, an hour later: nothing again.
	again := apptest.Start(t, apptest.Options{DataDir: dir})
	again.Clock.Set(weekBefore.Add(time.Hour))
	tick(t, again)
	checkReminded(t, again.App.DB, 7, want)
	if n := deadlineNotices(t, again.App.DB); n["clerk"] != 1 {
		t.Fatalf("after a restart: %v", n)
	}
	var mails int
	again.App.DB.QueryRow(context.Background(), `SELECT COUNT(*) FROM messages WHERE topic = 'deadline' AND recipient = 'clerk@example.cn'`).Scan(&mails)
	if mails != 1 {
		t.Fatalf("%d reminder e-mails to the clerk, want 1", mails)
	}

	// Three days before, the next rule.
	again.Clock.Set(threeBefore)
	tick(t, again)
	checkReminded(t, again.App.DB, 3, want)
	if n := deadlineNotices(t, again.App.DB); n["clerk"] != 2 {
		t.Fatalf("three days before: %v", n)
	}
	res = e.As(t, "admin").Get("/campaigns/2026/reminders")
	if !strings.Contains(res.Body, "华侨大学") || !strings.Contains(res.Body, "截止前 3 天") {
		t.Errorf("reminders sent, as the organiser sees them:\n%s", res.Body)
	}
}

// TestRemindersWithTwoServers runs the reminders from two sciweek
// instances on one PostgreSQL database at the same moment.
func TestRemindersWithTwoServers(t *testing.T) {
	a, b := apptest.Pair(t, apptest.Options{})
	want := notSubmitted(t, a)
	for _, e := range []*apptest.Env{a, b} {
		e.Clock.Set(weekBefore)
	}
	var wg sync.WaitGroup
	for range 3 {
		for _, e := range []*apptest.Env{a, b} {
			wg.Go(func() {
				if err := e.App.Notify.SendDueReminders(context.Background(), weekBefore); err != nil {
					t.Error(err)
				}
			})
			wg.Go(func() { e.App.Jobs.Tick(context.Background()); e.App.Jobs.RunDue(context.Background()) })
		}
	}
	wg.Wait()
	checkReminded(t, a.App.DB, 7, want)
	for user, n := range deadlineNotices(t, a.App.DB) {
		if n != 1 {
			t.Errorf("%s got %d reminders", user, n)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestTextMessages sends through the HTTP provider and keeps the record.
func TestTextMessages(t *testing.T) {
	var got []sms.Message
	var mu sync.Mutex
	provider := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Sciweek-Secret") != "gateway-secret" {
			http.Error(w, "unknown key", http.StatusForbidden)
			return
		}
		var m sms.Message
		json.NewDecoder(r.Body).Decode(&m)
		mu.Lock()
		got = append(got, m)
		mu.Unlock()
		w.Write([]byte(`{"ok": true}`))
	}))
	defer provider.Close()
	apptest.EachWith(t, apptest.Options{Configure: func(c *app.Config) {
		c.SMS = app.SMSConfig{URL: provider.URL, Secret: "gateway-secret"}
	}}, func(t *testing.T, e *apptest.Env) {
		mu.Lock()
		got = nil
		mu.Unlock()
		err := e.App.DB.InTx(context.Background(), func(tx *db.Tx) error {
			return e.App.Notify.Text(context.Background(), tx, "13812345678", "zh-CN", notify.Notice{Topic: notify.TopicExtended, Args: []string{"2026年泉州市科技活动周", "2026-12-16"}})
		})
		if err != nil {
			t.Fatal(err)
		}
		if n := runJobs(t, e); n != 1 {
			t.Fatalf("%d jobs ran", n)
		}
		if len(got) != 1 || got[0].To != "13812345678" || !strings.HasPrefix(got[0].Text, "【科技活动周】") || !strings.Contains(got[0].Text, "2026-12-16") || got[0].Ref == "" {
			t.Fatalf("provider got %+v", got)
		}
		var list struct {
			Items []notify.Message `json:"items"`
		}
		// A message to no organisation is the top administrator's to see:
		// the national bureau's, above Quanzhou.
		e.As(t, "most").Get("/api/v1/messages?channel=sms").JSON(t, &list)
		if len(list.Items) != 1 || list.Items[0].State != notify.StateSent || list.Items[0].Recipient != "138****5678" {
			t.Fatalf("message log: %+v", list.Items)
		}

		// After the retention, the daily task keeps only the masked number.
		e.Clock.Advance(notify.SMSRetention + 24*time.Hour)
		tick(t, e)
		var phone, text string
		e.App.DB.QueryRow(context.Background(), `SELECT recipient, body_text FROM messages WHERE channel = 'sms'`).Scan(&phone, &text)
		if phone != "138****5678" || text != "" {
			t.Errorf("after the retention: %q %q", phone, text)
		}
	})
}

// TestRemindersWaitForOfficeHours: the day's reminder goes at eight, not
// at midnight.
func TestRemindersWaitForOfficeHours(t *testing.T) {
	e := apptest.New(t)
	e.Clock.Set(time.Date(2026, 12, 5, 0, 30, 0, 0, clock.Zone))
	tick(t, e)
	checkReminded(t, e.App.DB, 7, nil)
	e.Clock.Set(time.Date(2026, 12, 5, 8, 0, 0, 0, clock.Zone))
	tick(t, e)
	checkReminded(t, e.App.DB, 7, notSubmitted(t, e))
}
