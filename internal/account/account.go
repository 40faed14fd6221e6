// Package account holds the organisation tree (city bureau → district
// bureaus → units, of any depth), the people who log in for them, their
// roles, sessions and API tokens.
package account

import (
	"context"
	"strconv"
	"strings"
	"time"
)

// Role is what an account may do at its organisation.
type Role string

// The roles.
const (
	// RoleAdmin is the organiser's administrator: runs campaigns and the
	// organisations below its own.
	RoleAdmin Role = "admin"
	// RoleCoordinator acts for a district bureau: reviews and approves its units.
	RoleCoordinator Role = "coordinator"
	// RoleFiler fills in the tables and reports of its unit.
	RoleFiler Role = "filer"
	// RoleCheckin scans tickets at a venue.
	RoleCheckin Role = "checkin"
)

// Roles lists every role in display order.
var Roles = []Role{RoleAdmin, RoleCoordinator, RoleFiler, RoleCheckin}

// ParseRole returns the role named s.
func ParseRole(s string) (Role, bool) {
	for _, r := range Roles {
		if string(r) == s {
			return r, true
		}
	}
	return "", false
}

// Kind says whether an organisation coordinates others or files itself.
type Kind string

// The kinds of organisation.
const (
	KindBureau Kind = "bureau"
	KindUnit   Kind = "unit"
)

// Status is the life state of an organisation or account.
type Status string

// The statuses.
const (
	StatusActive   Status = "active"
	StatusPending  Status = "pending"
	StatusRejected Status = "rejected"
	StatusDisabled Status = "disabled"
)

// Organisation is a node of the tree.
type Organisation struct {
	ID           int64     `json:"-"`
	ParentID     int64     `json:"-"`
	Code         string    `json:"code"`
	Name         string    `json:"name"`
	NameEn       string    `json:"name_en,omitempty"`
	Kind         Kind      `json:"kind"`
	Path         string    `json:"-"`
	Depth        int       `json:"depth"`
	ContactName  string    `json:"contact_name,omitempty"`
	ContactPhone string    `json:"contact_phone,omitempty"`
	ContactEmail string    `json:"contact_email,omitempty"`
	Address      string    `json:"address,omitempty"`
	Status       Status    `json:"status"`
	CreatedAt    time.Time `json:"created_at"`
	// ParentCode is filled by listings.
	ParentCode string `json:"parent,omitempty"`
}

// DisplayName returns the name in the language, falling back to Chinese.
func (o Organisation) DisplayName(lang string) string {
	if lang == "en" && o.NameEn != "" {
		return o.NameEn
	}
	return o.Name
}

// Contains reports whether other is o or lies below it.
func (o Organisation) Contains(other Organisation) bool {
	return o.Path != "" && strings.HasPrefix(other.Path, o.Path)
}

// AncestorIDs lists the ids on the path from the root down to o's parent.
func (o Organisation) AncestorIDs() []int64 {
	var ids []int64
	for _, s := range strings.Split(strings.Trim(o.Path, "/"), "/") {
		id, err := strconv.ParseInt(s, 10, 64)
		if err == nil && id != o.ID {
			ids = append(ids, id)
		}
	}
	return ids
}

// Below is the id of the organisation right below ancestor on o's path:
// o itself when it sits right below, false when ancestor is not above o
// (or is o).
func (o Organisation) Below(ancestor int64) (int64, bool) {
	ids := append(o.AncestorIDs(), o.ID)
	for i, id := range ids[:len(ids)-1] {
		if id == ancestor {
			return ids[i+1], true
		}
	}
	return 0, false
}

// Account is a person's login.
type Account struct {
	ID           int64     `json:"-"`
	OrgID        int64     `json:"-"`
	Username     string    `json:"username"`
	DisplayName  string    `json:"display_name"`
	Email        string    `json:"email,omitempty"`
	Phone        string    `json:"phone,omitempty"`
	Locale       string    `json:"locale,omitempty"`
	Status       Status    `json:"status"`
	Roles        []Role    `json:"roles"`
	FailedLogins int       `json:"-"`
	LockedUntil  time.Time `json:"-"`
	CreatedAt    time.Time `json:"created_at"`
	passwordHash string
}

// Has reports whether the account holds role.
func (a Account) Has(r Role) bool {
	for _, x := range a.Roles {
		if x == r {
			return true
		}
	}
	return false
}

// Principal is the signed-in account acting on a request.
type Principal struct {
	Account
	Org Organisation
	// SessionID is the hashed session id; empty when acting with a token.
	SessionID string
}

type principalKey struct{}

// WithPrincipal attaches p to ctx.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// FromContext returns the signed-in account, or nil for the public.
func FromContext(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey{}).(*Principal)
	return p
}

// IsOrganiser reports whether p administers org or an organisation above it.
func (p *Principal) IsOrganiser(org Organisation) bool {
	return p != nil && p.Has(RoleAdmin) && p.Org.Contains(org)
}

// CanManage reports whether p may change org and its accounts: an
// administrator anywhere in its subtree, a coordinator for the units and
// bureaus below its own.
func (p *Principal) CanManage(org Organisation) bool {
	if p == nil || !p.Org.Contains(org) {
		return false
	}
	if p.Has(RoleAdmin) {
		return true
	}
	return p.Has(RoleCoordinator) && org.ID != p.Org.ID
}
