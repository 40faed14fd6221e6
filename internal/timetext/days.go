package timetext

import "time"

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
