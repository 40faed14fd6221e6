package program

import (
	"strings"
	"unicode"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// initialBounds are where each pinyin initial begins among the 3,755 common
// characters of GB 2312, which that standard orders by pinyin.
var initialBounds = []struct {
	code   uint16
	letter byte
}{
	{0xB0A1, 'a'}, {0xB0C5, 'b'}, {0xB2C1, 'c'}, {0xB4EE, 'd'}, {0xB6EA, 'e'}, {0xB7A2, 'f'}, {0xB8C1, 'g'}, {0xB9FE, 'h'},
	{0xBBF7, 'j'}, {0xBFA6, 'k'}, {0xC0AC, 'l'}, {0xC2E8, 'm'}, {0xC4C3, 'n'}, {0xC5B6, 'o'}, {0xC5BE, 'p'}, {0xC6DA, 'q'},
	{0xC8BB, 'r'}, {0xC8F6, 's'}, {0xCBFA, 't'}, {0xCDDA, 'w'}, {0xCEF4, 'x'}, {0xD1B9, 'y'}, {0xD4D1, 'z'},
}

// lastCommon is the last of GB 2312's common characters; rarer ones have
// no initial here.
const lastCommon = 0xD7F9

// Initials writes a text's pinyin initials, so kjz finds 科技周: each common
// Chinese character becomes the first letter of its (most usual) reading,
// letters and digits stay, lower-cased, and everything else is dropped.
func Initials(s string) string {
	enc := simplifiedchinese.GBK.NewEncoder()
	var b strings.Builder
	for _, r := range s {
		switch {
		case r < 0x80 && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			b.WriteRune(unicode.ToLower(r))
		case unicode.Is(unicode.Han, r):
			g, err := enc.String(string(r))
			if err != nil || len(g) != 2 {
				continue
			}
			code := uint16(g[0])<<8 | uint16(g[1])
			if code < initialBounds[0].code || code > lastCommon {
				continue
			}
			letter := initialBounds[0].letter
			for _, bd := range initialBounds {
				if code >= bd.code {
					letter = bd.letter
				}
			}
			b.WriteByte(letter)
		}
	}
	return b.String()
}
