// Package sharecard draws the pictures a shared link shows in WeChat and
// other apps, and a ticket as an image: a title and a few lines in Chinese,
// with an embedded subset of Noto Sans SC so no system font is needed.
package sharecard

import (
	"bytes"
	_ "embed"
	"image"
	"image/color"
	"image/png"
	"strings"
	"sync"
	"unicode"

	xdraw "golang.org/x/image/draw"
	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// fontData is Noto Sans SC Bold cut to GB 2312, ASCII and punctuation; see
// font/charset.go for how it is made and font/OFL.txt for its licence.
//
//go:embed font/NotoSansSC-Bold-subset.ttf
var fontData []byte

// missing stands in for a character the embedded font lacks.
const missing = '□'

var (
	parsed    *opentype.Font
	parseOnce sync.Once
	parseErr  error
)

func loadFont() (*opentype.Font, error) {
	parseOnce.Do(func() { parsed, parseErr = opentype.Parse(fontData) })
	return parsed, parseErr
}

// Card is what a share picture says.
type Card struct {
	// Kicker is the small line above the title, such as the campaign's name.
	Kicker string
	Title  string
	// Lines are shown under the title: dates, a place, a unit.
	Lines []string
	// Footer is the site's name, at the bottom.
	Footer string
}

// Shape is a picture's size.
type Shape struct{ W, H int }

var (
	// Wide is what Open Graph readers prefer.
	Wide = Shape{1200, 630}
	// Square is what WeChat shows beside a shared link.
	Square = Shape{600, 600}
	// TicketShape is a ticket saved to the phone's photos.
	TicketShape = Shape{600, 960}
)

// Colours of the site (app.css).
var (
	brand  = color.RGBA{0x0b, 0x5c, 0xad, 0xff}
	accent = color.RGBA{0xe8, 0xf1, 0xfb, 0xff}
	ink    = color.RGBA{0x1d, 0x27, 0x33, 0xff}
	muted  = color.RGBA{0x5b, 0x67, 0x76, 0xff}
	white  = color.RGBA{0xff, 0xff, 0xff, 0xff}
)

// canvas draws text on an image with the embedded font.
type canvas struct {
	img  *image.RGBA
	font *opentype.Font
}

func newCanvas(s Shape, bg color.Color) (*canvas, error) {
	f, err := loadFont()
	if err != nil {
		return nil, err
	}
	img := image.NewRGBA(image.Rect(0, 0, s.W, s.H))
	xdraw.Draw(img, img.Bounds(), image.NewUniform(bg), image.Point{}, xdraw.Src)
	return &canvas{img: img, font: f}, nil
}

func (c *canvas) face(size float64) font.Face {
	face, err := opentype.NewFace(c.font, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingNone})
	if err != nil { // only for a bad size, which callers never pass
		panic(err)
	}
	return face
}

func (c *canvas) fill(r image.Rectangle, col color.Color) {
	xdraw.Draw(c.img, r, image.NewUniform(col), image.Point{}, xdraw.Src)
}

// text draws s in lines no wider than width from (x, y), the top of the
// first line, at most maxLines lines; the last line shown ends in an
// ellipsis when s does not fit. It returns the y below the last line.
func (c *canvas) text(s string, x, y, width int, size float64, maxLines int, col color.Color) int {
	face := c.face(size)
	defer face.Close()
	lineH := int(size * 1.35)
	d := &font.Drawer{Dst: c.img, Src: image.NewUniform(col), Face: face}
	for _, line := range wrap(face, c.known(s), fixed.I(width), maxLines) {
		d.Dot = fixed.P(x, y+int(size))
		d.DrawString(line)
		y += lineH
	}
	return y
}

// known replaces the characters the font lacks, and control characters,
// so nothing is drawn as an empty gap.
func (c *canvas) known(s string) string {
	var buf sfnt.Buffer
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\t':
			return ' '
		case unicode.IsControl(r) || r == unicode.ReplacementChar:
			return -1
		}
		if i, err := c.font.GlyphIndex(&buf, r); err != nil || i == 0 {
			return missing
		}
		return r
	}, strings.TrimSpace(s))
}

