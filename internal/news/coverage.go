package news

import (
	"bytes"
	"context"
	"io"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/campaign"
	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/platform/blob"
	"github.com/sciweek/sciweek/internal/platform/db"
)

func itoa(n int) string { return strconv.Itoa(n) }

// Coverage is one media report about a unit's activities.
type Coverage struct {
	ID        int64     `json:"id"`
	OrgCode   string    `json:"unit"`
	OrgName   string    `json:"unit_name"`
	District  string    `json:"district"`
	Outlet    string    `json:"outlet"`
	Title     string    `json:"title"`
	Date      string    `json:"date"` // YYYY-MM-DD
	Link      string    `json:"link,omitempty"`
	Clipping  string    `json:"clipping,omitempty"` // the clipping's file name
	CreatedAt time.Time `json:"created_at"`
	orgID     int64
	orgPath   string
}

// CoverageInput is a media report as a unit enters it.
type CoverageInput struct {
	Outlet, Title, Date, Link string
	// Clipping is an optional scan or screenshot of the report.
	Clipping     io.Reader
	ClippingName string
}

// MaxClippingBytes bounds a clipping file.
const MaxClippingBytes = 10 << 20

// AddCoverage records a media report for the caller's organisation.
// Errors: Forbidden, Invalid.
func (s *Service) AddCoverage(ctx context.Context, c campaign.Campaign, in CoverageInput) (Coverage, error) {
	p := account.FromContext(ctx)
	if p == nil || !canWrite(p, p.Org.ID) || !s.inTree(ctx, c, p.Org) {
		return Coverage{}, errs.ForbiddenErr()
	}
	in.Outlet, in.Title, in.Date, in.Link = strings.TrimSpace(in.Outlet), strings.TrimSpace(in.Title), strings.TrimSpace(in.Date), strings.TrimSpace(in.Link)
	f := errs.Fields{}
	if in.Outlet == "" {
		f.Add("outlet", "news.error.outlet")
	} else if utf8.RuneCountInString(in.Outlet) > 100 {
		f.Add("outlet", "news.error.too_long", 100)
	}
	if in.Title == "" {
		f.Add("title", "news.error.title")
	} else if utf8.RuneCountInString(in.Title) > 200 {
		f.Add("title", "news.error.too_long", 200)
	}
	if _, err := campaign.ParseDate(in.Date); err != nil {
		f.Add("date", "news.error.date")
	}
	if in.Link != "" {
		if u, err := url.Parse(in.Link); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			f.Add("link", "news.error.link")
		}
	}
	var clip []byte
	var ctype string
	if in.Clipping != nil {
		data, err := io.ReadAll(io.LimitReader(in.Clipping, MaxClippingBytes+1))
		if err != nil {
			return Coverage{}, err
		}
		switch {
		case len(data) == 0:
		case len(data) > MaxClippingBytes:
			f.Add("clipping", "news.error.clipping_too_large", MaxClippingBytes>>20)
		case bytes.HasPrefix(data, []byte("%PDF-")):
			clip, ctype = data, "application/pdf"
		default:
			t, bad := CheckCover(data[:min(len(data), MaxCoverBytes)])
			if bad != nil {
				f.Add("clipping", "news.error.clipping_type")
			}
			clip, ctype = data, t
		}
	}
	if err := f.Err(); err != nil {
		return Coverage{}, err
	}
	key, name := "", ""
	if clip != nil {
		key, name = blob.NewKey("coverage"), strings.TrimSpace(in.ClippingName)
		if name == "" {
			name = "clipping"
		}
		if _, err := s.Blobs.Put(ctx, key, bytes.NewReader(clip), MaxClippingBytes); err != nil {
			return Coverage{}, err
		}
	}
	var id int64
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO media_coverage (campaign_id, org_id, outlet, title, published_on, link, clipping_key, clipping_name, clipping_type, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, c.ID, p.Org.ID, in.Outlet, in.Title, in.Date, in.Link, key, name, ctype, db.At(s.now())).Scan(&id); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, "coverage.add", "coverage", id, map[string]any{"outlet": in.Outlet})
	})
	if err != nil {
		return Coverage{}, err
	}
	return Coverage{ID: id, OrgCode: p.Org.Code, OrgName: p.Org.Name, Outlet: in.Outlet, Title: in.Title, Date: in.Date, Link: in.Link, Clipping: name, CreatedAt: s.now()}, nil
}

