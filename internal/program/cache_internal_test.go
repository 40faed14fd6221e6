package program

import (
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
		var rec recorder
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
	var rec recorder
	rec.header = http.Header{}
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
