package sharecard

import (
	"bytes"
	"encoding/binary"
	"flag"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

var updateIcons = flag.Bool("update-icons", false, "redraw the site's icons under internal/web/static/icons")

// The site's icons are drawn here once and committed; run
// go test ./internal/sharecard -run Icons -update-icons to draw them again.
var icons = []struct {
	name     string
	size     int
	maskable bool
}{
	{"icon-192.png", 192, false},
	{"icon-512.png", 512, false},
	{"icon-maskable-512.png", 512, true},
	{"apple-touch-icon.png", 180, true},
	{"favicon-32.png", 32, false},
	{"favicon-16.png", 16, false},
}

func TestIcons(t *testing.T) {
	dir := filepath.Join("..", "web", "static", "icons")
	if *updateIcons {
		os.MkdirAll(dir, 0o755)
		var ico [][]byte
		for _, ic := range icons {
			img, err := Icon(ic.size, ic.maskable)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := png.Encode(&buf, img); err != nil {
				t.Fatal(err)
			}
			if ic.size <= 32 {
				ico = append(ico, buf.Bytes())
				continue
			}
			if err := os.WriteFile(filepath.Join(dir, ic.name), buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(filepath.Join(dir, "favicon.ico"), icoFile(ico, []int{32, 16}), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, ic := range icons {
		if ic.size <= 32 {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, ic.name))
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if img.Bounds().Dx() != ic.size || img.Bounds().Dy() != ic.size {
			t.Errorf("%s is %v, want %d square", ic.name, img.Bounds(), ic.size)
		}
	}
}

// icoFile wraps PNG images in the ICO container browsers read for
// /favicon.ico.
func icoFile(pngs [][]byte, sizes []int) []byte {
	var buf bytes.Buffer
	binary.Write(&buf, binary.LittleEndian, [3]uint16{0, 1, uint16(len(pngs))})
	offset := 6 + 16*len(pngs)
	for i, p := range pngs {
		s := byte(sizes[i])
		binary.Write(&buf, binary.LittleEndian, struct {
			W, H, Colours, Reserved byte
			Planes, Bits            uint16
			Size, Offset            uint32
		}{s, s, 0, 0, 1, 32, uint32(len(p)), uint32(offset)})
		offset += len(p)
	}
	for _, p := range pngs {
		buf.Write(p)
	}
	return buf.Bytes()
}
