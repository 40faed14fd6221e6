package mediatest

import "time"

// How says where a crafted fragmented movie keeps its sample durations.
type How int

// The places a fragmented movie's sample durations can be.
const (
	TrexDefault How = iota // the movie's extends box (mvex/trex)
	TfhdDefault            // each fragment's header (tfhd)
	TrunSamples            // each sample of the run (trun)
	SidxOnly               // a segment index (sidx); the runs say nothing
)

// Fragmented returns a fragmented MP4 whose movie header declares
// declared, with n fragments of one-second samples running per each.
func Fragmented(declared time.Duration, n int, per time.Duration, how How) []byte {
	const scale = 1000
	samples := uint32(per / time.Second)
	var trexDefault uint32
	if how == TrexDefault {
		trexDefault = scale
	}
	out := boxOf("ftyp", []byte("iso5"), u32(512), []byte("iso5iso6mp41"))
	out = append(out, boxOf("moov",
		boxOf("mvhd", u32(0, 0, 0, scale, uint32(declared/time.Millisecond)), make([]byte, 80)),
		boxOf("trak",
			boxOf("tkhd", u32(7, 0, 0, 1, 0, 0), make([]byte, 60)),
			boxOf("mdia",
				boxOf("mdhd", u32(0, 0, 0, scale, 0), u32(0)),
				boxOf("hdlr", u32(0, 0), []byte("vide"), make([]byte, 13)),
				boxOf("minf", boxOf("stbl", boxOf("stts", u32(0, 0)), boxOf("stco", u32(0, 0)))))),
		boxOf("mvex", boxOf("trex", u32(0, 1, 1, trexDefault, 0, 0))))...)
	if how == SidxOnly {
		refs := u32(0, 1, scale, 0, 0)
		refs = append(refs, 0, 0, byte(n>>8), byte(n))
		for i := 0; i < n; i++ {
			refs = append(refs, u32(100, uint32(per/time.Millisecond), 0x90000000)...)
		}
		out = append(out, boxOf("sidx", refs)...)
	}
	for i := 0; i < n; i++ {
		var tfhd, trun []byte
		switch how {
		case TfhdDefault:
			tfhd = boxOf("tfhd", u32(0x08, 1, scale))
			trun = boxOf("trun", u32(0x200, samples), make([]byte, 4*samples))
		case TrunSamples:
			tfhd = boxOf("tfhd", u32(0, 1))
			body := u32(0x301, samples, 0)
			for j := uint32(0); j < samples; j++ {
				body = append(body, u32(scale, 10)...)
			}
			trun = boxOf("trun", body)
		default:
			tfhd = boxOf("tfhd", u32(0, 1))
			trun = boxOf("trun", u32(0, samples))
			if how == SidxOnly {
				trun = boxOf("trun", u32(0, 0))
			}
		}
		out = append(out, boxOf("moof", boxOf("mfhd", u32(0, uint32(i+1))), boxOf("traf", tfhd, trun))...)
		out = append(out, boxOf("mdat", make([]byte, 10*samples))...)
	}
	return out
}
