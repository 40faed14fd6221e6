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
	"github.com/sciweek/sciweek/internal/booking"
	"github.com/sciweek/sciweek/internal/demo"
	"github.com/sciweek/sciweek/internal/platform/db"
	"github.com/sciweek/sciweek/internal/program"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = ""

const usage = `sciweek — Science and Technology Activity Week platform

Usage:
  sciweek serve [--demo] [--addr :8080] [--data ./data]   run the web server
  sciweek migrate [--status]                              apply (or show) database migrations
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
  --secure-cookies SCIWEEK_SECURE_COOKIES mark cookies Secure, behind HTTPS (default false)
  --log-format    SCIWEEK_LOG_FORMAT     text or json (default text)
  --log-level     SCIWEEK_LOG_LEVEL      debug, info, warn or error (default info)
  --map-url       SCIWEEK_MAP_URL        where addresses open: amap, baidu, osm or a URL with {address} (default amap)
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
	case "user":
		if len(args) < 2 || args[1] != "add" {
			return errors.New("usage: sciweek user add --org CODE --username NAME [--roles ROLES] [--password PW]")
		}
		return userAdd(ctx, args[2:], stdout, stderr)
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
	trust := fs.String("trust-proxy", env("SCIWEEK_TRUST_PROXY", "false"), "trust X-Forwarded-For")
	secure := fs.String("secure-cookies", env("SCIWEEK_SECURE_COOKIES", "false"), "Secure cookies")
	fs.StringVar(&cfg.LogFormat, "log-format", env("SCIWEEK_LOG_FORMAT", "text"), "text or json")
	level := fs.String("log-level", env("SCIWEEK_LOG_LEVEL", "info"), "log level")
	fs.StringVar(&cfg.MapURL, "map-url", env("SCIWEEK_MAP_URL", "amap"), "map link: amap, baidu, osm or a URL with {address}")
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
		for _, b := range []struct {
			name string
			v    *string
			dst  *bool
		}{{"--trust-proxy / SCIWEEK_TRUST_PROXY", trust, &cfg.TrustProxy}, {"--secure-cookies / SCIWEEK_SECURE_COOKIES", secure, &cfg.SecureCookies}} {
			v, err := strconv.ParseBool(*b.v)
			if err != nil {
				problems = append(problems, fmt.Sprintf("%s: %q must be true or false", b.name, *b.v))
			}
			*b.dst = v
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
		if len(problems) > 0 {
			return errors.New("bad configuration:\n  " + strings.Join(problems, "\n  "))
		}
		return nil
	}
	return cfg, check
}

func newLogger(cfg *app.Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func open(ctx context.Context, name string, args []string, stderr io.Writer, extra func(*flag.FlagSet)) (*app.App, *flag.FlagSet, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg, check := configFlags(fs)
	if extra != nil {
		extra(fs)
	}
	if err := fs.Parse(args); err != nil {
		return nil, nil, err
	}
	if err := check(); err != nil {
		return nil, nil, err
	}
	a, err := app.Open(ctx, *cfg, newLogger(cfg, stderr), nil)
	return a, fs, err
}

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	started := time.Now()
	var withDemo bool
	a, _, err := open(ctx, "serve", args, stderr, func(fs *flag.FlagSet) {
		fs.BoolVar(&withDemo, "demo", false, "load the 2020 Quanzhou demo into an empty database")
	})
	if err != nil {
		return err
	}
	defer a.Close()
	if withDemo {
		loaded, err := demo.Load(ctx, a.Accounts, a.Campaigns, a.Filings, a.Clock.Now())
		if err != nil {
			return fmt.Errorf("load demo: %w", err)
		}
		if loaded {
			if err := booking.LoadDemo(ctx, a.Booking); err != nil {
				return fmt.Errorf("load demo bookings: %w", err)
			}
			a.Log.Info("demo data loaded")
		}
	}
	ln, err := net.Listen("tcp", a.Config.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", a.Config.Addr, err)
	}
	srv := &http.Server{
		Handler:           a.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn),
	}
	url := "http://" + displayAddr(ln.Addr())
	fmt.Fprintf(stdout, "sciweek %s listening on %s (database: %s)\n", versionString(), url, a.DB.Dialect)
	if withDemo {
		fmt.Fprintf(stdout, "Demo accounts (password %q):\n", demo.Password)
		for _, acc := range demo.Accounts() {
			fmt.Fprintf(stdout, "  %-8s %s\n", acc[0], acc[1])
		}
	}
	a.Log.Info("ready", "addr", url, "startup", time.Since(started).Round(time.Millisecond))

	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	a.Log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	return srv.Shutdown(shutdownCtx)
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
		fmt.Fprintf(stdout, "database: %s\napplied: %v\n", d.Dialect, st.Applied)
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

func userAdd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var org, username, name, email, roles, password string
	a, _, err := open(ctx, "user add", args, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&org, "org", "", "organisation code (required)")
		fs.StringVar(&username, "username", "", "login name (required)")
		fs.StringVar(&name, "name", "", "display name")
		fs.StringVar(&email, "email", "", "e-mail address")
		fs.StringVar(&roles, "roles", "filer", "comma-separated roles: admin, coordinator, filer, checkin")
		fs.StringVar(&password, "password", "", "password (default: a random one, printed)")
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
	a, fs, err := open(ctx, "token add", args, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&label, "name", "", "a label to recognise the token by")
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
