// Package audit keeps the append-only record of who did what to which
// object, when and from where. The database refuses to change or delete a
// stored event; this package only ever inserts and reads.
package audit

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/sciweek/sciweek/internal/platform/db"
)

// Event is one audited action.
type Event struct {
	ID         int64     `json:"id"`
	At         time.Time `json:"at"`
	ActorID    int64     `json:"actor_id,omitempty"`
	ActorName  string    `json:"actor"`
	OrgID      int64     `json:"org_id,omitempty"`
	Action     string    `json:"action"`
	ObjectType string    `json:"object_type,omitempty"`
	ObjectID   string    `json:"object_id,omitempty"`
	Detail     string    `json:"detail,omitempty"`
	IP         string    `json:"ip,omitempty"`
	UserAgent  string    `json:"user_agent,omitempty"`
}

// Actor is who acts, from where.
type Actor struct {
	ID        int64
	Name      string
	OrgID     int64
	IP        string
	UserAgent string
}

type actorKey struct{}

// WithActor attaches the acting person to ctx; the authentication
// middleware does this for every request.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor attached to ctx.
func ActorFrom(ctx context.Context) Actor {
	a, _ := ctx.Value(actorKey{}).(Actor)
	return a
}

// Log writes and reads audit events.
type Log struct {
	DB  *db.DB
	Now func() time.Time
}

// Record appends an event for the actor of ctx, inside q (a transaction
// when the action itself is written in one, so both land or neither does).
// detail is stored as JSON.
func (l *Log) Record(ctx context.Context, q db.Querier, action, objectType string, objectID any, detail map[string]any) error {
	a := ActorFrom(ctx)
	var d string
	if len(detail) > 0 {
		b, _ := json.Marshal(detail)
		d = string(b)
	}
	var oid string
	switch v := objectID.(type) {
	case nil:
	case int64:
		oid = strconv.FormatInt(v, 10)
	case string:
		oid = v
	default:
		b, _ := json.Marshal(v)
		oid = strings.Trim(string(b), `"`)
	}
	var actorID, orgID any
	if a.ID != 0 {
		actorID = a.ID
	}
	if a.OrgID != 0 {
		orgID = a.OrgID
	}
	ua := a.UserAgent
	if len(ua) > 300 {
		ua = ua[:300]
	}
	_, err := q.Exec(ctx, `INSERT INTO audit_events (at, actor_id, actor_name, org_id, action, object_type, object_id, detail, ip, user_agent)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		db.At(l.Now()), actorID, a.Name, orgID, action, objectType, oid, d, a.IP, ua)
	return err
}

// Filter narrows a listing of events.
type Filter struct {
	Action string // prefix, e.g. "login"
	Actor  string // actor name
	From   time.Time
	To     time.Time
	// OrgPath limits events to actors in this part of the tree; empty means all.
	OrgPath string
	Offset  int
	Limit   int
}

// List returns the events matching f, newest first, and how many match.
func (l *Log) List(ctx context.Context, f Filter) ([]Event, int, error) {
	where := []string{"1=1"}
	var args []any
	if f.Action != "" {
		where = append(where, "e.action LIKE ?")
		args = append(args, f.Action+"%")
	}
	if f.Actor != "" {
		where = append(where, "e.actor_name = ?")
		args = append(args, f.Actor)
	}
	if !f.From.IsZero() {
		where = append(where, "e.at >= ?")
		args = append(args, db.At(f.From))
	}
	if !f.To.IsZero() {
		where = append(where, "e.at < ?")
		args = append(args, db.At(f.To))
	}
	if f.OrgPath != "" {
		where = append(where, "(e.org_id IS NULL OR e.org_id IN (SELECT id FROM organisations WHERE path LIKE ?))")
		args = append(args, f.OrgPath+"%")
	}
	w := strings.Join(where, " AND ")
	var total int
	if err := l.DB.QueryRow(ctx, `SELECT COUNT(*) FROM audit_events e WHERE `+w, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	rows, err := l.DB.Query(ctx, `SELECT e.id, e.at, COALESCE(e.actor_id, 0), e.actor_name, COALESCE(e.org_id, 0), e.action, e.object_type, e.object_id, e.detail, e.ip, e.user_agent
		FROM audit_events e WHERE `+w+` ORDER BY e.id DESC LIMIT ? OFFSET ?`, append(args, f.Limit, f.Offset)...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		var at db.Time
		if err := rows.Scan(&e.ID, &at, &e.ActorID, &e.ActorName, &e.OrgID, &e.Action, &e.ObjectType, &e.ObjectID, &e.Detail, &e.IP, &e.UserAgent); err != nil {
			return nil, 0, err
		}
		e.At = at.Time
		out = append(out, e)
	}
	return out, total, rows.Err()
}
