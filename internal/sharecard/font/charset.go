//go:build ignore

// charset writes the characters the embedded font keeps: ASCII, Latin-1,
// general and CJK punctuation, full-width forms and every character of
// GB 2312 (its 6,763 hanzi, in which the 3,500 most common lie). Run
//
//	go run charset.go > chars.txt
//	pyftsubset NotoSansSC_700Bold.ttf --text-file=chars.txt --output-file=NotoSansSC-Bold-subset.ttf \
//	  --layout-features='' --no-hinting --drop-tables+=GSUB,GPOS,GDEF --name-IDs='*' --name-legacy
//
// with Noto Sans SC (SIL Open Font License 1.1) (npm package @expo-google-fonts/noto-sans-sc) to make NotoSansSC-Bold-subset.ttf again.
package main

import (
	"fmt"
	"os"
	"strings"

	"golang.org/x/text/encoding/simplifiedchinese"
)

func main() {
	var b strings.Builder
	add := func(lo, hi rune) {
		for r := lo; r <= hi; r++ {
			b.WriteRune(r)
		}
	}
	add(0x20, 0x7E)     // ASCII
	add(0xA0, 0xFF)     // Latin-1
	add(0x2010, 0x2027) // dashes, quotes, ellipsis
	add(0x2030, 0x203A)
	add(0x2190, 0x2193) // arrows
	add(0x25A0, 0x25CF) // shapes
	add(0x3000, 0x303F) // CJK punctuation
	add(0xFF01, 0xFF5E) // full-width forms
	add(0xFFFD, 0xFFFD) // replacement character
	dec := simplifiedchinese.GBK.NewDecoder()
	for hi := 0xA1; hi <= 0xF7; hi++ {
		for lo := 0xA1; lo <= 0xFE; lo++ {
			s, err := dec.Bytes([]byte{byte(hi), byte(lo)})
			if err != nil || len(s) == 0 || string(s) == "\uFFFD" {
				continue
			}
			b.Write(s)
		}
	}
	if _, err := fmt.Fprint(os.Stdout, b.String()); err != nil {
		os.Exit(1)
	}
}
