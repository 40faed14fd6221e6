// Package timetext reads the opening times of an activity as people write
// them by hand in a table or a form — 2020年8月23日—8月29日
// 9:00-11:30、14:30-17:00, 8月24日、8月26日 9:00-17:00, 周六、周日全天,
// 9:00—17:00（8月23日）— and expands them into sessions inside the
// campaign week.
//
// It is pure: no clock, no database, no catalogue. What it cannot read for
// certain — a time with no date, a day outside the week, 25:00, 2月30日, a
// lone 上午 — it flags with a catalogue key and the words at fault, and
// never guesses. The reading carries a summary of what was understood in
// Chinese and English, and the stored form of its sessions, one a line,
// which Parse reads back as it wrote it.
package timetext

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Window is the campaign week the text is read against.
type Window struct {
	// First and Last are the first and last days of the week; only their
	// dates count, in First's location. A zero Window checks no week: dates
	// must then carry their year.
	First, Last time.Time
	// Location is where the days of a zero Window are, UTC when nil.
	Location *time.Location
}

func (w Window) zero() bool { return w.First.IsZero() }

func (w Window) loc() *time.Location {
	switch {
	case !w.zero():
		return w.First.Location()
	case w.Location != nil:
		return w.Location
	}
	return time.UTC
}

// days lists every day of the week.
func (w Window) days() []time.Time {
	var out []time.Time
	for d := w.first(); !d.After(w.last()); d = d.AddDate(0, 0, 1) {
		out = append(out, d)
	}
	return out
}

func (w Window) first() time.Time { return midnight(w.First, w.loc()) }
func (w Window) last() time.Time  { return midnight(w.Last, w.loc()) }

func (w Window) contains(d time.Time) bool {
	return w.zero() || (!d.Before(w.first()) && !d.After(w.last()))
}

func midnight(t time.Time, loc *time.Location) time.Time {
	t = t.In(loc)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
}

// Session is one opening: a day and its hours, or the whole day.
type Session struct {
	Start, End time.Time
	// AllDay marks the whole day: Start is midnight, End the next one.
	AllDay bool
}

// String writes the session in its stored form: 2020-08-23 09:00-11:30,
// or 2020-08-23 全天 for the whole day.
func (s Session) String() string {
	if s.AllDay {
		return s.Start.Format("2006-01-02") + " 全天"
	}
	return s.Start.Format("2006-01-02 15:04") + "-" + clock(s.Start, s.End)
}

// clock writes the end of a session, 24:00 when it is the next midnight.
func clock(start, end time.Time) string {
	if end.Hour() == 0 && end.Minute() == 0 && end.After(start) {
		return "24:00"
	}
	return end.Format("15:04")
}

// Flag is something the text says that could not be taken as it is.
type Flag struct {
	// Key is the catalogue key of the message, timetext.*.
	Key string
	// Args are the message's arguments: first the words at fault, as
	// written, then, for a day outside the week, its first and last days.
	Args []any
}

// Reading is what a text means.
type Reading struct {
	// Text is the text as written.
	Text string
	// Sessions are the sessions understood, in time order, each once.
	Sessions []Session
	// Flags say what could not be read for certain; a reading with flags
	// must not be stored as it is.
	Flags []Flag
	// SummaryZH and SummaryEN say what was understood, e.g. 8月23日至29日
	// 每天 2 场：09:00–11:30、14:30–17:00，共 14 场.
	SummaryZH, SummaryEN string
}

// OK reports whether the text was read whole and means at least one session.
func (r Reading) OK() bool { return len(r.Flags) == 0 && len(r.Sessions) > 0 }

// Summary returns the summary in the language ("en" or Chinese).
func (r Reading) Summary(lang string) string {
	if lang == "en" {
		return r.SummaryEN
	}
	return r.SummaryZH
}

// Stored returns the sessions in their stored form, one a line.
func (r Reading) Stored() string {
	lines := make([]string, len(r.Sessions))
	for i, s := range r.Sessions {
		lines[i] = s.String()
	}
	return strings.Join(lines, "\n")
}

// Sessions returns the sessions of a value in its stored form (as
// Reading.Stored writes it), its days in loc; false when the value is not
// in that form.
func Sessions(stored string, loc *time.Location) ([]Session, bool) {
	r := Parse(stored, Window{Location: loc})
	return r.Sessions, r.OK()
}

