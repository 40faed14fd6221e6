// Package stats counts a campaign for the organiser and each district:
// approved activities by district, focus area, day and form; participants
// expected and reported; how timely filings and reports came; media
// reports; and the typical cases — for the dashboard, the city's summary
// workbook and its printed copy.
package stats

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/campaign"
	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/filing"
	"github.com/sciweek/sciweek/internal/i18n"
	"github.com/sciweek/sciweek/internal/platform/keep"
	"github.com/sciweek/sciweek/internal/report"
)

// Service reads the other domains through their services.
type Service struct {
	Accounts  *account.Service
	Campaigns *campaign.Service
	Filings   *filing.Service
	Reports   *report.Service
	// Bookings, when set, gives the places booked and people checked in
	// per unit (by code).
	Bookings interface {
		Totals(ctx context.Context, campaignID int64) (map[string][2]int, error)
	}

	areas    keep.Map[*area]    // see area
	orgAreas keep.Map[*orgArea] // see orgs
}

// Bar is one labelled number of a chart.
type Bar struct {
	Label string
	N     int
	// Pct is N against the chart's largest value, 0–100, for drawing.
	Pct float64
	Row int
}

// Chart is a titled list of bars; Key names it in the catalogue.
type Chart struct {
	Key  string
	Bars []Bar
}

// Total is the sum of the bars.
func (c Chart) Total() int {
	n := 0
	for _, b := range c.Bars {
		n += b.N
	}
	return n
}

func chart(key string, counts map[string]int, order []string) Chart {
	c := Chart{Key: key}
	if order == nil {
		for k := range counts {
			order = append(order, k)
		}
		sort.Slice(order, func(i, j int) bool {
			if counts[order[i]] != counts[order[j]] {
				return counts[order[i]] > counts[order[j]]
			}
			return order[i] < order[j]
		})
	}
	top := 0
	for _, k := range order {
		top = max(top, counts[k])
	}
	for i, k := range order {
		b := Bar{Label: k, N: counts[k], Row: i}
		if top > 0 {
			b.Pct = float64(b.N) * 100 / float64(top)
		}
		c.Bars = append(c.Bars, b)
	}
	return c
}

// DistrictRow is one district's figures.
type DistrictRow struct {
	District     string
	Activities   int
	Expected     int
	Reported     int // participants reported per activity
	Booked       int // places booked at its bookable activities
	CheckedIn    int // of those, people checked in at the door
	OnSite       int
	Online       int
	MediaReports int
	Reports      int // summary reports received (submitted or approved)
}

// Case is a unit's typical case from its summary report.
type Case struct {
	District, Unit, Text string
}

// Summary is everything the dashboard, the workbook and the print page show.
type Summary struct {
	Campaign   campaign.Campaign
	Area       string // the organisation whose area is counted
	ByDistrict Chart
	ByCategory Chart
	ByDay      Chart
	ByMode     Chart
	Filing     Chart // on time, late, not submitted
	Reporting  Chart // on time, late, not submitted
	Media      Chart // media reports by district
	Districts  []DistrictRow
	Totals     DistrictRow
	Cases      []Case
}

