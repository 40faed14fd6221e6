// Package blob stores uploaded files under server-chosen keys. Local disk
// is the default driver; others (S3-compatible storage) implement Store.
package blob

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// ErrNotFound is returned for a key that holds nothing.
var ErrNotFound = errors.New("blob: not found")

// Object is a stored file opened for reading. It seeks, so a range of it
// can be served (http.ServeContent) without reading what comes before.
type Object interface {
	io.ReadSeekCloser
}

// Store keeps files by key.
type Store interface {
	// Put stores r under key, reading at most limit bytes (0: no limit). It
	// returns the size stored. A failed Put leaves nothing behind.
	Put(ctx context.Context, key string, r io.Reader, limit int64) (int64, error)
	// Open returns the object, its size and modification time.
	Open(ctx context.Context, key string) (Object, int64, time.Time, error)
	// Delete removes the object; deleting a missing key is not an error.
	Delete(ctx context.Context, key string) error
}

// ErrTooLarge is returned by Put when the reader holds more than the limit.
var ErrTooLarge = errors.New("blob: too large")

// NewKey returns a fresh random key under prefix, e.g. "notice/3f9a…".
func NewKey(prefix string) string {
	b := make([]byte, 16)
	rand.Read(b)
	return prefix + "/" + hex.EncodeToString(b)
}

// Local stores files under a directory.
type Local struct{ Dir string }

// checkKey refuses keys that could climb out of the store's root.
func checkKey(key string) error {
	if key == "" || strings.Contains(key, "..") || strings.HasPrefix(key, "/") || strings.ContainsRune(key, '\\') {
		return fmt.Errorf("blob: bad key %q", key)
	}
	return nil
}

func (l Local) path(key string) (string, error) {
	if err := checkKey(key); err != nil {
		return "", err
	}
	return filepath.Join(l.Dir, filepath.FromSlash(key)), nil
}

// Put writes to a temporary file and renames it into place, so a cut-off
// upload never leaves a half file under the key.
func (l Local) Put(ctx context.Context, key string, r io.Reader, limit int64) (int64, error) {
	p, err := l.path(key)
	if err != nil {
		return 0, err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
		return 0, err
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), ".upload-*")
	if err != nil {
		return 0, err
	}
	defer os.Remove(tmp.Name())
	src := r
	if limit > 0 {
		src = io.LimitReader(r, limit+1)
	}
	n, err := io.Copy(tmp, src)
	if err == nil && limit > 0 && n > limit {
		err = ErrTooLarge
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, err
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	return n, os.Rename(tmp.Name(), p)
}

// Open opens a stored file.
func (l Local) Open(ctx context.Context, key string) (Object, int64, time.Time, error) {
	p, err := l.path(key)
	if err != nil {
		return nil, 0, time.Time{}, err
	}
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, 0, time.Time{}, ErrNotFound
	}
	if err != nil {
		return nil, 0, time.Time{}, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, time.Time{}, err
	}
	return f, st.Size(), st.ModTime(), nil
}

// Delete removes a stored file.
func (l Local) Delete(ctx context.Context, key string) error {
	p, err := l.path(key)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// Adopter is a Store that can take over a file already on its disk
// without copying it.
type Adopter interface {
	Adopt(ctx context.Context, key string, f *os.File) (int64, error)
}

// PutFile stores the file under key: moved into place where the store
// can adopt it, copied otherwise. f may be gone from its path afterwards.
func PutFile(ctx context.Context, s Store, key string, f *os.File) (int64, error) {
	if a, ok := s.(Adopter); ok {
		return a.Adopt(ctx, key, f)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return 0, err
	}
	return s.Put(ctx, key, f, 0)
}

// Adopt moves f under key when both lie on one file system, and copies it
// otherwise.
func (l Local) Adopt(ctx context.Context, key string, f *os.File) (int64, error) {
	p, err := l.path(key)
	if err != nil {
		return 0, err
	}
	st, err := f.Stat()
	if err != nil {
		return 0, err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
		return 0, err
	}
	if err := f.Sync(); err != nil {
		return 0, err
	}
	if err := os.Rename(f.Name(), p); err == nil {
		return st.Size(), nil
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return 0, err
	}
	return l.Put(ctx, key, f, 0)
}
