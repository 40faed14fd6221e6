package web

import (
	"net/http"
	"net/http/httptest"
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
