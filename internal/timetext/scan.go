package timetext

import (
	"strings"
	"unicode/utf8"
)

// kind is what a token is.
type kind uint8

const (
	kDate     kind = iota // a day: y (0 when not written), m (0 when not written), d
	kTime                 // a time of day: h, min
	kNum                  // a bare number, a day or an hour once its neighbours tell
	kPeriod               // 上午, 下午 …: period
	kAllDay               // 全天
	kEvery                // 每天
	kWeekdays             // 周六, 周末 …: mask of time.Weekday bits
	kWeek                 // 活动周期间: every day of the week
	kRange                // -, —, ~, 至, 到
	kSep                  // 、 , ; and line breaks
	kCount                // 14场, 7天: a count the reading must agree with; d the number, m countSessions or countDays
	kUnknown              // text that means nothing here
)

// What a count counts.
const (
	countSessions = 1
	countDays     = 2
)

// The periods of a day.
const (
	periodNone = iota
	periodAM
	periodNoon
	periodPM
	periodEvening
)

// token is one meaningful piece of the text; from and to are rune offsets
// into the text as written, so a flag quotes the user's own words.
type token struct {
	kind     kind
	y, m, d  int
	h, min   int
	period   int
	mask     uint8
	from, to int
	// yearSet and monthSet say the date carried its own year or month.
	yearSet, monthSet bool
	// padded marks an hour written with its leading zero (02:30), which
	// is the 24-hour clock and so no slip for 14:30.
	padded bool
	// bad names a token that reads as a date or time but is not one
	// (2月30日, 25:00): the key of its flag.
	bad string
}

// normalise maps each rune to the one the scanner reads: full-width forms
// to ASCII, every dash and tilde to '-', odd spaces to ' '. It keeps one
// rune for one, so offsets still point into the original text.
func normalise(s string) []rune {
	rs := make([]rune, 0, utf8.RuneCountInString(s))
	for _, r := range s {
		switch {
		case r >= '！' && r <= '～':
			r = r - '！' + '!'
		case r == '\u3000' || r == '\u00a0' || r == '\t' || r == '\u200b' || r == '\ufeff':
			r = ' '
		case r == '\r':
			r = '\n'
		}
		switch r {
		case '—', '–', '―', '─', '‐', '‑', '‒', '−', '﹣', '~', '〜', '～', '━':
			r = '-'
		case '：':
			r = ':'
		}
		rs = append(rs, r)
	}
	return rs
}

// words are the phrases the scanner knows, longest first within each
// leading rune so that 活动周期间 wins over 活动.
var words = []struct {
	text string
	kind kind
	arg  int // the period, or the weekday mask
}{
	{"活动周期间", kWeek, 0}, {"活动周内", kWeek, 0}, {"活动周", kWeek, 0}, {"活动期间", kWeek, 0}, {"整周", kWeek, 0}, {"全周", kWeek, 0}, {"一周", kWeek, 0},
	{"每天", kEvery, 0}, {"每日", kEvery, 0}, {"天天", kEvery, 0}, {"逐日", kEvery, 0},
	{"周末", kWeekdays, 1<<6 | 1<<0}, {"双休日", kWeekdays, 1<<6 | 1<<0}, {"工作日", kWeekdays, 0b0111110},
	{"上午", kPeriod, periodAM}, {"早上", kPeriod, periodAM}, {"早晨", kPeriod, periodAM}, {"上半天", kPeriod, periodAM},
	{"中午", kPeriod, periodNoon},
	{"下午", kPeriod, periodPM}, {"下半天", kPeriod, periodPM}, {"午后", kPeriod, periodPM},
	{"晚上", kPeriod, periodEvening}, {"晚间", kPeriod, periodEvening}, {"夜间", kPeriod, periodEvening}, {"傍晚", kPeriod, periodEvening}, {"晚", kPeriod, periodEvening},
	{"全天候", kAllDay, 0}, {"全天", kAllDay, 0}, {"全日", kAllDay, 0}, {"一整天", kAllDay, 0}, {"整天", kAllDay, 0},
}

// fillers are words that add nothing to the times: 开放时间：, 各, 均为.
var fillers = []string{
	"开放时间", "开放日期", "活动时间", "活动日期", "具体时间", "时间段", "开放", "时间", "日期", "时段", "接待", "参观", "活动",
	"每场", "场次", "一场", "场", "分别为", "分别", "均为", "均", "各", "为", "从", "自", "起", "止", "开始", "结束", "每",
	"左右", "期间", "举办", "举行", "进行", "共", "科技",
}