// Summarize counts the campaign in the caller's area: the whole city for
// the organiser, a district for its coordinator. Errors: Forbidden.
func (s *Service) Summarize(ctx context.Context, c campaign.Campaign, lang string) (Summary, error) {
	p := account.FromContext(ctx)
	if !p.IsManager() {
		return Summary{}, errs.ForbiddenErr()
	}
	sum := Summary{Campaign: c, Area: p.Org.DisplayName(lang)}
	// A level counts its whole subtree: its own campaign and every one
	// below it, broken down by the level below (a province's by city).
	scope, err := s.Campaigns.Subtree(ctx, c)
	if err != nil {
		return sum, err
	}
	var reps []report.Report
	repCampaign := map[int64]campaign.Campaign{}
	for _, cc := range scope {
		rs, err := s.Reports.List(ctx, cc)
		if err != nil {
			return sum, err
		}
		for _, r := range rs {
			repCampaign[r.ID] = cc
		}
		reps = append(reps, rs...)
	}
	a, err := s.area(ctx, c, scope, p.Org, lang)
	if err != nil {
		return sum, err
	}
	names, byCode, district := a.names, a.byCode, a.district
	rows := map[string]*DistrictRow{}
	for d, r := range a.rows {
		rows[d] = &r
	}
	row := func(d string) *DistrictRow {
		if rows[d] == nil {
			rows[d] = &DistrictRow{District: d}
		}
		return rows[d]
	}
	byCat, byDay, byMode := a.byCat, a.byDay, a.byMode
	days, cats := a.days, a.cats
	reporting := map[string]int{}
	for _, rep := range reps {
		o, ok := names[rep.OrgID]
		if !ok {
			continue
		}
		r := row(district(o))
		if rep.State == report.StateSubmitted || rep.State == report.StateApproved {
			r.Reports++
			r.OnSite += rep.Figures.PeopleOnSite
			r.Online += rep.Figures.OnlineViews
			r.MediaReports += max(rep.Figures.MediaReports, len(rep.Coverage))
			for _, n := range rep.Participants {
				r.Reported += n
			}
			if t := strings.TrimSpace(rep.Sections.Cases); t != "" {
				sum.Cases = append(sum.Cases, Case{District: district(o), Unit: o.DisplayName(lang), Text: t})
			}
			if rep.SubmittedAt.After(s.Reports.Deadline(ctx, repCampaign[rep.ID], rep.OrgID)) {
				reporting["late"]++
			} else {
				reporting["on_time"]++
			}
		}
	}
	filingTimes := map[string]int{}
	for _, cc := range scope {
		if err := s.countBookingsAndFilings(ctx, cc, byCode, func(o account.Organisation) *DistrictRow { return row(district(o)) }, filingTimes); err != nil {
			return sum, err
		}
	}
	reporting["missing"] = max(0, a.units-reporting["on_time"]-reporting["late"])

	var order []string
	for d := range rows {
		order = append(order, d)
	}
	sort.Strings(order)
	activities, media := map[string]int{}, map[string]int{}
	for _, d := range order {
		r := rows[d]
		sum.Districts = append(sum.Districts, *r)
		activities[d], media[d] = r.Activities, r.MediaReports
		sum.Totals.Activities += r.Activities
		sum.Totals.Expected += r.Expected
		sum.Totals.Reported += r.Reported
		sum.Totals.Booked += r.Booked
		sum.Totals.CheckedIn += r.CheckedIn
		sum.Totals.OnSite += r.OnSite
		sum.Totals.Online += r.Online
		sum.Totals.MediaReports += r.MediaReports
		sum.Totals.Reports += r.Reports
	}
	sum.ByDistrict = chart("stats.chart.district", activities, nil)
	sum.ByCategory = chart("stats.chart.category", byCat, cats)
	sum.ByDay = chart("stats.chart.day", byDay, days)
	sum.ByMode = chart("stats.chart.mode", byMode, filing.Modes)
	sum.Media = chart("stats.chart.media", media, nil)
	l := i18n.For(lang)
	sum.Filing = chart("stats.chart.filing", translate(l, filingTimes), []string{l.T("stats.when.on_time"), l.T("stats.when.late")})
	sum.Reporting = chart("stats.chart.reporting", translate(l, reporting), []string{l.T("stats.when.on_time"), l.T("stats.when.late"), l.T("stats.when.missing")})
	sort.SliceStable(sum.Cases, func(i, j int) bool { return sum.Cases[i].District < sum.Cases[j].District })
	return sum, nil
}

// orgArea is what the statistics read of the organisations of an area,
// kept until an organisation changes: a change to a filing counts the
// figures again, not the organisations.
type orgArea struct {
	owner  account.Organisation
	lang   string
	names  map[int64]account.Organisation
	byCode map[string]account.Organisation
	units  int // active units, the organiser aside
}

// area is what the statistics count from the organisations of an area and
// the approved items of table 1 of a campaign's subtree, by district.
type area struct {
	*orgArea
	rows         map[string]DistrictRow
	byCat, byDay map[string]int
	byMode       map[string]int
	days, cats   []string
}

// district is the name of o's district: the organisation right below the
// organiser on o's path, or the organiser for its own.
func (a *orgArea) district(o account.Organisation) string {
	if id, ok := o.Below(a.owner.ID); ok {
		if d, ok := a.names[id]; ok {
			return d.DisplayName(a.lang)
		}
	}
	return a.owner.DisplayName(a.lang)
}

