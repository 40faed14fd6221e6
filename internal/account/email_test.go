package account_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/sciweek/sciweek/internal/apptest"
)

// TestMalformedEmailIsRefused: notices go by e-mail, so an address that
// cannot receive one is refused where it is typed, beside the field.
func TestMalformedEmailIsRefused(t *testing.T) {
	e := apptest.New(t)
	form := func(email string) url.Values {
		return url.Values{"username": {"hqu-clerk"}, "password": {"long-enough-1"}, "roles": {"filer"}, "email": {email}}
	}
	e.Run(t, []apptest.Scenario{
		{Name: "two at signs", As: "admin", Method: "POST", Path: "/admin/orgs/hqu/accounts", Form: form("lin@@example.cn"),
			Status: http.StatusUnprocessableEntity, Contains: []string{`id="email-error"`, `value="lin@@example.cn"`}},
		{Name: "no domain", As: "admin", Method: "POST", Path: "/admin/orgs/hqu/accounts", Form: form("lin@"),
			Status: http.StatusUnprocessableEntity, Contains: []string{`id="email-error"`}},
		{Name: "a name with the address", As: "admin", Method: "POST", Path: "/admin/orgs/hqu/accounts", Form: form("林老师 <lin@example.cn>"),
			Status: http.StatusUnprocessableEntity, Contains: []string{`id="email-error"`}},
		{Name: "plain address", As: "admin", Method: "POST", Path: "/admin/orgs/hqu/accounts", Form: form("lin@example.cn"),
			Status: http.StatusCreated, Contains: []string{"lin@example.cn"}},
	})
}
