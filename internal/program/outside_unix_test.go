//go:build unix

package program

import (
	"runtime"
	"testing"
)

// TestOutsideHeapGivenBack: the memory of an owner no longer reachable
// is given back to the system (it reads zeros, still mapped for a while),
// and small parts stay on the heap.
func TestOutsideHeapGivenBack(t *testing.T) {
	type owner struct{ name string }
	o := &owner{"text"}
	b := outsideHeap(o, 2<<20)
	for i := range b {
		b[i] = 7
	}
	if small := outsideHeap(o, 100); len(small) != 100 {
		t.Fatalf("%d bytes", len(small))
	}
	o = nil
	for range 100 {
		runtime.GC()
		runtime.Gosched()
		if b[0] == 0 && b[len(b)-1] == 0 {
			return
		}
	}
	t.Error("the memory of an unreachable owner was not given back")
}
