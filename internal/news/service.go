package news

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/audit"
	"github.com/sciweek/sciweek/internal/campaign"
	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/platform/blob"
	"github.com/sciweek/sciweek/internal/platform/clock"
	"github.com/sciweek/sciweek/internal/platform/db"
	"github.com/sciweek/sciweek/internal/review"
)

// Service keeps the articles and coverage of every campaign.
type Service struct {
	DB        *db.DB
	Accounts  *account.Service
	Campaigns *campaign.Service
	Audit     *audit.Log
	Blobs     blob.Store
	Clock     clock.Clock
	// Notices, when set, tells the author's organisation of each decision
	// on its article.
	Notices review.Notifier
}

func (s *Service) now() time.Time { return s.Clock.Now() }

// Sections lists the campaign's sections in order, creating the default
// ones the first time a campaign is asked.
func (s *Service) Sections(ctx context.Context, c campaign.Campaign) ([]Section, error) {
	out, err := s.sections(ctx, c.ID)
	if err != nil || len(out) > 0 {
		return out, err
	}
	for i, d := range DefaultSections {
		if _, err := s.DB.Exec(ctx, `INSERT INTO news_sections (campaign_id, code, name, name_en, position) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (campaign_id, code) DO NOTHING`, c.ID, d.Code, d.Name, d.NameEn, i); err != nil {
			return nil, err
		}
	}
	return s.sections(ctx, c.ID)
}

func (s *Service) sections(ctx context.Context, campaignID int64) ([]Section, error) {
	rows, err := s.DB.Query(ctx, `SELECT id, code, name, name_en, position FROM news_sections WHERE campaign_id = ? ORDER BY position, id`, campaignID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Section
	for rows.Next() {
		var sec Section
		if err := rows.Scan(&sec.ID, &sec.Code, &sec.Name, &sec.NameEn, &sec.Position); err != nil {
			return nil, err
		}
		out = append(out, sec)
	}
	return out, rows.Err()
}

// Section finds a section of the campaign by its code. Errors: NotFound.
func (s *Service) Section(ctx context.Context, c campaign.Campaign, code string) (Section, error) {
	secs, err := s.Sections(ctx, c)
	if err != nil {
		return Section{}, err
	}
	for _, sec := range secs {
		if sec.Code == code {
			return sec, nil
		}
	}
	return Section{}, errs.NotFoundf("section %s", code)
}

// SectionInput names a section.
type SectionInput struct {
	Code, Name, NameEn string
}

// SaveSections renames the campaign's sections and adds new ones, in the
// order given; a section left out keeps its articles and its place.
// Only the organiser may. Errors: Forbidden, Invalid.
func (s *Service) SaveSections(ctx context.Context, c campaign.Campaign, in []SectionInput) error {
	if !s.Campaigns.CanEdit(ctx, c) {
		return errs.ForbiddenErr()
	}
	f := errs.Fields{}
	for i, sec := range in {
		if strings.TrimSpace(sec.Name) == "" && sec.Code != "" {
			f.Add("name_"+itoa(i), "news.error.section_name")
		}
	}
	if err := f.Err(); err != nil {
		return err
	}
	existing, err := s.Sections(ctx, c)
	if err != nil {
		return err
	}
	used := map[string]bool{}
	for _, sec := range existing {
		used[sec.Code] = true
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		for i, sec := range in {
			name, nameEn := strings.TrimSpace(sec.Name), strings.TrimSpace(sec.NameEn)
			if name == "" {
				continue
			}
			code := sec.Code
			for n := len(used) + 1; code == ""; n++ {
				if !used["s"+itoa(n)] {
					code = "s" + itoa(n)
					used[code] = true
				}
			}
			if _, err := tx.Exec(ctx, `INSERT INTO news_sections (campaign_id, code, name, name_en, position) VALUES (?, ?, ?, ?, ?)
				ON CONFLICT (campaign_id, code) DO UPDATE SET name = excluded.name, name_en = excluded.name_en, position = excluded.position`,
				c.ID, code, name, nameEn, i); err != nil {
				return err
			}
		}
		return s.Audit.Record(ctx, tx, "news.sections", "campaign", c.ID, map[string]any{"sections": len(in)})
	})
}

// Input is an article as its author writes it.
type Input struct {
	Section   string
	Title     string
	Summary   string
	Body      string
	Link      string
	PublishAt string // YYYY-MM-DDTHH:MM in Quanzhou time; empty means at once
	// Cover, when not nil, replaces the cover image.
	Cover io.Reader
	// RemoveCover takes the cover away.
	RemoveCover bool
}

func (in *Input) normalize() {
	in.Title = strings.TrimSpace(in.Title)
	in.Summary = strings.TrimSpace(in.Summary)
	in.Link = strings.TrimSpace(in.Link)
	in.PublishAt = strings.TrimSpace(in.PublishAt)
	in.Body = strings.ReplaceAll(in.Body, "\r\n", "\n")
}

