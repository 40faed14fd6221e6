package app_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/sciweek/sciweek/internal/apptest"
)

// TestForgedHostWithoutPublicURL: with no public address configured (the
// default), a request naming another host gets links to the address the
// server listens on, and nothing it answers — cached or not — leads the
// next visitor to the forged host.
func TestForgedHostWithoutPublicURL(t *testing.T) {
	e := apptest.New(t) // PublicURL empty, as by default
	get := func(path, host string) string {
		req, _ := http.NewRequest("GET", e.URL+path, nil)
		if host != "" {
			req.Host = host
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return string(b)
	}
	paths := []string{"/campaigns/2026/program", "/feeds/2026/program.atom", "/sitemap.xml", "/opendata/2026/activities.json"}
	for _, p := range paths {
		for range 2 { // the second answer may come from the cache
			if body := get(p, "evil.example"); strings.Contains(body, "evil.example") {
				t.Fatalf("%s with a forged Host links to it:\n%.500s", p, body)
			}
		}
		if body := get(p, ""); strings.Contains(body, "evil.example") {
			t.Fatalf("%s: a visitor is sent to the forged host", p)
		}
	}
	host := strings.TrimPrefix(e.URL, "http://")
	if body := get("/feeds/2026/program.atom", ""); !strings.Contains(body, "http://"+host+"/activities/") {
		t.Errorf("the feed does not link to the listening address %s:\n%.600s", host, body)
	}
}

// TestHugeNumbersInRequests: page numbers and ids far out of range are
// answered as bad input or unknown records, never with a crash.
func TestHugeNumbersInRequests(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		const huge = "2305843009213693953"
		admin := e.As(t, "admin")
		for _, c := range []struct {
			path string
			want int
		}{
			{"/api/v1/campaigns?page=" + huge, 422},
			{"/api/v1/campaigns?per_page=" + huge, 422},
			{"/api/v1/campaigns/2026/activities?page=" + huge, 422},
			{"/api/v1/campaigns/2026/filings?page=" + huge, 422},
			{"/api/v1/organisations?page=" + huge, 422},
			{"/api/v1/campaigns/2026/articles?page=" + huge, 422},
			{"/api/v1/audit?page=" + huge, 422},
			{"/api/v1/campaigns?page=-1", 422},
			{"/campaigns/2026/activities?page=" + huge, 200},
			{"/admin/audit?page=" + huge, 200},
			{"/notifications?page=" + huge, 200},
			{"/admin/messages?page=" + huge, 200},
			{"/activities/" + huge + huge, 404},
			{"/api/v1/activities/" + huge + "/slots", 404},
			{"/filings/" + huge + "/scan", 404},
			{"/news/-5", 404},
		} {
			if res := admin.Get(c.path); res.Status != c.want {
				t.Errorf("GET %s: %d, want %d\n%.300s", c.path, res.Status, c.want, res.Body)
			}
		}
	})
}

func itemForm() url.Values {
	return url.Values{"f_title": {"人工智能科普展"}, "f_host": {"华侨大学"}, "f_category": {"展示科技创新成就"}, "f_mode": {"线下"},
		"f_start": {"2026-12-20T09:00"}, "f_end": {"2026-12-20T17:00"}, "f_place": {"泉州市丰泽区城华北路269号"},
		"f_content": {"展示人工智能与机器人的最新成果。"}, "f_audience": {"青少年"}, "f_expected": {"300"}, "f_contact": {"林老师"}, "f_phone": {"0595-22692114"}}
}

