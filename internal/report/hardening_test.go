package report_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/apptest"
	"github.com/sciweek/sciweek/internal/media/mediatest"
	"github.com/sciweek/sciweek/internal/report"
)

// padded is a JPEG made exactly n bytes long with bytes after its end,
// which decoders ignore.
func padded(t *testing.T, n int) []byte {
	t.Helper()
	j := mediatest.JPEGOfSize(t, int64(n)*9/10, 90)
	if len(j) > n {
		t.Fatalf("JPEG of %d bytes is over %d", len(j), n)
	}
	return append(j, make([]byte, n-len(j))...)
}

// heif is the start of a photo as an iPhone or a recent Android phone
// saves it: an ftyp box naming the brand, then the rest of the file.
func heif(brand string, compatible ...string) []byte {
	var b bytes.Buffer
	size := 16 + 4*len(compatible)
	b.Write([]byte{0, 0, 0, byte(size)})
	b.WriteString("ftyp" + brand + "\x00\x00\x00\x00")
	for _, c := range compatible {
		b.WriteString(c)
	}
	b.Write(make([]byte, 1500<<10))
	return b.Bytes()
}

func TestPhotoRefusalsSayWhy(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		hqu := e.As(t, "hqu")
		hqu.Header = http.Header{"Accept": {"application/json"}}
		id := reportID(t, hqu)

		for _, c := range []struct {
			name, format string
			content      []byte
		}{
			{"IMG_0001.HEIC", "HEIC", heif("heic", "mif1", "heic")},
			{"IMG_0002.heif", "HEIF", heif("mif1", "mif1")},
			{"photo.jpg", "HEIC", heif("mif1", "mif1", "heic")},
			{"photo.avif", "AVIF", heif("avif", "mif1", "avif")},
		} {
			res := upload(t, hqu, id, "photo", c.name, c.content)
			e := refusal(t, res)
			if res.Status != http.StatusUnsupportedMediaType || e.Error.Code != "unsupported" || !strings.Contains(e.Error.Message, c.format) ||
				!strings.Contains(e.Error.Message, "JPEG") || !strings.Contains(e.Error.Message, c.name) {
				t.Errorf("%s: %d %s", c.name, res.Status, res.Body)
			}
		}
		en := e.As(t, "hqu")
		en.Header = http.Header{"Accept": {"application/json"}, "Accept-Language": {"en"}}
		if res := upload(t, en, id, "photo", "IMG_0001.HEIC", heif("heic")); !strings.Contains(refusal(t, res).Error.Message, "HEIC format not supported yet — please export") {
			t.Errorf("English: %s", res.Body)
		}
		// Random bytes are still "not a photo".
		if res := upload(t, hqu, id, "photo", "x.jpg", bytes.Repeat([]byte("ftyp"), 300<<10)); res.Status != 422 {
			t.Errorf("random bytes: %d %s", res.Status, res.Body)
		}

		// Just under the bounds, the sizes are written so they differ.
		for _, c := range []struct {
			n    int
			want []string
		}{
			{1<<20 - 2<<10, []string{"0.998 MB，小于1 MB"}},
			{1<<20 - 1, []string{"1048575 字节，小于1048576 字节"}},
			{2<<20 + 3<<10, []string{"2.003 MB，超过2 MB"}},
		} {
			res := upload(t, hqu, id, "photo", "bound.jpg", padded(t, c.n))
			msg := refusal(t, res).Error.Message
			for _, w := range c.want {
				if !strings.Contains(msg, w) {
					t.Errorf("%d bytes: %d %q lacks %q", c.n, res.Status, msg, w)
				}
			}
		}
		if n := mediaCount(t, hqu, id); n != 0 {
			t.Errorf("refused photos were stored: %d", n)
		}
	})
}

// TestDownloadNameFollowsTheContent uploads a JPEG named x.html: it is
// stored, listed and downloaded as x.jpg.
func TestDownloadNameFollowsTheContent(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		hqu := e.As(t, "hqu")
		hqu.Header = http.Header{"Accept": {"application/json"}}
		id := reportID(t, hqu)
		for _, c := range []struct{ kind, name, want string }{
			{"photo", "x.html", "x.jpg"},
			{"photo", "合影.JPEG", "合影.JPEG"},
			{"photo", "noext", "noext.jpg"},
			{"document", "说明.html", "说明.jpg"},
		} {
			res := upload(t, hqu, id, c.kind, c.name, mediatest.JPEGOfSize(t, 1500<<10, 92))
			var m struct {
				ID       int64  `json:"id"`
				Filename string `json:"filename"`
				URL      string `json:"url"`
			}
			res.JSON(t, &m)
			if res.Status != 201 || m.Filename != c.want {
				t.Errorf("%s: %d stored as %q", c.name, res.Status, m.Filename)
				continue
			}
			got := hqu.Get(m.URL)
			if cd := got.Header.Get("Content-Disposition"); strings.Contains(cd, ".html") || !strings.Contains(cd, "''"+url.PathEscape(c.want)) {
				t.Errorf("%s downloads as %q", c.name, cd)
			}
		}
		// A file stored before the rule downloads with the detected type's
		// extension too.
		res := upload(t, hqu, id, "photo", "old.jpg", mediatest.JPEGOfSize(t, 1500<<10, 92))
		var m struct {
			ID  int64  `json:"id"`
			URL string `json:"url"`
		}
		res.JSON(t, &m)
		if _, err := e.App.DB.Exec(context.Background(), `UPDATE report_media SET filename = 'old.html' WHERE id = ?`, m.ID); err != nil {
			t.Fatal(err)
		}
		if cd := hqu.Get(m.URL).Header.Get("Content-Disposition"); !strings.Contains(cd, "old.jpg") || strings.Contains(cd, "html") {
			t.Errorf("an old .html name downloads as %q", cd)
		}
	})
}

