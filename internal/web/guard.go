package web

import (
	"errors"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"

	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/validate"
)

// MaxPage is the highest page number a list accepts; beyond it the offset
// would overflow long before there is anything to show.
const MaxPage = 100_000

// MaxID is the largest id a path or form may name: ids are database
// sequences, far below 2^53, so larger digits are nonsense, not records.
const MaxID = 1 << 53

// MaxFieldChars bounds, in characters, every text field of a form or JSON
// body that LongFields does not name.
const MaxFieldChars = 20_000

// LongFields are the fields allowed more than MaxFieldChars: the campaign
// notice, an article's body and a pasted list of units. Their domains
// check tighter limits of their own.
var LongFields = map[string]int{"notice": 200_000, "body": 200_000, "text": 200_000}

// ParseID reads a positive id; ok is false for anything else (signs,
// spaces, huge numbers).
func ParseID(s string) (int64, bool) {
	if s == "" || len(s) > 16 {
		return 0, false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || n > MaxID {
		return 0, false
	}
	return n, true
}

// PathID reads the id named by a route's path parameter. Errors: NotFound
// when it is not a positive id, so a malformed address is an unknown one.
func PathID(r *http.Request, name string) (int64, error) {
	id, ok := ParseID(r.PathValue(name))
	if !ok {
		return 0, errs.NotFoundf("bad %s %q", name, r.PathValue(name))
	}
	return id, nil
}

// FormID reads an id from a form or query value; 0 when absent or bad.
func FormID(v string) int64 {
	id, _ := ParseID(strings.TrimSpace(v))
	return id
}

// Int reads a whole number within [min, max] from a query or form value;
// ok is false when v is empty, not a number or out of range.
func Int(v string, min, max int) (int, bool) {
	v = strings.TrimSpace(v)
	if v == "" || len(v) > 12 {
		return 0, false
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < min || n > max {
		return 0, false
	}
	return n, true
}

// PageNumber reads the page query parameter of a browser page: a page out
// of range shows the first (ok false says the value was ignored).
func PageNumber(r *http.Request) (page int, ok bool) {
	v := r.URL.Query().Get("page")
	if v == "" {
		return 1, true
	}
	n, ok := Int(v, 1, MaxPage)
	if !ok {
		return 1, false
	}
	return n, true
}

// guardBody reads a form body up front, so a body over its limit is
// answered 413 before any handler reads a truncated form, and checks every
// text field: no control characters, no bidirectional overrides, no more
// characters than the field may hold.
func (s *Server) guardBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.checkBody(w, r) {
			next.ServeHTTP(w, r)
		}
	})
}

func (s *Server) checkBody(w http.ResponseWriter, r *http.Request) bool {
	switch r.Method {
	case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
	default:
		return true
	}
	ct := r.Header.Get("Content-Type")
	switch {
	case strings.HasPrefix(ct, "application/x-www-form-urlencoded"):
		if err := r.ParseForm(); err != nil {
			s.Error(w, r, FormError(err))
			return false
		}
	case strings.HasPrefix(ct, "multipart/"):
		if _, pattern := s.Mux.Handler(r); s.Uploads[pattern] {
			return true // the upload's handler streams it with its own limit
		}
		// A multipart body where no file is expected is held to a form's
		// size and read now, so no handler sees half of it.
		r.Body = http.MaxBytesReader(w, r.Body, MaxFormBytes)
		if err := r.ParseMultipartForm(MaxFormBytes); err != nil {
			s.Error(w, r, FormError(err))
			return false
		}
	default:
		return true
	}
	if err := CheckValues(r.PostForm); err != nil {
		s.Error(w, r, err)
		return false
	}
	return true
}

// FormError turns an error from reading a form into the user's error: 413
// for a body over its limit, 422 for a malformed one.
func FormError(err error) error {
	var mb *http.MaxBytesError
	if errors.As(err, &mb) {
		return errs.Wrap(errs.TooLarge, err, "error.too_large")
	}
	if _, ok := errs.As(err); ok {
		return err
	}
	return errs.Wrap(errs.Invalid, err, "error.invalid")
}

// CheckValues checks every value of a form: Invalid, naming the field,
// when one holds control characters or bidirectional overrides; TooLarge
// when one holds more characters than MaxFieldChars (or its LongFields
// limit).
func CheckValues(form url.Values) error {
	for name, vs := range form {
		for _, v := range vs {
			if err := checkText(name, v); err != nil {
				return err
			}
		}
	}
	return nil
}

