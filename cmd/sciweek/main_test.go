package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// startServe runs "sciweek serve" with args in the background and returns
// its base URL, everything it printed, and a stop function that waits for
// a graceful shutdown.
func startServe(tb testing.TB, args ...string) (base string, printed *strings.Builder, stop func() error) {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0", "--log-level", "error"}, args...), pw, io.Discard)
		pw.Close()
		done <- err
	}()
	printed = &strings.Builder{}
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			line := sc.Text()
			printed.WriteString(line + "\n")
			if _, after, ok := strings.Cut(line, "listening on "); ok {
				urls <- strings.Fields(after)[0]
			}
		}
	}()
	select {
	case base = <-urls:
	case err := <-done:
		cancel()
		tb.Fatalf("serve stopped at once: %v", err)
	case <-time.After(30 * time.Second):
		cancel()
		tb.Fatal("serve did not start within 30 s")
	}
	return base, printed, func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(20 * time.Second):
			return context.DeadlineExceeded
		}
	}
}

func TestServeDemo(t *testing.T) {
	dir := t.TempDir()
	base, printed, stop := startServe(t, "--demo", "--data", dir)
	res, err := http.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || string(b) != "ok" {
		t.Fatalf("healthz: %d %q", res.StatusCode, b)
	}
	res, err = http.Get(base + "/campaigns/2020/notice")
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(b), "泉科〔2020〕121号") {
		t.Fatal("the demo notice is not served")
	}
	if err := stop(); err != nil {
		t.Fatalf("graceful stop: %v", err)
	}
	out := printed.String()
	for _, want := range []string{"admin", "fengze", "hqu", "sciweek-demo"} {
		if !strings.Contains(out, want) {
			t.Errorf("start-up banner lacks %q:\n%s", want, out)
		}
	}
	// A second start on the same data keeps what is there.
	base, _, stop = startServe(t, "--demo", "--data", dir)
	if res, err := http.Get(base + "/api/v1/campaigns"); err != nil || res.StatusCode != 200 {
		t.Fatalf("restart: %v", err)
	}
	stop()
}

func TestBadConfiguration(t *testing.T) {
	for _, c := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"serve", "--addr", "8080"}, nil, "--addr / SCIWEEK_ADDR"},
		{[]string{"serve", "--addr", ":99999"}, nil, "port"},
		{[]string{"serve"}, map[string]string{"SCIWEEK_IDLE_TIMEOUT": "forever"}, "SCIWEEK_IDLE_TIMEOUT"},
		{[]string{"serve"}, map[string]string{"SCIWEEK_DATABASE_URL": "mysql://x"}, "must start with postgres://"},
		{[]string{"serve", "--log-format", "xml"}, nil, "text or json"},
		{[]string{"serve", "--map-url", "google"}, nil, "--map-url / SCIWEEK_MAP_URL"},
		{[]string{"serve"}, map[string]string{"SCIWEEK_MAP_URL": "https://maps.example.org/?q=x"}, "{address}"},
		{[]string{"serve"}, map[string]string{"SCIWEEK_MAP_URL": "javascript:alert({address})"}, "SCIWEEK_MAP_URL"},
		{[]string{"frobnicate"}, nil, `unknown command "frobnicate"`},
	} {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			for k, v := range c.env {
				t.Setenv(k, v)
			}
			err := run(context.Background(), append(c.args, "--data", t.TempDir()), io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%v %v: err = %v, want it to mention %q", c.args, c.env, err, c.want)
			}
		})
	}
}

func TestCommands(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	if err := run(context.Background(), []string{"migrate", "--data", dir}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := run(context.Background(), []string{"migrate", "--status", "--data", dir}, &out, io.Discard); err != nil || !strings.Contains(out.String(), "pending: none") {
		t.Fatalf("migrate --status: %v\n%s", err, out.String())
	}
	// An empty database has no organisation to put an account in.
	err := run(context.Background(), []string{"user", "add", "--data", dir, "--org", "nowhere", "--username", "clerk"}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "organisation does not exist") {
		t.Fatalf("user add to a missing organisation: %v", err)
	}
	_, _, stop := startServe(t, "--demo", "--data", dir)
	stop()
	out.Reset()
	if err := run(context.Background(), []string{"user", "add", "--data", dir, "--org", "hqu", "--username", "clerk", "--roles", "filer,checkin"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "password: ") {
		t.Fatalf("no generated password printed: %s", out.String())
	}
	err = run(context.Background(), []string{"user", "add", "--data", dir, "--org", "hqu", "--username", "clerk", "--password", "long-enough-1"}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "username is taken") {
		t.Fatalf("duplicate user: %v", err)
	}
	out.Reset()
	if err := run(context.Background(), []string{"token", "add", "clerk", "--data", dir, "--name", "script"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	token := strings.TrimSpace(out.String())
	if !strings.HasPrefix(token, "sw_") || len(token) < 30 {
		t.Fatalf("token = %q", token)
	}
	base, _, stop := startServe(t, "--data", dir)
	defer stop()
	req, _ := http.NewRequest("GET", base+"/api/v1/me", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(b), `"username":"clerk"`) || !strings.Contains(string(b), `"checkin"`) {
		t.Fatalf("token login: %d %s", res.StatusCode, b)
	}
	out.Reset()
	run(context.Background(), []string{"version"}, &out, io.Discard)
	if !strings.HasPrefix(out.String(), "sciweek ") {
		t.Fatalf("version: %q", out.String())
	}
}

// BenchmarkColdStart measures "sciweek serve" on a new SQLite data
// directory, from the command starting to the first 200 on /healthz, with
// every migration applied.
func BenchmarkColdStart(b *testing.B) {
	for i := 0; i < b.N; i++ {
		dir := b.TempDir()
		start := time.Now()
		base, _, stop := startServe(b, "--data", dir)
		for {
			res, err := http.Get(base + "/healthz")
			if err == nil {
				res.Body.Close()
				if res.StatusCode == 200 {
					break
				}
			}
			if time.Since(start) > 10*time.Second {
				b.Fatal("no 200 from /healthz within 10 s")
			}
		}
		b.ReportMetric(float64(time.Since(start).Microseconds())/1000, "ms/start")
		b.StopTimer()
		stop()
		b.StartTimer()
	}
}
