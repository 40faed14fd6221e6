// Package notify tells people things: a notice goes to an account's
// in-app list at once and, through the job queue, by e-mail in the
// recipient's language; text messages go to phone numbers. Every message
// is recorded with its outcome for the organiser to see. It also sends the
// reminders that deadlines call for.
package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/audit"
	"github.com/sciweek/sciweek/internal/campaign"
	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/i18n"
	"github.com/sciweek/sciweek/internal/platform/clock"
	"github.com/sciweek/sciweek/internal/platform/db"
	"github.com/sciweek/sciweek/internal/platform/jobs"
	"github.com/sciweek/sciweek/internal/platform/mail"
	"github.com/sciweek/sciweek/internal/platform/sms"
)

// Topic names a kind of notice; its texts are the catalogue keys
// notify.TOPIC.title and notify.TOPIC.body, formatted with the notice's
// arguments by position (%[1]s …).
type Topic string

// The topics sciweek sends.
const (
	TopicReturned  Topic = "filing_returned"
	TopicApproved  Topic = "filing_approved"
	TopicForwarded Topic = "filing_forwarded"
	TopicExtended  Topic = "filing_extended"
	TopicReminded  Topic = "filing_reminded"
	TopicDeadline  Topic = "deadline"
)

// Notice is something to tell a person: a topic, its arguments and the
// page it concerns.
type Notice struct {
	Topic Topic
	Args  []string
	// Link is a path on the site, such as /campaigns/2026/filings/hqu/1.
	Link string
}

// Title is the notice's headline in the language of l.
func (n Notice) Title(l i18n.Localizer) string {
	return l.T("notify."+string(n.Topic)+".title", n.anyArgs()...)
}

// Body is the notice's text in the language of l.
func (n Notice) Body(l i18n.Localizer) string {
	return l.T("notify."+string(n.Topic)+".body", n.anyArgs()...)
}

func (n Notice) anyArgs() []any {
	out := make([]any, len(n.Args))
	for i, a := range n.Args {
		out[i] = a
	}
	return out
}

// Channel is how a message travels.
type Channel string

// The channels.
const (
	Email Channel = "email"
	SMS   Channel = "sms"
)

// State is where a message stands.
type State string

// The message states.
const (
	StateQueued  State = "queued"
	StateSent    State = "sent"
	StateFailed  State = "failed"
	StateSkipped State = "skipped" // recorded, but that channel is not configured
)

// Service records and delivers notices.
type Service struct {
	DB       *db.DB
	Accounts *account.Service
	// Campaigns lists the campaigns whose deadlines call for reminders.
	Campaigns *campaign.Service
	Jobs      *jobs.Queue
	Audit     *audit.Log
	// Mailer sends e-mail; nil means mail is off and messages are only recorded.
	Mailer mail.Mailer
	// Texter sends text messages; nil means SMS is off.
	Texter sms.Sender
	Clock  clock.Clock
	Log    *slog.Logger
	// BaseURL is the site's address, for links in messages.
	BaseURL string
	// Deadlines are the kinds of deadline whose outstanding work is
	// reminded.
	Deadlines []Deadline
}

// The job kinds the service handles.
const (
	jobEmail = "notify.email"
	jobSMS   = "notify.sms"
)

// RegisterJobs registers the delivery jobs and the reminder schedule with
// the queue.
func (s *Service) RegisterJobs() {
	s.Jobs.Handle(jobEmail, s.deliverEmail)
	s.Jobs.Handle(jobSMS, s.deliverSMS)
	s.Jobs.Every("reminders", time.Hour, s.SendDueReminders)
	s.Jobs.Every("erase-sms-phones", 24*time.Hour, func(ctx context.Context, now time.Time) error {
		_, err := s.ErasePhones(ctx, now.Add(-SMSRetention))
		return err
	})
}

// LogChannels says in the log which channels send and which only record.
func (s *Service) LogChannels() {
	if s.Mailer == nil {
		s.Log.Warn("mail is off: e-mails are recorded but not sent (set SCIWEEK_SMTP_HOST to send them)")
	}
	if s.Texter == nil {
		s.Log.Info("SMS is off: text messages are recorded but not sent (set SCIWEEK_SMS_URL to send them)")
	}
}

func (s *Service) now() db.Time { return db.At(s.Clock.Now()) }

// ToOrg tells every active account of an organisation: in its notification
// list and by e-mail. When no account has an e-mail address, the
// organisation's contact address gets the e-mail. Call it inside the
// transaction of the change it reports.
func (s *Service) ToOrg(ctx context.Context, tx *db.Tx, orgID int64, n Notice) error {
	org, err := s.Accounts.OrgByID(ctx, orgID)
	if err != nil {
		return err
	}
	accs, err := s.Accounts.Accounts(ctx, org)
	if err != nil {
		return err
	}
	mailed := false
	for _, a := range accs {
		if a.Status != account.StatusActive || (len(a.Roles) == 1 && a.Has(account.RoleCheckin)) {
			continue
		}
		if err := s.toAccount(ctx, tx, a, org, n); err != nil {
			return err
		}
		mailed = mailed || a.Email != ""
	}
	if !mailed && org.ContactEmail != "" {
		return s.email(ctx, tx, org.ContactEmail, i18n.Chinese, 0, org, n)
	}
	return nil
}

