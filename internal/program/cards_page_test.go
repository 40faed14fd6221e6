package program_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/apptest"
	"github.com/sciweek/sciweek/internal/benchseed"
	"github.com/sciweek/sciweek/internal/program"
)

// TestCardsMatchListPage holds the pages of cards, which read fewer
// columns and take what is bookable from the held set, to ListPage, which
// reads every column and asks booking: the same activities in the same
// order, with the same card and the same bookable badge.
func TestCardsMatchListPage(t *testing.T) {
	apptest.EachWith(t, apptest.Options{NoDemo: true}, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		if _, err := benchseed.Seed(ctx, e.App, benchseed.Options{Activities: 1500, Units: 80}); err != nil {
			t.Fatal(err)
		}
		c, err := e.App.Campaigns.Get(account.AsSystem(ctx), benchseed.Slug)
		if err != nil {
			t.Fatal(err)
		}
		takeBookings(t, e)
		e.App.Program.BookingsChanged()
		day := c.Days()[1].Format("2006-01-02")
		bookable := 0
		for _, f := range []program.Filter{{}, {Day: day}, {Bookable: true}, {Query: "科技"}, {Query: "科", Day: day, OpenDay: true}} {
			for _, page := range []int{1, 2, 7} {
				cards, total, err := e.App.Program.Cards(ctx, c, f, page, program.PerPage)
				if err != nil {
					t.Fatal(err)
				}
				full, want, err := e.App.Program.ListPage(ctx, c, f, page, program.PerPage)
				if err != nil {
					t.Fatal(err)
				}
				if total != want || len(cards) != len(full) {
					t.Fatalf("%v page %d: %d cards of %d, ListPage %d of %d", f, page, len(cards), total, len(full), want)
				}
				for i, a := range full {
					b := cards[i]
					content := ""
					if len(f.Terms()) > 0 {
						content = a.Content
					}
					if b.ID != a.ID || b.Bookable != a.Bookable || b.Title != a.Title || b.CampaignSlug != a.CampaignSlug || b.UnitCode != a.UnitCode ||
						b.UnitName != a.UnitName || b.DistrictName != a.DistrictName || b.CityName != a.CityName || b.Kind != a.Kind || b.Mode != a.Mode ||
						!b.Start.Equal(a.Start) || !b.End.Equal(a.End) || !slices.Equal(b.Sessions, a.Sessions) || b.Content != content {
						t.Fatalf("%v page %d, card %d:\n%+v\nListPage:\n%+v", f, page, i, b, a)
					}
					if a.Bookable {
						bookable++
					}
				}
			}
		}
		if bookable == 0 {
			t.Fatal("no page showed an activity taking bookings")
		}
		// Through the list page: each activity that takes bookings, and
		// only those, wears the badge.
		res := e.Client(t).Get("/campaigns/" + c.Slug + "/activities?bookable=true&page=2")
		if n := strings.Count(res.Body, `<span class="badge ok">可预约</span>`); res.Status != 200 || n != program.PerPage {
			t.Errorf("bookable, page 2: %d, %d badges on %d cards", res.Status, n, program.PerPage)
		}
	})
}