// Parse reads text against the week. See the package comment.
func Parse(text string, w Window) Reading {
	p := parser{w: w, text: []rune(text)}
	p.toks = scan(normalise(text))
	p.run()
	r := Reading{Text: text, Flags: p.flags}
	seen := map[time.Time]bool{}
	for _, g := range p.groups {
		for _, s := range g.sessions {
			if !seen[s.Start] {
				seen[s.Start] = true
				r.Sessions = append(r.Sessions, s)
			}
		}
	}
	sort.SliceStable(r.Sessions, func(i, j int) bool { return r.Sessions[i].Start.Before(r.Sessions[j].Start) })
	p.checkCounts(r.Sessions)
	r.Flags = p.flags
	if len(r.Sessions) == 0 && len(r.Flags) == 0 {
		r.Flags = append(r.Flags, Flag{Key: "timetext.empty", Args: []any{strings.TrimSpace(text)}})
	}
	r.SummaryZH, r.SummaryEN = summarise(p.groups, len(r.Sessions))
	return r
}

// checkCounts checks the counts the text gives against what was read:
// 每天两场 against the sessions of each day, 共14场 against all of them,
// 共7天 against the days.
func (p *parser) checkCounts(sessions []Session) {
	if len(p.counts) == 0 || len(sessions) == 0 {
		return
	}
	days := len(uniqueDays(sessions))
	for _, c := range p.counts {
		switch c.m {
		case countDays:
			if c.d != days {
				p.flag("timetext.count_mismatch", c.from, c.to, fmt.Sprintf("%d", days))
			}
		case countSessions:
			perDay := true
			for _, g := range p.groups {
				perDay = perDay && len(g.spans) == c.d
			}
			if c.d != len(sessions) && !perDay {
				p.flag("timetext.count_mismatch", c.from, c.to, fmt.Sprintf("%d", len(sessions)))
			}
		}
	}
}

// span is the hours of a session in minutes from midnight; allDay for the
// whole day.
type span struct {
	start, end int
	allDay     bool
}

// group is some days that share some hours.
type group struct {
	days     []time.Time
	spans    []span
	sessions []Session
}

type parser struct {
	w      Window
	text   []rune
	toks   []token
	flags  []Flag
	groups []group
	counts []token
}

// quote returns the text as written between two rune offsets, trimmed.
func (p *parser) quote(from, to int) string {
	return strings.TrimSpace(string(p.text[from:to]))
}

func (p *parser) flag(key string, from, to int, args ...any) {
	p.flags = append(p.flags, Flag{Key: key, Args: append([]any{p.quote(from, to)}, args...)})
}

func (p *parser) weekArgs() []any {
	return []any{p.w.first().Format("2006-01-02"), p.w.last().Format("2006-01-02")}
}

// block is a run of tokens about days, or about hours.
type block struct {
	dates bool
	toks  []token
}

func (b block) from() int { return b.toks[0].from }
func (b block) to() int   { return b.toks[len(b.toks)-1].to }

func (p *parser) run() {
	p.settleNumbers()
	var blocks []block
	for _, t := range p.toks {
		if t.bad != "" {
			p.flag(t.bad, t.from, t.to)
			continue
		}
		var dates bool
		switch t.kind {
		case kDate, kEvery, kWeekdays, kWeek:
			dates = true
		case kTime, kPeriod, kAllDay:
			dates = false
		case kCount:
			p.counts = append(p.counts, t)
			continue
		case kRange, kSep:
			if n := len(blocks); n > 0 {
				blocks[n-1].toks = append(blocks[n-1].toks, t)
			}
			continue
		default:
			p.flag("timetext.unreadable", t.from, t.to)
			continue
		}
		if n := len(blocks); n > 0 && blocks[n-1].dates == dates {
			blocks[n-1].toks = append(blocks[n-1].toks, t)
			continue
		}
		blocks = append(blocks, block{dates: dates, toks: []token{t}})
	}
	for i := range blocks { // connectors at the end of a block join nothing
		b := &blocks[i]
		for len(b.toks) > 0 && (b.toks[len(b.toks)-1].kind == kRange || b.toks[len(b.toks)-1].kind == kSep) {
			b.toks = b.toks[:len(b.toks)-1]
		}
	}
	if len(blocks) == 0 {
		return
	}
	hasHours := false
	for _, b := range blocks {
		hasHours = hasHours || !b.dates
	}
	// Days then their hours (8月23日 9:00-11:30), or hours then their days
	// (9:00—17:00（8月23日）), as the text begins.
	daysFirst := blocks[0].dates
	for i := 0; i < len(blocks); {
		var d, h *block
		if daysFirst {
			d = &blocks[i]
			if i+1 < len(blocks) && !blocks[i+1].dates {
				h = &blocks[i+1]
			}
		} else {
			h = &blocks[i]
			if i+1 < len(blocks) && blocks[i+1].dates {
				d = &blocks[i+1]
			}
		}
		switch {
		case d != nil && h != nil:
			p.pair(*d, *h)
			i += 2
		case d != nil && hasHours:
			p.flag("timetext.no_time", d.from(), d.to())
			i++
		case d != nil:
			p.pair(*d, block{toks: []token{{kind: kAllDay}}})
			i++
		default:
			p.flag("timetext.no_date", h.from(), h.to())
			i++
		}
	}
}

