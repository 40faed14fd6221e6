package filing

import (
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/platform/clock"
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
	out := Values{}
	bad := map[string]errs.Msg{}
	for k, v := range in {
		if f, ok := t.Field(k); ok && f.Retired {
			out[k] = v
		}
	}
	for _, f := range t.Active() {
		v, msg := checkField(f, w, in[f.Key])
		out[f.Key] = v
		if msg != nil {
			bad[f.Key] = *msg
		}
	}
	// An activity cannot end before it starts.
	if s, e := out[KeyStart], out[KeyEnd]; s != "" && e != "" && bad[KeyStart].Key == "" && bad[KeyEnd].Key == "" {
		if _, ok := t.Field(KeyStart); ok && e < s {
			bad[KeyEnd] = errs.Msg{Key: "filing.error.end_before_start"}
		}
	}
	return out, bad
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
		d, ok := ParseDate(v, w.Start.Year())
		if !ok {
			return v, msg("filing.error.date")
		}
		if m := w.outside(d); m != nil {
			return d.Format("2006-01-02"), m
		}
		v = d.Format("2006-01-02")
	case TypeDateTime:
		d, hasTime, ok := ParseDateTime(v, w.Start.Year())
		if !ok {
			return v, msg("filing.error.datetime")
		}
		v = d.Format("2006-01-02")
		if hasTime {
			v = d.Format("2006-01-02 15:04")
		}
		if m := w.outside(d); m != nil {
			return v, m
		}
	case TypeChoice:
		c, ok := matchChoice(w.choices(f), v)
		if !ok {
			return v, msg("filing.error.choice", strings.Join(w.choices(f), "、"))
		}
		v = c
	case TypeMulti:
		var picked []string
		for _, part := range splitMulti(v) {
			c, ok := matchChoice(w.choices(f), part)
			if !ok {
				return v, msg("filing.error.choice_item", part, strings.Join(w.choices(f), "、"))
			}
			if !contains(picked, c) {
				picked = append(picked, c)
			}
		}
		v = strings.Join(picked, "\n")
	case TypeSlots:
		slots, line, ok := ParseSlots(v, w.Start.Year())
		if !ok {
			return v, msg("filing.error.slot", line)
		}
		var lines []string
		for _, s := range slots {
			if m := w.outside(s.Start); m != nil {
				return v, msg("filing.error.slot_outside", s.String(), w.Start.Format("2006-01-02"), w.End.Format("2006-01-02"))
			}
			lines = append(lines, s.String())
		}
		v = strings.Join(lines, "\n")
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

// matchChoice finds the choice v means, forgiving spaces and a leading
// enumeration such as （一） or 1.
func matchChoice(choices []string, v string) (string, bool) {
	norm := func(s string) string {
		s = enumeration.ReplaceAllString(clean(s), "")
		return strings.Map(func(r rune) rune {
			if unicode.IsSpace(r) {
				return -1
			}
			return unicode.ToLower(r)
		}, s)
	}
	want := norm(v)
	for _, c := range choices {
		if norm(c) == want {
			return c, true
		}
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

var clockRe = regexp.MustCompile(`\d{1,2}\s*[:：点]`)

var slotSep = regexp.MustCompile(`\s*(?:-|－|—|–|~|～|至|到)\s*`)

// ParseSlots reads time slots, one a line: 2020-08-23 09:00-11:30,
// 8月23日 9:00～11:30. It returns the first line it cannot read.
func ParseSlots(s string, year int) ([]Slot, string, bool) {
	var out []Slot
	seen := map[string]bool{}
	for _, line := range splitLines(clean(s)) {
		line = clean(line)
		// The date is what comes before the first time of day.
		loc := clockRe.FindAllStringIndex(line, -1)
		if len(loc) < 2 {
			return nil, line, false
		}
		datePart := strings.TrimSpace(line[:loc[0][0]])
		rest := line[loc[0][0]:]
		parts := slotSep.Split(rest, 2)
		if len(parts) != 2 {
			return nil, line, false
		}
		d, ok := ParseDate(strings.TrimRight(datePart, " ,，"), year)
		if !ok {
			return nil, line, false
		}
		h1, m1, ok1 := parseClock(parts[0])
		h2, m2, ok2 := parseClock(parts[1])
		if !ok1 || !ok2 {
			return nil, line, false
		}
		sl := Slot{Start: d.Add(time.Duration(h1)*time.Hour + time.Duration(m1)*time.Minute), End: d.Add(time.Duration(h2)*time.Hour + time.Duration(m2)*time.Minute)}
		if !sl.End.After(sl.Start) {
			return nil, line, false
		}
		if !seen[sl.String()] {
			seen[sl.String()] = true
			out = append(out, sl)
		}
	}
	if len(out) == 0 {
		return nil, s, false
	}
	return out, "", true
}
