package campaign

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/audit"
	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/platform/blob"
	"github.com/sciweek/sciweek/internal/platform/clock"
	"github.com/sciweek/sciweek/internal/platform/db"
	"github.com/sciweek/sciweek/internal/validate"
)

// Service runs campaigns.
type Service struct {
	DB       *db.DB
	Accounts *account.Service
	Audit    *audit.Log
	Blobs    blob.Store
	Clock    clock.Clock
	// Followers, when set, is told after a campaign is published, archived
	// or taken back to a draft: what a parent's program gathers changes.
	Followers Followers
}

// Followers learn of a campaign's change of state once it is stored.
type Followers interface {
	CampaignStateChanged(ctx context.Context, c Campaign, to State)
}

// Input is a campaign as typed into the form or sent to the API; fields
// stay text so a form with a mistake comes back exactly as it was typed.
type Input struct {
	// OwnerCode names the organising organisation; only the system sets it,
	// a person creates campaigns for their own organisation.
	OwnerCode       string `json:"-"`
	Slug            string `json:"slug"`
	Title           string `json:"title"`
	DocNumber       string `json:"doc_number"`
	Theme           string `json:"theme"`
	Start           string `json:"start"`
	End             string `json:"end"`
	FilingDeadline  string `json:"filing_deadline"`
	SummaryDeadline string `json:"summary_deadline"`
	ContactName     string `json:"contact_name"`
	ContactPhone    string `json:"contact_phone"`
	ContactEmail    string `json:"contact_email"`
	ContactAddress  string `json:"contact_address"`
	Mode            string `json:"mode"`
	NoticeMD        string `json:"notice"`
	// Categories and Audiences hold one term a line, "名称 | English name".
	Categories      string `json:"categories"`
	Audiences       string `json:"audiences"`
	VideoMaxSeconds string `json:"video_max_seconds"`
	PhotoMinKB      string `json:"photo_min_kb"`
	PhotoMaxKB      string `json:"photo_max_kb"`
	// RequireScan asks for the stamped scan with every table submitted.
	RequireScan bool `json:"require_scan"`
	// UpwardRows receives the levels below row by row as approved.
	UpwardRows bool `json:"upward_rows"`
	// Version is the version the form was opened at, to refuse stale saves.
	Version int `json:"version"`
}

// InputOf returns c as form input.
func InputOf(c Campaign) Input {
	return Input{
		Slug: c.Slug, Title: c.Title, DocNumber: c.DocNumber, Theme: c.Theme,
		Start: c.Start.Format("2006-01-02"), End: c.End.Format("2006-01-02"),
		FilingDeadline: c.FilingDeadline.Format("2006-01-02"), SummaryDeadline: c.SummaryDeadline.Format("2006-01-02"),
		ContactName: c.Contact.Name, ContactPhone: c.Contact.Phone, ContactEmail: c.Contact.Email, ContactAddress: c.Contact.Address,
		Mode: string(c.Mode), NoticeMD: c.NoticeMD, Categories: termLines(c.Categories), Audiences: termLines(c.Audiences),
		VideoMaxSeconds: strconv.Itoa(c.VideoMaxSeconds), PhotoMinKB: strconv.Itoa(c.PhotoMinKB), PhotoMaxKB: strconv.Itoa(c.PhotoMaxKB),
		RequireScan: c.RequireScan, UpwardRows: c.UpwardRows, Version: c.Version,
	}
}

