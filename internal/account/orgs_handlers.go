package account

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/i18n"
	"github.com/sciweek/sciweek/internal/web"
)

func (h *Handlers) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	h.Server.Renderer.Render(w, r, status, "account/"+name, data)
}

// requireManager returns the signed-in administrator or coordinator.
func requireManager(r *http.Request) (*Principal, error) {
	p, err := RequireLogin(r)
	if err != nil {
		return nil, err
	}
	if !p.IsManager() {
		return nil, errs.ForbiddenErr()
	}
	return p, nil
}

// OrgTreeNode is an organisation with the ones right below it.
type OrgTreeNode struct {
	OrgNode
	Children []*OrgTreeNode
}

// buildTree nests a listing in tree order under its topmost entries.
func buildTree(nodes []OrgNode) []*OrgTreeNode {
	byID := map[int64]*OrgTreeNode{}
	var roots []*OrgTreeNode
	for _, n := range nodes {
		t := &OrgTreeNode{OrgNode: n}
		byID[n.ID] = t
		if parent, ok := byID[n.ParentID]; ok {
			parent.Children = append(parent.Children, t)
		} else {
			roots = append(roots, t)
		}
	}
	return roots
}

type orgsPage struct {
	web.Page
	Roots     []*OrgTreeNode
	Total     int
	CanCreate bool
	CanImport bool
	Pending   int
	Home      Organisation
}

func (h *Handlers) orgTree(w http.ResponseWriter, r *http.Request) {
	p, err := requireManager(r)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	nodes, err := h.Service.ManagedOrgs(r.Context())
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	page := orgsPage{Page: web.PageFor(r, "orgs.title"), Roots: buildTree(nodes), Total: len(nodes), Home: p.Org,
		CanCreate: p.CanCreateUnder(p.Org, KindUnit), CanImport: p.CanCreateUnder(p.Org, KindUnit)}
	for _, n := range nodes {
		if n.Status == StatusPending {
			page.Pending++
		}
	}
	page.Wide = true
	h.render(w, r, http.StatusOK, "orgs.html", page)
}

// OrgForm is the organisation form as typed.
type OrgForm struct {
	Parent       string
	Code         string
	Name         string
	NameEn       string
	Kind         string
	ContactName  string
	ContactPhone string
	ContactEmail string
	Address      string
}

func orgFormOf(o Organisation) OrgForm {
	return OrgForm{Parent: o.ParentCode, Code: o.Code, Name: o.Name, NameEn: o.NameEn, Kind: string(o.Kind), ContactName: o.ContactName,
		ContactPhone: o.ContactPhone, ContactEmail: o.ContactEmail, Address: o.Address}
}

func orgFormFrom(r *http.Request) OrgForm {
	v := r.PostFormValue
	return OrgForm{Parent: v("parent"), Code: v("code"), Name: v("name"), NameEn: v("name_en"), Kind: v("kind"),
		ContactName: v("contact_name"), ContactPhone: v("contact_phone"), ContactEmail: v("contact_email"), Address: v("address")}
}

func (f OrgForm) input() OrgInput {
	return OrgInput{ParentCode: f.Parent, Code: f.Code, Name: f.Name, NameEn: f.NameEn, Kind: Kind(f.Kind), ContactName: f.ContactName,
		ContactPhone: f.ContactPhone, ContactEmail: f.ContactEmail, Address: f.Address}
}

type orgPage struct {
	web.Page
	Org       Organisation
	Parent    string
	Children  int
	CanEdit   bool
	CanManage bool
	CanAddSub bool
	Form      OrgForm
	Errors    map[string]string
	Summary   string
	Accounts  []AccountRow
	Grantable []Role
	New       AccountForm
	NewErrors map[string]string
	NewSumm   string
	Created   *CreatedAccount
}

// orgPageFor gathers an organisation's page; the organisation must lie in
// the caller's part of the tree.
func (h *Handlers) orgPageFor(r *http.Request, code string) (orgPage, error) {
	p, err := requireManager(r)
	if err != nil {
		return orgPage{}, err
	}
	org, accounts, err := h.Service.OrgAccounts(r.Context(), code)
	if err != nil {
		return orgPage{}, err
	}
	l := web.L(r.Context())
	page := orgPage{Page: web.PageFor(r, ""), Org: org, Form: orgFormOf(org), Errors: map[string]string{}, NewErrors: map[string]string{},
		CanEdit: p.CanManage(org) || p.IsOrganiser(org), CanManage: p.CanManage(org) || p.IsOrganiser(org),
		CanAddSub: org.Kind == KindBureau && org.Status == StatusActive && p.CanCreateUnder(org, KindUnit),
		New:       AccountForm{Roles: []string{string(RoleFiler)}}}
	page.Title = org.DisplayName(l.Lang)
	page.Wide = true
	if org.ParentID != 0 && p.CanSee(Organisation{Path: parentPath(org.Path)}) {
		if parent, err := h.Service.OrgByID(r.Context(), org.ParentID); err == nil {
			page.Parent = parent.DisplayName(l.Lang)
		}
	}
	for _, role := range Roles {
		switch {
		case role == RoleAdmin && !p.IsOrganiser(org):
		case role == RoleCoordinator && org.Kind != KindBureau:
		default:
			page.Grantable = append(page.Grantable, role)
		}
	}
	now := h.Service.Clock.Now()
	for _, a := range accounts {
		row := AccountRow{Account: a, Self: a.ID == p.ID}
		for _, role := range a.Roles {
			row.RoleNames = append(row.RoleNames, l.T("role."+string(role)))
		}
		if a.LockedUntil.After(now) {
			row.LockedUntil = l.DateTime(a.LockedUntil.In(Zone))
		}
		page.Accounts = append(page.Accounts, row)
	}
	return page, nil
}

