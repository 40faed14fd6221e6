package media_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/jpeg"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/i18n"
	"github.com/sciweek/sciweek/internal/media"
	"github.com/sciweek/sciweek/internal/media/mediatest"
)

func open(t testing.TB, path string) (*os.File, int64) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	st, _ := f.Stat()
	return f, st.Size()
}

// message is the refusal as a Chinese and an English reader see it.
func message(err error) (zh, en string) {
	e, ok := errs.As(err)
	if !ok {
		return "", ""
	}
	return i18n.For("zh-CN").T(e.Msg.Key, e.Msg.Args...), i18n.For("en").T(e.Msg.Key, e.Msg.Args...)
}

func checkVideo(t *testing.T, tools media.Tools, path string) (media.Checked, error) {
	t.Helper()
	f, size := open(t, path)
	return tools.Check(context.Background(), media.Video, filepath.Base(path), f, size, media.DefaultLimits)
}

func TestReadMP4Synthetic(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		name string
		mp4  mediatest.MP4
		want time.Duration
		err  string
	}{
		{"moov-end.mp4", mediatest.MP4{Declared: 95 * time.Second, Streams: 95 * time.Second, MediaBytes: 1 << 20}, 95 * time.Second, ""},
		{"moov-first.mp4", mediatest.MP4{Declared: 60 * time.Second, Streams: 60 * time.Second, MediaBytes: 1 << 20, MoovFirst: true}, time.Minute, ""},
		{"large.mp4", mediatest.MP4{Declared: 30 * time.Second, Streams: 30 * time.Second, MediaBytes: 5 << 30, LargeSize: true}, 30 * time.Second, ""},
		{"lying.mp4", mediatest.MP4{Declared: 170 * time.Second, Streams: 200 * time.Second, MediaBytes: 1 << 20}, 0, "media: declared length"},
	} {
		path := filepath.Join(dir, c.name)
		c.mp4.Build(t, path)
		f, size := open(t, path)
		info, err := media.ReadMP4(f, size)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s: err = %v, want %q", c.name, err, c.err)
			}
			continue
		}
		if err != nil || info.Duration != c.want {
			t.Errorf("%s: %v, %v; want %v", c.name, info.Duration, err, c.want)
		}
	}
	// Cut in the media data (moov first: chunk offsets point past the end)
	// and in the moov (moov last).
	for _, moovFirst := range []bool{true, false} {
		path := filepath.Join(dir, "cut.mp4")
		mediatest.MP4{Declared: time.Minute, Streams: time.Minute, MediaBytes: 1 << 20, MoovFirst: moovFirst}.Build(t, path)
		st, _ := os.Stat(path)
		os.Truncate(path, st.Size()-200)
		f, size := open(t, path)
		if _, err := media.ReadMP4(f, size); err != media.ErrTruncated {
			t.Errorf("truncated (moov first %v): err = %v", moovFirst, err)
		}
	}
}

