package program

import (
	"cmp"
	"html/template"
	"slices"
	"strings"
	"unicode/utf8"
)

// MaxQueryRunes is how much of a search query is read; the rest is ignored.
const MaxQueryRunes = 100

// maxTerms is how many words of a query are searched for.
const maxTerms = 6

// Terms splits a query into the lower-cased words that must all be found.
// Every character is literal: quotes, stars, percent signs and FTS or SQL
// keywords are searched for as text.
func Terms(q string) []string {
	if utf8.RuneCountInString(q) > MaxQueryRunes {
		q = string([]rune(q)[:MaxQueryRunes])
	}
	var out []string
	seen := map[string]bool{}
	for _, t := range strings.Fields(strings.ToLower(strings.ReplaceAll(q, "\u3000", " "))) {
		if !utf8.ValidString(t) || seen[t] {
			continue
		}
		seen[t] = true
		out = append(out, t)
		if len(out) == maxTerms {
			break
		}
	}
	return out
}

// searchFields are the parts of an activity that search reads, lower-cased,
// with their weight in the ranking: the title counts most, then the unit,
// then the title's pinyin initials, then the address, then the content.
func searchFields(a *Activity) [5]string {
	if a.folded != nil {
		return *a.folded
	}
	unit := a.UnitName
	if a.Host != "" && a.Host != a.UnitName {
		unit += " " + a.Host
	}
	if a.Organizer != "" {
		unit += " " + a.Organizer
	}
	return [5]string{strings.ToLower(a.Title), strings.ToLower(unit), strings.ToLower(a.Address), strings.ToLower(a.Content), Initials(a.Title)}
}

var fieldWeights = [5]int{8, 4, 2, 1, 3}

// searchText is what the database searches: the five fields, one a line,
// so a term (which never holds a line break) matches inside one field.
func searchText(a *Activity) string {
	f := searchFields(a)
	return strings.Join(f[:], "\n")
}

// score is how well an activity matches every term, 0 when one is missing.
func score(a *Activity, terms []string) int {
	f := searchFields(a)
	total := 0
	for _, t := range terms {
		s := 0
		for i, text := range f {
			if strings.Contains(text, t) {
				s += fieldWeights[i]
			}
		}
		if s == 0 {
			return 0
		}
		total += s
	}
	return total
}

// Rank keeps the activities that hold every term and orders them by score,
// then start time, then id. It is the one ranking both databases share, so
// the same data gives the same results on each.
func Rank(as []*Activity, terms []string) []*Activity {
	if len(terms) == 0 {
		return as
	}
	type scored struct {
		a *Activity
		s int
	}
	keep := make([]scored, 0, len(as))
	for _, a := range as {
		if s := score(a, terms); s > 0 {
			keep = append(keep, scored{a, s})
		}
	}
	slices.SortStableFunc(keep, func(x, y scored) int {
		if x.s != y.s {
			return y.s - x.s
		}
		if c := x.a.Start.Compare(y.a.Start); c != 0 {
			return c
		}
		return cmp.Compare(x.a.ID, y.a.ID)
	})
	out := make([]*Activity, len(keep))
	for i, k := range keep {
		out[i] = k.a
	}
	return out
}

// Highlight escapes text and marks each place a term is found.
func Highlight(text string, terms []string) template.HTML {
	if len(terms) == 0 || text == "" {
		return template.HTML(template.HTMLEscapeString(text))
	}
	lower := strings.ToLower(text)
	if len(lower) != len(text) {
		// Lower-casing changed byte lengths: positions would not line
		// up, so only exact-case matches are marked.
		lower = text
	}
	marked := make([]bool, len(text))
	for _, t := range terms {
		for from := 0; ; {
			i := strings.Index(lower[from:], t)
			if i < 0 {
				break
			}
			for k := from + i; k < from+i+len(t); k++ {
				marked[k] = true
			}
			from += i + len(t)
		}
	}
	var b strings.Builder
	in := false
	start := 0
	flush := func(end int) {
		b.WriteString(template.HTMLEscapeString(text[start:end]))
		start = end
	}
	for i := 0; i < len(text); i++ {
		if marked[i] != in {
			flush(i)
			if marked[i] {
				b.WriteString("<mark>")
			} else {
				b.WriteString("</mark>")
			}
			in = marked[i]
		}
	}
	flush(len(text))
	if in {
		b.WriteString("</mark>")
	}
	return template.HTML(b.String())
}

// Snippet is the part of text around the first term found, at most about
// width characters, for a result list.
func Snippet(text string, terms []string, width int) string {
	r := []rune(text)
	if len(r) <= width {
		return text
	}
	lower := []rune(strings.ToLower(text))
	at := 0
	if len(lower) == len(r) {
		for _, t := range terms {
			if i := strings.Index(string(lower), t); i >= 0 {
				at = utf8.RuneCountInString(string(lower)[:i])
				break
			}
		}
	}
	from := max(0, at-width/3)
	to := min(len(r), from+width)
	s := string(r[from:to])
	if from > 0 {
		s = "…" + s
	}
	if to < len(r) {
		s += "…"
	}
	return s
}
