package filing

import (
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/platform/clock"
	"github.com/sciweek/sciweek/internal/timetext"
	"github.com/sciweek/sciweek/internal/validate"
)

// Window is what an item is checked against: the campaign's week and the
// names of its focus areas and audiences.
type Window struct {
	// Start and End are the first and last days of the week, midnight in
	// clock.Zone.
	Start, End time.Time
	Categories []string
	Audiences  []string
	// Mappings are what the campaign has been told unknown values of its
	// choice fields mean (社区居民 → 社会公众): field key → the value as
	// choiceKey writes it → the choice. Imports use them; see ChoiceMappings.
	Mappings map[string]map[string]string
}

// week is the campaign week as the grammar of opening times reads it.
func (w Window) week() timetext.Window {
	return timetext.Window{First: w.Start, Last: w.End}
}

// yearOf is the year a date written without one is read in: the week's,
// or for a week spanning New Year the year its month and day fall in the
// week (1月2日 of a week from 28 December is next January).
func (w Window) yearOf(v string) int {
	if w.Start.Year() != w.End.Year() {
		if d, _, ok := ParseDateTime(v, w.End.Year()); ok && !d.Before(w.Start) && d.Before(w.End.AddDate(0, 0, 1)) {
			return w.End.Year()
		}
	}
	return w.Start.Year()
}

// choices returns the allowed values of a choice or multi field.
func (w Window) choices(f Field) []string {
	switch f.ChoicesFrom {
	case "categories":
		return w.Categories
	case "audiences":
		return w.Audiences
	}
	return f.Choices
}

// Values are one item's answers by field key, in their stored text form:
// dates YYYY-MM-DD, date-times YYYY-MM-DD HH:MM, numbers in ASCII digits,
// several choices and time slots one a line.
type Values map[string]string

// Check normalises and validates one item against the template's active
// fields. It returns the normalised values and a message for each field at
// fault; values of retired fields are kept as they are.
func Check(t Template, w Window, in Values) (Values, map[string]errs.Msg) {
	out, bad, _ := check(t, w, in)
	return out, bad
}

// check is Check that also returns the reading of each opening-times field.
func check(t Template, w Window, in Values) (Values, map[string]errs.Msg, map[string]timetext.Reading) {
	out := Values{}
	bad := map[string]errs.Msg{}
	var readings map[string]timetext.Reading
	for k, v := range in {
		if f, ok := t.Field(k); ok && f.Retired {
			out[k] = v
		}
	}
	for _, f := range t.Active() {
		if f.Type == TypeSlots {
			v, r, msg := checkSlots(f, w, in[f.Key])
			out[f.Key] = v
			if msg != nil {
				bad[f.Key] = *msg
			}
			if r.Text != "" {
				if readings == nil {
					readings = map[string]timetext.Reading{}
				}
				readings[f.Key] = r
			}
			continue
		}
		v, msg := checkField(f, w, in[f.Key])
		out[f.Key] = v
		if msg != nil {
			bad[f.Key] = *msg
		}
	}
	// A project that needs booking says when and for how many.
	if _, ok := t.Field(KeyBooking); ok && out[KeyBooking] == BookingYes {
		for _, k := range []string{KeySlots, KeyCapacity} {
			if _, has := t.Field(k); has && out[k] == "" && bad[k].Key == "" {
				bad[k] = errs.Msg{Key: "filing.error.booking_needs"}
			}
		}
	}
	// An activity cannot end before it starts.
	if s, e := out[KeyStart], out[KeyEnd]; s != "" && e != "" && bad[KeyStart].Key == "" && bad[KeyEnd].Key == "" {
		if _, ok := t.Field(KeyStart); ok && e < s {
			bad[KeyEnd] = errs.Msg{Key: "filing.error.end_before_start"}
		}
	}
	return out, bad, readings
}

