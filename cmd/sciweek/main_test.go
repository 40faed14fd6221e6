package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
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
	for _, want := range []string{"admin", "fengze", "hqu", "sciweek-demo", "E-mail is off", "SCIWEEK_SMTP_HOST"} {
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
		{[]string{"serve", "--base-url", "kjz.example.cn"}, nil, "--base-url / SCIWEEK_BASE_URL"},
		{[]string{"serve", "--smtp-host", "smtp.example.cn"}, nil, "--smtp-from / SCIWEEK_SMTP_FROM"},
		{[]string{"serve", "--smtp-host", "smtp.example.cn", "--smtp-from", "a@b.cn", "--smtp-tls", "ssl"}, nil, "must be starttls, tls or none"},
		{[]string{"serve"}, map[string]string{"SCIWEEK_SMTP_PORT": "smtp"}, "SCIWEEK_SMTP_PORT"},
		{[]string{"serve"}, map[string]string{"SCIWEEK_SMTP_HOST": "smtp.example.cn", "SCIWEEK_SMTP_FROM": "a@b.cn", "SCIWEEK_SMTP_USERNAME": "kjj"}, "SCIWEEK_SMTP_PASSWORD"},
		{[]string{"serve", "--smtp-host", "smtp.example.cn", "--smtp-from", "a@b.cn", "--smtp-tls", "none", "--smtp-username", "kjj"}, map[string]string{"SCIWEEK_SMTP_PASSWORD": "x"}, "unencrypted"},
		{[]string{"serve", "--sms-url", "ftp://sms.example.cn"}, map[string]string{"SCIWEEK_SMS_SECRET": "s"}, "--sms-url / SCIWEEK_SMS_URL"},
		{[]string{"serve", "--sms-url", "https://sms.example.cn/send"}, nil, "SCIWEEK_SMS_SECRET"},
		{[]string{"serve"}, map[string]string{"SCIWEEK_S3_ENDPOINT": "http://127.0.0.1:9000"}, "SCIWEEK_S3_BUCKET: must be set"},
		{[]string{"serve"}, map[string]string{"SCIWEEK_S3_BUCKET": "b", "SCIWEEK_S3_ENDPOINT": "127.0.0.1:9000"}, "must be an http:// or https:// URL"},
		{[]string{"serve"}, map[string]string{"SCIWEEK_S3_BUCKET": "b", "SCIWEEK_S3_ACCESS_KEY": "k"}, "set both or neither"},
		{[]string{"serve"}, map[string]string{"SCIWEEK_S3_BUCKET": "b", "SCIWEEK_S3_PATH_STYLE": "yes please"}, "SCIWEEK_S3_PATH_STYLE"},
		{[]string{"serve", "--s3-part-size", "1"}, nil, "from 5 to 512"},
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

// TestFirstInstall sets up a bureau from the shell on an empty database, as
// docs/deploy.md tells an administrator to, and logs in.
func TestFirstInstall(t *testing.T) {
	dir := t.TempDir()
	out, err := cli(t, "org", "add", "--data", dir, "--code", "qzkjj", "--name", "泉州市科学技术局")
	if err != nil || !strings.Contains(out, "created organisation qzkjj") {
		t.Fatalf("org add: %v\n%s", err, out)
	}
	if out, err := cli(t, "org", "add", "--data", dir, "--code", "fengze", "--name", "丰泽区工业信息化和科技局", "--parent", "nowhere"); err == nil {
		t.Errorf("org under a missing parent: %s", out)
	}
	if _, err := cli(t, "org", "add", "--data", dir, "--code", "qzkjj", "--name", "again"); err == nil {
		t.Errorf("a duplicate code was taken")
	}
	if _, err := cli(t, "user", "add", "--data", dir, "--org", "qzkjj", "--username", "admin", "--roles", "admin", "--password", "first-install-pw"); err != nil {
		t.Fatal(err)
	}
	base, _, stop := startServe(t, "--data", dir)
	defer stop()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	res, err := c.PostForm(base+"/login", url.Values{"username": {"admin"}, "password": {"first-install-pw"}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(body), "泉州市科学技术局") {
		t.Errorf("the first organiser after login: %d\n%s", res.StatusCode, body)
	}
}
