package account

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/sciweek/sciweek/internal/audit"
	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/platform/clock"
	"github.com/sciweek/sciweek/internal/platform/db"
	"github.com/sciweek/sciweek/internal/validate"
)

// Config holds the account rules an operator may change.
type Config struct {
	// IdleTimeout ends a session nobody used for this long.
	IdleTimeout time.Duration
	// MaxSessionAge ends any session this long after login.
	MaxSessionAge time.Duration
	// MaxFailures failed logins in a row from one address lock that
	// address out of the account …
	MaxFailures int
	// … for LockFor.
	LockFor time.Duration
	// AccountCeiling failed logins within a day, from any address, lock
	// the account itself, for LockFor and then twice as long each time.
	AccountCeiling int
}

// DefaultConfig is the configuration when nothing is set.
var DefaultConfig = Config{IdleTimeout: 30 * time.Minute, MaxSessionAge: 12 * time.Hour, MaxFailures: 5, LockFor: 10 * time.Minute, AccountCeiling: 50}

// Service runs organisations, accounts, sessions and tokens.
type Service struct {
	DB     *db.DB
	Audit  *audit.Log
	Clock  clock.Clock
	Config Config
}

type systemKey struct{}

// AsSystem marks ctx as acting for the operator at the shell (the CLI, the
// demo loader), which may do anything.
func AsSystem(ctx context.Context) context.Context {
	ctx = context.WithValue(ctx, systemKey{}, true)
	return audit.WithActor(ctx, audit.Actor{Name: "system"})
}

// IsSystem reports whether ctx acts for the operator at the shell.
func IsSystem(ctx context.Context) bool { v, _ := ctx.Value(systemKey{}).(bool); return v }

func isSystem(ctx context.Context) bool { return IsSystem(ctx) }

func (s *Service) now() db.Time { return db.At(s.Clock.Now()) }

// OrgInput is what is needed to create or change an organisation.
type OrgInput struct {
	ParentCode   string
	Code         string
	Name         string
	NameEn       string
	Kind         Kind
	ContactName  string
	ContactPhone string
	ContactEmail string
	Address      string
}

func (in *OrgInput) normalize() {
	in.Code = strings.ToLower(strings.TrimSpace(in.Code))
	in.Name = strings.TrimSpace(in.Name)
	in.NameEn = strings.TrimSpace(in.NameEn)
	in.ParentCode = strings.ToLower(strings.TrimSpace(in.ParentCode))
	in.ContactName = strings.TrimSpace(in.ContactName)
	in.ContactPhone = strings.TrimSpace(in.ContactPhone)
	in.ContactEmail = strings.TrimSpace(in.ContactEmail)
	in.Address = strings.TrimSpace(in.Address)
}

func (in OrgInput) validate(f errs.Fields) {
	if in.Name == "" {
		f.Add("name", "org.error.name_required")
	} else if validate.TooLong(in.Name, 100) {
		f.Add("name", "error.too_long", 100)
	}
	if !validate.IsCode(in.Code) {
		f.Add("code", "org.error.code")
	} else if reservedCodes[in.Code] {
		f.Add("code", "orgs.error.code_reserved")
	}
	if in.Kind != KindBureau && in.Kind != KindUnit {
		f.Add("kind", "org.error.kind")
	}
	if in.ContactPhone != "" && !validate.IsPhone(in.ContactPhone) {
		f.Add("contact_phone", "error.phone")
	}
	if in.ContactEmail != "" && !validate.IsEmail(in.ContactEmail) {
		f.Add("contact_email", "error.email")
	}
}

// CreateOrg adds an organisation under ParentCode (or a root when empty,
// for the system only). Errors: Invalid, Forbidden, Conflict (code taken).
func (s *Service) CreateOrg(ctx context.Context, in OrgInput) (Organisation, error) {
	in.normalize()
	f := errs.Fields{}
	in.validate(f)
	if err := f.Err(); err != nil {
		return Organisation{}, err
	}
	var org Organisation
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		var err error
		org, err = s.createOrg(ctx, tx, in, StatusActive)
		return err
	})
	return org, err
}

