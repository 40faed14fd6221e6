package media

import (
	"encoding/binary"
	"io"
	"math"
	"time"
)

// maxMoof bounds one movie fragment's metadata read into memory.
const maxMoof = 16 << 20

// fragments adds up how long a fragmented movie's fragments run, per
// track: the sample durations of every moof's runs (trun), or their
// defaults from the fragment header (tfhd) or the movie's extends box
// (trex); a fragment's decode time (tfdt) counts where it reaches further.
type fragments struct {
	defaults map[uint32]uint32 // track → trex default sample duration
	ends     map[uint32]uint64 // track → furthest end, in the track's scale
	sidx     time.Duration     // sum of the segment index's subsegments
	any      bool
}

// readFragment reads one top-level moof box.
func (fr *fragments) readFragment(r io.ReaderAt, b box) error {
	if b.end-b.start > maxMoof {
		return ErrNotMP4
	}
	buf := make([]byte, b.end-b.start)
	if _, err := r.ReadAt(buf, b.start); err != nil {
		return ErrTruncated
	}
	fr.any = true
	return children(buf, func(typ string, p []byte) error {
		if typ == "traf" {
			return fr.readTraf(p)
		}
		return nil
	})
}

func (fr *fragments) readTraf(p []byte) error {
	var track, dflt uint32
	var base, sum uint64
	hasHeader := false
	err := children(p, func(typ string, p []byte) error {
		switch typ {
		case "tfhd":
			if len(p) < 8 {
				return ErrNotMP4
			}
			flags := binary.BigEndian.Uint32(p[:4]) & 0xffffff
			track, hasHeader = binary.BigEndian.Uint32(p[4:8]), true
			dflt = fr.defaults[track]
			off := 8
			for _, f := range []struct {
				bit  uint32
				size int
			}{{0x01, 8}, {0x02, 4}} { // base data offset, sample description index
				if flags&f.bit != 0 {
					off += f.size
				}
			}
			if flags&0x08 != 0 {
				if len(p) < off+4 {
					return ErrNotMP4
				}
				dflt = binary.BigEndian.Uint32(p[off : off+4])
			}
		case "tfdt":
			var ok bool
			if base, ok = fullBoxValue(p); !ok {
				return ErrNotMP4
			}
		case "trun":
			if !hasHeader {
				return ErrNotMP4
			}
			n, err := runDuration(p, dflt)
			if err != nil {
				return err
			}
			sum = addSat(sum, n)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if !hasHeader {
		return ErrNotMP4
	}
	if fr.ends == nil {
		fr.ends = map[uint32]uint64{}
	}
	// Without a decode time, fragments follow each other.
	end := addSat(fr.ends[track], sum)
	if base > 0 {
		end = max(end, addSat(base, sum))
	}
	fr.ends[track] = end
	return nil
}

// runDuration adds up the sample durations of a track run, each the
// run's own or the default.
func runDuration(p []byte, dflt uint32) (uint64, error) {
	if len(p) < 8 {
		return 0, ErrNotMP4
	}
	flags := binary.BigEndian.Uint32(p[:4]) & 0xffffff
	count := uint64(binary.BigEndian.Uint32(p[4:8]))
	off := uint64(8)
	if flags&0x01 != 0 { // data offset
		off += 4
	}
	if flags&0x04 != 0 { // first sample flags
		off += 4
	}
	var entry uint64
	for _, bit := range []uint32{0x100, 0x200, 0x400, 0x800} {
		if flags&bit != 0 {
			entry += 4
		}
	}
	if off > uint64(len(p)) || count*entry > uint64(len(p))-off {
		return 0, ErrNotMP4
	}
	if flags&0x100 == 0 {
		return count * uint64(dflt), nil
	}
	var sum uint64
	for i := uint64(0); i < count; i++ {
		sum = addSat(sum, uint64(binary.BigEndian.Uint32(p[off+i*entry:])))
	}
	return sum, nil
}

// readSidx adds a segment index's subsegment durations.
func (fr *fragments) readSidx(r io.ReaderAt, b box) error {
	if b.end-b.start > maxMoof {
		return ErrNotMP4
	}
	p := make([]byte, b.end-b.start)
	if _, err := r.ReadAt(p, b.start); err != nil {
		return ErrTruncated
	}
	if len(p) < 12 {
		return ErrNotMP4
	}
	scale := binary.BigEndian.Uint32(p[8:12])
	off := 12 + 8
	if p[0] == 1 {
		off = 12 + 16
	}
	if len(p) < off+4 {
		return ErrNotMP4
	}
	count := int(binary.BigEndian.Uint16(p[off+2 : off+4]))
	off += 4
	if len(p) < off+12*count {
		return ErrNotMP4
	}
	var sum uint64
	for i := 0; i < count; i++ {
		sum = addSat(sum, uint64(binary.BigEndian.Uint32(p[off+12*i+4:])))
	}
	fr.any = true
	fr.sidx += toDuration(sum, scale)
	return nil
}

// readMvex reads the movie's fragment defaults and declared fragment
// duration (mehd, in the movie's scale).
func readMvex(p []byte, fr *fragments) (mehd uint64, err error) {
	err = children(p, func(typ string, p []byte) error {
		switch typ {
		case "mehd":
			var ok bool
			if mehd, ok = fullBoxValue(p); !ok {
				return ErrNotMP4
			}
		case "trex":
			// version and flags, track, description index, duration, …
			if len(p) < 16 {
				return ErrNotMP4
			}
			if fr.defaults == nil {
				fr.defaults = map[uint32]uint32{}
			}
			fr.defaults[binary.BigEndian.Uint32(p[4:8])] = binary.BigEndian.Uint32(p[12:16])
		}
		return nil
	})
	return mehd, err
}

func addSat(a, b uint64) uint64 {
	if a > math.MaxUint64-b {
		return math.MaxUint64
	}
	return a + b
}

// fullBoxValue reads the one time value of a full box (tfdt, mehd): 64 bits
// in version 1, 32 bits otherwise.
func fullBoxValue(p []byte) (uint64, bool) {
	switch {
	case len(p) >= 12 && p[0] == 1:
		return binary.BigEndian.Uint64(p[4:12]), true
	case len(p) >= 8 && p[0] != 1:
		return uint64(binary.BigEndian.Uint32(p[4:8])), true
	}
	return 0, false
}
