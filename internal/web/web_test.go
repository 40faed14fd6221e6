package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/sciweek/sciweek/internal/errs"
)

func TestLimiter(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := NewLimiter(3, time.Minute)
	l.now = func() time.Time { return now }
	for i := 0; i < 3; i++ {
		if err := l.Allow("1.2.3.4"); err != nil {
			t.Fatalf("event %d refused: %v", i+1, err)
		}
	}
	err := l.Allow("1.2.3.4")
	e, ok := errs.As(err)
	if !ok || e.Code != errs.RateLimited || e.RetryAfter != time.Minute {
		t.Fatalf("fourth event: %v", err)
	}
	if err := l.Allow("5.6.7.8"); err != nil {
		t.Fatal("another address was limited")
	}
	now = now.Add(time.Minute)
	if err := l.Allow("1.2.3.4"); err != nil {
		t.Fatal("the window did not reset")
	}
}

func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{
		"/campaigns/2020": "/campaigns/2020", "": "/d", "//evil.example": "/d", "https://evil.example/": "/d",
		"/\\evil.example": "/d", "javascript:alert(1)": "/d", "/a?b=c": "/a?b=c",
	} {
		if got := SafeNext(in, "/d"); got != want {
			t.Errorf("SafeNext(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestJSONETag(t *testing.T) {
	get := func(inm string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("GET", "/api/v1/x", nil)
		if inm != "" {
			r.Header.Set("If-None-Match", inm)
		}
		w := httptest.NewRecorder()
		JSON(w, r, http.StatusOK, map[string]int{"a": 1})
		return w
	}
	first := get("")
	etag := first.Header().Get("ETag")
	if first.Code != 200 || etag == "" {
		t.Fatalf("first: %d %q", first.Code, etag)
	}
	if w := get(etag); w.Code != http.StatusNotModified || w.Body.Len() != 0 {
		t.Fatalf("matching If-None-Match: %d", w.Code)
	}
	if w := get(`W/` + etag + `, "other"`); w.Code != http.StatusNotModified {
		t.Fatalf("weak match in a list: %d", w.Code)
	}
	if w := get(`"stale"`); w.Code != 200 {
		t.Fatalf("stale tag: %d", w.Code)
	}
}

func TestStatus(t *testing.T) {
	for code, want := range map[errs.Code]int{errs.Invalid: 422, errs.NotFound: 404, errs.Forbidden: 403, errs.Unauthenticated: 401,
		errs.Conflict: 409, errs.Full: 409, errs.DeadlinePassed: 409, errs.RateLimited: 429, errs.TooLarge: 413, errs.Unavailable: 503, errs.Internal: 500} {
		if got := Status(code); got != want {
			t.Errorf("Status(%s) = %d, want %d", code, got, want)
		}
	}
}

func TestServeFile(t *testing.T) {
	if got, want := ContentDisposition("attachment", "活动 照片(1).jpg"), `attachment; filename="file.jpg"; filename*=UTF-8''%E6%B4%BB%E5%8A%A8%20%E7%85%A7%E7%89%87%281%29.jpg`; got != want {
		t.Errorf("ContentDisposition = %s, want %s", got, want)
	}
	if got, want := ContentDisposition("inline", `a"b.pdf`), `inline; filename="a_b.pdf"; filename*=UTF-8''a%22b.pdf`; got != want {
		t.Errorf("ContentDisposition = %s, want %s", got, want)
	}
	req := httptest.NewRequest("GET", "/f", nil)
	req.Header.Set("Range", "bytes=2-4")
	rec := httptest.NewRecorder()
	ServeFile(rec, req, strings.NewReader("0123456789"), time.Now(), "视频.mp4", "video/mp4", true)
	if rec.Code != http.StatusPartialContent || rec.Body.String() != "234" {
		t.Fatalf("range: %d %q", rec.Code, rec.Body.String())
	}
	for k, v := range map[string]string{"Content-Type": "video/mp4", "X-Content-Type-Options": "nosniff", "Content-Range": "bytes 2-4/10"} {
		if rec.Header().Get(k) != v {
			t.Errorf("%s = %q, want %q", k, rec.Header().Get(k), v)
		}
	}
	if !strings.HasPrefix(rec.Header().Get("Content-Disposition"), "inline;") {
		t.Errorf("Content-Disposition = %q", rec.Header().Get("Content-Disposition"))
	}
}
