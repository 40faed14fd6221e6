// Package web is sciweek's HTTP shell: middleware (request log, recovery,
// cross-origin protection, language, authentication), page rendering, and
// the one place where errors become HTTP statuses.
package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"time"

	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/i18n"
)

// Server wires the middleware around a mux.
type Server struct {
	Log      *slog.Logger
	Mux      *http.ServeMux
	Renderer *Renderer
	// Authenticate attaches the signed-in account to the request context,
	// from a session cookie or a bearer token; it returns ctx unchanged for
	// anonymous requests.
	Authenticate func(w http.ResponseWriter, r *http.Request) (context.Context, error)
	// Nav describes the signed-in user and their menu for the layout.
	Nav func(ctx context.Context, l i18n.Localizer, path string) (*NavUser, []NavLink)
	// Banner, when set, returns a notice every page shows at its top (the
	// week moved online), or nil.
	Banner func(ctx context.Context, l i18n.Localizer) *Banner
	// TrustProxy takes the client address from X-Forwarded-For.
	TrustProxy bool
	// SecureCookies marks cookies Secure (behind HTTPS).
	SecureCookies bool
	// Metrics, when set, counts and times every request.
	Metrics *Metrics
	// Uploads are the route patterns that take files: their handlers read
	// the multipart body themselves, with limits of their own. Any other
	// multipart body is held to MaxFormBytes.
	Uploads map[string]bool
}

type ctxKey int

const infoKey ctxKey = iota

// requestInfo is what the middleware learns about a request.
type requestInfo struct {
	id       string
	lang     string
	clientIP string
	flash    string
	user     *NavUser
	nav      []NavLink
	banner   *Banner
	secure   bool
	pattern  string // the route pattern that matched
}

func info(ctx context.Context) *requestInfo {
	if ri, ok := ctx.Value(infoKey).(*requestInfo); ok {
		return ri
	}
	return &requestInfo{lang: i18n.Chinese}
}

// RequestID returns the id given to the request, shown on error pages.
func RequestID(ctx context.Context) string { return info(ctx).id }

// Lang returns the language chosen for the request.
func Lang(ctx context.Context) string { return info(ctx).lang }

// L returns the localizer of the request's language.
func L(ctx context.Context) i18n.Localizer { return i18n.For(info(ctx).lang) }

// ClientIP returns the client's address.
func ClientIP(ctx context.Context) string { return info(ctx).clientIP }

// PageFor builds the layout data for a page with a title key.
func PageFor(r *http.Request, titleKey string, args ...any) Page {
	ri := info(r.Context())
	l := i18n.For(ri.lang)
	p := Page{Localizer: l, Path: r.URL.Path, Query: r.URL.RawQuery, RequestID: ri.id, User: ri.user, Nav: ri.nav, Banner: ri.banner}
	if titleKey != "" {
		p.Title = l.T(titleKey, args...)
	}
	if ri.flash != "" {
		p.Flash = l.T(ri.flash)
	}
	return p
}

// Handler returns the server with all middleware applied.
func (s *Server) Handler() http.Handler {
	csrf := http.NewCrossOriginProtection()
	csrf.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.Error(w, r, errs.New(errs.Forbidden, "error.cross_origin"))
	}))
	var h http.Handler = notePattern(s.Mux)
	h = s.authenticate(h)
	h = s.guardBody(h)
	h = csrf.Handler(h)
	h = s.language(h)
	h = s.securityHeaders(h)
	h = s.logAndRecover(h)
	return h
}

type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func newRequestID() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func (s *Server) logAndRecover(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ri := &requestInfo{id: newRequestID(), lang: i18n.Chinese, clientIP: s.clientIP(r), secure: s.SecureCookies}
		r = r.WithContext(context.WithValue(r.Context(), infoKey, ri))
		sw := &statusWriter{ResponseWriter: w}
		sw.Header().Set("X-Request-Id", ri.id)
		if s.Metrics != nil {
			s.Metrics.inflight.Inc()
			defer s.Metrics.inflight.Dec()
		}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.Log.Error("panic", "request_id", ri.id, "panic", p, "stack", string(debug.Stack()))
				if s.Metrics != nil {
					s.Metrics.panics.Inc()
				}
				if sw.status == 0 {
					s.Error(sw, r, errs.New(errs.Internal, "error.internal"))
				}
			}
			took := time.Since(start)
			s.Metrics.observe(ri.pattern, r.Method, sw.status, took)
			level := slog.LevelInfo
			if sw.status >= 500 {
				level = slog.LevelError
			}
			// The line's path is redacted and its attributes made only when
			// it is written: a server logging warnings and errors only does
			// neither for every request.
			if !s.Log.Enabled(r.Context(), level) {
				return
			}
			s.Log.LogAttrs(r.Context(), level, "request",
				slog.String("request_id", ri.id),
				slog.String("method", r.Method),
				slog.String("path", RedactedURI(r.URL)),
				slog.String("route", ri.pattern),
				slog.Int("status", sw.status),
				slog.Int("bytes", sw.bytes),
				slog.Duration("duration", took),
				slog.String("ip", ri.clientIP),
			)
		}()
		next.ServeHTTP(sw, r)
	})
}

