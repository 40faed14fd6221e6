package filing

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/xuri/excelize/v2"
)

// trimCell trims spaces of any width, and the invisible marks that pasted
// text brings along, from both ends of a cell.
func trimCell(s string) string {
	return strings.TrimFunc(s, func(r rune) bool { return unicode.IsSpace(r) || r == '\ufeff' || r == '\u200b' })
}

// cellText turns a raw cell into the text Check reads: date serials in
// date, date-time and slot columns become dates, and a phone number
// stored as a number its digits.
func cellText(f Field, raw string, date1904 bool) string {
	v := trimCell(raw)
	if v == "" {
		return v
	}
	switch f.Type {
	case TypeDate, TypeDateTime, TypeSlots:
		if t, hasDate, hasTime, ok := excelTime(v, date1904); ok {
			switch {
			case !hasDate:
				return t.Format("15:04")
			case f.Type == TypeDate || !hasTime:
				return t.Format("2006-01-02")
			}
			return t.Format("2006-01-02 15:04")
		}
		if t, ok := isoTime(v); ok {
			if f.Type == TypeDate || (t.Hour() == 0 && t.Minute() == 0) {
				return t.Format("2006-01-02")
			}
			return t.Format("2006-01-02 15:04")
		}
	case TypePhone:
		return numberAsDigits(v)
	}
	return v
}

// excelTime reads a date serial: whole days since the workbook's epoch
// and the time of day as a fraction. Serials far from the campaign's
// years are left alone, so that 23 in a date column is not taken for
// 23 January 1900.
func excelTime(v string, date1904 bool) (t time.Time, hasDate, hasTime, ok bool) {
	if v[0] < '0' || v[0] > '9' {
		return t, false, false, false
	}
	x, err := strconv.ParseFloat(v, 64)
	if err != nil || x < 0 || x > 2958465 || math.IsNaN(x) {
		return t, false, false, false
	}
	t, err = excelize.ExcelDateToTime(x, date1904)
	if err != nil {
		return t, false, false, false
	}
	t = t.Add(30 * time.Second).Truncate(time.Minute)
	hasDate = x >= 1
	if hasDate && (t.Year() < 1950 || t.Year() > 2200) {
		return t, false, false, false
	}
	hasTime = t.Hour() != 0 || t.Minute() != 0
	return t, hasDate, hasTime, true
}

// isoTime reads the ISO 8601 form a date cell of type d holds.
func isoTime(v string) (time.Time, bool) {
	for _, layout := range []string{"2006-01-02T15:04:05Z07:00", "2006-01-02T15:04:05", "2006-01-02T15:04:05.999999999"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// numberAsDigits writes a phone number that a spreadsheet stored as a
// number (13812345678, 1.3812345678E+10) as its digits.
func numberAsDigits(s string) string {
	if !strings.ContainsAny(s, ".eE") || s[0] < '0' || s[0] > '9' {
		return s
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 || f > 1e15 || f != math.Trunc(f) {
		return s
	}
	return strconv.FormatInt(int64(f), 10)
}

// noteLine matches the first cell of the lines below a table: notes,
// signatures, dates and totals.
var noteLine = regexp.MustCompile(`^(?:注\d*[:、.]|注意|备注:|说明[:\d]|(?:填表|填报|审核|复核|制表)人|(?:单位)?负责人|(?:填表|填报)日期|联系人:|联系电话:|合计|总计|小计)`)

// isNote reports whether a row is a note under the table.
func isNote(cells []string) bool {
	for _, c := range cells {
		if c = trimCell(c); c != "" {
			k, _ := headerKey(c)
			return noteLine.MatchString(k)
		}
	}
	return false
}

var unitSplit = regexp.MustCompile(`[ \x{3000}]{2,}|\t`)

// unitLine returns the unit a 填报单位（盖章）：line names, or "".
func unitLine(cells []string) string {
	for i, c := range cells {
		if !strings.Contains(c, "填报单位") {
			continue
		}
		rest := ""
		if j := strings.IndexAny(c, ":："); j >= 0 {
			rest = trimCell(strings.TrimLeft(c[j:], ":："))
		}
		if rest == "" {
			for _, next := range cells[i+1:] {
				if next = trimCell(next); next != "" {
					rest = next
					break
				}
			}
		}
		return trimCell(unitSplit.Split(rest, 2)[0])
	}
	return ""
}
