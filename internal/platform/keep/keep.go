// Package keep holds values counted from the database under a key that
// names everything they were counted from, so that a value asked for
// again before any of that changed is not counted again. The key is read
// from the database on each request, so a write by another server
// changes it as well as this one's.
package keep

import "sync"

// Most is how many values a Map holds; past it, it starts again empty. A
// value can be large (the statistics of a national campaign hold its
// 100,000 organisations, by id and by code), so they are few.
const Most = 8

// Map is a set of kept values by key. Its zero value is ready to use;
// whoever gets a value must not change it.
type Map[V any] struct {
	mu sync.Mutex
	by map[string]V
}

// Get returns the value kept under key.
func (m *Map[V]) Get(key string) (V, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.by[key]
	return v, ok
}

// Put keeps v under key.
func (m *Map[V]) Put(key string, v V) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.by == nil || len(m.by) >= Most {
		m.by = map[string]V{}
	}
	m.by[key] = v
}
