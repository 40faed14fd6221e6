package media

import "encoding/binary"

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
