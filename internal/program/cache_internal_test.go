package program

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestCacheHoldsAtMostMaxBytes puts more answers than its bytes allow:
// it never holds more, and the last answer put is held.
func TestCacheHoldsAtMostMaxBytes(t *testing.T) {
	c := NewCache(1000, time.Minute)
	c.MaxBytes = 10 << 10
	for i := range 50 {
		rec := recorder{body: new(bytes.Buffer)}
		rec.body.Write(make([]byte, 1500+i))
		c.put(fmt.Sprint("page ", i), 0, finish(&rec))
		if c.used > c.MaxBytes {
			t.Fatalf("after %d answers it holds %d bytes, more than %d", i+1, c.used, c.MaxBytes)
		}
		if c.get(fmt.Sprint("page ", i)) == nil {
			t.Fatalf("answer %d is not held", i)
		}
	}
}

// TestCacheZipsOnDemand: an answer is compressed by the first request that
// takes gzip, to the same bytes, and only then counted in the bytes held.
func TestCacheZipsOnDemand(t *testing.T) {
	c := NewCache(10, time.Minute)
	rec := recorder{header: http.Header{}, body: new(bytes.Buffer)}
	rec.body.WriteString(strings.Repeat("科技活动周 ", 400))
	e := finish(&rec)
	c.put("page", 0, e)
	if c.used != len(e.body) || e.gz != nil {
		t.Fatalf("before any gzip request: %d bytes held, gzip form %d bytes", c.used, len(e.gz))
	}
	plain := httptest.NewRecorder()
	e.serve(c, plain, httptest.NewRequest("GET", "/", nil), true)
	if plain.Header().Get("Content-Encoding") != "" || plain.Body.String() != rec.body.String() || e.gz != nil {
		t.Fatalf("a plain request: encoding %q, or it made the gzip form", plain.Header().Get("Content-Encoding"))
	}
	for range 2 {
		req := httptest.NewRequest("GET", "/", nil)
		req.Header.Set("Accept-Encoding", "gzip")
		zipped := httptest.NewRecorder()
		e.serve(c, zipped, req, true)
		zr, err := gzip.NewReader(zipped.Body)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(zr)
		if zipped.Header().Get("Content-Encoding") != "gzip" || string(got) != rec.body.String() || zipped.Header().Get("Content-Length") != strconv.Itoa(len(e.gz)) {
			t.Fatalf("a gzip request: encoding %q, length %q, %d bytes inflated", zipped.Header().Get("Content-Encoding"), zipped.Header().Get("Content-Length"), len(got))
		}
	}
	if c.used != len(e.body)+len(e.gz) {
		t.Errorf("after gzip requests: %d bytes held, want %d + %d", c.used, len(e.body), len(e.gz))
	}
}

// TestCachedAnswersKeepTheirBytes: answers rendered one after another
// through the reused buffers each keep their own bytes, plain and
// compressed, when asked for again.
func TestCachedAnswersKeepTheirBytes(t *testing.T) {
	c := NewCache(1000, time.Minute)
	h := c.Wrap(func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		w.Write(bytes.Repeat([]byte(r.URL.Query().Get("c")), n))
	})
	get := func(url string, gz bool) string {
		req := httptest.NewRequest(http.MethodGet, url, nil)
		if gz {
			req.Header.Set("Accept-Encoding", "gzip")
		}
		rec := httptest.NewRecorder()
		h(rec, req)
		body := rec.Body.Bytes()
		if rec.Header().Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			if body, err = io.ReadAll(zr); err != nil {
				t.Fatal(err)
			}
		}
		return string(body)
	}
	want := map[string]string{}
	for i, n := range []int{5000, 700, 20000, 600, 3 << 20, 900} {
		url := fmt.Sprintf("/page?c=%c&n=%d", 'a'+i, n)
		want[url] = strings.Repeat(string(rune('a'+i)), n)
		if got := get(url, i%2 == 0); got != want[url] {
			t.Fatalf("%s: %d bytes, want %d", url, len(got), n)
		}
	}
	for url, body := range want {
		for _, gz := range []bool{false, true} {
			if got := get(url, gz); got != body {
				t.Errorf("%s again (gzip %v): %d bytes, want %d", url, gz, len(got), len(body))
			}
		}
	}
}
