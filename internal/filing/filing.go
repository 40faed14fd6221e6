package filing

import (
	"time"
)

// State is where a filing stands.
type State string

// The states. A submitted filing waits at one level of the review chain
// (Stage); approval at the last level makes it approved.
const (
	StateDraft     State = "draft"
	StateSubmitted State = "submitted"
	StateReturned  State = "returned"
	StateApproved  State = "approved"
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
type Event struct {
	Revision  int       `json:"revision"`
	Action    string    `json:"action"` // submit, approve, return, reopen, extend
	ActorName string    `json:"actor"`
	OrgID     int64     `json:"-"`
	OrgName   string    `json:"organisation"`
	ItemUID   string    `json:"item,omitempty"`
	Comment   string    `json:"comment,omitempty"`
	At        time.Time `json:"at"`
}

// Revision is the items as they were submitted one time.
type Revision struct {
	Number      int
	Items       []Item
	SubmittedAt time.Time
}
