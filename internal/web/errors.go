package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/i18n"
	"github.com/sciweek/sciweek/internal/platform/db"
)

// Status maps an error code to its HTTP status; this is the only place
// where that happens.
func Status(code errs.Code) int {
	switch code {
	case errs.Invalid:
		return http.StatusUnprocessableEntity
	case errs.NotFound:
		return http.StatusNotFound
	case errs.Forbidden:
		return http.StatusForbidden
	case errs.Unauthenticated:
		return http.StatusUnauthorized
	case errs.Conflict, errs.Full, errs.AlreadyBooked, errs.DeadlinePassed:
		return http.StatusConflict
	case errs.RateLimited:
		return http.StatusTooManyRequests
	case errs.TooLarge:
		return http.StatusRequestEntityTooLarge
	case errs.Unsupported:
		return http.StatusUnsupportedMediaType
	case errs.Unavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// FormStatus is the status of a form shown again after a failed save: the
// status of err's code (422 for what the user can fix in the form, 409 for
// a conflict or a passed deadline…). Every handler that re-renders a form
// with an error takes its status here and never sets one by hand.
func FormStatus(err error) int { return Status(errs.CodeOf(err)) }

// apiError is the error shape of the HTTP API.
type apiError struct {
	Code    errs.Code         `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

type errorPage struct {
	Page
	Status  int
	Message string
}

// Error answers with err: JSON for the API, a page for browsers. Internal
// causes are logged, never shown.
func (s *Server) Error(w http.ResponseWriter, r *http.Request, err error) {
	e, ok := errs.As(err)
	var tooLarge *http.MaxBytesError
	switch {
	case !ok && errors.As(err, &tooLarge):
		e = errs.Wrap(errs.TooLarge, err, "error.too_large")
	case !ok && db.IsUnavailable(err):
		s.Log.Error("database unavailable", "request_id", RequestID(r.Context()), "path", RedactedURI(r.URL), "err", err)
		e = errs.Wrap(errs.Unavailable, err, "error.unavailable")
		e.RetryAfter = 30 * time.Second
	case !ok:
		e = errs.Wrap(errs.Internal, err, "error.internal")
	}
	status := Status(e.Code)
	l := L(r.Context())
	if status >= 500 {
		s.Log.Error("request failed", "request_id", RequestID(r.Context()), "path", RedactedURI(r.URL), "err", err)
	}
	if e.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(e.RetryAfter.Seconds()+0.999)))
	}
	if IsAPI(r) {
		body := apiError{Code: e.Code, Message: l.T(e.Msg.Key, e.Msg.Args...)}
		if len(e.Fields) > 0 {
			body.Fields = FieldMessages(l, e)
		}
		if e.Code == errs.Unauthenticated {
			w.Header().Set("WWW-Authenticate", `Bearer realm="sciweek"`)
		}
		writeJSON(w, status, map[string]any{"error": body})
		return
	}
	// A browser is sent to log in; a client with a bad token is told so.
	if e.Code == errs.Unauthenticated && r.Method == http.MethodGet && r.Header.Get("Authorization") == "" {
		Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()))
		return
	}
	p := PageFor(r, "error.title")
	s.Renderer.Render(w, r, status, "web/error.html", errorPage{Page: p, Status: status, Message: l.T(e.Msg.Key, e.Msg.Args...)})
}

// FieldMessages translates the per-field messages of an Invalid error.
func FieldMessages(l i18n.Localizer, e *errs.Error) map[string]string {
	out := map[string]string{}
	for f, m := range e.Fields {
		out[f] = l.T(m.Key, m.Args...)
	}
	return out
}

// FormErrors returns the translated field messages of err and a summary
// message, for re-rendering a form; ok is false when err is not one the
// user can fix in the form.
func FormErrors(r *http.Request, err error) (fields map[string]string, summary string, ok bool) {
	e, isErr := errs.As(err)
	if !isErr {
		return nil, "", false
	}
	switch e.Code {
	case errs.Invalid, errs.Conflict, errs.DeadlinePassed, errs.TooLarge, errs.Unsupported:
	default:
		return nil, "", false
	}
	l := L(r.Context())
	return FieldMessages(l, e), l.T(e.Msg.Key, e.Msg.Args...), true
}

// FormMessage is the one message a small form in a row (a board's
// extension) shows for err above its table: its field's message when it
// has one, else the summary. ok is false when err is not the user's to
// mend.
func FormMessage(r *http.Request, err error, field string) (msg string, ok bool) {
	fields, summary, ok := FormErrors(r, err)
	if f := fields[field]; f != "" {
		return f, ok
	}
	return summary, ok
}
