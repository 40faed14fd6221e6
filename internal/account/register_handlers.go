package account

import (
	"net/http"

	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/web"
)

type registerPage struct {
	web.Page
	DistrictOptions []Option
	// In is the form as typed, without the passwords.
	In      Registration
	Errors  map[string]string
	Summary string
}

func (h *Handlers) registerPageFor(r *http.Request, in Registration) (registerPage, error) {
	ds, err := h.Service.Districts(r.Context())
	in.Password, in.Confirm = "", ""
	return registerPage{Page: web.PageFor(r, "register.title"), DistrictOptions: orgOptions(web.L(r.Context()), ds), In: in, Errors: map[string]string{}}, err
}

func (h *Handlers) registerForm(w http.ResponseWriter, r *http.Request) {
	page, err := h.registerPageFor(r, Registration{DistrictCode: r.URL.Query().Get("district")})
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "register.html", page)
}

type registerDonePage struct {
	web.Page
	Unit     string
	District string
	Username string
}

func (h *Handlers) register(w http.ResponseWriter, r *http.Request) {
	v := r.PostFormValue
	in := Registration{DistrictCode: v("district"), UnitName: v("unit_name"), UnitCode: v("unit_code"), Address: v("address"),
		ContactName: v("contact_name"), ContactPhone: v("contact_phone"), ContactEmail: v("contact_email"),
		Username: v("username"), Password: v("password"), Confirm: v("confirm")}
	page, err := h.registerPageFor(r, in)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	if err := h.RegisterLimiter.Allow(web.ClientIP(r.Context())); err != nil {
		e, _ := errs.As(err)
		page.Summary = web.L(r.Context()).T(e.Msg.Key, e.Msg.Args...)
		h.render(w, r, http.StatusTooManyRequests, "register.html", page)
		return
	}
	org, err := h.Service.Register(r.Context(), in)
	if err != nil {
		fields, summary, ok := web.FormErrors(r, err)
		if !ok {
			h.Server.Error(w, r, err)
			return
		}
		// The first account takes the unit's contact details, so its
		// messages belong beside those fields.
		for from, to := range map[string]string{"phone": "contact_phone", "email": "contact_email", "display_name": "contact_name"} {
			if m, ok := fields[from]; ok {
				if _, has := fields[to]; !has {
					fields[to] = m
				}
				delete(fields, from)
			}
		}
		page.Errors, page.Summary = fields, summary
		h.render(w, r, web.FormStatus(err), "register.html", page)
		return
	}
	l := web.L(r.Context())
	done := registerDonePage{Page: web.PageFor(r, "register.done.title"), Unit: org.Name, Username: in.Username}
	if d, err := h.Service.Org(r.Context(), org.ParentCode); err == nil {
		done.District = d.DisplayName(l.Lang)
	}
	h.render(w, r, http.StatusCreated, "register_done.html", done)
}

// PendingItem is a unit waiting for approval, with its accounts.
type PendingItem struct {
	Organisation
	District    string
	Submitted   string
	Accounts    []Account
	ReasonError string
	Reason      string
}

type registrationsPage struct {
	web.Page
	Items   []PendingItem
	Summary string
}

func (h *Handlers) registrationsPageFor(r *http.Request) (registrationsPage, error) {
	if _, err := requireManager(r); err != nil {
		return registrationsPage{}, err
	}
	orgs, err := h.Service.PendingRegistrations(r.Context())
	if err != nil {
		return registrationsPage{}, err
	}
	l := web.L(r.Context())
	page := registrationsPage{Page: web.PageFor(r, "registrations.title")}
	for _, o := range orgs {
		item := PendingItem{Organisation: o, Submitted: l.DateTime(o.CreatedAt.In(Zone))}
		if _, accs, err := h.Service.OrgAccounts(r.Context(), o.Code); err == nil {
			item.Accounts = accs
		} else {
			return page, err
		}
		if d, err := h.Service.OrgByID(r.Context(), o.ParentID); err == nil {
			item.District = d.DisplayName(l.Lang)
		}
		page.Items = append(page.Items, item)
	}
	return page, nil
}

func (h *Handlers) registrations(w http.ResponseWriter, r *http.Request) {
	page, err := h.registrationsPageFor(r)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "registrations.html", page)
}

func (h *Handlers) decide(approve bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if _, err := requireManager(r); err != nil {
			h.Server.Error(w, r, err)
			return
		}
		code, reason := r.PathValue("code"), r.PostFormValue("reason")
		if _, err := h.Service.VisibleOrg(r.Context(), code); err != nil {
			h.Server.Error(w, r, err)
			return
		}
		err := h.Service.DecideRegistration(r.Context(), code, approve, reason)
		if errs.Is(err, errs.Invalid) {
			page, perr := h.registrationsPageFor(r)
			if perr != nil {
				h.Server.Error(w, r, perr)
				return
			}
			fields, summary, _ := web.FormErrors(r, err)
			for i := range page.Items {
				if page.Items[i].Code == code {
					page.Items[i].ReasonError, page.Items[i].Reason = fields["reason"], reason
				}
			}
			page.Summary = summary
			h.render(w, r, web.FormStatus(err), "registrations.html", page)
			return
		}
		if err != nil {
			h.Server.Error(w, r, err)
			return
		}
		if approve {
			web.SetFlash(w, "registrations.approved")
		} else {
			web.SetFlash(w, "registrations.rejected")
		}
		web.Redirect(w, r, "/admin/registrations")
	}
}
