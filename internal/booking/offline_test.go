package booking_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/apptest"
	"github.com/sciweek/sciweek/internal/booking"
	"github.com/sciweek/sciweek/internal/platform/clock"
)

type dayList struct {
	Day          string    `json:"day"`
	DownloadedAt time.Time `json:"downloaded_at"`
	ExpiresAt    time.Time `json:"expires_at"`
	Slots        []struct {
		ID        int64 `json:"id"`
		CheckedIn int   `json:"checked_in"`
	} `json:"slots"`
	Tickets []struct {
		Code  string `json:"code"`
		Hash  string `json:"hash"`
		Slot  int64  `json:"slot"`
		Party int    `json:"party_size"`
		Name  string `json:"name"`
		State string `json:"state"`
	} `json:"tickets"`
	OtherDays []struct {
		Code string `json:"code"`
		Day  string `json:"day"`
	} `json:"other_days"`
}

type syncAnswer struct {
	Results []struct {
		ID      string     `json:"id"`
		Code    string     `json:"code"`
		Result  string     `json:"result"`
		At      *time.Time `json:"at"`
		Message string     `json:"message"`
	} `json:"results"`
}

func TestOfflineCheckIn(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		f := setup(t, e)
		ctx := context.Background()
		slots, _ := e.App.Booking.Slots(ctx, f.openDay.ID)
		day := slots[1].Start.In(clock.Zone).Format("2006-01-02")
		var other booking.Slot
		for _, s := range slots {
			if s.Start.In(clock.Zone).Format("2006-01-02") != day {
				other = s
			}
		}
		if other.ID == 0 {
			next := slots[1].Start.In(clock.Zone).AddDate(0, 0, 1).Format("2006-01-02")
			if _, err := e.App.Booking.AddSlots(account.AsSystem(ctx), f.openDay.ID, booking.SlotsInput{Days: []string{next}, From: "09:00", To: "10:00", Capacity: "20"}); err != nil {
				t.Fatal(err)
			}
			slots, _ = e.App.Booking.Slots(ctx, f.openDay.ID)
			other = slots[len(slots)-1]
		}
		_, a := book(t, e.URL, slots[1].ID, bookingJSON("张三丰", "13800138000", 3))
		_, b := book(t, e.URL, slots[1].ID, bookingJSON("李四", "13900139000", 1))
		_, c := book(t, e.URL, other.ID, bookingJSON("王五", "13700137000", 1))
		if a.Code == "" || b.Code == "" || c.Code == "" {
			t.Fatalf("bookings: %+v %+v %+v", a, b, c)
		}
		// The door opens on the day of the slot.
		d, _ := time.ParseInLocation("2006-01-02", day, clock.Zone)
		e.Clock.Set(d.Add(10 * time.Hour))
		defer e.Clock.Set(apptest.Now)

		list := fmt.Sprintf("/api/v1/activities/%d/checkin-list", f.openDay.ID)
		sync := fmt.Sprintf("/api/v1/activities/%d/checkin-sync", f.openDay.ID)
		e.Run(t, []apptest.Scenario{
			{Name: "the public may not download the list", Path: list, Status: 401},
			{Name: "another unit's staff may not download it", As: "hqu-checkin", Path: list, Status: 403},
			{Name: "another unit's filer may not download it", As: "hqu", Path: list, Status: 403},
			{Name: "staff may not download another activity's list", As: "qztc-checkin", Path: fmt.Sprintf("/api/v1/activities/%d/checkin-list", f.project.ID), Status: 403},
			{Name: "the organiser may", As: "admin", Path: list, Status: 200, Contains: []string{a.Code}},
			{Name: "the public may not sync", Method: "POST", Path: sync, JSON: map[string]any{"device": "x", "checkins": []any{}}, Status: 401},
			{Name: "another unit's staff may not sync", As: "hqu-checkin", Method: "POST", Path: sync,
				JSON: map[string]any{"device": "x", "checkins": []map[string]any{{"id": "x-1", "code": a.Code}}}, Status: 403},
			{Name: "a sync names its device", As: "qztc-checkin", Method: "POST", Path: sync, JSON: map[string]any{"device": "", "checkins": []any{}}, Status: 422},
			{Name: "a sync is JSON", As: "qztc-checkin", Method: "POST", Path: sync, JSON: "nonsense", Status: 422},
			{Name: "the offline page installs its worker", As: "qztc-checkin", Path: fmt.Sprintf("/checkin/%d", f.openDay.ID), Status: 200,
				Contains: []string{"offline-checkin.js", "/checkin/" + fmt.Sprint(f.openDay.ID) + "/manifest.webmanifest", "jsqr-1.4.0.js"}},
			{Name: "another unit's staff get no offline page", As: "hqu-checkin", Path: fmt.Sprintf("/checkin/%d", f.openDay.ID), Status: 403},
		})

		staff := e.As(t, "qztc-checkin")
		// The page installs as the check-in, not as the site: its manifest
		// is the only one it links, with the check-in's scope and the
		// site's icons.
		page := staff.Get(fmt.Sprintf("/checkin/%d", f.openDay.ID)).Body
		if n := strings.Count(page, `rel="manifest"`); n != 1 || strings.Contains(page, `href="/manifest.webmanifest"`) {
			t.Errorf("the offline page links %d manifests:\n%s", n, page)
		}
		var m struct {
			StartURL string `json:"start_url"`
			Scope    string `json:"scope"`
			Icons    []struct {
				Src string `json:"src"`
			} `json:"icons"`
		}
		res := staff.Get(fmt.Sprintf("/checkin/%d/manifest.webmanifest", f.openDay.ID))
		res.JSON(t, &m)
		if m.StartURL != fmt.Sprintf("/checkin/%d", f.openDay.ID) || m.Scope != "/checkin/" || len(m.Icons) != 3 || !strings.Contains(m.Icons[0].Src, "icon-192") {
			t.Errorf("the check-in's manifest: %+v", m)
		}
		res = staff.Get(list)
		var l dayList
		res.JSON(t, &l)
		if res.Status != 200 || l.Day != day || !l.ExpiresAt.Equal(d.AddDate(0, 0, 1)) || !l.DownloadedAt.Equal(d.Add(10*time.Hour)) {
			t.Fatalf("list: %d day %s expires %s downloaded %s", res.Status, l.Day, l.ExpiresAt, l.DownloadedAt)
		}
		if strings.Contains(res.Body, "13800138000") || strings.Contains(res.Body, "138****8000") || strings.Contains(res.Body, "张三丰") {
			t.Errorf("the list holds more than the door needs: %s", res.Body)
		}
		found := false
		for _, tk := range l.Tickets {
			if tk.Code == a.Code {
				found = true
				if tk.Hash != booking.TicketHash(a.Ticket) || tk.Name != "张**" || tk.Party != 3 || tk.Slot != slots[1].ID || tk.State != "active" {
					t.Errorf("ticket in the list: %+v", tk)
				}
			}
			if tk.Code == c.Code {
				t.Errorf("another day's ticket among today's: %+v", tk)
			}
		}
		if !found || len(l.OtherDays) == 0 || !strings.Contains(res.Body, `"code":"`+c.Code+`","hash"`) {
			t.Errorf("list lacks today's ticket or names another day's: %s", res.Body)
		}

		// Door A syncs its queue; the same batch sent again changes nothing.
		batch := map[string]any{"device": "door-a", "checkins": []map[string]any{
			{"id": "door-a-1", "code": a.Code, "at": d.Add(9 * time.Hour).Format(time.RFC3339)},
			{"id": "door-a-2", "code": "ZZZZ2222", "at": d.Add(9 * time.Hour).Format(time.RFC3339)},
		}}
		for round := range 2 {
			var s syncAnswer
			res := staff.SendJSON("POST", sync, batch)
			res.JSON(t, &s)
			if res.Status != 200 || len(s.Results) != 2 || s.Results[0].Result != "checked_in" || s.Results[1].Result != "unknown" {
				t.Fatalf("sync round %d: %d %s", round, res.Status, res.Body)
			}
		}
		sl, _ := e.App.Booking.Slot(ctx, slots[1].ID)
		if sl.CheckedIn != slots[1].CheckedIn+3 {
			t.Errorf("checked in after a replayed sync: %d, want %d", sl.CheckedIn, slots[1].CheckedIn+3)
		}
		// Door B checked the same ticket in while offline: a conflict,
		// counted once.
		var s syncAnswer
		res = e.As(t, "admin").SendJSON("POST", sync, map[string]any{"device": "door-b", "checkins": []map[string]any{
			{"id": "door-b-1", "code": strings.ToLower(a.Code), "at": d.Add(9*time.Hour + 5*time.Minute).Format(time.RFC3339)}}})
		res.JSON(t, &s)
		if res.Status != 200 || s.Results[0].Result != "conflict" || s.Results[0].At == nil || !s.Results[0].At.Equal(d.Add(9*time.Hour)) ||
			!strings.Contains(s.Results[0].Message, "冲突") {
			t.Errorf("second door: %d %s", res.Status, res.Body)
		}
		if sl, _ := e.App.Booking.Slot(ctx, slots[1].ID); sl.CheckedIn != slots[1].CheckedIn+3 {
			t.Errorf("a ticket checked in at two doors counted twice: %d", sl.CheckedIn)
		}
		// A booking cancelled after the list was downloaded needs a decision.
		if res := e.Client(t).PostForm("/tickets/"+b.Ticket+"/cancel", nil); res.Status != 303 {
			t.Fatalf("cancel: %d", res.Status)
		}
		staff.Header.Set("Accept-Language", "en")
		res = staff.SendJSON("POST", sync, map[string]any{"device": "door-a", "checkins": []map[string]any{{"id": "door-a-3", "code": b.Code}}})
		res.JSON(t, &s)
		if res.Status != 200 || s.Results[0].Result != "cancelled" || !strings.Contains(s.Results[0].Message, "Needs a decision") {
			t.Errorf("cancelled meanwhile: %d %s", res.Status, res.Body)
		}
		// The list downloaded again shows the check-in.
		res = staff.Get(list)
		res.JSON(t, &l)
		for _, tk := range l.Tickets {
			if tk.Code == a.Code && tk.State != "checked_in" || tk.Code == b.Code && tk.State != "cancelled" {
				t.Errorf("after sync: %+v", tk)
			}
		}
	})
}
