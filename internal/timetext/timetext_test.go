package timetext

import (
	"bufio"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/sciweek/sciweek/internal/i18n"
)

var zone = time.FixedZone("CST", 8*3600)

// week2020 is the week of the notice: Sunday 23 to Saturday 29 August 2020.
var week2020 = Window{First: time.Date(2020, 8, 23, 0, 0, 0, 0, zone), Last: time.Date(2020, 8, 29, 0, 0, 0, 0, zone)}

// corpusCase is one line of testdata/corpus.txt.
type corpusCase struct {
	line       int
	text, want string
}

func readCorpus(tb testing.TB) []corpusCase {
	tb.Helper()
	f, err := os.Open("testdata/corpus.txt")
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var out []corpusCase
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || strings.TrimSpace(line) == "" {
			continue
		}
		text, want, ok := strings.Cut(line, "\t")
		if !ok {
			tb.Fatalf("corpus line %d has no tab", n)
		}
		out = append(out, corpusCase{line: n, text: strings.NewReplacer(`\n`, "\n", `\t`, "\t").Replace(text), want: want})
	}
	return out
}

// expand writes a meaning of the corpus ("23-29 09:00-11:30,14:30-17:00 ;
// 24 全天") as stored lines, in time order.
func expand(tb testing.TB, want string) string {
	tb.Helper()
	var sessions []Session
	for _, g := range strings.Split(want, " ; ") {
		daysText, timesText, ok := strings.Cut(strings.TrimSpace(g), " ")
		if !ok {
			tb.Fatalf("bad meaning %q", want)
		}
		var days []int
		for _, part := range strings.Split(daysText, ",") {
			a, z, isRange := strings.Cut(part, "-")
			from, _ := strconv.Atoi(a)
			to := from
			if isRange {
				to, _ = strconv.Atoi(z)
			}
			for d := from; d <= to; d++ {
				days = append(days, d)
			}
		}
		for _, d := range days {
			day := time.Date(2020, 8, d, 0, 0, 0, 0, zone)
			for _, t := range strings.Split(timesText, ",") {
				if t == "全天" {
					sessions = append(sessions, Session{Start: day, End: day.AddDate(0, 0, 1), AllDay: true})
					continue
				}
				var h1, m1, h2, m2 int
				if _, err := fmt.Sscanf(t, "%d:%d-%d:%d", &h1, &m1, &h2, &m2); err != nil {
					tb.Fatalf("bad meaning %q: %v", want, err)
				}
				sessions = append(sessions, Session{Start: day.Add(time.Duration(h1*60+m1) * time.Minute), End: day.Add(time.Duration(h2*60+m2) * time.Minute)})
			}
		}
	}
	slices.SortStableFunc(sessions, func(a, b Session) int { return a.Start.Compare(b.Start) })
	return Reading{Sessions: slices.CompactFunc(sessions, func(a, b Session) bool { return a.Start.Equal(b.Start) })}.Stored()
}

func flagKeys(r Reading) []string {
	var ks []string
	for _, f := range r.Flags {
		ks = append(ks, f.Key)
	}
	return ks
}

// TestCorpus reads every hand-written expression of the corpus: each must
// mean exactly its sessions, or be flagged for the reason given. A text
// read as sessions other than those meant is a misread, the worst outcome.
func TestCorpus(t *testing.T) {
	cases := readCorpus(t)
	if len(cases) < 200 {
		t.Fatalf("the corpus holds %d expressions, want at least 200", len(cases))
	}
	var right, flagged, misread, wrongFlag int
	for _, c := range cases {
		r := Parse(c.text, week2020)
		if key, isFlag := strings.CutPrefix(c.want, "!"); isFlag {
			switch {
			case len(r.Flags) == 0:
				misread++
				t.Errorf("line %d %q: read as %q (%s), want flag %s", c.line, c.text, r.Stored(), r.SummaryZH, key)
			case !slices.Contains(flagKeys(r), key):
				wrongFlag++
				t.Errorf("line %d %q: flags %v, want %s", c.line, c.text, flagKeys(r), key)
			default:
				flagged++
			}
			for _, k := range flagKeys(r) {
				if !i18n.Has(i18n.Chinese, k) || !i18n.Has(i18n.English, k) {
					t.Errorf("line %d: flag %s is not in the catalogues", c.line, k)
				}
			}
			continue
		}
		want := expand(t, c.want)
		switch {
		case len(r.Flags) > 0:
			flagged++
			t.Errorf("line %d %q: flagged %v %v, want %q", c.line, c.text, flagKeys(r), r.Flags, want)
		case r.Stored() != want:
			misread++
			t.Errorf("line %d %q: read as\n%s\nwant\n%s", c.line, c.text, r.Stored(), want)
		default:
			right++
			// What was read is stored, and the stored form reads back the same.
			if back := Parse(r.Stored(), week2020); !back.OK() || back.Stored() != r.Stored() {
				t.Errorf("line %d: stored form %q reads back as %q %v", c.line, r.Stored(), back.Stored(), flagKeys(back))
			}
			if r.SummaryZH == "" || r.SummaryEN == "" {
				t.Errorf("line %d: no summary", c.line)
			}
		}
	}
	t.Logf("corpus: %d expressions: %d read right, %d flagged (%d for another reason), %d misread", len(cases), right, flagged+wrongFlag, wrongFlag, misread)
}

