package program_test

import (
	"io"
	"net/http"
	"strconv"
	"testing"

	"github.com/sciweek/sciweek/internal/apptest"
)

// TestCachedAnswerLength: a cached page goes out with its length, plain
// and compressed, never in chunks; a HEAD gets the length and no body, and
// a 304 neither.
func TestCachedAnswerLength(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
		do := func(method, enc, etag string) (*http.Response, []byte) {
			req, _ := http.NewRequest(method, e.URL+"/campaigns/2020/activities?day=2020-08-24", nil)
			if enc != "" {
				req.Header.Set("Accept-Encoding", enc)
			}
			if etag != "" {
				req.Header.Set("If-None-Match", etag)
			}
			res, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			b, _ := io.ReadAll(res.Body)
			return res, b
		}
		do("GET", "", "") // fills the cache
		for _, enc := range []string{"", "gzip"} {
			res, body := do("GET", enc, "")
			if res.StatusCode != 200 || len(res.TransferEncoding) != 0 || res.Header.Get("Content-Length") != strconv.Itoa(len(body)) {
				t.Errorf("GET %q: %d, transfer %v, length %q for %d bytes", enc, res.StatusCode, res.TransferEncoding, res.Header.Get("Content-Length"), len(body))
			}
			if got := res.Header.Get("Content-Encoding"); got != enc {
				t.Errorf("GET %q: encoding %q", enc, got)
			}
			head, hb := do("HEAD", enc, "")
			if head.StatusCode != 200 || len(hb) != 0 || head.Header.Get("Content-Length") != strconv.Itoa(len(body)) {
				t.Errorf("HEAD %q: %d, %d bytes, length %q, want %d", enc, head.StatusCode, len(hb), head.Header.Get("Content-Length"), len(body))
			}
			for _, h := range []string{"X-Content-Type-Options", "Content-Security-Policy", "X-Frame-Options", "Referrer-Policy", "Vary", "Etag"} {
				if res.Header.Get(h) == "" {
					t.Errorf("GET %q: no %s", enc, h)
				}
			}
			not, nb := do("GET", enc, res.Header.Get("Etag"))
			if not.StatusCode != http.StatusNotModified || len(nb) != 0 || not.Header.Get("Content-Length") != "" {
				t.Errorf("If-None-Match %q: %d, %d bytes, length %q", enc, not.StatusCode, len(nb), not.Header.Get("Content-Length"))
			}
		}
	})
}
