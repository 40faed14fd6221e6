package account

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/platform/db"
	"github.com/sciweek/sciweek/internal/validate"
	"github.com/sciweek/sciweek/internal/web"
)

// Token is an API token as its owner and the organiser see it; the secret
// itself is shown once, when it is made.
type Token struct {
	ID        int64      `json:"id"`
	Name      string     `json:"name"`
	Username  string     `json:"username"`
	CreatedAt time.Time  `json:"created_at"`
	LastUsed  *time.Time `json:"last_used_at,omitempty"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

// Active reports whether the token still opens the API at now.
func (t Token) Active(now time.Time) bool {
	return t.RevokedAt == nil && (t.ExpiresAt == nil || t.ExpiresAt.After(now))
}

// Tokens lists the caller's tokens, or, for the organiser (an
// administrator of a root organisation), every account's. Errors:
// Unauthenticated.
func (s *Service) Tokens(ctx context.Context) ([]Token, error) {
	p := FromContext(ctx)
	if p == nil {
		return nil, errs.New(errs.Unauthenticated, "error.unauthenticated")
	}
	where, args := "t.account_id = ?", []any{p.ID}
	if p.Has(RoleAdmin) {
		// An administrator sees the tokens of every account in its tree.
		where, args = "(t.account_id = ? OR o.path LIKE ?)", []any{p.ID, p.Org.Path + "%"}
	}
	rows, err := s.DB.Query(ctx, `SELECT t.id, t.name, a.username, t.created_at, t.last_used_at, t.expires_at, t.revoked_at
		FROM api_tokens t JOIN accounts a ON a.id = t.account_id JOIN organisations o ON o.id = a.org_id
		WHERE `+where+` ORDER BY t.revoked_at IS NOT NULL, t.id DESC`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Token
	for rows.Next() {
		var t Token
		var created, used, expires, revoked db.Time
		if err := rows.Scan(&t.ID, &t.Name, &t.Username, &created, &used, &expires, &revoked); err != nil {
			return nil, err
		}
		t.CreatedAt = created.In(Zone)
		t.LastUsed, t.ExpiresAt, t.RevokedAt = optTime(used), optTime(expires), optTime(revoked)
		out = append(out, t)
	}
	return out, rows.Err()
}

func optTime(t db.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	v := t.In(Zone)
	return &v
}

// AddToken makes a named API token for the caller, ending at expires when
// that is not zero, and returns its secret. Errors: Unauthenticated,
// Invalid (no name, a name too long, an end in the past).
func (s *Service) AddToken(ctx context.Context, name string, expires time.Time) (string, error) {
	p := FromContext(ctx)
	if p == nil {
		return "", errs.New(errs.Unauthenticated, "error.unauthenticated")
	}
	if p.SessionID == "" {
		// A token cannot breed tokens: only a person signed in may.
		return "", errs.ForbiddenErr()
	}
	name = strings.TrimSpace(name)
	f := errs.Fields{}
	switch {
	case name == "":
		f.Add("name", "error.required")
	case validate.TooLong(name, 60):
		f.Add("name", "error.too_long", 60)
	}
	if !expires.IsZero() && !expires.After(s.Clock.Now()) {
		f.Add("expires", "security.tokens.error.past")
	}
	if err := f.Err(); err != nil {
		return "", err
	}
	return s.insertToken(ctx, p.Account, name, expires)
}

func (s *Service) insertToken(ctx context.Context, acc Account, name string, expires time.Time) (string, error) {
	token, hash := randomToken("sw_")
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO api_tokens (account_id, name, token_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
			acc.ID, name, hash, s.now(), db.At(expires)); err != nil {
			return err
		}
		details := map[string]any{"name": name}
		if !expires.IsZero() {
			details["expires"] = expires.In(Zone).Format(time.DateOnly)
		}
		return s.Audit.Record(ctx, tx, "token.create", "account", acc.Username, details)
	})
	return token, err
}

// RevokeToken ends a token at once. Its owner may, and an administrator
// above the owner's organisation. Errors: NotFound (also for a token the
// caller may not see), Unauthenticated.
func (s *Service) RevokeToken(ctx context.Context, id int64) error {
	p := FromContext(ctx)
	if p == nil {
		return errs.New(errs.Unauthenticated, "error.unauthenticated")
	}
	var owner int64
	var username, name string
	var orgID int64
	err := s.DB.QueryRow(ctx, `SELECT t.account_id, a.username, a.org_id, t.name FROM api_tokens t JOIN accounts a ON a.id = t.account_id WHERE t.id = ?`, id).
		Scan(&owner, &username, &orgID, &name)
	if err != nil {
		return errs.Wrap(errs.NotFound, err, "error.not_found")
	}
	if owner != p.ID {
		org, err := s.OrgByID(ctx, orgID)
		if err != nil || !p.IsOrganiser(org) {
			return errs.New(errs.NotFound, "error.not_found")
		}
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE api_tokens SET revoked_at = ?, revoked_by = ? WHERE id = ? AND revoked_at IS NULL`, s.now(), p.Username, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // already revoked
		}
		return s.Audit.Record(ctx, tx, "token.revoke", "account", username, map[string]any{"name": name, "token": id})
	})
}

