// Command sciweek runs the Science and Technology Activity Week platform:
// the web server and its maintenance subcommands.
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	netmail "net/mail"
	"net/url"
	"os"
	"os/signal"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"
	_ "time/tzdata" // deadlines are read in Asia/Shanghai on any machine

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/app"
	"github.com/sciweek/sciweek/internal/demo"
	"github.com/sciweek/sciweek/internal/platform/blob"
	"github.com/sciweek/sciweek/internal/platform/db"
	"github.com/sciweek/sciweek/internal/platform/mail"
	"github.com/sciweek/sciweek/internal/program"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = ""

const usage = `sciweek — Science and Technology Activity Week platform

Usage:
  sciweek serve [--demo] [--addr :8080] [--data ./data]   run the web server
  sciweek migrate [--status]                              apply (or show) database migrations
  sciweek backup --out FILE                               archive the database and files, while serving
  sciweek restore [--force] FILE                          restore an archive into an empty data directory
  sciweek org add --code CODE --name NAME [--parent CODE] [--kind bureau]
                                                          create an organisation (the first one is the organiser)
  sciweek user add --org CODE --username NAME [--roles filer] [--name NAME] [--password PW]
                                                          create an account
  sciweek token add USERNAME [--name LABEL]               print a new API token for an account
  sciweek version                                         print the version

Configuration (flags win over the environment):
  --addr          SCIWEEK_ADDR           listen address (default :8080)
  --data          SCIWEEK_DATA           data directory for SQLite and files (default ./data)
  --database-url  SCIWEEK_DATABASE_URL   postgres://user@host/db to use PostgreSQL instead of SQLite
  --idle-timeout  SCIWEEK_IDLE_TIMEOUT   idle session lifetime (default 30m)
  --trust-proxy   SCIWEEK_TRUST_PROXY    take client addresses from X-Forwarded-For (default false)
  --secure-cookies SCIWEEK_SECURE_COOKIES mark cookies Secure, behind HTTPS (default false; always with --tls-cert)
  --log-format    SCIWEEK_LOG_FORMAT     text or json (default text)
  --log-level     SCIWEEK_LOG_LEVEL      debug, info, warn or error (default info)
  --read-timeout  SCIWEEK_READ_TIMEOUT   time to read a request (default 60s)
  --write-timeout SCIWEEK_WRITE_TIMEOUT  time to write an answer (default 120s)
  --tls-cert      SCIWEEK_TLS_CERT       serve HTTPS with this certificate (PEM) ...
  --tls-key       SCIWEEK_TLS_KEY        ... and this key (default: plain HTTP, e.g. behind nginx)
  --metrics-addr  SCIWEEK_METRICS_ADDR   serve Prometheus /metrics on this address (e.g. 127.0.0.1:9090)
  --metrics-token SCIWEEK_METRICS_TOKEN  or on the main address to requests with this bearer token
  --backup-dir    SCIWEEK_BACKUP_DIR     serve: take scheduled backups into this directory (default off)
  --backup-every  SCIWEEK_BACKUP_EVERY   serve: time between scheduled backups (default 24h)
  --backup-keep   SCIWEEK_BACKUP_KEEP    serve: scheduled backups to keep (default 7)
  --map-url       SCIWEEK_MAP_URL        where addresses open: amap, baidu, osm or a URL with {address} (default amap)
  --base-url      SCIWEEK_BASE_URL       the site's address, for links in messages (default http://localhost:PORT)
  --smtp-host     SCIWEEK_SMTP_HOST      mail server; empty leaves e-mail off (messages are recorded only)
  --smtp-port     SCIWEEK_SMTP_PORT      mail server port (default 587)
  --smtp-tls      SCIWEEK_SMTP_TLS       starttls, tls (port 465) or none (default starttls)
  --smtp-from     SCIWEEK_SMTP_FROM      sender, e.g. "科技活动周 <noreply@example.cn>"
  --smtp-username SCIWEEK_SMTP_USERNAME  login at the mail server (optional)
                  SCIWEEK_SMTP_PASSWORD  its password (environment only)
  --sms-url       SCIWEEK_SMS_URL        SMS provider endpoint that takes JSON; empty leaves SMS off
  --sms-header    SCIWEEK_SMS_HEADER     header carrying the secret (default X-Sciweek-Secret)
                  SCIWEEK_SMS_SECRET     the shared secret (environment only)

File storage on S3-compatible object storage instead of --data/files (set the bucket to use it):
  --s3-endpoint   SCIWEEK_S3_ENDPOINT    e.g. https://oss-cn-hangzhou.aliyuncs.com or http://127.0.0.1:9000
  --s3-bucket     SCIWEEK_S3_BUCKET      bucket name
  --s3-region     SCIWEEK_S3_REGION      region (default us-east-1)
  --s3-access-key SCIWEEK_S3_ACCESS_KEY  access key id
  --s3-secret-key SCIWEEK_S3_SECRET_KEY  secret access key
  --s3-path-style SCIWEEK_S3_PATH_STYLE  address the bucket as endpoint/bucket, as MinIO needs (default false)
  --s3-part-size  SCIWEEK_S3_PART_SIZE   memory per upload in MiB, 5 to 512 (default 8)
                  SCIWEEK_SECRET_KEY     key that seals bookers' phone numbers and signs tickets (default: a key file in the data directory)
`

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "sciweek:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command given")
	}
	switch args[0] {
	case "serve":
		return serve(ctx, args[1:], stdout, stderr)
	case "migrate":
		return migrate(ctx, args[1:], stdout, stderr)
	case "backup":
		return backupCmd(ctx, args[1:], stdout, stderr)
	case "restore":
		return restoreCmd(ctx, args[1:], stdout, stderr)
	case "user":
		if len(args) < 2 || args[1] != "add" {
			return errors.New("usage: sciweek user add --org CODE --username NAME [--roles ROLES] [--password PW]")
		}
		return userAdd(ctx, args[2:], stdout, stderr)
	case "org":
		if len(args) < 2 || args[1] != "add" {
			return errors.New("usage: sciweek org add --code CODE --name NAME [--parent CODE] [--kind bureau|unit]")
		}
		return orgAdd(ctx, args[2:], stdout, stderr)
	case "token":
		if len(args) < 2 || args[1] != "add" {
			return errors.New("usage: sciweek token add USERNAME [--name LABEL]")
		}
		return tokenAdd(ctx, args[2:], stdout, stderr)
	case "version", "--version", "-v":
		fmt.Fprintln(stdout, "sciweek", versionString())
		return nil
	case "help", "--help", "-h":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}

