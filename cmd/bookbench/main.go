// Command bookbench measures how sciweek takes bookings in a rush, from
// its own process over loopback: it starts one or two `sciweek serve`
// processes with the demo on a fresh database, opens slots, and reports
//
//   - the sustained rate of bookings per second (closed loop),
//   - latency percentiles at a fixed rate (open loop, 1,000/s by default),
//   - an overload at 2.5× the sustained rate on a slot that fills: how many
//     places were sold against the capacity, and every status answered.
//
// Each simulated visitor comes from its own address with its own phone
// number, as a real rush would, so the per-client limits apply as they
// would in production: the servers run with --trust-proxy, as behind a
// reverse proxy, and each visitor's requests carry its own address in
// X-Forwarded-For over a few shared keep-alive connections.
//
// With -pgbench, the sustained test is followed at once by pgbench on the
// same PostgreSQL server running the same shape of transaction (BEGIN;
// UPDATE one row; INSERT one row; END) with 32 clients, and both rates and
// their ratio are printed.
//
//	go build -o /tmp/sciweek ./cmd/sciweek
//	go run ./cmd/bookbench -sciweek /tmp/sciweek
//	go run ./cmd/bookbench -sciweek /tmp/sciweek -database-url postgres://... -instances 2 -pgbench
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// verbose passes the servers' logs on.
var verbose bool

// shared hands out the visitors of every test, so no address comes back
// within the server's rate-limit window.
var shared = &visitors{}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bookbench:", err)
		os.Exit(1)
	}
}

type config struct {
	sciweek     string
	databaseURL string
	instances   int
	workers     int
	sustain     time.Duration
	rate        int
	rateFor     time.Duration
	overload    float64
	overFor     time.Duration
	overCap     int
	pgbench     bool
	profile     string
}

