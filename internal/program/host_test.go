package program_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/sciweek/sciweek/internal/app"
	"github.com/sciweek/sciweek/internal/apptest"
)

// TestForgedHost: with the site's address configured, a request naming
// another host cannot put that host into links that the cache then hands
// to everyone.
func TestForgedHost(t *testing.T) {
	e := apptest.Start(t, apptest.Options{Configure: func(c *app.Config) { c.PublicURL = "https://kjz.example.cn" }})
	for range 2 { // the second answer comes from the cache
		req, _ := http.NewRequest("GET", e.URL+"/campaigns/2026/program", nil)
		req.Host = "evil.example"
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if strings.Contains(string(body), "evil.example") || !strings.Contains(string(body), `content="https://kjz.example.cn/campaigns/2026/program"`) {
			t.Fatalf("links follow a forged Host:\n%s", body)
		}
	}
	if body := e.Client(t).Get("/feeds/2026/program.atom").Body; !strings.Contains(body, "https://kjz.example.cn/activities/") {
		t.Errorf("the feed does not link to the configured address:\n%.600s", body)
	}
}
