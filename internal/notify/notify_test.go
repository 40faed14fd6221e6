package notify_test

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/app"
	"github.com/sciweek/sciweek/internal/apptest"
	"github.com/sciweek/sciweek/internal/campaign"
	"github.com/sciweek/sciweek/internal/filing"
	"github.com/sciweek/sciweek/internal/notify"
	"github.com/sciweek/sciweek/internal/platform/mail"
	"github.com/sciweek/sciweek/internal/platform/mail/mailtest"
)

var sys = account.AsSystem(context.Background())

func withMail(host string, port int) func(*app.Config) {
	return func(c *app.Config) {
		c.SMTP = mail.Config{Host: host, Port: port, From: "泉州市科学技术局 <noreply@qzkj.example.cn>", Security: mail.None, Timeout: 3 * time.Second}
	}
}

// waiting returns a 2026 filing that waits for 丰泽区's review.
func waiting(t *testing.T, e *apptest.Env) (campaign.Campaign, filing.Filing) {
	t.Helper()
	c, err := e.App.Campaigns.Get(sys, "2026")
	if err != nil {
		t.Fatal(err)
	}
	fengze, _ := e.App.Accounts.Org(sys, "fengze")
	fs, err := e.App.Filings.List(sys, c, filing.ListFilter{State: filing.StateSubmitted})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fs {
		if f.StageOrgID == fengze.ID {
			return c, f
		}
	}
	t.Fatal("the demo has no filing waiting for 丰泽区")
	return c, filing.Filing{}
}