func run() error {
	var c config
	flag.StringVar(&c.sciweek, "sciweek", "", "path to the sciweek binary (go build -o /tmp/sciweek ./cmd/sciweek)")
	flag.StringVar(&c.databaseURL, "database-url", "", "PostgreSQL URL of an empty database; empty means SQLite in a temporary directory")
	flag.IntVar(&c.instances, "instances", 1, "sciweek processes sharing the database (2 needs PostgreSQL)")
	flag.IntVar(&c.workers, "workers", 64, "concurrent visitors in the sustained test")
	flag.DurationVar(&c.sustain, "sustain", 8*time.Second, "length of the sustained test")
	flag.IntVar(&c.rate, "rate", 1000, "bookings per second of the latency test")
	flag.DurationVar(&c.rateFor, "rate-for", 8*time.Second, "length of the latency test")
	flag.Float64Var(&c.overload, "overload", 2.5, "overload as a multiple of the sustained rate")
	flag.DurationVar(&c.overFor, "overload-for", 5*time.Second, "length of the overload test")
	flag.IntVar(&c.overCap, "overload-capacity", 500, "places in the slot the overload fights for")
	flag.BoolVar(&c.pgbench, "pgbench", false, "after the sustained test, run pgbench's UPDATE+INSERT on one row with 32 clients against the same server (needs -database-url)")
	flag.StringVar(&c.profile, "profile", "", "write the first server's CPU profile during the sustained test to this file (go tool pprof FILE)")
	flag.BoolVar(&verbose, "v", false, "show the servers' logs")
	flag.Parse()
	if c.sciweek == "" {
		return errors.New("-sciweek is required")
	}
	if c.instances > 1 && c.databaseURL == "" {
		return errors.New("several instances need -database-url (PostgreSQL)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	dir, err := os.MkdirTemp("", "bookbench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	var servers []server
	var bases []string
	for i := range c.instances {
		sv, err := startServer(ctx, c, filepath.Join(dir, fmt.Sprint(i)), i == 0)
		if err != nil {
			return err
		}
		defer sv.stop()
		servers, bases = append(servers, sv), append(bases, sv.base)
	}
	fmt.Printf("sciweek: %d instance(s), database %s\n", len(bases), map[bool]string{true: "SQLite", false: "PostgreSQL"}[c.databaseURL == ""])
	admin, err := login(bases[0], "admin")
	if err != nil {
		return err
	}
	activity, day, err := pickActivity(admin, bases[0])
	if err != nil {
		return err
	}
	slot := func(hour, capacity int) (int64, error) {
		return addSlot(admin, bases[0], activity, day, hour, capacity)
	}

	// 1. Sustained bookings per second, closed loop.
	big, err := slot(9, 100000)
	if err != nil {
		return err
	}
	profiled := make(chan error, 1)
	if c.profile != "" {
		go func() { profiled <- profile(servers[0].metrics, c.sustain-time.Second, c.profile) }()
	} else {
		profiled <- nil
	}
	cpu, own := cpuTime(servers), ownCPU()
	res := closedLoop(bases, big, c.workers, c.sustain)
	cpu, own = cpuTime(servers)-cpu, ownCPU()-own
	if err := <-profiled; err != nil {
		return err
	}
	sustained := float64(res.count(201)) / res.elapsed.Seconds()
	fmt.Printf("\nsustained: %d workers for %s: %.0f bookings/s; %s; p50 %s, p99 %s; load average %s\n", c.workers, c.sustain, sustained, res.statuses(), res.pct(50), res.pct(99), res.load)
	if n := res.count(201); n > 0 {
		fmt.Printf("server CPU: %s in all, %s a booking (user and system time of the sciweek processes); bookbench's own: %s a booking\n",
			cpu.Round(10*time.Millisecond), (cpu / time.Duration(n)).Round(time.Microsecond), (own / time.Duration(n)).Round(time.Microsecond))
	}
	if c.pgbench {
		if c.databaseURL == "" {
			return errors.New("-pgbench needs -database-url")
		}
		tps, load, err := pgbench(ctx, c.databaseURL, 32, c.sustain)
		if err != nil {
			return err
		}
		fmt.Printf("pgbench: 32 clients for %s, BEGIN; UPDATE one row; INSERT one row; END: %.0f transactions/s; load average %s\n", c.sustain, tps, load)
		fmt.Printf("bookings/pgbench: %.2f×\n", sustained/tps)
	}

	// 2. Latency at a fixed rate, open loop.
	mid, err := slot(10, 100000)
	if err != nil {
		return err
	}
	res = openLoop(bases, mid, c.rate, c.rateFor)
	fmt.Printf("at %d/s for %s: %s; p50 %s, p90 %s, p99 %s, max %s\n", c.rate, c.rateFor, res.statuses(), res.pct(50), res.pct(90), res.pct(99), res.pct(100))

	// 3. Overload on a slot that fills.
	over, err := slot(11, c.overCap)
	if err != nil {
		return err
	}
	rate := int(sustained * c.overload)
	res = openLoop(bases, over, rate, c.overFor)
	sold, available, err := slotState(bases[len(bases)-1], activity, over)
	if err != nil {
		return err
	}
	fmt.Printf("overload at %d/s (%.1f× sustained) for %s on %d places: %s; p99 %s\n", rate, c.overload, c.overFor, c.overCap, res.statuses(), res.pct(99))
	bad := 0
	for status, n := range res.byStatus {
		if status != 201 && status != 409 && status != 429 && status != 503 {
			bad += n
		}
	}
	fmt.Printf("  sold %d by the answers, %d by the slot (capacity %d, %d left): oversold %d; answers other than 201/409/429/503: %d\n",
		res.count(201), sold, c.overCap, available, max(0, sold-c.overCap), bad)
	if sold > c.overCap || res.count(201) != sold || bad > 0 {
		return errors.New("overload check failed")
	}
	return nil
}

// freeAddr is a loopback address with a port nobody listens on.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// server is a running `sciweek serve`.
type server struct {
	base, metrics string
	pid           int
	stop          func()
}

// startServer runs `sciweek serve --demo` on a free loopback port, with its
// metrics and profiles on another, and waits until it answers.
func startServer(ctx context.Context, c config, dir string, first bool) (server, error) {
	addr, err := freeAddr()
	if err != nil {
		return server{}, err
	}
	metrics, err := freeAddr()
	if err != nil {
		return server{}, err
	}
	args := []string{"serve", "--addr", addr, "--metrics-addr", metrics, "--data", dir, "--log-level", "warn", "--trust-proxy"}
	if first {
		args = append(args, "--demo")
	}
	if c.databaseURL != "" {
		args = append(args, "--database-url", c.databaseURL)
	}
	cmd := exec.CommandContext(ctx, c.sciweek, args...)
	cmd.Env = append(os.Environ(), "SCIWEEK_SECRET_KEY=bookbench-shared-secret-key")
	out, _ := cmd.StdoutPipe()
	if verbose {
		cmd.Stderr = os.Stderr
	}
	if err := cmd.Start(); err != nil {
		return server{}, err
	}
	go io.Copy(io.Discard, bufio.NewReader(out))
	sv := server{base: "http://" + addr, metrics: "http://" + metrics, pid: cmd.Process.Pid,
		stop: func() { cmd.Process.Signal(os.Interrupt); cmd.Wait() }}
	for range 300 {
		if res, err := http.Get(sv.base + "/healthz"); err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return sv, nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	sv.stop()
	return server{}, fmt.Errorf("sciweek on %s did not start", addr)
}

// ownCPU is the user and system time bookbench itself has used.
func ownCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// cpuTime is the user and system time the servers' processes have used,
// from /proc (zero where it cannot be read).
func cpuTime(servers []server) time.Duration {
	var ticks int64
	for _, sv := range servers {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", sv.pid))
		if err != nil {
			continue
		}
		// The fields after the command's name, which ends with ')': utime
		// and stime are the 12th and 13th.
		f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
		if len(f) > 12 {
			u, _ := strconv.ParseInt(f[11], 10, 64)
			st, _ := strconv.ParseInt(f[12], 10, 64)
			ticks += u + st
		}
	}
	return time.Duration(ticks) * time.Second / 100
}

// profile saves the server's CPU profile over d, taken from its metrics
// address.
func profile(metrics string, d time.Duration, file string) error {
	res, err := http.Get(fmt.Sprintf("%s/debug/pprof/profile?seconds=%d", metrics, max(1, int(d.Seconds()))))
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		return fmt.Errorf("profile: %s", res.Status)
	}
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, res.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func login(base, user string) (*http.Client, error) {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.PostForm(base+"/login", url.Values{"username": {user}, "password": {"sciweek-demo"}})
	if err != nil {
		return nil, err
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		return nil, fmt.Errorf("login as %s: %s", user, res.Status)
	}
	return c, nil
}

func getJSON(c *http.Client, u string, v any) error {
	res, err := c.Get(u)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		return fmt.Errorf("GET %s: %s", u, res.Status)
	}
	return json.NewDecoder(res.Body).Decode(v)
}

func sendJSON(c *http.Client, method, u string, body any) error {
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, u, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	res, err := c.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode >= 300 {
		msg, _ := io.ReadAll(res.Body)
		return fmt.Errorf("%s %s: %s %s", method, u, res.Status, msg)
	}
	return nil
}

// pickActivity finds an on-site activity of the upcoming campaign and the
// first day of the week.
func pickActivity(c *http.Client, base string) (int64, string, error) {
	var cs struct {
		Items []struct {
			Slug  string `json:"id"`
			Start string `json:"start"`
		} `json:"items"`
	}
	if err := getJSON(c, base+"/api/v1/campaigns", &cs); err != nil {
		return 0, "", err
	}
	slices.SortFunc(cs.Items, func(a, b struct {
		Slug  string `json:"id"`
		Start string `json:"start"`
	}) int {
		return strings.Compare(b.Start, a.Start)
	})
	if len(cs.Items) == 0 {
		return 0, "", errors.New("no campaign")
	}
	var as struct {
		Items []struct {
			ID    int64  `json:"id"`
			Mode  string `json:"mode"`
			Start string `json:"start"`
		} `json:"items"`
	}
	if err := getJSON(c, base+"/api/v1/campaigns/"+cs.Items[0].Slug+"/activities?mode=onsite&per_page=200", &as); err != nil {
		return 0, "", err
	}
	if len(as.Items) == 0 {
		return 0, "", errors.New("no on-site activity")
	}
	a := as.Items[0]
	if err := sendJSON(c, "PUT", fmt.Sprintf("%s/api/v1/activities/%d/booking-rules", base, a.ID), map[string]string{
		"opens": time.Now().Add(-time.Hour).Format("2006-01-02T15:04"), "closes": a.Start[:10] + "T23:00", "max_party": "5"}); err != nil {
		return 0, "", err
	}
	return a.ID, a.Start[:10], nil
}

var slotHours = map[int]bool{}

func addSlot(c *http.Client, base string, activity int64, day string, hour, capacity int) (int64, error) {
	if err := sendJSON(c, "POST", fmt.Sprintf("%s/api/v1/activities/%d/slots", base, activity), map[string]any{
		"days": []string{day}, "from": fmt.Sprintf("%02d:00", hour), "to": fmt.Sprintf("%02d:30", hour), "capacity": fmt.Sprint(capacity)}); err != nil {
		return 0, err
	}
	var ss struct {
		Items []struct {
			ID    int64  `json:"id"`
			Start string `json:"start"`
		} `json:"items"`
	}
	if err := getJSON(c, fmt.Sprintf("%s/api/v1/activities/%d/slots", base, activity), &ss); err != nil {
		return 0, err
	}
	for _, s := range ss.Items {
		if strings.HasPrefix(s.Start, fmt.Sprintf("%sT%02d:00", day, hour)) {
			return s.ID, nil
		}
	}
	return 0, fmt.Errorf("slot at %d:00 not found", hour)
}

func slotState(base string, activity, slot int64) (sold, available int, err error) {
	var ss struct {
		Items []struct {
			ID        int64 `json:"id"`
			Capacity  int   `json:"capacity"`
			Available int   `json:"available"`
		} `json:"items"`
	}
	if err := getJSON(http.DefaultClient, fmt.Sprintf("%s/api/v1/activities/%d/slots", base, activity), &ss); err != nil {
		return 0, 0, err
	}
	for _, s := range ss.Items {
		if s.ID == slot {
			return s.Capacity - s.Available, s.Available, nil
		}
	}
	return 0, 0, errors.New("slot gone")
}

// visitors hands out a new visitor per booking: an address of its own,
// sent in X-Forwarded-For, and a phone number of its own. Requests share
// keep-alive connections, as they would behind a reverse proxy.
type visitors struct {
	n atomic.Int64
}

var client = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 512, MaxConnsPerHost: 512}}

