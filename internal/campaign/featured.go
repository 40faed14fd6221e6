package campaign

import (
	"context"
	"time"
)

// featured picks the campaign the public home shows, as an index into cs
// (newest first), or -1: the week that is running, else the next one with
// a published program, else the latest. A campaign whose program lists
// nothing is never featured over one that lists activities.
func (h *Handlers) featured(ctx context.Context, cs []Campaign, now time.Time) int {
	type standing struct {
		listed bool
		class  int // 3 running, 2 ahead, 1 any other
	}
	of := func(c Campaign) standing {
		st := standing{listed: h.Listed == nil || h.Listed(ctx, c) > 0, class: 1}
		if c.State == StatePublished && !now.Before(c.Start) && !now.After(c.EndsAt()) {
			st.class = 3
		} else if c.State == StatePublished && now.Before(c.Start) {
			st.class = 2
		}
		return st
	}
	best := -1
	var top standing
	for i, c := range cs {
		if c.State == StateDraft {
			continue
		}
		st := of(c)
		better := best < 0 || st.listed && !top.listed ||
			st.listed == top.listed && (st.class > top.class || st.class == 2 && top.class == 2 && c.Start.Before(cs[best].Start))
		if better {
			best, top = i, st
		}
	}
	return best
}

// followSwitch makes the campaign's mode say online, with the reason,
// while the whole week has moved online.
func (h *Handlers) followSwitch(ctx context.Context, v *View) {
	if h.Online == nil {
		return
	}
	if reason, ok := h.Online(ctx, v.Campaign); ok {
		v.Mode, v.OnlineReason = ModeOnline, reason
	}
}

// CheckinHome is the home of check-in staff: the activities they admit
// visitors to and today's occupancy.
const CheckinHome = "/booking"
