package filing_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"mime/multipart"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sciweek/sciweek/internal/apptest"
)

// lockedBuffer is a log the server writes while the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestCutOffScanUpload sends half a stamped scan and hangs up: the server
// logs it as the client's doing, at warning level and not as a failure of
// its own, and stores nothing.
func TestCutOffScanUpload(t *testing.T) {
	apptest.EachWith(t, apptest.Options{NoDemoFilings: true}, func(t *testing.T, e *apptest.Env) {
		logs := &lockedBuffer{}
		e.App.Server.Log = slog.New(slog.NewTextHandler(logs, nil))
		hqu := e.As(t, "hqu")
		hqu.PostForm("/campaigns/2026/filings/hqu/2/items", url.Values{"f_unit_name": {"华侨大学"}})
		page := hqu.Get("/campaigns/2026/filings/hqu/2").Body
		id := strings.Split(strings.Split(page, `action="/filings/`)[1], "/")[0]

		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		fw, _ := mw.CreateFormFile("scan", "盖章表.pdf")
		fw.Write([]byte("%PDF-1.4\n"))
		fw.Write(bytes.Repeat([]byte("0123456789abcdef"), 64<<10))
		mw.Close()
		for _, cut := range []int{body.Len() / 2, 100} { // inside the file, inside the part's header
			conn, err := net.Dial("tcp", strings.TrimPrefix(e.URL, "http://"))
			if err != nil {
				t.Fatal(err)
			}
			u, _ := url.Parse(e.URL)
			fmt.Fprintf(conn, "POST /filings/%s/scan HTTP/1.1\r\nHost: %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n", id, u.Host, mw.FormDataContentType(), body.Len())
			for _, c := range hqu.HTTP.Jar.Cookies(u) {
				fmt.Fprintf(conn, "Cookie: %s=%s\r\n", c.Name, c.Value)
			}
			fmt.Fprint(conn, "\r\n")
			conn.Write(body.Bytes()[:cut])
			time.Sleep(100 * time.Millisecond)
			conn.Close()
			deadline := time.Now().Add(5 * time.Second)
			for strings.Count(logs.String(), "scan upload cut off") < 1 && time.Now().Before(deadline) {
				time.Sleep(20 * time.Millisecond)
			}
		}
		time.Sleep(200 * time.Millisecond)
		out := logs.String()
		if n := strings.Count(out, "level=WARN msg=\"scan upload cut off\""); n != 2 || strings.Contains(out, "level=ERROR") || strings.Contains(out, "status=500") {
			t.Errorf("cut-off uploads logged as:\n%s", out)
		}
		if res := hqu.Get("/filings/" + id + "/scan"); res.Status != 404 {
			t.Errorf("a cut-off scan was stored")
		}
		filepath.WalkDir(e.App.Config.DataDir, func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.Contains(p, "scans") {
				t.Errorf("a cut-off scan left %s", p)
			}
			return nil
		})
	})
}
