package media_test

import (
	"bytes"
	"os"
	"testing"
	"time"

	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/media"
	"github.com/sciweek/sciweek/internal/media/mediatest"
)

// FuzzReadMP4 reads arbitrary bytes as an MP4 or MOV container: it never
// panics, and a length it accepts is never negative.
func FuzzReadMP4(f *testing.F) {
	f.Add(mediatest.Fragmented(time.Minute, 2, 10*time.Second, mediatest.TrexDefault))
	f.Add(mediatest.Fragmented(0, 2, 10*time.Second, mediatest.TrunSamples))
	f.Add(mediatest.Fragmented(0, 2, 10*time.Second, mediatest.SidxOnly))
	f.Add([]byte("\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"))
	f.Fuzz(func(t *testing.T, b []byte) {
		info, err := media.ReadMP4(bytes.NewReader(b), int64(len(b)))
		if err == nil && (info.Duration < 0 || info.Declared < 0) {
			t.Errorf("negative length %v / %v", info.Duration, info.Declared)
		}
		for _, tr := range info.Tracks {
			if tr.Duration < 0 {
				t.Errorf("negative track length %v", tr.Duration)
			}
		}
	})
}

// FuzzCheckPhoto reads arbitrary bytes as a photo's header: it never
// panics, every refusal is a user-facing error, and what it accepts has a
// size within the limits and a real pixel count.
func FuzzCheckPhoto(f *testing.F) {
	f.Add(mediatest.WithOrientation(mediatest.JPEGOfSize(f, 4<<10, 80), 6))
	f.Add([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"))
	f.Add([]byte("RIFF\x00\x00\x00\x00WEBPVP8 "))
	f.Add([]byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic"))
	lim := media.Limits{PhotoMin: 1, PhotoMax: 1 << 20, MaxPixels: 1 << 22}
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := media.CheckPhoto("p.jpg", bytes.NewReader(b), int64(len(b)), lim)
		if err != nil {
			if _, ok := errs.As(err); !ok {
				t.Fatalf("not a user-facing refusal: %v", err)
			}
			return
		}
		if c.Width <= 0 || c.Height <= 0 || int64(c.Width)*int64(c.Height) > lim.MaxPixels || c.Orientation < 1 || c.Orientation > 8 {
			t.Errorf("accepted %+v", c)
		}
		media.Orientation(bytes.NewReader(b))
	})
}

var _ = os.DevNull
