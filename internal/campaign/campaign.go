// Package campaign is one year's Science and Technology Activity Week: its
// title, document number, theme, dates, focus areas, audiences, deadlines,
// contact, mode, media rules and the notice the bureau publishes.
package campaign

import (
	"time"

	"github.com/sciweek/sciweek/internal/platform/clock"
)

// Zone is the time zone deadlines and dates are read in.
var Zone = clock.Zone

// Mode says how the week is held.
type Mode string

// The modes.
const (
	ModeOnsite Mode = "onsite"
	ModeOnline Mode = "online"
	ModeBoth   Mode = "both"
)

// Modes lists the modes in display order.
var Modes = []Mode{ModeOnsite, ModeOnline, ModeBoth}

// State is where a campaign is in its life.
type State string

// The states.
const (
	StateDraft     State = "draft"
	StatePublished State = "published"
	StateArchived  State = "archived"
)

// Term is a focus area (activity category) or an audience.
type Term struct {
	Code   string `json:"code"`
	Name   string `json:"name"`
	NameEn string `json:"name_en,omitempty"`
}

// Label returns the term's name in the language.
func (t Term) Label(lang string) string {
	if lang == "en" && t.NameEn != "" {
		return t.NameEn
	}
	return t.Name
}

// Contact is who units call about the campaign.
type Contact struct {
	Name    string `json:"name"`
	Phone   string `json:"phone"`
	Email   string `json:"email"`
	Address string `json:"address"`
}

// Attachment is a file published with the notice.
type Attachment struct {
	ID          int64     `json:"id"`
	Filename    string    `json:"filename"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	CreatedAt   time.Time `json:"created_at"`
	blobKey     string
}

// Campaign is one year's week.
type Campaign struct {
	ID              int64
	OwnerOrgID      int64
	OwnerCode       string
	OwnerName       string
	Slug            string
	Year            int
	Title           string
	DocNumber       string
	Theme           string
	Start           time.Time // first day, midnight in Zone
	End             time.Time // last day, midnight in Zone
	FilingDeadline  time.Time
	SummaryDeadline time.Time
	Contact         Contact
	Mode            Mode
	NoticeMD        string
	State           State
	VideoMaxSeconds int
	PhotoMinKB      int
	PhotoMaxKB      int
	RequireScan     bool // refuse a table submitted without its stamped scan
	// UpwardRows receives the levels below row by row, each as soon as
	// it is approved there, instead of whole in one action.
	UpwardRows   bool
	CopiedFromID int64
	// ParentID is the campaign one level up the chain (a city's is its
	// province's); 0 at the top.
	ParentID    int64
	PublishedAt time.Time
	Version     int
	CreatedAt   time.Time
	UpdatedAt   time.Time
	Categories  []Term
	Audiences   []Term
	Attachments []Attachment
}

// Days lists the days of the week, first to last.
func (c Campaign) Days() []time.Time {
	var out []time.Time
	for d := c.Start; !d.After(c.End); d = d.AddDate(0, 0, 1) {
		out = append(out, d)
	}
	return out
}

// EndsAt is the last moment of the week.
func (c Campaign) EndsAt() time.Time { return c.End.AddDate(0, 0, 1).Add(-time.Second) }

// Phase says where the campaign stands at a time.
type Phase string

// The phases, in order.
const (
	PhaseFiling    Phase = "filing"    // filing is open
	PhasePreparing Phase = "preparing" // filing closed, week not begun
	PhaseRunning   Phase = "running"   // the week is on
	PhaseReporting Phase = "reporting" // week over, summaries due
	PhaseClosed    Phase = "closed"    // summary deadline passed
)

// PhaseAt returns the phase at t.
func (c Campaign) PhaseAt(t time.Time) Phase {
	switch {
	case !t.After(c.FilingDeadline):
		return PhaseFiling
	case t.Before(c.Start):
		return PhasePreparing
	case !t.After(c.EndsAt()):
		return PhaseRunning
	case !t.After(c.SummaryDeadline):
		return PhaseReporting
	}
	return PhaseClosed
}

// DaysUntil counts calendar days in Zone from now to t, as a clerk counts
// them ("14 days left" on 28 November for a deadline of 12 December); it is
// negative once t has passed.
func DaysUntil(now, t time.Time) int {
	if t.Before(now) {
		n := civilDays(now, t)
		if n >= 0 {
			return -1
		}
		return n
	}
	return civilDays(now, t)
}

func civilDays(from, to time.Time) int {
	a, b := from.In(Zone), to.In(Zone)
	da := time.Date(a.Year(), a.Month(), a.Day(), 0, 0, 0, 0, time.UTC)
	db := time.Date(b.Year(), b.Month(), b.Day(), 0, 0, 0, 0, time.UTC)
	return int(db.Sub(da).Hours() / 24)
}

// EndOfDay is the last second of the date d in Zone, the moment a deadline
// "by 24 July" ends.
func EndOfDay(d time.Time) time.Time {
	y, m, day := d.Date()
	return time.Date(y, m, day, 23, 59, 59, 0, Zone)
}

// ParseDate reads a YYYY-MM-DD date as midnight in Zone.
func ParseDate(s string) (time.Time, error) {
	return time.ParseInLocation("2006-01-02", s, Zone)
}
