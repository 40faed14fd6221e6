package filing

import (
	"testing"
	"time"

	"github.com/sciweek/sciweek/internal/platform/clock"
)

var week2020 = Window{
	Start:      time.Date(2020, 8, 23, 0, 0, 0, 0, clock.Zone),
	End:        time.Date(2020, 8, 29, 0, 0, 0, 0, clock.Zone),
	Categories: []string{"展示科技战疫成效", "展示科技创新成就", "体验美好生活活动", "科技助力脱贫攻坚", "做好科普宣传"},
	Audiences:  []string{"青少年", "劳动者", "领导干部和公务员", "部队官兵", "农民", "社会公众"},
}

func TestCheckProject(t *testing.T) {
	in := Values{
		KeyTitle: "  人工智能科普展 ", KeyHost: "华侨大学", KeyCategory: "（二）展示科技创新成就", KeyMode: "线下",
		KeyStart: "2020年8月23日 上午9点", KeyEnd: "20200823 17:30", KeyPlace: "泉州市丰泽区城华北路269号",
		KeyContent: "展示人工智能成果", KeyAudience: "青少年、社会公众", KeyExpected: "约300人", KeyContact: "林老师", KeyPhone: "0595－2269 2114",
	}
	out, bad := Check(DefaultTemplate(1), week2020, in)
	if len(bad) != 0 {
		t.Fatalf("errors: %v", bad)
	}
	want := Values{KeyTitle: "人工智能科普展", KeyCategory: "展示科技创新成就", KeyStart: "2020-08-23 09:00", KeyEnd: "2020-08-23 17:30",
		KeyAudience: "青少年\n社会公众", KeyExpected: "300", KeyOrganizer: ""}
	for k, v := range want {
		if out[k] != v {
			t.Errorf("%s = %q, want %q", k, out[k], v)
		}
	}
}

func TestCheckRefuses(t *testing.T) {
	base := Values{KeyTitle: "x", KeyHost: "y", KeyCategory: "做好科普宣传", KeyMode: "线上", KeyStart: "2020-08-24", KeyEnd: "2020-08-24",
		KeyPlace: "网络", KeyContent: "z", KeyAudience: "农民", KeyExpected: "10", KeyContact: "王", KeyPhone: "13812345678"}
	for _, c := range []struct{ key, value, msg string }{
		{KeyTitle, "", "error.required"},
		{KeyPhone, "12345", "error.phone"},
		{KeyStart, "2020-09-01 09:00", "filing.error.outside_week"},
		{KeyStart, "明天", "filing.error.datetime"},
		{KeyStart, "8月23日 25:00", "timetext.bad_time"},
		{KeyStart, "8月24日（周日）9点", "timetext.weekday_mismatch"},
		{KeyEnd, "2020-08-23", "filing.error.end_before_start"},
		{KeyCategory, "其他", "filing.error.choice"},
		{KeyAudience, "农民、外星人", "filing.error.choice_item"},
		{KeyExpected, "三十", "filing.error.number"},
		{KeyMode, "线下活动", "filing.error.choice"},
	} {
		in := Values{}
		for k, v := range base {
			in[k] = v
		}
		in[c.key] = c.value
		_, bad := Check(DefaultTemplate(1), week2020, in)
		if bad[c.key].Key != c.msg || len(bad) != 1 {
			t.Errorf("%s=%q: errors %v, want %s", c.key, c.value, bad, c.msg)
		}
	}
}