func checkText(name, v string) error {
	limit := MaxFieldChars
	if n, ok := LongFields[name]; ok {
		limit = n
	}
	if len(v) > limit && validate.TooLong(v, limit) {
		e := errs.New(errs.TooLarge, "security.error.field_too_long", limit)
		e.Fields = map[string]errs.Msg{name: {Key: "error.too_long", Args: []any{limit}}}
		return e
	}
	if !validate.PlainText(v) {
		e := errs.New(errs.Invalid, "security.error.control")
		e.Fields = map[string]errs.Msg{name: {Key: "security.error.control"}}
		return e
	}
	return nil
}

// checkDecoded walks a decoded JSON value and checks each of its strings
// as CheckValues checks a form's.
func checkDecoded(v reflect.Value, name string) error {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return checkDecoded(v.Elem(), name)
	case reflect.String:
		return checkText(name, v.String())
	case reflect.Struct:
		t := v.Type()
		for i := 0; i < v.NumField(); i++ {
			if !t.Field(i).IsExported() {
				continue
			}
			n := t.Field(i).Name
			if tag, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ","); tag != "" {
				n = tag
			}
			if err := checkDecoded(v.Field(i), n); err != nil {
				return err
			}
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			if err := checkDecoded(v.Index(i), name); err != nil {
				return err
			}
		}
	case reflect.Map:
		it := v.MapRange()
		for it.Next() {
			n := name
			if it.Key().Kind() == reflect.String {
				n = it.Key().String()
				if err := checkText(n, n); err != nil {
					return err
				}
			}
			if err := checkDecoded(it.Value(), n); err != nil {
				return err
			}
		}
	}
	return nil
}

// Router is where a domain registers its routes: an *http.ServeMux, or a
// RouteList that also remembers each pattern.
type Router interface {
	Handle(pattern string, h http.Handler)
	HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request))
}

// RouteList registers routes on a mux and remembers their patterns, so the
// whole list can be checked (every route has a declared access rule).
type RouteList struct {
	Mux      *http.ServeMux
	Patterns []string
}

// Handle registers h for pattern.
func (l *RouteList) Handle(pattern string, h http.Handler) {
	l.Mux.Handle(pattern, h)
	l.Patterns = append(l.Patterns, pattern)
}

// HandleFunc registers h for pattern.
func (l *RouteList) HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request)) {
	l.Mux.HandleFunc(pattern, h)
	l.Patterns = append(l.Patterns, pattern)
}

// ParseUpload reads a multipart form (or a plain one) of at most limit
// bytes, keeping up to 1 MiB of files in memory, and checks its text
// fields as every form's are. Errors: TooLarge past the limit, Invalid for
// a malformed body or a bad field.
func ParseUpload(w http.ResponseWriter, r *http.Request, limit int64) error {
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	if err := r.ParseMultipartForm(1 << 20); err != nil && err != http.ErrNotMultipart {
		return FormError(err)
	}
	return CheckValues(r.PostForm)
}

// MaxVersion bounds the version number a form posts back (the edit
// counter that stops a second tab overwriting the first).
const MaxVersion = 1 << 30

// secretSegments are the path segments after which a secret follows: a
// ticket's code lets whoever holds it cancel the booking.
var secretSegments = map[string]bool{"tickets": true, "verify": true, "reset": true, "tokens": true}

// secretParams are query parameters that carry secrets.
var secretParams = map[string]bool{"code": true, "ticket": true, "token": true, "access_token": true, "phone": true, "password": true, "key": true, "secret": true}

// RedactedURI is the request's path and query as the request log writes
// them: ticket codes, tokens and verification codes replaced by "…".
func RedactedURI(u *url.URL) string {
	parts := strings.Split(u.EscapedPath(), "/")
	for i := 1; i < len(parts); i++ {
		if secretSegments[parts[i-1]] && parts[i] != "" {
			parts[i] = "…"
		}
	}
	out := strings.Join(parts, "/")
	if u.RawQuery == "" {
		return out
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return out + "?…"
	}
	for k := range q {
		if secretParams[strings.ToLower(k)] {
			q[k] = []string{"…"}
		}
	}
	return out + "?" + q.Encode()
}

// CheckDecoded checks the strings of a value decoded from a JSON body as
// DecodeJSON does, for handlers that decode the body themselves.
func CheckDecoded(v any) error { return checkDecoded(reflect.ValueOf(v), "") }
