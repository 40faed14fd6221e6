package review

import (
	"context"
	"strings"
	"time"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/audit"
	"github.com/sciweek/sciweek/internal/campaign"
	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/platform/clock"
	"github.com/sciweek/sciweek/internal/platform/db"
)

// Kind is one kind of reviewed thing and where it is stored. Its table
// has the columns state, stage_org_id, version and updated_at; its events
// table those of Event.
type Kind struct {
	// Name prefixes the audit actions ("filing", "report", "news").
	Name string
	// Table holds the things; Events their history, keyed by EventsColumn.
	Table, Events, EventsColumn string
	// Changed, when set, is told of each decision inside the transaction
	// that records it, so that what it queues exists exactly when the
	// decision does.
	Changed func(ctx context.Context, tx *db.Tx, ch Change) error
}

// Notifier is told of each decision inside the transaction that records
// it, so the notice to the organisation decided on exists exactly when the
// decision does.
type Notifier interface {
	Decided(ctx context.Context, tx *db.Tx, d Told) error
}

// Told is a decision as the organisation decided on is told of it:
// which kind of thing, its title and page, and the change with its
// comment.
type Told struct {
	Kind     string
	Campaign campaign.Campaign
	Title    string
	Link     string
	Change
}

// Telling is k with each decision told to n (nil tells no one), about the
// thing of campaign c titled title, whose page is link.
func (k Kind) Telling(n Notifier, c campaign.Campaign, title, link string) Kind {
	if n == nil {
		return k
	}
	k.Changed = func(ctx context.Context, tx *db.Tx, ch Change) error {
		return n.Decided(ctx, tx, Told{Kind: k.Name, Campaign: c, Title: title, Link: link, Change: ch})
	}
	return k
}

// Outcome says what a decision did.
type Outcome string

// The outcomes told to Kind.Changed.
const (
	OutcomeReturned  Outcome = "returned"  // sent back with a comment
	OutcomeForwarded Outcome = "forwarded" // approved at one level, on to the next
	OutcomeApproved  Outcome = "approved"  // approved at the last level
)

// Change is a decision as those who are told of it need it.
type Change struct {
	Outcome Outcome
	Subject Subject
	Comment string
	// Items is how many items were commented on when returned.
	Items int
	// ByOrg is the name of the deciding organisation.
	ByOrg string
}

// Step is what a kind does beside the engine's move, in its transaction.
type Step struct {
	// Set adds columns to the move's UPDATE, e.g. "revision = revision + 1".
	Set  string
	Args []any
	// Then runs after the move; to is the new state.
	Then func(tx *db.Tx, to State) error
}

// Engine runs the rules on the database.
type Engine struct {
	DB    *db.DB
	Audit *audit.Log
	Clock clock.Clock
}

func (e *Engine) now() db.Time { return db.At(e.Clock.Now()) }

// Check applies the rules to the caller taking action a on s, and records
// a refusal in the audit log. It returns the next state.
func (e *Engine) Check(ctx context.Context, k Kind, s Subject, a Action) (State, error) {
	role := RoleOf(ctx, s, a)
	to, err := Decide(s.State, a, role)
	if err != nil && role != Anonymous && role != Outsider {
		e.Audit.Record(ctx, e.DB, k.Name+".refused", k.Name, s.ID, map[string]any{"action": a, "role": role, "state": s.State, "code": errs.CodeOf(err)})
	}
	return to, err
}

// CheckAt is Check for one who acts on the version they saw: to its
// organisation and its reviewers, a version changed since is the reason it
// is refused (409), before the state it is in now.
func (e *Engine) CheckAt(ctx context.Context, k Kind, s Subject, version int, a Action) (State, error) {
	if version != s.Version {
		// A reviewer whose turn has passed (another decided first) is told
		// so, not that they may not decide.
		r, decision := RoleOf(ctx, s, a), a == Approve || a == Return
		if r == System || (decision && (r == Reviewer || r == OtherLevel)) || (!decision && r == Author) {
			e.Check(ctx, k, s, a) // audited if refused
			return s.State, staleFor(a)
		}
	}
	return e.Check(ctx, k, s, a)
}

// Place returns the organisation and the campaign of a reviewed thing, as
// the rules need them, whoever asks.
func Place(ctx context.Context, accounts *account.Service, campaigns *campaign.Service, orgID int64, campaignSlug string) (account.Organisation, campaign.Campaign, error) {
	org, err := accounts.OrgByID(ctx, orgID)
	if err != nil {
		return org, campaign.Campaign{}, err
	}
	c, err := campaigns.Get(account.AsSystem(ctx), campaignSlug)
	return org, c, err
}

// Stale is the refusal of a decision on a version someone else changed.
func Stale() error { return errs.New(errs.Conflict, "review.error.stale") }

// Changed is the refusal of a change or submission on a version changed
// since (in another tab, or by someone else).
func Changed() error { return errs.New(errs.Conflict, "review.error.changed") }

func staleFor(a Action) error {
	if a == Approve || a == Return {
		return Stale()
	}
	return Changed()
}

