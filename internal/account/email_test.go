package account_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/apptest"
	"github.com/sciweek/sciweek/internal/demo"
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

// TestLanguageChoiceIsRemembered: the language a person picks is the one
// their e-mail comes in.
func TestLanguageChoiceIsRemembered(t *testing.T) {
	e := apptest.New(t)
	hqu := e.As(t, "hqu")
	if res := hqu.PostForm("/lang/en", url.Values{"next": {"/dashboard"}}); res.Status != http.StatusSeeOther {
		t.Fatalf("switch: %d", res.Status)
	}
	acc, err := e.App.Accounts.Account(account.AsSystem(context.Background()), "hqu")
	if err != nil || acc.Locale != "en" {
		t.Fatalf("locale %q, %v", acc.Locale, err)
	}
	again := e.Client(t)
	again.Login("hqu", demo.Password)
	if res := again.Get("/dashboard"); !strings.Contains(res.Body, `<html lang="en">`) {
		t.Error("the next login is not in English")
	}
	if res := e.Client(t).Get("/lang/en"); res.Status != http.StatusSeeOther {
		t.Errorf("the public switches too: %d", res.Status)
	}
}
