package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestReadiness(t *testing.T) {
	dir := t.TempDir()
	base, _, stop := startServe(t, "--data", dir)
	defer stop()
	if res, body := fetch(t, http.DefaultClient, base+"/readyz", ""); res.StatusCode != 200 || body != "ready" {
		t.Fatalf("readyz: %d %q", res.StatusCode, body)
	}
	// The file store goes away (a file now stands where its directory was):
	// the server is alive but not ready.
	files := filepath.Join(dir, "files")
	if err := os.RemoveAll(files); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(files, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if res, body := fetch(t, http.DefaultClient, base+"/readyz", ""); res.StatusCode != 503 || !strings.Contains(body, "storage unavailable") {
		t.Errorf("readyz without storage: %d %q", res.StatusCode, body)
	}
	if res, _ := fetch(t, http.DefaultClient, base+"/healthz", ""); res.StatusCode != 200 {
		t.Errorf("healthz without storage: %d", res.StatusCode)
	}
}

func TestStorageMissingAtStart(t *testing.T) {
	dir := t.TempDir()
	// A file where the store's directory should be.
	if err := os.WriteFile(filepath.Join(dir, "files"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := cli(t, "serve", "--data", dir, "--addr", "127.0.0.1:0")
	if err == nil || !strings.Contains(err.Error(), "file storage") {
		t.Fatalf("serve with broken storage: %v", err)
	}
}

func TestMetrics(t *testing.T) {
	base, printed, stop := startServe(t, "--demo", "--data", t.TempDir(), "--metrics-token", "s3cret-metrics", "--metrics-addr", "127.0.0.1:0")
	defer stop()
	for range 3 {
		fetch(t, http.DefaultClient, base+"/healthz", "")
	}
	fetch(t, http.DefaultClient, base+"/campaigns/no-such-campaign", "")
	if res, _ := fetch(t, http.DefaultClient, base+"/metrics", ""); res.StatusCode != 404 {
		t.Errorf("metrics without the token: %d", res.StatusCode)
	}
	if res, _ := fetch(t, http.DefaultClient, base+"/metrics", "wrong"); res.StatusCode != 404 {
		t.Errorf("metrics with a wrong token: %d", res.StatusCode)
	}
	// A client with a bad token is told so, not sent round a login loop.
	if res, _ := fetch(t, http.DefaultClient, base+"/dashboard", "sw_not-a-token"); res.StatusCode != 401 {
		t.Errorf("a page with a bad token: %d", res.StatusCode)
	}
	res, body := fetch(t, http.DefaultClient, base+"/metrics", "s3cret-metrics")
	if res.StatusCode != 200 {
		t.Fatalf("metrics with the token: %d", res.StatusCode)
	}
	for _, want := range []string{
		`sciweek_http_requests_total{code="200",method="GET",route="GET /healthz"} 3`,
		`sciweek_http_requests_total{code="404",method="GET",route="GET /campaigns/{slug}"} 1`,
		`sciweek_http_request_duration_seconds_bucket{route="GET /healthz",le="0.005"}`,
		"go_goroutines",
		`sciweek_bookings{state="active"}`,
		`sciweek_booking_places{kind="capacity"}`,
		`sciweek_uploads{kind="photo",measure="files"}`,
		`sciweek_jobs{state=`,
		`sciweek_program_indexes_total{how="rebuilt"} 0`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	addr := regexp.MustCompile(`metrics on (http://\S+)`).FindStringSubmatch(printed.String())
	if addr == nil {
		t.Fatalf("no metrics address printed:\n%s", printed)
	}
	if res, body := fetch(t, http.DefaultClient, addr[1], ""); res.StatusCode != 200 || !strings.Contains(body, "sciweek_http_requests_total") {
		t.Errorf("metrics on their own address: %d", res.StatusCode)
	}
	if res, body := fetch(t, http.DefaultClient, strings.TrimSuffix(addr[1], "/metrics")+"/debug/pprof/heap?debug=1", ""); res.StatusCode != 200 || !strings.Contains(body, "heap profile") {
		t.Errorf("the heap profile on the metrics address: %d", res.StatusCode)
	}
	if res, _ := fetch(t, http.DefaultClient, base+"/debug/pprof/heap", ""); res.StatusCode != 404 {
		t.Errorf("the heap profile on the main address: %d", res.StatusCode)
	}
}

func TestTLSAndSlowClients(t *testing.T) {
	dir := t.TempDir()
	cert, key := selfSigned(t, dir)
	base, _, stop := startServe(t, "--data", filepath.Join(dir, "data"), "--tls-cert", cert, "--tls-key", key, "--read-timeout", "1s")
	defer stop()
	if !strings.HasPrefix(base, "https://") {
		t.Fatalf("served on %s", base)
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	res, _ := fetch(t, client, base+"/", "")
	if res.StatusCode != 200 || res.Header.Get("Strict-Transport-Security") == "" || !strings.Contains(res.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		t.Errorf("over TLS: %d, headers %v", res.StatusCode, res.Header)
	}
	// A client that sends its headers a byte at a time is cut off.
	conn, err := tls.Dial("tcp", strings.TrimPrefix(base, "https://"), &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	started := time.Now()
	var cut error
	for _, b := range []byte("GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ") {
		if _, cut = conn.Write([]byte{b}); cut != nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
		if time.Since(started) > 8*time.Second {
			break
		}
	}
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, rerr := io.ReadAll(conn)
	if took := time.Since(started); cut == nil && took > 8*time.Second {
		t.Errorf("a slow client was still connected after %s (read: %v)", took, rerr)
	}
}

func TestBadOpsConfiguration(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--tls-cert", filepath.Join(dir, "missing.pem")}, "give both"},
		{[]string{"--tls-cert", filepath.Join(dir, "missing.pem"), "--tls-key", filepath.Join(dir, "missing.key")}, "--tls-cert / --tls-key"},
		{[]string{"--read-timeout", "soon"}, "--read-timeout"},
		{[]string{"--metrics-addr", "9090"}, "--metrics-addr"},
		{[]string{"--backup-dir", dir, "--backup-keep", "0"}, "--backup-keep"},
	} {
		_, err := cli(t, append([]string{"serve", "--data", filepath.Join(dir, "d"), "--addr", "127.0.0.1:0"}, c.args...)...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v", c.args, err)
		}
	}
	// A bad value stops the start before anything is opened or created.
	if _, err := os.Stat(filepath.Join(dir, "d", "sciweek.db")); err == nil {
		t.Error("a bad configuration still opened the database")
	}
}

func fetch(t *testing.T, c *http.Client, u, token string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", u, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res, string(body)
}

// selfSigned writes a certificate and key for 127.0.0.1 into dir.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "sciweek test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"}}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalECPrivateKey(key)
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600)
	return certFile, keyFile
}