// addClerk gives an organisation a filer with an e-mail address and a
// language, and returns a client logged in as that filer.
func addClerk(t *testing.T, e *apptest.Env, org, username, email, locale string) *apptest.Client {
	t.Helper()
	if _, err := e.App.Accounts.CreateAccount(sys, account.AccountInput{OrgCode: org, Username: username, Email: email,
		Password: "clerk-password-1", Roles: []account.Role{account.RoleFiler}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.App.DB.Exec(context.Background(), `UPDATE accounts SET locale = ? WHERE username = ?`, locale, username); err != nil {
		t.Fatal(err)
	}
	c := e.Client(t)
	c.Login(username, "clerk-password-1")
	return c
}

func runJobs(t *testing.T, e *apptest.Env) int {
	t.Helper()
	n, err := e.App.Jobs.RunDue(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func returnFiling(t *testing.T, e *apptest.Env, f filing.Filing, comment string) {
	t.Helper()
	res := e.As(t, "fengze").PostForm("/filings/"+strconv.FormatInt(f.ID, 10)+"/return", url.Values{"version": {strconv.Itoa(f.Version)}, "comment": {comment}})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("return: %d\n%s", res.Status, res.Body)
	}
}

func TestReturnedFilingIsMailedInTheRecipientsLanguage(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{})
	apptest.EachWith(t, apptest.Options{Configure: withMail(srv.Host, srv.Port)}, func(t *testing.T, e *apptest.Env) {
		before := len(srv.Messages())
		c, f := waiting(t, e)
		if _, err := e.App.DB.Exec(context.Background(), `UPDATE organisations SET name_en = ? WHERE code = ?`, "Lab <b>&</b> Co", f.OrgCode); err != nil {
			t.Fatal(err)
		}
		en := addClerk(t, e, f.OrgCode, "clerk-en", "clerk-en@example.cn", "en")
		addClerk(t, e, f.OrgCode, "clerk-zh", "clerk-zh@example.cn", "")

		returnFiling(t, e, f, "请补充安全保障措施 <script>alert(1)</script>")
		if n := runJobs(t, e); n != 2 {
			t.Fatalf("%d jobs ran, want the two e-mails", n)
		}
		got := map[string]mailtest.Received{}
		for _, m := range srv.Wait(t, before+2, 5*time.Second)[before:] {
			got[m.To[0]] = m
		}
		link := "http://sciweek.test/campaigns/" + c.Slug + "/filings/" + f.OrgCode + "/" + strconv.Itoa(f.Table)
		enMail, zhMail := got["clerk-en@example.cn"], got["clerk-zh@example.cn"]
		if !strings.Contains(enMail.Subject, "was returned for changes") || enMail.Header.Get("Content-Language") != "en" {
			t.Errorf("English recipient: subject %q, language %q", enMail.Subject, enMail.Header.Get("Content-Language"))
		}
		if !strings.Contains(zhMail.Subject, "被退回修改") || zhMail.Header.Get("Content-Language") != "zh-CN" {
			t.Errorf("Chinese recipient: subject %q", zhMail.Subject)
		}
		for _, want := range []string{"Dear Lab <b>&</b> Co,", "丰泽区", "请补充安全保障措施 <script>alert(1)</script>", link} {
			if !strings.Contains(enMail.Text, want) {
				t.Errorf("text part lacks %q:\n%s", want, enMail.Text)
			}
		}
		for _, want := range []string{"Lab &lt;b&gt;&amp;&lt;/b&gt; Co", "&lt;script&gt;alert(1)&lt;/script&gt;", `href="` + link + `"`} {
			if !strings.Contains(enMail.HTML, want) {
				t.Errorf("HTML part lacks %q:\n%s", want, enMail.HTML)
			}
		}
		if strings.Contains(enMail.HTML, "<b>&</b>") || strings.Contains(enMail.HTML, "<script>") {
			t.Errorf("HTML part holds unescaped user text:\n%s", enMail.HTML)
		}
		if !strings.Contains(zhMail.Text, "审核意见：请补充安全保障措施") {
			t.Errorf("Chinese text:\n%s", zhMail.Text)
		}

		// The clerk sees it in the app, in the account's language, with an
		// unread count in the menu.
		res := en.Get("/notifications")
		if !strings.Contains(res.Body, `aria-hidden="true">1</span><span class="sr-only"> (1 unread)</span>`) || !strings.Contains(res.Body, "was returned for changes") {
			t.Errorf("notification list:\n%s", res.Body)
		}
		// The organiser sees both messages as sent.
		res = e.As(t, "admin").Get("/admin/messages?state=sent")
		if !strings.Contains(res.Body, "clerk-en@example.cn") || !strings.Contains(res.Body, "clerk-zh@example.cn") || !strings.Contains(res.Body, "已发送") {
			t.Errorf("message log:\n%s", res.Body)
		}
	})
}

// TestUnreachableServer retries with back-off, then records the reason.
func TestUnreachableServer(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	e := apptest.Start(t, apptest.Options{Configure: func(c *app.Config) {
		withMail("127.0.0.1", port)(c)
		c.MetricsToken = "metrics-token"
	}})
	_, f := waiting(t, e)
	addClerk(t, e, f.OrgCode, "clerk", "clerk@example.cn", "")
	returnFiling(t, e, f, "请补充材料")
	state := func() (notify.State, int, string) {
		var s notify.State
		var n int
		var reason string
		e.App.DB.QueryRow(context.Background(), `SELECT state, attempts, reason FROM messages WHERE recipient = 'clerk@example.cn'`).Scan(&s, &n, &reason)
		return s, n, reason
	}
	runJobs(t, e)
	if s, n, reason := state(); s != notify.StateQueued || n != 1 || !strings.Contains(reason, "connection refused") {
		t.Fatalf("after the first attempt: %s, %d attempts, %q", s, n, reason)
	}
	if runJobs(t, e) != 0 {
		t.Fatal("retried without waiting")
	}
	for range 10 {
		e.Clock.Advance(time.Hour)
		runJobs(t, e)
	}
	s, n, reason := state()
	if s != notify.StateFailed || n != 6 || !strings.Contains(reason, "connection refused") {
		t.Fatalf("after the retries: %s, %d attempts, %q", s, n, reason)
	}
	res := e.As(t, "admin").Get("/admin/messages?state=failed")
	if !strings.Contains(res.Body, "发送失败") || !strings.Contains(res.Body, "connection refused") {
		t.Errorf("the organiser does not see the failure:\n%s", res.Body)
	}
	// Monitoring sees it too.
	res = e.Client(t).Do("GET", "/metrics", nil, http.Header{"Authorization": {"Bearer metrics-token"}})
	for _, want := range []string{`sciweek_messages{channel="email",state="failed"} 1`, `sciweek_jobs{state="failed"} 1`, `sciweek_jobs{state="queued"} 0`} {
		if !strings.Contains(res.Body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

// TestRefusedRecipient fails at once, with the server's reason.
func TestRefusedRecipient(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{})
	srv.Refuse(func(to string) bool { return to == "gone@example.cn" })
	e := apptest.Start(t, apptest.Options{Configure: withMail(srv.Host, srv.Port)})
	_, f := waiting(t, e)
	addClerk(t, e, f.OrgCode, "clerk", "gone@example.cn", "")
	returnFiling(t, e, f, "请补充材料")
	runJobs(t, e)
	e.Clock.Advance(24 * time.Hour)
	if n := runJobs(t, e); n != 0 {
		t.Fatalf("a refused message was tried again (%d jobs)", n)
	}
	var s notify.State
	var attempts int
	var reason string
	e.App.DB.QueryRow(context.Background(), `SELECT state, attempts, reason FROM messages WHERE recipient = 'gone@example.cn'`).Scan(&s, &attempts, &reason)
	if s != notify.StateFailed || attempts != 1 || !strings.Contains(reason, "550") || !strings.Contains(reason, "does not exist") {
		t.Fatalf("refused: %s after %d attempts, %q", s, attempts, reason)
	}
	if len(srv.Messages()) != 0 {
		t.Fatal("the server kept a refused message")
	}

	// The mailbox is created; the organiser sends the message again.
	srv.Refuse(nil)
	var id int64
	e.App.DB.QueryRow(context.Background(), `SELECT id FROM messages WHERE recipient = 'gone@example.cn'`).Scan(&id)
	path := "/admin/messages/" + strconv.FormatInt(id, 10) + "/resend"
	if res := e.As(t, "fengze").PostForm(path, nil); res.Status != http.StatusForbidden {
		t.Errorf("a coordinator resends: %d", res.Status)
	}
	admin := e.As(t, "admin")
	if res := admin.Get("/admin/messages"); !strings.Contains(res.Body, `action="`+path+`"`) {
		t.Errorf("no resend button on the failed message:\n%s", res.Body)
	}
	if res := admin.PostForm(path, nil); res.Status != http.StatusSeeOther {
		t.Fatalf("resend: %d\n%s", res.Status, res.Body)
	}
	if res := admin.PostForm(path, nil); res.Status != http.StatusConflict {
		t.Errorf("resending a queued message: %d", res.Status)
	}
	runJobs(t, e)
	if got := srv.Wait(t, 1, 5*time.Second); got[0].To[0] != "gone@example.cn" {
		t.Fatalf("resent to %v", got[0].To)
	}
	e.App.DB.QueryRow(context.Background(), `SELECT state FROM messages WHERE id = ?`, id).Scan(&s)
	if s != notify.StateSent {
		t.Errorf("after resending: %s", s)
	}
}

// TestMailOff records messages when no server is configured.
func TestMailOff(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		_, f := waiting(t, e)
		addClerk(t, e, f.OrgCode, "clerk", "clerk@example.cn", "")
		returnFiling(t, e, f, "请补充材料")
		if n := runJobs(t, e); n != 0 {
			t.Fatalf("%d jobs ran with mail off", n)
		}
		res := e.As(t, "admin").Get("/admin/messages?channel=email")
		if !strings.Contains(res.Body, "clerk@example.cn") || !strings.Contains(res.Body, "未发送") || !strings.Contains(res.Body, "SCIWEEK_SMTP_HOST") {
			t.Errorf("message log with mail off:\n%s", res.Body)
		}
	})
}

func TestNotices(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		c, f := waiting(t, e)
		clerk := addClerk(t, e, f.OrgCode, "clerk", "", "")
		admin := e.As(t, "admin")
		fengze := e.As(t, "fengze")

		// Approval at the district goes on to the city; the unit hears of it.
		res := fengze.PostForm("/filings/"+strconv.FormatInt(f.ID, 10)+"/approve", url.Values{"version": {strconv.Itoa(f.Version)}})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("approve: %d\n%s", res.Status, res.Body)
		}
		res = admin.PostForm("/campaigns/"+c.Slug+"/board/extend", url.Values{"org": {f.OrgCode}, "until": {"2026-12-16"}})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("extend: %d\n%s", res.Status, res.Body)
		}
		other := 3 - f.Table
		res = admin.PostForm("/campaigns/"+c.Slug+"/board/remind", url.Values{"org": {f.OrgCode}, "table": {strconv.Itoa(other)}})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("remind: %d\n%s", res.Status, res.Body)
		}

		var list struct {
			Items []struct {
				ID    int64  `json:"id"`
				Topic string `json:"topic"`
				Title string `json:"title"`
				Body  string `json:"body"`
				Link  string `json:"link"`
				Read  bool   `json:"read"`
			} `json:"items"`
			Total  int `json:"total"`
			Unread int `json:"unread"`
		}
		clerk.Header.Set("Accept-Language", "en")
		clerk.Get("/api/v1/notifications").JSON(t, &list)
		if list.Total != 3 || list.Unread != 3 {
			t.Fatalf("notifications: %+v", list)
		}
		wantTopics := []string{"filing_reminded", "filing_extended", "filing_forwarded"}
		for i, n := range list.Items {
			if n.Topic != wantTopics[i] || n.Read {
				t.Errorf("notification %d: %+v, want %s unread", i, n, wantTopics[i])
			}
		}
		if !strings.Contains(list.Items[1].Body, "2026-12-16") || !strings.Contains(list.Items[2].Title, "passed review at") {
			t.Errorf("texts: %+v", list.Items)
		}

		// Opening one marks it read and goes to its page; another
		// account cannot open it.
		id := strconv.FormatInt(list.Items[2].ID, 10)
		if res := admin.PostForm("/notifications/"+id+"/open", nil); res.Status != http.StatusNotFound {
			t.Errorf("someone else's notification: %d", res.Status)
		}
		res = clerk.PostForm("/notifications/"+id+"/open", nil)
		if res.Status != http.StatusSeeOther || res.Location() != list.Items[2].Link {
			t.Errorf("open: %d to %q, want %q", res.Status, res.Location(), list.Items[2].Link)
		}
		res = clerk.Get("/notifications")
		if !strings.Contains(res.Body, `aria-hidden="true">2</span><span class="sr-only"> (2 unread)</span>`) {
			t.Errorf("badge after opening one:\n%s", res.Body)
		}
		if res := clerk.PostForm("/notifications/read", nil); res.Status != http.StatusSeeOther {
			t.Fatalf("read all: %d", res.Status)
		}
		if res := clerk.Get("/dashboard"); strings.Contains(res.Body, `class="nav-count"`) {
			t.Error("the badge stays after reading all")
		}
		if res := e.Client(t).Get("/api/v1/notifications"); res.Status != http.StatusUnauthorized {
			t.Errorf("public: %d", res.Status)
		}
		if res := clerk.Get("/admin/messages"); res.Status != http.StatusForbidden {
			t.Errorf("a unit reads the message log: %d", res.Status)
		}
	})
}