// orgs reads the organisations of org's area under c's organiser, or
// returns them as kept when none has changed since (see
// account.Service.Changed). The caller must not change what it returns.
func (s *Service) orgs(ctx context.Context, c campaign.Campaign, org account.Organisation, lang string) (*orgArea, error) {
	changed, err := s.Accounts.Changed(ctx)
	if err != nil {
		return nil, err
	}
	key := fmt.Sprint(org.ID, lang, c.OwnerOrgID, changed)
	if a, ok := s.orgAreas.Get(key); ok {
		return a, nil
	}
	owner, err := s.Accounts.OrgByID(ctx, c.OwnerOrgID)
	if err != nil {
		return nil, err
	}
	orgs, err := s.Accounts.Subtree(ctx, org)
	if err != nil {
		return nil, err
	}
	a := &orgArea{owner: owner, lang: lang, names: map[int64]account.Organisation{}, byCode: map[string]account.Organisation{}}
	for _, o := range orgs {
		a.names[o.ID], a.byCode[o.Code] = o, o
		if o.ID != owner.ID && o.Status == account.StatusActive && o.Kind == account.KindUnit {
			a.units++
		}
	}
	s.orgAreas.Put(key, a)
	return a, nil
}

// area counts c's subtree (scope) in org's area, or returns it as kept
// when no filing of the scope and no organisation has changed since (see
// filing.Fingerprint). The caller must not change what it returns.
func (s *Service) area(ctx context.Context, c campaign.Campaign, scope []campaign.Campaign, org account.Organisation, lang string) (*area, error) {
	key := fmt.Sprint(org.ID, lang, c.Days(), c.Categories)
	for _, cc := range scope {
		print, err := s.Filings.Fingerprint(ctx, cc)
		if err != nil {
			return nil, err
		}
		key += " " + print
	}
	if a, ok := s.areas.Get(key); ok {
		return a, nil
	}
	orgs, err := s.orgs(ctx, c, org, lang)
	if err != nil {
		return nil, err
	}
	a := &area{orgArea: orgs, rows: map[string]DistrictRow{}, byCat: map[string]int{}, byDay: map[string]int{}, byMode: map[string]int{}}
	for _, d := range c.Days() {
		a.days = append(a.days, d.Format("01-02"))
		a.byDay[d.Format("01-02")] = 0
	}
	for _, t := range c.Categories {
		a.cats = append(a.cats, t.Name)
		a.byCat[t.Name] = 0
	}
	for _, m := range filing.Modes {
		a.byMode[m] = 0
	}
	for _, cc := range scope {
		filings, err := s.Filings.ApprovedFigures(ctx, cc)
		if err != nil {
			return nil, err
		}
		for _, f := range filings {
			o, ok := a.byCode[f.OrgCode]
			if !ok || len(f.Groups) == 0 {
				continue
			}
			d := a.district(o)
			r := a.rows[d]
			r.District = d
			for _, g := range f.Groups {
				r.Activities += g.Activities
				r.Expected += g.Expected
				a.byCat[g.Category] += g.Activities
				a.byMode[g.Mode] += g.Activities
				if g.Day != "" {
					a.byDay[g.Day] += g.Activities
				}
			}
			a.rows[d] = r
		}
	}
	s.areas.Put(key, a)
	return a, nil
}

// translate turns keys of timeliness counts into the reader's words.
func translate(l i18n.Localizer, counts map[string]int) map[string]int {
	out := map[string]int{}
	for k, n := range counts {
		out[l.T("stats.when."+k)] = n
	}
	return out
}

// countBookingsAndFilings adds a campaign's places booked and people
// checked in to the rows of its units, and how timely its filings came.
func (s *Service) countBookingsAndFilings(ctx context.Context, c campaign.Campaign, byCode map[string]account.Organisation,
	row func(account.Organisation) *DistrictRow, filingTimes map[string]int) error {
	if s.Bookings != nil {
		totals, err := s.Bookings.Totals(ctx, c.ID)
		if err != nil {
			return err
		}
		for code, n := range totals {
			if o, ok := byCode[code]; ok {
				r := row(o)
				r.Booked += n[0]
				r.CheckedIn += n[1]
			}
		}
	}
	onTime, late, err := s.Filings.Timeliness(ctx, c)
	if err != nil {
		return err
	}
	filingTimes["on_time"] += onTime
	filingTimes["late"] += late
	return nil
}
