package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"html/template"
	"strconv"
	"strings"

	"github.com/sciweek/sciweek/internal/i18n"
	"github.com/sciweek/sciweek/internal/platform/jobs"
	"github.com/sciweek/sciweek/internal/platform/mail"
	"github.com/sciweek/sciweek/internal/platform/sms"
)

var emailHTML = template.Must(template.New("email").Parse(`<!doctype html>
<html lang="{{.Lang}}"><head><meta charset="utf-8"><title>{{.Title}}</title></head>
<body style="font-family: sans-serif; line-height: 1.6; color: #1a1a1a; max-width: 36em;">
{{if .Name}}<p>{{.Greeting}}</p>{{end}}
<h1 style="font-size: 1.25em;">{{.Title}}</h1>
{{range .Paragraphs}}<p>{{.}}</p>{{end}}
{{if .Link}}<p><a href="{{.Link}}">{{.Open}}</a></p>{{end}}
<p style="color: #555; font-size: 0.9em;">{{.Footer}}</p>
</body></html>`))

// Render writes a notice as an e-mail's plain text and HTML parts in the
// language of l, addressed to name; everything in the HTML part is
// escaped, so a unit called "<b>实验室</b>" reads as written.
func Render(l i18n.Localizer, name, title, body, link string) (text, html string) {
	var t strings.Builder
	greeting := l.T("notify.email.greeting", name)
	if name != "" {
		t.WriteString(greeting + "\n\n")
	}
	t.WriteString(title + "\n\n" + body + "\n")
	if link != "" {
		t.WriteString("\n" + l.T("notify.email.open") + ": " + link + "\n")
	}
	t.WriteString("\n-- \n" + l.T("notify.email.footer") + "\n")
	var h bytes.Buffer
	emailHTML.Execute(&h, map[string]any{
		"Lang": l.Lang, "Name": name, "Greeting": greeting, "Title": title,
		"Paragraphs": strings.Split(body, "\n"), "Link": link, "Open": l.T("notify.email.open"), "Footer": l.T("notify.email.footer"),
	})
	return t.String(), h.String()
}

// deliverEmail sends one recorded e-mail and records the outcome: sent,
// or failed with the server's reason once it is refused for good or the
// attempts are used up; in between it stays queued with the last reason.
func (s *Service) deliverEmail(ctx context.Context, j jobs.Job) error {
	return s.deliver(ctx, j, func(m Message) (bool, error) {
		if s.Mailer == nil {
			return true, errors.New("mail is off")
		}
		err := s.Mailer.Send(ctx, mail.Message{To: m.Recipient, Subject: m.Subject, Text: m.Text, HTML: m.HTML, Lang: m.Lang})
		return mail.Permanent(err), err
	})
}

// deliverSMS sends one recorded text message, as deliverEmail does.
func (s *Service) deliverSMS(ctx context.Context, j jobs.Job) error {
	return s.deliver(ctx, j, func(m Message) (bool, error) {
		if s.Texter == nil {
			return true, errors.New("SMS is off")
		}
		err := s.Texter.Send(ctx, sms.Message{To: m.Recipient, Text: m.Text, Ref: "sciweek-" + strconv.FormatInt(m.ID, 10)})
		return sms.Permanent(err), err
	})
}

func (s *Service) deliver(ctx context.Context, j jobs.Job, send func(Message) (bool, error)) error {
	var d delivery
	if err := json.Unmarshal(j.Payload, &d); err != nil {
		return jobs.Permanent(err)
	}
	m, err := s.message(ctx, d.Message)
	if err != nil {
		return jobs.Permanent(err)
	}
	if m.State != StateQueued {
		return nil // sent before a lost lease ran the job again
	}
	permanent, err := send(m)
	switch {
	case err == nil:
		_, dbErr := s.DB.Exec(ctx, `UPDATE messages SET state = 'sent', attempts = ?, reason = '', sent_at = ? WHERE id = ?`, j.Attempt, s.now(), m.ID)
		return dbErr
	case permanent || j.LastAttempt():
		if _, dbErr := s.DB.Exec(ctx, `UPDATE messages SET state = 'failed', attempts = ?, reason = ? WHERE id = ?`, j.Attempt, clip(err.Error()), m.ID); dbErr != nil {
			return dbErr
		}
		return jobs.Permanent(err)
	default:
		if _, dbErr := s.DB.Exec(ctx, `UPDATE messages SET attempts = ?, reason = ? WHERE id = ?`, j.Attempt, clip(err.Error()), m.ID); dbErr != nil {
			return dbErr
		}
		return err
	}
}

func clip(s string) string {
	if r := []rune(s); len(r) > 500 {
		return string(r[:500])
	}
	return s
}