func (s *Service) createOrg(ctx context.Context, tx *db.Tx, in OrgInput, status Status) (Organisation, error) {
	var parent *Organisation
	if in.ParentCode != "" {
		p, err := findOrg(ctx, tx, "o.code = ?", in.ParentCode)
		if errs.Is(err, errs.NotFound) {
			return Organisation{}, &errs.Error{Code: errs.Invalid, Msg: errs.Msg{Key: "error.invalid"}, Fields: map[string]errs.Msg{"parent": {Key: "org.error.parent_unknown"}}}
		}
		if err != nil {
			return Organisation{}, err
		}
		parent = &p
	}
	if !isSystem(ctx) && status == StatusActive {
		if parent == nil || !FromContext(ctx).CanCreateUnder(*parent, in.Kind) {
			return Organisation{}, errs.ForbiddenErr()
		}
	}
	if parent != nil && parent.Kind != KindBureau {
		return Organisation{}, &errs.Error{Code: errs.Invalid, Msg: errs.Msg{Key: "error.invalid"}, Fields: map[string]errs.Msg{"parent": {Key: "org.error.parent_not_bureau"}}}
	}
	org := Organisation{Code: in.Code, Name: in.Name, NameEn: in.NameEn, Kind: in.Kind, ContactName: in.ContactName,
		ContactPhone: in.ContactPhone, ContactEmail: in.ContactEmail, Address: in.Address, Status: status}
	if err := insertOrg(ctx, tx, &org, parent, s.now()); err != nil {
		if db.IsUniqueViolation(err) {
			return org, &errs.Error{Code: errs.Conflict, Msg: errs.Msg{Key: "org.error.code_taken"}, Fields: map[string]errs.Msg{"code": {Key: "org.error.code_taken"}}}
		}
		return org, err
	}
	return org, s.Audit.Record(ctx, tx, "org.create", "organisation", org.Code, map[string]any{"name": org.Name, "parent": in.ParentCode, "kind": org.Kind, "status": status})
}

