package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/sciweek/sciweek/internal/platform/db/dbtest"
)

// TestTwoServers runs two sciweek processes' worth of servers on one
// PostgreSQL database and one S3-protocol store, as behind a load
// balancer: a person logs in on one and goes on on the other, a file
// uploaded through one is served by the other, and a booking rush split
// over both sells exactly the places there are.
func TestTwoServers(t *testing.T) {
	dbURL, ok := dbtest.PostgresURL(t)
	if !ok {
		t.Skip("SCIWEEK_TEST_POSTGRES_URL is not set: the two-server test needs PostgreSQL")
	}
	backend := s3mem.New()
	if err := backend.CreateBucket("sciweek"); err != nil {
		t.Fatal(err)
	}
	s3 := httptest.NewServer(gofakes3.New(backend).Server())
	defer s3.Close()
	t.Setenv("SCIWEEK_SECRET_KEY", "two-servers-share-this-secret")
	shared := []string{"--database-url", dbURL, "--s3-endpoint", s3.URL, "--s3-bucket", "sciweek", "--s3-access-key", "test",
		"--s3-secret-key", "secret", "--s3-path-style", "true"}
	a, _, stopA := startServe(t, append([]string{"--demo", "--data", t.TempDir()}, shared...)...)
	defer stopA()
	b, _, stopB := startServe(t, append([]string{"--data", t.TempDir()}, shared...)...)
	defer stopB()

	// Cookies are kept per host, not per port: the jar carries the session
	// from one server to the other as a browser behind one address would.
	c := loginAdmin(t, a)
	if page := getWith(t, c, b+"/dashboard"); !strings.Contains(page, "泉州市科学技术局") || strings.Contains(page, `name="password"`) {
		t.Fatalf("the session made on one server is not known on the other:\n%s", page)
	}

	// A notice attachment uploaded through A is served by B.
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", "实施方案.pdf")
	pdf := []byte("%PDF-1.4\n% sciweek two servers\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n")
	fw.Write(pdf)
	mw.Close()
	req, _ := http.NewRequest("POST", a+"/admin/campaigns/2026/attachments", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	link := regexp.MustCompile(`/campaigns/2026/attachments/\d+`).FindString(getWith(t, c, a+"/admin/campaigns/2026/edit"))
	if link == "" {
		t.Fatal("the attachment is not listed")
	}
	if got := getWith(t, http.DefaultClient, b+link); got != string(pdf) {
		t.Errorf("the other server serves %q", got)
	}

	// A booking rush on a nearly full slot, half through each server.
	var list struct {
		Items []struct{ ID int64 } `json:"items"`
	}
	getJSON(t, a+"/api/v1/campaigns/2026/activities?bookable=true&per_page=200", &list)
	var slot struct{ ID, Available int64 }
	for _, act := range list.Items {
		var slots struct {
			Items []struct {
				ID        int64 `json:"id"`
				Available int64 `json:"available"`
				Bookable  bool  `json:"bookable"`
			} `json:"items"`
		}
		getJSON(t, fmt.Sprintf("%s/api/v1/activities/%d/slots", b, act.ID), &slots)
		for _, s := range slots.Items {
			if s.Bookable && s.Available > 0 && (slot.ID == 0 || s.Available < slot.Available) {
				slot.ID, slot.Available = s.ID, s.Available
			}
		}
	}
	if slot.ID == 0 || slot.Available > 20 {
		t.Fatalf("no nearly full slot in the demo: %+v", slot)
	}
	tries := int(slot.Available) + 8
	statuses := make([]int, tries)
	var wg sync.WaitGroup
	for i := range tries {
		server := a
		if i%2 == 1 {
			server = b
		}
		wg.Go(func() {
			payload, _ := json.Marshal(map[string]any{"name": "访客", "phone": fmt.Sprintf("1370000%04d", i), "party_size": 1, "consent": true})
			res, err := http.Post(fmt.Sprintf("%s/api/v1/slots/%d/bookings", server, slot.ID), "application/json", bytes.NewReader(payload))
			if err != nil {
				t.Error(err)
				return
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			statuses[i] = res.StatusCode
		})
	}
	wg.Wait()
	counts := map[int]int{}
	for _, s := range statuses {
		counts[s]++
	}
	if counts[201] != int(slot.Available) || counts[201]+counts[409] != tries {
		t.Errorf("%d places, %d tries over two servers: %v", slot.Available, tries, counts)
	}
	for _, server := range []string{a, b} {
		for _, act := range list.Items {
			var slots struct {
				Items []struct {
					ID        int64 `json:"id"`
					Available int64 `json:"available"`
				} `json:"items"`
			}
			getJSON(t, fmt.Sprintf("%s/api/v1/activities/%d/slots", server, act.ID), &slots)
			for _, s := range slots.Items {
				if s.ID == slot.ID && s.Available != 0 {
					t.Errorf("%s says %d places are left", server, s.Available)
				}
			}
		}
	}

	// B has the program page in its cache; the organiser moves the week
	// online through A, and B shows the banner without waiting out its
	// cache, told through PostgreSQL.
	if page := getWith(t, http.DefaultClient, b+"/campaigns/2026/program"); strings.Contains(page, "疫情防控需要") {
		t.Fatal("a banner before the switch")
	}
	res, err = c.PostForm(a+"/admin/campaigns/2026/online", url.Values{"reason": {"疫情防控需要"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(getWith(t, http.DefaultClient, b+"/campaigns/2026/program"), "疫情防控需要") {
		if time.Now().After(deadline) {
			t.Fatal("the other server still shows the program from before the switch")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func getWith(t *testing.T, c *http.Client, u string) string {
	t.Helper()
	res, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return string(b)
}

func getJSON(t *testing.T, u string, v any) {
	t.Helper()
	res, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if err := json.NewDecoder(res.Body).Decode(v); err != nil {
		t.Fatalf("%s: %v", u, err)
	}
}
