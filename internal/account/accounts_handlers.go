package account

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/web"
)

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
		h.render(w, r, web.FormStatus(err), "org.html", page)
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
		h.render(w, r, web.FormStatus(err), "org.html", page)
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
