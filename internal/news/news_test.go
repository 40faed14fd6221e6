package news_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"image"
	"image/png"
	"mime/multipart"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/sciweek/sciweek/internal/apptest"
	"github.com/sciweek/sciweek/internal/news"
)

// post sends a multipart form, with a file under "cover" or "clipping"
// when data is not nil.
func post(c *apptest.Client, path string, fields map[string]string, fileField string, data []byte) *apptest.Response {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	if data != nil {
		fw, _ := mw.CreateFormFile(fileField, "file.bin")
		fw.Write(data)
	}
	mw.Close()
	return c.Do("POST", path, &body, http.Header{"Content-Type": {mw.FormDataContentType()}})
}

func pngImage(t *testing.T, w, h int) []byte {
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewRGBA(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

var articleLink = regexp.MustCompile(`href="/news/(\d+)"`)

const hostileBody = "实验室开放日现场。\n\n<script>alert(1)</script>\n\n[点我](javascript:alert(2))\n\n" +
	`<iframe src="https://evil.example/player"></iframe>` + "\n\n" +
	`<iframe src="https://player.bilibili.com/player.html?bvid=BV1xx411c7mD" width="640" height="360"></iframe>` + "\n"

func TestArticleFromUnitToPublic(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		public := e.Client(t)
		hqu := e.As(t, "hqu")

		// A bad cover keeps everything typed and says why beside the field.
		res := post(hqu, "/campaigns/2026/articles/new", map[string]string{"section": "news", "title": "开放日", "body": "正文", "submit": "1"}, "cover", []byte("not an image at all"))
		if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "封面必须是 JPEG、PNG、GIF 或 WebP 图片") || !strings.Contains(res.Body, `value="开放日"`) {
			t.Fatalf("not an image: %d\n%s", res.Status, res.Body)
		}
		big := append(pngImage(t, 8, 8), make([]byte, news.MaxCoverBytes)...)
		res = post(hqu, "/campaigns/2026/articles/new", map[string]string{"section": "news", "title": "开放日", "submit": "1"}, "cover", big)
		if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "封面图片不能超过 2 MB") {
			t.Fatalf("cover too large: %d\n%s", res.Status, res.Body)
		}

		// A hostile body is saved, and the author is told what is removed;
		// a publish time in the past publishes at once and says so.
		res = post(hqu, "/campaigns/2026/articles/new", map[string]string{"section": "news", "title": "华侨大学开放日", "summary": "中小学生走进实验室",
			"body": hostileBody, "publish_at": "2026-11-01T09:00", "submit": "1"}, "cover", pngImage(t, 64, 48))
		if res.Status != http.StatusOK {
			t.Fatalf("create: %d\n%s", res.Status, res.Body)
		}
		for _, want := range []string{"&lt;script&gt; 已被删除", "javascript: 链接已被删除", "来自 evil.example 的嵌入内容已被删除", "发布时间早于现在"} {
			if !strings.Contains(res.Body, want) {
				t.Errorf("the form does not say %q", want)
			}
		}
		if strings.Contains(res.Body, "player.bilibili.com 的嵌入内容已被删除") {
			t.Error("an allowed video host was reported removed")
		}
		m := articleLink.FindStringSubmatch(res.Body)
		if m == nil {
			t.Fatalf("no link to the article:\n%s", res.Body)
		}
		path := "/news/" + m[1]

		// Under review: the public and another district do not see it;
		// its own district does, and reviews it.
		if res := public.Get(path); res.Status != http.StatusNotFound {
			t.Fatalf("public sees an article under review: %d", res.Status)
		}
		if res := e.As(t, "shishi").Get(path); res.Status != http.StatusNotFound {
			t.Fatalf("another district sees the article: %d", res.Status)
		}
		fengze := e.As(t, "fengze")
		res = fengze.Get(path)
		if res.Status != http.StatusOK || !strings.Contains(res.Body, `action="`+path+`/decide"`) {
			t.Fatalf("district review page: %d\n%s", res.Status, res.Body)
		}
		approve := func(c *apptest.Client) {
			t.Helper()
			page := c.Get(path)
			v := regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(page.Body)
			if v == nil {
				t.Fatalf("no approve form:\n%s", page.Body)
			}
			if res := c.PostForm(path+"/decide", map[string][]string{"version": {v[1]}, "decision": {"approve"}, "comment": {"图文相符。"}}); res.Status != http.StatusSeeOther {
				t.Fatalf("approve: %d\n%s", res.Status, res.Body)
			}
		}
		approve(fengze)
		// The unit is told of the decision, with the reviewer's comment.
		if inbox := hqu.Get("/notifications").Body; !strings.Contains(inbox, "稿件《华侨大学开放日》已通过") || !strings.Contains(inbox, "审核意见：图文相符。") {
			t.Errorf("the unit's notice of the approval lacks the decision or the comment:\n%s", inbox)
		}
		if res := public.Get(path); res.Status != http.StatusNotFound {
			t.Fatalf("public sees an article the city has not approved: %d", res.Status)
		}
		admin := e.As(t, "admin")
		approve(admin)
		if res := admin.PostForm(path+"/pin", map[string][]string{"pinned": {"1"}}); res.Status != http.StatusSeeOther {
			t.Fatalf("pin: %d", res.Status)
		}
		if res := hqu.PostForm(path+"/pin", map[string][]string{"pinned": {"0"}}); res.Status != http.StatusForbidden {
			t.Fatalf("a unit unpins: %d", res.Status)
		}

		// The public finds it on the campaign home, opens and shares it.
		home := public.Get("/campaigns/2026")
		if !strings.Contains(home.Body, `href="`+path+`"`) || !strings.Contains(home.Body, "置顶公告") {
			t.Fatalf("campaign home lacks the pinned article:\n%s", home.Body)
		}
		page := public.Get(path)
		if page.Status != http.StatusOK {
			t.Fatalf("article: %d", page.Status)
		}
		for _, want := range []string{`<meta property="og:title" content="华侨大学开放日">`, `<meta property="og:url" content="` + e.URL + path + `">`,
			`<meta property="og:image" content="` + e.URL + path + `/cover">`, `src="https://player.bilibili.com/player.html?bvid=BV1xx411c7mD"`} {
			if !strings.Contains(page.Body, want) {
				t.Errorf("article page lacks %s", want)
			}
		}
		for _, bad := range []string{"<script>alert", "javascript:", "evil.example"} {
			if strings.Contains(page.Body, bad) {
				t.Errorf("article page still holds %s", bad)
			}
		}
		if csp := page.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-src https://player.bilibili.com") {
			t.Errorf("CSP does not allow the video player: %s", csp)
		}
		ld := regexp.MustCompile(`(?s)<script type="application/ld\+json">(.*?)</script>`).FindStringSubmatch(page.Body)
		if ld == nil {
			t.Fatal("no JSON-LD")
		}
		var data struct {
			Type     string `json:"@type"`
			Headline string `json:"headline"`
			Author   struct{ Name string }
		}
		if err := json.Unmarshal([]byte(ld[1]), &data); err != nil || data.Type != "NewsArticle" || data.Headline != "华侨大学开放日" || data.Author.Name != "华侨大学" {
			t.Fatalf("JSON-LD %v: %+v\n%s", err, data, ld[1])
		}
		qr := public.Get(path + "/qr.png")
		want, _ := news.QRPNG(e.URL + path)
		if qr.Header.Get("Content-Type") != "image/png" || !bytes.Equal([]byte(qr.Body), want) {
			t.Fatal("the QR code does not encode the article's address")
		}
		if cfg, err := png.DecodeConfig(strings.NewReader(qr.Body)); err != nil || cfg.Width != 320 {
			t.Fatalf("QR PNG: %v %+v", err, cfg)
		}
		if res := public.Get(path + "/cover"); res.Status != http.StatusOK || res.Header.Get("Content-Type") != "image/png" {
			t.Fatalf("cover: %d %s", res.Status, res.Header.Get("Content-Type"))
		}

		// The section's feed parses and holds it.
		feed := public.Get("/feeds/2026/news/news.atom")
		var atom struct {
			Title   string `xml:"title"`
			Entries []struct {
				Title string `xml:"title"`
				Link  struct {
					Href string `xml:"href,attr"`
				} `xml:"link"`
			} `xml:"entry"`
		}
		if err := xml.NewDecoder(strings.NewReader(feed.Body)).Decode(&atom); err != nil {
			t.Fatalf("feed: %v\n%s", err, feed.Body)
		}
		found := false
		for _, en := range atom.Entries {
			found = found || (en.Title == "华侨大学开放日" && en.Link.Href == e.URL+path)
		}
		if !found {
			t.Fatalf("feed lacks the article: %+v", atom)
		}

		// The API lists and serves it, with ETags.
		list := public.Get("/api/v1/campaigns/2026/articles?section=news")
		var l struct {
			Items []news.APIArticle
			Total int
			Page  int `json:"page"`
		}
		list.JSON(t, &l)
		if l.Total < 1 || l.Page != 1 || l.Items[0].Title != "华侨大学开放日" || !l.Items[0].Pinned {
			t.Fatalf("API list: %+v", l)
		}
		if res := public.Do("GET", "/api/v1/campaigns/2026/articles?section=news", nil, http.Header{"If-None-Match": {list.Header.Get("ETag")}}); res.Status != http.StatusNotModified {
			t.Fatalf("If-None-Match: %d", res.Status)
		}
		one := public.Get("/api/v1/articles/" + m[1])
		var a news.APIArticle
		one.JSON(t, &a)
		if a.UnitName != "华侨大学" || strings.Contains(a.BodyHTML, "<script") || !strings.Contains(a.BodyHTML, "player.bilibili.com") {
			t.Fatalf("API article: %+v", a)
		}
		if res := public.Get("/api/v1/campaigns/2026/articles?section=nope"); res.Status != http.StatusUnprocessableEntity {
			t.Fatalf("unknown section: %d", res.Status)
		}
	})
}

