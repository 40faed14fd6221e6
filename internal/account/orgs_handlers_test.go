package account_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/apptest"
	"github.com/sciweek/sciweek/internal/demo"
	"github.com/sciweek/sciweek/internal/errs"
)

var secretRe = regexp.MustCompile(`<code class="secret">([^<]+)</code>`)

// shownPassword returns the one-time password a page shows.
func shownPassword(t *testing.T, body string) string {
	t.Helper()
	m := secretRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no password shown:\n%s", body)
	}
	return html.UnescapeString(m[1])
}

func orgForm(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v
}

func TestCoordinatorStaysInOwnDistrict(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		e.Run(t, []apptest.Scenario{
			{Name: "tree shows own units", As: "fengze", Path: "/admin/orgs", Status: 200,
				Contains:    []string{"华侨大学", "泉州师范学院", `href="/admin/orgs/hqu"`, "2 个账号"},
				NotContains: []string{"泉州纺织服装职业学院", "石狮市", "泉州市科学技术局"}},
			{Name: "other district's unit is not found", As: "fengze", Path: "/admin/orgs/qzfashion", Status: 404},
			{Name: "other district is not found", As: "fengze", Path: "/admin/orgs/shishi", Status: 404},
			{Name: "the city above is not found", As: "fengze", Path: "/admin/orgs/quanzhou", Status: 404},
			{Name: "cannot edit other district's unit", As: "fengze", Method: "POST", Path: "/admin/orgs/qzfashion",
				Form: orgForm("name", "改名"), Status: 404},
			{Name: "cannot add accounts there", As: "fengze", Method: "POST", Path: "/admin/orgs/qzfashion/accounts",
				Form: orgForm("username", "sneaky", "roles", "filer"), Status: 404},
			{Name: "cannot change roles there", As: "fengze", Method: "POST", Path: "/admin/orgs/shishi/accounts/shishi/roles",
				Form: orgForm("roles", "filer"), Status: 404},
			{Name: "cannot disable accounts there", As: "fengze", Method: "POST", Path: "/admin/orgs/shishi/accounts/shishi/status",
				Form: orgForm("status", "disabled"), Status: 404},
			{Name: "cannot create a bureau", As: "fengze", Method: "POST", Path: "/admin/orgs/new",
				Form: orgForm("parent", "fengze", "kind", "bureau", "code", "fzsub", "name", "丰泽区下属局"), Status: 403},
			{Name: "cannot create a unit in another district", As: "fengze", Method: "POST", Path: "/admin/orgs/new",
				Form: orgForm("parent", "shishi", "kind", "unit", "code", "sneaky", "name", "别区单位"), Status: 403},
			{Name: "new form offers units only", As: "fengze", Path: "/admin/orgs/new?parent=fengze", Status: 200,
				Contains: []string{`<option value="unit"`, `<option value="fengze" selected>`}, NotContains: []string{`<option value="bureau"`, `value="shishi"`}},
			{Name: "shishi does not see fengze's units", As: "shishi", Path: "/admin/orgs/hqu", Status: 404},
			{Name: "a unit's filer has no admin pages", As: "hqu", Path: "/admin/orgs", Status: 403},
			{Name: "a unit's filer cannot open its own admin page", As: "hqu", Path: "/admin/orgs/qztc", Status: 403},
			{Name: "the public is sent to log in", Path: "/admin/orgs", Status: 303},
		})

		// Units are created under the coordinator's own bureau.
		c := e.As(t, "fengze")
		res := c.PostForm("/admin/orgs/new", orgForm("parent", "fengze", "kind", "unit", "code", "fzlib", "name", "丰泽区图书馆", "contact_phone", "0595-22001122"))
		if res.Status != http.StatusSeeOther || res.Location() != "/admin/orgs/fzlib" {
			t.Fatalf("create unit: %d %s\n%s", res.Status, res.Location(), res.Body)
		}

		// The API answers with the caller's subtree only.
		var list struct {
			Items []struct {
				Code         string `json:"code"`
				AccountCount int    `json:"account_count"`
			} `json:"items"`
			Total int `json:"total"`
		}
		c.Get("/api/v1/organisations").JSON(t, &list)
		codes := map[string]int{}
		for _, it := range list.Items {
			codes[it.Code] = it.AccountCount
		}
		if _, ok := codes["fzlib"]; !ok || codes["hqu"] != 2 || list.Total != len(list.Items) {
			t.Errorf("fengze's organisations: %v (total %d)", codes, list.Total)
		}
		for _, other := range []string{"quanzhou", "shishi", "qzfashion", "jinjiang"} {
			if _, ok := codes[other]; ok {
				t.Errorf("fengze sees %s", other)
			}
		}
		unit := e.As(t, "hqu")
		list.Items = nil
		unit.Get("/api/v1/organisations").JSON(t, &list)
		if len(list.Items) != 1 || list.Items[0].Code != "hqu" {
			t.Errorf("hqu sees %+v", list.Items)
		}
	})
}