func TestVideoChecks(t *testing.T) {
	dir := t.TempDir()
	tools := media.FindTools()
	ok := mediatest.Clip(t, dir, "活动视频.mp4", 12*time.Second)
	c, err := checkVideo(t, tools, ok)
	if err != nil || c.Duration.Round(time.Second) != 12*time.Second || c.ContentType != "video/mp4" {
		t.Fatalf("12 s clip: %+v, %v", c, err)
	}
	fast := mediatest.Clip(t, dir, "faststart.mp4", 5*time.Second, "-movflags", "+faststart")
	if c, err := checkVideo(t, tools, fast); err != nil || c.Duration.Round(time.Second) != 5*time.Second {
		t.Fatalf("moov at start: %+v, %v", c, err)
	}
	mov := mediatest.Clip(t, dir, "clip.mov", 4*time.Second)
	if c, err := checkVideo(t, tools, mov); err != nil || c.ContentType != "video/quicktime" {
		t.Fatalf("mov: %+v, %v", c, err)
	}
	if poster, ok := tools.Poster(context.Background(), ok, 12*time.Second); !ok || !bytes.HasPrefix(poster, []byte{0xff, 0xd8}) {
		t.Errorf("no poster frame made")
	}

	long := mediatest.Clip(t, dir, "long.mp4", 185*time.Second)
	_, err = checkVideo(t, tools, long)
	if zh, en := message(err); zh != "long.mp4：3分05秒，超过3分钟" || en != "long.mp4: 3 min 05 s, longer than 3 min" {
		t.Errorf("185 s clip: %q / %q", zh, en)
	}
	edge := mediatest.Clip(t, dir, "edge.mp4", 181*time.Second)
	if _, err := checkVideo(t, tools, edge); !errs.Is(err, errs.Invalid) {
		t.Errorf("181 s clip accepted: %v", err)
	}

	b, _ := os.ReadFile(ok)
	cut := filepath.Join(dir, "cut.mp4")
	os.WriteFile(cut, b[:len(b)*2/3], 0o644)
	_, err = checkVideo(t, tools, cut)
	if zh, _ := message(err); !strings.Contains(zh, "cut.mp4") || !strings.Contains(zh, "不完整") {
		t.Errorf("truncated: %q", zh)
	}

	// The header says 10 s; the streams run 12 s.
	i := bytes.Index(b, []byte("mvhd"))
	lying := append([]byte(nil), b...)
	scale := int(lying[i+16])<<24 | int(lying[i+17])<<16 | int(lying[i+18])<<8 | int(lying[i+19])
	d := uint32(scale * 10)
	lying[i+20], lying[i+21], lying[i+22], lying[i+23] = byte(d>>24), byte(d>>16), byte(d>>8), byte(d)
	lie := filepath.Join(dir, "lie.mp4")
	os.WriteFile(lie, lying, 0o644)
	_, err = checkVideo(t, tools, lie)
	if zh, _ := message(err); !strings.Contains(zh, "10秒") || !strings.Contains(zh, "12秒") {
		t.Errorf("lying header: %q (%v)", zh, err)
	}

	text := filepath.Join(dir, "notes.mp4")
	os.WriteFile(text, []byte("这不是视频 just some text\n"), 0o644)
	if _, err := checkVideo(t, tools, text); !errs.Is(err, errs.Invalid) {
		t.Errorf("text named .mp4: %v", err)
	}

	mkv := mediatest.Clip(t, dir, "clip.mkv", 7*time.Second)
	if c, err := checkVideo(t, tools, mkv); err != nil || c.Duration.Round(time.Second) != 7*time.Second {
		t.Errorf("mkv with ffprobe: %+v, %v", c, err)
	}
	_, err = checkVideo(t, media.Tools{}, mkv)
	if zh, _ := message(err); !errs.Is(err, errs.Unsupported) || !strings.Contains(zh, "MP4") {
		t.Errorf("mkv without ffprobe: %q %v", zh, err)
	}
}

func checkPhoto(t *testing.T, name string, b []byte) (media.Checked, error) {
	t.Helper()
	return media.CheckPhoto(name, bytes.NewReader(b), int64(len(b)), media.DefaultLimits)
}

