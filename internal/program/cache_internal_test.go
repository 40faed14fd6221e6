package program

import (
	"fmt"
	"testing"
	"time"
)

// TestCacheHoldsAtMostMaxBytes puts more answers than its bytes allow:
// it never holds more, and the last answer put is held.
func TestCacheHoldsAtMostMaxBytes(t *testing.T) {
	c := NewCache(1000, time.Minute)
	c.MaxBytes = 10 << 10
	for i := range 50 {
		var rec recorder
		rec.body.Write(make([]byte, 1500+i))
		c.put(fmt.Sprint("page ", i), 0, finish(&rec))
		if c.used > c.MaxBytes {
			t.Fatalf("after %d answers it holds %d bytes, more than %d", i+1, c.used, c.MaxBytes)
		}
		if c.get(fmt.Sprint("page ", i)) == nil {
			t.Fatalf("answer %d is not held", i)
		}
	}
}