func versionString() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		rev, dirty := "", false
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
		if len(rev) > 12 {
			rev = rev[:12]
		}
		if rev != "" {
			if dirty {
				rev += "-dirty"
			}
			return "dev-" + rev
		}
	}
	return "dev"
}

// configFlags registers the shared configuration flags on fs, with the
// environment as defaults; check validates them after parsing.
func configFlags(fs *flag.FlagSet) (cfg *app.Config, check func() error) {
	cfg = &app.Config{}
	env := func(k, def string) string {
		if v, ok := os.LookupEnv(k); ok {
			return v
		}
		return def
	}
	fs.StringVar(&cfg.Addr, "addr", env("SCIWEEK_ADDR", ":8080"), "listen address")
	fs.StringVar(&cfg.DataDir, "data", env("SCIWEEK_DATA", "./data"), "data directory")
	fs.StringVar(&cfg.DatabaseURL, "database-url", env("SCIWEEK_DATABASE_URL", ""), "PostgreSQL URL")
	idle := fs.String("idle-timeout", env("SCIWEEK_IDLE_TIMEOUT", "30m"), "idle session lifetime")
	trust := boolFlag(fs, "trust-proxy", env("SCIWEEK_TRUST_PROXY", "false"), "trust X-Forwarded-For")
	secure := boolFlag(fs, "secure-cookies", env("SCIWEEK_SECURE_COOKIES", "false"), "Secure cookies")
	fs.StringVar(&cfg.LogFormat, "log-format", env("SCIWEEK_LOG_FORMAT", "text"), "text or json")
	level := fs.String("log-level", env("SCIWEEK_LOG_LEVEL", "info"), "log level")
	fs.StringVar(&cfg.MetricsToken, "metrics-token", env("SCIWEEK_METRICS_TOKEN", ""), "bearer token that opens /metrics on the main address")
	fs.StringVar(&cfg.MetricsAddr, "metrics-addr", env("SCIWEEK_METRICS_ADDR", ""), "serve /metrics on this address of its own")
	fs.StringVar(&cfg.TLSCert, "tls-cert", env("SCIWEEK_TLS_CERT", ""), "TLS certificate file (PEM)")
	fs.StringVar(&cfg.TLSKey, "tls-key", env("SCIWEEK_TLS_KEY", ""), "TLS key file (PEM)")
	readTimeout := fs.String("read-timeout", env("SCIWEEK_READ_TIMEOUT", "60s"), "time to read a request")
	writeTimeout := fs.String("write-timeout", env("SCIWEEK_WRITE_TIMEOUT", "120s"), "time to write an answer")
	fs.StringVar(&cfg.MapURL, "map-url", env("SCIWEEK_MAP_URL", "amap"), "map link: amap, baidu, osm or a URL with {address}")
	fs.StringVar(&cfg.BaseURL, "base-url", env("SCIWEEK_BASE_URL", ""), "the site's address for links in messages")
	fs.StringVar(&cfg.SMTP.Host, "smtp-host", env("SCIWEEK_SMTP_HOST", ""), "mail server")
	smtpPort := fs.String("smtp-port", env("SCIWEEK_SMTP_PORT", "587"), "mail server port")
	smtpTLS := fs.String("smtp-tls", env("SCIWEEK_SMTP_TLS", "starttls"), "starttls, tls or none")
	fs.StringVar(&cfg.SMTP.From, "smtp-from", env("SCIWEEK_SMTP_FROM", ""), "sender address")
	fs.StringVar(&cfg.SMTP.Username, "smtp-username", env("SCIWEEK_SMTP_USERNAME", ""), "mail server login")
	cfg.SMTP.Password = os.Getenv("SCIWEEK_SMTP_PASSWORD")
	fs.StringVar(&cfg.SMS.URL, "sms-url", env("SCIWEEK_SMS_URL", ""), "SMS provider endpoint")
	fs.StringVar(&cfg.SMS.Header, "sms-header", env("SCIWEEK_SMS_HEADER", "X-Sciweek-Secret"), "SMS secret header")
	cfg.SMS.Secret = os.Getenv("SCIWEEK_SMS_SECRET")
	fs.StringVar(&cfg.S3.Endpoint, "s3-endpoint", env("SCIWEEK_S3_ENDPOINT", ""), "S3 endpoint URL")
	fs.StringVar(&cfg.S3.Bucket, "s3-bucket", env("SCIWEEK_S3_BUCKET", ""), "S3 bucket")
	fs.StringVar(&cfg.S3.Region, "s3-region", env("SCIWEEK_S3_REGION", "us-east-1"), "S3 region")
	fs.StringVar(&cfg.S3.AccessKey, "s3-access-key", env("SCIWEEK_S3_ACCESS_KEY", ""), "S3 access key id")
	fs.StringVar(&cfg.S3.SecretKey, "s3-secret-key", env("SCIWEEK_S3_SECRET_KEY", ""), "S3 secret access key")
	pathStyle := boolFlag(fs, "s3-path-style", env("SCIWEEK_S3_PATH_STYLE", "false"), "path-style bucket addressing")
	partSize := fs.String("s3-part-size", env("SCIWEEK_S3_PART_SIZE", "8"), "S3 part size in MiB")
	cfg.SecretKey = os.Getenv("SCIWEEK_SECRET_KEY")
	check = func() error {
		var problems []string
		if _, port, err := net.SplitHostPort(cfg.Addr); err != nil || port == "" {
			problems = append(problems, fmt.Sprintf("--addr / SCIWEEK_ADDR: %q is not host:port (e.g. :8080 or 127.0.0.1:8080)", cfg.Addr))
		} else if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
			problems = append(problems, fmt.Sprintf("--addr / SCIWEEK_ADDR: port %q must be a number from 0 to 65535", port))
		}
		if strings.TrimSpace(cfg.DataDir) == "" {
			problems = append(problems, "--data / SCIWEEK_DATA: must name a directory")
		}
		if u := cfg.DatabaseURL; u != "" && !strings.HasPrefix(u, "postgres://") && !strings.HasPrefix(u, "postgresql://") && !strings.HasPrefix(u, "sqlite:") {
			problems = append(problems, "--database-url / SCIWEEK_DATABASE_URL: must start with postgres:// (or sqlite:PATH)")
		}
		d, err := time.ParseDuration(*idle)
		if err != nil || d < time.Minute || d > 30*24*time.Hour {
			problems = append(problems, fmt.Sprintf("--idle-timeout / SCIWEEK_IDLE_TIMEOUT: %q must be a duration from 1m to 720h, such as 30m", *idle))
		}
		cfg.IdleTimeout = d
		for _, t := range []struct {
			name, v string
			dst     *time.Duration
		}{{"--read-timeout / SCIWEEK_READ_TIMEOUT", *readTimeout, &cfg.ReadTimeout}, {"--write-timeout / SCIWEEK_WRITE_TIMEOUT", *writeTimeout, &cfg.WriteTimeout}} {
			d, err := time.ParseDuration(t.v)
			if err != nil || d < time.Second || d > 24*time.Hour {
				problems = append(problems, fmt.Sprintf("%s: %q must be a duration from 1s to 24h, such as 60s", t.name, t.v))
			}
			*t.dst = d
		}
		if a := cfg.MetricsAddr; a != "" {
			if _, port, err := net.SplitHostPort(a); err != nil || port == "" {
				problems = append(problems, fmt.Sprintf("--metrics-addr / SCIWEEK_METRICS_ADDR: %q is not host:port (e.g. 127.0.0.1:9090)", a))
			}
		}
		if (cfg.TLSCert == "") != (cfg.TLSKey == "") {
			problems = append(problems, "--tls-cert / --tls-key: give both the certificate and the key, or neither")
		} else if cfg.TLSCert != "" {
			if _, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey); err != nil {
				problems = append(problems, fmt.Sprintf("--tls-cert / --tls-key: %v", err))
			}
		}
		for _, b := range []struct {
			name string
			v    *string
			dst  *bool
		}{{"--trust-proxy / SCIWEEK_TRUST_PROXY", trust, &cfg.TrustProxy}, {"--secure-cookies / SCIWEEK_SECURE_COOKIES", secure, &cfg.SecureCookies},
			{"--s3-path-style / SCIWEEK_S3_PATH_STYLE", pathStyle, &cfg.S3.PathStyle}} {
			v, err := strconv.ParseBool(*b.v)
			if err != nil {
				problems = append(problems, fmt.Sprintf("%s: %q must be true or false", b.name, *b.v))
			}
			*b.dst = v
		}
		if cfg.TLSCert != "" {
			// Served over HTTPS itself: the session cookie must never travel
			// over plain HTTP, whatever --secure-cookies says.
			cfg.SecureCookies = true
		}
		if cfg.LogFormat != "text" && cfg.LogFormat != "json" {
			problems = append(problems, fmt.Sprintf("--log-format / SCIWEEK_LOG_FORMAT: %q must be text or json", cfg.LogFormat))
		}
		if err := cfg.LogLevel.UnmarshalText([]byte(*level)); err != nil {
			problems = append(problems, fmt.Sprintf("--log-level / SCIWEEK_LOG_LEVEL: %q must be debug, info, warn or error", *level))
		}
		if _, err := program.MapPattern(cfg.MapURL); err != nil {
			problems = append(problems, "--map-url / SCIWEEK_MAP_URL: "+err.Error())
		}
		cfg.PublicURL = strings.TrimRight(cfg.BaseURL, "/") // as given: links in public pages use it only when set
		problems = append(problems, checkMessaging(cfg, *smtpPort, *smtpTLS)...)
		problems = append(problems, checkS3(&cfg.S3, *partSize)...)
		if len(problems) > 0 {
			return errors.New("bad configuration:\n  " + strings.Join(problems, "\n  "))
		}
		return nil
	}
	return cfg, check
}

