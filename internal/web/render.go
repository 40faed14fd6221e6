package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/sciweek/sciweek/internal/i18n"
	"github.com/sciweek/sciweek/internal/platform/clock"
)

//go:embed templates/*.html
var layoutFS embed.FS

//go:embed static
var staticFS embed.FS

// Renderer holds every page template, each parsed together with the layout.
type Renderer struct {
	layout *template.Template
	pages  map[string]*template.Template
	log    *slog.Logger
}

// NewRenderer parses the layout and the shared pages.
func NewRenderer(log *slog.Logger) (*Renderer, error) {
	layout, err := template.New("layout").Funcs(funcs).ParseFS(layoutFS, "templates/layout.html", "templates/_*.html")
	if err != nil {
		return nil, err
	}
	r := &Renderer{layout: layout, pages: map[string]*template.Template{}, log: log}
	if err := r.Add("web", layoutFS); err != nil {
		return nil, err
	}
	return r, nil
}

// Add parses the pages in templates/ of fsys; each is then known as
// prefix/name.html. Files whose names start with _ are partials shared by
// every page of the prefix.
func (r *Renderer) Add(prefix string, fsys fs.FS) error {
	files, err := fs.Glob(fsys, "templates/*.html")
	if err != nil {
		return err
	}
	var partials []string
	for _, f := range files {
		if strings.HasPrefix(path.Base(f), "_") && prefix != "web" {
			partials = append(partials, f)
		}
	}
	for _, f := range files {
		base := path.Base(f)
		if strings.HasPrefix(base, "_") || (prefix == "web" && base == "layout.html") {
			continue
		}
		t, err := r.layout.Clone()
		if err != nil {
			return err
		}
		if _, err := t.ParseFS(fsys, append([]string{f}, partials...)...); err != nil {
			return fmt.Errorf("template %s/%s: %w", prefix, base, err)
		}
		r.pages[prefix+"/"+base] = t
	}
	return nil
}

// buffers hold answers while they are made: a new buffer grows to a
// page's size by doubling, and clearing each larger copy cost a tenth of
// the CPU of a public list page.
var buffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxBuffer bounds the buffers kept: an export's megabytes are not.
const maxBuffer = 1 << 20

// Buffer is an empty buffer for an answer being made, one that has served
// an earlier answer when there is one; PutBuffer gives it back.
func Buffer() *bytes.Buffer { return buffers.Get().(*bytes.Buffer) }

// PutBuffer gives b back for a later answer; the caller must no longer
// use b or what its Bytes returned.
func PutBuffer(b *bytes.Buffer) {
	if b.Cap() <= maxBuffer {
		b.Reset()
		buffers.Put(b)
	}
}

// Render writes the page name with data; data should embed Page.
func (r *Renderer) Render(w http.ResponseWriter, req *http.Request, status int, name string, data any) {
	t, ok := r.pages[name]
	if !ok {
		r.log.Error("unknown template", "name", name)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	buf := Buffer()
	defer PutBuffer(buf)
	if err := t.ExecuteTemplate(buf, "layout", data); err != nil {
		r.log.Error("render template", "name", name, "err", err, "request_id", RequestID(req.Context()))
		http.Error(w, "internal error "+RequestID(req.Context()), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// Names lists the registered page names.
func (r *Renderer) Names() []string {
	var ns []string
	for n := range r.pages {
		ns = append(ns, n)
	}
	return ns
}

var funcs = template.FuncMap{
	"static": staticURL,
	"dict": func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[fmt.Sprint(kv[i])] = kv[i+1]
		}
		return m
	},
	"contains": func(list []string, s string) bool {
		for _, v := range list {
			if v == s {
				return true
			}
		}
		return false
	},
	"list": func(v ...int) []int { return v },
	// inputFormat is the example shown beside a date or time input, in
	// the order the site writes them, whatever the phone's own layout:
	// the date given (a filing item gives its campaign's first day), or
	// today's, so the example is never of a year long gone.
	"inputFormat": func(typ string, example ...time.Time) string {
		day := time.Now().In(clock.Zone)
		if len(example) > 0 && !example[0].IsZero() {
			day = example[0]
		}
		switch typ {
		case "date":
			return day.Format("2006-01-02")
		case "time":
			return "09:30"
		case "datetime-local":
			return day.Format("2006-01-02") + " 09:30"
		}
		return ""
	},
	"add": func(a, b int) int { return a + b },
	"kb":  func(n int64) int64 { return (n + 1023) / 1024 },
	"isodate": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.Format("2006-01-02")
	},
	"isotime": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.Format(time.RFC3339)
	},
}

var staticHashes = map[string]string{}

func init() {
	fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := staticFS.ReadFile(p)
		sum := sha256.Sum256(b)
		staticHashes[strings.TrimPrefix(p, "static/")] = hex.EncodeToString(sum[:4])
		return nil
	})
}

// staticURL returns the URL of an embedded asset with a content hash, so it
// can be cached for long.
func staticURL(name string) string {
	return "/static/" + name + "?v=" + staticHashes[name]
}

// StaticURL is the hashed URL of an embedded asset, for code that names
// assets outside a template.
func StaticURL(name string) string { return staticURL(name) }

// StaticHandler serves the embedded assets.
func StaticHandler() http.Handler {
	sub, _ := fs.Sub(staticFS, "static")
	files := http.FileServerFS(sub)
	return http.StripPrefix("/static/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("v") != "" {
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			w.Header().Set("Cache-Control", "public, max-age=300")
		}
		files.ServeHTTP(w, r)
	}))
}

// Page is what the layout needs; every page's data embeds it.
type Page struct {
	i18n.Localizer
	Title     string
	Path      string
	Query     string
	RequestID string
	User      *NavUser
	Nav       []NavLink
	Flash     string
	// Wide pages (tables) use the full width on a desktop.
	Wide bool
	// Banner is a notice shown at the top of every page.
	Banner *Banner
	// Share, on public pages, is what a shared link shows.
	Share *Share
	// Manifest is the web manifest a page installs as; empty, the site's.
	Manifest string
}

// Banner is a notice for everyone, with a link to read more.
type Banner struct {
	Text string
	Href string
	Link string
}

// NavUser is the signed-in person as the layout shows them.
type NavUser struct {
	Name    string
	OrgName string
}

// NavLink is one entry of the main menu.
type NavLink struct {
	Href    string
	Label   string
	Current bool
	// Badge, when above zero, is shown beside the label (unread
	// notifications), with BadgeLabel read out by screen readers.
	Badge      int
	BadgeLabel string
}

// T translates a catalogue key in the page's language.
func (p Page) T(key string, args ...any) string { return p.Localizer.T(key, args...) }

// OtherLang is the language the switcher offers.
func (p Page) OtherLang() string {
	if p.Lang == i18n.English {
		return i18n.Chinese
	}
	return i18n.English
}

// Here is the current path and query, for "come back here" links.
func (p Page) Here() string {
	if p.Query != "" {
		return p.Path + "?" + p.Query
	}
	return p.Path
}