func TestNoticesPoliciesAndCoverage(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		public := e.Client(t)
		notices := public.Get("/campaigns/2026/news/notices")
		for _, want := range []string{"/campaigns/2026/notice", "活动备案和宣传报道工作的提示", "置顶"} {
			if !strings.Contains(notices.Body, want) {
				t.Errorf("notices lack %q", want)
			}
		}
		policies := public.Get("/campaigns/2020/news/policies")
		for _, want := range []string{"《中华人民共和国科学技术进步法》", "《中华人民共和国促进科技成果转化法》", "《技术合同认定登记管理办法》", "《中华人民共和国传染病防治法》"} {
			if !strings.Contains(policies.Body, want) {
				t.Errorf("policies lack %s", want)
			}
		}

		hqu := e.As(t, "hqu")
		res := post(hqu, "/campaigns/2026/coverage", map[string]string{"outlet": "", "title": "开放日报道", "date": "2026-12-20", "link": "javascript:alert(1)"}, "clipping", []byte("plain text"))
		if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "请填写媒体名称") || !strings.Contains(res.Body, "请填写以 http:// 或 https:// 开头的网址") ||
			!strings.Contains(res.Body, "剪报须为图片或 PDF 文件") || !strings.Contains(res.Body, `value="开放日报道"`) {
			t.Fatalf("bad coverage: %d\n%s", res.Status, res.Body)
		}
		for i, outlet := range []string{"泉州晚报", "东南早报"} {
			res := post(hqu, "/campaigns/2026/coverage", map[string]string{"outlet": outlet, "title": "开放日报道", "date": "2026-12-2" + string(rune('0'+i)), "link": "https://news.example.cn/a"}, "clipping", pngImage(t, 10, 10))
			if res.Status != http.StatusSeeOther {
				t.Fatalf("add coverage: %d\n%s", res.Status, res.Body)
			}
		}
		post(e.As(t, "qztc"), "/campaigns/2026/coverage", map[string]string{"outlet": "泉州电视台", "title": "师院科普", "date": "2026-12-21"}, "", nil)

		admin := e.As(t, "admin").Get("/campaigns/2026/coverage")
		for _, want := range []string{"各县（市、区）报道数", "丰泽区工业信息化和科技局</td><td>3", "华侨大学</a></td><td>2", "泉州师范学院</a></td><td>1"} {
			if !strings.Contains(admin.Body, want) {
				t.Errorf("organiser's totals lack %s", want)
			}
		}
		if own := e.As(t, "qztc").Get("/campaigns/2026/coverage"); strings.Contains(own.Body, "泉州晚报") {
			t.Error("a unit sees another unit's coverage")
		}
		clip := regexp.MustCompile(`href="(/coverage/\d+/clipping)"`).FindStringSubmatch(admin.Body)
		if clip == nil {
			t.Fatal("no clipping link for the organiser")
		}
		if res := e.As(t, "admin").Get(clip[1]); res.Status != http.StatusOK || res.Header.Get("Content-Type") != "image/png" {
			t.Errorf("organiser's clipping: %d %s", res.Status, res.Header.Get("Content-Type"))
		}
		if res := e.As(t, "qztc").Get(clip[1]); res.Status != http.StatusNotFound {
			t.Errorf("another unit opens the clipping: %d", res.Status)
		}
		if res := public.Get("/campaigns/2026/coverage"); res.Status != http.StatusSeeOther {
			t.Errorf("the public reaches the coverage list: %d", res.Status)
		}
	})
}

