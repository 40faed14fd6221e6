package program

import (
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/sciweek/sciweek/internal/platform/clock"
)

// Calendar writes an iCalendar (RFC 5545) document: CRLF line ends, lines
// folded at 75 octets without splitting a character, text values escaped.
// It writes to b: a strings.Builder for a document of one event, a
// buffered writer on the answer for a whole program.
type Calendar struct {
	b io.StringWriter
}

// NewCalendar writes a document to w.
func NewCalendar(w io.StringWriter) *Calendar { return &Calendar{w} }

// Line writes one content line, folding it.
func (c *Calendar) Line(name, value string) {
	line := name + ":" + value
	limit := 75
	for len(line) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(line[cut]) {
			cut--
		}
		c.b.WriteString(line[:cut])
		c.b.WriteString("\r\n ")
		line = line[cut:]
		limit = 74 // a continuation line starts with a space
	}
	c.b.WriteString(line)
	c.b.WriteString("\r\n")
}

// Text writes a TEXT property, escaped.
func (c *Calendar) Text(name, value string) { c.Line(name, EscapeText(value)) }

// EscapeText escapes a TEXT value: backslash, semicolon, comma and line
// breaks.
func EscapeText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	r := strings.NewReplacer(`\`, `\\`, `;`, `\;`, `,`, `\,`, "\n", `\n`, "\r", `\n`)
	return r.Replace(s)
}

// vtimezone is Asia/Shanghai: China has kept UTC+8 without summer time
// since 1991.
const vtimezone = "BEGIN:VTIMEZONE\r\nTZID:Asia/Shanghai\r\nBEGIN:STANDARD\r\nDTSTART:19910915T000000\r\nTZOFFSETFROM:+0800\r\nTZOFFSETTO:+0800\r\nTZNAME:CST\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n"

const icsLocal = "20060102T150405"

// icsProgram starts a program's calendar: its name, how often subscribed
// calendars fetch it again, and its time zone; events follows, then end.
func (c *Calendar) icsProgram(name string) {
	c.begin(name)
	c.Line("REFRESH-INTERVAL;VALUE=DURATION", "PT6H")
	c.Line("X-PUBLISHED-TTL", "PT6H")
	c.b.WriteString(vtimezone)
}

// events writes the activity as events, one per session.
func (c *Calendar) events(base string, a Activity, switched bool, stamp time.Time) {
	url := base + "/activities/" + itoa64(a.ID)
	for i, s := range a.Sessions {
		c.Line("BEGIN", "VEVENT")
		c.Line("UID", "activity-"+itoa64(a.ID)+"-"+itoa(i)+"@sciweek")
		c.Line("DTSTAMP", stamp.UTC().Format("20060102T150405Z"))
		c.Line("DTSTART;TZID=Asia/Shanghai", s.Start.In(clock.Zone).Format(icsLocal))
		c.Line("DTEND;TZID=Asia/Shanghai", s.End.In(clock.Zone).Format(icsLocal))
		c.Text("SUMMARY", a.Title)
		desc := a.Content
		if (a.Online() || switched) && a.OnlineURL != "" {
			desc += "\n" + a.OnlineURL
		}
		c.Text("DESCRIPTION", desc+"\n"+url)
		if a.Address != "" {
			c.Text("LOCATION", a.Address)
		}
		c.Line("URL", url)
		c.Line("ORGANIZER;CN="+paramValue(a.UnitName), "mailto:noreply@sciweek.invalid")
		if a.CategoryName != "" {
			c.Text("CATEGORIES", a.CategoryName)
		}
		c.Line("END", "VEVENT")
	}
}

// end closes the calendar document.
func (c *Calendar) end() { c.Line("END", "VCALENDAR") }

// begin opens the calendar document.
func (c *Calendar) begin(name string) {
	c.Line("BEGIN", "VCALENDAR")
	c.Line("VERSION", "2.0")
	c.Line("PRODID", "-//sciweek//program//ZH")
	c.Line("CALSCALE", "GREGORIAN")
	c.Line("METHOD", "PUBLISH")
	c.Text("X-WR-CALNAME", name)
	c.Line("X-WR-TIMEZONE", "Asia/Shanghai")
}

// Event is one event on its own, such as a booked slot.
type Event struct {
	UID         string
	Summary     string
	Description string
	Location    string
	URL         string
	Start, End  time.Time
}

// EventDocument writes a calendar holding the one event, in Quanzhou's
// time, for a phone's "add to calendar".
func EventDocument(e Event, stamp time.Time) string {
	var b strings.Builder
	c := NewCalendar(&b)
	c.begin(e.Summary)
	c.b.WriteString(vtimezone)
	c.Line("BEGIN", "VEVENT")
	c.Line("UID", e.UID)
	c.Line("DTSTAMP", stamp.UTC().Format("20060102T150405Z"))
	c.Line("DTSTART;TZID=Asia/Shanghai", e.Start.In(clock.Zone).Format(icsLocal))
	c.Line("DTEND;TZID=Asia/Shanghai", e.End.In(clock.Zone).Format(icsLocal))
	c.Text("SUMMARY", e.Summary)
	c.Text("DESCRIPTION", e.Description)
	if e.Location != "" {
		c.Text("LOCATION", e.Location)
	}
	c.Line("URL", e.URL)
	c.Line("END", "VEVENT")
	c.end()
	return b.String()
}

// paramValue quotes a parameter value; DQUOTE cannot appear inside one.
func paramValue(s string) string {
	s = strings.NewReplacer(`"`, "'", "\r", " ", "\n", " ").Replace(s)
	return `"` + s + `"`
}