// TestOversizedBodiesStoreNothing: a form or JSON body over its limit is
// answered 413 whatever the parser, a field over its length in characters
// is refused, and nothing is stored either way.
func TestOversizedBodiesStoreNothing(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		hqu := e.As(t, "hqu")
		count := func() (n int) {
			if err := e.App.DB.QueryRow(context.Background(), `SELECT COUNT(*) FROM filing_items`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		const items = "/campaigns/2026/filings/hqu/1/items"
		before := count()
		big := itemForm()
		big.Set("padding", strings.Repeat("x", 3<<20))
		if res := hqu.PostForm(items, big); res.Status != http.StatusRequestEntityTooLarge {
			t.Errorf("3 MB form: %d", res.Status)
		}
		long := itemForm()
		long.Set("f_content", strings.Repeat("展", 1_900_000/3))
		if res := hqu.PostForm(items, long); res.Status != http.StatusRequestEntityTooLarge {
			t.Errorf("1.9 MB field: %d", res.Status)
		}
		over := itemForm()
		over.Set("f_content", strings.Repeat("展", 5001))
		if res := hqu.PostForm(items, over); res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "最多 5000 个字") {
			t.Errorf("5001 characters in a 5000-character field: %d", res.Status)
		}
		if n := count(); n != before {
			t.Fatalf("%d items stored from refused forms", n-before)
		}
		// Multipart where no file is expected is held to the same limit.
		var mp strings.Builder
		mp.WriteString("--b\r\nContent-Disposition: form-data; name=\"f_title\"\r\n\r\n")
		mp.WriteString(strings.Repeat("x", 3<<20))
		mp.WriteString("\r\n--b--\r\n")
		if res := hqu.Do("POST", items, strings.NewReader(mp.String()), http.Header{"Content-Type": {"multipart/form-data; boundary=b"}}); res.Status != http.StatusRequestEntityTooLarge {
			t.Errorf("3 MB multipart: %d", res.Status)
		}
		if n := count(); n != before {
			t.Fatalf("%d items stored from a multipart body", n-before)
		}
		// JSON, over the 1 MiB a JSON body may hold and over the 2 MiB any may.
		for _, size := range []int{1_500_000, 3 << 20} {
			body := `{"name": "` + strings.Repeat("x", size) + `", "phone": "13800000000", "party_size": 1, "consent": true}`
			res := e.Client(t).Do("POST", "/api/v1/slots/1/bookings", strings.NewReader(body), http.Header{"Content-Type": {"application/json"}})
			if res.Status != http.StatusRequestEntityTooLarge || !strings.Contains(res.Body, `"too_large"`) {
				t.Errorf("%d-byte JSON: %d %.200s", size, res.Status, res.Body)
			}
		}
	})
}

// TestHiddenCharactersRefused: NUL bytes, control characters and
// bidirectional overrides are refused in every form and JSON text field.
func TestHiddenCharactersRefused(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		admin := e.As(t, "admin")
		for _, name := range []string{"华侨\u202e大学附中", "华侨\x00大学附中", "华侨\u2066大学附中", "华侨\x1b大学附中"} {
			res := admin.PostForm("/admin/orgs/new", url.Values{"parent": {"fengze"}, "code": {"hqufz"}, "name": {name}, "kind": {"unit"}})
			if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "控制字符") {
				t.Errorf("name %q: %d", name, res.Status)
			}
		}
		if _, err := e.App.Accounts.Org(context.Background(), "hqufz"); err == nil {
			t.Fatal("an organisation was created with a hidden character in its name")
		}
		res := e.Client(t).SendJSON("POST", "/api/v1/slots/1/bookings", map[string]any{"name": "张\u202e三", "phone": "13800000000", "party_size": 1, "consent": true})
		if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `"name"`) {
			t.Errorf("JSON name with an override: %d %s", res.Status, res.Body)
		}
		hqu := e.As(t, "hqu")
		item := itemForm()
		item.Set("f_title", "人工\u202d智能")
		if res := hqu.PostForm("/campaigns/2026/filings/hqu/1/items", item); res.Status != http.StatusUnprocessableEntity {
			t.Errorf("item title with an override: %d", res.Status)
		}
		// Line breaks and tabs are text.
		item.Set("f_title", "人工智能科普展")
		item.Set("f_content", "第一行\r\n第二行\t完")
		if res := hqu.PostForm("/campaigns/2026/filings/hqu/1/items", item); res.Status != http.StatusSeeOther {
			t.Errorf("ordinary multi-line text: %d", res.Status)
		}
	})
}