func TestAdminCreatesUnitAndAccount(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		admin := e.As(t, "admin")
		res := admin.Get("/admin/orgs")
		for _, want := range []string{"泉州市科学技术局", "丰泽区工业信息化和科技局", "石狮市工业信息化和科技局", "华侨大学", "泉州纺织服装职业学院", "科技局", `<code>hqu</code>`} {
			if !strings.Contains(res.Body, want) {
				t.Errorf("admin tree lacks %q", want)
			}
		}
		// Admins may add bureaus.
		res = admin.PostForm("/admin/orgs/new", orgForm("parent", "quanzhou", "kind", "bureau", "code", "xinqu", "name", "泉州新区科技局"))
		if res.Status != http.StatusSeeOther {
			t.Fatalf("create bureau: %d\n%s", res.Status, res.Body)
		}
		// A bad phone comes back beside its field with the typed values kept.
		res = admin.PostForm("/admin/orgs/new", orgForm("parent", "xinqu", "kind", "unit", "code", "xqlab", "name", "新区实验室", "contact_phone", "12345"))
		if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `id="contact_phone-error"`) ||
			!strings.Contains(res.Body, "请填写有效的电话号码") || !strings.Contains(res.Body, `value="新区实验室"`) {
			t.Fatalf("bad phone: %d\n%s", res.Status, res.Body)
		}
		res = admin.PostForm("/admin/orgs/new", orgForm("parent", "xinqu", "kind", "unit", "code", "xqlab", "name", "新区实验室", "contact_phone", "13812345678"))
		if res.Status != http.StatusSeeOther || res.Location() != "/admin/orgs/xqlab" {
			t.Fatalf("create unit: %d %s\n%s", res.Status, res.Location(), res.Body)
		}
		// A code that would shadow a page is refused.
		res = admin.PostForm("/admin/orgs/new", orgForm("parent", "xinqu", "kind", "unit", "code", "import", "name", "导入"))
		if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "该代码为系统保留") {
			t.Fatalf("reserved code: %d", res.Status)
		}

		// An account with a generated password, shown once.
		res = admin.PostForm("/admin/orgs/xqlab/accounts", orgForm("username", "xqlab-filer", "display_name", "张三", "roles", "filer"))
		if res.Status != http.StatusCreated || !strings.Contains(res.Body, "账号 xqlab-filer 已创建") || !strings.Contains(res.Body, "密码只显示这一次") {
			t.Fatalf("create account: %d\n%s", res.Status, res.Body)
		}
		password := shownPassword(t, res.Body)
		if res := admin.Get("/admin/orgs/xqlab"); strings.Contains(res.Body, password) || !strings.Contains(res.Body, "xqlab-filer") {
			t.Errorf("the password is shown again, or the account is missing")
		}
		filer := e.Client(t)
		if res := login(filer, "xqlab-filer", password); res.Status != http.StatusSeeOther {
			t.Fatalf("new account login: %d\n%s", res.Status, res.Body)
		}
		// A chosen password works too; a taken username is refused beside its field.
		res = admin.PostForm("/admin/orgs/xqlab/accounts", orgForm("username", "hqu", "password", "long-enough-1", "roles", "filer"))
		if res.Status != http.StatusConflict || !strings.Contains(res.Body, `id="username-error"`) || !strings.Contains(res.Body, "该用户名已被使用") {
			t.Fatalf("taken username: %d\n%s", res.Status, res.Body)
		}
		res = admin.PostForm("/admin/orgs/xqlab/accounts", orgForm("username", "xqlab-2", "password", "long-enough-1", "roles", "checkin"))
		if res.Status != http.StatusCreated || shownPassword(t, res.Body) != "long-enough-1" {
			t.Fatalf("chosen password: %d", res.Status)
		}
		if res := login(e.Client(t), "xqlab-2", "long-enough-1"); res.Status != http.StatusSeeOther {
			t.Fatalf("chosen password login: %d", res.Status)
		}
		// The organisation's details can be edited.
		res = admin.PostForm("/admin/orgs/xqlab", orgForm("name", "泉州新区实验室", "contact_email", "not-an-email"))
		if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `id="contact_email-error"`) {
			t.Fatalf("bad e-mail: %d", res.Status)
		}
		res = admin.PostForm("/admin/orgs/xqlab", orgForm("name", "泉州新区实验室", "contact_email", "lab@example.com"))
		if res.Status != http.StatusSeeOther {
			t.Fatalf("update: %d\n%s", res.Status, res.Body)
		}
		if res := admin.Get("/admin/orgs/xqlab"); !strings.Contains(res.Body, "泉州新区实验室") || !strings.Contains(res.Body, "lab@example.com") {
			t.Errorf("update not shown")
		}
	})
}