func TestSummary(t *testing.T) {
	for _, c := range []struct{ text, zh, en string }{
		{"2020年8月23日—8月29日 9:00-11:30、14:30-17:00", "8月23日至29日每天 2 场：09:00–11:30、14:30–17:00，共 14 场", "23–29 Aug daily, 2 sessions: 09:00–11:30, 14:30–17:00; 14 sessions in all"},
		{"8月24日、8月26日 9:00-17:00", "8月24日、26日每天 09:00–17:00，共 2 场", "24 Aug, 26 Aug daily, 09:00–17:00; 2 sessions in all"},
		{"2020年8月23日（全天）", "8月23日全天，共 1 场", "23 Aug, all day; 1 session"},
		{"8月23日 9:00-11:30；8月24日全天", "8月23日 09:00–11:30；8月24日全天，共 2 场", "23 Aug, 09:00–11:30; 24 Aug, all day; 2 sessions in all"},
	} {
		r := Parse(c.text, week2020)
		if r.SummaryZH != c.zh || r.SummaryEN != c.en {
			t.Errorf("%q:\n%q\n%q\nwant\n%q\n%q", c.text, r.SummaryZH, r.SummaryEN, c.zh, c.en)
		}
	}
}

func TestFlagsQuoteTheText(t *testing.T) {
	r := Parse("8月23日 ９：００－１１：３０，８月３０日 9:00-10:00", week2020)
	if len(r.Flags) != 1 || r.Flags[0].Key != "timetext.outside_week" || r.Flags[0].Args[0] != "８月３０日" ||
		r.Flags[0].Args[1] != "2020-08-23" || r.Flags[0].Args[2] != "2020-08-29" {
		t.Fatalf("flags = %+v", r.Flags)
	}
	if r.Text != "8月23日 ９：００－１１：３０，８月３０日 9:00-10:00" || len(r.Sessions) != 1 {
		t.Fatalf("reading = %+v", r)
	}
}

func TestWeekAcrossMonthsAndYears(t *testing.T) {
	w := Window{First: time.Date(2026, 12, 28, 0, 0, 0, 0, zone), Last: time.Date(2027, 1, 3, 0, 0, 0, 0, zone)}
	for text, want := range map[string]string{
		"12月30日至1月2日 9:00-10:00": "2026-12-30 09:00-10:00\n2026-12-31 09:00-10:00\n2027-01-01 09:00-10:00\n2027-01-02 09:00-10:00",
		"12月31日至2日 全天":           "2026-12-31 全天\n2027-01-01 全天\n2027-01-02 全天",
		"1月3日 9:00-10:00":        "2027-01-03 09:00-10:00",
		"2日 9:00-10:00":          "2027-01-02 09:00-10:00",
		"周六 9:00-10:00":          "2027-01-02 09:00-10:00",
	} {
		if r := Parse(text, w); !r.OK() || r.Stored() != want {
			t.Errorf("%q: %q %v, want %q", text, r.Stored(), flagKeys(r), want)
		}
	}
}

