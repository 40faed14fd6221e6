// Package validate checks the small formats every domain shares: phone
// numbers as Chinese clerks write them, e-mail addresses, codes.
package validate

import (
	"net/mail"
	"regexp"
	"strings"
	"unicode/utf8"
)

var (
	mobileRe   = regexp.MustCompile(`^(?:\+?86)?1[3-9]\d{9}$`)
	landlineRe = regexp.MustCompile(`^(?:\+?86)?0\d{2,3}\d{7,8}(?:\d{1,6})?$`)
	localRe    = regexp.MustCompile(`^[2-9]\d{6,7}$`)
	codeRe     = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,31}$`)
	userRe     = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{2,31}$`)
)

// phoneSeparators are what people type between digit groups, including
// full-width forms from Chinese input methods.
var phoneSeparators = strings.NewReplacer(" ", "", "-", "", "－", "", "—", "", "(", "", ")", "", "（", "", "）", "", "　", "", ".", "", "\u00a0", "", "转", "")

// NormalizePhone strips separators and turns full-width digits into ASCII.
func NormalizePhone(s string) string {
	var b strings.Builder
	for _, r := range strings.TrimSpace(s) {
		if r >= '０' && r <= '９' {
			r = '0' + (r - '０')
		}
		if r == '＋' {
			r = '+'
		}
		b.WriteRune(r)
	}
	return phoneSeparators.Replace(b.String())
}

// IsMobile reports whether s is a mainland mobile number (11 digits, 1[3-9]…),
// with or without +86 and separators.
func IsMobile(s string) bool { return mobileRe.MatchString(NormalizePhone(s)) }

// IsPhone reports whether s is a mainland mobile number, a landline with its
// area code (0595-22579330, (0595)2257 9330), or a local 7–8 digit landline
// such as the notice's 22579330.
func IsPhone(s string) bool {
	n := NormalizePhone(s)
	return mobileRe.MatchString(n) || landlineRe.MatchString(n) || localRe.MatchString(n)
}

// MaskPhone hides the middle of a phone number: 138****1234.
func MaskPhone(s string) string {
	n := NormalizePhone(s)
	if len(n) < 7 {
		return strings.Repeat("*", len(n))
	}
	return n[:3] + strings.Repeat("*", len(n)-7) + n[len(n)-4:]
}

// IsEmail reports whether s is a plain e-mail address.
func IsEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && strings.Contains(s, ".")
}

// IsCode reports whether s can be an organisation or campaign code:
// 2–32 lower-case letters, digits and hyphens.
func IsCode(s string) bool { return codeRe.MatchString(s) }

// IsUsername reports whether s can be a login name: 3–32 lower-case
// letters, digits, dot, hyphen and underscore.
func IsUsername(s string) bool { return userRe.MatchString(s) }

// TooLong reports whether s has more than max characters.
func TooLong(s string, max int) bool { return utf8.RuneCountInString(s) > max }

// PlainText reports whether s is valid UTF-8 without control characters
// (tab and line breaks aside) and without the bidirectional overrides and
// isolates (U+202A–U+202E, U+2066–U+2069) that make a name read
// differently from what it holds.
func PlainText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if Hidden(r) {
			return false
		}
	}
	return true
}

// Hidden reports whether r is a control character other than tab and line
// breaks, or a bidirectional override or isolate.
func Hidden(r rune) bool {
	switch {
	case r == '\t' || r == '\n' || r == '\r':
		return false
	case r < 0x20, r >= 0x7f && r <= 0x9f:
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true
	}
	return false
}
