// Package review is the one review workflow that filings, summary reports
// and news articles share: their states, who may do what to them (one rule
// table), the chain of organisations that review them, the decision
// history and the per-organisation deadline extensions.
package review

import (
	"context"
	"time"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/errs"
)

// State is where a reviewed thing stands.
type State string

// The states. A submitted thing waits at one level of the review chain
// (its stage); approval at the last level makes it approved.
const (
	Draft     State = "draft"
	Submitted State = "submitted"
	Returned  State = "returned"
	Approved  State = "approved"
)

// States lists every state.
var States = []State{Draft, Submitted, Returned, Approved}

// Action is what someone asks to do.
type Action string

// The actions.
const (
	Submit  Action = "submit"
	Approve Action = "approve"
	Return  Action = "return"
	Reopen  Action = "reopen"
	Extend  Action = "extend"
	Remind  Action = "remind"
	Edit    Action = "edit"
)

// Actions lists every action.
var Actions = []Action{Submit, Approve, Return, Reopen, Extend, Remind, Edit}

// Role is how the caller stands to one reviewed thing.
type Role string

// The roles.
const (
	// Author: the filer, coordinator or administrator of the organisation
	// it belongs to, or one who manages that organisation.
	Author Role = "author"
	// Reviewer: a coordinator or administrator of the organisation where
	// it waits now (for extensions and reminders: the campaign's organiser).
	Reviewer Role = "reviewer"
	// OtherLevel: a coordinator or administrator elsewhere on its review
	// chain, above the organisation.
	OtherLevel Role = "other_level"
	// Checkin: check-in staff, who may check visitors in and nothing else.
	Checkin Role = "checkin"
	// Outsider: signed in, with no part in it; it is not even shown.
	Outsider Role = "outsider"
	// Anonymous: not signed in.
	Anonymous Role = "anonymous"
	// System: the server itself (demo loading, jobs).
	System Role = "system"
)

// Roles lists every role.
var Roles = []Role{Author, Reviewer, OtherLevel, Checkin, Outsider, Anonymous, System}

// Rule lets a role take an action from some states to the next.
type Rule struct {
	Action Action
	Role   Role
	// From lists the states it starts from; empty means any.
	From []State
	// To is the next state; empty keeps the state.
	To State
}

// Rules is the review workflow of every kind of thing, in one table. What
// it does not list is refused (see Decide). The system (demo loading,
// jobs) may do what any role may.
var Rules = []Rule{
	{Edit, Author, []State{Draft, Returned}, ""},
	// Editing what is approved starts a new revision; the approved one
	// stays public until the new one is approved.
	{Edit, Author, []State{Approved}, Draft},
	{Submit, Author, []State{Draft, Returned}, Submitted},
	{Reopen, Author, []State{Submitted, Approved}, Draft},
	// Approval at the last level; below it the thing moves up the chain
	// and stays submitted.
	{Approve, Reviewer, []State{Submitted}, Approved},
	{Return, Reviewer, []State{Submitted}, Returned},
	{Remind, Reviewer, nil, ""},
	{Remind, OtherLevel, nil, ""},
	{Extend, Reviewer, nil, ""},
}

// notNow is the reason an allowed action is refused in a state.
var notNow = map[Action]string{
	Submit:  "review.error.not_editable",
	Edit:    "review.error.not_editable",
	Approve: "review.error.not_under_review",
	Return:  "review.error.not_under_review",
	Reopen:  "review.error.not_reopenable",
	Extend:  "review.error.not_editable",
	Remind:  "review.error.not_editable",
}

// Decide looks the action up in Rules: the next state, or the refusal
// with its reason. A role with no rule for the action is Forbidden
// (Unauthenticated when anonymous, NotFound for an outsider, who must not
// learn the thing exists); a role with a rule, in a state the rule does
// not start from, is a Conflict.
func Decide(from State, a Action, r Role) (State, error) {
	allowed := false
	for _, rule := range Rules {
		if rule.Action != a || (rule.Role != r && r != System) {
			continue
		}
		allowed = true
		if len(rule.From) == 0 {
			return from, nil
		}
		for _, s := range rule.From {
			if s == from {
				if rule.To == "" {
					return from, nil
				}
				return rule.To, nil
			}
		}
	}
	switch {
	case allowed:
		return from, errs.New(errs.Conflict, notNow[a])
	case r == Anonymous:
		return from, errs.New(errs.Unauthenticated, "error.unauthenticated")
	case r == Outsider:
		return from, errs.NotFoundf("not visible")
	case r == Checkin:
		return from, errs.New(errs.Forbidden, "review.error.checkin_only")
	}
	return from, errs.New(errs.Forbidden, "review.error.forbidden")
}

