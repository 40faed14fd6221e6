package account

import (
	"embed"
	"net/http"
	"strconv"
	"time"

	"github.com/sciweek/sciweek/internal/audit"
	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/web"
)

//go:embed templates/*.html
var Templates embed.FS

// Handlers serves the login, account and organisation pages.
type Handlers struct {
	Service *Service
	Server  *web.Server
	Audit   *audit.Log
	// LoginLimiter slows password guessing from one address.
	LoginLimiter *web.Limiter
	// RegisterLimiter slows sign-up spam from one address.
	RegisterLimiter *web.Limiter
}

// Routes registers the pages.
func (h *Handlers) Routes(mux web.Router) {
	mux.HandleFunc("GET /login", h.loginForm)
	mux.HandleFunc("POST /login", h.login)
	mux.HandleFunc("POST /logout", h.logout)
	mux.HandleFunc("GET /account/password", h.passwordForm)
	mux.HandleFunc("POST /account/password", h.changePassword)
	mux.HandleFunc("GET /lang/{lang}", h.switchLanguage)
	mux.HandleFunc("POST /lang/{lang}", h.switchLanguage)
	mux.HandleFunc("GET /api/v1/me", h.apiMe)
	mux.HandleFunc("GET /account/tokens", h.tokens)
	mux.HandleFunc("POST /account/tokens", h.addToken)
	mux.HandleFunc("POST /account/tokens/{id}/revoke", h.revokeToken)
	mux.HandleFunc("GET /api/v1/tokens", h.apiTokens)
	mux.HandleFunc("DELETE /api/v1/tokens/{id}", h.revokeToken)

	mux.HandleFunc("GET /register", h.registerForm)
	mux.HandleFunc("POST /register", h.register)
	mux.HandleFunc("GET /admin/registrations", h.registrations)
	mux.HandleFunc("POST /admin/registrations/{code}/approve", h.decide(true))
	mux.HandleFunc("POST /admin/registrations/{code}/reject", h.decide(false))
	mux.HandleFunc("GET /admin/orgs", h.orgTree)
	mux.HandleFunc("GET /admin/orgs/new", h.orgNewForm)
	mux.HandleFunc("POST /admin/orgs/new", h.orgCreate)
	mux.HandleFunc("GET /admin/orgs/import", h.importForm)
	mux.HandleFunc("POST /admin/orgs/import", h.importPost)
	mux.HandleFunc("GET /admin/orgs/{code}", h.orgShow)
	mux.HandleFunc("POST /admin/orgs/{code}", h.orgUpdate)
	mux.HandleFunc("POST /admin/orgs/{code}/accounts", h.accountCreate)
	mux.HandleFunc("POST /admin/orgs/{code}/accounts/{username}/roles", h.accountRoles)
	mux.HandleFunc("POST /admin/orgs/{code}/accounts/{username}/status", h.accountStatus)
	mux.HandleFunc("GET /admin/audit", h.auditLog)
	mux.HandleFunc("GET /api/v1/organisations", h.apiOrganisations)
	mux.HandleFunc("GET /api/v1/audit", h.apiAudit)
}

// RequireLogin returns the signed-in account or an Unauthenticated error.
func RequireLogin(r *http.Request) (*Principal, error) {
	p := FromContext(r.Context())
	if p == nil {
		return nil, errs.New(errs.Unauthenticated, "error.unauthenticated")
	}
	return p, nil
}

type loginPage struct {
	web.Page
	Username string
	Next     string
	Error    string
}

func (h *Handlers) loginForm(w http.ResponseWriter, r *http.Request) {
	next := web.SafeNext(r.URL.Query().Get("next"), "/dashboard")
	if FromContext(r.Context()) != nil {
		web.Redirect(w, r, next)
		return
	}
	h.Server.Renderer.Render(w, r, http.StatusOK, "account/login.html", loginPage{Page: web.PageFor(r, "login.title"), Next: next})
}