// boolText is a switch given as --name (true) or --name=true|false; the
// text is checked with the rest of the configuration.
type boolText string

func (b *boolText) String() string     { return string(*b) }
func (b *boolText) Set(s string) error { *b = boolText(s); return nil }
func (b *boolText) IsBoolFlag() bool   { return true }

// boolFlag defines a switch that needs no value, defaulting to def.
func boolFlag(fs *flag.FlagSet, name, def, usage string) *string {
	b := boolText(def)
	fs.Var(&b, name, usage)
	return (*string)(&b)
}

// checkMessaging validates the base URL, mail and SMS settings and fills
// in their defaults.
func checkMessaging(cfg *app.Config, smtpPort, smtpTLS string) []string {
	var problems []string
	if cfg.BaseURL == "" {
		_, port, _ := net.SplitHostPort(cfg.Addr)
		scheme := "http://"
		if cfg.TLSCert != "" {
			scheme = "https://"
		}
		cfg.BaseURL = scheme + "localhost:" + port
	} else if u, err := url.Parse(cfg.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		problems = append(problems, fmt.Sprintf("--base-url / SCIWEEK_BASE_URL: %q must be an http:// or https:// address, such as https://kjz.example.cn", cfg.BaseURL))
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	switch mail.Security(smtpTLS) {
	case mail.StartTLS, mail.TLS, mail.None:
		cfg.SMTP.Security = mail.Security(smtpTLS)
	default:
		problems = append(problems, fmt.Sprintf("--smtp-tls / SCIWEEK_SMTP_TLS: %q must be starttls, tls or none", smtpTLS))
	}
	if n, err := strconv.Atoi(smtpPort); err != nil || n < 1 || n > 65535 {
		problems = append(problems, fmt.Sprintf("--smtp-port / SCIWEEK_SMTP_PORT: %q must be a number from 1 to 65535", smtpPort))
	} else {
		cfg.SMTP.Port = n
	}
	if cfg.SMTP.Host != "" {
		if _, err := netmail.ParseAddress(cfg.SMTP.From); err != nil {
			problems = append(problems, fmt.Sprintf("--smtp-from / SCIWEEK_SMTP_FROM: %q must be a sender address, such as noreply@example.cn or \"科技活动周 <noreply@example.cn>\"", cfg.SMTP.From))
		}
		if cfg.SMTP.Username != "" && cfg.SMTP.Password == "" {
			problems = append(problems, "SCIWEEK_SMTP_PASSWORD: must be set when --smtp-username / SCIWEEK_SMTP_USERNAME is")
		}
		if cfg.SMTP.Username != "" && cfg.SMTP.Security == mail.None && cfg.SMTP.Host != "localhost" && cfg.SMTP.Host != "127.0.0.1" {
			problems = append(problems, "--smtp-tls / SCIWEEK_SMTP_TLS: none would send the mail password unencrypted; use starttls or tls")
		}
	}
	if cfg.SMS.URL != "" {
		if u, err := url.Parse(cfg.SMS.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			problems = append(problems, fmt.Sprintf("--sms-url / SCIWEEK_SMS_URL: %q must be an http:// or https:// address", cfg.SMS.URL))
		}
		if cfg.SMS.Secret == "" {
			problems = append(problems, "SCIWEEK_SMS_SECRET: must be set when --sms-url / SCIWEEK_SMS_URL is")
		}
		if strings.TrimSpace(cfg.SMS.Header) == "" || strings.ContainsAny(cfg.SMS.Header, " :\r\n") {
			problems = append(problems, fmt.Sprintf("--sms-header / SCIWEEK_SMS_HEADER: %q must be an HTTP header name", cfg.SMS.Header))
		}
	}
	return problems
}

// checkS3 validates the object storage settings; they matter only when a
// bucket is named.
func checkS3(c *blob.S3Config, partSize string) []string {
	var problems []string
	mib, err := strconv.Atoi(partSize)
	if err != nil || mib < 5 || mib > 512 {
		problems = append(problems, fmt.Sprintf("--s3-part-size / SCIWEEK_S3_PART_SIZE: %q must be a whole number of MiB from 5 to 512", partSize))
	}
	c.PartSize = int64(mib) << 20
	if c.Bucket == "" {
		if c.Endpoint != "" || c.AccessKey != "" || c.SecretKey != "" {
			problems = append(problems, "--s3-bucket / SCIWEEK_S3_BUCKET: must be set when other SCIWEEK_S3_* settings are")
		}
		return problems
	}
	if u, err := url.Parse(c.Endpoint); c.Endpoint != "" && (err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "") {
		problems = append(problems, fmt.Sprintf("--s3-endpoint / SCIWEEK_S3_ENDPOINT: %q must be an http:// or https:// URL", c.Endpoint))
	}
	if (c.AccessKey == "") != (c.SecretKey == "") {
		problems = append(problems, "--s3-access-key / SCIWEEK_S3_ACCESS_KEY and --s3-secret-key / SCIWEEK_S3_SECRET_KEY: set both or neither")
	}
	if strings.TrimSpace(c.Region) == "" {
		problems = append(problems, "--s3-region / SCIWEEK_S3_REGION: must not be empty")
	}
	return problems
}

func newLogger(cfg *app.Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// open parses the shared configuration and the command's own flags (extra
// registers them and may return a check of their values), and opens the
// application only when everything is valid.
func open(ctx context.Context, name string, args []string, stderr io.Writer, extra func(*flag.FlagSet) func() error) (*app.App, *flag.FlagSet, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg, check := configFlags(fs)
	var extraCheck func() error
	if extra != nil {
		extraCheck = extra(fs)
	}
	if err := fs.Parse(args); err != nil {
		return nil, nil, err
	}
	if err := check(); err != nil {
		return nil, nil, err
	}
	if extraCheck != nil {
		if err := extraCheck(); err != nil {
			return nil, nil, err
		}
	}
	a, err := app.Open(ctx, *cfg, newLogger(cfg, stderr), nil)
	return a, fs, err
}

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	started := time.Now()
	var withDemo bool
	var backups backupFlags
	a, _, err := open(ctx, "serve", args, stderr, func(fs *flag.FlagSet) func() error {
		fs.BoolVar(&withDemo, "demo", false, "load the 2020 Quanzhou demo into an empty database")
		return backups.register(fs)
	})
	if err != nil {
		return err
	}
	defer a.Close()
	schedule := backups.schedule(a)
	if withDemo {
		loaded, err := demo.Load(ctx, a.Accounts, a.Campaigns, a.Filings, a.Clock.Now())
		if err != nil {
			return fmt.Errorf("load demo: %w", err)
		}
		if loaded {
			if err := demo.LoadReports(ctx, a.Accounts, a.Campaigns, *a.Reports); err != nil {
				return fmt.Errorf("load demo reports: %w", err)
			}
			if err := demo.LoadBookings(ctx, a.Booking); err != nil {
				return fmt.Errorf("load demo bookings: %w", err)
			}
			if err := demo.LoadNews(ctx, a.Accounts, a.Campaigns, a.News); err != nil {
				return fmt.Errorf("load demo news: %w", err)
			}
			a.Log.Info("demo data loaded")
		}
	}
	ln, err := net.Listen("tcp", a.Config.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", a.Config.Addr, err)
	}
	srv := &http.Server{
		Handler: a.Handler(),
		// A client gets 10 s for its headers (a slow-loris client is cut
		// off), the read timeout for its body and the write timeout for
		// the answer; handlers that stream large uploads or exports extend
		// their own deadlines.
		ReadHeaderTimeout: min(10*time.Second, a.Config.ReadTimeout),
		ReadTimeout:       a.Config.ReadTimeout,
		WriteTimeout:      a.Config.WriteTimeout,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn),
	}
	scheme := "http://"
	if a.Config.TLSCert != "" {
		scheme = "https://"
	}
	url := scheme + displayAddr(ln.Addr())
	errc := make(chan error, 2)
	if a.Config.MetricsAddr != "" {
		mln, err := net.Listen("tcp", a.Config.MetricsAddr)
		if err != nil {
			ln.Close()
			return fmt.Errorf("listen on %s for metrics: %w", a.Config.MetricsAddr, err)
		}
		msrv := &http.Server{Handler: a.Metrics.Handler(), ReadHeaderTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second}
		defer msrv.Close()
		go func() { errc <- msrv.Serve(mln) }()
		fmt.Fprintf(stdout, "metrics on http://%s/metrics\n", displayAddr(mln.Addr()))
	}
	fmt.Fprintf(stdout, "sciweek %s listening on %s (database: %s)\n", versionString(), url, a.DB.Dialect)
	if a.Config.SMTP.Host == "" {
		fmt.Fprintln(stdout, "E-mail is off: messages are recorded but not sent (set SCIWEEK_SMTP_HOST to send them)")
	} else {
		fmt.Fprintf(stdout, "E-mail goes through %s:%d (%s) from %s\n", a.Config.SMTP.Host, a.Config.SMTP.Port, a.Config.SMTP.Security, a.Config.SMTP.From)
	}
	if a.Config.SMS.URL == "" {
		fmt.Fprintln(stdout, "SMS is off: text messages are recorded but not sent (set SCIWEEK_SMS_URL to send them)")
	}
	if withDemo {
		fmt.Fprintf(stdout, "Demo accounts (password %q):\n", demo.Password)
		for _, acc := range demo.Accounts() {
			fmt.Fprintf(stdout, "  %-8s %s\n", acc[0], acc[1])
		}
	}
	a.Log.Info("ready", "addr", url, "startup", time.Since(started).Round(time.Millisecond))

	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	if schedule != nil {
		go schedule.Run(ctx)
		a.Log.Info("scheduled backups on", "dir", schedule.Dir, "every", schedule.Every, "keep", schedule.Keep)
	}
	go func() {
		if a.Config.TLSCert != "" {
			errc <- srv.ServeTLS(ln, a.Config.TLSCert, a.Config.TLSKey)
			return
		}
		errc <- srv.Serve(ln)
	}()
	jobsCtx, stopJobs := context.WithCancel(context.Background())
	jobsDone := make(chan struct{})
	go func() { a.RunJobs(jobsCtx); close(jobsDone) }()
	select {
	case err = <-errc:
	case <-ctx.Done():
		a.Log.Info("shutting down")
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		err = srv.Shutdown(shutdownCtx)
	}
	// Jobs in hand finish; queued ones wait for the next start.
	stopJobs()
	<-jobsDone
	return err
}