var weekdayRunes = map[rune]int{'一': 1, '二': 2, '三': 3, '四': 4, '五': 5, '六': 6, '日': 0, '天': 0, '七': 0,
	'1': 1, '2': 2, '3': 3, '4': 4, '5': 5, '6': 6, '7': 0}

// scanner turns the normalised text into tokens.
type scanner struct {
	rs   []rune
	toks []token
}

func scan(rs []rune) []token {
	s := scanner{rs: rs}
	s.run()
	return s.toks
}

func (s *scanner) emit(t token) {
	// Consecutive unknown runes make one unknown token.
	if t.kind == kUnknown && len(s.toks) > 0 {
		if last := &s.toks[len(s.toks)-1]; last.kind == kUnknown && last.to == t.from {
			last.to = t.to
			return
		}
	}
	s.toks = append(s.toks, t)
}

func (s *scanner) last() *token {
	if len(s.toks) == 0 {
		return nil
	}
	return &s.toks[len(s.toks)-1]
}

func (s *scanner) hasPrefix(i int, w string) bool {
	for _, r := range w {
		if i >= len(s.rs) || s.rs[i] != r {
			return false
		}
		i++
	}
	return true
}

func (s *scanner) run() {
	rs := s.rs
	for i := 0; i < len(rs); {
		r := rs[i]
		switch {
		case r == ' ':
			i++
		case isDigit(r) || (cnDigit(r) >= 0 && s.cnNumberAhead(i)):
			i = s.number(i)
		case r == '-':
			j := i
			for j < len(rs) && rs[j] == '-' {
				j++
			}
			s.emit(token{kind: kRange, from: i, to: j})
			i = j
		case r == '至' || r == '到':
			s.emit(token{kind: kRange, from: i, to: i + 1})
			i++
		case strings.ContainsRune("、,，/和及与或", r):
			s.emit(token{kind: kSep, from: i, to: i + 1})
			i++
		case strings.ContainsRune(";；\n。", r) || (r == '.' && (i+1 == len(rs) || !isDigit(rs[i+1]))):
			s.emit(token{kind: kSep, m: 1, from: i, to: i + 1}) // m marks a strong separator
			i++
		case strings.ContainsRune("()（）[]【】〔〕:\"“”‘’'《》<>!！?？", r):
			i++
		default:
			i = s.word(i)
		}
	}
}

// word reads a known phrase, a weekday or a filler at i, or one unknown rune.
func (s *scanner) word(i int) int {
	rs := s.rs
	// 周六, 星期日, 礼拜天; 周六日 is Saturday and Sunday.
	for _, p := range []string{"周", "星期", "礼拜"} {
		if !s.hasPrefix(i, p) {
			continue
		}
		j := i + utf8.RuneCountInString(p)
		if j < len(rs) {
			if wd, ok := weekdayRunes[rs[j]]; ok {
				mask := uint8(1) << wd
				j++
				if wd == 6 && j < len(rs) && (rs[j] == '日' || rs[j] == '天') {
					mask |= 1
					j++
				}
				s.emit(token{kind: kWeekdays, mask: mask, from: i, to: j})
				return j
			}
		}
	}
	// A lone 五 or 日 after 周一至 or 周六、.
	if wd, ok := weekdayRunes[rs[i]]; ok && !isDigit(rs[i]) && len(s.toks) >= 2 {
		prev, before := s.toks[len(s.toks)-1], s.toks[len(s.toks)-2]
		if (prev.kind == kRange || prev.kind == kSep) && before.kind == kWeekdays {
			s.emit(token{kind: kWeekdays, mask: 1 << wd, from: i, to: i + 1})
			return i + 1
		}
	}
	// 第一场, 第2场: a session's number says nothing of its time.
	if rs[i] == '第' {
		j := i + 1
		for j < len(rs) && (isDigit(rs[j]) || cnDigit(rs[j]) >= 0) {
			j++
		}
		if j > i+1 && j < len(rs) && (rs[j] == '场' || rs[j] == '期' || rs[j] == '次') {
			return j + 1
		}
	}
	for _, w := range words {
		if s.hasPrefix(i, w.text) {
			j := i + utf8.RuneCountInString(w.text)
			t := token{kind: w.kind, from: i, to: j}
			if w.kind == kPeriod {
				t.period = w.arg
			} else if w.kind == kWeekdays {
				t.mask = uint8(w.arg)
			}
			s.emit(t)
			return j
		}
	}
	for _, f := range fillers {
		if s.hasPrefix(i, f) {
			return i + utf8.RuneCountInString(f)
		}
	}
	// am/pm after a time, as a spreadsheet may write it.
	if l := s.last(); l != nil && l.kind == kTime {
		for _, p := range []struct {
			text string
			pm   bool
		}{{"a.m.", false}, {"p.m.", true}, {"am", false}, {"pm", true}, {"AM", false}, {"PM", true}} {
			if s.hasPrefix(i, p.text) {
				switch {
				case l.h > 12 || l.h == 0:
					l.bad = "timetext.bad_time"
				case p.pm && l.h < 12:
					l.h += 12
				case !p.pm && l.h == 12:
					l.h = 0
				}
				l.period = periodAM // said, so no longer a bare early hour
				l.to = i + utf8.RuneCountInString(p.text)
				return l.to
			}
		}
	}
	s.emit(token{kind: kUnknown, from: i, to: i + 1})
	return i + 1
}

