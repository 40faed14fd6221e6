package filing_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/apptest"
	"github.com/sciweek/sciweek/internal/audit"
	"github.com/sciweek/sciweek/internal/campaign"
	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/filing"
)

// as returns a context acting for a demo account.
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

func upcoming(t *testing.T, e *apptest.Env) campaign.Campaign {
	t.Helper()
	c, err := e.App.Campaigns.Get(account.AsSystem(context.Background()), "2026")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func project(title string) filing.Values {
	return filing.Values{
		filing.KeyTitle: title, filing.KeyHost: "华侨大学", filing.KeyCategory: "展示科技创新成就", filing.KeyMode: "线下",
		filing.KeyStart: "2026-12-20 09:00", filing.KeyEnd: "2026-12-20 17:00", filing.KeyPlace: "泉州市丰泽区城华北路269号",
		filing.KeyContent: "人工智能与机器人展示", filing.KeyAudience: "青少年、社会公众", filing.KeyExpected: "300人",
		filing.KeyContact: "林老师", filing.KeyPhone: "0595-22692114",
	}
}

func wantCode(t *testing.T, err error, code errs.Code) {
	t.Helper()
	if errs.CodeOf(err) != code {
		t.Fatalf("err = %v, want %s", err, code)
	}
}

func TestReviewChain(t *testing.T) {
	apptest.EachWith(t, apptest.Options{NoDemoFilings: true}, func(t *testing.T, e *apptest.Env) {
		fs := e.App.Filings
		c := upcoming(t, e)
		hqu, fengze, admin := as(t, e, "hqu"), as(t, e, "fengze"), as(t, e, "admin")

		bad := project("半成品")
		bad[filing.KeyPhone] = "12345"
		f, _, problems, err := fs.SaveItem(hqu, c, "hqu", 1, "", bad)
		if err != nil || problems[filing.KeyPhone].Key != "error.phone" {
			t.Fatalf("saving a draft with a bad phone: %v %v", err, problems)
		}
		if f.Items[0].Values[filing.KeyPhone] != "12345" {
			t.Fatal("the typed phone was not kept in the draft")
		}
		_, err = fs.Submit(hqu, f.ID, f.Version)
		wantCode(t, err, errs.Invalid)

		f, _, problems, err = fs.SaveItem(hqu, c, "hqu", 1, f.Items[0].UID, project("人工智能科普展"))
		if err != nil || len(problems) != 0 {
			t.Fatalf("fixing the item: %v %v", err, problems)
		}
		f, _, _, _ = fs.SaveItem(hqu, c, "hqu", 1, "", project("机器人开放日"))

		// Others cannot see it, let alone act on it.
		_, err = fs.Get(as(t, e, "qztc"), f.ID)
		wantCode(t, err, errs.NotFound)
		_, err = fs.Get(as(t, e, "shishi"), f.ID)
		wantCode(t, err, errs.NotFound)
		_, _, _, err = fs.SaveItem(as(t, e, "qztc"), c, "hqu", 1, "", project("冒名"))
		wantCode(t, err, errs.NotFound)

		f, err = fs.Submit(hqu, f.ID, f.Version)
		if err != nil || f.State != filing.StateSubmitted || f.StageOrgName != "丰泽区工业信息化和科技局" || f.Revision != 1 {
			t.Fatalf("submit: %v %+v", err, f)
		}
		_, _, _, err = fs.SaveItem(hqu, c, "hqu", 1, f.Items[0].UID, project("改名"))
		wantCode(t, err, errs.Conflict)

		// The city cannot jump the district; another district cannot act.
		wantCode(t, fs.Approve(admin, f.ID, f.Version, ""), errs.Forbidden)
		wantCode(t, fs.Approve(as(t, e, "shishi"), f.ID, f.Version, ""), errs.NotFound)
		if err := fs.Approve(fengze, f.ID, f.Version, "同意"); err != nil {
			t.Fatal(err)
		}
		f, _ = fs.Get(hqu, f.ID)
		if f.State != filing.StateSubmitted || f.StageOrgName != "泉州市科学技术局" {
			t.Fatalf("after the district: %+v", f)
		}
		// The city returns one item with a comment.
		wantCode(t, fs.Return(admin, f.ID, f.Version, "", nil), errs.Invalid)
		if err := fs.Return(admin, f.ID, f.Version, "请补充", map[string]string{f.Items[1].UID: "活动时间与场馆安排冲突"}); err != nil {
			t.Fatal(err)
		}
		f, _ = fs.Get(hqu, f.ID)
		if f.State != filing.StateReturned {
			t.Fatalf("after return: %s", f.State)
		}
		_, err = fs.Submit(hqu, f.ID, f.Version)
		wantCode(t, err, errs.Invalid) // unchanged

		fixed := project("机器人开放日")
		fixed[filing.KeyStart], fixed[filing.KeyEnd] = "2026-12-21 09:00", "2026-12-21 12:00"
		f, _, _, _ = fs.SaveItem(hqu, c, "hqu", 1, f.Items[1].UID, fixed)
		if f, err = fs.Submit(hqu, f.ID, f.Version); err != nil || f.Revision != 2 {
			t.Fatalf("resubmit: %v %+v", err, f)
		}
		if err := fs.Approve(fengze, f.ID, f.Version, ""); err != nil {
			t.Fatal(err)
		}
		f, _ = fs.Get(hqu, f.ID)
		if err := fs.Approve(admin, f.ID, f.Version, "同意备案"); err != nil {
			t.Fatal(err)
		}
		f, _ = fs.Get(hqu, f.ID)
		if f.State != filing.StateApproved || f.ApprovedRevision != 2 {
			t.Fatalf("final: %+v", f)
		}
		revs, err := fs.Revisions(hqu, f.ID)
		if err != nil || len(revs) != 2 || revs[1].Items[1].Values[filing.KeyStart] != "2026-12-20 09:00" || revs[0].Items[1].Values[filing.KeyStart] != "2026-12-21 09:00" {
			t.Fatalf("revisions: %v %+v", err, revs)
		}
		events, _ := fs.Events(hqu, f.ID)
		var actions []string
		for _, ev := range events {
			actions = append(actions, ev.Action)
		}
		want := "submit approve return comment submit approve approve"
		if got := join(actions); got != want {
			t.Fatalf("events %q, want %q", got, want)
		}
		rows, err := fs.ApprovedItems(admin, c, 1, "fengze")
		if err != nil || len(rows) != 2 || rows[0].District != "丰泽区工业信息化和科技局" || rows[0].Unit != "华侨大学" {
			t.Fatalf("approved items: %v %+v", err, rows)
		}
		if rows, _ := fs.ApprovedItems(admin, c, 1, "shishi"); len(rows) != 0 {
			t.Fatalf("shishi's export holds fengze's items: %d", len(rows))
		}
		// Reopening keeps the approved revision until the next approval.
		if err := fs.Reopen(hqu, f.ID, f.Version); err != nil {
			t.Fatal(err)
		}
		if rows, _ := fs.ApprovedItems(admin, c, 1, ""); len(rows) != 2 {
			t.Fatalf("after reopening, approved items = %d", len(rows))
		}
	})
}

func join(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += " "
		}
		out += x
	}
	return out
}