// ToAccount tells one account. Call it inside the transaction of the
// change it reports.
func (s *Service) ToAccount(ctx context.Context, tx *db.Tx, accountID int64, n Notice) error {
	a, err := s.Accounts.AccountByID(ctx, accountID)
	if err != nil {
		return err
	}
	org, err := s.Accounts.OrgByID(ctx, a.OrgID)
	if err != nil {
		return err
	}
	return s.toAccount(ctx, tx, a, org, n)
}

func (s *Service) toAccount(ctx context.Context, tx *db.Tx, a account.Account, org account.Organisation, n Notice) error {
	args, _ := json.Marshal(n.Args)
	if _, err := tx.Exec(ctx, `INSERT INTO notifications (account_id, topic, args, link, created_at) VALUES (?, ?, ?, ?, ?)`,
		a.ID, string(n.Topic), string(args), n.Link, s.now()); err != nil {
		return err
	}
	if a.Email == "" {
		return nil
	}
	return s.email(ctx, tx, a.Email, langOf(a.Locale), a.ID, org, n)
}

func langOf(locale string) string {
	if l := i18n.Normalize(locale); l != "" {
		return l
	}
	return i18n.Chinese
}

// Email records an e-mail of the notice to an address in the language and
// queues it for sending. Use it for people without an account.
func (s *Service) Email(ctx context.Context, tx *db.Tx, to, lang string, n Notice) error {
	return s.email(ctx, tx, to, langOf(lang), 0, account.Organisation{}, n)
}

func (s *Service) email(ctx context.Context, tx *db.Tx, to, lang string, accountID int64, org account.Organisation, n Notice) error {
	l := i18n.For(lang)
	link := ""
	if n.Link != "" {
		link = strings.TrimRight(s.BaseURL, "/") + n.Link
	}
	name := org.DisplayName(lang)
	text, html := Render(l, name, n.Title(l), n.Body(l), link)
	return s.record(ctx, tx, Email, to, lang, accountID, org.ID, n.Topic, n.Title(l), text, html, s.Mailer != nil, jobEmail)
}

// Text records a text message of the notice to a phone number in the
// language and queues it: booking confirmations, waiting-list
// promotions, a switch to the online week. Call it inside the transaction
// of the change it reports.
func (s *Service) Text(ctx context.Context, tx *db.Tx, phone, lang string, n Notice) error {
	l := i18n.For(langOf(lang))
	body := l.T("notify.sms_prefix") + n.Body(l)
	if n.Link != "" {
		body += " " + strings.TrimRight(s.BaseURL, "/") + n.Link
	}
	return s.record(ctx, tx, SMS, phone, l.Lang, 0, 0, n.Topic, "", body, "", s.Texter != nil, jobSMS)
}

// TextWritten queues a text message whose words the caller has already
// written in the recipient's language (a booking's ticket or promotion),
// recorded like every message, in a transaction of its own.
func (s *Service) TextWritten(ctx context.Context, phone, lang string, topic Topic, body string) error {
	l := i18n.For(langOf(lang))
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		return s.record(ctx, tx, SMS, phone, l.Lang, 0, 0, topic, "", l.T("notify.sms_prefix")+body, "", s.Texter != nil, jobSMS)
	})
}

