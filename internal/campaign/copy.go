package campaign

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/platform/db"
)

var yearRe = regexp.MustCompile(`(19|20)\d{2}`)

// CopyInput says where a copy of a campaign goes.
type CopyInput struct {
	Slug string
	// Start is the first day of the new week; empty means a year later.
	Start string
	// Parent, when set, names the campaign the copy becomes a child of
	// (the parent's own copy for the new year); its deadlines and focus
	// areas bind the copy as they bind any child.
	Parent string
}

// Copy makes a draft from an earlier campaign: the same focus areas,
// audiences, contact, media rules and notice, every date moved by the same
// amount (a year unless a new start is given) and the year in the title,
// document number and notice replaced. Errors: NotFound, Forbidden, Invalid,
// Conflict.
func (s *Service) Copy(ctx context.Context, srcSlug string, in CopyInput) (Campaign, error) {
	src, err := s.Get(ctx, srcSlug)
	if err != nil {
		return src, err
	}
	if !s.canEdit(ctx, src) {
		return src, errs.ForbiddenErr()
	}
	newStart := src.Start.AddDate(1, 0, 0)
	if strings.TrimSpace(in.Start) != "" {
		t, err := ParseDate(strings.TrimSpace(in.Start))
		if err != nil {
			return src, &errs.Error{Code: errs.Invalid, Msg: errs.Msg{Key: "error.invalid"}, Fields: map[string]errs.Msg{"start": {Key: "error.date"}}}
		}
		newStart = t
	}
	shift := func(t time.Time) time.Time {
		days := int(newStart.Sub(src.Start).Hours() / 24)
		return t.AddDate(0, 0, days)
	}
	oldYear, newYear := strconv.Itoa(src.Start.Year()), strconv.Itoa(newStart.Year())
	// The year moves on everywhere except in the numbers of other documents
	// (国科发智〔2020〕167号 stays what it is).
	reYear := func(s string) string {
		var b strings.Builder
		last := 0
		for _, m := range yearRe.FindAllStringIndex(s, -1) {
			b.WriteString(s[last:m[0]])
			if s[m[0]:m[1]] == oldYear && !strings.HasSuffix(s[:m[0]], "〔") && !strings.HasSuffix(s[:m[0]], "[") {
				b.WriteString(newYear)
			} else {
				b.WriteString(s[m[0]:m[1]])
			}
			last = m[1]
		}
		return b.String() + s[last:]
	}
	next := InputOf(src)
	next.Slug = strings.TrimSpace(in.Slug)
	if next.Slug == "" {
		next.Slug = reYear(src.Slug)
	}
	next.Title, next.DocNumber, next.NoticeMD = reYear(src.Title), "", reYear(src.NoticeMD)
	next.Start, next.End = newStart.Format("2006-01-02"), shift(src.End).Format("2006-01-02")
	next.FilingDeadline = shift(src.FilingDeadline).Format("2006-01-02")
	next.SummaryDeadline = shift(src.SummaryDeadline).Format("2006-01-02")
	next.normalize()
	p, f := next.parse(&src)
	// Codes carry over so that next year's filings use the same focus areas.
	p.categories, p.audiences = src.Categories, src.Audiences
	var parentID int64
	if in.Parent != "" {
		parent, err := s.Get(ctx, in.Parent)
		if err != nil {
			return src, err
		}
		if err := s.canBeChild(ctx, parent, src.OwnerOrgID); err != nil {
			return src, err
		}
		checkParent(parent, p, f)
		parentID = parent.ID
	}
	if err := f.Err(); err != nil {
		return src, err
	}
	var id int64
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		var err error
		if id, err = s.insert(ctx, tx, src.OwnerOrgID, next, p, src.ID, parentID); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, "campaign.copy", "campaign", next.Slug, map[string]any{"from": src.Slug})
	})
	if err != nil {
		return Campaign{}, err
	}
	return find(ctx, s.DB, "c.id = ?", id)
}
