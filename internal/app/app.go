// Package app assembles sciweek from its parts: configuration, database,
// storage, the domain services and their routes.
package app

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/audit"
	"github.com/sciweek/sciweek/internal/booking"
	"github.com/sciweek/sciweek/internal/campaign"
	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/filing"
	"github.com/sciweek/sciweek/internal/i18n"
	"github.com/sciweek/sciweek/internal/media"
	"github.com/sciweek/sciweek/internal/news"
	"github.com/sciweek/sciweek/internal/notify"
	"github.com/sciweek/sciweek/internal/paper"
	"github.com/sciweek/sciweek/internal/platform/blob"
	"github.com/sciweek/sciweek/internal/platform/clock"
	"github.com/sciweek/sciweek/internal/platform/db"
	"github.com/sciweek/sciweek/internal/platform/jobs"
	"github.com/sciweek/sciweek/internal/platform/mail"
	"github.com/sciweek/sciweek/internal/platform/sms"
	"github.com/sciweek/sciweek/internal/program"
	"github.com/sciweek/sciweek/internal/report"
	"github.com/sciweek/sciweek/internal/stats"
	"github.com/sciweek/sciweek/internal/web"
)

// Config is everything an operator can set.
type Config struct {
	Addr          string
	DataDir       string
	DatabaseURL   string
	IdleTimeout   time.Duration
	TrustProxy    bool
	SecureCookies bool
	LogFormat     string
	LogLevel      slog.Level
	// MetricsToken, when set, opens /metrics on the main address to
	// requests bearing it; MetricsAddr serves /metrics on an address of
	// its own (a private interface) without a token.
	MetricsToken string
	MetricsAddr  string
	// TLSCert and TLSKey, when set, make the server speak HTTPS itself.
	TLSCert, TLSKey string
	// ReadTimeout and WriteTimeout bound a request's body and answer.
	ReadTimeout, WriteTimeout time.Duration
	// MapURL is how an activity's address opens in a map: amap, baidu,
	// osm, or an http(s) URL holding {address}. Empty means amap.
	MapURL string
	// BaseURL is the address people reach the site at, for links in
	// e-mail and text messages.
	BaseURL string
	// PublicURL is BaseURL when the operator set it, for absolute links in
	// public pages, feeds and QR codes; empty, they follow the request.
	PublicURL string
	// SMTP sends e-mail; an empty Host leaves mail off.
	SMTP mail.Config
	// SMS sends text messages; an empty URL leaves SMS off.
	SMS SMSConfig
	// S3 stores files in a bucket instead of DataDir/files when its Bucket
	// is set.
	S3 blob.S3Config
	// SecretKey seals bookers' personal data and signs tickets; empty
	// means a key file created in DataDir.
	SecretKey string
	// EraseBookingsAfter is how long after a campaign's week its bookers'
	// personal data is kept; zero means 30 days.
	EraseBookingsAfter time.Duration
	// BookingsPerClient is how many booking attempts one client address
	// may make per minute; zero means 30.
	BookingsPerClient int
}

// SMSConfig names the SMS provider's HTTP endpoint.
type SMSConfig struct {
	URL    string
	Secret string
	Header string
}

// App is a running sciweek: its services and its HTTP handler.
type App struct {
	Config    Config
	Log       *slog.Logger
	DB        *db.DB
	Blobs     blob.Store
	Clock     clock.Clock
	Audit     *audit.Log
	Accounts  *account.Service
	Campaigns *campaign.Service
	Filings   *filing.Service
	Program   *program.Service
	Jobs      *jobs.Queue
	Notify    *notify.Service
	Reports   *report.Service
	Stats     *stats.Service
	Booking   *booking.Service
	News      *news.Service
	Paper     *paper.Service
	Server    *web.Server
	Metrics   *web.Metrics
	mapURL    string
	routes    *web.RouteList
	// peers carries this server's news to the others sharing its
	// PostgreSQL database, and theirs to this one's program and booking.
	peers peers
}

