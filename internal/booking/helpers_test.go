package booking_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/apptest"
	"github.com/sciweek/sciweek/internal/booking"
	"github.com/sciweek/sciweek/internal/campaign"
	"github.com/sciweek/sciweek/internal/demo"
	"github.com/sciweek/sciweek/internal/program"
)

// fixture is the demo made bookable, with the ids tests need.
type fixture struct {
	e *apptest.Env
	// openDay is 泉州师范学院's open day; its first slot is nearly full.
	openDay program.Activity
	// project is a key project of 泉州装备制造研究中心 with hourly slots.
	project program.Activity
	// other is an activity of another unit, 仰恩大学's open day.
	other program.Activity
}

func setup(t *testing.T, e *apptest.Env) fixture { return setupTB(t, e) }

func setupTB(t testing.TB, e *apptest.Env) fixture {
	t.Helper()
	ctx := account.AsSystem(context.Background())
	if err := demo.LoadBookings(ctx, e.App.Booking); err != nil {
		t.Fatalf("load demo bookings: %v", err)
	}
	c, err := e.App.Campaigns.Get(ctx, "2026")
	if err != nil {
		t.Fatal(err)
	}
	as, err := e.App.Program.List(ctx, c, program.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	f := fixture{e: e}
	for _, a := range as {
		switch {
		case a.UnitCode == "qztc" && a.Kind == program.KindOpenDay:
			f.openDay = a
		case a.Title == "智能制造装备开放日":
			f.project = a
		case a.UnitCode == "yeu" && a.Kind == program.KindOpenDay:
			f.other = a
		}
	}
	if f.openDay.ID == 0 || f.project.ID == 0 || f.other.ID == 0 {
		t.Fatalf("demo activities missing: %+v", f)
	}
	return f
}

// slot adds a slot of capacity places to the activity on its first day at
// hour and returns its id.
func (f fixture) slot(t *testing.T, a program.Activity, hour, capacity int) int64 {
	return f.slotTB(t, a, hour, capacity)
}

func (f fixture) slotTB(t testing.TB, a program.Activity, hour, capacity int) int64 {
	t.Helper()
	ctx := account.AsSystem(context.Background())
	day := a.Days[0]
	if _, err := f.e.App.Booking.AddSlots(ctx, a.ID, booking.SlotsInput{Days: []string{day}, From: fmt.Sprintf("%02d:00", hour),
		To: fmt.Sprintf("%02d:30", hour), Capacity: fmt.Sprint(capacity)}); err != nil {
		t.Fatal(err)
	}
	slots, err := f.e.App.Booking.Slots(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range slots {
		if s.Start.Hour() == hour && s.Start.Minute() == 0 && s.Start.Format("2006-01-02") == day {
			return s.ID
		}
	}
	t.Fatalf("slot at %d:00 not created", hour)
	return 0
}

var nextIP atomic.Int64

// clientFrom returns an HTTP client whose connections come from their own
// loopback address, as separate visitors' would.
func clientFrom() *http.Client {
	n := nextIP.Add(1)
	ip := net.IPv4(127, 0, byte(1+n/250%250), byte(2+n%250))
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: ip}, Timeout: 5 * time.Second}
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 30 * time.Second, Transport: &http.Transport{DialContext: d.DialContext},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// post sends a booking to the API and returns the status and body.
func post(t testing.TB, c *http.Client, base string, slot int64, body string) (int, string) {
	req, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/v1/slots/%d/bookings", base, slot), strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	res, err := c.Do(req)
	if err != nil {
		t.Errorf("book: %v", err)
		return 0, ""
	}
	defer res.Body.Close()
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := res.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return res.StatusCode, b.String()
}

func bookingJSON(name, phone string, party int) string {
	return fmt.Sprintf(`{"name": %q, "phone": %q, "party_size": %d, "consent": true}`, name, phone, party)
}

var _ = campaign.StatePublished
