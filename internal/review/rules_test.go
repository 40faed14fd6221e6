package review_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/apptest"
	"github.com/sciweek/sciweek/internal/audit"
	"github.com/sciweek/sciweek/internal/campaign"
	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/filing"
	"github.com/sciweek/sciweek/internal/news"
	"github.com/sciweek/sciweek/internal/report"
	"github.com/sciweek/sciweek/internal/review"
)

// TestDecide pins the rows of the rule table that matter most, so a change
// to Rules shows here.
func TestDecide(t *testing.T) {
	tests := []struct {
		from   review.State
		action review.Action
		role   review.Role
		want   review.State
		code   errs.Code
	}{
		{review.Draft, review.Submit, review.Author, review.Submitted, ""},
		{review.Returned, review.Submit, review.Author, review.Submitted, ""},
		{review.Submitted, review.Submit, review.Author, "", errs.Conflict},
		{review.Approved, review.Edit, review.Author, review.Draft, ""},
		{review.Submitted, review.Edit, review.Author, "", errs.Conflict},
		{review.Submitted, review.Approve, review.Reviewer, review.Approved, ""},
		{review.Submitted, review.Return, review.Reviewer, review.Returned, ""},
		{review.Draft, review.Approve, review.Reviewer, "", errs.Conflict},
		{review.Submitted, review.Approve, review.OtherLevel, "", errs.Forbidden},
		{review.Submitted, review.Approve, review.Author, "", errs.Forbidden},
		{review.Approved, review.Reopen, review.Author, review.Draft, ""},
		{review.Approved, review.Reopen, review.Checkin, "", errs.Forbidden},
		{review.Draft, review.Edit, review.Checkin, "", errs.Forbidden},
		{review.Draft, review.Remind, review.Checkin, "", errs.Forbidden},
		{review.Draft, review.Reopen, review.Author, "", errs.Conflict},
		{review.Draft, review.Remind, review.OtherLevel, review.Draft, ""},
		{review.Draft, review.Extend, review.OtherLevel, "", errs.Forbidden},
		{review.Draft, review.Extend, review.Reviewer, review.Draft, ""},
		{review.Submitted, review.Approve, review.Anonymous, "", errs.Unauthenticated},
		{review.Submitted, review.Approve, review.Outsider, "", errs.NotFound},
		{review.Submitted, review.Approve, review.System, review.Approved, ""},
	}
	for _, tt := range tests {
		got, err := review.Decide(tt.from, tt.action, tt.role)
		if tt.code != "" {
			if errs.CodeOf(err) != tt.code {
				t.Errorf("%s %s by %s: %v, want %s", tt.from, tt.action, tt.role, err, tt.code)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%s %s by %s: %s %v, want %s", tt.from, tt.action, tt.role, got, err, tt.want)
		}
	}
}

// thing is one kind of reviewed thing as the rule test drives it through
// its real service: hqu's, reviewed by fengze and then the city.
type thing struct {
	kind string
	// make returns the id of a fresh one in state st, submitted ones
	// waiting at fengze.
	make func(t *testing.T, st review.State) int64
	// act takes the action; ok is false when the kind does not offer it.
	act func(ctx context.Context, id int64, a review.Action) (err error, ok bool)
	// table, events and key name where it and its history are stored.
	table, events, key string
}

func as(t *testing.T, e *apptest.Env, username string) context.Context {
	t.Helper()
	ctx := context.Background()
	acc, err := e.App.Accounts.Account(ctx, username)
	if err != nil {
		t.Fatal(err)
	}
	org, err := e.App.Accounts.OrgByID(ctx, acc.OrgID)
	if err != nil {
		t.Fatal(err)
	}
	ctx = account.WithPrincipal(ctx, &account.Principal{Account: acc, Org: org})
	return audit.WithActor(ctx, audit.Actor{ID: acc.ID, Name: acc.Username, OrgID: org.ID})
}

func project(title string) filing.Values {
	return filing.Values{
		filing.KeyTitle: title, filing.KeyHost: "华侨大学", filing.KeyCategory: "展示科技创新成就", filing.KeyMode: "线下",
		filing.KeyStart: "2026-12-20 09:00", filing.KeyEnd: "2026-12-20 17:00", filing.KeyPlace: "泉州市丰泽区城华北路269号",
		filing.KeyContent: "人工智能与机器人展示", filing.KeyAudience: "青少年、社会公众", filing.KeyExpected: "300人",
		filing.KeyContact: "林老师", filing.KeyPhone: "0595-22692114",
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// drive takes a fresh draft to st through the services, as the unit and
// its reviewers would.
func drive(t *testing.T, st review.State, submit, returnIt, approve func() error) {
	t.Helper()
	if st == review.Draft {
		return
	}
	must(t, submit())
	switch st {
	case review.Returned:
		must(t, returnIt())
	case review.Approved:
		must(t, approve()) // fengze
		must(t, approve()) // the city
	}
}

func things(t *testing.T, e *apptest.Env, c campaign.Campaign) []thing {
	hqu, fengze, admin := as(t, e, "hqu"), as(t, e, "fengze"), as(t, e, "admin")
	fs, rs, ns := e.App.Filings, e.App.Reports, e.App.News
	ctx := context.Background()
	// Reports open with the week; 华侨大学's is opened now, as the
	// organiser may, so its review can be tried before the week.
	must(t, rs.OpenEarly(admin, c, "hqu", e.Clock.Now()))
	version := func(table string, id int64) int {
		var v int
		must(t, e.App.DB.QueryRow(ctx, `SELECT version FROM `+table+` WHERE id = ?`, id).Scan(&v))
		return v
	}
	stageCtx := func(table string, id int64) context.Context {
		var stage int64
		must(t, e.App.DB.QueryRow(ctx, `SELECT COALESCE(stage_org_id, 0) FROM `+table+` WHERE id = ?`, id).Scan(&stage))
		if stage == c.OwnerOrgID {
			return admin
		}
		return fengze
	}
	filingThing := thing{kind: "filing", table: "filings", events: "filing_events", key: "filing_id",
		make: func(t *testing.T, st review.State) int64 {
			_, err := e.App.DB.Exec(ctx, `DELETE FROM filings WHERE campaign_id = ? AND table_no = 1 AND org_id = (SELECT id FROM organisations WHERE code = 'hqu')`, c.ID)
			must(t, err)
			f, _, _, err := fs.SaveItem(hqu, c, "hqu", 1, "", project("人工智能科普展"))
			must(t, err)
			id := f.ID
			drive(t, st,
				func() error { _, err := fs.Submit(hqu, id, version("filings", id)); return err },
				func() error { return fs.Return(fengze, id, version("filings", id), "请补充讲解安排", nil) },
				func() error { return fs.Approve(stageCtx("filings", id), id, version("filings", id), "") })
			if st == review.Returned { // changed as asked, so it may go back
				_, _, _, err := fs.SaveItem(hqu, c, "hqu", 1, f.Items[0].UID, project("人工智能科普展（改）"))
				must(t, err)
			}
			return id
		},
		act: func(ctx context.Context, id int64, a review.Action) (error, bool) {
			v := version("filings", id)
			switch a {
			case review.Submit:
				_, err := fs.Submit(ctx, id, v)
				return err, true
			case review.Approve:
				return fs.Approve(ctx, id, v, "同意"), true
			case review.Return:
				return fs.Return(ctx, id, v, "请修改", nil), true
			case review.Reopen:
				return fs.Reopen(ctx, id, v), true
			case review.Edit:
				_, _, _, err := fs.SaveItem(ctx, c, "hqu", 1, "", project("机器人开放日"))
				return err, true
			case review.Extend:
				return fs.Extend(ctx, c, "hqu", c.FilingDeadline.AddDate(0, 0, 3)), true
			case review.Remind:
				return fs.Remind(ctx, c, "hqu", 1), true
			}
			return nil, false
		}}
	sections := report.Input{Sections: report.Sections{Implementation: "组织实施", Content: "主要内容", Results: "活动成效", Cases: "典型案例"}}
	reportThing := thing{kind: "report", table: "reports", events: "report_events", key: "report_id",
		make: func(t *testing.T, st review.State) int64 {
			_, err := e.App.DB.Exec(ctx, `DELETE FROM reports WHERE campaign_id = ? AND org_id = (SELECT id FROM organisations WHERE code = 'hqu')`, c.ID)
			must(t, err)
			r, err := rs.Save(hqu, c, "hqu", 0, sections)
			must(t, err)
			id := r.ID
			drive(t, st,
				func() error { _, err := rs.Submit(hqu, id, version("reports", id)); return err },
				func() error { return rs.Return(fengze, id, version("reports", id), "请补充照片") },
				func() error { return rs.Approve(stageCtx("reports", id), id, version("reports", id), "") })
			return id
		},
		act: func(ctx context.Context, id int64, a review.Action) (error, bool) {
			v := version("reports", id)
			switch a {
			case review.Submit:
				_, err := rs.Submit(ctx, id, v)
				return err, true
			case review.Approve:
				return rs.Approve(ctx, id, v, "同意"), true
			case review.Return:
				return rs.Return(ctx, id, v, "请修改"), true
			case review.Reopen:
				return rs.Reopen(ctx, id, v), true
			case review.Edit:
				_, err := rs.Save(ctx, c, "hqu", v, sections)
				return err, true
			case review.Extend:
				return rs.Extend(ctx, c, "hqu", c.SummaryDeadline.AddDate(0, 0, 3)), true
			}
			return nil, false
		}}
	article := news.Input{Section: news.SectionNews, Title: "华侨大学开放日", Body: "实验室开放。"}
	newsThing := thing{kind: "news", table: "articles", events: "news_events", key: "article_id",
		make: func(t *testing.T, st review.State) int64 {
			a, _, err := ns.Create(hqu, c, article, false)
			must(t, err)
			id := a.ID
			drive(t, st,
				func() error { _, err := ns.Submit(hqu, id, version("articles", id)); return err },
				func() error { return ns.Return(fengze, id, version("articles", id), "请补充图片") },
				func() error {
					_, err := ns.Approve(stageCtx("articles", id), id, version("articles", id), "")
					return err
				})
			return id
		},
		act: func(ctx context.Context, id int64, a review.Action) (error, bool) {
			v := version("articles", id)
			switch a {
			case review.Submit:
				_, err := ns.Submit(ctx, id, v)
				return err, true
			case review.Approve:
				_, err := ns.Approve(ctx, id, v, "同意")
				return err, true
			case review.Return:
				return ns.Return(ctx, id, v, "请修改"), true
			case review.Reopen:
				return ns.Reopen(ctx, id, v), true
			case review.Edit:
				in := article
				in.Title = "华侨大学开放日（更新）"
				_, _, err := ns.Update(ctx, id, v, in, false)
				return err, true
			}
			return nil, false
		}}
	return []thing{filingThing, reportThing, newsThing}
}

// TestRules runs the rule table through the real services of every kind:
// each (kind, state, action, role) does what review.Decide says, and a
// refused one changes nothing and, for one signed in, is audited.
func TestRules(t *testing.T) {
	apptest.EachWith(t, apptest.Options{NoDemoFilings: true}, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		c, err := e.App.Campaigns.Get(account.AsSystem(ctx), "2026")
		must(t, err)
		hquOrg, err := e.App.Accounts.Org(ctx, "hqu")
		must(t, err)
		// Whoever may stand in each role, tried in this order.
		people := []struct {
			name string
			ctx  context.Context
		}{
			{"hqu", as(t, e, "hqu")}, {"fengze", as(t, e, "fengze")}, {"admin", as(t, e, "admin")},
			{"hqu-checkin", as(t, e, "hqu-checkin")}, {"shishi", as(t, e, "shishi")},
			{"anonymous", ctx}, {"system", account.AsSystem(ctx)},
		}
		rows := 0
		for _, th := range things(t, e, c) {
			for _, st := range review.States {
				// One thing serves the rows that refuse (and so leave it
				// as it was); a row that acts gets a fresh one after.
				id := int64(0)
				for _, a := range review.Actions {
					for _, role := range review.Roles {
						name := fmt.Sprintf("%s/%s/%s/%s", th.kind, st, a, role)
						if id == 0 {
							id = th.make(t, st)
						}
						sub := subject(t, e, th.table, id, hquOrg, c.OwnerOrgID)
						if sub.State != st {
							t.Fatalf("%s: made %s", name, sub.State)
						}
						var who context.Context
						for _, p := range people {
							if review.RoleOf(p.ctx, sub, a) == role {
								who = p.ctx
								break
							}
						}
						if who == nil {
							continue // no one stands in that role here
						}
						want, refusal := review.Decide(st, a, role)
						before := snapshot(t, e, th, id)
						audits := count(t, e, `SELECT COUNT(*) FROM audit_events WHERE action = ?`, th.kind+".refused")
						err, offered := th.act(who, id, a)
						if !offered {
							continue
						}
						rows++
						if refusal != nil {
							if errs.CodeOf(err) != errs.CodeOf(refusal) {
								t.Errorf("%s: %v, want %v", name, err, refusal)
							}
							if after := snapshot(t, e, th, id); after != before {
								t.Errorf("%s: refused but changed: %s → %s", name, before, after)
							}
							n := count(t, e, `SELECT COUNT(*) FROM audit_events WHERE action = ?`, th.kind+".refused")
							if audited := n > audits; audited != (role != review.Anonymous && role != review.Outsider) {
								t.Errorf("%s: refusal audited %v", name, audited)
							}
							continue
						}
						fresh := id
						id = 0
						if err != nil {
							t.Errorf("%s: %v, want %s", name, err, want)
							continue
						}
						got := subject(t, e, th.table, fresh, hquOrg, c.OwnerOrgID)
						if a == review.Approve && sub.Stage != c.OwnerOrgID {
							want = review.Submitted // on to the next level
						}
						if got.State != want {
							t.Errorf("%s: now %s, want %s", name, got.State, want)
						}
					}
				}
			}
		}
		if rows < 150 {
			t.Errorf("only %d rows ran", rows)
		}
	})
}

func subject(t *testing.T, e *apptest.Env, table string, id int64, org account.Organisation, owner int64) review.Subject {
	t.Helper()
	s := review.Subject{ID: id, Org: org, Owner: owner, Proxy: table == "filings"}
	must(t, e.App.DB.QueryRow(context.Background(), `SELECT state, COALESCE(stage_org_id, 0), version FROM `+table+` WHERE id = ?`, id).
		Scan(&s.State, &s.Stage, &s.Version))
	return s
}

func count(t *testing.T, e *apptest.Env, q string, args ...any) int {
	t.Helper()
	var n int
	must(t, e.App.DB.QueryRow(context.Background(), q, args...).Scan(&n))
	return n
}

// snapshot is what a refused action must leave as it was.
func snapshot(t *testing.T, e *apptest.Env, th thing, id int64) string {
	t.Helper()
	s := subject(t, e, th.table, id, account.Organisation{}, 0)
	return fmt.Sprintf("%s@%d v%d events=%d extensions=%d reminders=%d items=%d", s.State, s.Stage, s.Version,
		count(t, e, `SELECT COUNT(*) FROM `+th.events+` WHERE `+th.key+` = ?`, id),
		count(t, e, `SELECT (SELECT COUNT(*) FROM filing_extensions) + (SELECT COUNT(*) FROM report_extensions)`),
		count(t, e, `SELECT COUNT(*) FROM filing_reminders`),
		count(t, e, `SELECT COUNT(*) FROM filing_items`))
}
