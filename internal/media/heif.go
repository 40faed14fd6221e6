package media

import (
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/sciweek/sciweek/internal/i18n"
)

// heifBrands are the ISO base media brands of still images in the HEIF
// family, which phones (iPhones first) save photos as.
var heifBrands = map[string]string{
	"heic": "HEIC", "heix": "HEIC", "heim": "HEIC", "heis": "HEIC", "hevc": "HEIC", "hevx": "HEIC", "hevm": "HEIC", "hevs": "HEIC",
	"mif1": "HEIF", "msf1": "HEIF", "mif2": "HEIF",
	"avif": "AVIF", "avis": "AVIF",
}

// heifFormat names the HEIF-family format (HEIC, AVIF, HEIF) a file's
// ftyp box declares, from its major brand or, failing that, its
// compatible brands; "" for anything else.
func heifFormat(head []byte) string {
	if len(head) < 16 || string(head[4:8]) != "ftyp" {
		return ""
	}
	found := heifBrands[string(head[8:12])]
	if found != "" && found != "HEIF" {
		return found
	}
	size := int(binary.BigEndian.Uint32(head[:4]))
	size = min(size, len(head))
	for off := 16; off+4 <= size; off += 4 {
		f, ok := heifBrands[string(head[off:off+4])]
		// A specific brand (HEIC, AVIF) says more than the generic mif1.
		if ok && (found == "" || found == "HEIF") {
			found = f
		}
	}
	return found
}

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

// NameFor gives a client's file name the extension of the type detected
// from the content, so a JPEG sent as x.html downloads as x.jpg; an
// extension that already names the type (.jpeg for .jpg) is kept.
func NameFor(name, ext string) string {
	if ext == "" {
		return name
	}
	cur := ""
	if i := strings.LastIndexByte(name, '.'); i > 0 {
		cur = strings.ToLower(name[i:])
	}
	if cur == ext || extAliases[cur] == ext {
		return name
	}
	if cur != "" {
		name = name[:len(name)-len(cur)]
	}
	return name + ext
}

// extAliases are the other extensions of a detected type.
var extAliases = map[string]string{".jpeg": ".jpg", ".jpe": ".jpg", ".jfif": ".jpg", ".m4v": ".mp4", ".qt": ".mov", ".text": ".txt", ".csv": ".txt", ".md": ".txt",
	".xls": ".doc", ".ppt": ".doc"}

// ExtOf is the extension of a content type as the checks detect them.
func ExtOf(contentType string) string {
	switch contentType {
	case "image/jpeg":
		return ".jpg"
	case "image/png":
		return ".png"
	case "image/webp":
		return ".webp"
	case "video/mp4":
		return ".mp4"
	case "video/quicktime":
		return ".mov"
	case "video/webm":
		return ".webm"
	case "video/x-matroska":
		return ".mkv"
	case "video/x-msvideo":
		return ".avi"
	case "video/x-flv":
		return ".flv"
	case "video/x-ms-wmv":
		return ".wmv"
	case "application/pdf":
		return ".pdf"
	case "application/msword":
		return ".doc"
	case "text/plain":
		return ".txt"
	case "application/zip":
		return ".zip"
	case "application/vnd.openxmlformats-officedocument.wordprocessingml.document":
		return ".docx"
	case "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":
		return ".xlsx"
	case "application/vnd.openxmlformats-officedocument.presentationml.presentation":
		return ".pptx"
	}
	return ""
}
