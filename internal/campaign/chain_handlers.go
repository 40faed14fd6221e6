package campaign

import (
	"context"
	"net/http"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/web"
)

// Chain is where a campaign stands in the cascade, for its pages: the
// campaigns above it (top first), the ones directly below it, and whether
// the signed-in administrator may publish their level's notice on it.
type Chain struct {
	Ancestors      []View
	Children       []View
	CanAddChild    bool
	ParentArchived *View
}

func (h *Handlers) chain(r *http.Request, c Campaign) Chain {
	ctx := r.Context()
	var ch Chain
	as, err := h.Service.Ancestors(account.AsSystem(ctx), c)
	if err == nil {
		for _, a := range as {
			if a.State != StateDraft {
				ch.Ancestors = append(ch.Ancestors, h.view(r, a))
			}
		}
	}
	if kids, err := h.Service.Children(ctx, c); err == nil {
		for _, k := range kids {
			ch.Children = append(ch.Children, h.view(r, k))
		}
	}
	if p, ok := h.Service.ParentArchived(ctx, c); ok {
		v := h.view(r, p)
		ch.ParentArchived = &v
	}
	ch.CanAddChild = h.Service.CanAddChild(ctx, c)
	return ch
}

// CanAddChild reports whether the caller administers an organisation below
// c's organiser, so may publish its own level's campaign on c.
func (s *Service) CanAddChild(ctx context.Context, c Campaign) bool {
	p := account.FromContext(ctx)
	if p == nil || !p.Has(account.RoleAdmin) || c.State == StateDraft {
		return false
	}
	return s.canBeChild(ctx, c, p.Org.ID) == nil
}

func (h *Handlers) childForm(w http.ResponseWriter, r *http.Request) {
	parent, err := h.childParent(r)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "form.html", h.childPage(r, parent, ChildInputOf(parent)))
}

func (h *Handlers) childPage(r *http.Request, parent Campaign, in Input) FormPage {
	p := h.formPage(r, "cascade.new_child", in)
	v := h.view(r, parent)
	p.Action, p.New, p.Parent = "/admin/campaigns/"+parent.Slug+"/child", true, &v
	return p
}

// childParent returns the campaign named in the path when the caller may
// publish a campaign below it.
func (h *Handlers) childParent(r *http.Request) (Campaign, error) {
	if _, err := h.requireAdmin(r); err != nil {
		return Campaign{}, err
	}
	parent, err := h.Service.Get(r.Context(), r.PathValue("slug"))
	if err != nil {
		return parent, err
	}
	if !h.Service.CanAddChild(r.Context(), parent) {
		return parent, errs.ForbiddenErr()
	}
	return parent, nil
}

func (h *Handlers) createChild(w http.ResponseWriter, r *http.Request) {
	parent, err := h.childParent(r)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	in := inputFromForm(r)
	c, err := h.Service.CreateChild(r.Context(), parent.Slug, in)
	if err != nil {
		h.formError(w, r, err, h.childPage(r, parent, in))
		return
	}
	web.SetFlash(w, "campaign.created")
	web.Redirect(w, r, "/admin/campaigns/"+c.Slug+"/edit")
}

// links is the chain as the API shows it: each campaign's parent and
// children by id.
type links struct {
	slugs    map[int64]string
	children map[int64][]string
}

// Links reads the whole chain of every campaign in one query, for the API;
// children the caller may not see (another organiser's draft) are left out.
func (s *Service) links(ctx context.Context) (links, error) {
	l := links{slugs: map[int64]string{}, children: map[int64][]string{}}
	rows, err := s.DB.Query(ctx, `SELECT id, slug, COALESCE(parent_id, 0), owner_org_id, state FROM campaigns ORDER BY start_date, id`)
	if err != nil {
		return l, err
	}
	defer rows.Close()
	for rows.Next() {
		var c Campaign
		if err := rows.Scan(&c.ID, &c.Slug, &c.ParentID, &c.OwnerOrgID, &c.State); err != nil {
			return l, err
		}
		l.slugs[c.ID] = c.Slug
		if c.ParentID != 0 && (c.State != StateDraft || s.canEdit(ctx, c)) {
			l.children[c.ParentID] = append(l.children[c.ParentID], c.Slug)
		}
	}
	return l, rows.Err()
}

func (l links) apply(c Campaign, j *JSON) {
	if c.ParentID != 0 {
		j.Parent = l.slugs[c.ParentID]
	}
	j.Children = l.children[c.ID]
	if j.Children == nil {
		j.Children = []string{}
	}
}
