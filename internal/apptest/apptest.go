// Package apptest starts a whole sciweek — real database, real HTTP server,
// the demo data — for tests that drive it the way a browser or an API
// client would.
package apptest

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/app"
	"github.com/sciweek/sciweek/internal/demo"
	"github.com/sciweek/sciweek/internal/filing"
	"github.com/sciweek/sciweek/internal/platform/blob"
	"github.com/sciweek/sciweek/internal/platform/clock"
	"github.com/sciweek/sciweek/internal/platform/db/dbtest"
)

// Now is the clock's starting time in tests: 28 November 2026, 10:00 in
// Quanzhou. The demo's upcoming campaign (slug "2026") then runs from 19 to
// 25 December 2026, with filing open until 12 December and summaries due
// on 3 January 2027; the archived 2020 original lies beside it.
var Now = time.Date(2026, 11, 28, 10, 0, 0, 0, time.FixedZone("CST", 8*3600))

// Env is a running sciweek.
type Env struct {
	App   *app.App
	URL   string
	Clock *clock.Fixed
}

// Options change how New starts sciweek.
type Options struct {
	// DatabaseURL selects PostgreSQL; empty means SQLite in a temp dir.
	DatabaseURL string
	// NoDemo starts with an empty database.
	NoDemo bool
	// NoDemoFilings loads the demo's organisations and campaigns but none
	// of its sample filings, for tests that file from a clean slate.
	NoDemoFilings bool
	// DataDir keeps the SQLite database and files in a directory of the
	// test's choosing, so a second Start can reopen them as after a restart.
	DataDir string
	// Configure changes the configuration before the app opens (mail, SMS).
	Configure func(*app.Config)
	// S3 keeps files in a bucket instead of on local disk when its Bucket
	// is set.
	S3 blob.S3Config
}

// New starts sciweek with the demo loaded, on SQLite.
func New(t testing.TB) *Env { return Start(t, Options{}) }

// Start starts sciweek with options.
func Start(t testing.TB, o Options) *Env {
	t.Helper()
	clk := clock.NewFixed(Now)
	cfg := app.Config{DataDir: o.DataDir, DatabaseURL: o.DatabaseURL, Addr: "127.0.0.1:0", BaseURL: "http://sciweek.test", S3: o.S3}
	if cfg.DataDir == "" {
		cfg.DataDir = t.TempDir()
	}
	if o.Configure != nil {
		o.Configure(&cfg)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	a, err := app.Open(context.Background(), cfg, log, clk)
	if err != nil {
		t.Fatalf("open app: %v", err)
	}
	t.Cleanup(func() { a.Close() })
	if !o.NoDemo {
		filings := a.Filings
		if o.NoDemoFilings {
			filings = nil
		}
		loaded, err := demo.Load(context.Background(), a.Accounts, a.Campaigns, filings, clk.Now())
		if err != nil {
			t.Fatalf("load demo: %v", err)
		}
		if loaded {
			if err := demo.LoadNews(context.Background(), a.Accounts, a.Campaigns, a.News); err != nil {
				t.Fatalf("load demo news: %v", err)
			}
		}
		if loaded && !o.NoDemoFilings {
			if err := demo.LoadReports(context.Background(), a.Accounts, a.Campaigns, *a.Reports); err != nil {
				t.Fatalf("load demo reports: %v", err)
			}
		}
	}
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(srv.Close)
	return &Env{App: a, URL: srv.URL, Clock: clk}
}

// Each runs fn against SQLite, and against PostgreSQL when
// SCIWEEK_TEST_POSTGRES_URL is set.
func Each(t *testing.T, fn func(t *testing.T, e *Env)) { EachWith(t, Options{}, fn) }

// EachWith is Each with options.
func EachWith(t *testing.T, o Options, fn func(t *testing.T, e *Env)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, Start(t, o)) })
	if u, ok := dbtest.PostgresURL(t); ok {
		t.Run("postgres", func(t *testing.T) {
			o.DatabaseURL = u
			fn(t, Start(t, o))
		})
	}
}

// OnPostgres starts sciweek with options on a database of its own on the
// PostgreSQL server named by SCIWEEK_TEST_POSTGRES_URL; it skips the test
// when the variable is unset.
func OnPostgres(t testing.TB, o Options) *Env {
	t.Helper()
	u, ok := dbtest.PostgresURL(t)
	if !ok {
		t.Skipf("%s is not set: PostgreSQL tests skipped", dbtest.PostgresURLEnv)
	}
	o.DatabaseURL = u
	return Start(t, o)
}

