// Command sciweek runs the Science and Technology Activity Week platform:
// the web server and its maintenance subcommands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"
	_ "time/tzdata" // deadlines are read in Asia/Shanghai on any machine

	"github.com/sciweek/sciweek/internal/app"
	"github.com/sciweek/sciweek/internal/demo"
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
  sciweek bench seed --activities N --units M [--short-grams]
                                                          fill an empty database with a national data set
                                                          for capacity planning (docs/deploy.md)
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
  --metrics-addr  SCIWEEK_METRICS_ADDR   serve Prometheus /metrics, and Go's profiles under /debug/pprof/,
                                         on this address (e.g. 127.0.0.1:9090; keep it private)
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
	case "bench":
		if len(args) < 2 || args[1] != "seed" {
			return errors.New("usage: sciweek bench seed [--data DIR | --database-url URL] --activities N --units M")
		}
		return benchSeed(ctx, args[2:], stdout, stderr)
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
		msrv := &http.Server{Handler: operatorHandler(a.Metrics.Handler()), ReadHeaderTimeout: 10 * time.Second, WriteTimeout: 2 * time.Minute}
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
			fmt.Fprintf(stdout, "  %-13s %s\n", acc[0], acc[1])
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

// operatorHandler serves the metrics address: Go's runtime profiles under
// /debug/pprof/ (CPU, heap, goroutines), for the engineer who runs the
// server to see where its time and memory go, and the metrics on every
// other path. The main address never serves the profiles.
func operatorHandler(metrics http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	mux.Handle("/", metrics)
	return mux
}