func TestSectionsAndScheduledPublishing(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		admin := e.As(t, "admin")
		public := e.Client(t)
		if res := e.As(t, "hqu").Get("/admin/campaigns/2026/sections"); res.Status != http.StatusForbidden {
			t.Fatalf("a unit edits sections: %d", res.Status)
		}
		form := map[string][]string{"code": {"notices", "news", "policies", "videos", ""}, "name": {"通知公告", "活动新闻", "政策法规", "", "VR 体验"},
			"name_en": {"", "Activity news", "", "", "VR"}}
		if res := admin.PostForm("/admin/campaigns/2026/sections", form); res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "请填写栏目名称") {
			t.Fatalf("a section without a name: %d\n%s", res.Status, res.Body)
		}
		form["name"][3] = "科普视频"
		if res := admin.PostForm("/admin/campaigns/2026/sections", form); res.Status != http.StatusSeeOther {
			t.Fatalf("save sections: %d\n%s", res.Status, res.Body)
		}
		page := public.Get("/campaigns/2026/news")
		if !strings.Contains(page.Body, "活动新闻") || !strings.Contains(page.Body, `href="/campaigns/2026/news/s5">VR 体验`) {
			t.Fatalf("sections not renamed or added:\n%s", page.Body)
		}

		// The organiser schedules an article: it stays hidden until its time.
		res := post(admin, "/campaigns/2026/articles/new", map[string]string{"section": "s5", "title": "VR 科普体验周开幕", "publish_at": "2026-12-19T09:00", "submit": "1"}, "", nil)
		if res.Status != http.StatusSeeOther {
			t.Fatalf("schedule: %d\n%s", res.Status, res.Body)
		}
		path := res.Location()
		if page := admin.Get(path); !strings.Contains(page.Body, "定时发布：2026年12月19日") {
			t.Errorf("the organiser is not told it is scheduled:\n%s", page.Body)
		}
		if res := public.Get(path); res.Status != http.StatusNotFound {
			t.Fatalf("a scheduled article is public: %d", res.Status)
		}
		e.Clock.Set(apptest.Now.AddDate(0, 0, 22))
		if res := public.Get(path); res.Status != http.StatusOK {
			t.Fatalf("the scheduled article is not public on its day: %d", res.Status)
		}
		if feed := public.Get("/feeds/2026/news/s5.atom"); !strings.Contains(feed.Body, "VR 科普体验周开幕") {
			t.Fatalf("feed of the new section:\n%s", feed.Body)
		}
	})
}
