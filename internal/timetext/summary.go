package timetext

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// summarise says what the groups mean, in Chinese and English.
func summarise(groups []group, total int) (zh, en string) {
	var zs, es []string
	// Lines for the same days say one thing: 8月24日 9:00-11:30 and 8月24日
	// 14:00-16:00 are 8月24日 2 场.
	var merged []group
	for _, g := range groups {
		if n := len(merged); n > 0 && slices.EqualFunc(merged[n-1].days, g.days, time.Time.Equal) {
			for _, sp := range g.spans {
				if !slices.Contains(merged[n-1].spans, sp) {
					merged[n-1].spans = append(slices.Clip(merged[n-1].spans), sp)
				}
			}
			merged[n-1].sessions = append(slices.Clip(merged[n-1].sessions), g.sessions...)
			continue
		}
		merged = append(merged, g)
	}
	for _, g := range merged {
		if len(g.sessions) == 0 {
			continue
		}
		days := uniqueDays(g.sessions)
		dz, de := dayPhrase(days)
		var tz, te []string
		for _, s := range g.spans {
			if s.allDay {
				tz, te = append(tz, "全天"), append(te, "all day")
				continue
			}
			t := fmt.Sprintf("%02d:%02d–%02d:%02d", s.start/60, s.start%60, s.end/60, s.end%60)
			tz, te = append(tz, t), append(te, t)
		}
		daily, dailyEn := "", ""
		if len(days) > 1 {
			daily, dailyEn = "每天", " daily"
		}
		switch {
		case len(tz) == 1 && tz[0] == "全天":
			zs = append(zs, dz+"全天")
			es = append(es, de+", all day")
		case len(tz) == 1:
			zs = append(zs, dz+daily+" "+tz[0])
			es = append(es, de+dailyEn+", "+te[0])
		default:
			zs = append(zs, fmt.Sprintf("%s%s %d 场：%s", dz, daily, len(tz), strings.Join(tz, "、")))
			es = append(es, fmt.Sprintf("%s%s, %d sessions: %s", de, dailyEn, len(te), strings.Join(te, ", ")))
		}
	}
	zh, en = strings.Join(zs, "；"), strings.Join(es, "; ")
	if total > 1 {
		zh += fmt.Sprintf("，共 %d 场", total)
		en += fmt.Sprintf("; %d sessions in all", total)
	} else if total == 1 && len(groups) > 0 {
		zh += "，共 1 场"
		en += "; 1 session"
	}
	return zh, en
}

func uniqueDays(ss []Session) []time.Time {
	var out []time.Time
	seen := map[time.Time]bool{}
	for _, s := range ss {
		d := time.Date(s.Start.Year(), s.Start.Month(), s.Start.Day(), 0, 0, 0, 0, s.Start.Location())
		if !seen[d] {
			seen[d] = true
			out = append(out, d)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Before(out[j]) })
	return out
}

// dayPhrase names the days: 8月23日, 8月23日至29日, 8月24日、26日.
func dayPhrase(days []time.Time) (zh, en string) {
	consecutive := len(days) > 2
	for i := 1; i < len(days) && consecutive; i++ {
		consecutive = days[i].Sub(days[i-1]) <= 25*time.Hour && days[i].Day() != days[i-1].Day()
	}
	if consecutive {
		a, z := days[0], days[len(days)-1]
		zh = fmt.Sprintf("%d月%d日至", a.Month(), a.Day())
		if z.Month() != a.Month() {
			zh += fmt.Sprintf("%d月", z.Month())
		}
		zh += fmt.Sprintf("%d日", z.Day())
		if z.Month() != a.Month() {
			return zh, fmt.Sprintf("%d %s–%d %s", a.Day(), a.Format("Jan"), z.Day(), z.Format("Jan"))
		}
		return zh, fmt.Sprintf("%d–%d %s", a.Day(), z.Day(), a.Format("Jan"))
	}
	var zs, es []string
	for i, d := range days {
		if i == 0 || d.Month() != days[i-1].Month() {
			zs = append(zs, fmt.Sprintf("%d月%d日", d.Month(), d.Day()))
		} else {
			zs = append(zs, fmt.Sprintf("%d日", d.Day()))
		}
		es = append(es, fmt.Sprintf("%d %s", d.Day(), d.Format("Jan")))
	}
	return strings.Join(zs, "、"), strings.Join(es, ", ")
}
