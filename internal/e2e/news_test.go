package e2e_test

import (
	"bytes"
	"encoding/xml"
	"image/png"
	"strings"
	"testing"

	"github.com/sciweek/sciweek/internal/apptest"
	"github.com/sciweek/sciweek/internal/news"
)

// TestBrowserNews has 华侨大学 submit news of its open day on a phone, 丰泽区
// and the city approve it, the city pin it, and the public find it on the
// campaign home, open it and share it.
func TestBrowserNews(t *testing.T) {
	env := apptest.New(t)
	b := newBrowser(t, env.URL)

	b.login("hqu")
	b.open("/campaigns/2026/articles", "#new-article")
	b.click("#new-article", "#article-form")
	b.fill("#title", "华侨大学实验室开放日")
	b.fill("#summary", "两百名中小学生走进实验室")
	b.fill("#body", "学生们在**材料实验室**动手做实验。")
	b.capture("news-form")
	b.click("#submit-article", "article h1")
	b.shows(".flash", "稿件已保存")
	path := b.path()
	if !strings.HasPrefix(path, "/news/") {
		t.Fatalf("after submitting the tab shows %s", path)
	}
	b.logout()

	for _, reviewer := range []string{"fengze", "admin"} {
		b.login(reviewer)
		b.open(path, "#approve")
		b.click("#approve", ".flash")
		b.shows(".flash", "已审核通过")
		if reviewer == "admin" {
			b.click("#pin", ".flash")
			b.shows("#pin", "取消置顶")
		}
		b.logout()
	}

	b.open("/campaigns/2026", ".news-home")
	b.shows(".news-home .pinned", "华侨大学实验室开放日")
	b.capture("campaign-home-news")
	b.click(`.news-home .pinned a[href="`+path+`"]`, "article h1")
	b.shows("article h1", "华侨大学实验室开放日")
	b.capture("news-article")
	if got := b.attr(`meta[property="og:title"]`, "content"); got != "华侨大学实验室开放日" {
		t.Errorf("og:title is %q", got)
	}
	if got := b.attr(`meta[property="og:url"]`, "content"); got != env.URL+path {
		t.Errorf("og:url is %q", got)
	}
	if got := b.attr(`meta[property="og:description"]`, "content"); got != "两百名中小学生走进实验室" {
		t.Errorf("og:description is %q", got)
	}
	qr := b.fetch(b.attr("img.qr", "src"))
	if cfg, err := png.DecodeConfig(bytes.NewReader(qr)); err != nil || cfg.Width != 320 {
		t.Fatalf("QR code: %v %+v", err, cfg)
	}
	if want, _ := news.QRPNG(env.URL + path); !bytes.Equal(qr, want) {
		t.Error("the QR code does not encode the article's address")
	}
	var feed struct {
		Entries []struct {
			Title string `xml:"title"`
		} `xml:"entry"`
	}
	if err := xml.Unmarshal(b.fetch("/feeds/2026/news/news.atom"), &feed); err != nil || len(feed.Entries) == 0 || feed.Entries[0].Title != "华侨大学实验室开放日" {
		t.Fatalf("feed: %v %+v", err, feed)
	}
	b.open("/campaigns/2026/news/policies", "main h1")
	b.shows("main", "《中华人民共和国科学技术进步法》")
	b.capture("news-policies")

	// What the sanitiser removes is said beside the body, the text kept.
	b.login("hqu")
	b.open("/campaigns/2026/articles/new", "#article-form")
	b.fill("#title", "嵌入视频")
	b.fill("#body", `<iframe src="https://evil.example/player"></iframe>`)
	b.click("#submit-article", "#body-notes")
	b.shows("#body-notes", "来自 evil.example 的嵌入内容已被删除")
	if got := b.value("#body"); !strings.Contains(got, "evil.example") {
		t.Errorf("the body was not kept: %q", got)
	}
	b.capture("news-notes")
}
