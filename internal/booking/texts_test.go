package booking_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/sciweek/sciweek/internal/app"
	"github.com/sciweek/sciweek/internal/apptest"
)

// TestOnlineSwitchTextsBookers follows the online switch to the SMS
// provider: each booker gets a text in their own language, through the job
// queue and the real SMS driver.
func TestOnlineSwitchTextsBookers(t *testing.T) {
	var mu sync.Mutex
	got := map[string]string{}
	provider := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Sciweek-Secret") != "sms-secret" {
			http.Error(w, "bad secret", http.StatusForbidden)
			return
		}
		var m struct{ To, Text string }
		json.NewDecoder(r.Body).Decode(&m)
		mu.Lock()
		got[m.To] = m.Text
		mu.Unlock()
	}))
	defer provider.Close()
	e := apptest.Start(t, apptest.Options{Configure: func(c *app.Config) {
		c.SMS = app.SMSConfig{URL: provider.URL, Secret: "sms-secret", Header: "X-Sciweek-Secret"}
	}})
	f := setup(t, e)
	slot := f.slot(t, f.project, 8, 10)
	book(t, e.URL, slot, bookingJSON("张三", "13800138000", 1))
	en := e.Client(t)
	en.Header.Set("Accept-Language", "en")
	en.SendJSON("POST", fmt.Sprintf("/api/v1/slots/%d/bookings", slot), map[string]any{"name": "Ann", "phone": "13900139000", "party_size": 1, "consent": true})

	if res := e.As(t, "admin").PostForm(fmt.Sprintf("/activities/%d/booking/online", f.project.ID), url.Values{"online": {"yes"}}); res.Status != 303 {
		t.Fatalf("activity online: %d", res.Status)
	}
	if _, err := e.App.Jobs.RunDue(context.Background()); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(got["13800138000"], "已改为线上举办") || !strings.Contains(got["13900139000"], "now held online") {
		t.Errorf("texts received by the provider: %+v", got)
	}
	var recorded int
	e.App.DB.QueryRow(context.Background(), `SELECT COUNT(*) FROM messages WHERE channel = 'sms' AND state = 'sent' AND topic = 'booking_online'`).Scan(&recorded)
	if recorded < 2 || recorded != len(got) {
		t.Errorf("sent text messages recorded: %d, received by the provider: %d", recorded, len(got))
	}
}
