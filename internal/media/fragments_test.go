package media_test

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/media"
	"github.com/sciweek/sciweek/internal/media/mediatest"
)

// setMvhd makes a movie header declare d.
func setMvhd(t *testing.T, b []byte, d time.Duration) []byte {
	t.Helper()
	b = append([]byte(nil), b...)
	i := bytes.Index(b, []byte("mvhd"))
	if i < 0 || b[i+4] != 0 {
		t.Fatalf("no version 0 mvhd")
	}
	scale := binary.BigEndian.Uint32(b[i+16:])
	binary.BigEndian.PutUint32(b[i+20:], uint32(d.Seconds()*float64(scale)))
	return b
}

// TestFragmentedLength reads the length of fragmented movies from their
// fragments, whatever their movie header declares.
func TestFragmentedLength(t *testing.T) {
	for _, c := range []struct {
		name string
		how  mediatest.How
	}{{"trex", mediatest.TrexDefault}, {"tfhd", mediatest.TfhdDefault}, {"trun", mediatest.TrunSamples}, {"sidx", mediatest.SidxOnly}} {
		b := mediatest.Fragmented(60*time.Second, 60, 10*time.Second, c.how)
		info, err := media.ReadMP4(bytes.NewReader(b), int64(len(b)))
		if err != nil || info.Duration != 600*time.Second {
			t.Errorf("%s: %v %v", c.name, info.Duration, err)
		}
		_, err = media.Tools{}.CheckVideo(t.Context(), c.name+".mp4", writeTemp(t, b), int64(len(b)), media.DefaultLimits)
		if zh, _ := message(err); !strings.Contains(zh, "10分钟，超过3分钟") {
			t.Errorf("%s: %q", c.name, zh)
		}
	}
	// Within the limit, a fragmented movie is accepted at its length.
	b := mediatest.Fragmented(0, 12, 10*time.Second, mediatest.TrunSamples)
	if c, err := (media.Tools{}).CheckVideo(t.Context(), "ok.mp4", writeTemp(t, b), int64(len(b)), media.DefaultLimits); err != nil || c.Duration != 120*time.Second {
		t.Errorf("2 min fragmented: %v %v", c.Duration, err)
	}
	// A run longer than its box is refused, not read past.
	bad := mediatest.Fragmented(0, 1, 10*time.Second, mediatest.TrunSamples)
	i := bytes.Index(bad, []byte("trun"))
	binary.BigEndian.PutUint32(bad[i+8:], 1<<30)
	if _, err := media.ReadMP4(bytes.NewReader(bad), int64(len(bad))); err == nil {
		t.Errorf("a run of 2^30 samples in a small box was read")
	}
}

// TestFragmentedFFmpeg checks real fragmented files as ffmpeg writes them
// for streaming: empty moov, one fragment per key frame.
func TestFragmentedFFmpeg(t *testing.T) {
	dir := t.TempDir()
	frag := []string{"-g", "20", "-movflags", "frag_keyframe+empty_moov"}
	ok := mediatest.Clip(t, dir, "frag.mp4", 12*time.Second, frag...)
	if c, err := checkVideo(t, media.Tools{}, ok); err != nil || c.Duration.Round(time.Second) != 12*time.Second {
		t.Errorf("12 s fragmented clip: %v %v", c.Duration, err)
	}
	long := mediatest.Clip(t, dir, "long.mp4", 600*time.Second, frag...)
	b, _ := os.ReadFile(long)
	lying := filepath.Join(dir, "lying.mp4")
	os.WriteFile(lying, setMvhd(t, b, 60*time.Second), 0o644)
	for _, p := range []string{long, lying} {
		_, err := checkVideo(t, media.Tools{}, p)
		if zh, _ := message(err); !errs.Is(err, errs.Invalid) || !strings.Contains(zh, "10分钟，超过3分钟") {
			t.Errorf("%s: %q %v", filepath.Base(p), zh, err)
		}
	}
}

func writeTemp(t *testing.T, b []byte) *os.File {
	t.Helper()
	p := filepath.Join(t.TempDir(), "v.mp4")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	f, _ := open(t, p)
	return f
}
