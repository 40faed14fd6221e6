package i18n

import (
	"testing"
	"time"
)

func TestCataloguesHaveTheSameKeys(t *testing.T) {
	zh, en := map[string]bool{}, map[string]bool{}
	for _, k := range Keys(Chinese) {
		zh[k] = true
	}
	for _, k := range Keys(English) {
		en[k] = true
	}
	for k := range zh {
		if !en[k] {
			t.Errorf("key %q has no English text", k)
		}
	}
	for k := range en {
		if !zh[k] {
			t.Errorf("key %q has no Chinese text", k)
		}
	}
}

func TestFromAcceptLanguage(t *testing.T) {
	for h, want := range map[string]string{
		"":                        Chinese,
		"en-US,en;q=0.9":          English,
		"zh-CN,zh;q=0.9,en;q=0.8": Chinese,
		"fr-FR, en;q=0.5":         English,
		"de":                      Chinese,
		"en;q=0.4, zh-TW;q=0.8":   Chinese,
	} {
		if got := FromAcceptLanguage(h); got != want {
			t.Errorf("FromAcceptLanguage(%q) = %q, want %q", h, got, want)
		}
	}
}

func TestDates(t *testing.T) {
	a := time.Date(2020, 8, 23, 9, 30, 0, 0, time.UTC)
	b := time.Date(2020, 8, 29, 0, 0, 0, 0, time.UTC)
	if got := For(Chinese).DateRange(a, b); got != "2020年8月23日至29日" {
		t.Errorf("zh range = %q", got)
	}
	if got := For(English).DateRange(a, b); got != "23–29 Aug 2020" {
		t.Errorf("en range = %q", got)
	}
	if got := For(Chinese).DateTime(a); got != "2020年8月23日 09:30" {
		t.Errorf("zh datetime = %q", got)
	}
}