// UpdateOrg changes an organisation's names and contacts. Errors: Invalid,
// Forbidden, NotFound.
func (s *Service) UpdateOrg(ctx context.Context, code string, in OrgInput) (Organisation, error) {
	in.normalize()
	org, err := s.Org(ctx, code)
	if err != nil {
		return org, err
	}
	if !isSystem(ctx) && !FromContext(ctx).CanManage(org) && !FromContext(ctx).IsOrganiser(org) {
		return org, errs.ForbiddenErr()
	}
	in.Code, in.Kind = org.Code, org.Kind
	f := errs.Fields{}
	in.validate(f)
	if err := f.Err(); err != nil {
		return org, err
	}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE organisations SET name = ?, name_en = ?, contact_name = ?, contact_phone = ?, contact_email = ?, address = ?, updated_at = ? WHERE id = ?`,
			in.Name, in.NameEn, in.ContactName, in.ContactPhone, in.ContactEmail, in.Address, s.now(), org.ID)
		if err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, "org.update", "organisation", org.Code, map[string]any{"name": in.Name})
	})
	if err != nil {
		return org, err
	}
	return s.Org(ctx, code)
}

// Org returns the organisation with the code. Errors: NotFound.
func (s *Service) Org(ctx context.Context, code string) (Organisation, error) {
	return findOrg(ctx, s.DB, "o.code = ?", strings.ToLower(code))
}

// OrgFor returns the organisation with the code to a signed-in caller, in
// one step for a request acting on it. Errors: Unauthenticated, NotFound.
func (s *Service) OrgFor(ctx context.Context, code string) (Organisation, error) {
	if FromContext(ctx) == nil && !IsSystem(ctx) {
		return Organisation{}, errs.New(errs.Unauthenticated, "error.unauthenticated")
	}
	return s.Org(ctx, code)
}

// OrgByID returns the organisation with the id. Errors: NotFound.
func (s *Service) OrgByID(ctx context.Context, id int64) (Organisation, error) {
	return findOrg(ctx, s.DB, "o.id = ?", id)
}

// Changed names the state of the organisations: the newest, and when the
// last one changed (an index lookup each). What is counted from the
// organisations may be kept until it is another.
func (s *Service) Changed(ctx context.Context) (string, error) {
	var newest int64
	var changed db.Time
	err := s.DB.QueryRow(ctx, `SELECT (SELECT COALESCE(MAX(id), 0) FROM organisations), (SELECT MAX(updated_at) FROM organisations)`).Scan(&newest, &changed)
	return fmt.Sprintf("%d/%d", newest, changed.UnixNano()), err
}

// Subtree lists org and everything below it, in tree order.
func (s *Service) Subtree(ctx context.Context, org Organisation) ([]Organisation, error) {
	return listOrgs(ctx, s.DB, "o.path LIKE ?", org.Path+"%")
}

// Districts lists the active bureaus a unit may register under: every
// lowest bureau below a root, or the roots themselves when they stand
// alone.
func (s *Service) Districts(ctx context.Context) ([]Organisation, error) {
	all, err := listOrgs(ctx, s.DB, "o.kind = 'bureau' AND o.status = 'active'")
	if err != nil {
		return nil, err
	}
	// A district is a bureau with no bureau below it: the lowest level of
	// the tree, however many levels (national, province, city) sit above.
	above := map[int64]bool{}
	for _, o := range all {
		above[o.ParentID] = true
	}
	var below []Organisation
	for _, o := range all {
		if o.Depth > 0 && !above[o.ID] {
			below = append(below, o)
		}
	}
	if len(below) == 0 {
		return all, nil
	}
	return below, nil
}

// AccountInput is what is needed to create an account.
type AccountInput struct {
	OrgCode     string
	Username    string
	DisplayName string
	Email       string
	Phone       string
	Password    string
	// PasswordHash, set by the system only, is used instead of Password:
	// the demo's accounts share one password, hashed once.
	PasswordHash string
	Roles        []Role
}

func (in *AccountInput) normalize() {
	in.OrgCode = strings.ToLower(strings.TrimSpace(in.OrgCode))
	in.Username = strings.ToLower(strings.TrimSpace(in.Username))
	in.DisplayName = strings.TrimSpace(in.DisplayName)
	in.Email = strings.TrimSpace(in.Email)
	in.Phone = strings.TrimSpace(in.Phone)
}

func checkPassword(f errs.Fields, field, username, password string) {
	if key, args := WeakPassword(username, password); key != "" {
		f.Add(field, key, args...)
	}
}

func (in AccountInput) validate(f errs.Fields) {
	if !validate.IsUsername(in.Username) {
		f.Add("username", "account.error.username")
	}
	if validate.TooLong(in.DisplayName, 60) {
		f.Add("display_name", "error.too_long", 60)
	}
	if in.Email != "" && !validate.IsEmail(in.Email) {
		f.Add("email", "error.email")
	}
	if in.Phone != "" && !validate.IsPhone(in.Phone) {
		f.Add("phone", "error.phone")
	}
	if in.PasswordHash == "" {
		checkPassword(f, "password", in.Username, in.Password)
	}
}

// CreateAccount adds an account to an organisation. Errors: Invalid,
// Forbidden, Conflict (username taken).
func (s *Service) CreateAccount(ctx context.Context, in AccountInput) (Account, error) {
	in.normalize()
	if !isSystem(ctx) {
		in.PasswordHash = ""
	}
	f := errs.Fields{}
	in.validate(f)
	if err := f.Err(); err != nil {
		return Account{}, err
	}
	hash := in.PasswordHash
	if hash == "" {
		hash = HashPassword(in.Password)
	}
	var acc Account
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		org, err := findOrg(ctx, tx, "o.code = ?", in.OrgCode)
		if errs.Is(err, errs.NotFound) {
			return &errs.Error{Code: errs.Invalid, Msg: errs.Msg{Key: "error.invalid"}, Fields: map[string]errs.Msg{"org": {Key: "org.error.unknown"}}}
		}
		if err != nil {
			return err
		}
		if err := s.checkRoles(ctx, org, in.Roles); err != nil {
			return err
		}
		acc, err = s.createAccount(ctx, tx, org, in, StatusActive, hash)
		return err
	})
	return acc, err
}

// checkRoles refuses roles the acting person may not hand out.
func (s *Service) checkRoles(ctx context.Context, org Organisation, roles []Role) error {
	if isSystem(ctx) {
		return nil
	}
	p := FromContext(ctx)
	if !p.CanManage(org) && !p.IsOrganiser(org) {
		return errs.ForbiddenErr()
	}
	for _, r := range roles {
		switch r {
		case RoleAdmin:
			if !p.IsOrganiser(org) {
				return errs.New(errs.Forbidden, "account.error.role_not_allowed")
			}
		case RoleCoordinator:
			if org.Kind != KindBureau {
				return &errs.Error{Code: errs.Invalid, Msg: errs.Msg{Key: "error.invalid"}, Fields: map[string]errs.Msg{"roles": {Key: "account.error.coordinator_needs_bureau"}}}
			}
		}
	}
	return nil
}

func (s *Service) createAccount(ctx context.Context, tx *db.Tx, org Organisation, in AccountInput, status Status, hash string) (Account, error) {
	acc := Account{OrgID: org.ID, Username: in.Username, DisplayName: in.DisplayName, Email: in.Email, Phone: in.Phone, Status: status, Roles: in.Roles}
	now := s.now()
	err := tx.QueryRow(ctx, `INSERT INTO accounts (org_id, username, display_name, email, phone, password_hash, status, password_changed_at, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		org.ID, acc.Username, acc.DisplayName, acc.Email, acc.Phone, hash, status, now, now, now).Scan(&acc.ID)
	if db.IsUniqueViolation(err) {
		return acc, &errs.Error{Code: errs.Conflict, Msg: errs.Msg{Key: "account.error.username_taken"}, Fields: map[string]errs.Msg{"username": {Key: "account.error.username_taken"}}}
	}
	if err != nil {
		return acc, err
	}
	acc.CreatedAt = now.Time
	if err := setRoles(ctx, tx, acc.ID, in.Roles); err != nil {
		return acc, err
	}
	return acc, s.Audit.Record(ctx, tx, "account.create", "account", acc.Username, map[string]any{"org": org.Code, "roles": rolesString(in.Roles), "status": status})
}