func termLines(ts []Term) string {
	var b strings.Builder
	for _, t := range ts {
		b.WriteString(t.Name)
		if t.NameEn != "" {
			b.WriteString(" | " + t.NameEn)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// parseTerms reads term lines, keeping the codes of names already known so
// that filings which point at a focus area still find it after an edit.
func parseTerms(text, prefix string, old []Term) []Term {
	known := map[string]string{}
	max := 0
	for _, t := range old {
		known[t.Name] = t.Code
		if n, err := strconv.Atoi(strings.TrimPrefix(t.Code, prefix)); err == nil && n > max {
			max = n
		}
	}
	var out []Term
	seen := map[string]bool{}
	for _, line := range strings.Split(text, "\n") {
		name, en, _ := strings.Cut(line, "|")
		name, en = strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(name), "·•-*0123456789.、（）() ")), strings.TrimSpace(en)
		if name == "" || seen[name] {
			continue
		}
		seen[name] = true
		code, ok := known[name]
		if !ok {
			max++
			code = fmt.Sprintf("%s%d", prefix, max)
		}
		out = append(out, Term{Code: code, Name: name, NameEn: en})
	}
	return out
}

// parsed is an Input read into values.
type parsed struct {
	start, end, filing, summary time.Time
	mode                        Mode
	categories, audiences       []Term
	video, photoMin, photoMax   int
}

func (in *Input) normalize() {
	for _, p := range []*string{&in.Slug, &in.Title, &in.DocNumber, &in.Theme, &in.Start, &in.End, &in.FilingDeadline,
		&in.SummaryDeadline, &in.ContactName, &in.ContactPhone, &in.ContactEmail, &in.ContactAddress, &in.Mode,
		&in.VideoMaxSeconds, &in.PhotoMinKB, &in.PhotoMaxKB} {
		*p = strings.TrimSpace(*p)
	}
	in.Slug = strings.ToLower(in.Slug)
	in.NoticeMD = strings.ReplaceAll(in.NoticeMD, "\r\n", "\n")
}

func (in Input) parse(old *Campaign) (parsed, errs.Fields) {
	f := errs.Fields{}
	var p parsed
	if in.Title == "" {
		f.Add("title", "campaign.error.title_required")
	} else if validate.TooLong(in.Title, 100) {
		f.Add("title", "error.too_long", 100)
	}
	if !validate.IsCode(in.Slug) {
		f.Add("slug", "campaign.error.slug")
	}
	for _, x := range []struct {
		field, value string
		n            int
	}{{"doc_number", in.DocNumber, 60}, {"theme", in.Theme, 60}, {"contact_name", in.ContactName, 40}, {"contact_address", in.ContactAddress, 200}} {
		if validate.TooLong(x.value, x.n) {
			f.Add(x.field, "error.too_long", x.n)
		}
	}
	date := func(field, value string) time.Time {
		if value == "" {
			f.Add(field, "error.required")
			return time.Time{}
		}
		t, err := ParseDate(value)
		if err != nil {
			f.Add(field, "error.date")
		}
		return t
	}
	p.start, p.end = date("start", in.Start), date("end", in.End)
	p.filing, p.summary = date("filing_deadline", in.FilingDeadline), date("summary_deadline", in.SummaryDeadline)
	if !p.start.IsZero() && !p.end.IsZero() {
		switch {
		case p.end.Before(p.start):
			f.Add("end", "campaign.error.end_before_start")
		case p.end.Sub(p.start) > 60*24*time.Hour:
			f.Add("end", "campaign.error.too_long_week")
		}
	}
	if !p.filing.IsZero() && !p.start.IsZero() && !p.filing.Before(p.start) {
		f.Add("filing_deadline", "campaign.error.filing_after_start")
	}
	if !p.filing.IsZero() {
		p.filing = EndOfDay(p.filing)
	}
	if !p.summary.IsZero() && !p.end.IsZero() && !p.summary.After(p.end) {
		f.Add("summary_deadline", "campaign.error.summary_before_end")
	}
	if !p.summary.IsZero() {
		p.summary = EndOfDay(p.summary)
	}
	if in.ContactPhone != "" && !validate.IsPhone(in.ContactPhone) {
		f.Add("contact_phone", "error.phone")
	}
	if in.ContactEmail != "" && !validate.IsEmail(in.ContactEmail) {
		f.Add("contact_email", "error.email")
	}
	p.mode = Mode(in.Mode)
	if p.mode == "" {
		p.mode = ModeOnsite
	}
	if p.mode != ModeOnsite && p.mode != ModeOnline && p.mode != ModeBoth {
		f.Add("mode", "campaign.error.mode")
	}
	if len(in.NoticeMD) > 200_000 {
		f.Add("notice", "error.too_long", 200000)
	}
	var oldCats, oldAuds []Term
	if old != nil {
		oldCats, oldAuds = old.Categories, old.Audiences
	}
	p.categories = parseTerms(in.Categories, "cat", oldCats)
	if len(p.categories) == 0 {
		f.Add("categories", "campaign.error.categories")
	}
	p.audiences = parseTerms(in.Audiences, "aud", oldAuds)
	num := func(field, value string, def, min, max int) int {
		if value == "" {
			return def
		}
		n, err := strconv.Atoi(value)
		if err != nil || n < min || n > max {
			f.Add(field, "error.range", min, max)
		}
		return n
	}
	p.video = num("video_max_seconds", in.VideoMaxSeconds, 180, 1, 3600)
	p.photoMin = num("photo_min_kb", in.PhotoMinKB, 1024, 0, 100*1024)
	p.photoMax = num("photo_max_kb", in.PhotoMaxKB, 2048, 1, 100*1024)
	if p.photoMin > p.photoMax {
		f.Add("photo_max_kb", "campaign.error.photo_range")
	}
	return p, f
}

func yearOf(t time.Time) int { return t.Year() }

// Create makes a draft campaign owned by the caller's organisation.
// Errors: Forbidden, Invalid, Conflict (slug taken).
func (s *Service) Create(ctx context.Context, in Input) (Campaign, error) {
	in.normalize()
	owner, err := s.ownerFor(ctx, in.OwnerCode)
	if err != nil {
		return Campaign{}, err
	}
	p, f := in.parse(nil)
	if err := f.Err(); err != nil {
		return Campaign{}, err
	}
	var id int64
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		var err error
		id, err = s.insert(ctx, tx, owner.ID, in, p, 0, 0)
		if err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, "campaign.create", "campaign", in.Slug, map[string]any{"title": in.Title})
	})
	if err != nil {
		return Campaign{}, err
	}
	return find(ctx, s.DB, "c.id = ?", id)
}

