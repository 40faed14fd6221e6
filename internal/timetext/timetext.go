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

// day is one date of a block of days, once its month and year are known.
type day struct {
	tok     token
	m, y    int
	inherit bool  // the month was taken from a neighbour
	rangeTo bool  // a range runs from this one to the next
	ann     uint8 // the weekday written beside the date: 8月23日（周日）
	annTo   int   // where that weekday ends in the text
}

// days reads a block of days.
func (p *parser) days(b block) []time.Time {
	var ds []day
	var mask uint8
	every := false
	for i, t := range b.toks {
		switch t.kind {
		case kDate:
			ds = append(ds, day{tok: t, m: t.m, y: t.y})
		case kWeekdays:
			n := len(ds)
			if n > 0 && i > 0 && b.toks[i-1].kind == kDate && ds[n-1].tok.kind == kDate {
				// A weekday right after a date names that date's weekday,
				// unless the date ends a range whose start named none:
				// 8月23日至29日周六 keeps the Saturdays.
				endsRange := n > 1 && ds[n-2].rangeTo && ds[n-2].tok.kind == kDate
				if !endsRange || ds[n-2].ann != 0 {
					ds[n-1].ann, ds[n-1].annTo = t.mask, t.to
					continue
				}
			}
			if n > 0 && ds[n-1].rangeTo && ds[n-1].tok.kind == kWeekdays {
				ds[n-1].rangeTo = false
				mask |= weekdayRange(ds[n-1].tok.mask, t.mask)
				continue
			}
			ds = append(ds, day{tok: t})
			mask |= t.mask
		case kEvery, kWeek:
			every = true
		case kRange:
			if n := len(ds); n > 0 {
				ds[n-1].rangeTo = true
			}
		}
	}
	// A day without its month takes it from the day before it (8月23、24日),
	// or else from a day after it (23日至8月25日).
	for i := range ds {
		if ds[i].tok.kind != kDate || ds[i].m != 0 {
			continue
		}
		for j := i - 1; j >= 0 && ds[i].m == 0; j-- {
			if ds[j].tok.kind == kDate && ds[j].m != 0 {
				ds[i].m, ds[i].y, ds[i].inherit = ds[j].m, ds[j].y, true
			}
		}
		for j := i + 1; j < len(ds) && ds[i].m == 0; j++ {
			if ds[j].tok.kind == kDate && ds[j].tok.monthSet {
				ds[i].m, ds[i].y, ds[i].inherit = ds[j].m, ds[j].y, true
			}
		}
	}
	var dates []time.Time
	hasDates := false
	for i := 0; i < len(ds); i++ {
		d := ds[i]
		if d.tok.kind != kDate {
			continue
		}
		hasDates = true
		a, ok := p.date(d)
		if !ok || !p.sameWeekday(d, a) {
			continue
		}
		if d.rangeTo && i+1 < len(ds) && ds[i+1].tok.kind == kDate {
			e := ds[i+1]
			i++
			z, ok := p.date(e)
			if !ok {
				continue
			}
			if z.Before(a) && e.inherit && e.tok.m == 0 { // 12月30日至2日 runs into the next month
				if n := z.AddDate(0, 1, 0); n.Day() == z.Day() && p.w.contains(n) {
					z = n
				}
			}
			if !p.sameWeekday(e, z) {
				continue
			}
			if !z.After(a) {
				p.flag("timetext.end_before_start", d.tok.from, e.tok.to)
				continue
			}
			if !p.w.contains(a) || !p.w.contains(z) {
				p.flag("timetext.outside_week", d.tok.from, e.tok.to, p.weekArgs()...)
				continue
			}
			for x := a; !x.After(z); x = x.AddDate(0, 0, 1) {
				dates = append(dates, x)
			}
			continue
		}
		if !p.w.contains(a) {
			p.flag("timetext.outside_week", d.tok.from, d.tok.to, p.weekArgs()...)
			continue
		}
		dates = append(dates, a)
	}
	if !hasDates {
		if mask == 0 && !every {
			return nil
		}
		if p.w.zero() {
			p.flag("timetext.no_week", b.from(), b.to())
			return nil
		}
		for _, x := range p.w.days() {
			if mask == 0 || mask&(1<<x.Weekday()) != 0 {
				dates = append(dates, x)
			}
		}
		return dates
	}
	if mask != 0 { // 8月23日至29日（周六、周日）: only those weekdays
		var kept []time.Time
		for _, x := range dates {
			if mask&(1<<x.Weekday()) != 0 {
				kept = append(kept, x)
			}
		}
		dates = kept
	}
	return dates
}

// sameWeekday checks the weekday written beside a date against the date.
func (p *parser) sameWeekday(d day, t time.Time) bool {
	if d.ann == 0 || d.ann&(1<<t.Weekday()) != 0 {
		return true
	}
	p.flag("timetext.weekday_mismatch", d.tok.from, d.annTo)
	return false
}

