package filing

import (
	"time"

	"github.com/sciweek/sciweek/internal/review"
)

// State is where a filing stands in its review.
type State = review.State

// The states. A submitted filing waits at one level of the review chain
// (Stage); approval at the last level makes it approved.
const (
	StateDraft     = review.Draft
	StateSubmitted = review.Submitted
	StateReturned  = review.Returned
	StateApproved  = review.Approved
)

// Item is one row of a table: a project, or an open-day offer.
type Item struct {
	ID       int64  `json:"-"`
	UID      string `json:"uid"`
	Position int    `json:"position"`
	Values   Values `json:"values"`
	// Problems are what Check finds wrong; a filing with problems cannot be
	// submitted.
	Problems map[string]string `json:"-"`
}

// Filing is one organisation's answer to one table of one campaign.
type Filing struct {
	ID               int64
	CampaignID       int64
	CampaignSlug     string
	OrgID            int64
	OrgCode          string
	OrgName          string
	OrgPath          string
	Table            int
	State            State
	StageOrgID       int64
	StageOrgName     string
	Revision         int
	ApprovedRevision int
	Scan             Scan
	Version          int
	SubmittedAt      time.Time
	CreatedAt        time.Time
	UpdatedAt        time.Time
	Items            []Item
}

// Scan is the stamped scan of the paper table.
type Scan struct {
	Key         string `json:"-"`
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
}

// Editable reports whether the filer may change the items now.
func (f Filing) Editable() bool { return f.State == StateDraft || f.State == StateReturned }

// Event is one step in a filing's history.
type Event = review.Event

// Revision is the items as they were submitted one time.
type Revision struct {
	Number      int
	Items       []Item
	SubmittedAt time.Time
}
