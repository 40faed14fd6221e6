package notify

import (
	"context"
	"encoding/json"
	"time"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/platform/clock"
	"github.com/sciweek/sciweek/internal/platform/db"
	"github.com/sciweek/sciweek/internal/validate"
)

// Notification is a notice in an account's in-app list.
type Notification struct {
	ID        int64
	Notice    Notice
	CreatedAt time.Time
	ReadAt    time.Time
}

// Unread reports whether the notification has not been opened.
func (n Notification) Unread() bool { return n.ReadAt.IsZero() }

func signedIn(ctx context.Context) (*account.Principal, error) {
	p := account.FromContext(ctx)
	if p == nil {
		return nil, errs.New(errs.Unauthenticated, "error.unauthenticated")
	}
	return p, nil
}

// Notifications lists the caller's notifications, newest first, and how
// many there are. Errors: Unauthenticated.
func (s *Service) Notifications(ctx context.Context, offset, limit int) ([]Notification, int, error) {
	p, err := signedIn(ctx)
	if err != nil {
		return nil, 0, err
	}
	var total int
	if err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM notifications WHERE account_id = ?`, p.ID).Scan(&total); err != nil {
		return nil, 0, err
	}
	rows, err := s.DB.Query(ctx, `SELECT id, topic, args, link, created_at, read_at FROM notifications WHERE account_id = ?
		ORDER BY id DESC LIMIT ? OFFSET ?`, p.ID, limit, offset)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []Notification
	for rows.Next() {
		var n Notification
		var topic, args string
		var created, read db.Time
		if err := rows.Scan(&n.ID, &topic, &args, &n.Notice.Link, &created, &read); err != nil {
			return nil, 0, err
		}
		n.Notice.Topic = Topic(topic)
		json.Unmarshal([]byte(args), &n.Notice.Args)
		n.CreatedAt = created.In(clock.Zone)
		if !read.IsZero() {
			n.ReadAt = read.In(clock.Zone)
		}
		out = append(out, n)
	}
	return out, total, rows.Err()
}

// UnreadCount is how many of the caller's notifications are unread; 0 for
// the public.
func (s *Service) UnreadCount(ctx context.Context) int {
	p := account.FromContext(ctx)
	if p == nil {
		return 0
	}
	var n int
	s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM notifications WHERE account_id = ? AND read_at IS NULL`, p.ID).Scan(&n)
	return n
}

// Open marks one of the caller's notifications read and returns it.
// Errors: Unauthenticated, NotFound (someone else's too).
func (s *Service) Open(ctx context.Context, id int64) (Notice, error) {
	p, err := signedIn(ctx)
	if err != nil {
		return Notice{}, err
	}
	var n Notice
	var topic, args string
	if err := s.DB.QueryRow(ctx, `SELECT topic, args, link FROM notifications WHERE id = ? AND account_id = ?`, id, p.ID).Scan(&topic, &args, &n.Link); err != nil {
		return n, errs.NotFoundf("notification %d", id)
	}
	n.Topic = Topic(topic)
	json.Unmarshal([]byte(args), &n.Args)
	_, err = s.DB.Exec(ctx, `UPDATE notifications SET read_at = ? WHERE id = ? AND account_id = ? AND read_at IS NULL`, s.now(), id, p.ID)
	return n, err
}

// ReadAll marks every notification of the caller read. Errors:
// Unauthenticated.
func (s *Service) ReadAll(ctx context.Context) error {
	p, err := signedIn(ctx)
	if err != nil {
		return err
	}
	_, err = s.DB.Exec(ctx, `UPDATE notifications SET read_at = ? WHERE account_id = ? AND read_at IS NULL`, s.now(), p.ID)
	return err
}

// MessageCounts tells how many messages stand in each channel and state,
// keyed "email/sent" and so on, for monitoring.
func (s *Service) MessageCounts(ctx context.Context) (map[string]int, error) {
	rows, err := s.DB.Query(ctx, `SELECT channel, state, COUNT(*) FROM messages GROUP BY channel, state`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var ch, state string
		var n int
		if err := rows.Scan(&ch, &state, &n); err != nil {
			return nil, err
		}
		out[ch+"/"+state] = n
	}
	return out, rows.Err()
}

// SMSRetention is how long a text message keeps the visitor's phone
// number and its text once it is sent or has failed.
const SMSRetention = 90 * 24 * time.Hour

// ErasePhones masks the phone numbers and clears the texts of text
// messages finished before before: visitors' personal data is kept no
// longer than the record needs it. It returns how many it erased.
func (s *Service) ErasePhones(ctx context.Context, before time.Time) (int, error) {
	rows, err := s.DB.Query(ctx, `SELECT id, recipient FROM messages WHERE channel = 'sms' AND state <> 'queued' AND created_at < ? AND body_text <> ''`, db.At(before))
	if err != nil {
		return 0, err
	}
	type erase struct {
		id    int64
		phone string
	}
	var list []erase
	for rows.Next() {
		var e erase
		if err := rows.Scan(&e.id, &e.phone); err != nil {
			rows.Close()
			return 0, err
		}
		list = append(list, e)
	}
	rows.Close()
	for _, e := range list {
		if _, err := s.DB.Exec(ctx, `UPDATE messages SET recipient = ?, body_text = '' WHERE id = ?`, validate.MaskPhone(e.phone), e.id); err != nil {
			return 0, err
		}
	}
	return len(list), nil
}
