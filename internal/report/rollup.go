package report

import (
	"context"
	"encoding/json"
	"html/template"
	"slices"
	"strings"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/campaign"
	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/media"
	"github.com/sciweek/sciweek/internal/platform/db"
)

// A level report is the summary an organiser of a campaign sends to the
// level above: it is stored as the organiser's report in the parent
// campaign, so the parent's organiser reviews it with the same rules as a
// unit's, and it is due by the parent's summary deadline. At the top of a
// chain the organiser's report in its own campaign is the level report.

// RollUp is what a level report gathers from the level below: the approved
// reports in the organiser's own campaign (its units', or its child
// campaigns' level reports), their figures and their total.
type RollUp struct {
	// Level is the campaign whose reports are gathered.
	Level campaign.Campaign
	Rows  []Report
	Total Figures
}

// Plus is f with o's figures added.
func (f Figures) Plus(o Figures) Figures {
	for _, k := range FigureKeys {
		*f.ptr(k) += o.Get(k)
	}
	return f
}

// Differs reports whether the level's own figure under key differs from
// the gathered total, which the page flags.
func (u RollUp) Differs(r Report, key string) bool {
	return len(u.Rows) > 0 && r.Figures.Get(key) != u.Total.Get(key)
}

// levelOf returns the campaign a report of org in c gathers from: the
// child campaign of c that org organises, or c itself at the top of a
// chain. ok is false for a unit's report.
func (s *Service) levelOf(ctx context.Context, c campaign.Campaign, orgID int64) (campaign.Campaign, bool, error) {
	kids, err := s.Campaigns.Children(account.AsSystem(ctx), c)
	if err != nil {
		return campaign.Campaign{}, false, err
	}
	for _, k := range kids {
		if k.OwnerOrgID == orgID && k.State != campaign.StateDraft {
			return k, true, nil
		}
	}
	return c, c.ParentID == 0 && c.OwnerOrgID == orgID, nil
}

// RollUp gathers the level below for r, a report the caller may see. ok is
// false when r is a unit's report, which gathers nothing. Errors: none but
// the database's.
func (s *Service) RollUp(ctx context.Context, c campaign.Campaign, r Report) (RollUp, bool, error) {
	level, ok, err := s.levelOf(ctx, c, r.OrgID)
	if err != nil || !ok {
		return RollUp{}, false, err
	}
	// Everything gathered lies inside the level's organisation, so whoever
	// sees r sees it too.
	rows, err := listReports(ctx, s.DB, "r.campaign_id = ? AND r.state = ? AND r.org_id <> ? AND o.path LIKE ?",
		level.ID, StateApproved, r.OrgID, r.OrgPath+"%")
	if err != nil {
		return RollUp{}, false, err
	}
	// The photos a typical case may bring, for every report at once.
	photos, err := loadMedia(ctx, s.DB, "report_id IN (SELECT id FROM reports WHERE campaign_id = ?) AND offer = 0 AND kind = ?", level.ID, media.Photo)
	if err != nil {
		return RollUp{}, false, err
	}
	byReport := map[int64][]Media{}
	for _, m := range photos {
		byReport[m.ReportID] = append(byReport[m.ReportID], m)
	}
	for i := range rows {
		rows[i].Media = byReport[rows[i].ID]
	}
	u := RollUp{Level: level, Rows: rows}
	for _, x := range rows {
		u.Total = u.Total.Plus(x.Figures)
	}
	return u, true, nil
}

// Pick is a typical case a level report took from a report below it, as it
// read when it was picked.
type Pick struct {
	SourceID   int64
	SourceName string
	Cases      string
	Photos     []PickPhoto
}

// PickPhoto is a photo a pick shows, kept with the report that holds it:
// a case taken from a level report brings the photos it took from below.
type PickPhoto struct {
	Report int64 `json:"r"`
	Media  int64 `json:"m"`
}

// URL is where the photo's thumbnail is shown.
func (p PickPhoto) URL() string {
	return "/reports/" + itoa(p.Report) + "/media/" + itoa(p.Media) + "/thumb"
}

// HTML is the pick's case as shown.
func (p Pick) HTML() template.HTML { return campaign.RenderMarkdown(p.Cases) }

// maxPickPhotos bounds the photos a pick brings with its case.
const maxPickPhotos = 4

// Picks lists the cases the report took from the level below, in the
// order of their sources. Errors: none but the database's.
func (s *Service) Picks(ctx context.Context, reportID int64) ([]Pick, error) {
	return picksOf(ctx, s.DB, reportID)
}

func picksOf(ctx context.Context, q db.Querier, reportID int64) ([]Pick, error) {
	if reportID == 0 {
		return nil, nil
	}
	by, err := picksWhere(ctx, q, "p.report_id = ?", reportID)
	return by[reportID], err
}

// picksIn returns the picks of every report of a campaign, by report: what
// each report a level gathers took from below, in one query.
func picksIn(ctx context.Context, q db.Querier, campaignID int64) (map[int64][]Pick, error) {
	return picksWhere(ctx, q, "p.report_id IN (SELECT id FROM reports WHERE campaign_id = ?)", campaignID)
}