// move changes s's state and stage if it is still at version.
func (e *Engine) move(ctx context.Context, tx *db.Tx, k Kind, s Subject, a Action, to State, stage int64, st Step) error {
	set := "state = ?, stage_org_id = ?, version = version + 1, updated_at = ?"
	args := []any{to, nullID(stage), e.now()}
	if st.Set != "" {
		set += ", " + st.Set
		args = append(args, st.Args...)
	}
	res, err := tx.Exec(ctx, `UPDATE `+k.Table+` SET `+set+` WHERE id = ? AND version = ?`, append(args, s.ID, s.Version)...)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return staleFor(a)
	}
	if st.Then != nil {
		return st.Then(tx, to)
	}
	return nil
}

// run checks the rule and the version, then moves s in one transaction
// with its event and audit record.
func (e *Engine) run(ctx context.Context, k Kind, s Subject, version int, a Action, fn func(tx *db.Tx, to State) error) error {
	to, err := e.CheckAt(ctx, k, s, version, a)
	if err != nil {
		return err
	}
	return e.DB.InTx(ctx, func(tx *db.Tx) error { return fn(tx, to) })
}

// Submit sends s for review at the first level of its chain; the
// organiser's own needs no one above it and is approved at once. It
// returns the new state. Errors: Forbidden, NotFound, Conflict.
func (e *Engine) Submit(ctx context.Context, k Kind, s Subject, version int, st Step) (State, error) {
	chain := Chain(s.Org, s.Owner)
	if len(chain) == 0 && s.Org.ID != s.Owner {
		return s.State, errs.ForbiddenErr()
	}
	var to State
	err := e.run(ctx, k, s, version, Submit, func(tx *db.Tx, next State) error {
		to = next
		var stage int64
		if len(chain) > 0 {
			stage = chain[0]
		} else {
			to = Approved
		}
		if err := e.move(ctx, tx, k, s, Submit, to, stage, st); err != nil {
			return err
		}
		return e.record(ctx, tx, k, s.ID, s.Revision+1, Submit, "", "", map[string]any{"state": to})
	})
	return to, err
}

// Approve passes s at the caller's level: on to the next level, or, at the
// organiser, approved. It reports whether that was the last level.
// Errors: Forbidden, NotFound, Conflict (not under review, or decided by
// someone else first).
func (e *Engine) Approve(ctx context.Context, k Kind, s Subject, version int, comment, byOrg string, st Step) (bool, error) {
	comment = strings.TrimSpace(comment)
	final := false
	err := e.run(ctx, k, s, version, Approve, func(tx *db.Tx, to State) error {
		nextOrg := next(Chain(s.Org, s.Owner), s.Stage)
		final = nextOrg == 0
		ch := Change{Outcome: OutcomeApproved, Subject: s, Comment: comment, ByOrg: byOrg}
		if !final {
			to, ch.Outcome = Submitted, OutcomeForwarded
			st = Step{Then: st.Then} // what approval sets waits for the last level
		}
		if err := e.move(ctx, tx, k, s, Approve, to, nextOrg, st); err != nil {
			return err
		}
		if err := e.record(ctx, tx, k, s.ID, s.Revision, Approve, "", comment, map[string]any{"revision": s.Revision, "final": final}); err != nil {
			return err
		}
		return e.changed(ctx, tx, k, ch)
	})
	return final, err
}

// Return sends s back to its organisation with a comment, and optionally
// one on each item at fault (by uid). Errors: Invalid (no comment, on the
// field "comment"), Forbidden, NotFound, Conflict.
func (e *Engine) Return(ctx context.Context, k Kind, s Subject, version int, comment string, items map[string]string, byOrg string, st Step) error {
	comment = strings.TrimSpace(comment)
	some := comment != ""
	for uid, text := range items {
		if strings.TrimSpace(text) == "" {
			delete(items, uid)
		} else {
			some = true
		}
	}
	if _, err := e.CheckAt(ctx, k, s, version, Return); err != nil {
		return err
	}
	if !some {
		return &errs.Error{Code: errs.Invalid, Msg: errs.Msg{Key: "review.error.return_comment"}, Fields: map[string]errs.Msg{"comment": {Key: "review.error.return_comment"}}}
	}
	return e.run(ctx, k, s, version, Return, func(tx *db.Tx, to State) error {
		if err := e.move(ctx, tx, k, s, Return, to, 0, st); err != nil {
			return err
		}
		if err := e.record(ctx, tx, k, s.ID, s.Revision, Return, "", comment, map[string]any{"revision": s.Revision, "comment": comment, "items": len(items)}); err != nil {
			return err
		}
		for uid, text := range items {
			if err := e.Event(ctx, tx, k, s.ID, s.Revision, "comment", uid, strings.TrimSpace(text)); err != nil {
				return err
			}
		}
		return e.changed(ctx, tx, k, Change{Outcome: OutcomeReturned, Subject: s, Comment: comment, Items: len(items), ByOrg: byOrg})
	})
}

