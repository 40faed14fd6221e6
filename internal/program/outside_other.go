//go:build !unix

package program

// outsideHeap is n zeroed bytes; only Unix systems map them apart from
// the collected heap.
func outsideHeap[T any](owner *T, n int) []byte { return make([]byte, n) }