// ListCoverage returns the campaign's coverage the caller may see — its
// organisation's and those below it — newest first; unit, when not empty,
// narrows it to one organisation's code. Errors: Unauthenticated.
func (s *Service) ListCoverage(ctx context.Context, c campaign.Campaign, unit string) ([]Coverage, error) {
	p := account.FromContext(ctx)
	prefix := ""
	switch {
	case account.IsSystem(ctx):
	case p == nil:
		return nil, errs.New(errs.Unauthenticated, "error.unauthenticated")
	default:
		prefix = p.Org.Path
	}
	q := `SELECT m.id, o.id, o.code, o.name, o.path, m.outlet, m.title, m.published_on, m.link, m.clipping_name, m.created_at
		FROM media_coverage m JOIN organisations o ON o.id = m.org_id WHERE m.campaign_id = ? AND o.path LIKE ?`
	args := []any{c.ID, prefix + "%"}
	if unit != "" {
		q += ` AND o.code = ?`
		args = append(args, unit)
	}
	rows, err := s.DB.Query(ctx, q+` ORDER BY m.published_on DESC, m.id DESC`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Coverage
	for rows.Next() {
		var cv Coverage
		var at db.Time
		if err := rows.Scan(&cv.ID, &cv.orgID, &cv.OrgCode, &cv.OrgName, &cv.orgPath, &cv.Outlet, &cv.Title, &cv.Date, &cv.Link, &cv.Clipping, &at); err != nil {
			return nil, err
		}
		cv.CreatedAt = inZone(at.Time)
		out = append(out, cv)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		if d, err := s.district(ctx, c, out[i].orgPath); err == nil {
			out[i].District = d.Code
		}
	}
	return out, nil
}

// district is the organisation just below the campaign's organiser on the
// path of an organisation.
func (s *Service) district(ctx context.Context, c campaign.Campaign, path string) (account.Organisation, error) {
	owner, err := s.Accounts.OrgByID(ctx, c.OwnerOrgID)
	if err != nil {
		return owner, err
	}
	rest := strings.Split(strings.Trim(strings.TrimPrefix(path, owner.Path), "/"), "/")
	if len(rest) == 0 || rest[0] == "" {
		return owner, nil
	}
	id, err := strconv.ParseInt(rest[0], 10, 64)
	if err != nil {
		return owner, err
	}
	return s.Accounts.OrgByID(ctx, id)
}

// Total counts the coverage of one organisation.
type Total struct {
	Code  string `json:"code"`
	Name  string `json:"name"`
	Count int    `json:"count"`
}

// Totals counts the coverage the caller may see per unit and per district
// (the level below the organiser), each list largest first.
func (s *Service) Totals(ctx context.Context, c campaign.Campaign) (units, districts []Total, err error) {
	all, err := s.ListCoverage(ctx, c, "")
	if err != nil {
		return nil, nil, err
	}
	u, d := map[string]int{}, map[string]int{}
	for _, cv := range all {
		count(&units, u, cv.OrgCode, cv.OrgName)
		if cv.District != "" {
			dist, _ := s.Accounts.Org(ctx, cv.District)
			count(&districts, d, cv.District, dist.Name)
		}
	}
	sortTotals(units)
	sortTotals(districts)
	return units, districts, nil
}

func count(list *[]Total, seen map[string]int, code, name string) {
	if i, ok := seen[code]; ok {
		(*list)[i].Count++
		return
	}
	seen[code] = len(*list)
	*list = append(*list, Total{Code: code, Name: name, Count: 1})
}

func sortTotals(ts []Total) {
	slices.SortStableFunc(ts, func(a, b Total) int { return b.Count - a.Count })
}

// OpenClipping opens the clipping of a media report the caller may see:
// its organisation's or one below it. Errors: NotFound.
func (s *Service) OpenClipping(ctx context.Context, id int64) (name, ctype string, obj blob.Object, mod time.Time, err error) {
	p := account.FromContext(ctx)
	if p == nil {
		return "", "", nil, mod, errs.New(errs.Unauthenticated, "error.unauthenticated")
	}
	var key string
	err = s.DB.QueryRow(ctx, `SELECT m.clipping_key, m.clipping_name, m.clipping_type FROM media_coverage m JOIN organisations o ON o.id = m.org_id
		WHERE m.id = ? AND o.path LIKE ? AND m.clipping_key <> ''`, id, p.Org.Path+"%").Scan(&key, &name, &ctype)
	if err != nil {
		return "", "", nil, mod, errs.NotFoundf("clipping %d: %v", id, err)
	}
	obj, _, mod, err = s.Blobs.Open(ctx, key)
	return name, ctype, obj, mod, err
}
