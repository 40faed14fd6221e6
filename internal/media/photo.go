package media

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"net/http"
	"strings"

	"golang.org/x/image/draw"
	"golang.org/x/image/webp"

	"github.com/sciweek/sciweek/internal/errs"
)

// photoType tells a photo's format from its first bytes, never its name.
func photoType(head []byte) (ctype, ext string) {
	switch {
	case bytes.HasPrefix(head, []byte{0xff, 0xd8, 0xff}):
		return "image/jpeg", ".jpg"
	case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")):
		return "image/png", ".png"
	case len(head) >= 12 && string(head[:4]) == "RIFF" && string(head[8:12]) == "WEBP":
		return "image/webp", ".webp"
	}
	return "", ""
}

// codecs decode each photo type: its header alone, or the whole image.
var codecs = map[string]struct {
	config func(io.Reader) (image.Config, error)
	decode func(io.Reader) (image.Image, error)
}{
	"image/jpeg": {jpeg.DecodeConfig, jpeg.Decode},
	"image/png":  {png.DecodeConfig, png.Decode},
	"image/webp": {webp.DecodeConfig, webp.Decode},
}

func decodeConfig(ctype string, r io.Reader) (image.Config, error) { return codecs[ctype].config(r) }

func decode(ctype string, r io.Reader) (image.Image, error) { return codecs[ctype].decode(r) }

// CheckPhoto accepts a JPEG, PNG or WebP photo whose byte size lies within
// the limits (inclusive). Its pixel count is read from the header and
// checked before anything is decoded, so a small file declaring a huge
// image is refused without the memory it would take.
func CheckPhoto(name string, f io.ReadSeeker, size int64, l Limits) (Checked, error) {
	c := Checked{Kind: Photo, Orientation: 1}
	head := make([]byte, 512)
	n, _ := io.ReadFull(f, head)
	c.ContentType, c.Ext = photoType(head[:n])
	if c.ContentType == "" {
		if format := heifFormat(head[:n]); format != "" {
			return c, refuse(errs.Unsupported, "hardening.photo.heif", name, format)
		}
		return c, refuse(errs.Invalid, "media.photo.not_photo", name)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return c, err
	}
	cfg, err := decodeConfig(c.ContentType, f)
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 {
		return c, refuse(errs.Invalid, "media.photo.not_photo", name)
	}
	c.Width, c.Height = cfg.Width, cfg.Height
	if l.MaxPixels > 0 && int64(cfg.Width)*int64(cfg.Height) > l.MaxPixels {
		return c, refuse(errs.Invalid, "media.photo.pixels", name, cfg.Width, cfg.Height, l.MaxPixels/10000)
	}
	if c.ContentType == "image/jpeg" {
		f.Seek(0, io.SeekStart)
		c.Orientation = Orientation(f)
	}
	if l.PhotoMin > 0 && size < l.PhotoMin {
		d := Decimals(size, l.PhotoMin)
		return c, refuse(errs.Invalid, "media.photo.too_small", name, SizeAt(size, d), SizeAt(l.PhotoMin, d), SizeAt(l.PhotoMax, d))
	}
	if l.PhotoMax > 0 && size > l.PhotoMax {
		d := Decimals(size, l.PhotoMax)
		return c, refuse(errs.Invalid, "media.photo.too_big", name, SizeAt(size, d), SizeAt(l.PhotoMin, d), SizeAt(l.PhotoMax, d))
	}
	return c, nil
}

// DecodePhoto decodes a checked photo, upright.
func DecodePhoto(c Checked, r io.Reader) (image.Image, error) {
	img, err := decode(c.ContentType, r)
	if err != nil {
		return nil, err
	}
	return Orient(img, c.Orientation), nil
}

// Thumbnail scales an image to fit within side×side pixels and encodes it
// as JPEG.
func Thumbnail(img image.Image, side int) []byte {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w > side || h > side {
		if w >= h {
			w, h = side, max(1, h*side/w)
		} else {
			w, h = max(1, w*side/h), side
		}
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.ApproxBiLinear.Scale(dst, dst.Bounds(), img, b, draw.Src, nil)
	var buf bytes.Buffer
	jpeg.Encode(&buf, dst, &jpeg.Options{Quality: 80})
	return buf.Bytes()
}

// Reencode encodes an image as a JPEG whose size lies within [lo, hi]
// bytes, choosing the best quality that fits and, if even the lowest
// quality is too large, scaling the image down. ok is false when no
// encoding lands in the bounds.
func Reencode(img image.Image, lo, hi int64) ([]byte, bool) {
	for scale := 0; scale < 4; scale++ {
		best := []byte(nil)
		qlo, qhi := 40, 95
		for qlo <= qhi {
			q := (qlo + qhi) / 2
			var buf bytes.Buffer
			if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: q}); err != nil {
				return nil, false
			}
			if int64(buf.Len()) <= hi {
				best = buf.Bytes()
				qlo = q + 1
			} else {
				qhi = q - 1
			}
		}
		if best != nil {
			return best, int64(len(best)) >= lo
		}
		b := img.Bounds()
		smaller := image.NewRGBA(image.Rect(0, 0, b.Dx()*4/5, b.Dy()*4/5))
		draw.ApproxBiLinear.Scale(smaller, smaller.Bounds(), img, b, draw.Src, nil)
		img = smaller
	}
	return nil, false
}

