package blob

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// stores returns every driver, each on an empty store: local disk, and S3
// against an S3-protocol server started for the test.
func stores(t *testing.T) map[string]Store {
	backend := s3mem.New()
	if err := backend.CreateBucket("sciweek"); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(srv.Close)
	s3, err := NewS3(S3Config{Endpoint: srv.URL, Bucket: "sciweek", Region: "cn-east-1", AccessKey: "test", SecretKey: "secret", PathStyle: true})
	if err != nil {
		t.Fatal(err)
	}
	return map[string]Store{"local": Local{Dir: t.TempDir()}, "s3": s3}
}

// failingReader yields n bytes and then fails, like a client that hangs up.
type failingReader struct{ n int }

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, errors.New("connection reset")
	}
	if len(p) > f.n {
		p = p[:f.n]
	}
	for i := range p {
		p[i] = 'z'
	}
	f.n -= len(p)
	return len(p), nil
}

func TestStoreContract(t *testing.T) {
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			t.Run("OK", func(t *testing.T) {
				key := NewKey("notice")
				n, err := s.Put(ctx, key, strings.NewReader("hello"), 10)
				if err != nil || n != 5 {
					t.Fatalf("Put = %d, %v", n, err)
				}
				obj, size, mod, err := s.Open(ctx, key)
				if err != nil || size != 5 || mod.IsZero() {
					t.Fatalf("Open = %d, %v, %v", size, mod, err)
				}
				b, _ := io.ReadAll(obj)
				obj.Close()
				if string(b) != "hello" {
					t.Fatalf("read %q", b)
				}
				if err := s.Delete(ctx, key); err != nil {
					t.Fatal(err)
				}
				if _, _, _, err := s.Open(ctx, key); !errors.Is(err, ErrNotFound) {
					t.Fatalf("deleted object opens: %v", err)
				}
				if err := s.Delete(ctx, key); err != nil {
					t.Fatalf("second delete: %v", err)
				}
			})
			t.Run("MultipartAndRanges", func(t *testing.T) {
				// Larger than one S3 part, so the upload goes in three parts.
				data := make([]byte, 2*MinPartSize+12345)
				for i := range data {
					data[i] = byte(i * 7 / 3)
				}
				key := NewKey("video")
				n, err := s.Put(ctx, key, bytes.NewReader(data), int64(len(data)))
				if err != nil || n != int64(len(data)) {
					t.Fatalf("Put = %d, %v", n, err)
				}
				obj, size, _, err := s.Open(ctx, key)
				if err != nil || size != int64(len(data)) {
					t.Fatalf("Open = %d, %v", size, err)
				}
				defer obj.Close()
				for _, off := range []int64{MinPartSize - 3, 17, size - 10} {
					if _, err := obj.Seek(off, io.SeekStart); err != nil {
						t.Fatal(err)
					}
					got := make([]byte, 10)
					if _, err := io.ReadFull(obj, got); err != nil {
						t.Fatalf("read at %d: %v", off, err)
					}
					if !bytes.Equal(got, data[off:off+10]) {
						t.Fatalf("bytes at %d differ", off)
					}
				}
				if end, _ := obj.Seek(0, io.SeekEnd); end != size {
					t.Fatalf("SeekEnd = %d", end)
				}
				obj.Seek(0, io.SeekStart)
				all, err := io.ReadAll(obj)
				if err != nil || !bytes.Equal(all, data) {
					t.Fatalf("whole read: %d bytes, %v", len(all), err)
				}
			})
			t.Run("ErrTooLarge", func(t *testing.T) {
				for _, size := range []int{11, MinPartSize + 10} {
					key := NewKey("notice")
					if _, err := s.Put(ctx, key, strings.NewReader(strings.Repeat("x", size)), int64(size-1)); !errors.Is(err, ErrTooLarge) {
						t.Fatalf("oversized Put err = %v", err)
					}
					if _, _, _, err := s.Open(ctx, key); !errors.Is(err, ErrNotFound) {
						t.Fatalf("oversized file left behind: %v", err)
					}
				}
			})
			t.Run("CutOff", func(t *testing.T) {
				for _, size := range []int{100, MinPartSize + 100} {
					key := NewKey("video")
					if _, err := s.Put(ctx, key, &failingReader{n: size}, 0); err == nil {
						t.Fatal("a failed read was stored")
					}
					if _, _, _, err := s.Open(ctx, key); !errors.Is(err, ErrNotFound) {
						t.Fatalf("half file left behind: %v", err)
					}
				}
			})
			t.Run("BadKey", func(t *testing.T) {
				if _, err := s.Put(ctx, "../escape", strings.NewReader("x"), 0); err == nil {
					t.Fatal("key with .. accepted")
				}
			})
		})
	}
}

func TestLocalLeavesNoTemporaryFiles(t *testing.T) {
	ctx := context.Background()
	s := Local{Dir: t.TempDir()}
	s.Put(ctx, NewKey("notice"), strings.NewReader("hello"), 10)
	s.Put(ctx, NewKey("notice"), strings.NewReader(strings.Repeat("x", 11)), 10)
	s.Put(ctx, NewKey("notice"), &failingReader{n: 50}, 0)
	entries, _ := os.ReadDir(s.Dir + "/notice")
	if len(entries) != 1 {
		t.Fatalf("temporary files left behind: %d entries", len(entries))
	}
}

func TestPutFile(t *testing.T) {
	ctx := context.Background()
	for name, s := range stores(t) {
		f, err := os.CreateTemp(t.TempDir(), "spool")
		if err != nil {
			t.Fatal(err)
		}
		f.WriteString("a checked upload")
		key := NewKey("reports/1")
		if n, err := PutFile(ctx, s, key, f); err != nil || n != 16 {
			t.Fatalf("%s: PutFile = %d, %v", name, n, err)
		}
		f.Close()
		obj, _, _, err := s.Open(ctx, key)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		b, _ := io.ReadAll(obj)
		obj.Close()
		if string(b) != "a checked upload" {
			t.Fatalf("%s: read %q", name, b)
		}
	}
}

func TestS3Ping(t *testing.T) {
	s := stores(t)["s3"].(*S3)
	if err := Ping(context.Background(), s); err != nil {
		t.Fatalf("ping: %v", err)
	}
	s.bucket = "missing"
	if err := Ping(context.Background(), s); err == nil || !strings.Contains(err.Error(), `bucket "missing"`) {
		t.Fatalf("ping of a missing bucket: %v", err)
	}
}