// weekdayRange returns the weekdays from a to z: 周一至周五.
func weekdayRange(a, z uint8) uint8 {
	from, to := bitIndex(a), bitIndex(z)
	var m uint8
	for i := from; ; i = (i + 1) % 7 {
		m |= 1 << i
		if i == to {
			return m
		}
	}
}

func bitIndex(m uint8) int {
	for i := 0; i < 7; i++ {
		if m&(1<<i) != 0 {
			return i
		}
	}
	return 0
}

// date resolves one day: its month from the text or the week, its year
// from the text or the week; flagged when no such day exists.
func (p *parser) date(d day) (time.Time, bool) {
	loc := p.w.loc()
	m, y := d.m, d.y
	if m == 0 {
		// A day alone: the day of that number inside the week.
		if p.w.zero() {
			p.flag("timetext.no_week", d.tok.from, d.tok.to)
			return time.Time{}, false
		}
		var found []time.Time
		for _, x := range p.w.days() {
			if x.Day() == d.tok.d {
				found = append(found, x)
			}
		}
		switch len(found) {
		case 1:
			return found[0], true
		case 0:
			p.flag("timetext.outside_week", d.tok.from, d.tok.to, p.weekArgs()...)
		default:
			p.flag("timetext.ambiguous_day", d.tok.from, d.tok.to)
		}
		return time.Time{}, false
	}
	if y == 0 {
		if p.w.zero() {
			p.flag("timetext.no_week", d.tok.from, d.tok.to)
			return time.Time{}, false
		}
		y = p.w.first().Year()
		if t := time.Date(p.w.last().Year(), time.Month(m), d.tok.d, 0, 0, 0, 0, loc); p.w.last().Year() != y && p.w.contains(t) {
			y = p.w.last().Year()
		}
	}
	t := time.Date(y, time.Month(m), d.tok.d, 0, 0, 0, 0, loc)
	if m < 1 || m > 12 || d.tok.d < 1 || t.Day() != d.tok.d || y < 1900 || y > 2200 {
		p.flag("timetext.bad_date", d.tok.from, d.tok.to)
		return time.Time{}, false
	}
	return t, true
}

// spans reads a block of hours.
func (p *parser) spans(b block) []span {
	var out []span
	period := periodNone
	ts := b.toks
	defer func() {
		// 9:00-17:00（全天开放）says two things of the same day.
		allDay, hours := false, false
		for _, s := range out {
			allDay, hours = allDay || s.allDay, hours || !s.allDay
		}
		if allDay && hours {
			p.flag("timetext.all_day_and_hours", b.from(), b.to())
			out = nil
		}
	}()
	for i := 0; i < len(ts); i++ {
		t := ts[i]
		switch t.kind {
		case kAllDay:
			out = append(out, span{0, 24 * 60, true})
		case kPeriod:
			period = t.period
			if i+1 == len(ts) || (ts[i+1].kind != kTime && ts[i+1].kind != kAllDay) {
				p.flag("timetext.period_without_time", t.from, t.to)
			}
		case kTime:
			startPeriod := period
			start, ok := p.clock(t, period, -1)
			if !ok {
				continue
			}
			// 9:00-11:30, 上午9:00-下午5:00
			j := i + 1
			endPeriod := period
			if j < len(ts) && ts[j].kind == kRange {
				j++
				if j < len(ts) && ts[j].kind == kPeriod {
					endPeriod = ts[j].period
					period = endPeriod
					j++
				}
			} else {
				j = -1
			}
			if j < 0 || j >= len(ts) || ts[j].kind != kTime {
				p.flag("timetext.no_end", t.from, t.to)
				continue
			}
			e := ts[j]
			i = j
			end, ok := p.clock(e, endPeriod, start)
			if !ok {
				continue
			}
			switch {
			case start == 0 && end == 24*60:
				out = append(out, span{0, 24 * 60, true})
			case end <= start:
				p.flag("timetext.end_before_start", t.from, e.to)
			case start < 6*60 && startPeriod == periodNone && t.period == periodNone && !t.padded:
				p.flag("timetext.early", t.from, e.to)
			default:
				out = append(out, span{start, end, false})
			}
		}
	}
	return out
}

// clock returns a time of day in minutes, read with the period it falls
// in: 下午2:30 is 14:30. start is the start of the session it ends, or -1.
func (p *parser) clock(t token, period, start int) (int, bool) {
	h := t.h
	if t.period != periodNone {
		period = periodNone // an am/pm of its own has been applied already
	}
	switch period {
	case periodAM:
		if h > 12 {
			p.flag("timetext.bad_time", t.from, t.to)
			return 0, false
		}
	case periodNoon:
		if h < 6 {
			h += 12
		}
	case periodPM, periodEvening:
		if h < 12 {
			h += 12
		}
	}
	mins := h*60 + t.min
	if mins > 24*60 || (start < 0 && mins == 24*60) {
		p.flag("timetext.bad_time", t.from, t.to)
		return 0, false
	}
	return mins, true
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
