package program

import (
	"html/template"
	"strconv"
	"strings"
)

// A list of activity cards and the filters' choices are the bulk of every
// program page: written by html/template they took some twenty reflective
// actions a card and four a choice, most of the CPU of rendering a list
// page. cardList and Options.HTML write the same bytes directly. Every
// value is escaped as html/template escapes it where it stands — text and
// quoted attributes by htmlEscape, a value inside a URL path by
// urlNormalize then htmlEscape — and TestCardsMatchTheTemplate holds the
// output byte for byte to testdata/card.html, hostile values included.

// cardList writes cards as the list, day, unit and home pages show them:
// under a section's h2 (sub), and with each card's times that day when
// times is given.
func (b base) cardList(cards []Card, sub bool, times []string) template.HTML {
	openDay, bookable := b.T("program.open_day"), b.T("program.bookable")
	heading := "h2"
	if sub {
		heading = "h3"
	}
	var w strings.Builder
	w.Grow(700 * len(cards))
	for i, c := range cards {
		w.WriteString("\n<li class=\"act\">\n  <")
		w.WriteString(heading)
		w.WriteString(`><a href="/activities/`)
		w.WriteString(strconv.FormatInt(c.ID, 10))
		w.WriteString(`">`)
		w.WriteString(string(c.TitleHTML))
		w.WriteString("</a></")
		w.WriteString(heading)
		w.WriteString(">\n  <p class=\"meta\"><span>")
		if i < len(times) && times[i] != "" {
			htmlEscape(&w, times[i])
		} else {
			htmlEscape(&w, c.When)
		}
		w.WriteString(`</span> · <a href="/campaigns/`)
		urlNormalize(&w, c.CampaignSlug)
		w.WriteString("/units/")
		urlNormalize(&w, c.UnitCode)
		w.WriteString(`">`)
		htmlEscape(&w, c.UnitName)
		w.WriteString("</a>")
		if c.DistrictName != "" {
			w.WriteString(" · ")
			htmlEscape(&w, c.DistrictName)
		}
		if c.CityName != "" && c.CampaignSlug != b.C.Slug {
			w.WriteString(" · ")
			htmlEscape(&w, c.CityName)
		}
		w.WriteString("</p>\n  ")
		if c.SnippetHTML != "" {
			w.WriteString(`<p class="snippet">`)
			w.WriteString(string(c.SnippetHTML))
			w.WriteString("</p>")
		}
		w.WriteString("\n  <p class=\"tags\"><span class=\"badge\">")
		htmlEscape(&w, c.ModeLabel)
		w.WriteString("</span>")
		if c.Kind == KindOpenDay {
			w.WriteString(` <span class="badge ok">`)
			htmlEscape(&w, openDay)
			w.WriteString("</span>")
		}
		if c.Bookable {
			w.WriteString(` <span class="badge ok">`)
			htmlEscape(&w, bookable)
			w.WriteString("</span>")
		}
		w.WriteString("</p>\n</li>\n")
	}
	return template.HTML(w.String())
}

// HTML writes the choices as options of a select.
func (os Options) HTML() template.HTML {
	var w strings.Builder
	w.Grow(48 * len(os))
	for _, o := range os {
		w.WriteString(`<option value="`)
		htmlEscape(&w, o.Value)
		w.WriteString(`"`)
		if o.Selected {
			w.WriteString(" selected")
		}
		w.WriteString(">")
		htmlEscape(&w, o.Label)
		w.WriteString("</option>")
	}
	return template.HTML(w.String())
}

// htmlEscape writes s as html/template writes a string in text or in a
// quoted attribute value.
func htmlEscape(w *strings.Builder, s string) {
	last := 0
	for i := 0; i < len(s); i++ {
		var r string
		switch s[i] {
		case 0:
			r = "\uFFFD"
		case '"':
			r = "&#34;"
		case '&':
			r = "&amp;"
		case '\'':
			r = "&#39;"
		case '+':
			r = "&#43;"
		case '<':
			r = "&lt;"
		case '>':
			r = "&gt;"
		default:
			continue
		}
		w.WriteString(s[last:i])
		w.WriteString(r)
		last = i + 1
	}
	w.WriteString(s[last:])
}

// urlNormalize writes s as html/template writes a string placed in the
// path of a URL in a quoted attribute: bytes a URL may not hold
// percent-encoded (an escape already made kept), then what remains
// HTML-escaped.
func urlNormalize(w *strings.Builder, s string) {
	const hex = "0123456789abcdef"
	last := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', strings.IndexByte("-._~!#$*,/:;=?@[]", c) >= 0:
			continue
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			continue // an escape already
		case c == '&' || c == '+':
			w.WriteString(s[last:i])
			if c == '&' {
				w.WriteString("&amp;")
			} else {
				w.WriteString("&#43;")
			}
		default:
			w.WriteString(s[last:i])
			w.Write([]byte{'%', hex[c>>4], hex[c&15]})
		}
		last = i + 1
	}
	w.WriteString(s[last:])
}

func isHex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }
