package app

import (
	"context"

	"github.com/sciweek/sciweek/internal/campaign"
)

// campaignFollowers hands a campaign's change of state to the program: a
// child published after its parent's program was held shows in it at once,
// on every server.
type campaignFollowers struct{ a *App }

func (f campaignFollowers) CampaignStateChanged(ctx context.Context, c campaign.Campaign, to campaign.State) {
	if f.a.Program != nil {
		f.a.Program.Invalidate()
	}
}
