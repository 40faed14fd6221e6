package account

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/sciweek/sciweek/internal/audit"
	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/platform/db"
)

// SessionCookie names the browser's session cookie.
const SessionCookie = "sciweek_session"

// Login checks a username and password and opens a session, returning the
// secret for the cookie. A wrong password counts towards the lock-out.
// Errors: Unauthenticated (generic, whatever was wrong), Forbidden (locked,
// pending or disabled account).
func (s *Service) Login(ctx context.Context, username, password string) (string, *Principal, error) {
	username = strings.ToLower(strings.TrimSpace(username))
	now := s.Clock.Now()
	acc, err := s.Account(ctx, username)
	if errs.Is(err, errs.NotFound) {
		CheckPassword(dummyHash(), password)
		ctx = audit.WithActor(ctx, withName(audit.ActorFrom(ctx), username))
		s.Audit.Record(ctx, s.DB, "login.failed", "account", username, map[string]any{"reason": "unknown user"})
		return "", nil, errs.New(errs.Unauthenticated, "login.error.wrong")
	}
	if err != nil {
		return "", nil, err
	}
	ctx = audit.WithActor(ctx, audit.Actor{ID: acc.ID, Name: acc.Username, OrgID: acc.OrgID, IP: audit.ActorFrom(ctx).IP, UserAgent: audit.ActorFrom(ctx).UserAgent})
	if acc.LockedUntil.After(now) {
		s.Audit.Record(ctx, s.DB, "login.failed", "account", acc.Username, map[string]any{"reason": "locked"})
		mins := int(acc.LockedUntil.Sub(now).Minutes()) + 1
		return "", nil, errs.New(errs.Forbidden, "login.error.locked", mins)
	}
	if !CheckPassword(acc.passwordHash, password) {
		err := s.DB.InTx(ctx, func(tx *db.Tx) error {
			var failures int
			if err := tx.QueryRow(ctx, `UPDATE accounts SET failed_logins = failed_logins + 1 WHERE id = ? RETURNING failed_logins`, acc.ID).Scan(&failures); err != nil {
				return err
			}
			if err := s.Audit.Record(ctx, tx, "login.failed", "account", acc.Username, map[string]any{"reason": "wrong password", "failures": failures}); err != nil {
				return err
			}
			if failures >= s.Config.MaxFailures {
				if _, err := tx.Exec(ctx, `UPDATE accounts SET failed_logins = 0, locked_until = ? WHERE id = ?`, db.At(now.Add(s.Config.LockFor)), acc.ID); err != nil {
					return err
				}
				return s.Audit.Record(ctx, tx, "account.locked", "account", acc.Username, map[string]any{"minutes": int(s.Config.LockFor.Minutes())})
			}
			return nil
		})
		if err != nil {
			return "", nil, err
		}
		return "", nil, errs.New(errs.Unauthenticated, "login.error.wrong")
	}
	switch acc.Status {
	case StatusPending:
		return "", nil, errs.New(errs.Forbidden, "login.error.pending")
	case StatusRejected:
		return "", nil, errs.New(errs.Forbidden, "login.error.rejected")
	case StatusActive:
	default:
		return "", nil, errs.New(errs.Forbidden, "login.error.disabled")
	}
	token, hash := randomToken("s_")
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE accounts SET failed_logins = 0, locked_until = NULL WHERE id = ?`, acc.ID); err != nil {
			return err
		}
		a := audit.ActorFrom(ctx)
		if _, err := tx.Exec(ctx, `INSERT INTO sessions (id, account_id, created_at, last_seen_at, ip, user_agent) VALUES (?, ?, ?, ?, ?, ?)`,
			hash, acc.ID, db.At(now), db.At(now), a.IP, truncate(a.UserAgent, 300)); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, "login", "account", acc.Username, nil)
	})
	if err != nil {
		return "", nil, err
	}
	org, err := s.OrgByID(ctx, acc.OrgID)
	if err != nil {
		return "", nil, err
	}
	return token, &Principal{Account: acc, Org: org, SessionID: hash}, nil
}

func withName(a audit.Actor, name string) audit.Actor { a.Name = name; return a }

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// Logout ends the session of ctx.
func (s *Service) Logout(ctx context.Context) error {
	p := FromContext(ctx)
	if p == nil || p.SessionID == "" {
		return nil
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE id = ?`, p.SessionID); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, "logout", "account", p.Username, nil)
	})
}

// seenEvery limits how often a session's last-seen time is written.
const seenEvery = time.Minute

// SessionPrincipal returns the account of a live session. Errors:
// Unauthenticated when the session is unknown or has expired.
func (s *Service) SessionPrincipal(ctx context.Context, token string) (*Principal, error) {
	hash := hashToken(token)
	var accountID int64
	var created, seen db.Time
	err := s.DB.QueryRow(ctx, `SELECT account_id, created_at, last_seen_at FROM sessions WHERE id = ?`, hash).Scan(&accountID, &created, &seen)
	if err != nil {
		return nil, errs.Wrap(errs.Unauthenticated, err, "error.unauthenticated")
	}
	now := s.Clock.Now()
	if now.Sub(seen.Time) > s.Config.IdleTimeout || now.Sub(created.Time) > s.Config.MaxSessionAge {
		s.DB.Exec(ctx, `DELETE FROM sessions WHERE id = ?`, hash)
		return nil, errs.New(errs.Unauthenticated, "error.session_expired")
	}
	p, err := s.principal(ctx, accountID)
	if err != nil {
		return nil, err
	}
	p.SessionID = hash
	if now.Sub(seen.Time) > seenEvery {
		s.DB.Exec(ctx, `UPDATE sessions SET last_seen_at = ? WHERE id = ?`, db.At(now), hash)
	}
	return p, nil
}

