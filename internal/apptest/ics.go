package apptest

import (
	"strings"
	"testing"
)

// Event is a VEVENT as a calendar program reads it.
type Event map[string]string

// ParseICS reads an iCalendar document strictly: CRLF line ends, folded
// lines of at most 75 octets, BEGIN/END nesting, and the properties of
// each VEVENT with their parameters.
func ParseICS(t testing.TB, doc string) []Event {
	t.Helper()
	if !strings.HasSuffix(doc, "\r\n") {
		t.Fatal("the document does not end with CRLF")
	}
	raw := strings.Split(strings.TrimSuffix(doc, "\r\n"), "\r\n")
	var lines []string
	for _, l := range raw {
		if len(l) > 75 {
			t.Errorf("line longer than 75 octets: %q", l)
		}
		if strings.ContainsAny(l, "\r\n") {
			t.Errorf("bare line break in %q", l)
		}
		if strings.HasPrefix(l, " ") && len(lines) > 0 {
			lines[len(lines)-1] += l[1:]
			continue
		}
		lines = append(lines, l)
	}
	var stack []string
	var out []Event
	var cur Event
	for _, l := range lines {
		name, value, ok := strings.Cut(l, ":")
		if !ok {
			t.Fatalf("not a content line: %q", l)
		}
		switch name {
		case "BEGIN":
			stack = append(stack, value)
			if value == "VEVENT" {
				cur = Event{}
			}
		case "END":
			if len(stack) == 0 || stack[len(stack)-1] != value {
				t.Fatalf("END:%s does not close %v", value, stack)
			}
			stack = stack[:len(stack)-1]
			if value == "VEVENT" {
				out = append(out, cur)
				cur = nil
			}
		default:
			if cur != nil {
				cur[name] = value
			}
		}
	}
	if len(stack) != 0 {
		t.Fatalf("unclosed %v", stack)
	}
	if !strings.HasPrefix(doc, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n") || !strings.Contains(doc, "TZID:Asia/Shanghai") {
		t.Error("no calendar header or no Asia/Shanghai time zone")
	}
	return out
}

// UnescapeICS reads an escaped TEXT value.
func UnescapeICS(s string) string {
	return strings.NewReplacer(`\n`, "\n", `\,`, ",", `\;`, ";", `\\`, `\`).Replace(s)
}
