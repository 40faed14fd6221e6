//go:build unix

package program

import (
	"runtime"
	"syscall"
	"time"
)

// outsideHeap is n zeroed bytes mapped from the system rather than taken
// from the collected heap, given back once owner is no longer reachable.
//
// The index's search text and character lists are most of its memory and
// never change once written: on the heap, the collector would let garbage
// grow to their size again before each cycle, doubling what a national
// program needs. Outside it they count once.
func outsideHeap[T any](owner *T, n int) []byte {
	if n < outsideMin {
		return make([]byte, n)
	}
	b, err := syscall.Mmap(-1, 0, n, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		return make([]byte, n)
	}
	runtime.AddCleanup(owner, release, b)
	return b
}

// release gives the pages back at once and the addresses a while later:
// a search still reading an index that was just replaced reads zeros, and
// never an address no longer mapped.
func release(b []byte) {
	syscall.Madvise(b, syscall.MADV_DONTNEED)
	time.AfterFunc(releaseAfter, func() { syscall.Munmap(b) })
}

const releaseAfter = 10 * time.Minute

// outsideMin is the least size mapped apart: smaller parts stay on the
// heap, where they cost less than a mapping.
var outsideMin = 1 << 20