// Reopen takes a submitted or approved s back into a draft so its
// organisation can change it; the change goes through review again, and
// an approved revision stays public until then. Errors: Forbidden,
// NotFound, Conflict.
func (e *Engine) Reopen(ctx context.Context, k Kind, s Subject, version int, st Step) error {
	return e.run(ctx, k, s, version, Reopen, func(tx *db.Tx, to State) error {
		if err := e.move(ctx, tx, k, s, Reopen, to, 0, st); err != nil {
			return err
		}
		return e.record(ctx, tx, k, s.ID, s.Revision, Reopen, "", "", nil)
	})
}

// Edit checks that the caller may change s now, before the transaction
// that stores the change. It returns the state s takes: Draft when s was
// approved, for which that transaction calls Revise. Errors: Forbidden,
// NotFound, Conflict.
func (e *Engine) Edit(ctx context.Context, k Kind, s Subject) (State, error) {
	return e.Check(ctx, k, s, Edit)
}

// Revise takes approved s into a draft, in tx, for a new revision that goes
// through review; the approved revision stays public until then. It does
// nothing to s in any other state.
func (e *Engine) Revise(ctx context.Context, tx *db.Tx, k Kind, s Subject) error {
	if s.State != Approved {
		return nil
	}
	if err := e.move(ctx, tx, k, s, Edit, Draft, 0, Step{}); err != nil {
		return err
	}
	return e.record(ctx, tx, k, s.ID, s.Revision, Reopen, "", "", map[string]any{"edit": true})
}

// Write is one change of s by its organisation, or by those entering it
// for it: it checks that the caller may change s now (Forbidden or
// Conflict, audited; NotFound to one who may not read a private s, so its
// existence is not revealed), then in one transaction calls stored for s as it is stored
// (created if need be), takes an approved s into a draft for a new
// revision that goes through review, and calls write. An error of stored
// or write stores nothing.
func (e *Engine) Write(ctx context.Context, k Kind, s Subject, stored func(tx *db.Tx) (Subject, error), write func(tx *db.Tx) error) error {
	if s.Private && !CanRead(ctx, s.Org) {
		return errs.NotFoundf("organisation %s", s.Org.Code)
	}
	if _, err := e.Check(ctx, k, s, Edit); err != nil {
		return err
	}
	return e.DB.InTx(ctx, func(tx *db.Tx) error {
		cur, err := stored(tx)
		if err != nil {
			return err
		}
		if err := e.Revise(ctx, tx, k, cur); err != nil {
			return err
		}
		return write(tx)
	})
}

func (e *Engine) record(ctx context.Context, tx *db.Tx, k Kind, id int64, rev int, a Action, uid, comment string, detail map[string]any) error {
	if err := e.Event(ctx, tx, k, id, rev, string(a), uid, comment); err != nil {
		return err
	}
	return e.Audit.Record(ctx, tx, k.Name+"."+string(a), k.Name, id, detail)
}

func (e *Engine) changed(ctx context.Context, tx *db.Tx, k Kind, ch Change) error {
	if k.Changed == nil {
		return nil
	}
	return k.Changed(ctx, tx, ch)
}

// Event is one step in a history.
type Event struct {
	Revision  int       `json:"revision"`
	Action    string    `json:"action"` // submit, approve, return, reopen, comment, …
	ActorName string    `json:"actor"`
	OrgID     int64     `json:"-"`
	OrgName   string    `json:"organisation"`
	ItemUID   string    `json:"item,omitempty"`
	Comment   string    `json:"comment,omitempty"`
	At        time.Time `json:"at"`
}

// Event adds a step to the history of thing id, as the caller's.
func (e *Engine) Event(ctx context.Context, tx *db.Tx, k Kind, id int64, rev int, action, itemUID, comment string) error {
	a := audit.ActorFrom(ctx)
	var orgID any
	if p := account.FromContext(ctx); p != nil {
		orgID = p.OrgID
	}
	_, err := tx.Exec(ctx, `INSERT INTO `+k.Events+` (`+k.EventsColumn+`, revision, action, actor_id, actor_name, org_id, item_uid, comment, at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, rev, action, nullID(a.ID), a.Name, orgID, itemUID, comment, e.now())
	return err
}

// History lists the steps of thing id, oldest first.
func (e *Engine) History(ctx context.Context, k Kind, id int64) ([]Event, error) {
	rows, err := e.DB.Query(ctx, `SELECT e.revision, e.action, e.actor_name, COALESCE(e.org_id, 0), COALESCE(o.name, ''), e.item_uid, e.comment, e.at
		FROM `+k.Events+` e LEFT JOIN organisations o ON o.id = e.org_id WHERE e.`+k.EventsColumn+` = ? ORDER BY e.id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var ev Event
		var at db.Time
		if err := rows.Scan(&ev.Revision, &ev.Action, &ev.ActorName, &ev.OrgID, &ev.OrgName, &ev.ItemUID, &ev.Comment, &at); err != nil {
			return nil, err
		}
		ev.At = at.In(clock.Zone)
		out = append(out, ev)
	}
	return out, rows.Err()
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}