// parentPath is the path of the organisation right above one at path.
func parentPath(path string) string {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	if len(parts) < 2 {
		return ""
	}
	return "/" + strings.Join(parts[:len(parts)-1], "/") + "/"
}

func (h *Handlers) orgShow(w http.ResponseWriter, r *http.Request) {
	page, err := h.orgPageFor(r, r.PathValue("code"))
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "org.html", page)
}

func (h *Handlers) orgUpdate(w http.ResponseWriter, r *http.Request) {
	code := r.PathValue("code")
	page, err := h.orgPageFor(r, code)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	form := orgFormFrom(r)
	if _, err := h.Service.UpdateOrg(r.Context(), code, form.input()); err != nil {
		fields, summary, ok := web.FormErrors(r, err)
		if !ok {
			h.Server.Error(w, r, err)
			return
		}
		form.Code, form.Kind, form.Parent = page.Org.Code, string(page.Org.Kind), page.Org.ParentCode
		page.Form, page.Errors, page.Summary = form, fields, summary
		h.render(w, r, web.FormStatus(err), "org.html", page)
		return
	}
	web.SetFlash(w, "orgs.saved")
	web.Redirect(w, r, "/admin/orgs/"+url.PathEscape(page.Org.Code))
}

// Option is one choice of a select.
type Option struct {
	Value string
	Label string
}

// orgOptions lists organisations as choices, named in the language.
func orgOptions(l i18n.Localizer, orgs []Organisation) []Option {
	out := make([]Option, 0, len(orgs))
	for _, o := range orgs {
		out = append(out, Option{Value: o.Code, Label: o.DisplayName(l.Lang)})
	}
	return out
}

type orgNewPage struct {
	web.Page
	ParentOptions []Option
	KindOptions   []Option
	Form          OrgForm
	Errors        map[string]string
	Summary       string
}

// newOrgPage lists the bureaus the caller may add to and the kinds it may
// add.
func (h *Handlers) newOrgPage(r *http.Request, p *Principal, form OrgForm) (orgNewPage, error) {
	nodes, err := h.Service.ManagedOrgs(r.Context())
	if err != nil {
		return orgNewPage{}, err
	}
	l := web.L(r.Context())
	page := orgNewPage{Page: web.PageFor(r, "orgs.new.title"), Form: form, Errors: map[string]string{}}
	var parents []Organisation
	for _, n := range nodes {
		if n.Kind == KindBureau && n.Status == StatusActive && p.CanCreateUnder(n.Organisation, KindUnit) {
			parents = append(parents, n.Organisation)
		}
	}
	page.ParentOptions = orgOptions(l, parents)
	kinds := []Kind{KindUnit}
	if p.CanCreateUnder(p.Org, KindBureau) {
		kinds = append(kinds, KindBureau)
	}
	for _, k := range kinds {
		page.KindOptions = append(page.KindOptions, Option{Value: string(k), Label: l.T("orgs.kind." + string(k))})
	}
	return page, nil
}

func (h *Handlers) orgNewForm(w http.ResponseWriter, r *http.Request) {
	p, err := requireManager(r)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	parent := r.URL.Query().Get("parent")
	if parent == "" {
		parent = p.Org.Code
	}
	page, err := h.newOrgPage(r, p, OrgForm{Parent: strings.ToLower(parent), Kind: string(KindUnit)})
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	if len(page.ParentOptions) == 0 {
		h.Server.Error(w, r, errs.ForbiddenErr())
		return
	}
	h.render(w, r, http.StatusOK, "org_new.html", page)
}

func (h *Handlers) orgCreate(w http.ResponseWriter, r *http.Request) {
	p, err := requireManager(r)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	form := orgFormFrom(r)
	org, err := h.Service.CreateOrg(r.Context(), form.input())
	if err != nil {
		fields, summary, ok := web.FormErrors(r, err)
		if !ok {
			h.Server.Error(w, r, err)
			return
		}
		page, perr := h.newOrgPage(r, p, form)
		if perr != nil {
			h.Server.Error(w, r, perr)
			return
		}
		page.Errors, page.Summary = fields, summary
		h.render(w, r, web.FormStatus(err), "org_new.html", page)
		return
	}
	web.SetFlash(w, "orgs.created")
	web.Redirect(w, r, "/admin/orgs/"+url.PathEscape(org.Code))
}

type orgsAPIItem struct {
	OrgNode
	URL string `json:"url"`
}

// apiOrganisations lists the caller's part of the tree.
func (h *Handlers) apiOrganisations(w http.ResponseWriter, r *http.Request) {
	page, perPage, err := web.Paging(r, 100)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	nodes, err := h.Service.ManagedOrgs(r.Context())
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	out := web.List[orgsAPIItem]{Items: []orgsAPIItem{}, Total: len(nodes), Page: page, PerPage: perPage}
	for i := (page - 1) * perPage; i < len(nodes) && i < page*perPage; i++ {
		out.Items = append(out.Items, orgsAPIItem{OrgNode: nodes[i], URL: "/admin/orgs/" + nodes[i].Code})
	}
	web.JSON(w, r, http.StatusOK, out)
}
