package news_test

import (
	"regexp"
	"strings"
	"testing"

	xhtml "golang.org/x/net/html"

	"github.com/sciweek/sciweek/internal/campaign"
	"github.com/sciweek/sciweek/internal/news"
)

var (
	ownFile   = regexp.MustCompile(`^/(?:reports/[0-9]+/media/[0-9]+|campaigns/[a-z0-9][a-z0-9-]*/gallery/[0-9]+)(?:/thumb)?$`)
	playerSrc = regexp.MustCompile(`^https://(player\.bilibili\.com|v\.qq\.com|player\.youku\.com|www\.ixigua\.com)/`)
)

// FuzzRenderBody renders arbitrary Markdown and HTML as an article body
// and a notice: no script, no event handler, no script URL, no frame but
// the allowed players', and no video but the site's own files survive.
func FuzzRenderBody(f *testing.F) {
	for _, s := range append(foreignVideos, hostileBody, "# 标题\n\n**粗体** [链接](https://example.com)\n\n| a | b |\n|---|---|\n| 1 | 2 |",
		`<a href="jav&#x09;ascript:alert(1)">x</a>`, `<img src=x onerror=alert(1)>`, `<iframe src="https://player.bilibili.com/player.html?bvid=1"></iframe>`) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		for name, out := range map[string]string{"article": string(news.RenderBody(src)), "notice": string(campaign.RenderMarkdown(src))} {
			checkSafe(t, name, src, out)
		}
		news.Removals(src)
	})
}

func checkSafe(t *testing.T, name, src, out string) {
	t.Helper()
	z := xhtml.NewTokenizer(strings.NewReader(out))
	for {
		tt := z.Next()
		if tt == xhtml.ErrorToken {
			return
		}
		if tt != xhtml.StartTagToken && tt != xhtml.SelfClosingTagToken {
			continue
		}
		tok := z.Token()
		switch tok.Data {
		case "script", "style", "object", "embed", "form", "base", "meta", "link":
			t.Fatalf("%s keeps <%s>: %q → %q", name, tok.Data, src, out)
		}
		for _, a := range tok.Attr {
			v := strings.ToLower(strings.Join(strings.Fields(a.Val), ""))
			switch {
			case strings.HasPrefix(a.Key, "on"):
				t.Fatalf("%s keeps %s: %q → %q", name, a.Key, src, out)
			case (a.Key == "href" || a.Key == "src") && (strings.HasPrefix(v, "javascript:") || strings.HasPrefix(v, "vbscript:") || strings.HasPrefix(v, "data:")):
				t.Fatalf("%s keeps a script URL: %q → %q", name, src, out)
			case tok.Data == "iframe" && a.Key == "src" && !playerSrc.MatchString(a.Val):
				t.Fatalf("%s keeps a frame from %q: %q", name, a.Val, src)
			case (tok.Data == "video" || tok.Data == "source") && (a.Key == "src" || a.Key == "poster") && !ownFile.MatchString(a.Val):
				t.Fatalf("%s keeps a video from %q: %q", name, a.Val, src)
			}
		}
	}
}