// settleNumbers decides what each bare number is from its neighbours: the
// 9 of 9-11点 is an hour, the 23 of 23-25日 and of 8月23、24日 a day.
func (p *parser) settleNumbers() {
	ts := p.toks
	is := func(i int, k kind) bool { return i >= 0 && i < len(ts) && ts[i].kind == k }
	link := func(i int) bool { return is(i, kRange) || is(i, kSep) }
	for i := range ts {
		if ts[i].kind != kNum {
			continue
		}
		switch {
		case is(i+1, kRange) && (is(i+2, kTime) || (is(i+2, kPeriod) && is(i+3, kTime))),
			is(i-1, kRange) && is(i-2, kTime):
			ts[i].kind, ts[i].min = kTime, 0
			if ts[i].h > 24 {
				ts[i].bad = "timetext.bad_time"
			}
		case link(i-1) && is(i-2, kDate):
			ts[i].kind = kDate
		default:
			// A day when a chain of numbers ends in a day: 23、24、25日.
			j := i
			for link(j+1) && is(j+2, kNum) {
				j += 2
			}
			if link(j+1) && is(j+2, kDate) && !ts[j+2].yearSet && !ts[j+2].monthSet {
				ts[i].kind = kDate
			}
		}
	}
}

// pair reads a block of days and a block of hours into sessions.
func (p *parser) pair(d, h block) {
	days := p.days(d)
	spans := p.spans(h)
	g := group{days: days, spans: spans}
	loc := p.w.loc()
	for _, day := range days {
		for _, s := range spans {
			if s.allDay {
				g.sessions = append(g.sessions, Session{Start: day, End: day.AddDate(0, 0, 1), AllDay: true})
				continue
			}
			y, m, dd := day.Date()
			g.sessions = append(g.sessions, Session{
				Start: time.Date(y, m, dd, s.start/60, s.start%60, 0, 0, loc),
				End:   time.Date(y, m, dd, s.end/60, s.end%60, 0, 0, loc),
			})
		}
	}
	if len(g.sessions) > 0 {
		p.groups = append(p.groups, g)
	}
}

// Moment reads one point in time as people write a start or an end:
// 8月23日上午9点半, 2020年8月23日 14:30, 8.23 9:00, or a day alone. It is
// false when the text is not one day with at most one time; flags say
// what is wrong with one that is (2月30日, 25:00, a day outside the week).
func Moment(text string, w Window) (t time.Time, hasTime bool, flags []Flag, ok bool) {
	p := parser{w: w, text: []rune(text)}
	p.toks = scan(normalise(text))
	p.settleNumbers()
	var date, clock *token
	var ann uint8
	annTo, period := 0, periodNone
	for i := range p.toks {
		tok := &p.toks[i]
		if tok.bad != "" {
			p.flag(tok.bad, tok.from, tok.to)
			continue
		}
		switch {
		case tok.kind == kDate && date == nil && clock == nil:
			date = tok
		case tok.kind == kWeekdays && date != nil && ann == 0 && i > 0 && p.toks[i-1].kind == kDate:
			ann, annTo = tok.mask, tok.to
		case tok.kind == kPeriod && clock == nil && period == periodNone:
			period = tok.period
		case tok.kind == kTime && clock == nil && date != nil:
			clock = tok
		default:
			return time.Time{}, false, nil, false
		}
	}
	if date == nil {
		return time.Time{}, false, p.flags, len(p.flags) > 0
	}
	d := day{tok: *date, m: date.m, y: date.y, ann: ann, annTo: annTo}
	t, dateOK := p.date(d)
	if dateOK && p.sameWeekday(d, t) && !p.w.contains(t) {
		p.flag("timetext.outside_week", date.from, date.to, p.weekArgs()...)
	}
	if clock != nil && dateOK {
		if mins, ok := p.clock(*clock, period, -1); ok {
			if mins < 6*60 && period == periodNone && clock.period == periodNone && !clock.padded {
				p.flag("timetext.early", clock.from, clock.to)
			}
			t = t.Add(time.Duration(mins) * time.Minute)
			hasTime = true
		}
	} else if period != periodNone && clock == nil {
		p.flag("timetext.period_without_time", date.from, len(p.text))
	}
	return t, hasTime, p.flags, true
}
