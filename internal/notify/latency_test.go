package notify_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/sciweek/sciweek/internal/apptest"
	"github.com/sciweek/sciweek/internal/platform/mail/mailtest"
)

// TestReturnToMailLatency measures, with the job worker running as in
// the server, the time from the reviewer's "return" request to the
// unit's e-mail arriving at the local SMTP server.
func TestReturnToMailLatency(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{})
	apptest.EachWith(t, apptest.Options{Configure: withMail(srv.Host, srv.Port)}, func(t *testing.T, e *apptest.Env) {
		_, f := waiting(t, e)
		addClerk(t, e, f.OrgCode, "clerk", "clerk@example.cn", "")
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		wg.Go(func() { e.App.RunJobs(ctx) })
		defer func() { cancel(); wg.Wait() }()
		fengze := e.As(t, "fengze")
		before := len(srv.Messages())
		start := time.Now()
		res := fengze.PostForm("/filings/"+strconv.FormatInt(f.ID, 10)+"/return", url.Values{"version": {strconv.Itoa(f.Version)}, "comment": {"请补充材料"}})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("return: %d", res.Status)
		}
		got := srv.Wait(t, before+1, 10*time.Second)[before]
		latency := got.At.Sub(start)
		t.Logf("return → e-mail received: %s", latency.Round(100*time.Microsecond))
		if latency > 5*time.Second {
			t.Errorf("the e-mail took %s", latency)
		}
	})
}