// uploadRoutes take files: their handlers stream the multipart body with
// limits of their own.
var uploadRoutes = map[string]bool{
	"POST /reports/{id}/media":                  true,
	"POST /api/v1/reports/{id}/media":           true,
	"POST /admin/campaigns/{slug}/attachments":  true,
	"POST /campaigns/{slug}/articles/new":       true,
	"POST /news/{id}/edit":                      true,
	"POST /campaigns/{slug}/coverage":           true,
	"POST /filings/{id}/scan":                   true,
	"POST /api/v1/campaigns/{campaign}/imports": true,
	"POST /campaigns/{campaign}/import":         true,
	"POST /admin/orgs/import":                   true,
}

// Routes lists every registered route pattern, such as
// "GET /api/v1/activities/{activity}".
func (a *App) Routes() []string { return slices.Clone(a.routes.Patterns) }

// Open connects to the database, applies pending migrations and builds the
// services. clk may be nil for the system clock.
func Open(ctx context.Context, cfg Config, log *slog.Logger, clk clock.Clock) (*App, error) {
	if clk == nil {
		clk = clock.System{}
	}
	d, err := db.Open(ctx, db.Config{URL: cfg.DatabaseURL, DataDir: cfg.DataDir})
	if err != nil {
		return nil, err
	}
	if _, err := d.Migrate(ctx); err != nil {
		d.Close()
		return nil, err
	}
	a := &App{Config: cfg, Log: log, DB: d, Clock: clk}
	a.Blobs = blob.Local{Dir: filepath.Join(cfg.DataDir, "files")}
	if cfg.S3.Bucket != "" {
		if a.Blobs, err = blob.NewS3(cfg.S3); err != nil {
			d.Close()
			return nil, err
		}
	}
	if err := blob.Ping(ctx, a.Blobs); err != nil {
		d.Close()
		return nil, err
	}
	a.Audit = &audit.Log{DB: d, Now: clk.Now}
	accCfg := account.DefaultConfig
	if cfg.IdleTimeout > 0 {
		accCfg.IdleTimeout = cfg.IdleTimeout
	}
	a.Accounts = &account.Service{DB: d, Audit: a.Audit, Clock: clk, Config: accCfg}
	// A campaign published or archived changes what the programs above it
	// list: the program, built below, forgets what it holds.
	a.Campaigns = &campaign.Service{DB: d, Accounts: a.Accounts, Audit: a.Audit, Blobs: a.Blobs, Clock: clk, Followers: campaignFollowers{a}}
	if a.mapURL, err = program.MapPattern(cmp.Or(cfg.MapURL, "amap")); err != nil {
		d.Close()
		return nil, fmt.Errorf("map URL: %w", err)
	}
	keys, err := booking.LoadKeys(cfg.SecretKey, cfg.DataDir)
	if err != nil {
		d.Close()
		return nil, fmt.Errorf("booking keys: %w", err)
	}
	a.Jobs = &jobs.Queue{DB: d, Clock: clk, Log: log}
	a.Notify = &notify.Service{DB: d, Accounts: a.Accounts, Campaigns: a.Campaigns, Jobs: a.Jobs, Audit: a.Audit, Clock: clk, Log: log, BaseURL: cfg.BaseURL,
		Mailer: mailer(cfg.SMTP), Texter: texter(cfg.SMS), Deadlines: []notify.Deadline{
			{Kind: "filing", Outstanding: a.filingOutstanding, Due: func(c campaign.Campaign) time.Time { return c.FilingDeadline }},
			{Kind: "summary", Outstanding: a.reportOutstanding, Due: func(c campaign.Campaign) time.Time { return c.SummaryDeadline }},
		}}
	// What an approved filing publishes reaches the program and booking,
	// built below: the filing service is handed the App, whose services are
	// all in place before Open returns and the first request or job runs.
	a.Filings = &filing.Service{DB: d, Accounts: a.Accounts, Campaigns: a.Campaigns, Audit: a.Audit, Blobs: a.Blobs, Clock: clk,
		Publisher: filingFollowers{a}, Notices: filingFollowers{a}, LevelNotices: reviewNotices{a}}
	// The program and booking need each other: the program asks booking
	// which activities take bookings and tells it when a week moves online;
	// booking reads activities from the program. Both are allocated first,
	// then each is built by one literal holding the other, so neither has a
	// field set after it is built.
	a.Program, a.Booking = new(program.Service), new(booking.Service)
	a.peers = peers{d, log, newInstance()}
	*a.Program = program.Service{DB: d, Accounts: a.Accounts, Campaigns: a.Campaigns, Filings: a.Filings, Audit: a.Audit, Clock: clk, Log: log,
		Cache: program.NewCache(4000, time.Minute), Bookings: a.Booking, Peers: a.peers,
		SnapshotDir: filepath.Join(cfg.DataDir, "program")}
	*a.Booking = booking.Service{DB: d, Accounts: a.Accounts, Campaigns: a.Campaigns, Program: a.Program, Audit: a.Audit, Clock: clk, Keys: keys,
		Log: log, Notifier: bookingTexts{a.Notify}, EraseAfter: cmp.Or(cfg.EraseBookingsAfter, booking.DefaultEraseAfter)}
	if err := a.Program.Rebuild(ctx); err != nil {
		d.Close()
		return nil, fmt.Errorf("build the public program: %w", err)
	}
	a.Notify.RegisterJobs()
	// Scheduled work registers here with a.Jobs.Every: each period's run
	// happens once across servers, is retried like any job, and survives
	// a restart.
	a.Jobs.Every("erase-bookings", 24*time.Hour, func(ctx context.Context, now time.Time) error {
		n, err := a.Booking.EraseExpired(ctx, now)
		if n > 0 {
			log.Info("bookers' personal data erased", "bookings", n)
		}
		return err
	})
	if d.Dialect == db.Postgres {
		// Only servers sharing PostgreSQL lease places (see booking's lease.go).
		a.Jobs.Every("reclaim-booking-leases", time.Minute, func(ctx context.Context, now time.Time) error {
			n, err := a.Booking.ReclaimLeases(ctx)
			if n > 0 {
				log.Warn("places of a stopped server's booking leases given back", "places", n)
			}
			return err
		})
	}
	a.Jobs.Every("sweep-uploads", time.Hour, func(ctx context.Context, now time.Time) error {
		n, err := blob.Sweep(a.Blobs, time.Hour, now)
		if n > 0 {
			log.Info("abandoned uploads removed", "files", n)
		}
		return err
	})
	a.Jobs.Every("prune-jobs", 24*time.Hour, func(ctx context.Context, now time.Time) error {
		_, err := a.Jobs.Prune(ctx, now.AddDate(0, 0, -30))
		return err
	})
	a.Reports = &report.Service{DB: d, Accounts: a.Accounts, Campaigns: a.Campaigns, Filings: a.Filings, Audit: a.Audit, Blobs: a.Blobs, Clock: clk,
		Tools: media.FindTools(), SpoolDir: filepath.Join(cfg.DataDir, "files", ".spool"), Notices: reviewNotices{a}}
	a.News = &news.Service{DB: d, Accounts: a.Accounts, Campaigns: a.Campaigns, Audit: a.Audit, Blobs: a.Blobs, Clock: clk, Notices: reviewNotices{a}}
	a.Paper = &paper.Service{DB: d, Audit: a.Audit, Clock: clk, Campaigns: a.Campaigns, BaseURL: cfg.PublicURL,
		Sources: map[string]paper.Source{paper.KindFiling: filing.PaperSource{Service: a.Filings}, paper.KindReport: report.PaperSource{Service: a.Reports}}}
	a.Stats = &stats.Service{Accounts: a.Accounts, Campaigns: a.Campaigns, Filings: a.Filings, Reports: a.Reports, Bookings: a.Booking}
	if err := a.buildServer(); err != nil {
		d.Close()
		return nil, err
	}
	return a, nil
}