type checked struct {
	section   Section
	publishAt time.Time
	cover     []byte
	coverType string
}

func (s *Service) check(ctx context.Context, c campaign.Campaign, in *Input) (checked, error) {
	in.normalize()
	f := errs.Fields{}
	var k checked
	sec, err := s.Section(ctx, c, in.Section)
	if err != nil {
		f.Add("section", "news.error.section")
	}
	k.section = sec
	switch n := utf8.RuneCountInString(in.Title); {
	case n == 0:
		f.Add("title", "news.error.title")
	case n > 120:
		f.Add("title", "news.error.too_long", 120)
	}
	if utf8.RuneCountInString(in.Summary) > 300 {
		f.Add("summary", "news.error.too_long", 300)
	}
	if len(in.Body) > 200_000 {
		f.Add("body", "news.error.too_long", 200_000)
	}
	if in.Link != "" {
		if u, err := url.Parse(in.Link); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			f.Add("link", "news.error.link")
		}
	}
	if in.PublishAt != "" {
		t, err := time.ParseInLocation("2006-01-02T15:04", in.PublishAt, clock.Zone)
		if err != nil {
			f.Add("publish_at", "news.error.publish_at")
		}
		k.publishAt = t
	}
	if in.Cover != nil {
		data, err := io.ReadAll(io.LimitReader(in.Cover, MaxCoverBytes+1))
		if err != nil {
			return k, err
		}
		if len(data) > 0 {
			ctype, bad := CheckCover(data)
			if bad != nil {
				f.Add("cover", bad.Key, bad.Args...)
			}
			k.cover, k.coverType = data, ctype
		}
	}
	return k, f.Err()
}

