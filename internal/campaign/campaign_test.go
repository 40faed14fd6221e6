package campaign_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/apptest"
	"github.com/sciweek/sciweek/internal/campaign"
)

// editForm returns the edit form of a campaign as it stands.
func editForm(t *testing.T, e *apptest.Env, slug string) url.Values {
	t.Helper()
	c, err := e.App.Campaigns.Get(account.AsSystem(t.Context()), slug)
	if err != nil {
		t.Fatal(err)
	}
	in := campaign.InputOf(c)
	return url.Values{
		"version": {itoa(in.Version)}, "slug": {in.Slug}, "title": {in.Title}, "doc_number": {in.DocNumber}, "theme": {in.Theme},
		"start": {in.Start}, "end": {in.End}, "filing_deadline": {in.FilingDeadline}, "summary_deadline": {in.SummaryDeadline},
		"contact_name": {in.ContactName}, "contact_phone": {in.ContactPhone}, "contact_email": {in.ContactEmail},
		"contact_address": {in.ContactAddress}, "mode": {in.Mode}, "notice": {in.NoticeMD}, "categories": {in.Categories},
		"audiences": {in.Audiences}, "video_max_seconds": {in.VideoMaxSeconds}, "photo_min_kb": {in.PhotoMinKB}, "photo_max_kb": {in.PhotoMaxKB},
	}
}

func itoa(n int) string { return strings.TrimSpace(strings.Repeat(" ", 0) + fmtInt(n)) }

func fmtInt(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for n > 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}

func with(v url.Values, kv ...string) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out.Set(kv[i], kv[i+1])
	}
	return out
}

func TestPublicPages(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		e.Run(t, []apptest.Scenario{
			{Name: "home shows the upcoming week", Path: "/", Status: 200,
				Contains: []string{"2026年泉州市科技活动周", "2026年12月19日至25日", "2020年泉州市科技活动周"}},
			{Name: "notice as the bureau wrote it", Path: "/campaigns/2020/notice", Status: 200,
				Contains: []string{"泉科〔2020〕121号", "科技战疫 创新强国", "各县（市、区）科技局", "8月23日至29日", "黄剑毅", "qzskjcg@163.com", "2020年7月24日"}},
			{Name: "upcoming notice has the shifted deadline", Path: "/campaigns/2026/notice", Status: 200,
				Contains: []string{"2026年12月12日前", "12月19日至25日", "2026年科技活动周重点项目备案表"}},
			{Name: "campaign page lists the five focus areas", Path: "/campaigns/2026", Status: 200,
				Contains: []string{"展示科技战疫成效", "展示科技创新成就", "体验美好生活活动", "科技助力脱贫攻坚", "做好科普宣传", "青少年"}},
			{Name: "English on request", Path: "/campaigns/2026", Header: http.Header{"Accept-Language": {"en-US,en;q=0.9"}}, Status: 200,
				Contains: []string{"Focus areas", "Science against the epidemic", "19–25 Dec 2026"}},
			{Name: "unknown campaign", Path: "/campaigns/1999", Status: 404, Contains: []string{"找不到"}},
			{Name: "unknown path", Path: "/no/such/page", Status: 404, Contains: []string{"请求编号"}},
			{Name: "editor needs a login", Path: "/admin/campaigns/2026/edit", Status: 303},
			{Name: "unit may not edit", As: "hqu", Path: "/admin/campaigns/2026/edit", Status: 403, Contains: []string{"没有权限"}},
			{Name: "coordinator may not edit", As: "fengze", Path: "/admin/campaigns/2026/edit", Status: 403},
			{Name: "health", Path: "/healthz", Status: 200, Contains: []string{"ok"}},
		})
	})
}

func TestDashboardShowsDeadlines(t *testing.T) {
	e := apptest.New(t)
	e.Run(t, []apptest.Scenario{
		{Name: "unit", As: "hqu", Path: "/dashboard", Status: 200,
			Contains:    []string{"华侨大学", "2026年泉州市科技活动周", "2026年12月12日", "还剩 14 天", "填报《重点项目备案表》"},
			NotContains: []string{"2020年泉州市科技活动周"}},
		{Name: "organiser", As: "admin", Path: "/dashboard", Status: 200, Contains: []string{"新建活动周", "编辑"}},
		{Name: "public is sent to login", Path: "/dashboard", Status: 303},
	})
}