// mailer is the configured SMTP server, or nil: mail off.
func mailer(c mail.Config) mail.Mailer {
	if c.Host == "" {
		return nil
	}
	return &mail.SMTP{Config: c}
}

// texter is the configured SMS provider, or nil: SMS off.
func texter(c SMSConfig) sms.Sender {
	if c.URL == "" {
		return nil
	}
	return &sms.HTTP{URL: c.URL, Secret: c.Secret, Header: c.Header}
}

// peers are the other servers sharing one PostgreSQL database. They are
// told when the program changed, and which filing, or when booking's
// slots, rules or venues did; each notice names this server so that it
// skips its own.
type peers struct {
	d    *db.DB
	log  *slog.Logger
	self string
}

func (p peers) ProgramChanged(campaignID, filingID int64) {
	p.tell(p.self + " " + strconv.FormatInt(campaignID, 10) + " " + strconv.FormatInt(filingID, 10))
}

func (p peers) BookingsChanged() { p.tell(p.self + " " + bookingsNews) }

func (p peers) tell(payload string) {
	if err := p.d.Broadcast(context.Background(), peersChannel, payload); err != nil {
		p.log.Warn("telling other servers of a change", "err", err)
	}
}

// bookingsNews is the payload's word for a change of slots, rules or
// venues.
const bookingsNews = "bookings"

