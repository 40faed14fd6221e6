package filing

import (
	"context"
	"time"

	"github.com/sciweek/sciweek/internal/campaign"
	"github.com/sciweek/sciweek/internal/platform/db"
)

// ChangeAction says what happened to an organisation's filing.
type ChangeAction string

// The changes told to Service.Notices.
const (
	ChangeReturned  ChangeAction = "returned"  // sent back to the filer with a comment
	ChangeForwarded ChangeAction = "forwarded" // approved at one level, on to the next
	ChangeApproved  ChangeAction = "approved"  // approved at the last level
	ChangeExtended  ChangeAction = "extended"  // the organisation may submit until Until
	ChangeReminded  ChangeAction = "reminded"  // a reviewer asked it to submit Table by Until
	// ChangeCommented: a level above commented on an approved item, passed
	// on by its organiser so the unit changes it as a new revision.
	ChangeCommented ChangeAction = "commented"
)

// Change is a review decision, extension or reminder, as those who are
// told of it need it.
type Change struct {
	Action   ChangeAction
	Campaign campaign.Campaign
	// OrgID is the filing organisation, the one to tell.
	OrgID    int64
	Table    int // 0 for an extension, which covers both tables
	FilingID int64
	Comment  string
	// Items is how many items were commented on when returned.
	Items int
	// ByOrg is the name of the reviewing organisation.
	ByOrg string
	Until time.Time
}

func (s *Service) changed(ctx context.Context, tx *db.Tx, ch Change) error {
	if s.Notices == nil {
		return nil
	}
	return s.Notices.FilingChanged(ctx, tx, ch)
}

func stageName(f Filing) string { return f.StageOrgName }
