package report

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/platform/clock"
	"github.com/sciweek/sciweek/internal/platform/db"
)

const reportColumns = `r.id, r.campaign_id, c.slug, r.org_id, o.code, o.name, o.path, r.state, COALESCE(r.stage_org_id, 0), COALESCE(so.name, ''),
	r.implementation, r.content, r.results, r.cases, r.activities_held, r.people_on_site, r.online_views, r.media_reports,
	r.participants, r.coverage, r.paper_received_on, r.paper_received_by, r.version, r.submitted_at, r.created_at, r.updated_at`

const reportFrom = ` FROM reports r JOIN campaigns c ON c.id = r.campaign_id JOIN organisations o ON o.id = r.org_id
	LEFT JOIN organisations so ON so.id = r.stage_org_id `

func scanReport(row interface{ Scan(...any) error }) (Report, error) {
	var r Report
	var participants, coverage string
	var paper, submitted, created, updated db.Time
	err := row.Scan(&r.ID, &r.CampaignID, &r.CampaignSlug, &r.OrgID, &r.OrgCode, &r.OrgName, &r.OrgPath, &r.State, &r.StageOrgID, &r.StageOrgName,
		&r.Sections.Implementation, &r.Sections.Content, &r.Sections.Results, &r.Sections.Cases,
		&r.Figures.ActivitiesHeld, &r.Figures.PeopleOnSite, &r.Figures.OnlineViews, &r.Figures.MediaReports,
		&participants, &coverage, &paper, &r.PaperBy, &r.Version, &submitted, &created, &updated)
	if err != nil {
		return r, err
	}
	r.PaperOn, r.SubmittedAt, r.CreatedAt, r.UpdatedAt = inZone(paper), inZone(submitted), inZone(created), inZone(updated)
	if err := json.Unmarshal([]byte(participants), &r.Participants); err != nil {
		return r, err
	}
	return r, json.Unmarshal([]byte(coverage), &r.Coverage)
}

func findReport(ctx context.Context, q db.Querier, where string, args ...any) (Report, error) {
	r, err := scanReport(q.QueryRow(ctx, `SELECT `+reportColumns+reportFrom+`WHERE `+where, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return r, errs.NotFoundf("report %v", args)
	}
	if err != nil {
		return r, err
	}
	r.Media, err = loadMedia(ctx, q, "report_id = ? AND offer = 0", r.ID)
	return r, err
}

func listReports(ctx context.Context, q db.Querier, where string, args ...any) ([]Report, error) {
	rows, err := q.Query(ctx, `SELECT `+reportColumns+reportFrom+`WHERE `+where+` ORDER BY o.path`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Report
	for rows.Next() {
		r, err := scanReport(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

const mediaColumns = `id, report_id, kind, offer, public, blob_key, thumb_key, filename, content_type, size, duration_ms, width, height, created_at`

func loadMedia(ctx context.Context, q db.Querier, where string, args ...any) ([]Media, error) {
	rows, err := q.Query(ctx, `SELECT `+mediaColumns+` FROM report_media WHERE `+where+` ORDER BY id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Media
	for rows.Next() {
		var m Media
		var offer, public int
		var ms int64
		var created db.Time
		if err := rows.Scan(&m.ID, &m.ReportID, &m.Kind, &offer, &public, &m.Key, &m.ThumbKey, &m.Filename, &m.ContentType, &m.Size,
			&ms, &m.Width, &m.Height, &created); err != nil {
			return nil, err
		}
		m.Offer, m.Public, m.Duration, m.CreatedAt = offer == 1, public == 1, time.Duration(ms)*time.Millisecond, inZone(created)
		m.URLs()
		out = append(out, m)
	}
	return out, rows.Err()
}

func insertMedia(ctx context.Context, tx *db.Tx, m *Media, uploader any, at db.Time) error {
	return tx.QueryRow(ctx, `INSERT INTO report_media (report_id, kind, offer, public, blob_key, thumb_key, filename, content_type, size,
		duration_ms, width, height, uploaded_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		m.ReportID, m.Kind, b2i(m.Offer), b2i(m.Public), m.Key, m.ThumbKey, m.Filename, m.ContentType, m.Size,
		m.Duration.Milliseconds(), m.Width, m.Height, uploader, at).Scan(&m.ID)
}

func inZone(t db.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.In(clock.Zone)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func marshal(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// MediaUsage is how many files of a kind the reports hold, and their bytes.
type MediaUsage struct{ Files, Bytes int64 }

// MediaByKind returns the files stored with summary reports by kind (video,
// photo, document), for the metrics every server exports.
func (s *Service) MediaByKind(ctx context.Context) (map[string]MediaUsage, error) {
	rows, err := s.DB.Query(ctx, `SELECT kind, COUNT(*), COALESCE(SUM(size), 0) FROM report_media GROUP BY kind`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]MediaUsage{}
	for rows.Next() {
		var kind string
		var u MediaUsage
		if err := rows.Scan(&kind, &u.Files, &u.Bytes); err != nil {
			return nil, err
		}
		out[kind] = u
	}
	return out, rows.Err()
}