// follow is the listener of peersChannel: another server's news of a
// filing, a campaign or bookings reaches the program, and booking forgets
// the slots and rules it holds; this server's own, already applied, is
// skipped; an empty payload (a connection made again) or one not
// understood rechecks.
func (p peers) follow(ctx context.Context, s *program.Service, forget func()) func(string) {
	return func(payload string) {
		f := strings.Fields(payload)
		if len(f) > 0 && f[0] == p.self {
			return
		}
		forget()
		if len(f) == 2 && f[1] == bookingsNews {
			s.PeerBookingsChanged()
			return
		}
		if len(f) == 3 {
			campaignID, err1 := strconv.ParseInt(f[1], 10, 64)
			filingID, err2 := strconv.ParseInt(f[2], 10, 64)
			if err1 == nil && err2 == nil {
				s.PeerChanged(ctx, campaignID, filingID)
				return
			}
		}
		s.InvalidateLocal()
	}
}

// newInstance names this process among the servers sharing a database.
func newInstance() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// peersChannel carries, between servers on one PostgreSQL database, the
// news that the public program or booking's slots and rules changed. Its
// name stays what it was when it carried the program's news alone, so
// that servers of both versions hear each other during an upgrade.
const peersChannel = "sciweek_program"

// FollowPeers brings this server's program and booking in line with the
// changes other servers sharing its PostgreSQL database make, until ctx
// ends; on SQLite it returns at once.
func (a *App) FollowPeers(ctx context.Context) {
	a.DB.Listen(ctx, peersChannel, a.Log, a.peers.follow(ctx, a.Program, a.Booking.Forget))
}

// Close releases the database.
func (a *App) Close() error {
	a.Program.Close()
	a.Booking.Close()
	return a.DB.Close()
}

// RunJobs works the job queue — e-mail, text messages, reminders and other
// scheduled work — until ctx ends, then lets the jobs in hand finish.
func (a *App) RunJobs(ctx context.Context) {
	// Another server's change to the program, or to booking's slots and
	// rules, reaches this one's.
	go a.FollowPeers(ctx)
	a.Notify.LogChannels()
	a.Jobs.Run(ctx)
}