func TestReminderRulesPage(t *testing.T) {
	e := apptest.New(t)
	admin := e.As(t, "admin")
	res := admin.Get("/campaigns/2026/reminders")
	if res.Status != http.StatusOK || !strings.Contains(res.Body, `value="7, 3, 1"`) {
		t.Fatalf("rules page: %d\n%s", res.Status, res.Body)
	}
	res = admin.PostForm("/campaigns/2026/reminders", url.Values{"days_filing": {"7, x"}})
	if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `id="days_filing-error"`) || !strings.Contains(res.Body, `value="7, x"`) {
		t.Fatalf("bad days: %d\n%s", res.Status, res.Body)
	}
	res = admin.PostForm("/campaigns/2026/reminders", url.Values{"days_filing": {"10，5，2"}})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("save: %d\n%s", res.Status, res.Body)
	}
	if res := admin.Get("/campaigns/2026/reminders"); !strings.Contains(res.Body, `value="10, 5, 2"`) {
		t.Errorf("saved rules:\n%s", res.Body)
	}
	var audited int
	e.App.DB.QueryRow(context.Background(), `SELECT COUNT(*) FROM audit_events WHERE action = 'notify.rules' AND object_id = '2026' AND actor_name = 'admin'`).Scan(&audited)
	if audited != 1 {
		t.Errorf("%d audit events for the change, want 1", audited)
	}
	if res := e.As(t, "hqu").Get("/campaigns/2026/reminders"); res.Status != http.StatusForbidden {
		t.Errorf("a unit opens the rules: %d", res.Status)
	}
}