// SetPinned pins an article to the top of its section and the campaign
// home, or unpins it. Only the organiser may. Errors: NotFound, Forbidden.
func (s *Service) SetPinned(ctx context.Context, id int64, pinned bool) error {
	a, err := s.Get(ctx, id)
	if err != nil {
		return err
	}
	c, err := s.Campaigns.Get(account.AsSystem(ctx), a.CampaignSlug)
	if err != nil {
		return err
	}
	if !s.Campaigns.CanEdit(ctx, c) {
		return errs.ForbiddenErr()
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE articles SET pinned = ?, version = version + 1, updated_at = ? WHERE id = ?`, boolInt(pinned), db.At(s.now()), id); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, "news.pin", "article", id, map[string]any{"pinned": pinned})
	})
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

const articleColumns = `a.id, a.campaign_id, c.slug, a.section_id, s.code, a.org_id, o.code, o.name, a.title, a.summary, a.body, a.link,
	a.cover_key, a.cover_type, a.state, COALESCE(a.stage_org_id, 0), a.comment, a.pinned, a.publish_at, a.version, a.created_at, a.updated_at,
	a.live, a.pending
	FROM articles a JOIN campaigns c ON c.id = a.campaign_id JOIN news_sections s ON s.id = a.section_id JOIN organisations o ON o.id = a.org_id`

func scanArticles(rows *sql.Rows) ([]Article, error) {
	defer rows.Close()
	var out []Article
	for rows.Next() {
		var a Article
		var pinned, live int
		var pub, created, updated db.Time
		if err := rows.Scan(&a.ID, &a.CampaignID, &a.CampaignSlug, &a.SectionID, &a.SectionCode, &a.OrgID, &a.OrgCode, &a.OrgName, &a.Title, &a.Summary,
			&a.Body, &a.Link, &a.CoverKey, &a.CoverType, &a.State, &a.StageOrgID, &a.Comment, &pinned, &pub, &a.Version, &created, &updated,
			&live, &a.pending); err != nil {
			return nil, err
		}
		a.Pinned, a.Live = pinned == 1, live == 1
		a.PublishAt, a.CreatedAt, a.UpdatedAt = inZone(pub.Time), inZone(created.Time), inZone(updated.Time)
		out = append(out, a)
	}
	return out, rows.Err()
}

func inZone(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.In(clock.Zone)
}

// Get returns an article the caller may see: a published one to anyone;
// otherwise only to its own organisation and the levels above it that
// review it. Another district's article answers NotFound. Errors: NotFound.
func (s *Service) Get(ctx context.Context, id int64) (Article, error) {
	rows, err := s.DB.Query(ctx, `SELECT `+articleColumns+` WHERE a.id = ?`, id)
	if err != nil {
		return Article{}, err
	}
	as, err := scanArticles(rows)
	if err != nil {
		return Article{}, err
	}
	if len(as) == 0 {
		return Article{}, errs.NotFoundf("article %d", id)
	}
	a := as[0]
	if _, err := s.Campaigns.Get(ctx, a.CampaignSlug); err != nil {
		return Article{}, err
	}
	if s.inChain(ctx, a) {
		// Its own organisation and its reviewers see the revision
		// awaiting review; the public, the approved one.
		return a.withPending(), nil
	}
	if a.Public(s.now()) {
		return a, nil
	}
	return Article{}, errs.NotFoundf("article %d is not public", id)
}

// inChain reports whether the caller belongs to the article's organisation
// or to one above it (not as check-in staff).
func (s *Service) inChain(ctx context.Context, a Article) bool {
	org, err := s.Accounts.OrgByID(ctx, a.OrgID)
	return err == nil && review.CanRead(ctx, org)
}

// Query narrows a list of published articles.
type Query struct {
	Section string // a section code; empty for all
	Pinned  bool   // only pinned ones
	Page    int
	PerPage int
}

// Published lists the campaign's articles the public sees now, pinned
// first, newest first, and their total. The campaign's published notice
// leads the notices.
func (s *Service) Published(ctx context.Context, c campaign.Campaign, q Query) ([]Article, int, error) {
	where := `a.campaign_id = ? AND a.live = 1 AND a.publish_at <= ?`
	args := []any{c.ID, db.At(s.now())}
	if q.Section != "" {
		where += ` AND s.code = ?`
		args = append(args, q.Section)
	}
	if q.Pinned {
		where += ` AND a.pinned = 1`
	}
	var total int
	if err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM articles a JOIN news_sections s ON s.id = a.section_id WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	if q.PerPage <= 0 {
		q.PerPage = 20
	}
	if q.Page < 1 {
		q.Page = 1
	}
	notice, hasNotice := s.notice(ctx, c, q)
	offset, limit := (q.Page-1)*q.PerPage, q.PerPage
	var out []Article
	if hasNotice {
		total++
		if q.Page == 1 {
			out = append(out, notice)
			limit--
		} else {
			offset--
		}
	}
	rows, err := s.DB.Query(ctx, `SELECT `+articleColumns+` WHERE `+where+` ORDER BY a.pinned DESC, a.publish_at DESC, a.id DESC LIMIT ? OFFSET ?`,
		append(args, limit, offset)...)
	if err != nil {
		return nil, 0, err
	}
	as, err := scanArticles(rows)
	return append(out, as...), total, err
}

// notice is the campaign's published notice as the first of its notices.
func (s *Service) notice(ctx context.Context, c campaign.Campaign, q Query) (Article, bool) {
	if c.State == campaign.StateDraft || c.PublishedAt.IsZero() || (q.Section != "" && q.Section != SectionNotices) {
		return Article{}, false
	}
	sec, err := s.Section(ctx, c, SectionNotices)
	if err != nil {
		return Article{}, false
	}
	summary := c.DocNumber
	if c.Theme != "" {
		summary += " · " + c.Theme
	}
	return Article{CampaignID: c.ID, CampaignSlug: c.Slug, SectionID: sec.ID, SectionCode: sec.Code, OrgID: c.OwnerOrgID, OrgCode: c.OwnerCode, OrgName: c.OwnerName,
		Title: noticeTitle(c), Summary: summary, State: StateApproved, Pinned: true, PublishAt: inZone(c.PublishedAt), UpdatedAt: inZone(c.UpdatedAt),
		Href: "/campaigns/" + c.Slug + "/notice"}, true
}

func noticeTitle(c campaign.Campaign) string {
	return "关于举办" + c.Title + "的通知"
}

// Manageable lists the campaign's articles the caller writes or reviews:
// its organisation's and those of the organisations below it.
func (s *Service) Manageable(ctx context.Context, c campaign.Campaign) ([]Article, error) {
	p := account.FromContext(ctx)
	if p == nil {
		return nil, errs.New(errs.Unauthenticated, "error.unauthenticated")
	}
	rows, err := s.DB.Query(ctx, `SELECT `+articleColumns+` WHERE a.campaign_id = ? AND (o.path LIKE ? OR a.stage_org_id = ?)
		ORDER BY a.updated_at DESC, a.id DESC`, c.ID, p.Org.Path+"%", p.Org.ID)
	if err != nil {
		return nil, err
	}
	return scanArticles(rows)
}

// OpenCover opens an article's cover image. Errors: NotFound.
func (s *Service) OpenCover(ctx context.Context, id int64) (Article, blob.Object, time.Time, error) {
	a, err := s.Get(ctx, id)
	if err != nil {
		return a, nil, time.Time{}, err
	}
	if a.CoverKey == "" {
		return a, nil, time.Time{}, errs.NotFoundf("article %d has no cover", id)
	}
	obj, _, mod, err := s.Blobs.Open(ctx, a.CoverKey)
	if errors.Is(err, blob.ErrNotFound) {
		return a, nil, time.Time{}, errs.NotFoundf("cover of article %d", id)
	}
	return a, obj, mod, err
}