func TestRoleAndStatusChangesAreAudited(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		unit := e.As(t, "hqu")
		e.Run(t, []apptest.Scenario{
			{Name: "roles", As: "fengze", Method: "POST", Path: "/admin/orgs/hqu/accounts/hqu-checkin/roles",
				Form: orgForm("roles", "checkin", "roles", "filer"), Status: 303},
			{Name: "coordinator needs a bureau", As: "fengze", Method: "POST", Path: "/admin/orgs/hqu/accounts/hqu-checkin/roles",
				Form: orgForm("roles", "coordinator"), Status: 422, Contains: []string{"只有科技局（区县）账号可以担任审核员"}},
			{Name: "coordinator cannot grant admin", As: "fengze", Method: "POST", Path: "/admin/orgs/hqu/accounts/hqu/roles",
				Form: orgForm("roles", "admin"), Status: 403, Contains: []string{"您不能授予该角色"}},
			{Name: "account of another unit in the URL", As: "fengze", Method: "POST", Path: "/admin/orgs/qztc/accounts/hqu/roles",
				Form: orgForm("roles", "filer"), Status: 404},
			{Name: "disable", As: "fengze", Method: "POST", Path: "/admin/orgs/hqu/accounts/hqu/status",
				Form: orgForm("status", "disabled"), Status: 303},
			{Name: "only enable or disable", As: "fengze", Method: "POST", Path: "/admin/orgs/hqu/accounts/hqu-checkin/status",
				Form: orgForm("status", "pending"), Status: 422},
			{Name: "admin cannot disable itself", As: "admin", Method: "POST", Path: "/admin/orgs/quanzhou/accounts/admin/status",
				Form: orgForm("status", "disabled"), Status: 409, Contains: []string{"不能停用自己的账号"}},
		})
		acc, err := e.App.Accounts.Account(t.Context(), "hqu-checkin")
		if err != nil || len(acc.Roles) != 2 || !acc.Has(account.RoleFiler) || !acc.Has(account.RoleCheckin) {
			t.Errorf("roles of hqu-checkin: %v %v", acc.Roles, err)
		}
		// The disabled account is logged out and cannot log in again.
		if res := unit.Get("/dashboard"); res.Status != http.StatusSeeOther {
			t.Errorf("disabled account still in: %d", res.Status)
		}
		if res := login(e.Client(t), "hqu", demo.Password); res.Status != http.StatusForbidden || !strings.Contains(res.Body, "账号已停用") {
			t.Errorf("disabled login: %d", res.Status)
		}
		e.Run(t, []apptest.Scenario{
			{Name: "roles audited", As: "admin", Path: "/admin/audit?action=account.roles", Status: 200,
				Contains: []string{`title="account.roles"`, "修改角色", "hqu-checkin", "fengze", "from: checkin; to: filer,checkin"}, NotContains: []string{`title="account.status"`}},
			{Name: "status audited", As: "admin", Path: "/admin/audit?action=account.status", Status: 200,
				Contains: []string{`title="account.status"`, "账号 hqu", "from: active; to: disabled"}},
			{Name: "enable again", As: "fengze", Method: "POST", Path: "/admin/orgs/hqu/accounts/hqu/status", Form: orgForm("status", "active"), Status: 303},
		})
		if res := login(e.Client(t), "hqu", demo.Password); res.Status != http.StatusSeeOther {
			t.Errorf("enabled login: %d", res.Status)
		}
	})
}

func TestAccountLockShown(t *testing.T) {
	e := apptest.New(t)
	// Failures from one address lock only that address; the account itself
	// locks at its ceiling, lowered here to the first five.
	e.App.Accounts.Config.AccountCeiling = 5
	for i := 0; i < 5; i++ {
		login(e.Client(t), "qztc", "wrong-password")
	}
	res := e.As(t, "fengze").Get("/admin/orgs/qztc")
	if res.Status != 200 || !strings.Contains(res.Body, "锁定至") || !strings.Contains(res.Body, "2026年11月28日 10:10") {
		t.Fatalf("lock not shown: %d\n%s", res.Status, res.Body)
	}
	if _, err := e.App.Accounts.VisibleOrg(t.Context(), "qztc"); !errs.Is(err, errs.Unauthenticated) {
		t.Errorf("VisibleOrg without an account: %v", err)
	}
}
