package news_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/sciweek/sciweek/internal/apptest"
	"github.com/sciweek/sciweek/internal/news"
)

// foreignVideos are ways of pointing an embedded video, its sources or its
// poster at another site.
var foreignVideos = []string{
	`<video src="//other.host/x.mp4" controls></video>`,
	`<video src="///other.host/x.mp4"></video>`,
	`<VIDEO SRC="//OTHER.HOST/x.mp4" CONTROLS></VIDEO>`,
	`<video src="&#x2F;&#x2F;other.host/x.mp4"></video>`,
	`<video src="&#47;&#47;other.host/x.mp4"></video>`,
	`<video src="/\other.host/x.mp4"></video>`,
	`<video src="https://other.host/x.mp4"></video>`,
	`<video controls><source src="//other.host/x.mp4" type="video/mp4"></video>`,
	`<video controls><SOURCE SRC="&#x2F;/other.host/x.mp4"></video>`,
	`<video poster="//other.host/p.jpg" src="/reports/1/media/2"></video>`,
	`<video poster="https://other.host/p.jpg" src="/reports/1/media/2"></video>`,
	`<video src="/reports/1/media/2/../../../../other.host/x.mp4"></video>`,
}

func TestForeignVideosAreRemoved(t *testing.T) {
	for _, src := range foreignVideos {
		out := strings.ToLower(string(news.RenderBody(src)))
		if strings.Contains(out, "other.host") {
			t.Errorf("%s\n  kept: %s", src, out)
		}
	}
	own := `<video controls poster="/reports/1/media/2/thumb" src="/reports/1/media/2"><source src="/campaigns/2026/gallery/7" type="video/mp4"></video>`
	out := string(news.RenderBody(own))
	for _, want := range []string{`src="/reports/1/media/2"`, `poster="/reports/1/media/2/thumb"`, `<source src="/campaigns/2026/gallery/7"`} {
		if !strings.Contains(out, want) {
			t.Errorf("own video lost %s: %s", want, out)
		}
	}
	notes := news.Removals(foreignVideos[0])
	if len(notes) != 1 || notes[0].Msg.Key != "hardening.news.video" {
		t.Errorf("the author is not told: %+v", notes)
	}
}

// TestForeignVideosNotInTheAPI reads a published article whose body points
// videos at other sites through the public API: body_html keeps none.
func TestForeignVideosNotInTheAPI(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		public := e.Client(t)
		list := public.Get("/api/v1/campaigns/2026/articles")
		var l struct{ Items []news.APIArticle }
		list.JSON(t, &l)
		if len(l.Items) == 0 {
			t.Fatalf("no public article: %s", list.Body)
		}
		id := l.Items[0].ID
		body := "现场视频：\n\n" + strings.Join(foreignVideos, "\n\n")
		if _, err := e.App.DB.Exec(context.Background(), `UPDATE articles SET body = ? WHERE id = ?`, body, id); err != nil {
			t.Fatal(err)
		}
		res := public.Get("/api/v1/articles/" + strconv.FormatInt(id, 10))
		var a news.APIArticle
		res.JSON(t, &a)
		if res.Status != http.StatusOK || !strings.Contains(a.Body, "other.host") || !strings.Contains(a.BodyHTML, "现场视频") {
			t.Fatalf("article: %d %s", res.Status, res.Body)
		}
		if strings.Contains(strings.ToLower(a.BodyHTML), "other.host") {
			t.Errorf("body_html keeps another site's video: %s", a.BodyHTML)
		}
		if page := public.Get("/news/" + strconv.FormatInt(id, 10)); strings.Contains(strings.ToLower(page.Body), "other.host") {
			t.Errorf("the article page keeps another site's video")
		}
	})
}