func (a *App) buildServer() error {
	r, err := web.NewRenderer(a.Log)
	if err != nil {
		return err
	}
	if err := r.Add("account", account.Templates); err != nil {
		return err
	}
	if err := r.Add("campaign", campaign.Templates); err != nil {
		return err
	}
	if err := r.Add("filing", filing.Templates); err != nil {
		return err
	}
	if err := r.Add("program", program.Templates); err != nil {
		return err
	}
	if err := r.Add("notify", notify.Templates); err != nil {
		return err
	}
	if err := r.Add("report", report.Templates); err != nil {
		return err
	}
	if err := r.Add("stats", stats.Templates); err != nil {
		return err
	}
	if err := r.Add("booking", booking.Templates); err != nil {
		return err
	}
	if err := r.Add("news", news.Templates); err != nil {
		return err
	}
	if err := r.Add("paper", paper.Templates); err != nil {
		return err
	}
	a.routes = &web.RouteList{Mux: http.NewServeMux()}
	mux := a.routes
	a.Metrics = web.NewMetrics()
	a.Metrics.Registry.MustRegister(queueCollector{a}, dataCollector{a})
	s := &web.Server{Log: a.Log, Mux: mux.Mux, Renderer: r, Uploads: uploadRoutes, TrustProxy: a.Config.TrustProxy, SecureCookies: a.Config.SecureCookies, Metrics: a.Metrics}
	s.Authenticate = func(w http.ResponseWriter, req *http.Request) (context.Context, error) {
		return a.Accounts.Authenticate(w, req, web.ClientIP(req.Context()))
	}
	s.Banner = a.banner
	s.Nav = a.nav
	a.Server = s

	mux.Handle("GET /static/", web.StaticHandler())
	mux.HandleFunc("GET /healthz", a.healthz)
	mux.HandleFunc("GET /manifest.webmanifest", web.Manifest)
	mux.HandleFunc("GET /favicon.ico", web.Icon("favicon.ico", "image/x-icon"))
	mux.HandleFunc("GET /apple-touch-icon.png", web.Icon("apple-touch-icon.png", "image/png"))
	mux.HandleFunc("GET /readyz", a.readyz)
	mux.HandleFunc("GET /metrics", a.metrics)
	(&account.Handlers{Service: a.Accounts, Server: s, Audit: a.Audit,
		LoginLimiter:    web.NewLimiter(20, time.Minute),
		RegisterLimiter: web.NewLimiter(10, time.Hour),
	}).Routes(mux)
	newsHandlers := &news.Handlers{Service: a.News, Server: s, BaseURL: a.Config.PublicURL, Limiter: web.NewLimiter(600, time.Minute)}
	newsHandlers.Routes(mux)
	(&campaign.Handlers{Service: a.Campaigns, Server: s, Todos: a.todos, Blocks: newsHandlers.CampaignBlock, Listed: a.listed, Online: a.online, BaseURL: a.Config.PublicURL}).Routes(mux)
	(&filing.Handlers{Service: a.Filings, Server: s, Paper: a.Paper}).Routes(mux)
	(&paper.Handlers{Service: a.Paper, Server: s, Limiter: web.NewLimiter(120, time.Minute)}).Routes(mux)
	(&program.Handlers{Service: a.Program, Server: s, MapURL: a.mapURL, BaseURL: a.Config.PublicURL, Limiter: web.NewLimiter(6000, time.Minute)}).Routes(mux)
	(&notify.Handlers{Service: a.Notify, Campaigns: a.Campaigns, Server: s}).Routes(mux)
	(&report.Handlers{Service: a.Reports, Server: s, Limiter: web.NewLimiter(300, time.Minute), Coverage: a.reportCoverage, Paper: a.Paper}).Routes(mux)
	(&stats.Handlers{Service: a.Stats, Server: s}).Routes(mux)
	(&booking.Handlers{Service: a.Booking, Server: s,
		PerClient: web.NewLimiter(cmp.Or(a.Config.BookingsPerClient, 30), time.Minute),
		PerPhone:  web.NewLimiter(10, time.Minute),
		Gate:      booking.NewGate(booking.BatchMax, 250*time.Millisecond),
		BaseURL:   a.Config.PublicURL,
	}).Routes(mux)
	mux.HandleFunc("/", func(w http.ResponseWriter, req *http.Request) {
		s.Error(w, req, errs.NotFoundf("no route for %s", req.URL.Path))
	})
	return nil
}