// Orientation reads the EXIF orientation (1–8) of a JPEG, 1 when it has
// none.
func Orientation(r io.Reader) int {
	br := &byteReader{r: r}
	if br.u16() != 0xffd8 {
		return 1
	}
	for i := 0; i < 64 && br.err == nil; i++ {
		marker := br.u16()
		if marker&0xff00 != 0xff00 || marker == 0xffda || marker == 0xffd9 {
			return 1
		}
		n := int(br.u16()) - 2
		if n < 0 {
			return 1
		}
		seg := br.bytes(n)
		if marker == 0xffe1 && len(seg) > 14 && string(seg[:6]) == "Exif\x00\x00" {
			return exifOrientation(seg[6:])
		}
	}
	return 1
}

func exifOrientation(tiff []byte) int {
	if len(tiff) < 8 {
		return 1
	}
	var bo binary.ByteOrder
	switch string(tiff[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 1
	}
	ifd := int(bo.Uint32(tiff[4:8]))
	if ifd+2 > len(tiff) {
		return 1
	}
	count := int(bo.Uint16(tiff[ifd:]))
	for i := 0; i < count; i++ {
		e := ifd + 2 + i*12
		if e+12 > len(tiff) {
			return 1
		}
		if bo.Uint16(tiff[e:]) == 0x0112 {
			if v := int(bo.Uint16(tiff[e+8:])); v >= 1 && v <= 8 {
				return v
			}
			return 1
		}
	}
	return 1
}

type byteReader struct {
	r   io.Reader
	err error
}

func (b *byteReader) bytes(n int) []byte {
	if b.err != nil || n > 1<<16 {
		b.err = io.ErrUnexpectedEOF
		return nil
	}
	p := make([]byte, n)
	_, b.err = io.ReadFull(b.r, p)
	return p
}

func (b *byteReader) u16() uint16 {
	p := b.bytes(2)
	if p == nil {
		return 0
	}
	return binary.BigEndian.Uint16(p)
}

// Orient turns an image upright according to its EXIF orientation.
func Orient(img image.Image, o int) image.Image {
	if o <= 1 || o > 8 {
		return img
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	dw, dh := w, h
	if o >= 5 {
		dw, dh = h, w
	}
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			var dx, dy int
			switch o {
			case 2:
				dx, dy = w-1-x, y
			case 3:
				dx, dy = w-1-x, h-1-y
			case 4:
				dx, dy = x, h-1-y
			case 5:
				dx, dy = y, x
			case 6:
				dx, dy = h-1-y, x
			case 7:
				dx, dy = h-1-y, w-1-x
			case 8:
				dx, dy = y, w-1-x
			}
			dst.Set(dx, dy, img.At(b.Min.X+x, b.Min.Y+y))
		}
	}
	return dst
}

// documentTypes are the other files a report takes, told from content.
var documentTypes = map[string]string{
	"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png",
	"application/zip": ".zip", // .docx and .xlsx are zip files
}

// CheckDocument accepts a PDF, an image, an Office file or plain text.
// HTML and scripts are refused whatever their name.
func CheckDocument(name string, f io.ReadSeeker, size int64) (Checked, error) {
	c := Checked{Kind: Document}
	head := make([]byte, 512)
	n, _ := io.ReadFull(f, head)
	f.Seek(0, io.SeekStart)
	ctype, _, _ := strings.Cut(http.DetectContentType(head[:n]), ";")
	if bytes.HasPrefix(head, []byte{0xd0, 0xcf, 0x11, 0xe0}) {
		ctype = "application/msword" // .doc, .xls: OLE compound files
	}
	ext, ok := documentTypes[ctype]
	switch {
	case ok:
	case ctype == "application/msword":
		ext = ".doc"
	case ctype == "text/plain":
		ext = ".txt"
	default:
		return c, refuse(errs.Unsupported, "media.document.type", name)
	}
	if ctype == "application/zip" {
		ext = strings.ToLower(extOf(name, ".docx", ".xlsx", ".pptx", ".zip"))
		ctype = map[string]string{".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
			".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
			".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation", ".zip": "application/zip"}[ext]
	}
	c.ContentType, c.Ext = ctype, ext
	return c, nil
}

// extOf returns the first of the allowed extensions the name ends with,
// else the last one.
func extOf(name string, allowed ...string) string {
	lower := strings.ToLower(name)
	for _, e := range allowed {
		if strings.HasSuffix(lower, e) {
			return e
		}
	}
	return allowed[len(allowed)-1]
}
