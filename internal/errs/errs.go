// Package errs defines sciweek's typed errors. A domain returns an *Error
// with a code and a catalogue key; the web layer maps the code to an HTTP
// status once and translates the key into the user's language.
package errs

import (
	"errors"
	"fmt"
	"time"
)

// Code classifies an error; the values are the API's error codes.
type Code string

// The error codes of the HTTP API.
const (
	Invalid         Code = "invalid"
	NotFound        Code = "not_found"
	Forbidden       Code = "forbidden"
	Unauthenticated Code = "unauthenticated"
	Conflict        Code = "conflict"
	Full            Code = "full"
	DeadlinePassed  Code = "deadline_passed"
	RateLimited     Code = "rate_limited"
	TooLarge        Code = "too_large"
	Unsupported     Code = "unsupported"
	Unavailable     Code = "unavailable"
	Internal        Code = "internal"
)

// Msg is a message in the catalogue with its arguments.
type Msg struct {
	Key  string
	Args []any
}

// Error is an error that is safe to show to a user.
type Error struct {
	Code Code
	// Msg is the user-facing message.
	Msg Msg
	// Fields holds a message for each form or JSON field at fault.
	Fields map[string]Msg
	// Err is the internal cause, logged but never shown.
	Err error
	// RetryAfter tells a rate-limited client when to come back.
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	s := string(e.Code) + ": " + e.Msg.Key
	for f, m := range e.Fields {
		s += fmt.Sprintf(" [%s: %s]", f, m.Key)
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// New returns an error with a code and a catalogue key.
func New(code Code, key string, args ...any) *Error {
	return &Error{Code: code, Msg: Msg{Key: key, Args: args}}
}

// Wrap returns an error with a code and key that keeps err as its cause.
func Wrap(code Code, err error, key string, args ...any) *Error {
	return &Error{Code: code, Msg: Msg{Key: key, Args: args}, Err: err}
}

// CodeOf returns the code of err, or Internal when err is not an *Error.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// Is reports whether err carries the code.
func Is(err error, code Code) bool { return err != nil && CodeOf(err) == code }

// As returns err as an *Error when it is one.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// Fields collects per-field validation messages.
type Fields map[string]Msg

// Add records a message for a field, keeping the first one given.
func (f Fields) Add(field, key string, args ...any) {
	if _, ok := f[field]; !ok {
		f[field] = Msg{Key: key, Args: args}
	}
}

// Err returns an Invalid error carrying the fields, or nil when there are none.
func (f Fields) Err() error {
	if len(f) == 0 {
		return nil
	}
	return &Error{Code: Invalid, Msg: Msg{Key: "error.invalid"}, Fields: map[string]Msg(f)}
}

// NotFoundf returns a NotFound error with the generic message.
func NotFoundf(format string, args ...any) *Error {
	return &Error{Code: NotFound, Msg: Msg{Key: "error.not_found"}, Err: fmt.Errorf(format, args...)}
}

// ForbiddenErr is the generic refusal.
func ForbiddenErr() *Error { return New(Forbidden, "error.forbidden") }
