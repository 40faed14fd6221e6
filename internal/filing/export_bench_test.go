package filing

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// Run with: go test -run XXX -bench 100k -benchtime 1x ./internal/filing/
//
// Each benchmark reports, besides the elapsed time: s-cpu/op, the
// processor time; MiB-file, the size written; and the memory the export
// adds above what was in use before it started (the rows: MiB-rows).
// MiB-peak is the peak of the memory the Go runtime holds from the system
// (runtime/metrics), MiB-rss the peak resident set of the process (VmHWM),
// MiB-live the peak of the heap found live by the collector.

const benchRows, benchFields = 100_000, 20

// benchSpec is a whole-city export of 100,000 items on a form of 20 text
// fields, each value 10 to 30 Chinese characters.
func benchSpec() ExportSpec {
	t := Template{Table: 1, Title: "科技活动周重点项目备案表"}
	for i := range benchFields {
		t.Fields = append(t.Fields, Field{Key: "f" + strconv.Itoa(i), Label: "栏目" + strconv.Itoa(i+1), Type: TypeText})
	}
	rng := rand.New(rand.NewPCG(1, 2))
	text := func() string {
		var b strings.Builder
		for range 10 + rng.IntN(21) {
			b.WriteRune(rune(0x4E00 + rng.IntN(3000)))
		}
		return b.String()
	}
	districts := []string{"鲤城区", "丰泽区", "洛江区", "泉港区", "石狮市", "晋江市", "南安市", "惠安县", "安溪县", "永春县", "德化县"}
	rows := make([]ExportRow, benchRows)
	for i := range rows {
		v := make(Values, benchFields)
		for _, f := range t.Fields {
			v[f.Key] = text()
		}
		rows[i] = ExportRow{District: districts[i%len(districts)], Unit: "单位" + strconv.Itoa(i%800), Values: v}
	}
	return ExportSpec{Template: t, Year: 2020, Filer: "泉州市科学技术局", WithUnits: true, Rows: rows}
}

func BenchmarkExportXLSX100k(b *testing.B) {
	spec := benchSpec()
	benchMemory(b, func(w io.Writer) error { return WriteXLSX(w, spec) })
}

// BenchmarkBareStreamWriter100k writes the same cells with excelize's
// stream writer used plainly (no styles, no layout, the workbook written
// with File.Write), as the yardstick for BenchmarkExportXLSX100k.
func BenchmarkBareStreamWriter100k(b *testing.B) {
	spec := benchSpec()
	cols := exportColumns(spec)
	benchMemory(b, func(w io.Writer) error {
		f := excelize.NewFile()
		defer f.Close()
		sw, err := f.NewStreamWriter("Sheet1")
		if err != nil {
			return err
		}
		values := make([]any, len(cols))
		for i, c := range cols {
			values[i] = c.label
		}
		if err := sw.SetRow("A1", values); err != nil {
			return err
		}
		for i, r := range spec.Rows {
			values[0] = i + 1
			for j, c := range cols[1:] {
				values[j+1] = c.text(i+1, r)
			}
			if err := sw.SetRow("A"+strconv.Itoa(i+2), values); err != nil {
				return err
			}
		}
		if err := sw.Flush(); err != nil {
			return err
		}
		return f.Write(w)
	})
}

func BenchmarkExportCSV100k(b *testing.B) {
	spec := benchSpec()
	benchMemory(b, func(w io.Writer) error {
		bw := bufio.NewWriter(w)
		if err := WriteCSV(bw, spec); err != nil {
			return err
		}
		return bw.Flush()
	})
}

// benchMemory runs write b.N times into a byte counter and reports the
// file size and the peak memory above the level before the first run.
func benchMemory(b *testing.B, write func(io.Writer) error) {
	runtime.GC()
	debug.FreeOSMemory()
	baseHeld := heldBytes()
	baseRSS, rssOK := rssBytes("VmRSS")
	rssOK = rssOK && resetPeakRSS()

	baseLive := liveBytes()

	var peak, peakLive uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			peak = max(peak, heldBytes())
			peakLive = max(peakLive, liveBytes())
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	})

	cpu0 := cpuTime()
	var n counter
	b.ResetTimer()
	for b.Loop() {
		n = 0
		if err := write(&n); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	cpu := cpuTime() - cpu0
	close(done)
	wg.Wait()
	peak = max(peak, heldBytes())

	const mib = 1 << 20
	// Processor time, garbage collection included, tells more than the
	// elapsed time on a busy machine.
	b.ReportMetric(cpu.Seconds()/float64(b.N), "s-cpu/op")
	b.ReportMetric(float64(n)/mib, "MiB-file")
	b.ReportMetric(float64(peak-min(peak, baseHeld))/mib, "MiB-peak")
	// What the export itself keeps alive, without the garbage the
	// collector lets pile up in proportion to the heap already in use
	// (the rows, MiB-rows).
	b.ReportMetric(float64(peakLive-min(peakLive, baseLive))/mib, "MiB-live")
	b.ReportMetric(float64(baseLive)/mib, "MiB-rows")
	if hwm, ok := rssBytes("VmHWM"); ok && rssOK {
		b.ReportMetric(float64(hwm-min(hwm, baseRSS))/mib, "MiB-rss")
	}
}

type counter int64

func (c *counter) Write(p []byte) (int, error) { *c += counter(len(p)); return len(p), nil }

// heldBytes is the memory the Go runtime has from the system and has not
// given back.
func heldBytes() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64() - s[1].Value.Uint64()
}

// liveBytes is the heap the last garbage collection found in use.
func liveBytes() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// rssBytes reads a size line (VmRSS, VmHWM) of /proc/self/status.
func rssBytes(name string) (uint64, bool) {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, name+":"); ok {
			var kb uint64
			if _, err := fmt.Sscanf(strings.TrimSpace(rest), "%d kB", &kb); err == nil {
				return kb << 10, true
			}
		}
	}
	return 0, false
}

// resetPeakRSS sets VmHWM back to the current resident size (Linux).
func resetPeakRSS() bool {
	return os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
}

// cpuTime is the processor time the process has used.
func cpuTime() time.Duration {
	var u syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &u) != nil {
		return 0
	}
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}