// Account returns the account with the username. Errors: NotFound.
func (s *Service) Account(ctx context.Context, username string) (Account, error) {
	return findAccount(ctx, s.DB, "a.username = ?", strings.ToLower(strings.TrimSpace(username)))
}

// AccountByID returns the account with the id. Errors: NotFound.
func (s *Service) AccountByID(ctx context.Context, id int64) (Account, error) {
	return findAccount(ctx, s.DB, "a.id = ?", id)
}

// Accounts lists the accounts of an organisation.
func (s *Service) Accounts(ctx context.Context, org Organisation) ([]Account, error) {
	return listAccounts(ctx, s.DB, "a.org_id = ?", org.ID)
}

// SetRoles replaces an account's roles. Errors: Forbidden, NotFound, Invalid.
func (s *Service) SetRoles(ctx context.Context, username string, roles []Role) error {
	acc, err := s.Account(ctx, username)
	if err != nil {
		return err
	}
	org, err := s.OrgByID(ctx, acc.OrgID)
	if err != nil {
		return err
	}
	if err := s.checkRoles(ctx, org, roles); err != nil {
		return err
	}
	if p := FromContext(ctx); p != nil && p.ID == acc.ID && acc.Has(RoleAdmin) && !hasRole(roles, RoleAdmin) {
		return errs.New(errs.Conflict, "account.error.own_admin")
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := setRoles(ctx, tx, acc.ID, roles); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, "account.roles", "account", acc.Username, map[string]any{"from": rolesString(acc.Roles), "to": rolesString(roles)})
	})
}

// SetStatus enables or disables an account. Errors: Invalid (another
// status), Forbidden, NotFound, Conflict.
func (s *Service) SetStatus(ctx context.Context, username string, status Status) error {
	if status != StatusActive && status != StatusDisabled {
		return &errs.Error{Code: errs.Invalid, Msg: errs.Msg{Key: "error.invalid"}, Fields: map[string]errs.Msg{"status": {Key: "orgs.error.status"}}}
	}
	acc, err := s.Account(ctx, username)
	if err != nil {
		return err
	}
	org, err := s.OrgByID(ctx, acc.OrgID)
	if err != nil {
		return err
	}
	p := FromContext(ctx)
	if !isSystem(ctx) && !p.CanManage(org) && !p.IsOrganiser(org) {
		return errs.ForbiddenErr()
	}
	if p != nil && p.ID == acc.ID {
		return errs.New(errs.Conflict, "account.error.own_status")
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE accounts SET status = ?, failed_logins = 0, locked_until = NULL, updated_at = ? WHERE id = ?`, status, s.now(), acc.ID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM login_throttle WHERE username = ?`, acc.Username); err != nil {
			return err
		}
		if status != StatusActive {
			if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE account_id = ?`, acc.ID); err != nil {
				return err
			}
		}
		return s.Audit.Record(ctx, tx, "account.status", "account", acc.Username, map[string]any{"from": acc.Status, "to": status})
	})
}

func hasRole(rs []Role, r Role) bool {
	for _, x := range rs {
		if x == r {
			return true
		}
	}
	return false
}

// randomToken returns a new secret and its stored hash.
func randomToken(prefix string) (token, hash string) {
	b := make([]byte, 20)
	rand.Read(b)
	token = prefix + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
	return token, hashToken(token)
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}
