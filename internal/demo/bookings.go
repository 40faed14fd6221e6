package demo

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/booking"
	"github.com/sciweek/sciweek/internal/campaign"
	"github.com/sciweek/sciweek/internal/program"
)

// Staff are the check-in accounts LoadBookings adds, by unit; 华侨大学's
// hqu-checkin comes with the demo itself.
var Staff = map[string]string{"qztc-checkin": "qztc", "qzimr-checkin": "qzimr"}

// LoadBookings makes the upcoming demo campaign bookable: its institutions'
// open days by their filed sessions and two key projects by the hour,
// across its week, with a few slots nearly full or full with a waiting
// list, and check-in staff for the units.
func LoadBookings(ctx context.Context, s *booking.Service) error {
	ctx = account.AsSystem(ctx)
	cs, err := s.Campaigns.List(ctx, campaign.Filter{})
	if err != nil {
		return err
	}
	var c campaign.Campaign
	for _, x := range cs {
		if x.State == campaign.StatePublished && x.Start.After(s.Clock.Now()) && x.OwnerCode == "quanzhou" {
			c = x
		}
	}
	if c.ID == 0 {
		return nil
	}
	hash := account.HashPassword(Password)
	for _, user := range []string{"qztc-checkin", "qzimr-checkin"} {
		if _, err := s.Accounts.CreateAccount(ctx, account.AccountInput{OrgCode: Staff[user], Username: user, DisplayName: user,
			PasswordHash: hash, Roles: []account.Role{account.RoleCheckin}}); err != nil {
			return fmt.Errorf("demo account %s: %w", user, err)
		}
	}
	as, err := s.Program.List(ctx, c, program.Filter{})
	if err != nil {
		return err
	}
	rules := booking.RulesInput{Opens: s.Clock.Now().Add(-time.Hour).Format("2006-01-02T15:04"), Closes: c.EndsAt().Format("2006-01-02T15:04"), MaxParty: "5"}
	projects := map[string]bool{"智能制造装备开放日": true, "服装设计中的科学": true, "纺织服装智能制造体验": true}
	n := 0
	for _, a := range as {
		if !a.Onsite() || (a.Kind != program.KindOpenDay && !projects[a.Title]) {
			continue
		}
		in := rules
		if a.UnitCode == "qzimr" {
			in.Venue, in.VenueCapacity = "泉州装备制造研究中心", "40"
		}
		if err := s.SetRules(ctx, a.ID, in); err != nil {
			return fmt.Errorf("demo rules for %s: %w", a.Title, err)
		}
		if a.Kind == program.KindOpenDay {
			for _, ses := range a.Sessions {
				mins := strconv.Itoa(int(ses.End.Sub(ses.Start).Minutes()))
				if _, err := s.AddSlots(ctx, a.ID, booking.SlotsInput{Days: []string{ses.Start.Format("2006-01-02")}, From: ses.Start.Format("15:04"),
					To: ses.End.Format("15:04"), Every: mins, Capacity: strconv.Itoa(max(a.Capacity, 10))}); err != nil {
					return fmt.Errorf("demo slots for %s: %w", a.Title, err)
				}
			}
		} else if _, err := s.AddSlots(ctx, a.ID, booking.SlotsInput{Days: a.Days, From: a.Start.Format("15:04"), To: a.End.Format("15:04"), Every: "60", Capacity: "30"}); err != nil {
			return fmt.Errorf("demo slots for %s: %w", a.Title, err)
		}
		slots, err := s.Slots(ctx, a.ID)
		if err != nil || len(slots) == 0 {
			return err
		}
		// The first slot of every other activity is nearly full; one is
		// full, with a party waiting.
		if n%2 == 0 {
			fill := slots[0].Capacity - 2
			if n == 0 {
				fill = slots[0].Capacity
			}
			for i := 0; fill > 0; i++ {
				party := min(4, fill)
				if _, err := s.Book(ctx, slots[0].ID, booking.Input{Name: demoNames[i%len(demoNames)], Phone: fmt.Sprintf("139%04d%04d", a.ID%10000, i),
					Party: party, Consent: true}); err != nil {
					return fmt.Errorf("demo booking: %w", err)
				}
				fill -= party
			}
			if n == 0 {
				if _, err := s.Book(ctx, slots[0].ID, booking.Input{Name: "候补观众", Phone: "13700000001", Party: 2, Consent: true, Waitlist: true}); err != nil {
					return fmt.Errorf("demo waiting list: %w", err)
				}
			}
		}
		n++
	}
	return nil
}

var demoNames = []string{"陈晓明", "林雅婷", "王建国", "黄丽华", "张伟", "李娜", "吴志强", "郑芳"}
