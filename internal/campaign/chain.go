package campaign

import (
	"context"
	"time"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/platform/db"
)

// ChildInputOf is the form a child campaign starts from: the parent's
// theme, dates, focus areas, audiences, mode and media rules, with its own
// title, document number, notice and address left to fill.
func ChildInputOf(parent Campaign) Input {
	in := InputOf(parent)
	in.Slug, in.Title, in.DocNumber, in.NoticeMD, in.Version = "", "", "", "", 0
	in.ContactName, in.ContactPhone, in.ContactEmail, in.ContactAddress = "", "", "", ""
	return in
}

// CreateChild makes a draft campaign one level below parentSlug, owned by
// the caller's organisation, which must lie below the parent's organiser.
// Its focus areas keep the parent's codes, so a filter of the parent's
// program finds the child's activities too; it may add areas but never
// drop one, and its deadlines fall before the parent's. Errors: NotFound,
// Forbidden, Invalid (with the field and the parent's date or area),
// Conflict (slug taken).
func (s *Service) CreateChild(ctx context.Context, parentSlug string, in Input) (Campaign, error) {
	in.normalize()
	parent, err := s.Get(ctx, parentSlug)
	if err != nil {
		return Campaign{}, err
	}
	owner, err := s.ownerFor(ctx, in.OwnerCode)
	if err != nil {
		return Campaign{}, err
	}
	if err := s.canBeChild(ctx, parent, owner.ID); err != nil {
		return Campaign{}, err
	}
	p, f := in.parse(&parent)
	checkParent(parent, p, f)
	if err := f.Err(); err != nil {
		return Campaign{}, err
	}
	var id int64
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		var err error
		if id, err = s.insert(ctx, tx, owner.ID, in, p, 0, parent.ID); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, "campaign.create", "campaign", in.Slug, map[string]any{"title": in.Title, "parent": parent.Slug})
	})
	if err != nil {
		return Campaign{}, err
	}
	return find(ctx, s.DB, "c.id = ?", id)
}

// canBeChild refuses an owner that is not strictly below the parent's
// organiser: a level publishes its notice on the one above.
func (s *Service) canBeChild(ctx context.Context, parent Campaign, ownerID int64) error {
	top, err := s.Accounts.OrgByID(ctx, parent.OwnerOrgID)
	if err != nil {
		return err
	}
	owner, err := s.Accounts.OrgByID(ctx, ownerID)
	if err != nil {
		return err
	}
	if owner.ID == top.ID || !top.Contains(owner) {
		return errs.New(errs.Forbidden, "cascade.error.not_below_parent", top.Name)
	}
	return nil
}

// checkParent adds to f what a child may not do: a deadline on or after
// the parent's (the level above must consolidate in time) and dropping a
// focus area or audience the parent asks for.
func checkParent(parent Campaign, p parsed, f errs.Fields) {
	for _, d := range []struct {
		field       string
		own, parent time.Time
	}{{"filing_deadline", p.filing, parent.FilingDeadline}, {"summary_deadline", p.summary, parent.SummaryDeadline}} {
		if !d.own.IsZero() && !d.own.Before(d.parent) {
			f.Add(d.field, "cascade.error.deadline_after_parent", d.parent.In(Zone).Format("2006-01-02"))
		}
	}
	for _, t := range []struct {
		field       string
		own, parent []Term
	}{{"categories", p.categories, parent.Categories}, {"audiences", p.audiences, parent.Audiences}} {
		have := map[string]bool{}
		for _, x := range t.own {
			have[x.Name] = true
		}
		for _, x := range t.parent {
			if !have[x.Name] {
				f.Add(t.field, "cascade.error.parent_term", x.Name)
			}
		}
	}
}

// Ancestors lists the campaigns above c, the top first. Errors: none but
// the database's.
func (s *Service) Ancestors(ctx context.Context, c Campaign) ([]Campaign, error) {
	var out []Campaign
	for id, n := c.ParentID, 0; id != 0 && n < maxDepth; n++ {
		p, err := find(ctx, s.DB, "c.id = ?", id)
		if err != nil {
			return nil, err
		}
		out = append([]Campaign{p}, out...)
		id = p.ParentID
	}
	return out, nil
}

// maxDepth bounds a chain: national, province, city, district and a spare.
const maxDepth = 8

// Children lists the campaigns one level below c that the caller may see:
// published and archived ones, and drafts the caller organises.
func (s *Service) Children(ctx context.Context, c Campaign) ([]Campaign, error) {
	all, err := list(ctx, s.DB, "c.parent_id = ?", c.ID)
	if err != nil {
		return nil, err
	}
	var out []Campaign
	for _, x := range all {
		if x.State != StateDraft || s.canEdit(ctx, x) {
			out = append(out, x)
		}
	}
	return out, nil
}

// DescendantIDs lists the ids of every published or archived campaign
// below the campaign id, level by level: what a parent's public program
// gathers.
func (s *Service) DescendantIDs(ctx context.Context, id int64) ([]int64, error) {
	var out []int64
	level := []int64{id}
	for n := 0; len(level) > 0 && n < maxDepth; n++ {
		var next []int64
		for _, parent := range level {
			rows, err := s.DB.Query(ctx, `SELECT id FROM campaigns WHERE parent_id = ? AND state <> 'draft' ORDER BY id`, parent)
			if err != nil {
				return nil, err
			}
			for rows.Next() {
				var kid int64
				if err := rows.Scan(&kid); err != nil {
					rows.Close()
					return nil, err
				}
				next = append(next, kid)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return nil, err
			}
		}
		out = append(out, next...)
		level = next
	}
	return out, nil
}

// Subtree returns c and every published or archived campaign below it,
// level by level: what a level's statistics and summary gather.
func (s *Service) Subtree(ctx context.Context, c Campaign) ([]Campaign, error) {
	ids, err := s.DescendantIDs(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	out := []Campaign{c}
	for _, id := range ids {
		x, err := find(ctx, s.DB, "c.id = ?", id)
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, nil
}

// ParentArchived reports whether a campaign above c has been archived while
// c goes on: c keeps working, and its organiser is told.
func (s *Service) ParentArchived(ctx context.Context, c Campaign) (Campaign, bool) {
	as, err := s.Ancestors(account.AsSystem(ctx), c)
	if err != nil {
		return Campaign{}, false
	}
	for i := len(as) - 1; i >= 0; i-- {
		if as[i].State == StateArchived && c.State != StateArchived {
			return as[i], true
		}
	}
	return Campaign{}, false
}

// nullID stores 0 as NULL.
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}