func TestSubmitTwiceAtOnce(t *testing.T) {
	e := apptest.Start(t, apptest.Options{NoDemoFilings: true})
	fs := e.App.Filings
	c := upcoming(t, e)
	hqu := as(t, e, "hqu")
	f, _, _, err := fs.SaveItem(hqu, c, "hqu", 1, "", project("两个标签页"))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	results := make([]error, 2)
	for i := range results {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			_, results[i] = fs.Submit(hqu, f.ID, f.Version)
		}(i)
	}
	wg.Wait()
	ok := 0
	for _, err := range results {
		if err == nil {
			ok++
		} else if !errs.Is(err, errs.Conflict) {
			t.Fatalf("second submit: %v", err)
		}
	}
	revs, _ := fs.Revisions(hqu, f.ID)
	if ok != 1 || len(revs) != 1 {
		t.Fatalf("%d submits succeeded, %d revisions", ok, len(revs))
	}
}

func TestDeadlineAndExtension(t *testing.T) {
	e := apptest.Start(t, apptest.Options{NoDemoFilings: true})
	fs := e.App.Filings
	c := upcoming(t, e)
	hqu := as(t, e, "hqu")
	f, _, _, _ := fs.SaveItem(hqu, c, "hqu", 1, "", project("迟到的项目"))
	e.Clock.Set(c.FilingDeadline.Add(time.Minute))
	_, err := fs.Submit(hqu, f.ID, f.Version)
	wantCode(t, err, errs.DeadlinePassed)
	if f, _ = fs.Get(hqu, f.ID); len(f.Items) != 1 || f.State != filing.StateDraft {
		t.Fatal("the draft was not kept")
	}
	wantCode(t, fs.Extend(as(t, e, "fengze"), c, "hqu", c.FilingDeadline.AddDate(0, 0, 3)), errs.Forbidden)
	wantCode(t, fs.Extend(as(t, e, "admin"), c, "hqu", c.Start.AddDate(0, 0, 2)), errs.Invalid)
	if err := fs.Extend(as(t, e, "admin"), c, "hqu", c.FilingDeadline.AddDate(0, 0, 3)); err != nil {
		t.Fatal(err)
	}
	if _, err := fs.Submit(hqu, f.ID, f.Version); err != nil {
		t.Fatalf("submit within the extension: %v", err)
	}
	// Another unit has no extension.
	q, _, _, _ := fs.SaveItem(as(t, e, "qztc"), c, "qztc", 1, "", project("师院项目"))
	_, err = fs.Submit(as(t, e, "qztc"), q.ID, q.Version)
	wantCode(t, err, errs.DeadlinePassed)

	board, err := fs.Board(as(t, e, "fengze"), c)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]filing.BoardCell{}
	for _, r := range board {
		got[r.Org.Code] = r.Cells[1]
		if r.Org.Code == "yeu" || r.Org.Code == "quanzhou" {
			t.Errorf("fengze's board lists %s", r.Org.Code)
		}
	}
	if got["hqu"].Status != filing.StatusSubmitted || got["hqu"].Late || got["qztc"].Status != filing.StatusDraft || !got["qztc"].Late ||
		got["qzstm"].Status != filing.StatusNotStarted || !got["qzstm"].Late {
		t.Fatalf("board: %+v", got)
	}
	if err := fs.Remind(as(t, e, "fengze"), c, "qztc", 1); err != nil {
		t.Fatal(err)
	}
	wantCode(t, fs.Remind(as(t, e, "fengze"), c, "yeu", 1), errs.NotFound)
	if rs, _ := fs.Reminders(as(t, e, "qztc"), c); len(rs) != 1 || rs[0].From != "丰泽区工业信息化和科技局" {
		t.Fatalf("reminders: %+v", rs)
	}
}
