package booking_test

import (
	"bytes"
	"fmt"
	"image/png"
	"net/url"
	"strings"
	"testing"

	"github.com/sciweek/sciweek/internal/apptest"
)

// TestTicketCalendarAndImage: a ticket adds its booked slot to the phone's
// calendar as one event in Quanzhou's time, with the ticket's link and the
// address; it is drawn as a picture to keep; its page offers both and its
// link to share.
func TestTicketCalendarAndImage(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		f := setup(t, e)
		slot := f.slot(t, f.project, 7, 5)
		status, b := book(t, e.URL, slot, bookingJSON("王五", "13700137000", 3))
		if status != 201 {
			t.Fatalf("book: %d %+v", status, b)
		}
		c := e.Client(t)
		page := c.Get("/tickets/" + b.Ticket)
		for _, want := range []string{`/tickets/` + b.Ticket + `/calendar.ics`, `/tickets/` + b.Ticket + `/ticket.png`, `data-share=`, `data-copy=`, `id="ticket-link"`} {
			if !strings.Contains(page.Body, want) {
				t.Errorf("ticket page lacks %s", want)
			}
		}

		res := c.Get("/tickets/" + b.Ticket + "/calendar.ics")
		if res.Status != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/calendar") {
			t.Fatalf("ticket calendar: %d %s", res.Status, res.Header.Get("Content-Type"))
		}
		evs := apptest.ParseICS(t, res.Body)
		if len(evs) != 1 {
			t.Fatalf("%d events, want the booked slot alone", len(evs))
		}
		ev := evs[0]
		day := strings.ReplaceAll(f.project.Days[0], "-", "")
		if ev["DTSTART;TZID=Asia/Shanghai"] != day+"T070000" || ev["DTEND;TZID=Asia/Shanghai"] != day+"T073000" {
			t.Errorf("times: %v", ev)
		}
		if apptest.UnescapeICS(ev["SUMMARY"]) != f.project.Title || !strings.HasSuffix(ev["URL"], "/tickets/"+b.Ticket) ||
			apptest.UnescapeICS(ev["LOCATION"]) != f.project.Address || !strings.Contains(apptest.UnescapeICS(ev["DESCRIPTION"]), b.Code) {
			t.Errorf("event: %v", ev)
		}

		img := c.Get("/tickets/" + b.Ticket + "/ticket.png")
		if img.Status != 200 || img.Header.Get("Content-Type") != "image/png" || !strings.HasPrefix(img.Header.Get("Cache-Control"), "private") {
			t.Fatalf("ticket picture: %d %s %s", img.Status, img.Header.Get("Content-Type"), img.Header.Get("Cache-Control"))
		}
		pic, err := png.Decode(bytes.NewReader([]byte(img.Body)))
		if err != nil || pic.Bounds().Dx() < 300 || pic.Bounds().Dy() < 300 {
			t.Fatalf("ticket picture: %v %v", err, pic)
		}

		// Another ticket's token is nobody's.
		forged := strings.Replace(b.Ticket, b.Code, "AAAAAAAA", 1)
		for _, p := range []string{"/calendar.ics", "/ticket.png"} {
			if res := c.Get(fmt.Sprint("/tickets/", forged, p)); res.Status != 404 {
				t.Errorf("forged ticket %s: %d", p, res.Status)
			}
		}
	})
}

// TestBookingFormShowsEveryError: a booking form sent empty, or with a
// slot but nothing else, names every faulty field at once.
func TestBookingFormShowsEveryError(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		f := setup(t, e)
		slot := f.slot(t, f.project, 6, 5)
		c := e.Client(t)
		path := fmt.Sprintf("/activities/%d/book", f.project.ID)
		for name, form := range map[string]url.Values{
			"empty":     {},
			"slot only": {"slot": {fmt.Sprint(slot)}},
			"no slot":   {"party_size": {"99"}, "children": {"yes"}},
		} {
			res := c.PostForm(path, form)
			if res.Status != 422 {
				t.Errorf("%s: %d", name, res.Status)
				continue
			}
			want := []string{"name-error", "phone-error", "party_size-error", "consent-error"}
			if form.Get("slot") == "" {
				want = append(want, "slot-error")
			}
			if form.Get("children") != "" {
				want = append(want, "guardian-error")
			}
			for _, id := range want {
				if !strings.Contains(res.Body, `id="`+id+`"`) {
					t.Errorf("%s: no %s among the errors shown", name, id)
				}
			}
		}
	})
}
