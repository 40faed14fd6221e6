package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strings"

	"github.com/sciweek/sciweek/internal/errs"
)

// MaxPerPage is the largest page size a list answers with.
const MaxPerPage = 200

// List is the API's list shape.
type List[T any] struct {
	Items   []T `json:"items"`
	Total   int `json:"total"`
	Page    int `json:"page"`
	PerPage int `json:"per_page"`
}

// Paging reads page and per_page from the query string.
func Paging(r *http.Request, defaultPerPage int) (page, perPage int, err error) {
	f := errs.Fields{}
	page, perPage = 1, defaultPerPage
	if v := r.URL.Query().Get("page"); v != "" {
		if n, ok := Int(v, 1, MaxPage); ok {
			page = n
		} else {
			f.Add("page", "security.error.page", MaxPage)
		}
	}
	if v := r.URL.Query().Get("per_page"); v != "" {
		if n, ok := Int(v, 1, MaxPerPage); ok {
			perPage = n
		} else {
			f.Add("per_page", "error.per_page", MaxPerPage)
		}
	}
	// A bad value never reaches an offset: callers that ignore the error
	// still get a page that exists.
	if err := f.Err(); err != nil {
		return 1, defaultPerPage, err
	}
	return page, perPage, nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

// JSON answers with v. GET answers carry an ETag and honour If-None-Match.
func JSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	err := enc.Encode(v)
	body := buf.Bytes()
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]any{"error": apiError{Code: errs.Internal, Message: L(r.Context()).T("error.internal")}})
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	if r.Method == http.MethodGet && status == http.StatusOK {
		sum := sha256.Sum256(body)
		etag := `"` + hex.EncodeToString(sum[:12]) + `"`
		w.Header().Set("ETag", etag)
		w.Header().Set("Cache-Control", "no-cache")
		w.Header().Add("Vary", "Accept-Language, Authorization, Cookie")
		if etagMatch(r.Header.Get("If-None-Match"), etag) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
	} else {
		w.Header().Set("Cache-Control", "no-store")
	}
	w.WriteHeader(status)
	w.Write(body)
}

func etagMatch(header, etag string) bool {
	for _, v := range strings.Split(header, ",") {
		v = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), "W/"))
		if v == etag || v == "*" {
			return true
		}
	}
	return false
}

// MaxJSONBytes bounds a JSON request body.
const MaxJSONBytes = 1 << 20

// DecodeJSON reads a JSON request body of at most MaxJSONBytes into v and
// checks its strings as a form's are checked. Errors: TooLarge (413) for a
// body over the limit, Invalid for malformed JSON or a bad string.
func DecodeJSON(r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, MaxJSONBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			return errs.Wrap(errs.TooLarge, err, "error.too_large")
		}
		return errs.Wrap(errs.Invalid, err, "error.json")
	}
	return checkDecoded(reflect.ValueOf(v), "")
}
