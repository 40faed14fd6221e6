package program

import (
	"context"
	"net/url"
	"strings"

	"github.com/sciweek/sciweek/internal/campaign"
)

// Filter narrows the program. Zero values do not filter.
type Filter struct {
	Day      string // YYYY-MM-DD
	District string // code of a district bureau
	Category string // code of a focus area
	Audience string // code of an audience
	Mode     Mode   // onsite: can be attended on site; online: can be followed online; both: both ways
	OpenDay  bool   // institutions' open days only
	Bookable bool   // places can be booked now
	Unit     string // code of the organising unit
	Province string // code of a province's organiser, in a parent's program
	City     string // code of a city's organiser, in a parent's program
	Query    string
}

// Terms are the search words of the filter's query.
func (f Filter) Terms() []string { return Terms(f.Query) }

// ParseFilter reads a filter from query parameters. A value that names
// nothing in the campaign is left out and its parameter named in ignored,
// so the page can say the filter was not applied.
func (s *Service) ParseFilter(ctx context.Context, c campaign.Campaign, q url.Values) (f Filter, ignored []string) {
	var v *view
	var ix *index
	if held, scope, err := s.indexFor(ctx, c); err == nil {
		ix, v = held, scope
	}
	has := func(d func(*index) (*dict, []int32), code string) bool {
		if v == nil {
			return false
		}
		dict, counts := d(ix)
		return v.has(dict, counts, code)
	}
	get := func(k string) string { return strings.TrimSpace(q.Get(k)) }
	ignore := func(k string) { ignored = append(ignored, k) }
	if v := get("day"); v != "" {
		ok := false
		for _, d := range c.Days() {
			ok = ok || d.Format("2006-01-02") == v
		}
		if ok {
			f.Day = v
		} else {
			ignore("day")
		}
	}
	for _, org := range []struct {
		key   string
		codes func(*index) (*dict, []int32)
		dst   *string
	}{
		{"district", func(ix *index) (*dict, []int32) { return ix.districts, v.districts }, &f.District},
		{"unit", func(ix *index) (*dict, []int32) { return ix.units, v.units }, &f.Unit},
		{"province", func(ix *index) (*dict, []int32) { return ix.provinces, v.provinces }, &f.Province},
		{"city", func(ix *index) (*dict, []int32) { return ix.cities, v.cities }, &f.City},
	} {
		if code := get(org.key); code != "" {
			if has(org.codes, code) {
				*org.dst = code
			} else {
				ignore(org.key)
			}
		}
	}
	for _, term := range []struct {
		key   string
		terms []campaign.Term
		dst   *string
	}{{"category", c.Categories, &f.Category}, {"audience", c.Audiences, &f.Audience}} {
		if v := get(term.key); v != "" {
			for _, t := range term.terms {
				if t.Code == v {
					*term.dst = v
				}
			}
			if *term.dst == "" {
				ignore(term.key)
			}
		}
	}
	if v := get("mode"); v != "" {
		for _, m := range Modes {
			if string(m) == v {
				f.Mode = m
			}
		}
		if f.Mode == "" {
			ignore("mode")
		}
	}
	for _, flag := range []struct {
		key string
		dst *bool
	}{{"open_day", &f.OpenDay}, {"bookable", &f.Bookable}} {
		switch get(flag.key) {
		case "":
		case "true", "1", "on":
			*flag.dst = true
		case "false", "0":
		default:
			ignore(flag.key)
		}
	}
	f.Query = get("q")
	return f, ignored
}

// Values writes the filter back as query parameters, for links.
func (f Filter) Values() url.Values {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	set("q", f.Query)
	set("day", f.Day)
	set("district", f.District)
	set("category", f.Category)
	set("audience", f.Audience)
	set("mode", string(f.Mode))
	set("unit", f.Unit)
	set("province", f.Province)
	set("city", f.City)
	if f.OpenDay {
		v.Set("open_day", "true")
	}
	if f.Bookable {
		v.Set("bookable", "true")
	}
	return v
}

// Empty reports whether the filter lets everything through.
func (f Filter) Empty() bool { return len(f.Values()) == 0 }
