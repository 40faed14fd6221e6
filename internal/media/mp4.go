package media

import (
	"encoding/binary"
	"errors"
	"io"
	"time"
)

// Reasons an MP4 or MOV file is refused.
var (
	ErrNotMP4    = errors.New("media: not an MP4 or MOV file")
	ErrTruncated = errors.New("media: file is truncated")
	ErrNoVideo   = errors.New("media: no video track")
)

// LengthMismatch is a file whose header declares a length its streams
// contradict, as a file edited to pass a length check would.
type LengthMismatch struct {
	Declared, Streams time.Duration
}

func (e *LengthMismatch) Error() string {
	return "media: declared length " + e.Declared.String() + " disagrees with the streams' " + e.Streams.String()
}

// maxMoov bounds the metadata read into memory; real files carry a few MB.
const maxMoov = 64 << 20

// Tolerance between the length the header declares and the streams' own:
// encoders round, and audio runs a little past video.
const lengthTolerance = time.Second

// Track is one stream of a movie.
type Track struct {
	Kind     string // vide, soun, …
	Duration time.Duration
}

// MP4Info is what the container says about a movie.
type MP4Info struct {
	Brand    string
	Duration time.Duration // the longest of the declared and the streams' lengths
	Declared time.Duration // mvhd
	Tracks   []Track
}

type box struct {
	typ        string
	start, end int64 // payload
}

// readBox reads the box header at off. end is where the enclosing box ends.
func readBox(r io.ReaderAt, off, end int64) (box, error) {
	var h [16]byte
	if end-off < 8 {
		return box{}, ErrTruncated
	}
	if _, err := r.ReadAt(h[:8], off); err != nil {
		return box{}, ErrTruncated
	}
	size := int64(binary.BigEndian.Uint32(h[:4]))
	b := box{typ: string(h[4:8]), start: off + 8}
	switch size {
	case 0: // to the end of the enclosing box
		b.end = end
	case 1: // 64-bit size follows
		if end-off < 16 {
			return box{}, ErrTruncated
		}
		if _, err := r.ReadAt(h[8:16], off+8); err != nil {
			return box{}, ErrTruncated
		}
		size = int64(binary.BigEndian.Uint64(h[8:16]))
		b.start = off + 16
		if size < 16 {
			return box{}, ErrNotMP4
		}
		b.end = off + size
	default:
		if size < 8 {
			return box{}, ErrNotMP4
		}
		b.end = off + size
	}
	if b.end > end || b.end < off {
		return box{}, ErrTruncated
	}
	return b, nil
}

// topLevel are the boxes a file may start with and hold at its top level.
var topLevel = map[string]bool{"ftyp": true, "moov": true, "mdat": true, "free": true, "skip": true, "wide": true,
	"uuid": true, "pnot": true, "meta": true, "moof": true, "mfra": true, "sidx": true, "styp": true, "pdin": true}

// maxFragments bounds the movie fragments and segment indexes a file may
// hold; ffmpeg writes one fragment per key frame, a few thousand at most.
const maxFragments = 1 << 18