// checkSlots reads opening times as they are written (see package
// timetext) and stores the sessions, one a line; what cannot be read for
// certain is refused with the first reason, the text kept as written.
func checkSlots(f Field, w Window, raw string) (string, timetext.Reading, *errs.Msg) {
	v := strings.TrimSpace(strings.ReplaceAll(raw, "\r\n", "\n"))
	if v == "" {
		if f.Required {
			return "", timetext.Reading{}, msg("error.required")
		}
		return "", timetext.Reading{}, nil
	}
	r := timetext.Parse(v, w.week())
	if len(r.Flags) > 0 {
		return v, r, msg(r.Flags[0].Key, r.Flags[0].Args...)
	}
	if len(r.Sessions) == 0 {
		return v, r, msg("timetext.empty")
	}
	return r.Stored(), r, nil
}

// MaxChars is how many characters a field of type t holds; 0 means the
// form-wide limit alone applies.
func MaxChars(t FieldType) int {
	switch t {
	case TypeText, TypeAddress:
		return 200
	case TypeTextarea:
		return 5000
	}
	return 0
}

// Overlong names the fields of in holding more characters than their type
// allows. Such an item is refused whole rather than stored as typed.
func Overlong(t Template, in Values) map[string]errs.Msg {
	bad := map[string]errs.Msg{}
	for _, f := range t.Active() {
		if n := MaxChars(f.Type); n > 0 && validate.TooLong(strings.TrimSpace(in[f.Key]), n) {
			bad[f.Key] = errs.Msg{Key: "error.too_long", Args: []any{n}}
		}
	}
	return bad
}

func msg(key string, args ...any) *errs.Msg { return &errs.Msg{Key: key, Args: args} }

// clean trims ordinary and full-width spaces and turns full-width ASCII
// forms (１２３, ：) into their plain forms.
func clean(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '！' && r <= '～':
			r = r - '！' + '!'
		case r == '\u3000' || r == '\u00a0':
			r = ' '
		}
		b.WriteRune(r)
	}
	return strings.TrimSpace(b.String())
}

func checkField(f Field, w Window, raw string) (string, *errs.Msg) {
	v := strings.TrimSpace(strings.ReplaceAll(raw, "\r\n", "\n"))
	if v == "" {
		if f.Required {
			return "", msg("error.required")
		}
		return "", nil
	}
	switch f.Type {
	case TypeText, TypeAddress:
		v = strings.Join(strings.Fields(strings.ReplaceAll(v, "\u3000", " ")), " ")
		if validate.TooLong(v, MaxChars(f.Type)) {
			return v, msg("error.too_long", MaxChars(f.Type))
		}
	case TypeTextarea:
		if validate.TooLong(v, MaxChars(f.Type)) {
			return v, msg("error.too_long", MaxChars(f.Type))
		}
	case TypeNumber:
		n, ok := ParseCount(v)
		if !ok {
			return v, msg("filing.error.number")
		}
		if f.Positive && n <= 0 {
			return v, msg("filing.error.positive")
		}
		v = strconv.Itoa(n)
	case TypePhone:
		v = clean(v)
		if !validate.IsPhone(v) {
			return v, msg("error.phone")
		}
	case TypeDate:
		d, ok := ParseDate(v, w.yearOf(v))
		if !ok {
			return v, msg("filing.error.date")
		}
		if m := w.outside(d); m != nil {
			return d.Format("2006-01-02"), m
		}
		v = d.Format("2006-01-02")
	case TypeDateTime:
		d, hasTime, ok := ParseDateTime(v, w.yearOf(v))
		if !ok {
			// 8月23日上午9点半, 8.23（周日）9:00: as the opening times read.
			var flags []timetext.Flag
			if d, hasTime, flags, ok = timetext.Moment(v, w.week()); !ok {
				return v, msg("filing.error.datetime")
			}
			if len(flags) > 0 {
				return v, msg(flags[0].Key, flags[0].Args...)
			}
		}
		v = d.Format("2006-01-02")
		if hasTime {
			v = d.Format("2006-01-02 15:04")
		}
		if m := w.outside(d); m != nil {
			return v, m
		}
	case TypeChoice:
		c, ok := w.match(f, v)
		if !ok {
			return v, msg("filing.error.choice", strings.Join(w.choices(f), "、"))
		}
		v = c
	case TypeMulti:
		var picked []string
		for _, part := range splitMulti(v) {
			c, ok := w.match(f, part)
			if !ok {
				return v, msg("filing.error.choice_item", part, strings.Join(w.choices(f), "、"))
			}
			if !contains(picked, c) {
				picked = append(picked, c)
			}
		}
		v = strings.Join(picked, "\n")
	}
	return v, nil
}

