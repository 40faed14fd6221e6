package program

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/web"
)

// Cache keeps the rendered public answers — pages, API, feeds — for the
// public (no account), each with its ETag and, once a client asked for it,
// its gzip form, until the program changes or TTL passes (campaign edits
// reach the pages within TTL).
type Cache struct {
	TTL time.Duration
	Max int
	// MaxBytes bounds the bytes of the answers held, their compressed
	// forms included: a rush of new searches, each a page of its own,
	// would otherwise hold Max whole pages.
	MaxBytes int

	mu      sync.Mutex
	entries map[string]*cached
	used    int
	gen     uint64
}

// cacheBytes is a new cache's MaxBytes.
const cacheBytes = 64 << 20

type cached struct {
	key    string
	status int
	header http.Header
	body   []byte
	etag   string
	at     time.Time
	// compressible answers are sent compressed to a client that takes
	// gzip: gz is made by the first such request (zipOnce), since most
	// answers to new filters are asked for once, by one client; gzSize is
	// its length once counted in the cache's bytes.
	compressible bool
	zipOnce      sync.Once
	gz           []byte
	gzSize       int

	// The values of its ETag and Content-Length headers, made once.
	etagValue, length, gzLength []string
}

// NewCache makes a cache of at most max answers and 64 MiB, each kept for
// ttl.
func NewCache(max int, ttl time.Duration) *Cache {
	return &Cache{TTL: ttl, Max: max, MaxBytes: cacheBytes, entries: map[string]*cached{}}
}

// Clear forgets every answer.
func (c *Cache) Clear() {
	c.mu.Lock()
	c.entries, c.used = map[string]*cached{}, 0
	c.gen++
	c.mu.Unlock()
}

func (c *Cache) get(key string) *cached {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.entries[key]
	if e == nil || time.Since(e.at) > c.TTL {
		return nil
	}
	return e
}

func (c *Cache) put(key string, gen uint64, e *cached) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return // the program changed while this answer was made
	}
	if len(c.entries) >= c.Max || c.MaxBytes > 0 && c.used+e.size() > c.MaxBytes {
		c.entries, c.used = map[string]*cached{}, 0
	}
	if old := c.entries[key]; old != nil {
		c.used -= old.size()
	}
	e.key = key
	c.entries[key], c.used = e, c.used+e.size()
}

// zipped counts the gzip form e has just been given in the bytes held, if
// e is still held.
func (c *Cache) zipped(e *cached, n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e.key != "" && c.entries[e.key] == e {
		e.gzSize = n
		c.used += n
	}
}

// recorder holds a handler's answer so it can be compressed and cached.
type recorder struct {
	header http.Header
	status int
	body   *bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}
func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(b)
}

// Wrap serves h's answers compressed, with an ETag that If-None-Match is
// checked against, and from memory for the public; h runs only when the
// answer is not in memory.
func (c *Cache) Wrap(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		public := account.FromContext(r.Context()) == nil && r.Header.Get("Authorization") == ""
		if _, err := r.Cookie("flash"); err == nil {
			public = false // the page carries a message for this person only
		}
		// Absolute links in an answer follow the site's address; without a
		// configured one, that is the listening address the request came
		// in on, never a Host header a client made up.
		key := web.Lang(r.Context()) + " " + web.BaseURL(r, "") + " " + r.URL.RequestURI()
		var e *cached
		if public {
			e = c.get(key)
		}
		if e == nil {
			c.mu.Lock()
			gen := c.gen
			c.mu.Unlock()
			rec := &recorder{header: http.Header{}, body: web.Buffer()}
			inner := r.Clone(r.Context())
			inner.Header.Del("If-None-Match")
			h(rec, inner)
			e = finish(rec)
			web.PutBuffer(rec.body)
			if public && e.status == http.StatusOK {
				c.put(key, gen, e)
			}
		}
		e.serve(c, w, r, public)
	}
}

// gzipWriters are reused: each holds about a megabyte of tables.
var gzipWriters = sync.Pool{New: func() any {
	zw, _ := gzip.NewWriterLevel(io.Discard, gzip.BestSpeed)
	return zw
}}

// size is the bytes e holds, under the cache's lock.
func (e *cached) size() int { return len(e.body) + e.gzSize }

func finish(rec *recorder) *cached {
	// The recorder's buffer grew by doubling: the answer is kept in a
	// copy of its own size.
	e := &cached{status: rec.status, header: rec.header, body: bytes.Clone(rec.body.Bytes()), at: time.Now()}
	if e.status == 0 {
		e.status = http.StatusOK
	}
	sum := sha256.Sum256(e.body)
	e.etag = `"` + hex.EncodeToString(sum[:12]) + `"`
	e.compressible = len(e.body) > 512 && e.header.Get("Content-Encoding") == ""
	e.etagValue = []string{e.etag}
	e.length = []string{strconv.Itoa(len(e.body))}
	return e
}

// zip is e's gzip form, made by the first request that takes it; c is told
// its size.
func (e *cached) zip(c *Cache) []byte {
	e.zipOnce.Do(func() {
		b := web.Buffer()
		zw := gzipWriters.Get().(*gzip.Writer)
		zw.Reset(b)
		zw.Write(e.body)
		zw.Close()
		gzipWriters.Put(zw)
		e.gz = bytes.Clone(b.Bytes())
		web.PutBuffer(b)
		e.gzLength = []string{strconv.Itoa(len(e.gz))}
		c.zipped(e, len(e.gz))
	})
	return e.gz
}

// The header values every cached answer shares, made once.
var (
	varyValue    = []string{"Accept-Encoding, Accept-Language, Cookie, Authorization"}
	publicValue  = []string{"public, no-cache"}
	privateValue = []string{"private, no-cache"}
	gzipValue    = []string{"gzip"}
)

func (e *cached) serve(c *Cache, w http.ResponseWriter, r *http.Request, public bool) {
	h := w.Header()
	for k, v := range e.header {
		h[k] = v
	}
	h["Vary"] = varyValue
	if e.status != http.StatusOK {
		e.write(c, w, r)
		return
	}
	h["Etag"] = e.etagValue
	if public {
		h["Cache-Control"] = publicValue
	} else {
		h["Cache-Control"] = privateValue
	}
	if match(r.Header.Get("If-None-Match"), e.etag) {
		h.Del("Content-Length")
		w.WriteHeader(http.StatusNotModified)
		return
	}
	e.write(c, w, r)
}

func (e *cached) write(c *Cache, w http.ResponseWriter, r *http.Request) {
	body, length := e.body, e.length
	if e.compressible && strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
		w.Header()["Content-Encoding"] = gzipValue
		body, length = e.zip(c), e.gzLength
	}
	// With its length known the answer goes out in one piece, not in
	// chunks of the server's buffer.
	w.Header()["Content-Length"] = length
	w.WriteHeader(e.status)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

func match(header, etag string) bool {
	for _, v := range strings.Split(header, ",") {
		v = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), "W/"))
		if v == etag || v == "*" {
			return true
		}
	}
	return false
}
