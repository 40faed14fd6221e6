package media

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"github.com/sciweek/sciweek/internal/errs"
)

// otherVideo tells the containers ffprobe reads by their first bytes.
func otherVideo(head []byte) (ctype, ext string) {
	switch {
	case bytes.HasPrefix(head, []byte{0x1a, 0x45, 0xdf, 0xa3}):
		if bytes.Contains(head[:min(len(head), 64)], []byte("webm")) {
			return "video/webm", ".webm"
		}
		return "video/x-matroska", ".mkv"
	case len(head) >= 12 && string(head[:4]) == "RIFF" && string(head[8:12]) == "AVI ":
		return "video/x-msvideo", ".avi"
	case bytes.HasPrefix(head, []byte("FLV\x01")):
		return "video/x-flv", ".flv"
	case bytes.HasPrefix(head, []byte{0x30, 0x26, 0xb2, 0x75, 0x8e, 0x66, 0xcf, 0x11}):
		return "video/x-ms-wmv", ".wmv"
	}
	return "", ""
}

// CheckVideo measures a video and refuses it when it is not one, is cut
// short, declares a length its streams contradict, or runs past the limit.
// MP4 and MOV are read here; other containers need ffprobe.
func (t Tools) CheckVideo(ctx context.Context, name string, f *os.File, size int64, l Limits) (Checked, error) {
	c := Checked{Kind: Video}
	info, err := ReadMP4(f, size)
	switch {
	case err == nil:
		c.Duration, c.ContentType, c.Ext = info.Duration, "video/mp4", ".mp4"
		if info.Brand == "qt  " {
			c.ContentType, c.Ext = "video/quicktime", ".mov"
		}
	case errors.Is(err, ErrTruncated):
		return c, refuse(errs.Invalid, "media.video.truncated", name)
	case errors.Is(err, ErrNoVideo):
		return c, refuse(errs.Invalid, "media.video.no_video", name)
	case errors.As(err, new(*LengthMismatch)):
		var lm *LengthMismatch
		errors.As(err, &lm)
		return c, refuse(errs.Invalid, "media.video.mismatch", name, Length(lm.Declared), Length(lm.Streams))
	default:
		head := make([]byte, 64)
		n, _ := f.ReadAt(head, 0)
		ctype, ext := otherVideo(head[:n])
		if ctype == "" {
			return c, refuse(errs.Invalid, "media.video.not_video", name)
		}
		if t.FFprobe == "" {
			return c, refuse(errs.Unsupported, "media.video.unsupported", name)
		}
		c.ContentType, c.Ext = ctype, ext
		if c.Duration, err = t.probe(ctx, f.Name()); err != nil {
			return c, refuse(errs.Invalid, "media.video.not_video", name)
		}
	}
	if c.Duration <= 0 {
		return c, refuse(errs.Invalid, "media.video.not_video", name)
	}
	if l.VideoMax > 0 && c.Duration.Round(time.Second) > l.VideoMax {
		return c, refuse(errs.Invalid, "media.video.too_long", name, Length(c.Duration), Length(l.VideoMax))
	}
	return c, nil
}

// probe asks ffprobe for the length of a video and checks it has a video
// stream.
func (t Tools) probe(ctx context.Context, path string) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, t.FFprobe, "-v", "error", "-show_entries", "format=duration:stream=codec_type,duration",
		"-of", "json", path).Output()
	if err != nil {
		return 0, err
	}
	var res struct {
		Format struct {
			Duration string `json:"duration"`
		} `json:"format"`
		Streams []struct {
			CodecType string `json:"codec_type"`
			Duration  string `json:"duration"`
		} `json:"streams"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		return 0, err
	}
	secs, _ := strconv.ParseFloat(res.Format.Duration, 64)
	video := false
	for _, s := range res.Streams {
		video = video || s.CodecType == "video"
		if d, err := strconv.ParseFloat(s.Duration, 64); err == nil && d > secs {
			secs = d
		}
	}
	if !video {
		return 0, ErrNoVideo
	}
	return time.Duration(secs * float64(time.Second)), nil
}

// Poster writes a JPEG frame of the video, at most 640 px wide, and
// returns it; ok is false when ffmpeg is not installed or fails.
func (t Tools) Poster(ctx context.Context, path string, d time.Duration) ([]byte, bool) {
	if t.FFmpeg == "" {
		return nil, false
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	dir, err := os.MkdirTemp(filepath.Dir(path), ".poster-*")
	if err != nil {
		return nil, false
	}
	defer os.RemoveAll(dir)
	out := filepath.Join(dir, "poster.jpg")
	at := "0"
	if d > 2*time.Second {
		at = "1"
	}
	err = exec.CommandContext(ctx, t.FFmpeg, "-v", "error", "-nostdin", "-ss", at, "-i", path, "-frames:v", "1",
		"-vf", "scale='min(640,iw)':-2", "-q:v", "4", "-y", out).Run()
	if err != nil {
		return nil, false
	}
	b, err := os.ReadFile(out)
	return b, err == nil && len(b) > 0
}
