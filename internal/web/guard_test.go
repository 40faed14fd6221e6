package web

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestRequestLogHidesSecrets: ticket codes in paths and tokens or codes in
// query strings never reach the request log.
func TestRequestLogHidesSecrets(t *testing.T) {
	var logs bytes.Buffer
	mux := http.NewServeMux()
	mux.HandleFunc("GET /tickets/{ticket}", func(w http.ResponseWriter, r *http.Request) {})
	mux.HandleFunc("GET /tickets/{ticket}/qr.png", func(w http.ResponseWriter, r *http.Request) {})
	mux.HandleFunc("GET /bookings/find", func(w http.ResponseWriter, r *http.Request) {})
	s := &Server{Log: slog.New(slog.NewTextHandler(&logs, nil)), Mux: mux}
	h := s.Handler()
	for _, path := range []string{"/tickets/K7Q2-SECRET1", "/tickets/K7Q2-SECRET2/qr.png", "/bookings/find?code=SECRET3&phone=13800000000&lang=en"} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", path, nil))
	}
	out := logs.String()
	for _, secret := range []string{"SECRET1", "SECRET2", "SECRET3", "13800000000"} {
		if strings.Contains(out, secret) {
			t.Errorf("the request log holds %s:\n%s", secret, out)
		}
	}
	if !strings.Contains(out, "/tickets/…/qr.png") || !strings.Contains(out, "lang=en") {
		t.Errorf("the log lost what is not secret:\n%s", out)
	}
}

// TestNumbersBounded: ids and page numbers are read within their range.
func TestNumbersBounded(t *testing.T) {
	for s, ok := range map[string]bool{"1": true, "42": true, "0": false, "-1": false, "+1": false, " 1": false,
		"2305843009213693953": false, "99999999999999999999": false, "1e3": false, "": false} {
		if _, got := ParseID(s); got != ok {
			t.Errorf("ParseID(%q) ok = %v", s, got)
		}
	}
	r := httptest.NewRequest("GET", "/x?page=2305843009213693953&per_page=5", nil)
	if page, per, err := Paging(r, 50); err == nil || page != 1 || per != 50 {
		t.Errorf("Paging of a huge page: %d %d %v", page, per, err)
	}
}