func isDigit(r rune) bool { return r >= '0' && r <= '9' }

// cnDigit returns the value of a Chinese numeral rune, -1 for others; 十 is 10.
func cnDigit(r rune) int {
	switch r {
	case '〇', '零':
		return 0
	case '一':
		return 1
	case '二', '两':
		return 2
	case '三':
		return 3
	case '四':
		return 4
	case '五':
		return 5
	case '六':
		return 6
	case '七':
		return 7
	case '八':
		return 8
	case '九':
		return 9
	case '十':
		return 10
	}
	return -1
}

// cnNumberAhead reports whether Chinese numerals at i are a number followed
// by its unit (八月, 二十三日, 九点), not a word that holds a numeral.
func (s *scanner) cnNumberAhead(i int) bool {
	j := i
	for j < len(s.rs) && cnDigit(s.rs[j]) >= 0 {
		j++
	}
	return s.numberUnitAt(j)
}

// numberUnitAt reports whether the rune at j is the unit of a number: 月,
// 日, 号, 点, 时.
func (s *scanner) numberUnitAt(j int) bool {
	return j < len(s.rs) && strings.ContainsRune("月日号点时场天", s.rs[j])
}

// readNumber reads ASCII digits or Chinese numerals at i: the value, the
// count of runes, and the end.
func (s *scanner) readNumber(i int) (n, width, end int) {
	rs := s.rs
	j := i
	if j < len(rs) && isDigit(rs[j]) {
		for j < len(rs) && isDigit(rs[j]) {
			if n < 1e8 {
				n = n*10 + int(rs[j]-'0')
			}
			j++
		}
		return n, j - i, j
	}
	// 二十三, 十二, 九, 二〇二〇
	total, cur := 0, -1
	for j < len(rs) && cnDigit(rs[j]) >= 0 {
		d := cnDigit(rs[j])
		if d == 10 {
			if cur < 0 {
				cur = 1
			}
			total += cur * 10
			cur = -1
		} else if cur >= 0 {
			cur = cur*10 + d // 二〇二〇 written digit by digit
		} else {
			cur = d
		}
		j++
	}
	if cur > 0 {
		total += cur
	}
	return total, j - i, j
}

func (s *scanner) skipSpaces(i int) int {
	for i < len(s.rs) && s.rs[i] == ' ' {
		i++
	}
	return i
}

func (s *scanner) at(i int) rune {
	if i < len(s.rs) {
		return s.rs[i]
	}
	return 0
}

func (s *scanner) startsNumber(i int) bool {
	r := s.at(i)
	return isDigit(r) || (cnDigit(r) >= 0 && s.cnNumberAhead(i))
}

