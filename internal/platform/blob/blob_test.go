package blob

import (
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
)

func TestLocal(t *testing.T) {
	ctx := context.Background()
	s := Local{Dir: t.TempDir()}
	key := NewKey("notice")
	n, err := s.Put(ctx, key, strings.NewReader("hello"), 10)
	if err != nil || n != 5 {
		t.Fatalf("Put = %d, %v", n, err)
	}
	obj, size, _, err := s.Open(ctx, key)
	if err != nil || size != 5 {
		t.Fatalf("Open = %d, %v", size, err)
	}
	b, _ := io.ReadAll(obj)
	obj.Close()
	if string(b) != "hello" {
		t.Fatalf("read %q", b)
	}

	big := NewKey("notice")
	if _, err := s.Put(ctx, big, strings.NewReader(strings.Repeat("x", 11)), 10); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("oversized Put err = %v", err)
	}
	if _, _, _, err := s.Open(ctx, big); !errors.Is(err, ErrNotFound) {
		t.Fatalf("oversized file left behind: %v", err)
	}
	entries, _ := os.ReadDir(s.Dir + "/notice")
	if len(entries) != 1 {
		t.Fatalf("temporary files left behind: %d entries", len(entries))
	}
	if _, err := s.Put(ctx, "../escape", strings.NewReader("x"), 0); err == nil {
		t.Fatal("key with .. accepted")
	}
	if err := s.Delete(ctx, key); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, key); err != nil {
		t.Fatalf("second delete: %v", err)
	}
}