func TestEditCampaign(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		admin := e.As(t, "admin")
		form := editForm(t, e, "2026")

		res := admin.PostForm("/admin/campaigns/2026/edit", with(form, "theme", "科技创新 美好生活"))
		if res.Status != http.StatusSeeOther {
			t.Fatalf("save: %d\n%s", res.Status, res.Body)
		}
		if body := e.As(t, "hqu").Get("/dashboard").Body; !strings.Contains(body, "科技创新 美好生活") {
			t.Fatal("the unit does not see the new theme")
		}

		bad := []struct {
			name, field, value, message string
		}{
			{"empty title", "title", "  ", "请填写活动周名称。"},
			{"end before start", "end", "2026-12-10", "结束日期不能早于开始日期。"},
			{"filing deadline after the week began", "filing_deadline", "2026-12-20", "备案表截止日期须早于活动周开始日期。"},
			{"summary deadline before the week ends", "summary_deadline", "2026-12-24", "总结报告截止日期须晚于活动周结束日期。"},
			{"not a date", "start", "12/19/2026", "请填写有效日期"},
			{"bad phone", "contact_phone", "12345", "请填写有效的电话号码"},
			{"bad slug", "slug", "Not A Slug", "网址代码须为"},
			{"no focus area", "categories", "\n \n", "请至少填写一个活动类别。"},
		}
		for _, b := range bad {
			t.Run(b.name, func(t *testing.T) {
				before := admin.Get("/api/v1/campaigns/2026").Body
				f := with(editForm(t, e, "2026"), b.field, b.value, "doc_number", "泉科〔2026〕99号")
				res := admin.PostForm("/admin/campaigns/2026/edit", f)
				if res.Status != http.StatusUnprocessableEntity {
					t.Fatalf("status %d, want 422", res.Status)
				}
				if !strings.Contains(res.Body, b.message) {
					t.Errorf("message %q missing", b.message)
				}
				if !strings.Contains(res.Body, `id="`+b.field+`-error"`) {
					t.Errorf("no error beside field %s", b.field)
				}
				if !strings.Contains(res.Body, "泉科〔2026〕99号") {
					t.Error("the typed document number was lost")
				}
				if after := admin.Get("/api/v1/campaigns/2026").Body; after != before {
					t.Error("a refused form changed the stored campaign")
				}
			})
		}

		t.Run("stale form from a second tab", func(t *testing.T) {
			first := editForm(t, e, "2026")
			second := editForm(t, e, "2026")
			if res := admin.PostForm("/admin/campaigns/2026/edit", with(first, "theme", "第一个标签页")); res.Status != 303 {
				t.Fatalf("first save %d", res.Status)
			}
			res := admin.PostForm("/admin/campaigns/2026/edit", with(second, "theme", "第二个标签页"))
			if res.Status != http.StatusConflict {
				t.Fatalf("stale save: %d, want 409", res.Status)
			}
			if !strings.Contains(res.Body, "其他人已修改") || !strings.Contains(res.Body, "第二个标签页") {
				t.Error("the stale form lacks the explanation or lost the typed text")
			}
			if !strings.Contains(admin.Get("/campaigns/2026").Body, "第一个标签页") {
				t.Error("the first save was overwritten")
			}
		})

		t.Run("request from another site", func(t *testing.T) {
			f := with(editForm(t, e, "2026"), "theme", "伪造")
			res := admin.Do("POST", "/admin/campaigns/2026/edit", strings.NewReader(f.Encode()), http.Header{
				"Content-Type": {"application/x-www-form-urlencoded"}, "Sec-Fetch-Site": {"cross-site"}, "Origin": {"https://evil.example"}})
			if res.Status != http.StatusForbidden {
				t.Fatalf("cross-site post: %d, want 403", res.Status)
			}
			if strings.Contains(admin.Get("/campaigns/2026").Body, "伪造") {
				t.Fatal("a cross-site post changed the campaign")
			}
		})

		t.Run("notice with a script is sanitised", func(t *testing.T) {
			f := with(editForm(t, e, "2026"), "notice", "正文<script>alert(1)</script>\n\n[点我](javascript:alert(2)) <img src=x onerror=alert(3)>\n\n**要求**")
			if res := admin.PostForm("/admin/campaigns/2026/edit", f); res.Status != 303 {
				t.Fatalf("save: %d\n%s", res.Status, res.Body)
			}
			body := admin.Get("/campaigns/2026/notice").Body
			for _, bad := range []string{"<script>alert", "javascript:", "onerror"} {
				if strings.Contains(body, bad) {
					t.Errorf("notice page holds %q", bad)
				}
			}
			if !strings.Contains(body, "<strong>要求</strong>") {
				t.Error("Markdown was not rendered")
			}
		})
	})
}

