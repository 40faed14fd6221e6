package account

import (
	"context"
	"crypto/rand"
	"strings"
	"time"

	"github.com/sciweek/sciweek/internal/audit"
	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/platform/clock"
)

// Zone is the time zone in which dates typed by people are read.
var Zone = clock.Zone

// reservedCodes are path segments of the administration pages, which an
// organisation's code must not shadow.
var reservedCodes = map[string]bool{"new": true, "import": true}

// IsManager reports whether p administers or coordinates organisations.
func (p *Principal) IsManager() bool {
	return p != nil && (p.Has(RoleAdmin) || p.Has(RoleCoordinator))
}

// BoardRoot is the organisation whose part of the tree a board shows: the
// caller's for an organiser or a coordinator, the whole campaign's (its
// owner's) for the system's own work such as reminders. Errors: Forbidden.
func (s *Service) BoardRoot(ctx context.Context, ownerOrgID int64) (Organisation, error) {
	if IsSystem(ctx) {
		return s.OrgByID(ctx, ownerOrgID)
	}
	p := FromContext(ctx)
	if !p.IsManager() {
		return Organisation{}, errs.ForbiddenErr()
	}
	return p.Org, nil
}

// CanSee reports whether org lies in p's part of the tree.
func (p *Principal) CanSee(org Organisation) bool {
	return p != nil && p.Org.Contains(org)
}

// CanCreateUnder reports whether p may add an organisation of the kind
// under parent: an administrator anywhere in its subtree, a coordinator
// only units, under its own bureau or a bureau below it.
func (p *Principal) CanCreateUnder(parent Organisation, kind Kind) bool {
	if p == nil || !p.Org.Contains(parent) {
		return false
	}
	if p.Has(RoleAdmin) {
		return true
	}
	return p.Has(RoleCoordinator) && kind == KindUnit
}

// OrgNode is an organisation in a listing, with how many accounts it has.
type OrgNode struct {
	Organisation
	AccountCount int `json:"account_count"`
}

// ManagedOrgs lists the caller's organisation and everything below it, in
// tree order, with their account counts. Errors: Unauthenticated.
func (s *Service) ManagedOrgs(ctx context.Context) ([]OrgNode, error) {
	p := FromContext(ctx)
	if p == nil {
		return nil, errs.New(errs.Unauthenticated, "error.unauthenticated")
	}
	orgs, err := s.Subtree(ctx, p.Org)
	if err != nil {
		return nil, err
	}
	counts := map[int64]int{}
	rows, err := s.DB.Query(ctx, `SELECT a.org_id, COUNT(*) FROM accounts a JOIN organisations o ON o.id = a.org_id WHERE o.path LIKE ? GROUP BY a.org_id`, p.Org.Path+"%")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, err
		}
		counts[id] = n
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]OrgNode, 0, len(orgs))
	for _, o := range orgs {
		out = append(out, OrgNode{Organisation: o, AccountCount: counts[o.ID]})
	}
	return out, nil
}

// VisibleOrg returns the organisation with the code when it lies in the
// caller's part of the tree. Errors: Unauthenticated, NotFound (also for an
// organisation elsewhere, so that its existence is not told).
func (s *Service) VisibleOrg(ctx context.Context, code string) (Organisation, error) {
	p := FromContext(ctx)
	if p == nil && !isSystem(ctx) {
		return Organisation{}, errs.New(errs.Unauthenticated, "error.unauthenticated")
	}
	org, err := s.Org(ctx, code)
	if err != nil {
		return org, err
	}
	if !isSystem(ctx) && !p.CanSee(org) {
		return Organisation{}, errs.NotFoundf("organisation %s outside %s", code, p.Org.Code)
	}
	return org, nil
}

// OrgAccounts lists the accounts of an organisation the caller manages or
// coordinates. Errors: Unauthenticated, Forbidden, NotFound.
func (s *Service) OrgAccounts(ctx context.Context, code string) (Organisation, []Account, error) {
	org, err := s.VisibleOrg(ctx, code)
	if err != nil {
		return org, nil, err
	}
	if !isSystem(ctx) && !FromContext(ctx).IsManager() {
		return org, nil, errs.ForbiddenErr()
	}
	accs, err := s.Accounts(ctx, org)
	return org, accs, err
}

// AuditFilter narrows the audit log as an administrator asks for it.
type AuditFilter struct {
	Action string
	Actor  string
	// From and To are calendar days in Zone, both included; zero means open.
	From, To time.Time
	Offset   int
	Limit    int
}

// AuditLog lists the audit events of the caller's part of the tree, newest
// first, and how many match. Only administrators may read it. Errors:
// Unauthenticated, Forbidden.
func (s *Service) AuditLog(ctx context.Context, f AuditFilter) ([]audit.Event, int, error) {
	p := FromContext(ctx)
	if p == nil {
		return nil, 0, errs.New(errs.Unauthenticated, "error.unauthenticated")
	}
	if !p.Has(RoleAdmin) {
		return nil, 0, errs.ForbiddenErr()
	}
	af := audit.Filter{Action: strings.TrimSpace(f.Action), Actor: strings.ToLower(strings.TrimSpace(f.Actor)),
		OrgPath: p.Org.Path, Offset: f.Offset, Limit: f.Limit}
	if !f.From.IsZero() {
		af.From = dayStart(f.From)
	}
	if !f.To.IsZero() {
		af.To = dayStart(f.To).AddDate(0, 0, 1)
	}
	return s.Audit.List(ctx, af)
}

func dayStart(t time.Time) time.Time {
	t = t.In(Zone)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, Zone)
}

// newUnitCode returns a fresh code for a unit that was given none: "u"
// and six letters or digits.
func newUnitCode() string {
	const alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
	b := make([]byte, 6)
	rand.Read(b)
	out := []byte{'u'}
	for _, v := range b {
		out = append(out, alphabet[int(v)%len(alphabet)])
	}
	return string(out)
}