// banner tells every page that a campaign's week has moved online.
func (a *App) banner(ctx context.Context, l i18n.Localizer) *web.Banner {
	for _, sw := range a.Program.Switches(ctx) {
		return &web.Banner{Text: l.T("program.banner", sw.Title, sw.Reason), Href: "/campaigns/" + sw.CampaignSlug + "/program", Link: l.T("program.banner_link")}
	}
	return nil
}

// Handler is the whole HTTP application.
func (a *App) Handler() http.Handler { return a.Server.Handler() }

func (a *App) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := a.DB.Ping(ctx); err != nil {
		a.Log.Error("health check", "err", err)
		http.Error(w, "database unavailable", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	fmt.Fprint(w, "ok")
}

// readyz answers 200 when the database and the file storage both answer,
// so a load balancer sends requests only to a server that can serve them.
func (a *App) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	var problems []string
	if err := a.DB.Ping(ctx); err != nil {
		a.Log.Error("readiness: database", "err", err)
		problems = append(problems, "database unavailable")
	}
	if err := blob.Ping(ctx, a.Blobs); err != nil {
		a.Log.Error("readiness: storage", "err", err)
		problems = append(problems, "storage unavailable")
	}
	if len(problems) > 0 {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintln(w, strings.Join(problems, "\n"))
		return
	}
	fmt.Fprint(w, "ready")
}

// metrics serves /metrics on the main address to a request that bears the
// configured token; without a token configured it is not there.
func (a *App) metrics(w http.ResponseWriter, r *http.Request) {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if a.Config.MetricsToken == "" || !ok || subtle.ConstantTimeCompare([]byte(token), []byte(a.Config.MetricsToken)) != 1 {
		a.Server.Error(w, r, errs.NotFoundf("metrics"))
		return
	}
	a.Metrics.Handler().ServeHTTP(w, r)
}

// nav builds the main menu for the signed-in person.
func (a *App) nav(ctx context.Context, l i18n.Localizer, path string) (*web.NavUser, []web.NavLink) {
	p := account.FromContext(ctx)
	if p == nil {
		return nil, nil
	}
	user := &web.NavUser{Name: p.DisplayName, OrgName: p.Org.DisplayName(l.Lang)}
	if user.Name == "" {
		user.Name = p.Username
	}
	links := []web.NavLink{{Href: "/dashboard", Label: l.T("nav.dashboard")}}
	unread := a.Notify.UnreadCount(ctx)
	links = append(links, web.NavLink{Href: "/notifications", Label: l.T("nav.notifications"), Badge: unread, BadgeLabel: l.T("nav.unread", unread)})
	if p.Has(account.RoleAdmin) {
		links = append(links, web.NavLink{Href: "/admin/campaigns", Label: l.T("nav.campaigns")})
	}
	if p.Has(account.RoleAdmin) || p.Has(account.RoleCoordinator) {
		links = append(links,
			web.NavLink{Href: "/admin/orgs", Label: l.T("nav.orgs")},
			web.NavLink{Href: "/admin/registrations", Label: l.T("nav.registrations")})
	}
	if p.Has(account.RoleAdmin) || p.Has(account.RoleFiler) || p.Has(account.RoleCheckin) {
		links = append(links, web.NavLink{Href: "/booking", Label: l.T("nav.booking")})
	}
	if p.Has(account.RoleAdmin) {
		links = append(links, web.NavLink{Href: "/admin/audit", Label: l.T("nav.audit")},
			web.NavLink{Href: "/admin/messages", Label: l.T("nav.messages")})
	}
	best := -1
	for i, link := range links {
		if path == link.Href || strings.HasPrefix(path, link.Href+"/") {
			if best < 0 || len(link.Href) > len(links[best].Href) {
				best = i
			}
		}
	}
	if best >= 0 {
		links[best].Current = true
	}
	return user, links
}
