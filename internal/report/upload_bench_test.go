package report_test

import (
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sciweek/sciweek/internal/apptest"
	"github.com/sciweek/sciweek/internal/media"
	"github.com/sciweek/sciweek/internal/media/mediatest"
)

// rss reads a figure in kB from /proc/self/status (VmRSS, VmHWM).
func rss(b *testing.B, field string) int64 {
	st, err := os.ReadFile("/proc/self/status")
	if err != nil {
		b.Skip("no /proc/self/status: memory is measured on Linux only")
	}
	for _, line := range strings.Split(string(st), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return n
		}
	}
	return 0
}

// streamUpload sends a file as the page does, streamed from disk.
func streamUpload(c *apptest.Client, url, kind, path string) (int, error) {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		f, err := os.Open(path)
		if err != nil {
			pw.CloseWithError(err)
			return
		}
		defer f.Close()
		mw.WriteField("kind", kind)
		fw, _ := mw.CreateFormFile("file", filepath.Base(path))
		if _, err := io.Copy(fw, f); err != nil {
			pw.CloseWithError(err)
			return
		}
		pw.CloseWithError(mw.Close())
	}()
	req, _ := http.NewRequest("POST", url, pr)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Accept", "application/json")
	res, err := c.HTTP.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode, nil
}

// BenchmarkUpload200MB measures the upload path on local disk: one 200 MB
// video against cp of the same file, then ten at once for the extra
// resident memory they take (VmHWM after a reset of the peak, less the
// resident memory before). ffmpeg's poster frame is left out: it is not
// part of the path that holds the bytes.
func BenchmarkUpload200MB(b *testing.B) {
	dir := b.TempDir()
	src := filepath.Join(dir, "200mb.mp4")
	mediatest.MP4{Declared: 170 * time.Second, Streams: 170 * time.Second, MediaBytes: 200 << 20, Filled: true}.Build(b, src)
	st, _ := os.Stat(src)
	e := apptest.New(b)
	e.App.Reports.Tools = media.Tools{}
	hqu := e.As(b, "hqu")
	page := hqu.Get("/campaigns/2026/reports/hqu")
	id := reportIDRe.FindStringSubmatch(page.Body)[1]
	url := e.URL + "/api/v1/reports/" + id + "/media"
	for b.Loop() {
		// First, with nothing uploaded yet, ten at once.
		before := rss(b, "VmRSS")
		if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
			b.Skipf("cannot reset the peak resident memory: %v", err)
		}
		var m0, m1 runtime.MemStats
		runtime.ReadMemStats(&m0)
		var wg sync.WaitGroup
		errs := make(chan error, 10)
		start := time.Now()
		for range 10 {
			wg.Go(func() {
				if status, err := streamUpload(hqu, url, "video", src); err != nil || status != 201 {
					errs <- fmt.Errorf("upload: %d %v", status, err)
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			b.Fatal(err)
		}
		b.ReportMetric(float64(10*st.Size())/(1<<20)/time.Since(start).Seconds(), "10x-MB/s")
		b.ReportMetric(float64(rss(b, "VmHWM")-before)/1024, "extra-RSS-MiB")
		runtime.ReadMemStats(&m1)
		b.ReportMetric(float64(m1.TotalAlloc-m0.TotalAlloc)/10/(1<<20), "alloc-MiB/upload")

		start = time.Now()
		cmd := exec.Command("cp", src, filepath.Join(dir, "copy.mp4"))
		if err := cmd.Run(); err != nil {
			b.Fatal(err)
		}
		exec.Command("sync").Run()
		cpTime := time.Since(start)
		os.Remove(filepath.Join(dir, "copy.mp4"))

		start = time.Now()
		if status, err := streamUpload(hqu, url, "video", src); err != nil || status != 201 {
			b.Fatalf("upload: %d %v", status, err)
		}
		upTime := time.Since(start)
		mb := float64(st.Size()) / (1 << 20)
		b.ReportMetric(mb/cpTime.Seconds(), "cp-MB/s")
		b.ReportMetric(mb/upTime.Seconds(), "upload-MB/s")
		b.ReportMetric(cpTime.Seconds()/upTime.Seconds(), "upload/cp")

	}
}