// wrap cuts s into at most max lines of the given width. Chinese breaks
// between any two characters; a Latin word moves whole to the next line
// when it can. What does not fit ends the last line with an ellipsis.
func wrap(face font.Face, s string, width fixed.Int26_6, max int) []string {
	runes := []rune(s)
	var lines []string
	for len(runes) > 0 && len(lines) < max {
		n := fit(face, runes, width)
		if n < len(runes) && n > 0 {
			if k := wordBreak(runes, n); k > 0 {
				n = k
			}
		}
		if len(lines) == max-1 && n < len(runes) {
			lines = append(lines, ellipsize(face, runes, width))
			return lines
		}
		lines = append(lines, strings.TrimSpace(string(runes[:n])))
		runes = []rune(strings.TrimLeft(string(runes[n:]), " "))
	}
	return lines
}

// fit is how many of the runes fit in width; at least one, so a line
// always advances.
func fit(face font.Face, runes []rune, width fixed.Int26_6) int {
	var w fixed.Int26_6
	prev := rune(-1)
	for i, r := range runes {
		if prev >= 0 {
			w += face.Kern(prev, r)
		}
		adv, _ := face.GlyphAdvance(r)
		w += adv
		if w > width {
			return max(i, 1)
		}
		prev = r
	}
	return len(runes)
}

// wordBreak moves a break at n back to the start of a Latin word cut in
// two, or returns 0 when there is none to move to.
func wordBreak(runes []rune, n int) int {
	if !latin(runes[n-1]) || !latin(runes[n]) {
		return 0
	}
	for k := n - 1; k > 0; k-- {
		if runes[k] == ' ' {
			return k + 1
		}
		if !latin(runes[k]) {
			return k + 1
		}
	}
	return 0
}

func latin(r rune) bool { return r < 0x2E80 && (unicode.IsLetter(r) || unicode.IsDigit(r)) }

// ellipsize is the longest start of runes that fits in width with "…".
func ellipsize(face font.Face, runes []rune, width fixed.Int26_6) string {
	adv, _ := face.GlyphAdvance('…')
	n := fit(face, runes, width-adv)
	if n >= len(runes) {
		n = len(runes) - 1
	}
	return strings.TrimRight(string(runes[:max(n, 0)]), " ") + "…"
}

// PNG encodes the picture.
func PNG(img image.Image) ([]byte, error) {
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Draw paints a share card: a band in the site's colour with the kicker,
// the title in large type (up to three lines), the lines, and the footer.
func Draw(card Card, s Shape) (image.Image, error) {
	c, err := newCanvas(s, white)
	if err != nil {
		return nil, err
	}
	unit := float64(s.W) / 600 // sizes are set for 600 px wide and scale
	if s.H < s.W {
		unit = float64(s.H) / 420
	}
	pad := int(40 * unit)
	band := int(86 * unit)
	c.fill(image.Rect(0, 0, s.W, band), brand)
	c.text(card.Kicker, pad, int(24*unit), s.W-2*pad, 28*unit, 1, white)
	width := s.W - 2*pad
	y := c.text(card.Title, pad, band+int(36*unit), width, 50*unit, 3, ink)
	y += int(12 * unit)
	for _, l := range card.Lines {
		if y > s.H-int(90*unit) {
			break
		}
		y = c.text(l, pad, y, width, 28*unit, 1, muted)
	}
	c.fill(image.Rect(0, s.H-int(64*unit), s.W, s.H), accent)
	c.text(card.Footer, pad, s.H-int(52*unit), width, 26*unit, 1, brand)
	return c.img, nil
}

// DrawTicket paints a ticket: the band with the kicker, the QR code, then
// the title and the lines (time, place, party, code) and the footer.
func DrawTicket(card Card, qr image.Image) (image.Image, error) {
	s := TicketShape
	c, err := newCanvas(s, white)
	if err != nil {
		return nil, err
	}
	pad := 36
	c.fill(image.Rect(0, 0, s.W, 80), brand)
	c.text(card.Kicker, pad, 20, s.W-2*pad, 28, 1, white)
	size := 360
	x := (s.W - size) / 2
	q := image.NewRGBA(image.Rect(0, 0, size, size))
	xdraw.NearestNeighbor.Scale(q, q.Bounds(), qr, qr.Bounds(), xdraw.Src, nil)
	xdraw.Draw(c.img, image.Rect(x, 100, x+size, 100+size), q, image.Point{}, xdraw.Src)
	y := c.text(card.Title, pad, 480, s.W-2*pad, 36, 3, ink)
	y += 10
	for _, l := range card.Lines {
		y = c.text(l, pad, y, s.W-2*pad, 26, 2, muted)
	}
	c.fill(image.Rect(0, s.H-60, s.W, s.H), accent)
	c.text(card.Footer, pad, s.H-48, s.W-2*pad, 24, 1, brand)
	return c.img, nil
}
