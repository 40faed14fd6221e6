package app_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/sciweek/sciweek/internal/apptest"
)

// BenchmarkCachedPage answers the public list page from the cache through
// the whole application handler (every middleware), and, beside it, Go's
// file server answering a file of the same bytes: the cached page should
// cost no more than the static file. The in-process pair calls the
// handlers directly; the loopback pair goes through real HTTP servers on
// loopback, with their connections, headers and writes.
//
//	go test ./internal/app/ -run '^$' -bench CachedPage -benchmem -cpu 2
func BenchmarkCachedPage(b *testing.B) {
	e := apptest.New(b)
	h := e.App.Handler()
	const page = "/campaigns/2020/activities?day=2020-08-24"
	get := func(h http.Handler, path string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", path, nil)
		req.RemoteAddr = "192.0.2.7:40000"
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	first := get(h, page) // fills the cache
	if first.Code != http.StatusOK {
		b.Fatalf("list page: %d", first.Code)
	}
	body := first.Body.Bytes()
	dir := b.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "activities.html"), body, 0o644); err != nil {
		b.Fatal(err)
	}
	files := http.FileServer(http.Dir(dir))

	run := func(b *testing.B, h http.Handler, path string) {
		b.SetBytes(int64(len(body)))
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				rec := get(h, path)
				if rec.Code != http.StatusOK || !bytes.Equal(rec.Body.Bytes(), body) {
					b.Errorf("%s: %d, %d bytes", path, rec.Code, rec.Body.Len())
					return
				}
			}
		})
	}
	b.Run("handler/cached", func(b *testing.B) { run(b, h, page) })
	b.Run("handler/static", func(b *testing.B) { run(b, files, "/activities.html") })

	// Over loopback the page's absolute links name the server's address,
	// so the static file holds the bytes the server sends there.
	res, err := http.Get(e.URL + page)
	if err != nil {
		b.Fatal(err)
	}
	body, _ = io.ReadAll(res.Body)
	res.Body.Close()
	if err := os.WriteFile(filepath.Join(dir, "activities.html"), body, 0o644); err != nil {
		b.Fatal(err)
	}
	static := httptest.NewServer(files)
	b.Cleanup(static.Close)
	fetch := func(b *testing.B, url string) {
		client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64, DisableCompression: true}}
		b.SetBytes(int64(len(body)))
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				res, err := client.Get(url)
				if err != nil {
					b.Error(err)
					return
				}
				got, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusOK || !bytes.Equal(got, body) {
					b.Errorf("%s: %d, %d bytes", url, res.StatusCode, len(got))
					return
				}
			}
		})
	}
	b.Run("loopback/cached", func(b *testing.B) { fetch(b, e.URL+page) })
	b.Run("loopback/static", func(b *testing.B) { fetch(b, static.URL+"/activities.html") })
}
