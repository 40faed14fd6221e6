package timetext

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
