// Package sms sends text messages through a provider: a Sender interface
// and an HTTP driver that posts JSON to the provider's (or a gateway's)
// endpoint with a shared secret in a header.
package sms

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Message is one text message.
type Message struct {
	To   string `json:"to"`
	Text string `json:"text"`
	// Ref identifies the message on both sides, so a provider can drop a
	// repeat after a retry.
	Ref string `json:"ref"`
}

// Sender sends text messages.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// Error is a refusal by the provider.
type Error struct {
	Status int
	Body   string
}

func (e *Error) Error() string {
	return fmt.Sprintf("SMS provider answered %d: %s", e.Status, e.Body)
}

// Permanent reports whether err is a refusal that sending again will not
// change: a 4xx answer other than 408 and 429.
func Permanent(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Status >= 400 && e.Status < 500 && e.Status != http.StatusRequestTimeout && e.Status != http.StatusTooManyRequests
}

// HTTP posts {"to", "text", "ref"} as JSON to URL with the secret in the
// header named Header; any 2xx answer means accepted.
type HTTP struct {
	URL    string
	Secret string
	// Header names the secret's header; empty means X-Sciweek-Secret.
	Header string
	Client *http.Client
}

// Send posts m to the provider.
func (h *HTTP) Send(ctx context.Context, m Message) error {
	body, err := json.Marshal(m)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.URL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	header := h.Header
	if header == "" {
		header = "X-Sciweek-Secret"
	}
	req.Header.Set(header, h.Secret)
	c := h.Client
	if c == nil {
		c = &http.Client{Timeout: 20 * time.Second}
	}
	res, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("SMS provider: %w", err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(res.Body, 2048))
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return &Error{Status: res.StatusCode, Body: strings.TrimSpace(string(b))}
	}
	return nil
}
