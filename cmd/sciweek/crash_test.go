package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sciweek/sciweek/internal/platform/db"
)

// buildBinary compiles sciweek once for tests that need a real process.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "sciweek")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

// startProcess runs the binary's serve on a free port and waits until it
// answers /healthz; it returns the base URL and the time that took.
func startProcess(t *testing.T, bin string, args ...string) (*exec.Cmd, string, time.Duration) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	started := time.Now()
	cmd := exec.Command(bin, append([]string{"serve", "--addr", addr, "--log-level", "error"}, args...)...)
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	base := "http://" + addr
	for time.Since(started) < 60*time.Second {
		if res, err := http.Get(base + "/healthz"); err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return cmd, base, time.Since(started)
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("sciweek did not start:\n%s", logs.String())
	return nil, "", 0
}

// fromAddress is an HTTP client whose connections leave from ip, so that
// each simulated visitor has an address (and a rate limit) of its own.
func fromAddress(ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DialContext: d.DialContext}}
}

// TestKilledMidRush kills sciweek with SIGKILL while visitors book and an
// organiser uploads a file, starts it again and checks: every booking that
// was confirmed is there, no slot holds more than its places or more than
// its bookings, no half-uploaded file is listed, and the database is whole.
func TestKilledMidRush(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills a real server")
	}
	bin := buildBinary(t)
	data := t.TempDir()
	cmd, base, _ := startProcess(t, bin, "--demo", "--data", data)

	var list struct {
		Items []struct{ ID int64 } `json:"items"`
	}
	getJSON(t, base+"/api/v1/campaigns/2026/activities?bookable=true&per_page=200", &list)
	var slots []int64
	for _, a := range list.Items {
		var s struct {
			Items []struct {
				ID       int64 `json:"id"`
				Bookable bool  `json:"bookable"`
			} `json:"items"`
		}
		getJSON(t, fmt.Sprintf("%s/api/v1/activities/%d/slots", base, a.ID), &s)
		for _, sl := range s.Items {
			if sl.Bookable {
				slots = append(slots, sl.ID)
			}
		}
	}
	if len(slots) == 0 {
		t.Fatal("nothing bookable in the demo")
	}

	// An organiser's upload that is cut off by the kill.
	jar, _ := cookiejar.New(nil)
	admin := &http.Client{Jar: jar}
	res, err := admin.PostForm(base+"/login", url.Values{"username": {"admin"}, "password": {"sciweek-demo"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	pr, pw := io.Pipe()
	go func() {
		boundary := "sciweekcrash"
		pw.Write([]byte("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"half.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4\n"))
		for range 200 {
			if _, err := pw.Write(bytes.Repeat([]byte("x"), 16<<10)); err != nil {
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
		pw.Close()
	}()
	upload, _ := http.NewRequest("POST", base+"/admin/campaigns/2026/attachments", pr)
	upload.Header.Set("Content-Type", "multipart/form-data; boundary=sciweekcrash")
	go func() {
		if res, err := admin.Do(upload); err == nil {
			res.Body.Close()
		}
	}()

	// The rush: visitors from their own addresses book one after another.
	var mu sync.Mutex
	var confirmed []string
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 24 {
		wg.Go(func() {
			c := fromAddress(fmt.Sprintf("127.0.%d.%d", 10+w/200, 1+w%200))
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				payload, _ := json.Marshal(map[string]any{"name": "访客", "phone": fmt.Sprintf("139%02d%06d", w, i), "party_size": 1 + i%3, "consent": true})
				res, err := c.Post(fmt.Sprintf("%s/api/v1/slots/%d/bookings", base, slots[(w+i)%len(slots)]), "application/json", bytes.NewReader(payload))
				if err != nil {
					return // the server is gone
				}
				var b struct{ Code string }
				json.NewDecoder(res.Body).Decode(&b)
				res.Body.Close()
				if res.StatusCode == http.StatusCreated {
					mu.Lock()
					confirmed = append(confirmed, b.Code)
					mu.Unlock()
				}
			}
		})
	}
	for {
		mu.Lock()
		n := len(confirmed)
		mu.Unlock()
		if n >= 40 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	close(stop)
	wg.Wait()
	pw.CloseWithError(io.ErrClosedPipe)

	_, base, took := startProcess(t, bin, "--data", data)
	t.Logf("%d bookings confirmed before the kill; back up in %s", len(confirmed), took.Round(time.Millisecond))

	d, err := db.Open(context.Background(), db.Config{DataDir: data})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	ctx := context.Background()
	var check string
	if err := d.QueryRow(ctx, `PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity after the kill: %q %v", check, err)
	}
	stored := map[string]bool{}
	rows, err := d.Query(ctx, `SELECT code FROM bookings`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var code string
		rows.Scan(&code)
		stored[code] = true
	}
	rows.Close()
	for _, code := range confirmed {
		if !stored[code] {
			t.Errorf("booking %s was confirmed and is lost", code)
		}
	}
	rows, err = d.Query(ctx, `SELECT s.id, s.capacity, s.taken, COALESCE(SUM(b.party), 0) FROM booking_slots s
		LEFT JOIN bookings b ON b.slot_id = s.id AND b.state IN ('active', 'checked_in')
		GROUP BY s.id, s.capacity, s.taken`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id, capacity, taken, booked int
		rows.Scan(&id, &capacity, &taken, &booked)
		if taken > capacity || taken != booked {
			t.Errorf("slot %d: capacity %d, taken %d, booked %d", id, capacity, taken, booked)
		}
	}
	rows.Close()

	// The cut-off upload left no file that anyone can reach.
	page := getWith(t, admin, base+"/admin/campaigns/2026/edit")
	if strings.Contains(page, "half.pdf") {
		t.Error("the cut-off upload is listed")
	}
	filepath.WalkDir(filepath.Join(data, "files"), func(p string, e fs.DirEntry, err error) error {
		if err == nil && !e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
			if body, _ := os.ReadFile(p); bytes.HasPrefix(body, []byte("%PDF-1.4\nxxxx")) {
				t.Errorf("a half file is stored at %s", p)
			}
		}
		return nil
	})
}