func TestPhotoChecks(t *testing.T) {
	good := mediatest.JPEGOfSize(t, 1500<<10, 92)
	if c, err := checkPhoto(t, "合影.jpg", good); err != nil || c.ContentType != "image/jpeg" {
		t.Fatalf("1.5 MB photo: %+v %v", c, err)
	}
	small := mediatest.JPEGOfSize(t, 600<<10, 92)
	_, err := checkPhoto(t, "small.jpg", small)
	if zh, en := message(err); !strings.Contains(zh, "small.jpg：0.6") || !strings.Contains(zh, "小于") || !strings.Contains(en, "smaller than 1 MB") {
		t.Errorf("0.6 MB photo: %q / %q", zh, en)
	}
	big := mediatest.JPEGOfSize(t, 2355<<10, 95)
	c, err := checkPhoto(t, "big.jpg", big)
	if zh, _ := message(err); !strings.Contains(zh, "big.jpg：2.3") || !strings.Contains(zh, "超过2 MB") {
		t.Errorf("2.3 MB photo: %q", zh)
	}
	img, err := media.DecodePhoto(c, bytes.NewReader(big))
	if err != nil {
		t.Fatal(err)
	}
	smaller, ok := media.Reencode(img, media.DefaultLimits.PhotoMin, media.DefaultLimits.PhotoMax)
	if !ok {
		t.Fatalf("no re-encoding in bounds (%d bytes)", len(smaller))
	}
	if _, err := checkPhoto(t, "big.jpg", smaller); err != nil {
		t.Errorf("re-encoded photo refused: %v", err)
	}

	random := make([]byte, 1500<<10)
	for i := range random {
		random[i] = byte(i*31 + i/7)
	}
	if _, err := checkPhoto(t, "random.jpg", random); !errs.Is(err, errs.Invalid) {
		t.Errorf("random bytes: %v", err)
	}
	svg := []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>` + strings.Repeat(" ", 1<<20))
	html := []byte(`<!doctype html><html><body><img src=x onerror=alert(1)></body></html>` + strings.Repeat(" ", 1<<20))
	for name, b := range map[string][]byte{"logo.jpg": svg, "page.png": html} {
		_, err := checkPhoto(t, name, b)
		if zh, _ := message(err); !strings.Contains(zh, name) || !strings.Contains(zh, "JPEG") {
			t.Errorf("%s: %q", name, zh)
		}
	}

	// A PNG header declaring 30000×30000 pixels, with no data behind it.
	var hdr bytes.Buffer
	png.Encode(&hdr, image.NewGray(image.Rect(0, 0, 1, 1)))
	bomb := hdr.Bytes()
	bomb[16], bomb[17], bomb[18], bomb[19] = 0, 0, 0x75, 0x30
	bomb[20], bomb[21], bomb[22], bomb[23] = 0, 0, 0x75, 0x30
	binary.BigEndian.PutUint32(bomb[29:33], crc32.ChecksumIEEE(bomb[12:29]))
	_, err = checkPhoto(t, "bomb.png", bomb)
	if zh, _ := message(err); !strings.Contains(zh, "30000×30000") {
		t.Errorf("decompression bomb: %q", zh)
	}
}

func TestThumbnailHonoursOrientation(t *testing.T) {
	var buf bytes.Buffer
	jpeg.Encode(&buf, mediatest.Gradient(400, 200), &jpeg.Options{Quality: 90})
	rotated := mediatest.WithOrientation(buf.Bytes(), 6) // shot with the phone turned right
	if o := media.Orientation(bytes.NewReader(rotated)); o != 6 {
		t.Fatalf("orientation = %d", o)
	}
	lim := media.DefaultLimits
	lim.PhotoMin, lim.PhotoMax = 0, 0
	c, err := media.CheckPhoto("turned.jpg", bytes.NewReader(rotated), int64(len(rotated)), lim)
	if err != nil {
		t.Fatal(err)
	}
	img, err := media.DecodePhoto(c, bytes.NewReader(rotated))
	if err != nil {
		t.Fatal(err)
	}
	thumb, err := jpeg.Decode(bytes.NewReader(media.Thumbnail(img, 100)))
	if err != nil {
		t.Fatal(err)
	}
	b := thumb.Bounds()
	if b.Dx() != 50 || b.Dy() != 100 {
		t.Fatalf("thumbnail is %dx%d, want 50x100 (upright)", b.Dx(), b.Dy())
	}
	// Turned right: the red left half is now on top.
	if r, _, bl, _ := thumb.At(25, 10).RGBA(); r < bl {
		t.Errorf("top of the thumbnail is not red")
	}
	if r, _, bl, _ := thumb.At(25, 90).RGBA(); bl < r {
		t.Errorf("bottom of the thumbnail is not blue")
	}
}

func TestLength(t *testing.T) {
	for d, want := range map[time.Duration]string{185 * time.Second: "3分05秒", 180 * time.Second: "3分钟", 42 * time.Second: "42秒"} {
		if got := media.Length(d).Localize(i18n.For("zh-CN")); got != want {
			t.Errorf("Length(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestWebP(t *testing.T) {
	ff := mediatest.FFmpeg(t)
	path := filepath.Join(t.TempDir(), "海报.webp")
	if b, err := exec.Command(ff, "-v", "error", "-f", "lavfi", "-i", "testsrc=size=320x240", "-frames:v", "1", path).CombinedOutput(); err != nil {
		t.Skipf("this ffmpeg writes no WebP: %v %s", err, b)
	}
	f, size := open(t, path)
	lim := media.DefaultLimits
	lim.PhotoMin = 0
	c, err := media.CheckPhoto("海报.webp", f, size, lim)
	if err != nil || c.ContentType != "image/webp" || c.Width != 320 || c.Height != 240 {
		t.Fatalf("WebP: %+v %v", c, err)
	}
	f.Seek(0, 0)
	if img, err := media.DecodePhoto(c, f); err != nil || img.Bounds().Dx() != 320 {
		t.Fatalf("decode WebP: %v", err)
	}
}
