package account_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/apptest"
	"github.com/sciweek/sciweek/internal/audit"
	"github.com/sciweek/sciweek/internal/errs"
)

func registration(district, unit, code, username string) url.Values {
	return url.Values{"district": {district}, "unit_name": {unit}, "unit_code": {code}, "address": {"泉州市丰泽区田安路"},
		"contact_name": {"李老师"}, "contact_phone": {"0595-22110033"}, "contact_email": {"li@example.com"},
		"username": {username}, "password": {"secret-pass-1"}, "confirm": {"secret-pass-1"}}
}

func TestSelfRegistrationNeedsDistrictApproval(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := t.Context()
		public := e.Client(t)
		res := public.Get("/register")
		if res.Status != 200 || !strings.Contains(res.Body, `<option value="fengze">丰泽区工业信息化和科技局</option>`) ||
			strings.Contains(res.Body, `value="quanzhou"`) || strings.Contains(res.Body, `value="hqu"`) {
			t.Fatalf("register form: %d\n%s", res.Status, res.Body)
		}

		// An unknown district: the message sits beside the field, the
		// typed values stay, the passwords do not, nothing is created.
		res = public.PostForm("/register", registration("nowhere", "泉州海丝博物馆", "qzhs", "qzhs-admin"))
		if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `id="district-error"`) ||
			!strings.Contains(res.Body, "所选区县科技局不存在") || !strings.Contains(res.Body, `value="泉州海丝博物馆"`) ||
			!strings.Contains(res.Body, `value="qzhs-admin"`) || strings.Contains(res.Body, "secret-pass-1") {
			t.Fatalf("unknown district: %d\n%s", res.Status, res.Body)
		}
		if _, err := e.App.Accounts.Org(ctx, "qzhs"); !errs.Is(err, errs.NotFound) {
			t.Errorf("unit created for an unknown district: %v", err)
		}
		if _, err := e.App.Accounts.Account(ctx, "qzhs-admin"); !errs.Is(err, errs.NotFound) {
			t.Errorf("account created for an unknown district: %v", err)
		}
		// A unit cannot be chosen as the district, nor the city at the root.
		for _, d := range []string{"hqu", "quanzhou"} {
			if res := public.PostForm("/register", registration(d, "泉州海丝博物馆", "qzhs", "qzhs-admin")); res.Status != 422 || !strings.Contains(res.Body, `id="district-error"`) {
				t.Errorf("district %s: %d", d, res.Status)
			}
		}

		// A taken username, a bad phone and differing passwords.
		bad := registration("fengze", "泉州海丝博物馆", "", "hqu")
		bad.Set("contact_phone", "12345")
		bad.Set("confirm", "something-else")
		res = public.PostForm("/register", bad)
		if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `id="contact_phone-error"`) || !strings.Contains(res.Body, `id="confirm-error"`) {
			t.Fatalf("bad phone: %d\n%s", res.Status, res.Body)
		}
		// A taken username is answered as a new one would be, so the form
		// tells no stranger which usernames exist; nothing is created.
		res = public.PostForm("/register", registration("fengze", "泉州海丝博物馆", "", "hqu"))
		if res.Status != http.StatusCreated || strings.Contains(res.Body, "该用户名已被使用") || !strings.Contains(res.Body, "丰泽区工业信息化和科技局将进行审核") {
			t.Fatalf("taken username: %d\n%s", res.Status, res.Body)
		}
		if pending, _ := e.App.Accounts.Account(t.Context(), "hqu"); pending.Status != account.StatusActive {
			t.Fatalf("the existing account changed: %+v", pending)
		}

		res = public.PostForm("/register", registration("fengze", "泉州海丝博物馆", "qzhs", "qzhs-admin"))
		if res.Status != http.StatusCreated || !strings.Contains(res.Body, "丰泽区工业信息化和科技局将进行审核") || !strings.Contains(res.Body, "qzhs-admin") {
			t.Fatalf("register: %d\n%s", res.Status, res.Body)
		}
		// A registration without a code gets one.
		res = public.PostForm("/register", registration("shishi", "石狮市青少年宫", "", "ssqsng"))
		if res.Status != http.StatusCreated {
			t.Fatalf("register without a code: %d\n%s", res.Status, res.Body)
		}
		if acc, err := e.App.Accounts.Account(ctx, "ssqsng"); err != nil || acc.Status != "pending" {
			t.Fatalf("ssqsng: %+v %v", acc, err)
		}

		// Pending: the account cannot log in yet, and says why.
		if res := login(e.Client(t), "qzhs-admin", "secret-pass-1"); res.Status != http.StatusForbidden || !strings.Contains(res.Body, "等待所属区县科技局审核") {
			t.Fatalf("pending login: %d\n%s", res.Status, res.Body)
		}

		e.Run(t, []apptest.Scenario{
			{Name: "shishi does not see fengze's registration", As: "shishi", Path: "/admin/registrations", Status: 200,
				Contains: []string{"石狮市青少年宫"}, NotContains: []string{"泉州海丝博物馆"}},
			{Name: "shishi cannot approve it", As: "shishi", Method: "POST", Path: "/admin/registrations/qzhs/approve", Form: url.Values{}, Status: 404},
			{Name: "a filer cannot approve", As: "hqu", Method: "POST", Path: "/admin/registrations/qzhs/approve", Form: url.Values{}, Status: 403},
			{Name: "fengze sees it", As: "fengze", Path: "/admin/registrations", Status: 200,
				Contains: []string{"泉州海丝博物馆", "qzhs-admin", "0595-22110033"}, NotContains: []string{"石狮市青少年宫"}},
			{Name: "rejecting needs a reason", As: "fengze", Method: "POST", Path: "/admin/registrations/qzhs/reject", Form: url.Values{"reason": {" "}}, Status: 422,
				Contains: []string{`id="reason-qzhs-error"`, "驳回时请填写理由"}},
			{Name: "fengze approves", As: "fengze", Method: "POST", Path: "/admin/registrations/qzhs/approve", Form: url.Values{}, Status: 303},
			{Name: "only once", As: "fengze", Method: "POST", Path: "/admin/registrations/qzhs/approve", Form: url.Values{}, Status: 409},
			{Name: "shishi rejects its own", As: "shishi", Method: "POST", Path: "/admin/registrations/" + orgCodeOf(t, e, "ssqsng") + "/reject",
				Form: url.Values{"reason": {"不在本区"}}, Status: 303},
		})
		if res := login(e.Client(t), "qzhs-admin", "secret-pass-1"); res.Status != http.StatusSeeOther {
			t.Fatalf("approved login: %d\n%s", res.Status, res.Body)
		}
		if res := login(e.Client(t), "ssqsng", "secret-pass-1"); res.Status != http.StatusForbidden || !strings.Contains(res.Body, "注册申请未通过审核") {
			t.Errorf("rejected login: %d", res.Status)
		}
		events, _, err := e.App.Audit.List(ctx, audit.Filter{Action: "registration."})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, ev := range events {
			got[ev.Action] = ev.ActorName + " " + ev.Detail
		}
		if !strings.HasPrefix(got["registration.approve"], "fengze") || !strings.Contains(got["registration.reject"], "不在本区") {
			t.Errorf("registration events: %v", got)
		}
	})
}

func orgCodeOf(t *testing.T, e *apptest.Env, username string) string {
	t.Helper()
	acc, err := e.App.Accounts.Account(t.Context(), username)
	if err != nil {
		t.Fatal(err)
	}
	org, err := e.App.Accounts.OrgByID(t.Context(), acc.OrgID)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(org.Code, "u") || len(org.Code) != 7 {
		t.Errorf("generated code %q", org.Code)
	}
	return org.Code
}

func TestRegistrationIsRateLimited(t *testing.T) {
	e := apptest.New(t)
	c := e.Client(t)
	var last *apptest.Response
	for i := 0; i < 11; i++ {
		last = c.PostForm("/register", registration("nowhere", "单位", "", "someone"))
	}
	if last.Status != http.StatusTooManyRequests || !strings.Contains(last.Body, "操作太频繁") {
		t.Fatalf("eleventh registration: %d", last.Status)
	}
}