func (h *Handlers) login(w http.ResponseWriter, r *http.Request) {
	username, password := r.PostFormValue("username"), r.PostFormValue("password")
	next := web.SafeNext(r.PostFormValue("next"), "/dashboard")
	page := loginPage{Page: web.PageFor(r, "login.title"), Username: username, Next: next}
	if err := h.LoginLimiter.Allow(web.ClientIP(r.Context())); err != nil {
		if e, ok := errs.As(err); ok {
			w.Header().Set("Retry-After", strconv.Itoa(int(e.RetryAfter.Seconds())+1))
		}
		page.Error = web.L(r.Context()).T("error.rate_limited")
		h.Server.Renderer.Render(w, r, http.StatusTooManyRequests, "account/login.html", page)
		return
	}
	token, p, err := h.Service.Login(r.Context(), username, password)
	if err != nil {
		e, ok := errs.As(err)
		if !ok {
			h.Server.Error(w, r, err)
			return
		}
		page.Error = web.L(r.Context()).T(e.Msg.Key, e.Msg.Args...)
		h.Server.Renderer.Render(w, r, web.FormStatus(err), "account/login.html", page)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: token, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: web.SecureCookies(r.Context()), MaxAge: int(h.Service.Config.MaxSessionAge / time.Second)})
	if p.Locale != "" {
		http.SetCookie(w, &http.Cookie{Name: web.LangCookie, Value: p.Locale, Path: "/", MaxAge: 365 * 24 * 3600, SameSite: http.SameSiteLaxMode})
	}
	web.Redirect(w, r, next)
}

func (h *Handlers) logout(w http.ResponseWriter, r *http.Request) {
	if err := h.Service.Logout(r.Context()); err != nil {
		h.Server.Error(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Path: "/", MaxAge: -1, HttpOnly: true})
	// The offline check-in's ticket list and cached pages leave the device
	// with the account.
	w.Header().Set("Clear-Site-Data", `"cache", "storage"`)
	web.SetFlash(w, "login.logged_out")
	web.Redirect(w, r, "/")
}

type passwordPage struct {
	web.Page
	Errors  map[string]string
	Summary string
}

func (h *Handlers) passwordForm(w http.ResponseWriter, r *http.Request) {
	if _, err := RequireLogin(r); err != nil {
		h.Server.Error(w, r, err)
		return
	}
	h.Server.Renderer.Render(w, r, http.StatusOK, "account/password.html", passwordPage{Page: web.PageFor(r, "password.title")})
}

func (h *Handlers) changePassword(w http.ResponseWriter, r *http.Request) {
	if _, err := RequireLogin(r); err != nil {
		h.Server.Error(w, r, err)
		return
	}
	err := h.Service.ChangePassword(r.Context(), r.PostFormValue("current"), r.PostFormValue("password"), r.PostFormValue("confirm"))
	if err != nil {
		fields, summary, ok := web.FormErrors(r, err)
		if !ok {
			h.Server.Error(w, r, err)
			return
		}
		h.Server.Renderer.Render(w, r, web.FormStatus(err), "account/password.html",
			passwordPage{Page: web.PageFor(r, "password.title"), Errors: fields, Summary: summary})
		return
	}
	web.SetFlash(w, "password.changed")
	web.Redirect(w, r, "/dashboard")
}

func (h *Handlers) switchLanguage(w http.ResponseWriter, r *http.Request) {
	lang := r.PathValue("lang")
	if lang != "zh-CN" && lang != "en" {
		lang = "zh-CN"
	}
	http.SetCookie(w, &http.Cookie{Name: web.LangCookie, Value: lang, Path: "/", MaxAge: 365 * 24 * 3600, SameSite: http.SameSiteLaxMode})
	next := r.URL.Query().Get("next")
	// A link only sets the cookie: a GET changes nothing stored. The
	// signed-in menu posts the choice (cross-site posts are refused), which
	// also sets the language of the person's e-mail.
	if r.Method == http.MethodPost {
		next = r.PostFormValue("next")
		if err := h.Service.SetLocale(r.Context(), lang); err != nil {
			h.Server.Error(w, r, err)
			return
		}
	}
	web.Redirect(w, r, web.SafeNext(next, "/"))
}

type meResponse struct {
	Username    string       `json:"username"`
	DisplayName string       `json:"display_name"`
	Roles       []Role       `json:"roles"`
	Org         Organisation `json:"organisation"`
}

func (h *Handlers) apiMe(w http.ResponseWriter, r *http.Request) {
	p, err := RequireLogin(r)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	web.JSON(w, r, http.StatusOK, meResponse{Username: p.Username, DisplayName: p.DisplayName, Roles: p.Roles, Org: p.Org})
}