func TestCheckOpenDay(t *testing.T) {
	in := Values{KeyUnitName: "泉州师范学院", KeyOpenContent: "实验室开放", KeyAddress: "东海大街398号", KeyContact: "王老师",
		KeyPhone: "0595-22919595", KeySlots: "2020-08-24 09:00-11:30\n8月24日 14:00～16:00\n\n2020/8/24 9:00-11:30", KeyCapacity: "３０人"}
	out, bad := Check(DefaultTemplate(2), week2020, in)
	if len(bad) != 0 {
		t.Fatalf("errors: %v", bad)
	}
	if out[KeySlots] != "2020-08-24 09:00-11:30\n2020-08-24 14:00-16:00" || out[KeyCapacity] != "30" {
		t.Fatalf("slots %q capacity %q", out[KeySlots], out[KeyCapacity])
	}
	for _, c := range []struct{ key, value, msg string }{
		{KeyCapacity, "0", "filing.error.positive"},
		{KeyCapacity, "-5", "filing.error.number"},
		{KeySlots, "2020-08-24 11:00-09:00", "timetext.end_before_start"},
		{KeySlots, "全天开放", "timetext.no_date"},
		{KeySlots, "9:00-11:30", "timetext.no_date"},
		{KeySlots, "2020-08-30 09:00-10:00", "timetext.outside_week"},
		{KeySlots, "8月23日至9月2日 9:00-17:00", "timetext.outside_week"},
		{KeySlots, "8月23日 25:00-26:00", "timetext.bad_time"},
		{KeySlots, "2月30日 9:00-10:00", "timetext.bad_date"},
	} {
		v := Values{}
		for k, x := range in {
			v[k] = x
		}
		v[c.key] = c.value
		if _, bad := Check(DefaultTemplate(2), week2020, v); bad[c.key].Key != c.msg {
			t.Errorf("%s=%q: %v, want %s", c.key, c.value, bad, c.msg)
		}
	}
}

func TestRetiredFieldsKeepTheirValues(t *testing.T) {
	tpl := DefaultTemplate(2)
	tpl.Fields[4].Retired = true // 联系电话 is no longer asked
	in := Values{KeyUnitName: "a", KeyOpenContent: "b", KeyAddress: "c", KeyContact: "d", KeyPhone: "old value", KeySlots: "2020-08-24 09:00-10:00", KeyCapacity: "5"}
	out, bad := Check(tpl, week2020, in)
	if len(bad) != 0 || out[KeyPhone] != "old value" {
		t.Fatalf("retired field: %v %q", bad, out[KeyPhone])
	}
}

func TestParseCount(t *testing.T) {
	for in, want := range map[string]int{"30": 30, "30人": 30, "约200人次": 200, "1,200": 1200, "３０": 30, "30.0": 30, "300余人": 300} {
		if n, ok := ParseCount(in); !ok || n != want {
			t.Errorf("ParseCount(%q) = %d, %v", in, n, ok)
		}
	}
	for _, in := range []string{"三十", "30-50人", "-1", "1.5"} {
		if _, ok := ParseCount(in); ok {
			t.Errorf("ParseCount(%q) accepted", in)
		}
	}
}

// TestCheckOpenDayFreeText stores opening times written by hand as their
// sessions, one a line, and keeps the text as written when it is refused.
func TestCheckOpenDayFreeText(t *testing.T) {
	base := Values{KeyUnitName: "泉州师范学院", KeyOpenContent: "实验室开放", KeyAddress: "东海大街398号", KeyContact: "王老师",
		KeyPhone: "0595-22919595", KeyCapacity: "30"}
	for text, want := range map[string]string{
		"2020年8月23日—8月24日 9:00-11:30、14:30-17:00": "2020-08-23 09:00-11:30\n2020-08-23 14:30-17:00\n2020-08-24 09:00-11:30\n2020-08-24 14:30-17:00",
		"8月24日、8月26日 9:00-17:00":                  "2020-08-24 09:00-17:00\n2020-08-26 09:00-17:00",
		"2020年8月23日（全天）":                          "2020-08-23 全天",
		"周六 上午９：００-１１：３０":                         "2020-08-29 09:00-11:30",
	} {
		in := Values{KeySlots: text}
		for k, v := range base {
			in[k] = v
		}
		out, bad, readings := check(DefaultTemplate(2), week2020, in)
		if len(bad) != 0 || out[KeySlots] != want {
			t.Errorf("%q: %q %v, want %q", text, out[KeySlots], bad, want)
		}
		if r := readings[KeySlots]; r.Text != text || r.SummaryZH == "" {
			t.Errorf("%q: reading %+v", text, r)
		}
		if ss, ok := Sessions(out[KeySlots]); !ok || ss[0].Start.Location() != clock.Zone || ss[0].Start.Day() < 23 {
			t.Errorf("%q: sessions of the stored value %v %v", text, ss, ok)
		}
		if slots, _, ok := ParseSlots(out[KeySlots], time.Date(2020, 8, 23, 0, 0, 0, 0, clock.Zone), time.Date(2020, 8, 29, 0, 0, 0, 0, clock.Zone)); !ok || len(slots) == 0 {
			t.Errorf("%q: slots of the stored value %v", text, slots)
		}
	}
	in := Values{KeySlots: "8月23日 9:00-11:30，8月30日 9:00-11:30"}
	for k, v := range base {
		in[k] = v
	}
	out, bad := Check(DefaultTemplate(2), week2020, in)
	if bad[KeySlots].Key != "timetext.outside_week" || out[KeySlots] != in[KeySlots] {
		t.Fatalf("outside the week: %q %v", out[KeySlots], bad)
	}
}

