package sms_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/sciweek/sciweek/internal/platform/sms"
)

func TestHTTPDriver(t *testing.T) {
	var got []sms.Message
	status := http.StatusAccepted
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.Header.Get("X-Gateway-Key") != "k3y" || r.Header.Get("Content-Type") != "application/json; charset=utf-8" {
			http.Error(w, "bad request", http.StatusUnauthorized)
			return
		}
		var m sms.Message
		if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		got = append(got, m)
		w.WriteHeader(status)
	}))
	defer srv.Close()
	d := &sms.HTTP{URL: srv.URL, Secret: "k3y", Header: "X-Gateway-Key"}
	ctx := context.Background()

	if err := d.Send(ctx, sms.Message{To: "13812345678", Text: "【科技活动周】您已预约成功", Ref: "sciweek-7"}); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].To != "13812345678" || got[0].Text != "【科技活动周】您已预约成功" || got[0].Ref != "sciweek-7" {
		t.Fatalf("provider got %+v", got)
	}

	status = http.StatusServiceUnavailable
	if err := d.Send(ctx, sms.Message{To: "13812345678", Text: "x"}); err == nil || sms.Permanent(err) {
		t.Fatalf("503: err = %v, want a temporary error", err)
	}
	status = http.StatusTooManyRequests
	if err := d.Send(ctx, sms.Message{To: "13812345678", Text: "x"}); err == nil || sms.Permanent(err) {
		t.Fatalf("429: err = %v, want a temporary error", err)
	}
	wrong := &sms.HTTP{URL: srv.URL, Secret: "guess", Header: "X-Gateway-Key"}
	if err := wrong.Send(ctx, sms.Message{To: "13812345678", Text: "x"}); err == nil || !sms.Permanent(err) {
		t.Fatalf("wrong secret: err = %v, want a permanent refusal", err)
	}
}