// number reads what starts with a number at i: a full date, a month and
// day, a day, a time of day, or a bare number.
func (s *scanner) number(i int) int {
	a, width, j := s.readNumber(i)
	k := s.skipSpaces(j)
	next := s.at(k)
	switch {
	case width == 8 && isDigit(s.rs[i]): // 20200823
		return s.date(i, j, a/10000, (a/100)%100, a%100, true, true)
	case width == 4 && (next == '年' || ((next == '-' || next == '/' || next == '.') && s.startsNumber(s.skipSpaces(k+1)))):
		sep := next
		m, _, e := s.readNumber(s.skipSpaces(k + 1))
		e2 := s.skipSpaces(e)
		if sep == '年' && s.at(e2) == '月' || sep != '年' && s.at(e2) == sep {
			if d0 := s.skipSpaces(e2 + 1); s.startsNumber(d0) {
				d, _, e3 := s.readNumber(d0)
				return s.date(i, s.daySuffix(e3), a, m, d, true, true)
			}
		}
		bad := "timetext.month_only"
		if sep != '年' {
			bad = "timetext.unreadable"
		}
		s.emit(token{kind: kUnknown, from: i, to: min(e2+1, len(s.rs)), bad: bad})
		return min(e2+1, len(s.rs))
	case next == '月':
		if d0 := s.skipSpaces(k + 1); s.startsNumber(d0) {
			d, _, e := s.readNumber(d0)
			if s.at(s.skipSpaces(e)) != ':' && s.at(s.skipSpaces(e)) != '点' && s.at(s.skipSpaces(e)) != '时' {
				return s.date(i, s.daySuffix(e), 0, a, d, false, true)
			}
		}
		s.emit(token{kind: kUnknown, from: i, to: k + 1, bad: "timetext.month_only"})
		return k + 1
	case j == k && (next == '.' || next == '/') && a >= 1 && a <= 24 && isDigit(s.at(k+1)):
		d, dw, e := s.readNumber(k + 1)
		afterTime := len(s.toks) >= 2 && s.toks[len(s.toks)-1].kind == kRange && s.toks[len(s.toks)-2].kind == kTime
		if dw == 2 && next == '.' && (d == 0 || a > 12 || afterTime) && s.at(e) != '.' { // 9.00, 14.30: a time typed with a dot
			t := token{kind: kTime, h: a, min: d, from: i, to: e}
			s.time(&t)
			return e
		}
		if dw <= 2 && a <= 12 && s.at(e) != ':' {
			if s.at(e) == '/' && isDigit(s.at(e+1)) { // 8/23/2020
				y, yw, e2 := s.readNumber(e + 1)
				if yw == 4 {
					return s.date(i, e2, y, a, d, true, true)
				}
			}
			return s.date(i, s.daySuffix(e), 0, a, d, false, true)
		}
	case next == ':' && isDigit(s.at(s.skipSpaces(k+1))):
		mm, mw, e := s.readNumber(s.skipSpaces(k + 1))
		t := token{kind: kTime, h: a, min: mm, from: i, padded: width == 2 && s.rs[i] == '0'}
		if mw > 2 {
			t.bad = "timetext.bad_time"
		}
		if s.at(e) == ':' && isDigit(s.at(e+1)) { // seconds, as a spreadsheet writes 09:00:00
			_, _, e = s.readNumber(e + 1)
		}
		t.to = e
		s.time(&t)
		return e
	case next == '点' || next == '时':
		t := token{kind: kTime, h: a, from: i}
		e := k + 1
		if s.at(e) == '钟' || s.at(e) == '整' {
			e++
		}
		if s.at(s.skipSpaces(e)) == '半' {
			t.min, e = 30, s.skipSpaces(e)+1
		} else if m0 := s.skipSpaces(e); s.startsNumber(m0) && !s.dateAhead(m0) {
			mm, _, e2 := s.readNumber(m0)
			e2 = s.skipSpaces(e2)
			if s.at(e2) == '分' {
				e2++
			}
			t.min, e = mm, e2
		}
		t.to = e
		s.time(&t)
		return e
	case next == '日' || next == '号':
		return s.date(i, k+1, 0, 0, a, false, false)
	case next == '场' || next == '天':
		unit := countSessions
		if next == '天' {
			unit = countDays
		}
		s.emit(token{kind: kCount, d: a, m: unit, from: i, to: k + 1})
		return k + 1
	}
	s.emit(token{kind: kNum, d: a, h: a, from: i, to: j})
	return j
}

// dateAhead reports whether a number at i is a date (8月, 23日) rather than
// the minutes of a time.
func (s *scanner) dateAhead(i int) bool {
	_, _, e := s.readNumber(i)
	e = s.skipSpaces(e)
	return s.at(e) == '月' || s.at(e) == '日' || s.at(e) == '号' || s.at(e) == '.' || s.at(e) == '/'
}

// daySuffix skips the 日 or 号 after a day.
func (s *scanner) daySuffix(e int) int {
	if k := s.skipSpaces(e); s.at(k) == '日' || s.at(k) == '号' {
		return k + 1
	}
	return e
}

func (s *scanner) date(from, to, y, m, d int, yearSet, monthSet bool) int {
	s.emit(token{kind: kDate, y: y, m: m, d: d, yearSet: yearSet, monthSet: monthSet, from: from, to: to})
	return to
}

// time checks a time of day and emits it.
func (s *scanner) time(t *token) {
	if t.h > 24 || t.min > 59 || (t.h == 24 && t.min > 0) {
		t.bad = "timetext.bad_time"
	}
	s.emit(*t)
}
