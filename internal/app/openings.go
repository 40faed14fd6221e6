package app

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/booking"
	"github.com/sciweek/sciweek/internal/campaign"
	"github.com/sciweek/sciweek/internal/filing"
	"github.com/sciweek/sciweek/internal/platform/clock"
	"github.com/sciweek/sciweek/internal/web"
)

// filingPublished follows a filing's approved items into the program, then
// makes the open days among them bookable: the filing and booking domains
// meet only here.
func (a *App) filingPublished(ctx context.Context, campaignID, filingID int64) {
	a.Program.FilingChanged(ctx, campaignID, filingID)
	ctx = account.AsSystem(ctx)
	ids := []int64{filingID}
	if filingID == 0 {
		var err error
		if ids, err = a.Filings.IDs(ctx, campaignID); err != nil {
			a.Log.Error("bookable open days", "campaign", campaignID, "err", err)
			return
		}
	}
	for _, id := range ids {
		if err := a.publishOpenDays(ctx, id); err != nil {
			a.Log.Error("bookable open days", "campaign", campaignID, "filing", id, "err", err)
		}
	}
}

// publishOpenDays hands booking what a filing's approved revision offers
// to book: each open day (附件2), and each project (附件1) marked as
// needing booking, with its sessions read and its places per session.
func (a *App) publishOpenDays(ctx context.Context, filingID int64) error {
	f, err := a.Filings.Get(ctx, filingID)
	if err != nil {
		return err
	}
	c, err := a.Campaigns.Get(ctx, f.CampaignSlug)
	if err != nil {
		return err
	}
	items, err := a.Filings.ApprovedRevisionItems(ctx, f)
	if err != nil {
		return err
	}
	activities, err := a.Program.ItemActivities(ctx, f.ID)
	if err != nil {
		return err
	}
	offers := make([]booking.Offer, 0, len(items))
	for _, it := range items {
		if !filing.NeedsBooking(f.Table, it.Values) {
			continue
		}
		o := booking.Offer{Ref: fmt.Sprintf("%d/%s", f.ID, it.UID), ActivityID: activities[it.UID], UnitCode: f.OrgCode}
		if unit := strings.TrimSpace(it.Values[filing.KeyUnitName]); unit != "" {
			o.Title = unit + "开放日"
		}
		if title := strings.TrimSpace(it.Values[filing.KeyTitle]); f.Table == 1 && title != "" {
			o.Title = title
		}
		o.Capacity, _ = strconv.Atoi(it.Values[filing.KeyCapacity])
		slots, bad, ok := filing.ParseSlots(it.Values[filing.KeySlots], c.Start, c.End)
		if !ok || o.Capacity < 1 {
			o.Problem = strings.TrimSpace(bad)
			if o.Problem == "" {
				o.Problem = strings.TrimSpace(it.Values[filing.KeySlots] + " · " + it.Values[filing.KeyCapacity])
			}
		}
		for _, sl := range slots {
			o.Sessions = append(o.Sessions, booking.Session{Start: sl.Start.In(clock.Zone), End: sl.End.In(clock.Zone)})
		}
		offers = append(offers, o)
	}
	return a.Booking.Publish(ctx, c, strconv.FormatInt(f.ID, 10), offers)
}

// bookingTodos tells a unit what its approved open days made bookable, and
// what of that needs its eye: a session a revision changed while people
// had booked it, a filed time that could not be read.
func (a *App) bookingTodos(r *http.Request, c campaign.Campaign) []campaign.Todo {
	ctx := r.Context()
	p := account.FromContext(ctx)
	if p == nil || c.State != campaign.StatePublished || !(p.Has(account.RoleFiler) || p.Has(account.RoleAdmin)) {
		return nil
	}
	f, err := a.Booking.FiledFor(ctx, c.ID, p.Org.Code)
	if err != nil {
		a.Log.Error("bookable open days", "campaign", c.ID, "err", err)
		return nil
	}
	l := web.L(ctx)
	var out []campaign.Todo
	for _, pr := range f.Problems {
		label := l.T("booking.generated.unreadable", pr.Title, pr.Text)
		if pr.Removed {
			label = l.T("booking.generated.removed", pr.Title)
		}
		out = append(out, campaign.Todo{Label: label, Href: "/booking", Urgent: true})
	}
	flagged := 0
	for _, n := range f.Flagged {
		flagged += n
	}
	if flagged > 0 {
		out = append(out, campaign.Todo{Label: l.T("booking.generated.flagged", flagged), Href: "/booking", Urgent: true})
	}
	if f.Bookable > 0 {
		out = append(out, campaign.Todo{Label: l.T("booking.generated.bookable", f.Bookable), Href: "/booking"})
	}
	return out
}

// listed counts the campaign's activities in the public program, for the
// public home's choice of week.
func (a *App) listed(ctx context.Context, c campaign.Campaign) int {
	n, err := a.Program.Listed(ctx, c.ID)
	if err != nil {
		a.Log.Error("counting the program", "campaign", c.ID, "err", err)
	}
	return n
}

// online says whether the organiser moved the campaign's whole week online.
func (a *App) online(ctx context.Context, c campaign.Campaign) (string, bool) {
	sw, ok := a.Program.Switches(ctx)[c.ID]
	return sw.Reason, ok
}