// next returns the visitor's address (in 10.0.0.0/8) and phone (139…).
func (v *visitors) next() (addr, phone string) {
	k := v.n.Add(1)
	return fmt.Sprintf("10.%d.%d.%d", k>>16&255, k>>8&255, k&255), fmt.Sprintf("139%08d", k%100000000)
}

type result struct {
	load      string
	mu        sync.Mutex
	byStatus  map[int]int
	latencies []time.Duration
	elapsed   time.Duration
}

func (r *result) add(status int, d time.Duration) {
	r.mu.Lock()
	r.byStatus[status]++
	r.latencies = append(r.latencies, d)
	r.mu.Unlock()
}

func (r *result) count(status int) int { return r.byStatus[status] }

func (r *result) statuses() string {
	var keys []int
	for k := range r.byStatus {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var parts []string
	for _, k := range keys {
		name := fmt.Sprint(k)
		if k == 0 {
			name = "error"
		}
		parts = append(parts, fmt.Sprintf("%s×%d", name, r.byStatus[k]))
	}
	return strings.Join(parts, " ")
}

func (r *result) pct(p float64) time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	slices.Sort(r.latencies)
	i := int(float64(len(r.latencies)-1) * p / 100)
	return r.latencies[i].Round(100 * time.Microsecond)
}

func bookOnce(base string, slot int64, v *visitors, r *result) {
	addr, phone := v.next()
	start := time.Now()
	status := bookerFor(base).book(slot, addr, phone)
	r.add(status, time.Since(start))
}

func closedLoop(bases []string, slot int64, workers int, d time.Duration) *result {
	r := &result{byStatus: map[int]int{}}
	v := shared
	deadline := time.Now().Add(d)
	start := time.Now()
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				bookOnce(bases[w%len(bases)], slot, v, r)
			}
		}()
	}
	wg.Wait()
	r.elapsed = time.Since(start)
	r.load = loadAverage()
	return r
}

func openLoop(bases []string, slot int64, rate int, d time.Duration) *result {
	r := &result{byStatus: map[int]int{}}
	v := shared
	total := int(float64(rate) * d.Seconds())
	interval := time.Second / time.Duration(rate)
	start := time.Now()
	var wg sync.WaitGroup
	for i := range total {
		if wait := time.Until(start.Add(time.Duration(i) * interval)); wait > 0 {
			time.Sleep(wait)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			bookOnce(bases[i%len(bases)], slot, v, r)
		}()
	}
	wg.Wait()
	r.elapsed = time.Since(start)
	r.load = loadAverage()
	return r
}
