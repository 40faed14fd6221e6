package web_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/web"
)

// FuzzDecodeJSON decodes arbitrary request bodies as the API's JSON
// helper does: it never panics, and every refusal is a 422 the client can
// read.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{`{"name": "张三", "phone": "13800138000", "party_size": 2, "consent": true}`, `{"days": ["2026-12-20"], "every": "60"}`,
		`{"name": "x", "extra": 1}`, `[1, 2`, `{"party_size": 1e400}`, `{"a": "\ud800"}`, "\xef\xbb\xbf{}", `{} {}`, `{"name": {"nested": [1, {"x": null}]}}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		var v struct {
			Name    string         `json:"name"`
			Party   int            `json:"party_size"`
			Consent bool           `json:"consent"`
			Days    []string       `json:"days"`
			Any     map[string]any `json:"a"`
		}
		r := httptest.NewRequest("POST", "/api/v1/x", strings.NewReader(body))
		if err := web.DecodeJSON(r, &v); err != nil {
			if e, ok := errs.As(err); !ok || web.Status(e.Code) != 422 {
				t.Fatalf("refusal %v is not a 422", err)
			}
		}
	})
}