func displayAddr(addr net.Addr) string {
	host, port, _ := net.SplitHostPort(addr.String())
	if host == "" || host == "::" || host == "0.0.0.0" {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}

func migrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg, check := configFlags(fs)
	status := fs.Bool("status", false, "show applied and pending migrations only")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := check(); err != nil {
		return err
	}
	d, err := db.Open(ctx, db.Config{URL: cfg.DatabaseURL, DataDir: cfg.DataDir})
	if err != nil {
		return err
	}
	defer d.Close()
	if *status {
		st, err := d.Status(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "database: %s\nschema: %d (this sciweek knows up to %d)\napplied: %v\n", d.Dialect, st.Current(), st.Latest, st.Applied)
		if len(st.Unknown) > 0 {
			fmt.Fprintf(stdout, "newer than this sciweek: %v\n", st.Unknown)
		}
		if len(st.Pending) == 0 {
			fmt.Fprintln(stdout, "pending: none")
		}
		for _, m := range st.Pending {
			fmt.Fprintf(stdout, "pending: %s\n", m.Name)
		}
		return nil
	}
	n, err := d.Migrate(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "applied %d migration(s)\n", n)
	return nil
}

func orgAdd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var in account.OrgInput
	var kind string
	a, _, err := open(ctx, "org add", args, stderr, func(fs *flag.FlagSet) func() error {
		fs.StringVar(&in.Code, "code", "", "short unique code used in URLs and the API (required)")
		fs.StringVar(&in.Name, "name", "", "name, e.g. 泉州市科学技术局 (required)")
		fs.StringVar(&in.NameEn, "name-en", "", "English name")
		fs.StringVar(&in.ParentCode, "parent", "", "code of the organisation above (none for the top)")
		fs.StringVar(&kind, "kind", "bureau", "bureau or unit")
		return nil
	})
	if err != nil {
		return err
	}
	defer a.Close()
	in.Kind = account.Kind(kind)
	org, err := a.Accounts.CreateOrg(account.AsSystem(ctx), in)
	if err != nil {
		return describe(err)
	}
	fmt.Fprintf(stdout, "created organisation %s (%s)\n", org.Code, org.Name)
	return nil
}

