package account

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

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

// AccountForm is the new-account form as typed; the password is never
// written back into the page.
type AccountForm struct {
	Username    string
	DisplayName string
	Email       string
	Phone       string
	Roles       []string
}

// AccountRow is an account as the organisation page shows it.
type AccountRow struct {
	Account
	RoleNames   []string
	LockedUntil string
	Self        bool
	Error       string
}

// CreatedAccount is an account just made, with its password shown once.
type CreatedAccount struct {
	Username string
	Password string
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
		h.render(w, r, web.Status(errs.CodeOf(err)), "org.html", page)
		return
	}
	web.SetFlash(w, "orgs.saved")
	web.Redirect(w, r, "/admin/orgs/"+url.PathEscape(page.Org.Code))
}

// rolesFrom reads the ticked roles, in the display order of Roles.
func rolesFrom(r *http.Request) []Role {
	r.ParseForm()
	var out []Role
	for _, role := range Roles {
		for _, v := range r.PostForm["roles"] {
			if v == string(role) {
				out = append(out, role)
				break
			}
		}
	}
	return out
}

// orgAccount finds the account username among the page's accounts.
func (page orgPage) account(username string) int {
	for i, a := range page.Accounts {
		if a.Username == strings.ToLower(username) {
			return i
		}
	}
	return -1
}

// accountAction runs a change to one account of the organisation page and
// goes back to the page, or shows it again with the message beside the
// account.
func (h *Handlers) accountAction(w http.ResponseWriter, r *http.Request, flash string, change func(username string) error) {
	code, username := r.PathValue("code"), r.PathValue("username")
	page, err := h.orgPageFor(r, code)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	i := page.account(username)
	if i < 0 {
		h.Server.Error(w, r, errs.NotFoundf("account %s not in %s", username, code))
		return
	}
	if err := change(page.Accounts[i].Username); err != nil {
		e, ok := errs.As(err)
		if !ok || e.Code == errs.NotFound || e.Code == errs.Unauthenticated {
			h.Server.Error(w, r, err)
			return
		}
		l := web.L(r.Context())
		msg := l.T(e.Msg.Key, e.Msg.Args...)
		for _, m := range e.Fields {
			msg = l.T(m.Key, m.Args...)
		}
		page.Accounts[i].Error = msg
		h.render(w, r, web.Status(e.Code), "org.html", page)
		return
	}
	web.SetFlash(w, flash)
	web.Redirect(w, r, "/admin/orgs/"+url.PathEscape(page.Org.Code)+"#acc-"+page.Accounts[i].Username)
}

func (h *Handlers) accountRoles(w http.ResponseWriter, r *http.Request) {
	roles := rolesFrom(r)
	h.accountAction(w, r, "orgs.account.roles_saved", func(username string) error {
		return h.Service.SetRoles(r.Context(), username, roles)
	})
}

func (h *Handlers) accountStatus(w http.ResponseWriter, r *http.Request) {
	status := Status(r.PostFormValue("status"))
	h.accountAction(w, r, "orgs.account.status_saved", func(username string) error {
		return h.Service.SetStatus(r.Context(), username, status)
	})
}

