package media_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/sciweek/sciweek/internal/media"
	"github.com/sciweek/sciweek/internal/media/mediatest"
)

// BenchmarkReadMP4 measures the length check of a 200 MB MP4 whose moov
// comes after the media data, opening the file each time as an upload is.
func BenchmarkReadMP4(b *testing.B) {
	path := filepath.Join(b.TempDir(), "200mb.mp4")
	mediatest.MP4{Declared: 170 * time.Second, Streams: 170 * time.Second, MediaBytes: 200 << 20}.Build(b, path)
	for b.Loop() {
		f, size := open(b, path)
		if _, err := media.ReadMP4(f, size); err != nil {
			b.Fatal(err)
		}
		f.Close()
	}
}