// ReadMP4 reads the container of an MP4 or MOV file of size bytes: it walks
// the top-level boxes (moov before or after the media data), reads the
// movie header and each track's header and media header, and checks the
// streams against the declared length and the file's end. A fragmented
// file's length is also read from its fragments (moof), its segment
// index (sidx) and its declared fragment duration (mehd), and the longest
// counts, whatever the movie header says. Only the metadata is read.
func ReadMP4(r io.ReaderAt, size int64) (MP4Info, error) {
	var info MP4Info
	var moov box
	var frags []box
	first := true
	for off := int64(0); off < size; {
		b, err := readBox(r, off, size)
		if err != nil {
			if first {
				return info, ErrNotMP4
			}
			return info, err
		}
		if !topLevel[b.typ] {
			if first {
				return info, ErrNotMP4
			}
			return info, ErrTruncated // garbage where a box should start
		}
		if first && b.typ != "ftyp" && b.typ != "moov" && b.typ != "wide" && b.typ != "free" && b.typ != "mdat" {
			return info, ErrNotMP4
		}
		first = false
		switch b.typ {
		case "ftyp":
			var brand [4]byte
			if b.end-b.start >= 4 {
				r.ReadAt(brand[:], b.start)
				info.Brand = string(brand[:])
			}
		case "moov":
			moov = b
		case "moof", "sidx":
			if len(frags) >= maxFragments {
				return info, ErrNotMP4
			}
			frags = append(frags, b)
		}
		off = b.end
	}
	if moov.typ == "" {
		if first {
			return info, ErrNotMP4
		}
		return info, ErrTruncated
	}
	if moov.end-moov.start > maxMoov {
		return info, ErrNotMP4
	}
	buf := make([]byte, moov.end-moov.start)
	if _, err := r.ReadAt(buf, moov.start); err != nil {
		return info, ErrTruncated
	}
	var fr fragments
	tracks, err := parseMoov(buf, size, &info, &fr)
	if err != nil {
		return info, err
	}
	for _, b := range frags {
		read := fr.readFragment
		if b.typ == "sidx" {
			read = fr.readSidx
		}
		if err := read(r, b); err != nil {
			return info, err
		}
	}
	if fr.any {
		info.Duration = max(info.Duration, fr.sidx)
		for i, t := range tracks {
			if d := toDuration(fr.ends[t.id], t.scale); d > info.Tracks[i].Duration {
				info.Tracks[i].Duration = d
				info.Duration = max(info.Duration, d)
			}
		}
	}
	return info, nil
}

// children walks the boxes inside a payload held in memory.
func children(p []byte, fn func(typ string, payload []byte) error) error {
	for len(p) > 0 {
		if len(p) < 8 {
			return ErrNotMP4
		}
		size := uint64(binary.BigEndian.Uint32(p[:4]))
		typ := string(p[4:8])
		hdr := uint64(8)
		switch size {
		case 0:
			size = uint64(len(p))
		case 1:
			if len(p) < 16 {
				return ErrNotMP4
			}
			size, hdr = binary.BigEndian.Uint64(p[8:16]), 16
		}
		if size < hdr || size > uint64(len(p)) {
			return ErrNotMP4
		}
		if err := fn(typ, p[hdr:size]); err != nil {
			return err
		}
		p = p[size:]
	}
	return nil
}

// timeHeader reads the timescale and duration of an mvhd or mdhd payload.
func timeHeader(p []byte) (scale uint32, dur uint64, ok bool) {
	if len(p) < 1 {
		return 0, 0, false
	}
	if p[0] == 1 {
		if len(p) < 32 {
			return 0, 0, false
		}
		return binary.BigEndian.Uint32(p[20:24]), binary.BigEndian.Uint64(p[24:32]), true
	}
	if len(p) < 20 {
		return 0, 0, false
	}
	return binary.BigEndian.Uint32(p[12:16]), uint64(binary.BigEndian.Uint32(p[16:20])), true
}

func toDuration(d uint64, scale uint32) time.Duration {
	if scale == 0 || d == ^uint64(0) || d == uint64(^uint32(0)) {
		return 0
	}
	sec := d / uint64(scale)
	if sec >= maxSeconds {
		return maxSeconds * time.Second
	}
	rem := d % uint64(scale)
	return time.Duration(sec)*time.Second + time.Duration(rem*uint64(time.Second)/uint64(scale))
}

// maxSeconds caps a length read from a file (about 292 years overflow a
// time.Duration); anything that long is refused as too long anyway.
const maxSeconds = 1 << 32

type trackInfo struct {
	id         uint32
	kind       string
	scale      uint32
	mdhd       uint64
	samples    uint64 // sum of the sample durations (stts), in scale
	maxOffset  uint64 // last chunk offset (stco/co64)
	hasSamples bool
}

