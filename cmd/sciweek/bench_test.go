package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/sciweek/sciweek/internal/app"
	"github.com/sciweek/sciweek/internal/platform/clock"
	"github.com/sciweek/sciweek/internal/platform/db"
	"github.com/sciweek/sciweek/internal/platform/db/dbtest"
)

// TestBenchSeed seeds a small national data set through the command, on
// SQLite and on PostgreSQL, in a week spanning New Year, then opens the app
// on it: the campaign chain is national → provinces → cities, each activity
// belongs to its city's campaign and names its province and city, the
// national program lists every seeded activity and a province's narrows to
// its own, and a search for a seeded word finds the activities that hold it.
func TestBenchSeed(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testBenchSeed(t, t.TempDir(), "") })
	if u, ok := dbtest.PostgresURL(t); ok {
		t.Run("postgres", func(t *testing.T) { testBenchSeed(t, t.TempDir(), u) })
	}
}

func testBenchSeed(t *testing.T, dir, databaseURL string) {
	args := []string{"bench", "seed", "--data", dir, "--activities", "2000", "--units", "300", "--start", "2026-12-28", "--log-level", "error"}
	if databaseURL != "" {
		args = append(args, "--database-url", databaseURL)
	}
	var out strings.Builder
	if err := run(context.Background(), args, &out, io.Discard); err != nil {
		t.Fatalf("bench seed: %v\n%s", err, &out)
	}
	if !strings.Contains(out.String(), "campaigns: 1 national, 31 provincial, 253 city") || !strings.Contains(out.String(), "300 units; ") || !strings.Contains(out.String(), " filings, 2000 approved activities") {
		t.Fatalf("bench seed printed:\n%s", &out)
	}
	if err := run(context.Background(), args, io.Discard, io.Discard); err == nil {
		t.Error("a second seed into the same database was not refused")
	}
	a, err := app.Open(context.Background(), app.Config{DataDir: dir, DatabaseURL: databaseURL}, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	// The program's rows are recorded as written from each approved
	// revision, so a start syncs none of them again.
	var unrecorded int
	if err := a.DB.QueryRow(context.Background(), `SELECT COUNT(*) FROM filings f WHERE approved_revision > 0
		AND NOT EXISTS (SELECT 1 FROM program_synced s WHERE s.filing_id = f.id AND s.revision = f.approved_revision)`).Scan(&unrecorded); err != nil || unrecorded != 0 {
		t.Errorf("%d approved filings not recorded as synced (%v)", unrecorded, err)
	}
	srv := httptest.NewServer(a.Handler())
	defer srv.Close()
	list := func(query url.Values) (total int, titles []string) {
		t.Helper()
		res, err := http.Get(srv.URL + "/api/v1/campaigns/national/activities?" + query.Encode())
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var body struct {
			Total int `json:"total"`
			Items []struct {
				Title   string `json:"title"`
				Content string `json:"content"`
				Unit    struct {
					Name string `json:"name"`
				} `json:"unit"`
			} `json:"items"`
		}
		if res.StatusCode != 200 {
			t.Fatalf("program list: %s", res.Status)
		}
		if err := json.NewDecoder(res.Body).Decode(&body); err != nil {
			t.Fatal(err)
		}
		for _, it := range body.Items {
			titles = append(titles, it.Title+" "+it.Content+" "+it.Unit.Name)
		}
		return body.Total, titles
	}
	if total, _ := list(nil); total != 2000 {
		t.Errorf("the program lists %d activities; want 2000", total)
	}
	// The chain: every activity in a city campaign on its province's on the
	// national one, and the province and city it names are its campaigns'
	// organisers.
	var stray int
	if err := a.DB.QueryRow(context.Background(), `SELECT COUNT(*) FROM program_activities a
		JOIN campaigns city ON city.id = a.campaign_id JOIN organisations co ON co.id = city.owner_org_id
		JOIN campaigns province ON province.id = city.parent_id JOIN organisations po ON po.id = province.owner_org_id
		JOIN campaigns nation ON nation.id = province.parent_id
		WHERE nation.slug <> 'national' OR nation.parent_id IS NOT NULL OR co.code <> a.city_code OR po.code <> a.province_code
			OR a.city_name = '' OR a.province_name = '' OR a.district_code NOT LIKE a.city_code || '-d%'`).Scan(&stray); err != nil {
		t.Fatal(err)
	}
	if stray != 0 {
		t.Errorf("%d activities are not in their city's campaign of the chain", stray)
	}
	var inFujian int
	if err := a.DB.QueryRow(context.Background(), `SELECT COUNT(*) FROM program_activities WHERE province_code = 'p-fj'`).Scan(&inFujian); err != nil {
		t.Fatal(err)
	}
	if total, _ := list(url.Values{"province": {"p-fj"}}); inFujian == 0 || total != inFujian {
		t.Errorf("the national program narrowed to Fujian lists %d; %d activities are in Fujian", total, inFujian)
	}
	res, err := http.Get(srv.URL + "/api/v1/campaigns/national-fj/activities")
	if err != nil {
		t.Fatal(err)
	}
	var fujian struct {
		Total int `json:"total"`
	}
	if err := json.NewDecoder(res.Body).Decode(&fujian); err != nil || fujian.Total != inFujian {
		t.Errorf("Fujian's program lists %d (%v); %d activities are in Fujian", fujian.Total, err, inFujian)
	}
	res.Body.Close()
	// The week spans New Year: open days on 1 and 2 January are listed in
	// January of the next year.
	var january int
	if err := a.DB.QueryRow(context.Background(), `SELECT COUNT(*) FROM program_activities WHERE table_no = 2 AND start_at >= ?`, db.At(time.Date(2027, 1, 1, 0, 0, 0, 0, clock.Zone))).Scan(&january); err != nil {
		t.Fatal(err)
	}
	if january == 0 {
		t.Error("no open day of the New Year week is in January")
	}
	// A science word of the vocabulary, as its titles and contents hold it.
	var want int
	if err := a.DB.QueryRow(context.Background(), `SELECT COUNT(*) FROM program_activities WHERE search_text LIKE '%人工智能%'`).Scan(&want); err != nil {
		t.Fatal(err)
	}
	total, titles := list(url.Values{"q": {"人工智能"}, "per_page": {"20"}})
	if want == 0 || total != want {
		t.Errorf("a search for 人工智能 finds %d; %d activities hold it", total, want)
	}
	for _, s := range titles {
		if !strings.Contains(s, "人工智能") || strings.Contains(s, "%!") {
			t.Errorf("a search for 人工智能 answered %q", s)
		}
	}
	// 华侨大学 is among the units: its activities come first.
	if total, titles := list(url.Values{"q": {"华侨大学"}}); total == 0 || !strings.HasSuffix(titles[0], " 华侨大学") {
		t.Errorf("a search for 华侨大学 finds %d, first %q", total, titles)
	}
}