func (w Window) outside(d time.Time) *errs.Msg {
	if w.Start.IsZero() {
		return nil
	}
	day := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, clock.Zone)
	if day.Before(w.Start) || day.After(w.End) {
		return msg("filing.error.outside_week", w.Start.Format("2006-01-02"), w.End.Format("2006-01-02"))
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

var enumeration = regexp.MustCompile(`^(?:[（(]?[一二三四五六七八九十\d]+[)）、.．]\s*)`)

// choiceKey is a choice's value in the form values are compared in:
// without spaces, a leading enumeration such as （一） or 1., case or
// full-width forms.
func choiceKey(s string) string {
	s = enumeration.ReplaceAllString(clean(s), "")
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return unicode.ToLower(r)
	}, s)
}

// matchChoice finds the choice v means, forgiving spaces and a leading
// enumeration such as （一） or 1.
func matchChoice(choices []string, v string) (string, bool) {
	want := choiceKey(v)
	for _, c := range choices {
		if choiceKey(c) == want {
			return c, true
		}
	}
	return "", false
}

// match finds the choice of field f that v means: one of its choices, or
// what the campaign was told v means, while that is still a choice.
func (w Window) match(f Field, v string) (string, bool) {
	choices := w.choices(f)
	if c, ok := matchChoice(choices, v); ok {
		return c, true
	}
	if c, ok := w.Mappings[f.Key][choiceKey(v)]; ok && contains(choices, c) {
		return c, true
	}
	return "", false
}

// splitMulti splits several choices written on one line or several.
func splitMulti(v string) []string {
	f := func(r rune) bool { return strings.ContainsRune("\n、，,;；/／|", r) }
	var out []string
	for _, p := range strings.FieldsFunc(v, f) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

var countRe = regexp.MustCompile(`^(?:约|大约|预计|不少于|共)?\s*(\d+)\s*(?:人次|人|名|位|个|场|余人|多人)?(?:左右)?$`)

// ParseCount reads a whole number as clerks write it: 30, ３０, 1,200,
// 30人, 约200人次.
func ParseCount(s string) (int, bool) {
	s = strings.ReplaceAll(strings.ReplaceAll(clean(s), ",", ""), " ", "")
	if f, err := strconv.ParseFloat(s, 64); err == nil && f == float64(int(f)) && f >= 0 {
		return int(f), true // a number cell read as 30 or 30.0
	}
	m := countRe.FindStringSubmatch(s)
	if m == nil {
		return 0, false
	}
	n, err := strconv.Atoi(m[1])
	return n, err == nil
}

var (
	dateRe        = regexp.MustCompile(`^(?:(\d{4})\s*[-/.年]\s*)?(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$`)
	compactDateRe = regexp.MustCompile(`^(\d{4})(\d{2})(\d{2})$`)
)

// ParseDate reads 2020-08-23, 2020/8/23, 2020.8.23, 2020年8月23日,
// 20200823 or, with the campaign's year, 8月23日.
func ParseDate(s string, year int) (time.Time, bool) {
	m := dateRe.FindStringSubmatch(clean(s))
	if m == nil {
		m = compactDateRe.FindStringSubmatch(clean(s))
	}
	if m == nil {
		return time.Time{}, false
	}
	y := year
	if m[1] != "" {
		y, _ = strconv.Atoi(m[1])
	}
	mo, _ := strconv.Atoi(m[2])
	d, _ := strconv.Atoi(m[3])
	t := time.Date(y, time.Month(mo), d, 0, 0, 0, 0, clock.Zone)
	if t.Month() != time.Month(mo) || t.Day() != d || y < 1900 {
		return time.Time{}, false
	}
	return t, true
}

var timeRe = regexp.MustCompile(`^(上午|下午|晚上)?\s*(\d{1,2})\s*[:：点时]\s*(\d{1,2})?\s*分?$`)

// parseClock reads 9:00, 09:30, 9点, 下午2:30.
func parseClock(s string) (h, m int, ok bool) {
	mm := timeRe.FindStringSubmatch(clean(s))
	if mm == nil {
		return 0, 0, false
	}
	h, _ = strconv.Atoi(mm[2])
	if mm[3] != "" {
		m, _ = strconv.Atoi(mm[3])
	}
	if (mm[1] == "下午" || mm[1] == "晚上") && h < 12 {
		h += 12
	}
	return h, m, h < 24 && m < 60
}

// ParseDateTime reads a date with an optional time of day: 2020-08-23
// 09:00, 2020/8/23 9:00, 2020年8月23日 上午9点, 2020-08-23T09:00.
func ParseDateTime(s string, year int) (t time.Time, hasTime, ok bool) {
	s = strings.Replace(clean(s), "T", " ", 1)
	if d, ok := ParseDate(s, year); ok {
		return d, false, true
	}
	i := strings.LastIndexAny(s, " 日")
	if i < 0 {
		return time.Time{}, false, false
	}
	datePart, timePart := s[:i], s[i:]
	if strings.HasPrefix(timePart, "日") {
		datePart, timePart = s[:i+len("日")], s[i+len("日"):]
	}
	d, ok := ParseDate(strings.TrimSpace(datePart), year)
	if !ok {
		return time.Time{}, false, false
	}
	h, m, ok := parseClock(strings.TrimSpace(timePart))
	if !ok {
		return time.Time{}, false, false
	}
	return d.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute), true, true
}

