package sharecard

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"net/http"
	"strings"
	"sync"
)

// version changes when the drawing changes, so cached pictures are redrawn.
const version = "1"

// cacheSize bounds how many drawn pictures are kept in memory.
const cacheSize = 256

// Cache keeps drawn pictures by what they show, so a card is drawn once
// until its title or dates change.
type Cache struct {
	mu    sync.Mutex
	items map[string][]byte
}

// NewCache returns an empty cache.
func NewCache() *Cache { return &Cache{items: map[string][]byte{}} }

// Version is a short hash of what the card of this kind shows; share links
// carry it, so apps that keep pictures by URL fetch a new one when the
// title or dates change.
func (c Card) Version(kind string) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00%s\x00%s\x00%s", version, kind, c.Kicker, c.Title, strings.Join(c.Lines, "\x01"), c.Footer)
	return hex.EncodeToString(h.Sum(nil)[:6])
}

// Tag is the entity tag of the card of this kind in this shape.
func Tag(kind string, s Shape, c Card) string {
	return fmt.Sprintf(`"%s-%dx%d"`, c.Version(kind), s.W, s.H)
}

// Serve answers with the PNG under tag, drawing it with paint only when
// neither the client nor the cache holds it. Pictures change only when
// their texts do; they are public unless the caller set Cache-Control.
func (c *Cache) Serve(w http.ResponseWriter, r *http.Request, tag string, paint func() (image.Image, error)) error {
	w.Header().Set("ETag", tag)
	if w.Header().Get("Cache-Control") == "" {
		w.Header().Set("Cache-Control", "public, max-age=600")
	}
	if match := r.Header.Get("If-None-Match"); match != "" && strings.Contains(match, tag) {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	c.mu.Lock()
	b, ok := c.items[tag]
	c.mu.Unlock()
	if !ok {
		img, err := paint()
		if err != nil {
			return err
		}
		if b, err = PNG(img); err != nil {
			return err
		}
		c.mu.Lock()
		if len(c.items) >= cacheSize {
			clear(c.items) // cards are cheap to redraw; a simple bound is enough
		}
		c.items[tag] = b
		c.mu.Unlock()
	}
	w.Header().Set("Content-Type", "image/png")
	_, err := w.Write(b)
	return err
}

// ShapeOf reads the shape a request asks for: ?shape=square, or wide.
func ShapeOf(r *http.Request) Shape {
	if r.URL.Query().Get("shape") == "square" {
		return Square
	}
	return Wide
}

// ServeCard answers with the share card in the shape the request asks
// for; kind tells apart cards of different things with the same texts.
func (c *Cache) ServeCard(w http.ResponseWriter, r *http.Request, kind string, card Card) error {
	shape := ShapeOf(r)
	return c.Serve(w, r, Tag(kind, shape, card), func() (image.Image, error) { return Draw(card, shape) })
}
