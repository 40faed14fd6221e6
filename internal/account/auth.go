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
// secret for the cookie. Failures are counted per username and client
// address: MaxFailures in a row from one address lock that address out of
// that username for LockFor, while the real user elsewhere can still log
// in; AccountCeiling failures from anywhere lock the username itself, for
// longer each time. Unknown usernames are counted and answered exactly as
// real ones, so neither the answer nor the lock tells whether one exists.
// Errors: Unauthenticated (generic, whatever was wrong), Forbidden (locked,
// pending or disabled account).
func (s *Service) Login(ctx context.Context, username, password string) (string, *Principal, error) {
	username = strings.ToLower(strings.TrimSpace(username))
	now := s.Clock.Now()
	ip := audit.ActorFrom(ctx).IP
	ctx = audit.WithActor(ctx, withName(audit.ActorFrom(ctx), username))
	if until, err := s.lockedUntil(ctx, username, ip, now); err != nil {
		return "", nil, err
	} else if until.After(now) {
		CheckPassword(dummyHash(), password)
		s.Audit.Record(ctx, s.DB, "login.failed", "account", username, map[string]any{"reason": "locked"})
		return "", nil, errs.New(errs.Forbidden, "login.error.locked", int(until.Sub(now).Minutes())+1)
	}
	acc, err := s.Account(ctx, username)
	if err != nil && !errs.Is(err, errs.NotFound) {
		return "", nil, err
	}
	known := err == nil
	if known {
		ctx = audit.WithActor(ctx, audit.Actor{ID: acc.ID, Name: acc.Username, OrgID: acc.OrgID, IP: ip, UserAgent: audit.ActorFrom(ctx).UserAgent})
	}
	if !known || !CheckPassword(acc.passwordHash, password) {
		if !known {
			CheckPassword(dummyHash(), password)
		}
		if err := s.loginFailed(ctx, username, ip, known, now); err != nil {
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
		if _, err := tx.Exec(ctx, `DELETE FROM login_throttle WHERE username = ? AND ip IN (?, '')`, acc.Username, ip); err != nil {
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

// accountIP is the address of a username's own throttle row, which counts
// its failures from every address.
const accountIP = ""

// lockedUntil is when the later of the username's locks — from ip, and
// for every address — ends; zero when there is none.
func (s *Service) lockedUntil(ctx context.Context, username, ip string, now time.Time) (time.Time, error) {
	rows, err := s.DB.Query(ctx, `SELECT locked_until FROM login_throttle WHERE username = ? AND ip IN (?, ?) AND locked_until IS NOT NULL`, username, ip, accountIP)
	if err != nil {
		return time.Time{}, err
	}
	defer rows.Close()
	var until time.Time
	for rows.Next() {
		var t db.Time
		if err := rows.Scan(&t); err != nil {
			return time.Time{}, err
		}
		if t.After(until) {
			until = t.Time
		}
	}
	return until, rows.Err()
}

// loginFailed counts a failed login for the username from ip and from
// anywhere, locking either when it reaches its limit.
func (s *Service) loginFailed(ctx context.Context, username, ip string, known bool, now time.Time) error {
	cfg := s.Config
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		count := func(ip string, forget time.Duration) (int, error) {
			var n int
			err := tx.QueryRow(ctx, `INSERT INTO login_throttle (username, ip, failures, updated_at) VALUES (?, ?, 1, ?)
				ON CONFLICT (username, ip) DO UPDATE SET failures = CASE WHEN login_throttle.updated_at < ? THEN 1 ELSE login_throttle.failures + 1 END,
				updated_at = excluded.updated_at RETURNING failures`, username, ip, db.At(now), db.At(now.Add(-forget))).Scan(&n)
			return n, err
		}
		pair, err := count(ip, cfg.LockFor)
		if err != nil {
			return err
		}
		all, err := count(accountIP, 24*time.Hour)
		if err != nil {
			return err
		}
		if err := s.Audit.Record(ctx, tx, "login.failed", "account", username, map[string]any{"reason": "wrong password", "failures": pair}); err != nil {
			return err
		}
		lock := func(ip string, d time.Duration, reset bool) error {
			q := `UPDATE login_throttle SET locked_until = ? WHERE username = ? AND ip = ?`
			if reset {
				q = `UPDATE login_throttle SET locked_until = ?, failures = 0 WHERE username = ? AND ip = ?`
			}
			if _, err := tx.Exec(ctx, q, db.At(now.Add(d)), username, ip); err != nil {
				return err
			}
			if known && ip == accountIP {
				if _, err := tx.Exec(ctx, `UPDATE accounts SET locked_until = ? WHERE username = ?`, db.At(now.Add(d)), username); err != nil {
					return err
				}
			}
			scope := "address"
			if ip == accountIP {
				scope = "account"
			}
			return s.Audit.Record(ctx, tx, "account.locked", "account", username, map[string]any{"minutes": int(d.Minutes()), "scope": scope})
		}
		if pair >= cfg.MaxFailures {
			if err := lock(ip, cfg.LockFor, true); err != nil {
				return err
			}
		}
		// Past the ceiling, every further MaxFailures failures lock the
		// username for twice as long as the last time, up to a day.
		if over := all - cfg.AccountCeiling; cfg.AccountCeiling > 0 && over >= 0 && over%cfg.MaxFailures == 0 {
			return lock(accountIP, min(cfg.LockFor<<min(over/cfg.MaxFailures, 8), 24*time.Hour), false)
		}
		return nil
	})
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
	return s.insertToken(ctx, acc, name, time.Time{})
}

// TokenPrincipal returns the account an API token acts for. Errors:
// Unauthenticated.
func (s *Service) TokenPrincipal(ctx context.Context, token string) (*Principal, error) {
	hash := hashToken(token)
	var accountID int64
	var lastUsed, expires db.Time
	err := s.DB.QueryRow(ctx, `SELECT account_id, last_used_at, expires_at FROM api_tokens WHERE token_hash = ? AND revoked_at IS NULL`, hash).Scan(&accountID, &lastUsed, &expires)
	if err != nil {
		return nil, errs.Wrap(errs.Unauthenticated, err, "error.token")
	}
	now := s.Clock.Now()
	if !expires.IsZero() && !expires.After(now) {
		return nil, errs.New(errs.Unauthenticated, "error.token")
	}
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
		n, err := s.revokeTokensOf(ctx, tx, acc.ID, "password")
		if err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, "account.password", "account", acc.Username, map[string]any{"tokens_revoked": n})
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