// Slot is one opening time of an open-day offer.
type Slot struct{ Start, End time.Time }

// String writes the slot in its stored form: 2020-08-23 09:00-11:30.
func (s Slot) String() string {
	return s.Start.Format("2006-01-02 15:04") + "-" + s.End.Format("15:04")
}

// ParseSlots reads stored opening times (or times written around the week
// from first to last, as Parse of package timetext reads them) as slots;
// an all-day session runs from midnight to midnight. It returns the first
// words it cannot read.
func ParseSlots(s string, first, last time.Time) ([]Slot, string, bool) {
	r := timetext.Parse(s, slotYear(first, last))
	if !r.OK() {
		bad := s
		if len(r.Flags) > 0 && len(r.Flags[0].Args) > 0 {
			bad, _ = r.Flags[0].Args[0].(string)
		}
		return nil, bad, false
	}
	out := make([]Slot, len(r.Sessions))
	for i, x := range r.Sessions {
		out[i] = Slot{Start: x.Start, End: x.End}
	}
	return out, "", true
}

// slotYear is the span stored opening times may fall on: the year the week
// starts in, and a month past the week when it runs into the next year,
// so a week spanning New Year reads its January days (and 1月2日) in the
// year they fall in.
func slotYear(first, last time.Time) timetext.Window {
	first, last = first.In(clock.Zone), last.In(clock.Zone)
	w := timetext.Window{First: time.Date(first.Year(), 1, 1, 0, 0, 0, 0, clock.Zone), Last: time.Date(first.Year(), 12, 31, 0, 0, 0, 0, clock.Zone)}
	if past := last.AddDate(0, 1, 0); past.After(w.Last) {
		w.Last = time.Date(past.Year(), past.Month(), past.Day(), 0, 0, 0, 0, clock.Zone)
	}
	return w
}

// Sessions returns the sessions of a stored opening-times value, as Check
// stores it (2020-08-23 09:00-11:30 or 2020-08-23 全天, one a line), for
// turning into booking slots: AllDay sessions run from midnight to the
// next midnight. False when the value is not in the stored form.
func Sessions(stored string) ([]timetext.Session, bool) {
	return timetext.Sessions(stored, clock.Zone)
}
