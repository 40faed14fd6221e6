package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
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

	"github.com/sciweek/sciweek/internal/booking"
	"github.com/sciweek/sciweek/internal/platform/clock"
	"github.com/sciweek/sciweek/internal/platform/db"
	"github.com/sciweek/sciweek/internal/platform/db/dbtest"
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

// openDB opens the database a server stored its data in, for a test to
// read; it is closed when the test ends.
func openDB(t *testing.T, cfg db.Config) *db.DB {
	t.Helper()
	d, err := db.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// loginAdmin logs in as the demo's administrator and returns the client
// that carries the session.
func loginAdmin(t *testing.T, base string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	res, err := c.PostForm(base+"/login", url.Values{"username": {"admin"}, "password": {"sciweek-demo"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return c
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
	admin := loginAdmin(t, base)
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

	confirmed := rushUntilKilled(t, cmd, base, slots, func(n int) bool { return n >= 40 })
	pw.CloseWithError(io.ErrClosedPipe)

	_, base, took := startProcess(t, bin, "--data", data)
	t.Logf("%d bookings confirmed before the kill; back up in %s", len(confirmed), took.Round(time.Millisecond))

	d := openDB(t, db.Config{DataDir: data})
	ctx := context.Background()
	var check string
	if err := d.QueryRow(ctx, `PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity after the kill: %q %v", check, err)
	}
	checkConfirmed(t, d, confirmed)
	checkSlots(t, d)

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

// rushUntilKilled books the slots from 24 visitors, each from an address
// of its own, one booking after another, until enough are confirmed; it
// then kills the server with SIGKILL and returns the codes confirmed.
func rushUntilKilled(t *testing.T, cmd *exec.Cmd, base string, slots []int64, enough func(confirmed int) bool) []string {
	t.Helper()
	var mu sync.Mutex
	var confirmed []string
	statuses := map[int]int{}
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
				mu.Lock()
				statuses[res.StatusCode]++
				mu.Unlock()
				if res.StatusCode == http.StatusCreated {
					mu.Lock()
					confirmed = append(confirmed, b.Code)
					mu.Unlock()
				}
			}
		})
	}
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(5 * time.Millisecond) {
		mu.Lock()
		n := len(confirmed)
		mu.Unlock()
		if enough(n) {
			break
		}
		if time.Now().After(deadline) {
			mu.Lock()
			t.Fatalf("only %d bookings confirmed in a minute; answers %v", n, statuses)
		}
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	close(stop)
	wg.Wait()
	return confirmed
}

// checkConfirmed fails the test for every confirmed booking the database
// does not hold.
func checkConfirmed(t *testing.T, d *db.DB, confirmed []string) {
	t.Helper()
	stored, err := db.Set[string](context.Background(), d, `SELECT code FROM bookings`)
	if err != nil {
		t.Fatal(err)
	}
	for _, code := range confirmed {
		if !stored[code] {
			t.Errorf("booking %s was confirmed and is lost", code)
		}
	}
}

// checkSlots fails the test for a slot that gave out more than its places,
// or whose count is not its bookings plus what leases hold of it; it
// returns the places leases hold.
func checkSlots(t *testing.T, d *db.DB) (leased int) {
	t.Helper()
	rows, err := d.Query(context.Background(), `SELECT s.id, s.capacity, s.taken,
			(SELECT COALESCE(SUM(b.party), 0) FROM bookings b WHERE b.slot_id = s.id AND b.state IN ('active', 'checked_in')),
			(SELECT COALESCE(SUM(l.places), 0) FROM booking_leases l WHERE l.slot_id = s.id)
		FROM booking_slots s`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, capacity, taken, booked, held int
		rows.Scan(&id, &capacity, &taken, &booked, &held)
		if taken > capacity || taken != booked+held {
			t.Errorf("slot %d: capacity %d, taken %d, booked %d, held by leases %d", id, capacity, taken, booked, held)
		}
		leased += held
	}
	return leased
}

// TestKilledHoldingALease kills, with SIGKILL, a server sharing PostgreSQL
// while it books a popular slot from a lease of its places, and checks:
// every booking confirmed is stored, the slot's count is its bookings plus
// the lease the dead server left, and once that lease has expired its
// places go back to the slot.
func TestKilledHoldingALease(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills a real server")
	}
	u, ok := dbtest.PostgresURL(t)
	if !ok {
		t.Skipf("%s is not set: PostgreSQL tests skipped", dbtest.PostgresURLEnv)
	}
	bin := buildBinary(t)
	cmd, base, _ := startProcess(t, bin, "--demo", "--database-url", u, "--data", t.TempDir())
	d := openDB(t, db.Config{URL: u})
	ctx := context.Background()

	// An activity taking bookings that shares no venue's places.
	var activity int64
	var first db.Time
	if err := d.QueryRow(ctx, `SELECT s.activity_id, MIN(s.start_at) FROM booking_slots s JOIN booking_rules r ON r.activity_id = s.activity_id
		JOIN campaigns c ON c.id = s.campaign_id WHERE c.slug = '2026' AND r.venue_id IS NULL GROUP BY s.activity_id ORDER BY s.activity_id LIMIT 1`).Scan(&activity, &first); err != nil {
		t.Fatal(err)
	}
	day := first.In(clock.Zone).Format("2006-01-02")
	admin := loginAdmin(t, base)
	body, _ := json.Marshal(map[string]any{"days": []string{day}, "from": "21:00", "to": "21:30", "capacity": "5000"})
	res, err := admin.Post(fmt.Sprintf("%s/api/v1/activities/%d/slots", base, activity), "application/json", bytes.NewReader(body))
	if err != nil || res.StatusCode >= 300 {
		t.Fatalf("add a slot: %v %v", res.Status, err)
	}
	res.Body.Close()
	var slot int64
	if err := d.QueryRow(ctx, `SELECT id FROM booking_slots WHERE capacity = 5000`).Scan(&slot); err != nil {
		t.Fatal(err)
	}

	confirmed := rushUntilKilled(t, cmd, base, []int64{slot}, func(n int) bool {
		var held int
		d.QueryRow(ctx, `SELECT COALESCE(SUM(places), 0) FROM booking_leases`).Scan(&held)
		return n >= 100 && held >= 50
	})
	startProcess(t, bin, "--database-url", u, "--data", t.TempDir())
	checkConfirmed(t, d, confirmed)
	leased := checkSlots(t, d)
	t.Logf("%d bookings confirmed before the kill; the dead server's lease holds %d places", len(confirmed), leased)
	if leased == 0 {
		t.Fatal("the killed server held no lease")
	}

	// Nobody takes the lease before it expires; then its places go back.
	reclaim := &booking.Service{DB: d, Clock: clock.System{}, Log: slog.New(slog.DiscardHandler)}
	if n, err := reclaim.ReclaimLeases(ctx); n != 0 || err != nil {
		t.Fatalf("reclaimed %d places of a lease that has not expired: %v", n, err)
	}
	time.Sleep(11 * time.Second)
	if n, err := reclaim.ReclaimLeases(ctx); n != leased || err != nil {
		t.Fatalf("reclaimed %d places of the dead server's %d: %v", n, leased, err)
	}
	if checkSlots(t, d) != 0 {
		t.Error("places are still leased after the dead server's lease was reclaimed")
	}
}
