package campaign

import (
	"testing"
	"time"
)

func TestDaysUntil(t *testing.T) {
	now := time.Date(2026, 11, 28, 10, 0, 0, 0, Zone)
	for _, c := range []struct {
		t    time.Time
		want int
	}{
		{EndOfDay(time.Date(2026, 12, 12, 0, 0, 0, 0, Zone)), 14},
		{EndOfDay(now), 0},
		{now.Add(-time.Hour), -1},
		{time.Date(2026, 11, 20, 23, 59, 59, 0, Zone), -8},
		{time.Date(2026, 12, 19, 0, 0, 0, 0, Zone), 21},
	} {
		if got := DaysUntil(now, c.t); got != c.want {
			t.Errorf("DaysUntil(%v) = %d, want %d", c.t, got, c.want)
		}
	}
}

func TestPhase(t *testing.T) {
	start, _ := ParseDate("2020-08-23")
	end, _ := ParseDate("2020-08-29")
	c := Campaign{Start: start, End: end, FilingDeadline: EndOfDay(time.Date(2020, 7, 24, 0, 0, 0, 0, Zone)), SummaryDeadline: EndOfDay(time.Date(2020, 9, 7, 0, 0, 0, 0, Zone))}
	for at, want := range map[string]Phase{
		"2020-07-24T23:59:00+08:00": PhaseFiling,
		"2020-07-25T00:00:00+08:00": PhasePreparing,
		"2020-08-23T08:00:00+08:00": PhaseRunning,
		"2020-08-29T23:00:00+08:00": PhaseRunning,
		"2020-09-01T00:00:00+08:00": PhaseReporting,
		"2020-09-08T00:00:01+08:00": PhaseClosed,
	} {
		tm, _ := time.Parse(time.RFC3339, at)
		if got := c.PhaseAt(tm); got != want {
			t.Errorf("PhaseAt(%s) = %s, want %s", at, got, want)
		}
	}
}

func TestParseTermsKeepsCodes(t *testing.T) {
	old := parseTerms("展示科技战疫成效\n展示科技创新成就 | Innovation\n", "cat", nil)
	next := parseTerms("1. 展示科技创新成就 | Innovation\n新的类别\n\n展示科技创新成就\n", "cat", old)
	if len(next) != 2 || next[0].Code != "cat2" || next[0].NameEn != "Innovation" || next[1].Code != "cat3" || next[1].Name != "新的类别" {
		t.Fatalf("parseTerms = %+v", next)
	}
}