func (s *Service) principal(ctx context.Context, accountID int64) (*Principal, error) {
	acc, err := findAccount(ctx, s.DB, "a.id = ?", accountID)
	if err != nil {
		return nil, errs.Wrap(errs.Unauthenticated, err, "error.unauthenticated")
	}
	if acc.Status != StatusActive {
		return nil, errs.New(errs.Unauthenticated, "error.unauthenticated")
	}
	org, err := s.OrgByID(ctx, acc.OrgID)
	if err != nil {
		return nil, err
	}
	return &Principal{Account: acc, Org: org}, nil
}

// CreateToken makes an API token for the account and returns its secret,
// which is shown once and stored only as a hash. Errors: NotFound.
func (s *Service) CreateToken(ctx context.Context, username, name string) (string, error) {
	acc, err := s.Account(ctx, username)
	if err != nil {
		return "", err
	}
	token, hash := randomToken("sw_")
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO api_tokens (account_id, name, token_hash, created_at) VALUES (?, ?, ?, ?)`, acc.ID, name, hash, s.now()); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, "token.create", "account", acc.Username, map[string]any{"name": name})
	})
	return token, err
}

// TokenPrincipal returns the account an API token acts for. Errors:
// Unauthenticated.
func (s *Service) TokenPrincipal(ctx context.Context, token string) (*Principal, error) {
	hash := hashToken(token)
	var accountID int64
	var lastUsed db.Time
	err := s.DB.QueryRow(ctx, `SELECT account_id, last_used_at FROM api_tokens WHERE token_hash = ? AND revoked_at IS NULL`, hash).Scan(&accountID, &lastUsed)
	if err != nil {
		return nil, errs.Wrap(errs.Unauthenticated, err, "error.token")
	}
	now := s.Clock.Now()
	if now.Sub(lastUsed.Time) > seenEvery {
		s.DB.Exec(ctx, `UPDATE api_tokens SET last_used_at = ? WHERE token_hash = ?`, db.At(now), hash)
	}
	return s.principal(ctx, accountID)
}

// SetLocale remembers the signed-in account's language, for its pages at
// the next login and for the e-mail it is sent; the public has none.
func (s *Service) SetLocale(ctx context.Context, lang string) error {
	p := FromContext(ctx)
	if p == nil || p.Locale == lang {
		return nil
	}
	_, err := s.DB.Exec(ctx, `UPDATE accounts SET locale = ?, updated_at = ? WHERE id = ?`, lang, s.now(), p.ID)
	return err
}

// ChangePassword sets a new password after checking the current one, and
// ends the account's other sessions. Errors: Invalid.
func (s *Service) ChangePassword(ctx context.Context, current, next, confirm string) error {
	p := FromContext(ctx)
	if p == nil {
		return errs.New(errs.Unauthenticated, "error.unauthenticated")
	}
	acc, err := findAccount(ctx, s.DB, "a.id = ?", p.ID)
	if err != nil {
		return err
	}
	f := errs.Fields{}
	if !CheckPassword(acc.passwordHash, current) {
		f.Add("current", "account.error.current_wrong")
	}
	checkPassword(f, "password", acc.Username, next)
	if next != confirm {
		f.Add("confirm", "account.error.confirm")
	}
	if err := f.Err(); err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE accounts SET password_hash = ?, password_changed_at = ?, updated_at = ? WHERE id = ?`, HashPassword(next), s.now(), s.now(), acc.ID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE account_id = ? AND id <> ?`, acc.ID, p.SessionID); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, "account.password", "account", acc.Username, nil)
	})
}

// Authenticate is the web middleware hook: it reads the bearer token or the
// session cookie and attaches the account and the audit actor to the
// request context.
func (s *Service) Authenticate(w http.ResponseWriter, r *http.Request, clientIP string) (context.Context, error) {
	ctx := r.Context()
	actor := audit.Actor{IP: clientIP, UserAgent: r.UserAgent()}
	var p *Principal
	if h := r.Header.Get("Authorization"); h != "" {
		token, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			return ctx, errs.New(errs.Unauthenticated, "error.token")
		}
		var err error
		if p, err = s.TokenPrincipal(ctx, strings.TrimSpace(token)); err != nil {
			return ctx, err
		}
	} else if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
		p, err = s.SessionPrincipal(ctx, c.Value)
		if err != nil {
			// A stale cookie is forgotten; the request goes on as the public.
			http.SetCookie(w, &http.Cookie{Name: SessionCookie, Path: "/", MaxAge: -1, HttpOnly: true})
			p = nil
		}
	}
	if p != nil {
		ctx = WithPrincipal(ctx, p)
		actor.ID, actor.Name, actor.OrgID = p.ID, p.Username, p.OrgID
	}
	return audit.WithActor(ctx, actor), nil
}
