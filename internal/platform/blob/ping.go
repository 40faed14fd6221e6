package blob

import (
	"context"
	"fmt"
	"os"
)

// Pinger is a Store that can tell whether it is reachable and writable.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Ping checks the store when it knows how; stores that do not are taken
// to be reachable.
func Ping(ctx context.Context, s Store) error {
	if p, ok := s.(Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

// Ping creates the directory when it is missing and checks that a file can
// be written in it.
func (l Local) Ping(context.Context) error {
	if err := os.MkdirAll(l.Dir, 0o750); err != nil {
		return fmt.Errorf("file storage %s cannot be created: %w", l.Dir, err)
	}
	f, err := os.CreateTemp(l.Dir, ".ping-*")
	if err != nil {
		return fmt.Errorf("file storage %s is not writable: %w", l.Dir, err)
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}
