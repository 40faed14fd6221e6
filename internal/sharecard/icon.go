package sharecard

import (
	"image"
	"image/color"
	"math"

	"golang.org/x/image/font"
	"golang.org/x/image/math/fixed"
)

// Icon paints the site's icon: 科 in white on the site's blue. A maskable
// icon fills the whole square and keeps the character inside the middle
// 60 %, the zone every launcher's mask leaves visible; the plain one is a
// rounded square on a transparent ground.
func Icon(size int, maskable bool) (image.Image, error) {
	c, err := newCanvas(Shape{size, size}, color.Transparent)
	if err != nil {
		return nil, err
	}
	radius := float64(size) * 0.18
	if maskable {
		radius = 0
	}
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			if a := cornerCover(float64(x)+0.5, float64(y)+0.5, float64(size), radius); a > 0 {
				col := brand
				col.A = uint8(255 * a)
				col.R, col.G, col.B = uint8(float64(brand.R)*a), uint8(float64(brand.G)*a), uint8(float64(brand.B)*a)
				c.img.SetRGBA(x, y, col)
			}
		}
	}
	glyph := 0.62
	if maskable {
		glyph = 0.46
	}
	face := c.face(float64(size) * glyph)
	defer face.Close()
	d := &font.Drawer{Dst: c.img, Src: image.NewUniform(white), Face: face}
	b, adv := d.BoundString("科")
	w := adv
	h := b.Max.Y - b.Min.Y
	d.Dot = fixed.Point26_6{X: (fixed.I(size) - w) / 2, Y: (fixed.I(size)-h)/2 - b.Min.Y}
	d.DrawString("科")
	return c.img, nil
}

// cornerCover is how much of the pixel at (x, y) lies inside a square of
// side n with corners rounded by r, for smooth edges.
func cornerCover(x, y, n, r float64) float64 {
	if r == 0 {
		return 1
	}
	cx := math.Max(r-x, math.Max(x-(n-r), 0))
	cy := math.Max(r-y, math.Max(y-(n-r), 0))
	if cx == 0 || cy == 0 {
		return 1
	}
	d := math.Hypot(cx, cy) - r
	return math.Max(0, math.Min(1, 0.5-d))
}