func (s *Service) record(ctx context.Context, tx *db.Tx, ch Channel, to, lang string, accountID, orgID int64, topic Topic, subject, text, html string, on bool, job string) error {
	state, reason := StateQueued, ""
	if !on {
		state, reason = StateSkipped, "off"
	}
	var id int64
	if err := tx.QueryRow(ctx, `INSERT INTO messages (channel, account_id, org_id, recipient, lang, topic, subject, body_text, body_html, state, reason, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		string(ch), nullID(accountID), nullID(orgID), to, lang, string(topic), subject, text, html, string(state), reason, s.now()).Scan(&id); err != nil {
		return fmt.Errorf("record message: %w", err)
	}
	if !on {
		return nil
	}
	_, err := s.Jobs.Enqueue(ctx, tx, job, delivery{Message: id}, jobs.Options{MaxAttempts: 6})
	return err
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// delivery is the payload of a delivery job.
type delivery struct {
	Message int64 `json:"message"`
}

// Message is one recorded e-mail or text message.
type Message struct {
	ID        int64     `json:"id"`
	Channel   Channel   `json:"channel"`
	Recipient string    `json:"recipient"`
	OrgName   string    `json:"organisation,omitempty"`
	Lang      string    `json:"lang"`
	Topic     Topic     `json:"topic"`
	Subject   string    `json:"subject,omitempty"`
	Text      string    `json:"text"`
	HTML      string    `json:"-"`
	State     State     `json:"state"`
	Attempts  int       `json:"attempts"`
	Reason    string    `json:"reason,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	SentAt    time.Time `json:"sent_at,omitzero"`
}

const messageColumns = `m.id, m.channel, m.recipient, COALESCE(o.name, ''), m.lang, m.topic, m.subject, m.body_text, m.body_html, m.state, m.attempts, m.reason, m.created_at, m.sent_at`

func scanMessage(row interface{ Scan(...any) error }) (Message, error) {
	var m Message
	var created, sent db.Time
	err := row.Scan(&m.ID, &m.Channel, &m.Recipient, &m.OrgName, &m.Lang, &m.Topic, &m.Subject, &m.Text, &m.HTML, &m.State, &m.Attempts, &m.Reason, &created, &sent)
	m.CreatedAt = created.In(clock.Zone)
	if !sent.IsZero() {
		m.SentAt = sent.In(clock.Zone)
	}
	return m, err
}

func (s *Service) message(ctx context.Context, id int64) (Message, error) {
	m, err := scanMessage(s.DB.QueryRow(ctx, `SELECT `+messageColumns+` FROM messages m LEFT JOIN organisations o ON o.id = m.org_id WHERE m.id = ?`, id))
	if err != nil {
		return m, errs.NotFoundf("message %d", id)
	}
	return m, nil
}

// MessageFilter narrows the message log.
type MessageFilter struct {
	State   State
	Channel Channel
	Offset  int
	Limit   int
}

// Messages lists the message log, newest first, and how many match: to
// organisations in the caller's part of the tree, and those to people
// without an organisation (the public) for the top organiser. Only
// administrators may read it. Errors: Unauthenticated, Forbidden.
func (s *Service) Messages(ctx context.Context, f MessageFilter) ([]Message, int, error) {
	p := account.FromContext(ctx)
	if p == nil {
		return nil, 0, errs.New(errs.Unauthenticated, "error.unauthenticated")
	}
	if !p.Has(account.RoleAdmin) {
		return nil, 0, errs.ForbiddenErr()
	}
	where := `o.path LIKE ?`
	if p.Org.ParentID == 0 {
		where = `(o.path LIKE ? OR m.org_id IS NULL)`
	}
	args := []any{p.Org.Path + "%"}
	if f.State != "" {
		where += ` AND m.state = ?`
		args = append(args, string(f.State))
	}
	if f.Channel != "" {
		where += ` AND m.channel = ?`
		args = append(args, string(f.Channel))
	}
	var total int
	if err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM messages m LEFT JOIN organisations o ON o.id = m.org_id WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	rows, err := s.DB.Query(ctx, `SELECT `+messageColumns+` FROM messages m LEFT JOIN organisations o ON o.id = m.org_id WHERE `+where+
		` ORDER BY m.id DESC LIMIT ? OFFSET ?`, append(args, f.Limit, f.Offset)...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []Message
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, m)
	}
	return out, total, rows.Err()
}

// Resend queues a failed message again, as it was written, for an
// administrator who has put right what made it fail (a mailbox, the mail
// server). Errors: Unauthenticated, Forbidden, NotFound, Conflict (not failed).
func (s *Service) Resend(ctx context.Context, id int64) error {
	p := account.FromContext(ctx)
	if p == nil {
		return errs.New(errs.Unauthenticated, "error.unauthenticated")
	}
	if !p.Has(account.RoleAdmin) {
		return errs.ForbiddenErr()
	}
	var orgPath string
	var ch Channel
	var state State
	err := s.DB.QueryRow(ctx, `SELECT COALESCE(o.path, ''), m.channel, m.state FROM messages m LEFT JOIN organisations o ON o.id = m.org_id WHERE m.id = ?`, id).Scan(&orgPath, &ch, &state)
	if err != nil || (orgPath == "" && p.Org.ParentID != 0) || (orgPath != "" && !strings.HasPrefix(orgPath, p.Org.Path)) {
		return errs.NotFoundf("message %d", id)
	}
	if state != StateFailed {
		return errs.New(errs.Conflict, "notify.error.not_failed")
	}
	job := jobEmail
	if ch == SMS {
		job = jobSMS
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE messages SET state = 'queued', attempts = 0, reason = '' WHERE id = ? AND state = 'failed'`, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.New(errs.Conflict, "notify.error.not_failed")
		}
		if _, err := s.Jobs.Enqueue(ctx, tx, job, delivery{Message: id}, jobs.Options{MaxAttempts: 6}); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, "notify.resend", "message", id, nil)
	})
}