func (s *Service) ownerFor(ctx context.Context, code string) (account.Organisation, error) {
	if p := account.FromContext(ctx); p != nil {
		if !p.Has(account.RoleAdmin) {
			return account.Organisation{}, errs.ForbiddenErr()
		}
		return p.Org, nil
	}
	if code == "" {
		return account.Organisation{}, errs.ForbiddenErr()
	}
	return s.Accounts.Org(ctx, code)
}

func (s *Service) insert(ctx context.Context, tx *db.Tx, ownerID int64, in Input, p parsed, copiedFrom, parentID int64) (int64, error) {
	now := db.At(s.Clock.Now())
	var id int64
	err := tx.QueryRow(ctx, `INSERT INTO campaigns (owner_org_id, slug, year, title, doc_number, theme, start_date, end_date,
		filing_deadline, summary_deadline, contact_name, contact_phone, contact_email, contact_address, mode, notice_md, state,
		video_max_seconds, photo_min_kb, photo_max_kb, require_scan, upward_rows, copied_from_id, parent_id, version, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'draft', ?, ?, ?, ?, ?, ?, ?, 1, ?, ?) RETURNING id`,
		ownerID, in.Slug, yearOf(p.start), in.Title, in.DocNumber, in.Theme, p.start.Format("2006-01-02"), p.end.Format("2006-01-02"),
		db.At(p.filing), db.At(p.summary), in.ContactName, in.ContactPhone, in.ContactEmail, in.ContactAddress, p.mode, in.NoticeMD,
		p.video, p.photoMin, p.photoMax, b2i(in.RequireScan), b2i(in.UpwardRows), nullID(copiedFrom), nullID(parentID), now, now).Scan(&id)
	if db.IsUniqueViolation(err) {
		return 0, &errs.Error{Code: errs.Conflict, Msg: errs.Msg{Key: "campaign.error.slug_taken"}, Fields: map[string]errs.Msg{"slug": {Key: "campaign.error.slug_taken"}}}
	}
	if err != nil {
		return 0, err
	}
	if err := saveTerms(ctx, tx, id, "category", p.categories); err != nil {
		return 0, err
	}
	return id, saveTerms(ctx, tx, id, "audience", p.audiences)
}

// Get returns a campaign by slug. Drafts are visible to their organiser
// only. Errors: NotFound.
func (s *Service) Get(ctx context.Context, slug string) (Campaign, error) {
	c, err := find(ctx, s.DB, "c.slug = ?", strings.ToLower(slug))
	if err != nil {
		return c, err
	}
	if c.State == StateDraft && !s.canEdit(ctx, c) {
		return Campaign{}, errs.NotFoundf("campaign %s is a draft", slug)
	}
	return c, nil
}

// CanEdit reports whether the caller organises the campaign.
func (s *Service) CanEdit(ctx context.Context, c Campaign) bool { return s.canEdit(ctx, c) }

func (s *Service) canEdit(ctx context.Context, c Campaign) bool {
	if account.IsSystem(ctx) {
		return true
	}
	p := account.FromContext(ctx)
	if p == nil {
		return false
	}
	owner, err := s.Accounts.OrgByID(ctx, c.OwnerOrgID)
	return err == nil && p.IsOrganiser(owner)
}

// Filter narrows a list of campaigns.
type Filter struct {
	// Editable adds the drafts the caller organises.
	Editable bool
}

// List returns published and archived campaigns, newest first, and with
// Editable the caller's drafts too.
func (s *Service) List(ctx context.Context, f Filter) ([]Campaign, error) {
	all, err := list(ctx, s.DB, "1=1")
	if err != nil {
		return nil, err
	}
	var out []Campaign
	for _, c := range all {
		if c.State != StateDraft || (f.Editable && s.canEdit(ctx, c)) {
			out = append(out, c)
		}
	}
	return out, nil
}