func (h *Handlers) accountCreate(w http.ResponseWriter, r *http.Request) {
	code := r.PathValue("code")
	page, err := h.orgPageFor(r, code)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	roles := rolesFrom(r)
	form := AccountForm{Username: r.PostFormValue("username"), DisplayName: r.PostFormValue("display_name"),
		Email: r.PostFormValue("email"), Phone: r.PostFormValue("phone")}
	for _, role := range roles {
		form.Roles = append(form.Roles, string(role))
	}
	password := r.PostFormValue("password")
	generated := r.PostFormValue("generate") != "" || password == ""
	if generated {
		password = RandomPassword()
	}
	acc, err := h.Service.CreateAccount(r.Context(), AccountInput{OrgCode: page.Org.Code, Username: form.Username, DisplayName: form.DisplayName,
		Email: form.Email, Phone: form.Phone, Password: password, Roles: roles})
	if err != nil {
		fields, summary, ok := web.FormErrors(r, err)
		if !ok {
			h.Server.Error(w, r, err)
			return
		}
		if m, ok := fields["password"]; ok && generated {
			delete(fields, "password")
			summary = m
		}
		page.New, page.NewErrors, page.NewSumm = form, fields, summary
		h.render(w, r, web.Status(errs.CodeOf(err)), "org.html", page)
		return
	}
	// The page is drawn afresh with the new account and, this once, its
	// password; it is stored only as a hash.
	page, err = h.orgPageFor(r, code)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	page.Created = &CreatedAccount{Username: acc.Username, Password: password}
	page.Flash = web.L(r.Context()).T("orgs.account.created", acc.Username)
	h.render(w, r, http.StatusCreated, "org.html", page)
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
		h.render(w, r, web.Status(errs.CodeOf(err)), "org_new.html", page)
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

// ImportPreviewRow is one row of an import as the preview shows it.
type ImportPreviewRow struct {
	UnitRow
	Problems map[string]string
}

// ImportProblem is one faulty cell, in words.
type ImportProblem struct {
	Row     int
	Column  string
	Message string
}

type importPage struct {
	web.Page
	ParentOptions []Option
	Parent        string
	Text          string
	Errors        map[string]string
	Summary       string
	Preview       []ImportPreviewRow
	Valid         []UnitRow
	Problems      []ImportProblem
	Result        []ImportedUnit
	MaxMiB        int
	MaxRows       int
}

func (h *Handlers) importPageFor(r *http.Request, p *Principal) (importPage, error) {
	page := importPage{Page: web.PageFor(r, "import.title"), Errors: map[string]string{}, MaxMiB: MaxWorkbookBytes >> 20, MaxRows: MaxImportRows}
	nodes, err := h.Service.ManagedOrgs(r.Context())
	if err != nil {
		return page, err
	}
	var parents []Organisation
	for _, n := range nodes {
		if n.Kind == KindBureau && n.Status == StatusActive && p.CanCreateUnder(n.Organisation, KindUnit) {
			parents = append(parents, n.Organisation)
		}
	}
	if len(parents) == 0 {
		return page, errs.ForbiddenErr()
	}
	page.ParentOptions = orgOptions(web.L(r.Context()), parents)
	page.Parent = strings.ToLower(r.URL.Query().Get("parent"))
	if page.Parent == "" {
		page.Parent = parents[0].Code
	}
	page.Wide = true
	return page, nil
}

func (h *Handlers) importForm(w http.ResponseWriter, r *http.Request) {
	p, err := requireManager(r)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	page, err := h.importPageFor(r, p)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "import.html", page)
}

// importRows reads what the import form sent: the rows of a preview being
// confirmed, an uploaded workbook, or a pasted list.
func importRows(r *http.Request) (rows []UnitRow, confirm bool, err error) {
	if r.PostFormValue("step") == "confirm" {
		f := r.PostForm
		for i, row := range f["row"] {
			n, _ := strconv.Atoi(row)
			at := func(k string) string {
				if i < len(f[k]) {
					return f[k][i]
				}
				return ""
			}
			rows = append(rows, UnitRow{Row: n, Name: at("name"), Code: at("code"), ContactName: at("contact_name"),
				ContactPhone: at("contact_phone"), ContactEmail: at("contact_email")})
		}
		return rows, true, nil
	}
	if r.MultipartForm != nil {
		if fhs := r.MultipartForm.File["file"]; len(fhs) > 0 && fhs[0].Filename != "" {
			fh := fhs[0]
			if !strings.HasSuffix(strings.ToLower(fh.Filename), ".xlsx") {
				return nil, false, fieldErr(errs.Invalid, "file", "import.error.not_xlsx")
			}
			if fh.Size > MaxWorkbookBytes {
				return nil, false, fieldErr(errs.TooLarge, "file", "import.error.too_large", MaxWorkbookBytes>>20)
			}
			f, err := fh.Open()
			if err != nil {
				return nil, false, err
			}
			defer f.Close()
			rows, err := ReadUnitWorkbook(f)
			if e, ok := errs.As(err); ok {
				e.Fields = map[string]errs.Msg{"file": e.Msg}
			}
			return rows, false, err
		}
	}
	return ParseUnitList(r.PostFormValue("text")), false, nil
}

