// Package media checks uploaded videos, photos and documents from their
// content — a video's length from its container, a photo's type, size and
// pixel count from its header — and makes posters and thumbnails. Every
// refusal is an *errs.Error whose message names the file and what was
// measured, in the reader's language.
package media

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/i18n"
)

// Kind is what a file is uploaded as.
type Kind string

// The kinds of media a report takes.
const (
	Video    Kind = "video"
	Photo    Kind = "photo"
	Document Kind = "document"
)

// ParseKind reads a kind, ok false for anything else.
func ParseKind(s string) (Kind, bool) {
	switch k := Kind(s); k {
	case Video, Photo, Document:
		return k, true
	}
	return "", false
}

// Limits are a campaign's rules for its media.
type Limits struct {
	VideoMax  time.Duration // longest video (default 3 minutes)
	PhotoMin  int64         // smallest photo in bytes, inclusive
	PhotoMax  int64         // largest photo in bytes, inclusive
	MaxPixels int64         // most pixels a photo may declare
}

// DefaultLimits are the 2020 notice's: videos of at most 3 minutes,
// photos of 1 to 2 MB.
var DefaultLimits = Limits{VideoMax: 3 * time.Minute, PhotoMin: 1 << 20, PhotoMax: 2 << 20, MaxPixels: 50_000_000}

// UploadLimit bounds the bytes one upload may send, by kind.
func UploadLimit(k Kind, l Limits) int64 {
	switch k {
	case Video:
		return 1 << 30
	case Photo:
		// Larger than the bound, so a too-large photo arrives whole and can
		// be offered re-encoded.
		return max(4*l.PhotoMax, 16<<20)
	}
	return 50 << 20
}

// Checked is what a check found out about an accepted file.
type Checked struct {
	Kind        Kind
	ContentType string
	Ext         string
	Duration    time.Duration
	Width       int
	Height      int
	Orientation int // EXIF orientation of a JPEG, 1 when upright
}

// Tools are the external programs used where they are installed: ffprobe
// for containers other than MP4/MOV, ffmpeg for poster frames.
type Tools struct {
	FFprobe string
	FFmpeg  string
}

// FindTools looks ffprobe and ffmpeg up on PATH; either may be missing.
func FindTools() Tools {
	var t Tools
	t.FFprobe, _ = exec.LookPath("ffprobe")
	t.FFmpeg, _ = exec.LookPath("ffmpeg")
	return t
}

// Length is a measured or allowed length, written as 3分05秒 or 3 min 05 s.
type Length time.Duration

// Localize writes the length in l's language.
func (d Length) Localize(l i18n.Localizer) string {
	s := int64(time.Duration(d).Round(time.Second) / time.Second)
	m, sec := s/60, s%60
	zh := l.Lang != i18n.English
	switch {
	case m == 0 && zh:
		return fmt.Sprintf("%d秒", sec)
	case m == 0:
		return fmt.Sprintf("%d s", sec)
	case sec == 0 && zh:
		return fmt.Sprintf("%d分钟", m)
	case sec == 0:
		return fmt.Sprintf("%d min", m)
	case zh:
		return fmt.Sprintf("%d分%02d秒", m, sec)
	}
	return fmt.Sprintf("%d min %02d s", m, sec)
}

// Size is a byte count written in MB (MiB, as clerks count them).
type Size int64

// Localize writes the size, e.g. 2.3 MB, 0.6 MB or 80 KB.
func (s Size) Localize(i18n.Localizer) string {
	if s < 100<<10 {
		return fmt.Sprintf("%d KB", (s+512)/1024)
	}
	return strings.TrimSuffix(fmt.Sprintf("%.1f", float64(s)/(1<<20)), ".0") + " MB"
}

// refuse returns the user-facing refusal of a file.
func refuse(code errs.Code, key, name string, args ...any) *errs.Error {
	m := errs.Msg{Key: key, Args: append([]any{name}, args...)}
	return &errs.Error{Code: code, Msg: m, Fields: map[string]errs.Msg{"file": m}}
}

// Spool copies r into a new file in dir, reading at most limit bytes; it
// returns the open file (at its start) and its size. Past the limit it
// stops reading and returns ErrTooLarge; on any error nothing is left.
func Spool(dir string, r io.Reader, limit int64) (*os.File, int64, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, 0, err
	}
	f, err := os.CreateTemp(dir, ".spool-*")
	if err != nil {
		return nil, 0, err
	}
	n, err := io.Copy(f, io.LimitReader(r, limit+1))
	if err == nil && n > limit {
		err = ErrTooLarge
	}
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, 0, err
	}
	return f, n, nil
}

// ErrTooLarge is returned by Spool when the upload passes its limit.
var ErrTooLarge = errors.New("media: upload too large")

// TooLarge is the refusal of an upload cut off at its limit.
func TooLarge(name string, limit int64) *errs.Error {
	return refuse(errs.TooLarge, "media.file.too_large", name, Size(limit))
}

// Check checks a spooled file as kind k.
func (t Tools) Check(ctx context.Context, k Kind, name string, f *os.File, size int64, l Limits) (Checked, error) {
	if size == 0 {
		return Checked{}, refuse(errs.Invalid, "media.file.empty", name)
	}
	switch k {
	case Video:
		return t.CheckVideo(ctx, name, f, size, l)
	case Photo:
		return CheckPhoto(name, f, size, l)
	}
	return CheckDocument(name, f, size)
}