func picksWhere(ctx context.Context, q db.Querier, where string, args ...any) (map[int64][]Pick, error) {
	rows, err := q.Query(ctx, `SELECT p.report_id, p.source_report_id, p.source_org_name, p.cases, p.photos FROM report_picks p
		JOIN reports r ON r.id = p.source_report_id JOIN organisations o ON o.id = r.org_id WHERE `+where+` ORDER BY o.path`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64][]Pick{}
	for rows.Next() {
		var p Pick
		var id int64
		var photos string
		if err := rows.Scan(&id, &p.SourceID, &p.SourceName, &p.Cases, &photos); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(photos), &p.Photos); err != nil {
			return nil, err
		}
		out[id] = append(out[id], p)
	}
	return out, rows.Err()
}

// caseOf is what a pick copies from r: its cases section, then the cases
// it took from below with their sources named, and their first photos.
func caseOf(r Report, below []Pick) (string, []PickPhoto) {
	parts := []string{}
	if c := strings.TrimSpace(r.Sections.Cases); c != "" {
		parts = append(parts, c)
	}
	photos := []PickPhoto{}
	for _, m := range r.Media {
		if m.Kind == media.Photo {
			photos = append(photos, PickPhoto{Report: r.ID, Media: m.ID})
		}
	}
	for _, p := range below {
		if p.Cases != "" {
			parts = append(parts, "**"+p.SourceName+"**\n\n"+p.Cases)
		}
		photos = append(photos, p.Photos...)
	}
	return strings.Join(parts, "\n\n"), photos[:min(len(photos), maxPickPhotos)]
}

// PickCases sets the typical cases the organisation's level report takes
// from the reports it gathers: the cases section and first photos of each
// source in ids, copied with the source named; sources no longer in ids
// are dropped. Errors: NotFound, Forbidden, Conflict (not editable, not
// open yet, or changed in another tab), Invalid (not a level report, or a
// source it does not gather, on the field "pick").
func (s *Service) PickCases(ctx context.Context, c campaign.Campaign, orgCode string, version int, ids []int64) (Report, error) {
	cur, org, err := s.editable(ctx, c, orgCode)
	if err != nil {
		return Report{}, err
	}
	u, ok, err := s.RollUp(ctx, c, cur)
	if err != nil {
		return Report{}, err
	}
	if !ok {
		return Report{}, (errs.Fields{"pick": {Key: "rollup.error.not_level"}}).Err()
	}
	var picked []Report
	for _, id := range ids {
		i := slices.IndexFunc(u.Rows, func(x Report) bool { return x.ID == id })
		if i < 0 {
			return Report{}, (errs.Fields{"pick": {Key: "rollup.error.unknown_source"}}).Err()
		}
		picked = append(picked, u.Rows[i])
	}
	return s.change(ctx, c, org, version, func(tx *db.Tx, r Report) error {
		if cur.ID == 0 {
			// Made by this pick: its figures start from the total, as the
			// form does.
			if _, err := tx.Exec(ctx, `UPDATE reports SET activities_held = ?, people_on_site = ?, online_views = ?, media_reports = ? WHERE id = ?`,
				u.Total.ActivitiesHeld, u.Total.PeopleOnSite, u.Total.OnlineViews, u.Total.MediaReports, r.ID); err != nil {
				return err
			}
		}
		had, err := picksOf(ctx, tx, r.ID)
		if err != nil {
			return err
		}
		have := map[int64]bool{}
		for _, p := range had {
			have[p.SourceID] = true
		}
		keep := map[int64]bool{}
		for _, src := range picked {
			keep[src.ID] = true
			if have[src.ID] {
				continue // already copied: the text stays as it was picked
			}
			below, err := picksOf(ctx, tx, src.ID)
			if err != nil {
				return err
			}
			text, photos := caseOf(src, below)
			if _, err := tx.Exec(ctx, `INSERT INTO report_picks (report_id, source_report_id, source_org_name, cases, photos, picked_at)
				VALUES (?, ?, ?, ?, ?, ?)`, r.ID, src.ID, src.OrgName, text, marshal(photos), s.now()); err != nil {
				return err
			}
		}
		for src := range have {
			if !keep[src] {
				if _, err := tx.Exec(ctx, `DELETE FROM report_picks WHERE report_id = ? AND source_report_id = ?`, r.ID, src); err != nil {
					return err
				}
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE reports SET version = version + 1, updated_at = ? WHERE id = ?`, s.now(), r.ID); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, "report.pick_cases", "report", r.ID, map[string]any{"sources": ids})
	})
}

// hasPicks reports whether the report took typical cases from below,
// which stand for its own cases section.
func (s *Service) hasPicks(ctx context.Context, reportID int64) bool {
	var n int
	err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM report_picks WHERE report_id = ?`, reportID).Scan(&n)
	return err == nil && n > 0
}
