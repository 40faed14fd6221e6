package booking_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/sciweek/sciweek/internal/booking"
	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/web"
)

// FuzzBookingRequest decodes arbitrary bodies as a booking request, as the
// API does, and reads the phone and the name in it: nothing panics, a
// refusal is a 422, and a phone that passes is a plausible Chinese number
// that reads the same when given again.
func FuzzBookingRequest(f *testing.F) {
	for _, s := range []string{`{"name": "张三", "phone": "138 0013 8000", "party_size": 2, "consent": true}`,
		`{"name": "李四", "phone": "+86 595 2257 9330", "party_size": 1, "consent": true, "children": true, "guardian": true, "waitlist": true}`,
		`{"name": "王五", "phone": "（010）８７６５４３２１", "party_size": 1, "consent": true}`, `{"phone": "86101234567"}`,
		`{"name": "x", "phone": 13800138000}`, `{"lang": "en"}`, `{"party_size": -1}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		var in booking.Input
		r := httptest.NewRequest("POST", "/api/v1/slots/1/bookings", strings.NewReader(body))
		if err := web.DecodeJSON(r, &in); err != nil {
			if e, ok := errs.As(err); !ok || web.Status(e.Code) != 422 {
				t.Fatalf("refusal %v is not a 422", err)
			}
			return
		}
		if in.Lang != "" || in.Client != "" {
			t.Fatalf("the body set a field only the server sets: %+v", in)
		}
		p, ok := booking.NormalizePhone(in.Phone)
		if !ok {
			return
		}
		again, ok2 := booking.NormalizePhone(p)
		if !ok2 || again != p || (len(p) != 11 && (p[0] != '0' || len(p) < 10 || len(p) > 12)) || strings.Trim(p, "0123456789") != "" {
			t.Fatalf("%q read as %q, then %q %v", in.Phone, p, again, ok2)
		}
		if m := booking.MaskPhone(p); len(m) != 11 || !strings.Contains(m, "****") {
			t.Fatalf("%q masked as %q", p, m)
		}
	})
}