// parseMoov reads the movie box; it returns the tracks in the order of
// info.Tracks.
func parseMoov(moov []byte, fileSize int64, info *MP4Info, fr *fragments) ([]trackInfo, error) {
	var mvScale uint32
	var mvDur, mehd uint64
	var tracks []trackInfo
	err := children(moov, func(typ string, p []byte) error {
		switch typ {
		case "mvhd":
			var ok bool
			if mvScale, mvDur, ok = timeHeader(p); !ok {
				return ErrNotMP4
			}
		case "trak":
			var t trackInfo
			if err := parseTrak(p, &t); err != nil {
				return err
			}
			tracks = append(tracks, t)
		case "mvex":
			var err error
			mehd, err = readMvex(p, fr)
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if mvScale == 0 {
		return nil, ErrNotMP4
	}
	info.Declared = toDuration(mvDur, mvScale)
	info.Duration = max(info.Declared, toDuration(mehd, mvScale))
	video := false
	for _, t := range tracks {
		if t.hasSamples && t.maxOffset >= uint64(fileSize) {
			return nil, ErrTruncated // a chunk lies past the end of the file
		}
		d := toDuration(t.mdhd, t.scale)
		if t.hasSamples {
			streams := toDuration(t.samples, t.scale)
			if absDiff(streams, d) > lengthTolerance {
				return nil, &LengthMismatch{Declared: d, Streams: streams}
			}
			d = max(d, streams)
		}
		info.Tracks = append(info.Tracks, Track{Kind: t.kind, Duration: d})
		if t.kind == "vide" {
			video = true
		}
		if d > info.Declared+lengthTolerance {
			return nil, &LengthMismatch{Declared: info.Declared, Streams: d}
		}
		info.Duration = max(info.Duration, d)
	}
	if !video {
		return nil, ErrNoVideo
	}
	return tracks, nil
}

func absDiff(a, b time.Duration) time.Duration {
	if a > b {
		return a - b
	}
	return b - a
}

func parseTrak(p []byte, t *trackInfo) error {
	return children(p, func(typ string, p []byte) error {
		switch typ {
		case "mdia", "minf", "stbl":
			return parseTrak(p, t)
		case "tkhd":
			if len(p) >= 24 && p[0] == 1 {
				t.id = binary.BigEndian.Uint32(p[20:24])
			} else if len(p) >= 16 {
				t.id = binary.BigEndian.Uint32(p[12:16])
			}
		case "mdhd":
			var ok bool
			if t.scale, t.mdhd, ok = timeHeader(p); !ok {
				return ErrNotMP4
			}
		case "hdlr":
			// QuickTime also puts a data handler (dhlr) in minf; only the
			// media handler says what the track is.
			if len(p) >= 12 && string(p[4:8]) != "dhlr" {
				t.kind = string(p[8:12])
			}
		case "stts":
			if len(p) < 8 {
				return ErrNotMP4
			}
			n := uint64(binary.BigEndian.Uint32(p[4:8]))
			if uint64(len(p)-8) < n*8 {
				return ErrNotMP4
			}
			for i := uint64(0); i < n; i++ {
				e := p[8+i*8:]
				t.samples += uint64(binary.BigEndian.Uint32(e[:4])) * uint64(binary.BigEndian.Uint32(e[4:8]))
			}
			t.hasSamples = t.hasSamples || n > 0
		case "stco", "co64":
			if len(p) < 8 {
				return ErrNotMP4
			}
			n := uint64(binary.BigEndian.Uint32(p[4:8]))
			w := uint64(4)
			if typ == "co64" {
				w = 8
			}
			if uint64(len(p)-8) < n*w {
				return ErrNotMP4
			}
			for i := uint64(0); i < n; i++ {
				e := p[8+i*w:]
				var off uint64
				if w == 8 {
					off = binary.BigEndian.Uint64(e[:8])
				} else {
					off = uint64(binary.BigEndian.Uint32(e[:4]))
				}
				t.maxOffset = max(t.maxOffset, off)
			}
		}
		return nil
	})
}