func TestCreatePublishCopy(t *testing.T) {
	e := apptest.New(t)
	admin := e.As(t, "admin")
	res := admin.Get("/admin/campaigns/new")
	if res.Status != 200 || !strings.Contains(res.Body, "新建活动周") {
		t.Fatalf("new form: %d", res.Status)
	}
	form := url.Values{"slug": {"2027"}, "title": {"2027年泉州市科技活动周"}, "theme": {"科学普及"}, "start": {"2027-05-16"}, "end": {"2027-05-22"},
		"filing_deadline": {"2027-04-20"}, "summary_deadline": {"2027-06-10"}, "mode": {"both"}, "categories": {"展示科技创新成就\n做好科普宣传"}}
	if res := admin.PostForm("/admin/campaigns/new", form); res.Status != 303 || res.Location() != "/admin/campaigns/2027/edit" {
		t.Fatalf("create: %d %s\n%s", res.Status, res.Location(), res.Body)
	}
	if res := admin.PostForm("/admin/campaigns/new", form); res.Status != 409 || !strings.Contains(res.Body, "该网址代码已被其他活动周使用") {
		t.Fatalf("duplicate slug: %d", res.Status)
	}
	public := e.Client(t)
	if res := public.Get("/campaigns/2027"); res.Status != 404 {
		t.Fatalf("a draft is public: %d", res.Status)
	}
	if res := admin.PostForm("/admin/campaigns/2027/state", url.Values{"state": {"published"}}); res.Status != 422 {
		t.Fatalf("publishing without a notice: %d, want 422", res.Status)
	}
	f := with(editForm(t, e, "2027"), "notice", "各有关单位：\n\n请按时填报。")
	if res := admin.PostForm("/admin/campaigns/2027/edit", f); res.Status != 303 {
		t.Fatalf("save notice: %d\n%s", res.Status, res.Body)
	}
	if res := admin.PostForm("/admin/campaigns/2027/state", url.Values{"state": {"published"}}); res.Status != 303 {
		t.Fatalf("publish: %d", res.Status)
	}
	if res := public.Get("/campaigns/2027/notice"); res.Status != 200 || !strings.Contains(res.Body, "请按时填报。") {
		t.Fatalf("published notice: %d", res.Status)
	}

	// Copy the 2020 original for 2021: every date a year on.
	if res := admin.PostForm("/admin/campaigns/2020/copy", url.Values{"slug": {"2021"}, "start": {""}}); res.Status != 303 {
		t.Fatalf("copy: %d\n%s", res.Status, res.Body)
	}
	var got struct {
		Title           string
		StartDate       string `json:"start_date"`
		FilingDeadline  string `json:"filing_deadline"`
		SummaryDeadline string `json:"summary_deadline"`
		State           string
		FocusAreas      []campaign.Term `json:"focus_areas"`
		Notice          string
	}
	admin.Get("/api/v1/campaigns/2021").JSON(t, &got)
	if got.Title != "2021年泉州市科技活动周" || got.StartDate != "2021-08-23" || got.State != "draft" ||
		!strings.HasPrefix(got.FilingDeadline, "2021-07-24T23:59:59+08:00") || !strings.HasPrefix(got.SummaryDeadline, "2021-09-07") {
		t.Errorf("copy: %+v", got)
	}
	if len(got.FocusAreas) != 5 || got.FocusAreas[0].Name != "展示科技战疫成效" {
		t.Errorf("copy focus areas: %+v", got.FocusAreas)
	}
	if !strings.Contains(got.Notice, "2021年7月24日前") {
		t.Error("the copied notice still names 2020")
	}
	if !strings.Contains(got.Notice, "国科发智〔2020〕167号") {
		t.Error("the copy changed the number of another document")
	}
	if res := e.As(t, "hqu").PostForm("/admin/campaigns/2020/copy", url.Values{"slug": {"x2021"}}); res.Status != 403 {
		t.Errorf("a unit copied a campaign: %d", res.Status)
	}
}

func TestAttachments(t *testing.T) {
	e := apptest.New(t)
	admin := e.As(t, "admin")
	upload := func(c *apptest.Client, name string, content []byte) *apptest.Response {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		fw, _ := mw.CreateFormFile("file", name)
		fw.Write(content)
		mw.Close()
		return c.Do("POST", "/admin/campaigns/2026/attachments", &buf, http.Header{"Content-Type": {mw.FormDataContentType()}})
	}
	if res := upload(admin, `C:\Users\clerk\附件1 重点项目备案表.pdf`, []byte("%PDF-1.4 test")); res.Status != 303 {
		t.Fatalf("upload: %d\n%s", res.Status, res.Body)
	}
	notice := e.Client(t).Get("/campaigns/2026/notice").Body
	if !strings.Contains(notice, "附件1 重点项目备案表.pdf") || strings.Contains(notice, `C:\Users`) {
		t.Fatal("attachment not listed under its own name")
	}
	c, _ := e.App.Campaigns.Get(account.AsSystem(t.Context()), "2026")
	res := e.Client(t).Get("/campaigns/2026/attachments/" + fmtInt(int(c.Attachments[0].ID)))
	if res.Status != 200 || res.Body != "%PDF-1.4 test" || !strings.Contains(res.Header.Get("Content-Disposition"), "attachment") ||
		res.Header.Get("Content-Type") != "application/pdf" || res.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("download: %d %v", res.Status, res.Header)
	}
	if res := upload(admin, "setup.exe", []byte("MZ")); res.Status != 422 || !strings.Contains(res.Body, "只能上传") {
		t.Fatalf("exe upload: %d", res.Status)
	}
	if res := upload(admin, "empty.pdf", nil); res.Status != 422 || !strings.Contains(res.Body, "上传的文件是空的") {
		t.Fatalf("empty upload: %d", res.Status)
	}
	if res := upload(e.As(t, "hqu"), "x.pdf", []byte("%PDF")); res.Status != 403 {
		t.Fatalf("unit upload: %d", res.Status)
	}
}
