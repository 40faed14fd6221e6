// Package booking takes bookings for the places of capacity-limited
// activities: time slots with their rules, bookings with a QR ticket and a
// waiting list, check-in at the door, live occupancy, and the personal data
// of the bookers, kept encrypted and erased after the week.
package booking

import (
	"crypto/rand"
	"strings"
	"time"
	"unicode/utf8"
)

// State is where a booking stands.
type State string

// The states of a booking.
const (
	StateActive    State = "active"
	StateWaiting   State = "waiting"
	StateCancelled State = "cancelled"
	StateCheckedIn State = "checked_in"
)

// Rules say how an activity takes bookings.
type Rules struct {
	ActivityID int64
	CampaignID int64
	Opens      time.Time
	Closes     time.Time
	// MaxParty is the most people one booking may bring.
	MaxParty int
	// Venue, when set, caps the places of every activity held there at
	// the same time.
	Venue *Venue
	// OnlineAt is when the activity moved online; zero while it is on site.
	OnlineAt time.Time
}

// Venue is a place whose capacity the activities of the unit that declared
// it share when held there at the same time.
type Venue struct {
	ID       int64
	Name     string
	Capacity int
}

// Slot is a time window of a bookable activity.
type Slot struct {
	ID         int64
	ActivityID int64
	CampaignID int64
	Start, End time.Time
	Capacity   int
	Taken      int
	CheckedIn  int
	// Waiting counts the parties on the waiting list, filled by listings.
	Waiting int
	// FromFiling marks a slot made from the filed 开放时间; Flag (FlagChanged,
	// FlagDropped) says a later revision changed or dropped it while it had
	// bookings, FlagDetail the session as newly filed.
	FromFiling       bool
	Flag, FlagDetail string
}

// Available is how many places are left.
func (s Slot) Available() int { return max(0, s.Capacity-s.Taken) }

// Booking is a visitor's places in a slot, or their place on its waiting
// list.
type Booking struct {
	ID         int64
	Code       string
	SlotID     int64
	ActivityID int64
	CampaignID int64
	State      State
	Party      int
	Children   bool
	Name       string
	// PhoneMasked is the phone as listings show it: 138****1234.
	PhoneMasked string
	Lang        string
	CreatedAt   time.Time
	PromotedAt  time.Time
	CancelledAt time.Time
	CheckedInAt time.Time
	OnlineAt    time.Time
	// Position is the place in the waiting list, 1 for the first in line.
	Position int
	Slot     Slot
}

// Input is what a visitor gives to book.
type Input struct {
	Name  string `json:"name"`
	Phone string `json:"phone"`
	Party int    `json:"party_size"`
	// Consent agrees to the personal-data notice.
	Consent bool `json:"consent"`
	// Children says the party holds children under 14; Guardian that an
	// adult of the party answers for them.
	Children bool `json:"children"`
	Guardian bool `json:"guardian"`
	// Waitlist joins the waiting list when the slot is full.
	Waitlist bool   `json:"waitlist"`
	Lang     string `json:"-"`
	// Client is the address the booking comes from, set by the handler.
	Client string `json:"-"`
}

// NormalizePhone returns the digits of a plausible Chinese phone number:
// a mainland mobile number (eleven digits under a prefix an operator
// actually uses), or a landline with its area code (0595-22579330, 010
// 12345678). Spaces, dashes, brackets, full-width digits and a +86 or 86
// prefix are accepted; ok is false for anything else, made-up numbers
// such as 12345678901 or 19412345678 included.
func NormalizePhone(s string) (string, bool) {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r >= '０' && r <= '９':
			b.WriteRune('0' + (r - '０'))
		case r == ' ' || r == '-' || r == '+' || r == '　' || r == '(' || r == ')' || r == '（' || r == '）':
		default:
			return "", false
		}
	}
	d := b.String()
	if len(d) > 20 {
		return "", false
	}
	if strings.HasPrefix(d, "86") && len(d) >= 12 {
		rest := d[2:]
		if rest[0] != '0' && rest[0] != '1' {
			rest = "0" + rest // an area code written internationally drops its 0
		}
		if p, ok := plausiblePhone(rest); ok {
			return p, true
		}
		if p, ok := plausiblePhone("0" + rest); ok && rest[0] == '1' {
			return p, true // 8610…: Beijing's area code 010
		}
	}
	return plausiblePhone(d)
}

// mobilePrefixes are the second and third digits of the mobile number
// blocks the operators use (China Mobile, Unicom, Telecom, Broadnet and
// the virtual operators).
var mobilePrefixes = func() map[string]bool {
	m := map[string]bool{}
	for _, p := range strings.Fields("30 31 32 33 34 35 36 37 38 39 45 46 47 48 49 50 51 52 53 55 56 57 58 59 " +
		"62 65 66 67 70 71 72 73 74 75 76 77 78 80 81 82 83 84 85 86 87 88 89 90 91 92 93 95 96 97 98 99") {
		m[p] = true
	}
	return m
}()

// plausiblePhone checks digits as a mobile or a landline number.
func plausiblePhone(d string) (string, bool) {
	switch {
	case len(d) == 11 && d[0] == '1':
		return d, mobilePrefixes[d[1:3]]
	case len(d) < 10 || len(d) > 12 || d[0] != '0' || d[1] == '0':
		return "", false
	}
	// Beijing (010) and the 02x cities have two-digit codes after the 0
	// and eight-digit numbers; the others three digits and seven or eight.
	code := 4
	if d[1] == '1' || d[1] == '2' {
		code = 3
	}
	local := d[code:]
	if d[1] == '1' && d[2] != '0' {
		return "", false
	}
	if (code == 3 && len(local) != 8) || (code == 4 && len(local) != 7 && len(local) != 8) || local[0] < '2' {
		return "", false
	}
	return d, true
}

// MaskPhone hides the middle of a phone number: 138****1234, 059****9330.
func MaskPhone(phone string) string {
	if len(phone) < 10 {
		return "****"
	}
	return phone[:3] + "****" + phone[len(phone)-4:]
}

// codeAlphabet leaves out letters and digits that read alike.
const codeAlphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"

// CodeLength is the length of a booking code.
const CodeLength = 8

func newCode() string {
	b := make([]byte, CodeLength)
	rand.Read(b)
	for i := range b {
		b[i] = codeAlphabet[int(b[i])%len(codeAlphabet)]
	}
	return string(b)
}

// NormalizeCode reads a typed booking code: case, spaces and dashes do not
// matter.
func NormalizeCode(s string) string {
	return strings.ToUpper(strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '　' {
			return -1
		}
		return r
	}, s))
}

func validCode(s string) bool {
	if len(s) != CodeLength {
		return false
	}
	for _, r := range s {
		if !strings.ContainsRune(codeAlphabet, r) {
			return false
		}
	}
	return true
}

func cleanName(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if !utf8.ValidString(s) {
		return ""
	}
	return s
}
