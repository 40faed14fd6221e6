// Package program is the public face of a campaign: the approved items of
// the two filing tables as activities people can find by day, district,
// focus area, audience and text, read, add to a calendar and share, and the
// organiser's switch that moves the whole week online.
package program

import (
	"time"

	"github.com/sciweek/sciweek/internal/platform/clock"
)

// Mode says how an activity is held.
type Mode string

// The modes.
const (
	ModeOnsite Mode = "onsite"
	ModeOnline Mode = "online"
	ModeBoth   Mode = "both"
)

// Modes lists the modes in display order.
var Modes = []Mode{ModeOnsite, ModeOnline, ModeBoth}

// Kind says which table an activity comes from.
type Kind string

// The kinds: a key project of 附件1, or an institution's open day of 附件2.
const (
	KindProject Kind = "project"
	KindOpenDay Kind = "open_day"
)

// Session is one time an activity takes place: the whole project, or one
// opening slot of an open day.
type Session struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// Field is a public field of the filed form, as the public reads it.
type Field struct {
	Key     string `json:"key"`
	Label   string `json:"label"`
	LabelEn string `json:"label_en,omitempty"`
	Value   string `json:"value"`
}

// Name returns the label in the language.
func (f Field) Name(lang string) string {
	if lang == "en" && f.LabelEn != "" {
		return f.LabelEn
	}
	return f.Label
}

// Activity is one entry of the public program. Its ID is stable: it is
// kept when the filing is reopened and approved again, so time slots and
// bookings can hang on it.
type Activity struct {
	ID           int64
	CampaignID   int64
	CampaignSlug string
	FilingID     int64
	ItemUID      string
	Kind         Kind
	Position     int
	Title        string
	UnitCode     string
	UnitName     string
	DistrictCode string
	DistrictName string
	// ProvinceCode and CityCode name the levels of the campaign chain the
	// activity belongs to (a Quanzhou unit's are fujian and quanzhou), so
	// a parent's program can be narrowed to one province or city.
	ProvinceCode string
	ProvinceName string
	CityCode     string
	CityName     string
	Host         string
	Organizer    string
	CategoryCode string
	CategoryName string
	// AudienceCodes and AudienceNames run in parallel.
	AudienceCodes []string
	AudienceNames []string
	Mode          Mode
	Start, End    time.Time
	Days          []string // YYYY-MM-DD in clock.Zone
	Sessions      []Session
	Address       string
	Content       string
	OnlineURL     string
	Capacity      int
	Expected      int
	Fields        []Field
	UpdatedAt     time.Time
	// Bookable is set when places can be booked now; the booking domain
	// says so through Service.Bookings.
	Bookable bool

	// folded holds the searched fields lower-cased, made once per load.
	folded *[5]string
}

// Online reports whether the activity can be followed online.
func (a Activity) Online() bool { return a.Mode == ModeOnline || a.Mode == ModeBoth }

// Onsite reports whether the activity takes place at an address.
func (a Activity) Onsite() bool { return a.Mode == ModeOnsite || a.Mode == ModeBoth }

// OnDay reports whether the activity takes place on the day (YYYY-MM-DD).
func (a Activity) OnDay(day string) bool {
	for _, d := range a.Days {
		if d == day {
			return true
		}
	}
	return false
}

// StartOn is when the activity starts on a day: its first session that day.
func (a Activity) StartOn(day string) time.Time {
	for _, s := range a.Sessions {
		if s.Start.In(clock.Zone).Format("2006-01-02") == day {
			return s.Start
		}
	}
	return a.Start
}

// SessionsOn lists the activity's sessions on a day.
func (a Activity) SessionsOn(day string) []Session {
	var out []Session
	for _, s := range a.Sessions {
		if s.Start.In(clock.Zone).Format("2006-01-02") == day {
			out = append(out, s)
		}
	}
	return out
}

// Switch is the organiser's decision to hold the whole week online.
type Switch struct {
	CampaignID   int64
	CampaignSlug string
	Title        string
	Reason       string
	At           time.Time
}
