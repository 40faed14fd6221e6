// Package mediatest makes the videos and photos that media tests need:
// MP4 containers built box by box, clips made with ffmpeg where it is
// installed, and photos of a chosen byte size.
package mediatest

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/jpeg"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// MP4 describes a synthetic movie.
type MP4 struct {
	Declared   time.Duration // mvhd
	Streams    time.Duration // the video track's samples (stts) and mdhd
	MediaBytes int64         // size of mdat
	MoovFirst  bool
	LargeSize  bool // mdat with a 64-bit size and chunk offsets in co64
	// Filled writes the media data out instead of leaving a sparse hole,
	// for measuring copies.
	Filled bool
}

// fill writes n bytes of a pattern at f's position.
func fill(f *os.File, n int64) {
	buf := make([]byte, 1<<20)
	for i := range buf {
		buf[i] = byte(i * 31)
	}
	for n > 0 {
		k := min(n, int64(len(buf)))
		f.Write(buf[:k])
		n -= k
	}
}

func boxOf(typ string, parts ...[]byte) []byte {
	body := bytes.Join(parts, nil)
	b := make([]byte, 8, 8+len(body))
	binary.BigEndian.PutUint32(b, uint32(8+len(body)))
	copy(b[4:], typ)
	return append(b, body...)
}

func u32(vs ...uint32) []byte {
	b := make([]byte, 4*len(vs))
	for i, v := range vs {
		binary.BigEndian.PutUint32(b[4*i:], v)
	}
	return b
}

func u64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

// Build writes the movie to path; mdat is a sparse hole, so a 200 MB file
// costs nothing to make.
func (m MP4) Build(tb testing.TB, path string) {
	tb.Helper()
	const scale = 1000
	ftyp := boxOf("ftyp", []byte("isom"), u32(512), []byte("isomiso2mp41"))
	mdatHeader := 8
	if m.LargeSize {
		mdatHeader = 16
	}
	moov := func(chunkOffset uint64) []byte {
		samples := uint32(m.Streams / (100 * time.Millisecond)) // 10 frames a second
		var offsets []byte
		if m.LargeSize {
			offsets = boxOf("co64", u32(0, 1), u64(chunkOffset))
		} else {
			offsets = boxOf("stco", u32(0, 1, uint32(chunkOffset)))
		}
		return boxOf("moov",
			boxOf("mvhd", u32(0, 0, 0, scale, uint32(m.Declared/time.Millisecond)), make([]byte, 80)),
			boxOf("trak",
				boxOf("tkhd", u32(7, 0, 0, 1, 0, uint32(m.Streams/time.Millisecond)), make([]byte, 60)),
				boxOf("mdia",
					boxOf("mdhd", u32(0, 0, 0, scale, uint32(m.Streams/time.Millisecond)), u32(0)),
					boxOf("hdlr", u32(0, 0), []byte("vide"), make([]byte, 13)),
					boxOf("minf", boxOf("stbl",
						boxOf("stts", u32(0, 1, samples, 100)),
						offsets)))))
	}
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	mdatHdr := func() []byte {
		size := uint64(mdatHeader) + uint64(m.MediaBytes)
		if m.LargeSize {
			return append(u32(1), append([]byte("mdat"), u64(size)...)...)
		}
		return append(u32(uint32(size)), []byte("mdat")...)
	}
	var head []byte
	if m.MoovFirst {
		probe := moov(0)
		start := uint64(len(ftyp) + len(probe) + mdatHeader)
		head = append(append(append(head, ftyp...), moov(start)...), mdatHdr()...)
		f.Write(head)
		if m.Filled {
			fill(f, m.MediaBytes)
		}
		f.Truncate(int64(len(head)) + m.MediaBytes)
		return
	}
	head = append(append(head, ftyp...), mdatHdr()...)
	f.Write(head)
	if m.Filled {
		fill(f, m.MediaBytes)
	} else {
		f.Seek(m.MediaBytes, 1)
	}
	f.Write(moov(uint64(len(head))))
}

// FFmpeg returns the path of ffmpeg, skipping the test with a message when
// it is not installed.
func FFmpeg(tb testing.TB) string {
	tb.Helper()
	p, err := exec.LookPath("ffmpeg")
	if err != nil {
		tb.Skip("ffmpeg is not installed (apt-get install ffmpeg): skipping the checks on real video files")
	}
	return p
}

// Clip makes a test-pattern video of the given length with ffmpeg, in the
// container the file name's extension names; small and quick to make.
func Clip(tb testing.TB, dir, name string, d time.Duration, extra ...string) string {
	tb.Helper()
	ff := FFmpeg(tb)
	out := filepath.Join(dir, name)
	secs := strconv.FormatFloat(d.Seconds(), 'f', 3, 64)
	args := []string{"-v", "error", "-nostdin", "-f", "lavfi", "-i", "testsrc=size=64x48:rate=2:duration=" + secs,
		"-c:v", "mpeg4"}
	args = append(append(args, extra...), "-y", out)
	if b, err := exec.Command(ff, args...).CombinedOutput(); err != nil {
		tb.Fatalf("ffmpeg: %v\n%s", err, b)
	}
	return out
}

// Noise returns an image of random pixels, which JPEG compresses badly, so
// a file's size follows its pixel count.
func Noise(w, h int, seed uint64) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	r := rand.New(rand.NewPCG(seed, 1))
	for i := range img.Pix {
		img.Pix[i] = byte(r.Uint32())
	}
	for i := 3; i < len(img.Pix); i += 4 {
		img.Pix[i] = 255
	}
	return img
}

// JPEGOfSize returns a JPEG of noise whose size is within 3% of target.
func JPEGOfSize(tb testing.TB, target int64, quality int) []byte {
	tb.Helper()
	w := 400
	for i := 0; i < 12; i++ {
		h := w * 3 / 4
		var buf bytes.Buffer
		jpeg.Encode(&buf, Noise(w, h, uint64(target)), &jpeg.Options{Quality: quality})
		got := int64(buf.Len())
		if diff := got - target; diff*100 <= target*3 && -diff*100 <= target*3 {
			return buf.Bytes()
		}
		// Size goes with the pixel count: correct the width by the root.
		ratio := float64(target) / float64(got)
		w = int(float64(w) * sqrt(ratio))
	}
	tb.Fatalf("no JPEG near %d bytes", target)
	return nil
}

func sqrt(x float64) float64 {
	z := x
	for i := 0; i < 30; i++ {
		z = (z + x/z) / 2
	}
	return z
}

// WithOrientation inserts an EXIF block with the orientation tag after the
// JPEG's start marker.
func WithOrientation(jpg []byte, o uint16) []byte {
	tiff := []byte("MM\x00\x2a\x00\x00\x00\x08")
	tiff = append(tiff, 0, 1)                                  // one entry
	tiff = append(tiff, 0x01, 0x12, 0, 3, 0, 0, 0, 1)          // orientation, SHORT, 1
	tiff = append(tiff, byte(o>>8), byte(o), 0, 0, 0, 0, 0, 0) // value, next IFD
	seg := append([]byte("Exif\x00\x00"), tiff...)
	out := []byte{0xff, 0xd8, 0xff, 0xe1, byte((len(seg) + 2) >> 8), byte(len(seg) + 2)}
	out = append(out, seg...)
	return append(out, jpg[2:]...)
}

// Gradient is a smooth test image, left half red and right half blue, so
// orientation can be seen in a thumbnail's pixels.
func Gradient(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.RGBA{255, 0, 0, 255}
			if x >= w/2 {
				c = color.RGBA{0, 0, 255, 255}
			}
			img.Set(x, y, c)
		}
	}
	return img
}