func userAdd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var org, username, name, email, roles, password string
	a, _, err := open(ctx, "user add", args, stderr, func(fs *flag.FlagSet) func() error {
		fs.StringVar(&org, "org", "", "organisation code (required)")
		fs.StringVar(&username, "username", "", "login name (required)")
		fs.StringVar(&name, "name", "", "display name")
		fs.StringVar(&email, "email", "", "e-mail address")
		fs.StringVar(&roles, "roles", "filer", "comma-separated roles: admin, coordinator, filer, checkin")
		fs.StringVar(&password, "password", "", "password (default: a random one, printed)")
		return nil
	})
	if err != nil {
		return err
	}
	defer a.Close()
	var rs []account.Role
	for _, s := range strings.Split(roles, ",") {
		r, ok := account.ParseRole(strings.TrimSpace(s))
		if !ok {
			return fmt.Errorf("unknown role %q (use admin, coordinator, filer or checkin)", s)
		}
		rs = append(rs, r)
	}
	generated := password == ""
	if generated {
		password = account.RandomPassword()
	}
	sys := account.AsSystem(ctx)
	acc, err := a.Accounts.CreateAccount(sys, account.AccountInput{OrgCode: org, Username: username, DisplayName: name, Email: email, Password: password, Roles: rs})
	if err != nil {
		return describe(err)
	}
	fmt.Fprintf(stdout, "created account %s in %s with roles %s\n", acc.Username, org, roles)
	if generated {
		fmt.Fprintf(stdout, "password: %s\n", password)
	}
	return nil
}

func tokenAdd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var username, label string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		username, args = args[0], args[1:]
	}
	a, fs, err := open(ctx, "token add", args, stderr, func(fs *flag.FlagSet) func() error {
		fs.StringVar(&label, "name", "", "a label to recognise the token by")
		return nil
	})
	if err != nil {
		return err
	}
	defer a.Close()
	if username == "" && fs.NArg() > 0 {
		username = fs.Arg(0)
	}
	if username == "" {
		return errors.New("usage: sciweek token add USERNAME [--name LABEL]")
	}
	token, err := a.Accounts.CreateToken(account.AsSystem(ctx), username, label)
	if err != nil {
		return describe(err)
	}
	fmt.Fprintln(stdout, token)
	return nil
}
