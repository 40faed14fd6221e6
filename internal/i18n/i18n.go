// Package i18n holds sciweek's message catalogues (zh-CN first, English
// second) and formats dates and times the way each language writes them.
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"time"
)

// The supported languages.
const (
	Chinese = "zh-CN"
	English = "en"
)

// Languages lists the supported languages, the default first.
var Languages = []string{Chinese, English}

// Each language has a folder of JSON files, one per domain, merged at start.
//
//go:embed catalog
var catalogFS embed.FS

var catalogs = map[string]map[string]string{}

func init() {
	for _, lang := range Languages {
		m := map[string]string{}
		files, err := fs.Glob(catalogFS, "catalog/"+lang+"/*.json")
		if err != nil {
			panic(err)
		}
		for _, f := range files {
			b, err := catalogFS.ReadFile(f)
			if err != nil {
				panic(err)
			}
			part := map[string]string{}
			if err := json.Unmarshal(b, &part); err != nil {
				panic(fmt.Sprintf("catalog %s: %v", f, err))
			}
			for k, v := range part {
				if _, dup := m[k]; dup {
					panic(fmt.Sprintf("catalog %s: key %q is defined twice", f, k))
				}
				m[k] = v
			}
		}
		catalogs[lang] = m
	}
}

// Keys lists every key of a language's catalogue, sorted.
func Keys(lang string) []string {
	var ks []string
	for k := range catalogs[lang] {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// Has reports whether the catalogue of lang holds key.
func Has(lang, key string) bool {
	_, ok := catalogs[lang][key]
	return ok
}

// Normalize maps a language tag to a supported language, or "" when none fits.
func Normalize(tag string) string {
	tag = strings.ToLower(strings.TrimSpace(tag))
	switch {
	case tag == "":
		return ""
	case strings.HasPrefix(tag, "zh"):
		return Chinese
	case strings.HasPrefix(tag, "en"):
		return English
	}
	return ""
}

// FromAcceptLanguage picks the first supported language of an
// Accept-Language header, or Chinese.
func FromAcceptLanguage(h string) string {
	type cand struct {
		lang string
		q    float64
	}
	var cs []cand
	for i, part := range strings.Split(h, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			fmt.Sscanf(v, "%g", &q)
		}
		if l := Normalize(tag); l != "" && q > 0 {
			cs = append(cs, cand{l, q - float64(i)*1e-6})
		}
	}
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].q > cs[j].q })
	if len(cs) > 0 {
		return cs[0].lang
	}
	return Chinese
}

// Localizer translates and formats for one language.
type Localizer struct{ Lang string }

// For returns the localizer of a language, Chinese when it is unknown.
func For(lang string) Localizer {
	if l := Normalize(lang); l != "" {
		return Localizer{Lang: l}
	}
	return Localizer{Lang: Chinese}
}

// T returns the message for key, formatted with args (fmt verbs).
func (l Localizer) T(key string, args ...any) string {
	s, ok := catalogs[l.Lang][key]
	if !ok {
		s, ok = catalogs[Chinese][key]
	}
	if !ok {
		return key
	}
	if len(args) > 0 {
		args = append([]any(nil), args...)
		for i, a := range args {
			if x, ok := a.(Localized); ok {
				args[i] = x.Localize(l)
			}
		}
		return fmt.Sprintf(s, args...)
	}
	return s
}

// Localized is a message argument that writes itself in the reader's
// language, such as a measured length (3分05秒, 3 min 05 s).
type Localized interface {
	Localize(l Localizer) string
}

// Date writes a calendar date: 2020年8月23日 or 23 Aug 2020.
func (l Localizer) Date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	if l.Lang == English {
		return t.Format("2 Jan 2006")
	}
	return fmt.Sprintf("%d年%d月%d日", t.Year(), t.Month(), t.Day())
}

// DateTime writes a date and a time of day.
func (l Localizer) DateTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	if l.Lang == English {
		return t.Format("2 Jan 2006 15:04")
	}
	return fmt.Sprintf("%d年%d月%d日 %s", t.Year(), t.Month(), t.Day(), t.Format("15:04"))
}

// Weekday names a day of the week.
func (l Localizer) Weekday(t time.Time) string {
	if l.Lang == English {
		return t.Format("Mon")
	}
	return []string{"周日", "周一", "周二", "周三", "周四", "周五", "周六"}[t.Weekday()]
}

// DateRange writes two dates as a range: 2020年8月23日至29日.
func (l Localizer) DateRange(a, b time.Time) string {
	if l.Lang == English {
		if a.Year() == b.Year() && a.Month() == b.Month() {
			return fmt.Sprintf("%d–%d %s %d", a.Day(), b.Day(), a.Format("Jan"), a.Year())
		}
		return l.Date(a) + " – " + l.Date(b)
	}
	switch {
	case a.Year() == b.Year() && a.Month() == b.Month():
		return fmt.Sprintf("%d年%d月%d日至%d日", a.Year(), a.Month(), a.Day(), b.Day())
	case a.Year() == b.Year():
		return fmt.Sprintf("%d年%d月%d日至%d月%d日", a.Year(), a.Month(), a.Day(), b.Month(), b.Day())
	}
	return l.Date(a) + "至" + l.Date(b)
}