// TestFragmentedVideoLength uploads fragmented movies whose movie header
// says one minute while their fragments run ten: they are refused as ten
// minutes long, and nothing is stored.
func TestFragmentedVideoLength(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		hqu := e.As(t, "hqu")
		hqu.Header = http.Header{"Accept": {"application/json"}}
		id := reportID(t, hqu)
		for _, how := range []mediatest.How{mediatest.TrexDefault, mediatest.TfhdDefault, mediatest.TrunSamples, mediatest.SidxOnly} {
			res := upload(t, hqu, id, "video", "活动.mp4", mediatest.Fragmented(time.Minute, 60, 10*time.Second, how))
			if msg := refusal(t, res).Error.Message; res.Status != 422 || !strings.Contains(msg, "10分钟，超过3分钟") {
				t.Errorf("fragments written as %d: %d %s", how, res.Status, res.Body)
			}
		}
		if n := mediaCount(t, hqu, id); n != 0 {
			t.Errorf("a ten-minute video was stored: %d", n)
		}
	})
}

// TestParticipantsOnlyForOwnProjects saves a report with participants for a
// made-up project and for another unit's: refused beside the field,
// nothing saved; the unit's own approved project is accepted.
func TestParticipantsOnlyForOwnProjects(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := account.AsSystem(context.Background())
		c, err := e.App.Campaigns.Get(ctx, "2026")
		if err != nil {
			t.Fatal(err)
		}
		items, err := e.App.Filings.ApprovedItems(ctx, c, 1, "")
		if err != nil {
			t.Fatal(err)
		}
		var unit, otherUID string
		for _, it := range items {
			if unit == "" {
				unit = it.OrgCode
			} else if it.OrgCode != unit && otherUID == "" {
				otherUID = it.UID
			}
		}
		e.Clock.Set(c.Start.Add(24 * time.Hour)) // reports open with the week
		own, _ := e.App.Reports.Activities(ctx, c, report.Report{OrgCode: unit})
		if len(own) == 0 || otherUID == "" {
			t.Fatalf("no approved projects of two units: %d %q", len(own), otherUID)
		}
		if _, err := e.App.Accounts.CreateAccount(ctx, account.AccountInput{OrgCode: unit, Username: "clerk", Password: "clerk-password-1",
			Roles: []account.Role{account.RoleFiler}}); err != nil {
			t.Fatal(err)
		}
		qztc := e.Client(t)
		qztc.Login("clerk", "clerk-password-1")
		path := "/campaigns/2026/reports/" + unit
		save := func(extra url.Values) *apptest.Response {
			page := qztc.Get(path)
			form := url.Values{"people_on_site": {"100"}}
			if m := versionRe.FindStringSubmatch(page.Body); m != nil {
				form.Set("version", m[1])
			}
			for k, v := range extra {
				form[k] = v
			}
			return qztc.PostForm(path, form)
		}
		participants := func() map[string]int {
			var list struct {
				Items []struct {
					Unit         string         `json:"unit"`
					Participants map[string]int `json:"participants"`
				} `json:"items"`
			}
			qztc.Get("/api/v1/campaigns/2026/reports").JSON(t, &list)
			for _, it := range list.Items {
				if it.Participants != nil {
					return it.Participants
				}
			}
			return nil
		}
		for _, bad := range []string{"p_made-up-uid", "p_" + otherUID} {
			res := save(url.Values{bad: {"50000"}, "p_" + own[0].UID: {"120"}})
			if res.Status != 422 || !strings.Contains(res.Body, "不是本单位已通过审核的项目") {
				t.Errorf("%s: %d", bad, res.Status)
			}
			if p := participants(); len(p) != 0 {
				t.Errorf("%s: saved %v", bad, p)
			}
		}
		if res := save(url.Values{"p_" + own[0].UID: {"120"}, "p_made-up-uid": {""}}); res.Status != 303 {
			t.Fatalf("own project: %d %s", res.Status, res.Body)
		}
		if p := participants(); len(p) != 1 || p[own[0].UID] != 120 {
			t.Errorf("own project saved as %v", p)
		}
	})
}