func TestCheckStartAsWritten(t *testing.T) {
	for text, want := range map[string]string{"8月23日上午9点半": "2020-08-23 09:30", "８月２４日（周一）下午２点": "2020-08-24 14:00", "8.25 9:00": "2020-08-25 09:00"} {
		in := Values{KeyTitle: "x", KeyHost: "y", KeyCategory: "做好科普宣传", KeyMode: "线上", KeyStart: text, KeyEnd: "2020-08-29 17:00",
			KeyPlace: "网络", KeyContent: "z", KeyAudience: "农民", KeyExpected: "10", KeyContact: "王", KeyPhone: "13812345678"}
		out, bad := Check(DefaultTemplate(1), week2020, in)
		if len(bad) != 0 || out[KeyStart] != want {
			t.Errorf("%q: %q %v, want %q", text, out[KeyStart], bad, want)
		}
	}
}

// TestNewYearWeek checks a week spanning New Year: January days, written
// with or without their year, are read in the year they fall in, in the
// unit's form and in the stored opening times the program and booking read.
func TestNewYearWeek(t *testing.T) {
	w := week2020
	w.Start, w.End = time.Date(2026, 12, 28, 0, 0, 0, 0, clock.Zone), time.Date(2027, 1, 3, 0, 0, 0, 0, clock.Zone)
	project := Values{KeyTitle: "x", KeyHost: "y", KeyCategory: "做好科普宣传", KeyMode: "线上", KeyStart: "1月2日 9:00", KeyEnd: "2027-01-02 11:00",
		KeyPlace: "网络", KeyContent: "z", KeyAudience: "农民", KeyExpected: "10", KeyContact: "王", KeyPhone: "13812345678"}
	out, bad := Check(DefaultTemplate(1), w, project)
	if len(bad) != 0 || out[KeyStart] != "2027-01-02 09:00" {
		t.Errorf("a January start in a New Year week: %q %v", out[KeyStart], bad)
	}
	project[KeyStart], project[KeyEnd] = "12月29日 9:00", "12月29日 11:00"
	if out, bad := Check(DefaultTemplate(1), w, project); len(bad) != 0 || out[KeyStart] != "2026-12-29 09:00" {
		t.Errorf("a December start in a New Year week: %q %v", out[KeyStart], bad)
	}
	openDay := Values{KeyUnitName: "华侨大学", KeyOpenContent: "z", KeyAddress: "泉州", KeyContact: "王", KeyPhone: "13812345678",
		KeySlots: "12月30日 9:00-11:30，1月2日 14:00-16:00", KeyCapacity: "30"}
	out, bad = Check(DefaultTemplate(2), w, openDay)
	if want := "2026-12-30 09:00-11:30\n2027-01-02 14:00-16:00"; len(bad) != 0 || out[KeySlots] != want {
		t.Fatalf("opening times in a New Year week: %q %v, want %q", out[KeySlots], bad, want)
	}
	for _, stored := range []string{out[KeySlots], "12月30日 9:00-11:30\n1月2日 14:00-16:00"} {
		slots, bad, ok := ParseSlots(stored, w.Start, w.End)
		if !ok || len(slots) != 2 || slots[0].Start.Year() != 2026 || slots[1].Start.Year() != 2027 || slots[1].Start.Month() != time.January {
			t.Errorf("slots of %q: %v %q %v", stored, slots, bad, ok)
		}
	}
	// A week inside one year reads as before.
	if slots, _, ok := ParseSlots("8月24日 9:00-11:30", week2020.Start, week2020.End); !ok || slots[0].Start.Year() != 2020 {
		t.Errorf("slots of a summer week: %v %v", slots, ok)
	}
}
