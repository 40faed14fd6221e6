package web

import (
	"net/http"
	"sync"
	"time"

	"github.com/sciweek/sciweek/internal/errs"
)

// Limiter allows each key (a client address, an account) a number of
// events per window; it keeps its counts in memory.
type Limiter struct {
	mu     sync.Mutex
	max    int
	window time.Duration
	now    func() time.Time
	hits   map[string]*window
	swept  time.Time
}

type window struct {
	start time.Time
	n     int
}

// NewLimiter allows max events per window for each key.
func NewLimiter(max int, per time.Duration) *Limiter {
	return &Limiter{max: max, window: per, now: time.Now, hits: map[string]*window{}}
}

// Allow counts an event for key and returns a RateLimited error, with the
// time to wait, when the key has used up its window.
func (l *Limiter) Allow(key string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if now.Sub(l.swept) > l.window {
		for k, w := range l.hits {
			if now.Sub(w.start) >= l.window {
				delete(l.hits, k)
			}
		}
		l.swept = now
	}
	w, ok := l.hits[key]
	if !ok || now.Sub(w.start) >= l.window {
		w = &window{start: now}
		l.hits[key] = w
	}
	w.n++
	if w.n > l.max {
		e := errs.New(errs.RateLimited, "error.rate_limited")
		e.RetryAfter = w.start.Add(l.window).Sub(now)
		return e
	}
	return nil
}

// Limited answers 429 to a client address past l's rate before fn runs; a
// nil l lets every request through.
func (s *Server) Limited(l *Limiter, fn http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if l != nil {
			if err := l.Allow(ClientIP(r.Context())); err != nil {
				s.Error(w, r, err)
				return
			}
		}
		fn(w, r)
	}
}