// revokeTokensOf ends every token of an account, as a password change
// does: whoever had the old password may have made one.
func (s *Service) revokeTokensOf(ctx context.Context, tx *db.Tx, accountID int64, why string) (int64, error) {
	res, err := tx.Exec(ctx, `UPDATE api_tokens SET revoked_at = ?, revoked_by = ? WHERE account_id = ? AND revoked_at IS NULL`, s.now(), why, accountID)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// TokenRow is a token as the settings page lists it.
type TokenRow struct {
	Token
	Created, Used, Expires, Revoked string
	Mine, Active                    bool
}

type tokensPage struct {
	web.Page
	Rows    []TokenRow
	All     bool
	Secret  string
	Name    string
	Expires string
	Errors  map[string]string
	Summary string
}

func (h *Handlers) tokensPage(r *http.Request) (tokensPage, error) {
	p, err := RequireLogin(r)
	if err != nil {
		return tokensPage{}, err
	}
	ts, err := h.Service.Tokens(r.Context())
	if err != nil {
		return tokensPage{}, err
	}
	l := web.L(r.Context())
	now := h.Service.Clock.Now()
	page := tokensPage{Page: web.PageFor(r, "security.tokens.title"), All: p.Has(RoleAdmin), Errors: map[string]string{}}
	show := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return l.DateTime(*t)
	}
	for _, t := range ts {
		page.Rows = append(page.Rows, TokenRow{Token: t, Created: l.DateTime(t.CreatedAt), Used: show(t.LastUsed), Expires: show(t.ExpiresAt),
			Revoked: show(t.RevokedAt), Mine: t.Username == p.Username, Active: t.Active(now)})
	}
	return page, nil
}

func (h *Handlers) tokens(w http.ResponseWriter, r *http.Request) {
	page, err := h.tokensPage(r)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "tokens.html", page)
}

func (h *Handlers) addToken(w http.ResponseWriter, r *http.Request) {
	page, err := h.tokensPage(r)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	page.Name, page.Expires = r.PostFormValue("name"), strings.TrimSpace(r.PostFormValue("expires"))
	var expires time.Time
	if page.Expires != "" {
		d, err := time.ParseInLocation(time.DateOnly, page.Expires, Zone)
		if err != nil {
			page.Errors["expires"] = web.L(r.Context()).T("error.date")
			h.render(w, r, web.FormStatus(errs.New(errs.Invalid, "error.date")), "tokens.html", page)
			return
		}
		expires = d.AddDate(0, 0, 1) // to the end of the day chosen
	}
	secret, err := h.Service.AddToken(r.Context(), page.Name, expires)
	if err != nil {
		fields, summary, ok := web.FormErrors(r, err)
		if !ok {
			h.Server.Error(w, r, err)
			return
		}
		page.Errors, page.Summary = fields, summary
		h.render(w, r, web.FormStatus(err), "tokens.html", page)
		return
	}
	page, err = h.tokensPage(r)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	page.Secret = secret
	w.Header().Set("Cache-Control", "no-store")
	h.render(w, r, http.StatusCreated, "tokens.html", page)
}

func (h *Handlers) revokeToken(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r, "id")
	if err == nil {
		err = h.Service.RevokeToken(r.Context(), id)
	}
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	if web.IsAPI(r) {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	web.SetFlash(w, "security.tokens.revoked")
	web.Redirect(w, r, "/account/tokens")
}

func (h *Handlers) apiTokens(w http.ResponseWriter, r *http.Request) {
	if _, err := RequireLogin(r); err != nil {
		h.Server.Error(w, r, err)
		return
	}
	ts, err := h.Service.Tokens(r.Context())
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	if ts == nil {
		ts = []Token{}
	}
	web.JSON(w, r, http.StatusOK, web.List[Token]{Items: ts, Total: len(ts), Page: 1, PerPage: len(ts)})
}