func (s *Server) clientIP(r *http.Request) string {
	if s.TrustProxy {
		if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
			first, _, _ := strings.Cut(xff, ",")
			return strings.TrimSpace(first)
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func (s *Server) securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		if r.TLS != nil || (s.TrustProxy && r.Header.Get("X-Forwarded-Proto") == "https") {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		// Forms and JSON are small; uploads are multipart and each handler
		// that takes them sets its own limit.
		if r.Body != nil && !strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
			r.Body = http.MaxBytesReader(w, r.Body, MaxFormBytes)
		}
		for k, v := range securityHeaderValues {
			h[k] = v
		}
		next.ServeHTTP(w, r)
	})
}

// securityHeaderValues go on every answer. They are made once: a handler
// that changes one sets a new slice (Header.Set), and Header.Add appends to
// a full slice, so none of them is ever written through.
var securityHeaderValues = http.Header{
	"X-Content-Type-Options":  {"nosniff"},
	"Referrer-Policy":         {"strict-origin-when-cross-origin"},
	"X-Frame-Options":         {"DENY"},
	"Content-Security-Policy": {"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"},
}

// MaxFormBytes bounds a request body that is not a multipart upload.
const MaxFormBytes = 2 << 20

// LangCookie remembers the chosen language.
const LangCookie = "lang"

const flashCookie = "flash"

func (s *Server) language(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ri := info(r.Context())
		if c, err := r.Cookie(LangCookie); err == nil && i18n.Normalize(c.Value) != "" {
			ri.lang = i18n.Normalize(c.Value)
		} else {
			ri.lang = i18n.FromAcceptLanguage(r.Header.Get("Accept-Language"))
		}
		if c, err := r.Cookie(flashCookie); err == nil && r.Method == http.MethodGet && !IsAPI(r) {
			if i18n.Has(i18n.Chinese, c.Value) {
				ri.flash = c.Value
			}
			http.SetCookie(w, &http.Cookie{Name: flashCookie, Path: "/", MaxAge: -1})
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch p := r.URL.Path; {
		case strings.HasPrefix(p, "/static/"), p == "/healthz", p == "/readyz", p == "/metrics":
			// No account here; /metrics checks its own token.
			next.ServeHTTP(w, r)
			return
		}
		if s.Authenticate != nil {
			ctx, err := s.Authenticate(w, r)
			if err != nil {
				s.Error(w, r, err)
				return
			}
			r = r.WithContext(ctx)
		}
		if s.Nav != nil {
			ri := info(r.Context())
			ri.user, ri.nav = s.Nav(r.Context(), i18n.For(ri.lang), r.URL.Path)
		}
		if s.Banner != nil && !IsAPI(r) {
			ri := info(r.Context())
			ri.banner = s.Banner(r.Context(), i18n.For(ri.lang))
		}
		next.ServeHTTP(w, r)
	})
}

// SetFlash shows a message (a catalogue key) on the next page.
func SetFlash(w http.ResponseWriter, key string) {
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: key, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode, MaxAge: 60})
}

// SecureCookies reports whether cookies must be marked Secure.
func SecureCookies(ctx context.Context) bool { return info(ctx).secure }

// IsAPI reports whether the request wants JSON answers.
func IsAPI(r *http.Request) bool {
	return strings.HasPrefix(r.URL.Path, "/api/") ||
		strings.Contains(r.Header.Get("Accept"), "application/json") && !strings.Contains(r.Header.Get("Accept"), "text/html")
}

// SafeNext returns next when it is a local path, and fallback otherwise, so
// a login link cannot send the user to another site.
func SafeNext(next, fallback string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return fallback
	}
	if u, err := url.Parse(next); err != nil || u.Host != "" || u.Scheme != "" {
		return fallback
	}
	return next
}

// Redirect sends the browser to a local path after a form post.
func Redirect(w http.ResponseWriter, r *http.Request, path string) {
	http.Redirect(w, r, path, http.StatusSeeOther)
}

// AllowSlow lifts the server's read and write timeouts for this request by
// d, for routes that take or send large files over slow phone networks.
func AllowSlow(w http.ResponseWriter, d time.Duration) {
	rc := http.NewResponseController(w)
	deadline := time.Now().Add(d)
	_ = rc.SetReadDeadline(deadline) // not every writer supports deadlines (tests)
	_ = rc.SetWriteDeadline(deadline)
}

// BaseURL is where the site is reached, for absolute links (feeds, Open
// Graph, QR codes): configured when set, so a forged Host header can never
// put another site's address into a cached page. When none is configured,
// the request's host is used only when it names the address the request
// came in on (the listening address, or localhost on its port); any other
// host gets that listening address instead.
func BaseURL(r *http.Request, configured string) string {
	if configured != "" {
		return strings.TrimRight(configured, "/")
	}
	scheme := "http"
	if r.TLS != nil || SecureCookies(r.Context()) {
		scheme = "https"
	}
	return scheme + "://" + localHost(r)
}

// localHost is the request's Host when it names the server's own address,
// and that address otherwise.
func localHost(r *http.Request) string {
	local, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
	if !ok {
		return "localhost"
	}
	addr := local.String()
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	switch strings.ToLower(r.Host) {
	case strings.ToLower(addr), "localhost:" + port:
		return r.Host
	}
	if host == "::" || host == "0.0.0.0" {
		return "localhost:" + port
	}
	return addr
}