func TestSessionsOfStoredValues(t *testing.T) {
	ss, ok := Sessions("2020-08-23 09:00-11:30\n2020-08-24 全天\n2020-08-25 20:00-24:00", zone)
	if !ok || len(ss) != 3 || ss[0].Start.Location() != zone || ss[0].Start.Hour() != 9 || ss[1].AllDay != true || !ss[1].End.Equal(ss[1].Start.AddDate(0, 0, 1)) || ss[2].End.Day() != 26 {
		t.Fatalf("sessions = %+v %v", ss, ok)
	}
	if _, ok := Sessions("8月23日 9:00-11:30", zone); ok {
		t.Fatal("a date without its year is not a stored value")
	}
	if _, ok := Sessions("每天 9:00-10:00", zone); ok {
		t.Fatal("每天 means nothing without a week")
	}
}

// FuzzParse checks that no text makes Parse or Moment panic, that every flag quotes
// words of the text, that every session lies in the week and ends after it
// starts, and that what is read reads back the same from its stored form.
func FuzzParse(f *testing.F) {
	for _, c := range readCorpus(f) {
		f.Add(c.text)
	}
	f.Fuzz(func(t *testing.T, text string) {
		r := Parse(text, week2020)
		for _, s := range r.Sessions {
			if !s.End.After(s.Start) || s.Start.Before(week2020.First) || !s.Start.Before(week2020.Last.AddDate(0, 0, 1)) {
				if len(r.Flags) == 0 {
					t.Fatalf("%q: session %v outside the week without a flag", text, s)
				}
			}
		}
		for _, fl := range r.Flags {
			if len(fl.Args) == 0 {
				t.Fatalf("%q: flag %s without its words", text, fl.Key)
			}
			if w, _ := fl.Args[0].(string); utf8.ValidString(text) && !strings.Contains(text, w) {
				t.Fatalf("%q: flag %s quotes %q", text, fl.Key, w)
			}
		}
		if _, _, flags, _ := Moment(text, week2020); utf8.ValidString(text) {
			for _, fl := range flags {
				if w, _ := fl.Args[0].(string); !strings.Contains(text, w) {
					t.Fatalf("%q: moment flag %s quotes %q", text, fl.Key, w)
				}
			}
		}
		if r.OK() {
			back := Parse(r.Stored(), week2020)
			if !back.OK() || back.Stored() != r.Stored() {
				t.Fatalf("%q: stored %q reads back as %q %v", text, r.Stored(), back.Stored(), flagKeys(back))
			}
		}
	})
}

func TestMoment(t *testing.T) {
	for text, want := range map[string]string{
		"8月23日上午9点半":         "2020-08-23 09:30",
		"2020年8月23日 14:30":   "2020-08-23 14:30",
		"8.24 9:00":          "2020-08-24 09:00",
		"８月２５日　下午３点":         "2020-08-25 15:00",
		"8月26日（周三）晚上7点":      "2020-08-26 19:00",
		"2020-08-27 09:00":   "2020-08-27 09:00",
		"8月28日":              "2020-08-28",
		"23日 9时30分":          "2020-08-23 09:30",
		"2020/8/29 17:00:00": "2020-08-29 17:00",
	} {
		at, hasTime, flags, ok := Moment(text, week2020)
		got := at.Format("2006-01-02")
		if hasTime {
			got = at.Format("2006-01-02 15:04")
		}
		if !ok || len(flags) != 0 || got != want {
			t.Errorf("Moment(%q) = %s %v %v, want %s", text, got, flags, ok, want)
		}
	}
	for text, key := range map[string]string{
		"8月30日 9:00": "timetext.outside_week", "2月30日": "timetext.bad_date", "8月23日 25:00": "timetext.bad_time",
		"8月23日 上午": "timetext.period_without_time", "8月24日（周日）": "timetext.weekday_mismatch", "8月23日 2:30": "timetext.early",
	} {
		if _, _, flags, ok := Moment(text, week2020); !ok || len(flags) == 0 || flags[0].Key != key {
			t.Errorf("Moment(%q) flags %v, want %s", text, flags, key)
		}
	}
	for _, text := range []string{"8月23日 9:00-11:00", "8月23日、24日", "明天", "9:00", ""} {
		if _, _, _, ok := Moment(text, week2020); ok {
			t.Errorf("Moment(%q) read one moment", text)
		}
	}
}
