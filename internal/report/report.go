// Package report runs the summary reports units send after the week: the
// four sections, figures, participants per activity, media coverage, and
// videos, photos and documents checked from their content; their review up
// the organisation tree; the paper copy; and the board of every unit.
package report

import (
	"time"

	"github.com/sciweek/sciweek/internal/media"
	"github.com/sciweek/sciweek/internal/review"
)

// State is where a report stands in its review.
type State = review.State

// The states.
const (
	StateDraft     = review.Draft
	StateSubmitted = review.Submitted
	StateReturned  = review.Returned
	StateApproved  = review.Approved
	// StateNotStarted is shown on the board for a unit with no report yet.
	StateNotStarted State = "not_started"
)

// Sections are the four parts of the written summary, in Markdown.
type Sections struct {
	Implementation string `json:"implementation"` // 组织实施
	Content        string `json:"content"`        // 主要内容
	Results        string `json:"results"`        // 活动成效
	Cases          string `json:"cases"`          // 典型案例
}

// SectionKeys name the sections in form fields and the catalogue.
var SectionKeys = []string{"implementation", "content", "results", "cases"}

// Get returns a section by key.
func (s Sections) Get(key string) string {
	switch key {
	case "implementation":
		return s.Implementation
	case "content":
		return s.Content
	case "results":
		return s.Results
	}
	return s.Cases
}

func (s *Sections) set(key, v string) {
	switch key {
	case "implementation":
		s.Implementation = v
	case "content":
		s.Content = v
	case "results":
		s.Results = v
	case "cases":
		s.Cases = v
	}
}

// Figures are the report's counts.
type Figures struct {
	ActivitiesHeld int `json:"activities_held"`
	PeopleOnSite   int `json:"people_on_site"`
	OnlineViews    int `json:"online_views"`
	MediaReports   int `json:"media_reports"`
}

// FigureKeys name the figures in form fields and the catalogue.
var FigureKeys = []string{"activities_held", "people_on_site", "online_views", "media_reports"}

func (f *Figures) ptr(key string) *int {
	switch key {
	case "activities_held":
		return &f.ActivitiesHeld
	case "people_on_site":
		return &f.PeopleOnSite
	case "online_views":
		return &f.OnlineViews
	}
	return &f.MediaReports
}

// Get returns a figure by key.
func (f Figures) Get(key string) int { return *f.ptr(key) }

// Coverage is one media report about the unit's activities.
type Coverage struct {
	Outlet string `json:"outlet"`
	Title  string `json:"title"`
	Date   string `json:"date"` // YYYY-MM-DD
	Link   string `json:"link,omitempty"`
}

// Report is one unit's summary of one campaign.
type Report struct {
	ID           int64
	CampaignID   int64
	CampaignSlug string
	OrgID        int64
	OrgCode      string
	OrgName      string
	OrgPath      string
	State        State
	StageOrgID   int64
	StageOrgName string
	Sections     Sections
	Figures      Figures
	// Participants holds the people who actually took part in each of the
	// unit's approved activities, by item uid.
	Participants map[string]int
	Coverage     []Coverage
	PaperOn      time.Time
	PaperBy      string
	Version      int
	SubmittedAt  time.Time
	CreatedAt    time.Time
	UpdatedAt    time.Time
	Media        []Media
}

// Editable reports whether the unit may change the report now.
func (r Report) Editable() bool { return r.State == StateDraft || r.State == StateReturned }

// Media is a stored file of a report.
type Media struct {
	ID          int64         `json:"id"`
	ReportID    int64         `json:"-"`
	Kind        media.Kind    `json:"kind"`
	Offer       bool          `json:"-"`
	Public      bool          `json:"public"`
	Key         string        `json:"-"`
	ThumbKey    string        `json:"-"`
	Filename    string        `json:"filename"`
	ContentType string        `json:"content_type"`
	Size        int64         `json:"size"`
	Duration    time.Duration `json:"-"`
	Width       int           `json:"width,omitempty"`
	Height      int           `json:"height,omitempty"`
	CreatedAt   time.Time     `json:"created_at"`
	Length      media.Length  `json:"-"`
	Seconds     float64       `json:"duration_seconds,omitempty"`
	URL         string        `json:"url"`
	ThumbURL    string        `json:"thumbnail_url,omitempty"`
}

// URLs fills in where the file and its thumbnail are served.
func (m *Media) URLs() {
	base := "/reports/" + itoa(m.ReportID) + "/media/" + itoa(m.ID)
	m.URL = base
	if m.ThumbKey != "" {
		m.ThumbURL = base + "/thumb"
	}
	m.Length = media.Length(m.Duration)
	m.Seconds = m.Duration.Seconds()
}

// Event is one step in a report's history.
type Event = review.Event
