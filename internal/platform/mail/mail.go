// Package mail sends e-mail: a Mailer interface, an SMTP driver
// (STARTTLS, implicit TLS, or plain on a trusted network; optional
// authentication) and the MIME message both a mail client and a spam
// filter expect — UTF-8 plain text with an HTML alternative.
package mail

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"strconv"
	"strings"
	"time"
)

// Message is one e-mail to one recipient.
type Message struct {
	To      string
	Subject string
	Text    string
	HTML    string // optional
	Lang    string // Content-Language, e.g. zh-CN
}

// Mailer sends messages.
type Mailer interface {
	Send(ctx context.Context, m Message) error
}

// Security is how the SMTP connection is protected.
type Security string

// The connection security modes.
const (
	StartTLS Security = "starttls" // plain connection upgraded with STARTTLS (port 587)
	TLS      Security = "tls"      // TLS from the first byte (port 465)
	None     Security = "none"     // no encryption, for a relay on a trusted network
)

// Config says where and how to send.
type Config struct {
	Host     string
	Port     int
	Username string
	Password string
	From     string // "泉州市科学技术局 <noreply@example.cn>" or a bare address
	Security Security
	Timeout  time.Duration
	// RootCAs overrides the system's certificate authorities.
	RootCAs *x509.CertPool
}

// SMTP delivers through an SMTP server.
type SMTP struct {
	Config Config
	// Now stamps the Date header; nil means time.Now.
	Now func() time.Time
}

// Error is a reply from the SMTP server.
type Error struct {
	Code int
	Msg  string
}

func (e *Error) Error() string { return fmt.Sprintf("SMTP %d: %s", e.Code, e.Msg) }

// Permanent reports whether err is a refusal that sending again will not
// change: a 5xx reply, such as an unknown recipient.
func Permanent(err error) bool {
	var e *Error
	if errors.As(err, &e) {
		return e.Code >= 500 && e.Code < 600
	}
	var tp *textproto.Error
	return errors.As(err, &tp) && tp.Code >= 500 && tp.Code < 600
}

// Send delivers m. The error of a refusal is an *Error carrying the
// server's reply.
func (s *SMTP) Send(ctx context.Context, m Message) error {
	cfg := s.Config
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	from, err := mail.ParseAddress(cfg.From)
	if err != nil {
		return fmt.Errorf("sender %q: %w", cfg.From, err)
	}
	if _, err := mail.ParseAddress(m.To); err != nil {
		return &Error{Code: 553, Msg: fmt.Sprintf("malformed recipient address %q", m.To)}
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	body, err := Build(m, cfg.From, now())
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	addr := net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port))
	tlsConfig := &tls.Config{ServerName: cfg.Host, RootCAs: cfg.RootCAs, MinVersion: tls.VersionTLS12}
	var conn net.Conn
	if cfg.Security == TLS {
		conn, err = (&tls.Dialer{Config: tlsConfig}).DialContext(ctx, "tcp", addr)
	} else {
		conn, err = (&net.Dialer{}).DialContext(ctx, "tcp", addr)
	}
	if err != nil {
		return fmt.Errorf("connect to %s: %w", addr, err)
	}
	deadline, _ := ctx.Deadline()
	conn.SetDeadline(deadline)
	c, err := smtp.NewClient(conn, cfg.Host)
	if err != nil {
		conn.Close()
		return reply(err)
	}
	defer c.Close()
	if cfg.Security == StartTLS {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return errors.New("the SMTP server does not offer STARTTLS")
		}
		if err := c.StartTLS(tlsConfig); err != nil {
			return fmt.Errorf("STARTTLS: %w", reply(err))
		}
	}
	if cfg.Username != "" {
		if err := c.Auth(smtp.PlainAuth("", cfg.Username, cfg.Password, cfg.Host)); err != nil {
			return fmt.Errorf("authenticate: %w", reply(err))
		}
	}
	if err := c.Mail(from.Address); err != nil {
		return reply(err)
	}
	if err := c.Rcpt(m.To); err != nil {
		return reply(err)
	}
	w, err := c.Data()
	if err != nil {
		return reply(err)
	}
	if _, err := w.Write(body); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return reply(err)
	}
	return reply(c.Quit())
}

// reply turns a textproto error into an *Error.
func reply(err error) error {
	var tp *textproto.Error
	if errors.As(err, &tp) {
		return &Error{Code: tp.Code, Msg: tp.Msg}
	}
	return err
}

// Build writes m as a MIME message: multipart/alternative with a
// quoted-printable UTF-8 text part and, when m has one, an HTML part.
func Build(m Message, from string, date time.Time) ([]byte, error) {
	var b bytes.Buffer
	h := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	fromAddr, err := mail.ParseAddress(from)
	if err != nil {
		return nil, err
	}
	h("From", fromAddr.String())
	h("To", m.To)
	h("Subject", mime.BEncoding.Encode("utf-8", m.Subject))
	h("Date", date.Format(time.RFC1123Z))
	h("Message-ID", "<"+randomID()+"@"+domainOf(fromAddr.Address)+">")
	h("MIME-Version", "1.0")
	if m.Lang != "" {
		h("Content-Language", m.Lang)
	}
	h("Auto-Submitted", "auto-generated")
	if m.HTML == "" {
		h("Content-Type", "text/plain; charset=utf-8")
		h("Content-Transfer-Encoding", "quoted-printable")
		b.WriteString("\r\n")
		return b.Bytes(), writeQP(&b, m.Text)
	}
	boundary := "sciweek-" + randomID()
	h("Content-Type", `multipart/alternative; boundary="`+boundary+`"`)
	b.WriteString("\r\n")
	for _, part := range []struct{ typ, body string }{{"text/plain", m.Text}, {"text/html", m.HTML}} {
		fmt.Fprintf(&b, "--%s\r\nContent-Type: %s; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n", boundary, part.typ)
		if err := writeQP(&b, part.body); err != nil {
			return nil, err
		}
		b.WriteString("\r\n")
	}
	fmt.Fprintf(&b, "--%s--\r\n", boundary)
	return b.Bytes(), nil
}

func writeQP(b *bytes.Buffer, s string) error {
	w := quotedprintable.NewWriter(b)
	if _, err := w.Write([]byte(strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\n", "\r\n"))); err != nil {
		return err
	}
	return w.Close()
}

func randomID() string {
	buf := make([]byte, 12)
	rand.Read(buf)
	return hex.EncodeToString(buf)
}

func domainOf(addr string) string {
	if _, d, ok := strings.Cut(addr, "@"); ok && d != "" {
		return d
	}
	return "sciweek.invalid"
}

// DecodeHeader reads an encoded header such as the Subject back.
func DecodeHeader(s string) string {
	d, err := new(mime.WordDecoder).DecodeHeader(s)
	if err != nil {
		return s
	}
	return d
}
