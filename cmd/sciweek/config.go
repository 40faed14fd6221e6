package main

import (
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	netmail "net/mail"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/sciweek/sciweek/internal/app"
	"github.com/sciweek/sciweek/internal/platform/blob"
	"github.com/sciweek/sciweek/internal/platform/mail"
	"github.com/sciweek/sciweek/internal/program"
)

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

func (b *boolText) String() string { return string(*b) }

func (b *boolText) Set(s string) error { *b = boolText(s); return nil }

func (b *boolText) IsBoolFlag() bool { return true }

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
