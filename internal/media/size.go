package media

import (
	"fmt"
	"strings"

	"github.com/sciweek/sciweek/internal/i18n"
)

// PreciseSize is a byte count written with as many decimals of MB as it
// takes to tell it from the bound it is compared with, or in bytes when
// Decimals is negative.
type PreciseSize struct {
	N        int64
	Decimals int
}

// SizeAt writes n with d decimals of MB (bytes when d < 0).
func SizeAt(n int64, d int) PreciseSize { return PreciseSize{N: n, Decimals: d} }

// Localize writes the size: 0.998 MB, 1 MB, or 1048575 字节 / bytes.
func (s PreciseSize) Localize(l i18n.Localizer) string {
	if s.Decimals < 0 {
		if l.Lang == i18n.English {
			return fmt.Sprintf("%d bytes", s.N)
		}
		return fmt.Sprintf("%d 字节", s.N)
	}
	if s.Decimals <= 1 {
		return Size(s.N).Localize(l)
	}
	return trimZeros(fmt.Sprintf("%.*f", s.Decimals, float64(s.N)/(1<<20))) + " MB"
}

func trimZeros(s string) string {
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// Decimals returns how many decimals of MB tell a size from a bound when
// both are written: 1 where that is enough, up to 3, and -1 (bytes) when
// even three decimals would read alike.
func Decimals(size, bound int64) int {
	if Size(size).Localize(i18n.For(i18n.English)) != Size(bound).Localize(i18n.For(i18n.English)) {
		return 1
	}
	for d := 2; d <= 3; d++ {
		if SizeAt(size, d).Localize(i18n.For(i18n.English)) != SizeAt(bound, d).Localize(i18n.For(i18n.English)) {
			return d
		}
	}
	return -1
}