func fieldErr(code errs.Code, field, key string, args ...any) *errs.Error {
	return &errs.Error{Code: code, Msg: errs.Msg{Key: key, Args: args}, Fields: map[string]errs.Msg{field: {Key: key, Args: args}}}
}

func (h *Handlers) importPost(w http.ResponseWriter, r *http.Request) {
	p, err := requireManager(r)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	page, err := h.importPageFor(r, p)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	web.AllowSlow(w, 15*time.Minute)
	r.Body = http.MaxBytesReader(w, r.Body, MaxWorkbookBytes+1<<20)
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
		if err := r.ParseMultipartForm(1 << 20); err != nil {
			h.importFailed(w, r, page, fieldErr(errs.TooLarge, "file", "import.error.too_large", MaxWorkbookBytes>>20))
			return
		}
		defer r.MultipartForm.RemoveAll()
		if err := web.CheckValues(r.PostForm); err != nil {
			h.Server.Error(w, r, err)
			return
		}
	}
	page.Parent, page.Text = strings.ToLower(r.PostFormValue("parent")), r.PostFormValue("text")
	rows, confirm, err := importRows(r)
	if err != nil {
		h.importFailed(w, r, page, err)
		return
	}
	l := web.L(r.Context())
	if confirm {
		result, problems, err := h.Service.ImportUnits(r.Context(), page.Parent, rows)
		if err != nil && problems == nil {
			h.importFailed(w, r, page, err)
			return
		}
		if err != nil {
			page.preview(l, rows, problems)
			page.Summary = l.T("import.error.rows", len(problems))
			h.render(w, r, http.StatusUnprocessableEntity, "import.html", page)
			return
		}
		page.Result = result
		page.Flash = l.T("import.done", len(result))
		h.render(w, r, http.StatusOK, "import.html", page)
		return
	}
	rows, problems, err := h.Service.CheckUnits(r.Context(), page.Parent, rows)
	if err != nil {
		h.importFailed(w, r, page, err)
		return
	}
	page.preview(l, rows, problems)
	h.render(w, r, http.StatusOK, "import.html", page)
}

// preview lays out the checked rows, the faulty ones with their messages,
// and keeps the valid ones for the confirmation.
func (page *importPage) preview(l i18n.Localizer, rows []UnitRow, problems []RowError) {
	byRow := map[int]map[string]string{}
	for _, p := range problems {
		msg := l.T(p.Msg.Key, p.Msg.Args...)
		if byRow[p.Row] == nil {
			byRow[p.Row] = map[string]string{}
		}
		byRow[p.Row][p.Column] = msg
		page.Problems = append(page.Problems, ImportProblem{Row: p.Row, Column: l.T("import.col." + p.Column), Message: msg})
	}
	for _, u := range rows {
		page.Preview = append(page.Preview, ImportPreviewRow{UnitRow: u, Problems: byRow[u.Row]})
		if byRow[u.Row] == nil {
			page.Valid = append(page.Valid, u)
		}
	}
}

// importFailed shows the import form again with the message beside the
// field at fault.
func (h *Handlers) importFailed(w http.ResponseWriter, r *http.Request, page importPage, err error) {
	e, ok := errs.As(err)
	if !ok || (e.Code != errs.Invalid && e.Code != errs.TooLarge && e.Code != errs.Conflict) {
		h.Server.Error(w, r, err)
		return
	}
	l := web.L(r.Context())
	page.Errors = web.FieldMessages(l, e)
	page.Summary = l.T(e.Msg.Key, e.Msg.Args...)
	if len(e.Fields) > 0 && e.Msg.Key == "error.invalid" {
		page.Summary = l.T("error.invalid")
	}
	h.render(w, r, web.Status(e.Code), "import.html", page)
}