// Subject is one reviewed thing as the rules need it.
type Subject struct {
	ID    int64
	Org   account.Organisation // the organisation it belongs to
	State State
	// Stage is the organisation where a submitted thing waits.
	Stage   int64
	Version int
	// Revision is the number of its latest submitted revision.
	Revision int
	// Owner is the campaign's organiser, the last level of the chain.
	Owner int64
	// Proxy lets those who manage the organisation enter a draft for it
	// (a table a unit sent on paper); reports and news are the unit's own.
	Proxy bool
	// Private tells one who may not read the organisation's things that s
	// does not exist (NotFound) rather than why they may not change it; a
	// page named by the organisation's code asks so.
	Private bool
}

// CheckinOnly reports whether the principal is check-in staff and nothing
// more.
func CheckinOnly(p *account.Principal) bool {
	return p != nil && p.Has(account.RoleCheckin) && !p.Has(account.RoleFiler) && !p.Has(account.RoleCoordinator) && !p.Has(account.RoleAdmin)
}

func reviews(p *account.Principal) bool {
	return p.Has(account.RoleCoordinator) || p.Has(account.RoleAdmin)
}

// RoleOf is how the caller stands to s for action a.
func RoleOf(ctx context.Context, s Subject, a Action) Role {
	if account.IsSystem(ctx) {
		return System
	}
	p := account.FromContext(ctx)
	switch {
	case p == nil:
		return Anonymous
	case !p.Org.Contains(s.Org):
		return Outsider
	case CheckinOnly(p):
		return Checkin
	}
	stage := s.Stage
	if a == Extend || a == Remind {
		stage = s.Owner
	}
	if p.Org.ID != s.Org.ID && reviews(p) {
		if stage != 0 && p.Org.ID == stage && (s.State == Submitted || a == Extend || a == Remind) {
			return Reviewer
		}
		if (a == Approve || a == Return) && s.State != Submitted {
			return Reviewer // nothing waits for a decision: told so, not refused
		}
		if a == Edit && s.Proxy && p.CanManage(s.Org) && (s.State == Draft || s.State == Returned) {
			return Author // a district entering what a unit sent on paper
		}
		return OtherLevel
	}
	if p.Org.ID == s.Org.ID && (p.Has(account.RoleFiler) || reviews(p)) {
		return Author
	}
	return Outsider
}

// CanRead reports whether the caller may read what org files: its own
// organisation's and those below it, but not as check-in staff.
func CanRead(ctx context.Context, org account.Organisation) bool {
	if account.IsSystem(ctx) {
		return true
	}
	p := account.FromContext(ctx)
	return p != nil && !CheckinOnly(p) && p.Org.Contains(org)
}

// Late reports whether what is in state st (any other value: not started)
// is late at now: its deadline has passed and it is neither in review nor
// approved. The boards show it.
func Late(st State, deadline, now time.Time) bool {
	return now.After(deadline) && st != Submitted && st != Approved
}

// Chain lists, from the nearest up, the organisations that review what
// org files: every level above it up to the campaign's organiser.
func Chain(org account.Organisation, ownerID int64) []int64 {
	ids := org.AncestorIDs() // root first
	var chain []int64
	for i := len(ids) - 1; i >= 0; i-- {
		chain = append(chain, ids[i])
		if ids[i] == ownerID {
			return chain
		}
	}
	return nil // outside the organiser's tree
}

// next is the level after stage on the chain, or 0 at the last.
func next(chain []int64, stage int64) int64 {
	for i, id := range chain {
		if id == stage && i+1 < len(chain) {
			return chain[i+1]
		}
	}
	return 0
}

// Allowed reports whether the rules let the caller take action a on s
// now, for what a page offers.
func Allowed(ctx context.Context, s Subject, a Action) bool {
	_, err := Decide(s.State, a, RoleOf(ctx, s, a))
	return err == nil
}
