package booking

import (
	"sync"
	"time"
)

// heldSlots keeps, per slot, what Book checks before it queues a booking:
// the slot's times and capacity and its activity's rules. A rush on one
// slot then reads nothing from the database per booking before its
// batch; the places taken are still counted in the batch's transaction.
// Every change to slots, rules or venues (changed) forgets them all, and
// the other servers sharing the database forget theirs when they hear
// the program's change notice (Forget). A slot is held no longer than
// heldFor even so, in case a notice was lost.
type heldSlots struct {
	mu sync.RWMutex
	// gen counts the forgettings, so a read that began before one is not
	// kept after it.
	gen   uint64
	slots map[int64]heldSlot
}

// heldFor bounds how long a slot is held without a change notice.
const heldFor = time.Minute

type heldSlot struct {
	sl Slot
	r  Rules
	at time.Time
}

// get returns the held slot and the generation to store a fresh read at.
func (h *heldSlots) get(id int64) (heldSlot, bool, uint64) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	held, ok := h.slots[id]
	return held, ok && time.Since(held.at) < heldFor, h.gen
}

// put keeps a slot read at generation gen, unless it was forgotten since.
func (h *heldSlots) put(id int64, held heldSlot, gen uint64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if gen != h.gen {
		return
	}
	if h.slots == nil {
		h.slots = map[int64]heldSlot{}
	}
	held.at = time.Now()
	h.slots[id] = held
}

func (h *heldSlots) forget() {
	h.mu.Lock()
	h.gen++
	h.slots = nil
	h.mu.Unlock()
}

// Forget drops the slots and rules held in memory: what another server
// sharing the database calls on hearing that the program changed.
func (s *Service) Forget() { s.held.forget() }

// changed follows a committed change to slots, rules or venues: this
// server forgets what it holds, and the program, which tells the other
// servers, drops what it made from what takes bookings.
func (s *Service) changed() {
	s.held.forget()
	s.Program.BookingsChanged()
}