// Update saves a changed campaign. A form opened at an older version is
// refused, so a second tab cannot silently overwrite the first. Errors:
// NotFound, Forbidden, Invalid, Conflict.
func (s *Service) Update(ctx context.Context, slug string, in Input) (Campaign, error) {
	in.normalize()
	c, err := s.Get(ctx, slug)
	if err != nil {
		return c, err
	}
	if !s.canEdit(ctx, c) {
		return c, errs.ForbiddenErr()
	}
	p, f := in.parse(&c)
	if c.ParentID != 0 {
		parent, err := find(ctx, s.DB, "c.id = ?", c.ParentID)
		if err != nil {
			return c, err
		}
		checkParent(parent, p, f)
	}
	if err := f.Err(); err != nil {
		return c, err
	}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE campaigns SET slug = ?, year = ?, title = ?, doc_number = ?, theme = ?, start_date = ?, end_date = ?,
			filing_deadline = ?, summary_deadline = ?, contact_name = ?, contact_phone = ?, contact_email = ?, contact_address = ?,
			mode = ?, notice_md = ?, video_max_seconds = ?, photo_min_kb = ?, photo_max_kb = ?, require_scan = ?, upward_rows = ?, version = version + 1, updated_at = ?
			WHERE id = ? AND version = ?`,
			in.Slug, yearOf(p.start), in.Title, in.DocNumber, in.Theme, p.start.Format("2006-01-02"), p.end.Format("2006-01-02"),
			db.At(p.filing), db.At(p.summary), in.ContactName, in.ContactPhone, in.ContactEmail, in.ContactAddress,
			p.mode, in.NoticeMD, p.video, p.photoMin, p.photoMax, b2i(in.RequireScan), b2i(in.UpwardRows), db.At(s.Clock.Now()), c.ID, in.Version)
		if db.IsUniqueViolation(err) {
			return &errs.Error{Code: errs.Conflict, Msg: errs.Msg{Key: "campaign.error.slug_taken"}, Fields: map[string]errs.Msg{"slug": {Key: "campaign.error.slug_taken"}}}
		}
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.New(errs.Conflict, "campaign.error.stale")
		}
		if err := saveTerms(ctx, tx, c.ID, "category", p.categories); err != nil {
			return err
		}
		if err := saveTerms(ctx, tx, c.ID, "audience", p.audiences); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, "campaign.update", "campaign", c.Slug, changes(c, in))
	})
	if err != nil {
		return c, err
	}
	return find(ctx, s.DB, "c.id = ?", c.ID)
}

// changes lists the fields an update changed, for the audit log.
func changes(c Campaign, in Input) map[string]any {
	old := InputOf(c)
	out := map[string]any{}
	pairs := []struct{ name, a, b string }{
		{"slug", old.Slug, in.Slug}, {"title", old.Title, in.Title}, {"doc_number", old.DocNumber, in.DocNumber},
		{"theme", old.Theme, in.Theme}, {"start", old.Start, in.Start}, {"end", old.End, in.End},
		{"filing_deadline", old.FilingDeadline, in.FilingDeadline}, {"summary_deadline", old.SummaryDeadline, in.SummaryDeadline},
		{"mode", old.Mode, in.Mode},
	}
	for _, p := range pairs {
		if p.a != p.b {
			out[p.name] = []string{p.a, p.b}
		}
	}
	if old.NoticeMD != in.NoticeMD {
		out["notice"] = "changed"
	}
	if old.RequireScan != in.RequireScan {
		out["require_scan"] = in.RequireScan
	}
	if old.UpwardRows != in.UpwardRows {
		out["upward_rows"] = in.UpwardRows
	}
	return out
}

// SetState publishes, unpublishes or archives a campaign. Errors: NotFound,
// Forbidden, Invalid (publishing without a notice).
func (s *Service) SetState(ctx context.Context, slug string, state State) error {
	c, err := s.Get(ctx, slug)
	if err != nil {
		return err
	}
	if !s.canEdit(ctx, c) {
		return errs.ForbiddenErr()
	}
	if state == StatePublished && strings.TrimSpace(c.NoticeMD) == "" {
		return errs.New(errs.Invalid, "campaign.error.publish_without_notice")
	}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		now := db.At(s.Clock.Now())
		if state == StatePublished && c.PublishedAt.IsZero() {
			if _, err := tx.Exec(ctx, `UPDATE campaigns SET published_at = ? WHERE id = ?`, now, c.ID); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE campaigns SET state = ?, version = version + 1, updated_at = ? WHERE id = ?`, state, now, c.ID); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, "campaign.state", "campaign", c.Slug, map[string]any{"from": c.State, "to": state})
	})
	if err == nil && s.Followers != nil && state != c.State {
		s.Followers.CampaignStateChanged(ctx, c, state)
	}
	return err
}

// MaxAttachmentBytes bounds one notice attachment.
const MaxAttachmentBytes = 20 << 20