// Pair starts two servers sharing one database of their own on the
// PostgreSQL server named by SCIWEEK_TEST_POSTGRES_URL, as a deployment of
// two app servers does: the first loads the demo, the second opens what
// the first stored. It skips the test when the variable is unset.
func Pair(t testing.TB, o Options) (*Env, *Env) {
	t.Helper()
	a := OnPostgres(t, o)
	o.DatabaseURL, o.NoDemo = a.App.Config.DatabaseURL, true
	return a, Start(t, o)
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// Client is a browser-like client with its own cookies.
type Client struct {
	t    testing.TB
	base string
	HTTP *http.Client
	// Header is sent with every request.
	Header http.Header
}

// Client returns a new client with an empty cookie jar.
func (e *Env) Client(t testing.TB) *Client {
	jar, _ := cookiejar.New(nil)
	return &Client{t: t, base: e.URL, Header: http.Header{},
		HTTP: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// As returns a client logged in as username with the demo password.
func (e *Env) As(t testing.TB, username string) *Client {
	t.Helper()
	c := e.Client(t)
	c.Login(username, demo.Password)
	return c
}

// Response is a finished response with its body read.
type Response struct {
	Status int
	Header http.Header
	Body   string
}

// Location is where a redirect points.
func (r *Response) Location() string { return r.Header.Get("Location") }

// JSON decodes the body into v.
func (r *Response) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(r.Body), v); err != nil {
		t.Fatalf("decode JSON: %v\n%s", err, r.Body)
	}
}

// Do sends a request.
func (c *Client) Do(method, path string, body io.Reader, header http.Header) *Response {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		c.t.Fatalf("new request: %v", err)
	}
	for k, v := range c.Header {
		req.Header[k] = v
	}
	for k, v := range header {
		req.Header[k] = v
	}
	res, err := c.HTTP.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return &Response{Status: res.StatusCode, Header: res.Header, Body: string(b)}
}

// Get fetches a path.
func (c *Client) Get(path string) *Response { return c.Do("GET", path, nil, nil) }

// PostForm posts a form.
func (c *Client) PostForm(path string, form url.Values) *Response {
	return c.Do("POST", path, strings.NewReader(form.Encode()), http.Header{"Content-Type": {"application/x-www-form-urlencoded"}})
}

// SendJSON sends v as a JSON body.
func (c *Client) SendJSON(method, path string, v any) *Response {
	b, err := json.Marshal(v)
	if err != nil {
		c.t.Fatal(err)
	}
	return c.Do(method, path, strings.NewReader(string(b)), http.Header{"Content-Type": {"application/json"}})
}

// Login logs in through the form and fails the test when it does not work.
func (c *Client) Login(username, password string) {
	c.t.Helper()
	res := c.PostForm("/login", url.Values{"username": {username}, "password": {password}})
	if res.Status != http.StatusSeeOther {
		c.t.Fatalf("login as %s: status %d\n%s", username, res.Status, res.Body)
	}
}

// Scenario is one request and what its answer must and must not hold.
type Scenario struct {
	Name        string
	As          string // demo username; empty for the public
	Method      string
	Path        string
	Form        url.Values
	JSON        any
	Header      http.Header
	Status      int
	Contains    []string
	NotContains []string
}

// Run runs scenarios in order, each with a fresh client.
func (e *Env) Run(t *testing.T, scenarios []Scenario) {
	t.Helper()
	for _, s := range scenarios {
		t.Run(s.Name, func(t *testing.T) {
			c := e.Client(t)
			if s.As != "" {
				c.Login(s.As, demo.Password)
			}
			method := s.Method
			if method == "" {
				method = "GET"
			}
			var res *Response
			switch {
			case s.Form != nil:
				h := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
				for k, v := range s.Header {
					h[k] = v
				}
				res = c.Do(method, s.Path, strings.NewReader(s.Form.Encode()), h)
			case s.JSON != nil:
				b, _ := json.Marshal(s.JSON)
				h := http.Header{"Content-Type": {"application/json"}}
				for k, v := range s.Header {
					h[k] = v
				}
				res = c.Do(method, s.Path, strings.NewReader(string(b)), h)
			default:
				res = c.Do(method, s.Path, nil, s.Header)
			}
			if res.Status != s.Status {
				t.Fatalf("%s %s: status %d, want %d\n%s", method, s.Path, res.Status, s.Status, clip(res.Body))
			}
			for _, want := range s.Contains {
				if !strings.Contains(res.Body, want) {
					t.Errorf("%s %s: body lacks %q\n%s", method, s.Path, want, clip(res.Body))
				}
			}
			for _, bad := range s.NotContains {
				if strings.Contains(res.Body, bad) {
					t.Errorf("%s %s: body holds %q", method, s.Path, bad)
				}
			}
		})
	}
}

func clip(s string) string {
	if len(s) > 3000 {
		return s[:3000] + "…"
	}
	return s
}

// ApproveWaiting approves, at every level up to the organiser, the first
// table 1 of the campaign slug that waits for review and was never
// approved, and returns its filing's id.
func (e *Env) ApproveWaiting(t testing.TB, slug string) int64 {
	t.Helper()
	sys := account.AsSystem(context.Background())
	var id int64
	if err := e.App.DB.QueryRow(sys, `SELECT f.id FROM filings f JOIN campaigns c ON c.id = f.campaign_id
		WHERE c.slug = ? AND f.table_no = 1 AND f.state = 'submitted' AND f.approved_revision = 0 ORDER BY f.id LIMIT 1`, slug).Scan(&id); err != nil {
		t.Fatal(err)
	}
	f, err := e.App.Filings.Get(sys, id)
	for err == nil && f.State == filing.StateSubmitted {
		if err = e.App.Filings.Approve(sys, f.ID, f.Version, ""); err == nil {
			f, err = e.App.Filings.Get(sys, f.ID)
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	return id
}
