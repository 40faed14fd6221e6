package report_test

import (
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/sciweek/sciweek/internal/apptest"
	"github.com/sciweek/sciweek/internal/media/mediatest"
	"github.com/sciweek/sciweek/internal/platform/blob"
)

// multipartBody builds an upload as the page's form sends it.
func multipartBody(t testing.TB, kind, name string, content []byte) (*bytes.Buffer, string) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	w.WriteField("kind", kind)
	fw, err := w.CreateFormFile("file", name)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(content)
	w.Close()
	return &buf, w.FormDataContentType()
}

// upload posts one file to a report through the API.
func upload(t testing.TB, c *apptest.Client, id, kind, name string, content []byte) *apptest.Response {
	body, ctype := multipartBody(t, kind, name, content)
	return c.Do("POST", "/api/v1/reports/"+id+"/media", body, http.Header{"Content-Type": {ctype}})
}

type apiError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
	Offer *struct {
		ID       int64  `json:"id"`
		Size     int64  `json:"size"`
		ThumbURL string `json:"thumbnail_url"`
	} `json:"offer"`
}

func refusal(t *testing.T, res *apptest.Response) apiError {
	t.Helper()
	var e apiError
	res.JSON(t, &e)
	return e
}

var reportIDRe = regexp.MustCompile(`/reports/(\d+)/media"`)
var versionRe = regexp.MustCompile(`name="version" value="(\d+)"`)

func reportID(t *testing.T, c *apptest.Client) string {
	t.Helper()
	page := c.Get("/campaigns/2026/reports/hqu")
	m := reportIDRe.FindStringSubmatch(page.Body)
	if page.Status != 200 || m == nil {
		t.Fatalf("hqu's draft report: %d\n%s", page.Status, page.Body)
	}
	return m[1]
}

func spoolEmpty(t *testing.T, e *apptest.Env) {
	t.Helper()
	entries, _ := os.ReadDir(e.App.Reports.SpoolDir)
	if len(entries) != 0 {
		t.Errorf("%d files left in the spool", len(entries))
	}
}

func mediaCount(t *testing.T, c *apptest.Client, id string) int {
	t.Helper()
	var list struct {
		Items []struct {
			ID    int64 `json:"id"`
			Media []struct {
				Filename string `json:"filename"`
			} `json:"media"`
		} `json:"items"`
	}
	c.Get("/api/v1/campaigns/2026/reports").JSON(t, &list)
	for _, it := range list.Items {
		if fmt.Sprint(it.ID) == id {
			return len(it.Media)
		}
	}
	return -1
}

func TestReportUploads(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		hqu := e.As(t, "hqu")
		hqu.Header = http.Header{"Accept": {"application/json"}}
		id := reportID(t, hqu)

		good := mediatest.JPEGOfSize(t, 1500<<10, 92)
		res := upload(t, hqu, id, "photo", "../../etc/passwd.jpg", good)
		if res.Status != 201 {
			t.Fatalf("photo: %d %s", res.Status, res.Body)
		}
		var m struct {
			ID       int64  `json:"id"`
			Filename string `json:"filename"`
			URL      string `json:"url"`
			Thumb    string `json:"thumbnail_url"`
		}
		res.JSON(t, &m)
		if m.Filename != "passwd.jpg" || m.Thumb == "" {
			t.Errorf("stored as %+v", m)
		}
		filepath.WalkDir(e.App.Config.DataDir, func(p string, d os.DirEntry, err error) error {
			if err == nil && strings.Contains(p, "passwd") {
				t.Errorf("the client's name became a path: %s", p)
			}
			return nil
		})
		got := hqu.Do("GET", m.URL, nil, http.Header{"Range": {"bytes=0-9"}})
		if got.Status != 206 || got.Header.Get("Content-Type") != "image/jpeg" || got.Header.Get("X-Content-Type-Options") != "nosniff" ||
			!strings.Contains(got.Header.Get("Content-Disposition"), "filename*=UTF-8''passwd.jpg") || len(got.Body) != 10 {
			t.Errorf("range of the photo: %d %v", got.Status, got.Header)
		}
		if th := hqu.Get(m.Thumb); th.Status != 200 || th.Header.Get("Content-Type") != "image/jpeg" {
			t.Errorf("thumbnail: %d", th.Status)
		}
		if other := e.As(t, "qztc").Get(m.URL); other.Status != 404 {
			t.Errorf("another unit reads the photo: %d", other.Status)
		}
		if other := upload(t, e.As(t, "qztc"), id, "photo", "a.jpg", good); other.Status != 404 {
			t.Errorf("another unit uploads: %d", other.Status)
		}

		for _, c := range []struct {
			name, kind string
			content    []byte
			status     int
			want       string
		}{
			{"small.jpg", "photo", mediatest.JPEGOfSize(t, 600<<10, 92), 422, "small.jpg：0.6 MB，小于1 MB"},
			{"random.jpg", "photo", bytes.Repeat([]byte{0x13, 0x37, 0x42}, 500_000), 422, "random.jpg：不是 JPEG、PNG 或 WebP 照片"},
			{"logo.jpg", "photo", []byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`), 422, "logo.jpg：不是 JPEG"},
			{"page.png", "photo", []byte(`<!doctype html><script>alert(1)</script>`), 422, "page.png：不是 JPEG"},
			{"notes.mp4", "video", []byte("not a video at all\n"), 422, "notes.mp4：不是可识别的视频文件"},
			{"page.html", "document", []byte(`<!doctype html><script>alert(1)</script>`), 415, "page.html：只接受"},
		} {
			res := upload(t, hqu, id, c.kind, c.name, c.content)
			if e := refusal(t, res); res.Status != c.status || !strings.Contains(e.Error.Message, c.want) {
				t.Errorf("%s: %d %q, want %d %q", c.name, res.Status, e.Error.Message, c.status, c.want)
			}
		}

		big := mediatest.JPEGOfSize(t, 2355<<10, 95)
		res = upload(t, hqu, id, "photo", "大合影.jpg", big)
		offer := refusal(t, res)
		if res.Status != 422 || !strings.Contains(offer.Error.Message, "大合影.jpg：2.3 MB，超过2 MB") || offer.Offer == nil || offer.Offer.ThumbURL == "" {
			t.Fatalf("2.3 MB photo: %d %s", res.Status, res.Body)
		}
		if offer.Offer.Size < 1<<20 || offer.Offer.Size > 2<<20 {
			t.Errorf("offered photo of %d bytes", offer.Offer.Size)
		}
		if n := mediaCount(t, hqu, id); n != 1 {
			t.Errorf("the offer counts as media before it is accepted: %d", n)
		}
		if res := hqu.Do("POST", fmt.Sprintf("/reports/%s/media/%d/accept", id, offer.Offer.ID), nil, nil); res.Status != 201 {
			t.Fatalf("accepting the offer: %d %s", res.Status, res.Body)
		}
		if n := mediaCount(t, hqu, id); n != 2 {
			t.Errorf("after the offer: %d media", n)
		}
		spoolEmpty(t, e)
	})
}

func TestUploadLimits(t *testing.T) {
	e := apptest.New(t)
	hqu := e.As(t, "hqu")
	hqu.Header = http.Header{"Accept": {"application/json"}}
	id := reportID(t, hqu)

	// A photo upload of 64 MB with no declared length: the answer comes
	// once the 16 MB limit is crossed, long before the end.
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	sent := make(chan int64, 1)
	go func() {
		var n int64
		defer func() { sent <- n }()
		mw.WriteField("kind", "photo")
		fw, _ := mw.CreateFormFile("file", "huge.jpg")
		chunk := bytes.Repeat([]byte{0xff}, 64<<10)
		for n < 64<<20 {
			if _, err := fw.Write(chunk); err != nil {
				return
			}
			n += int64(len(chunk))
		}
		mw.Close()
		pw.Close()
	}()
	req, _ := http.NewRequest("POST", e.URL+"/api/v1/reports/"+id+"/media", pr)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Accept", "application/json")
	res, err := hqu.HTTP.Do(req)
	if err == nil {
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 413 || !strings.Contains(string(b), "huge.jpg：超过单个文件 16 MB 的上传上限") {
			t.Errorf("oversized upload: %d %s", res.StatusCode, b)
		}
	}
	pr.CloseWithError(io.ErrClosedPipe)
	if n := <-sent; n >= 64<<20 {
		t.Errorf("the whole 64 MB was read before the refusal")
	}

	// A declared length over the limit is refused before a byte is read.
	big := hqu.Do("POST", "/api/v1/reports/"+id+"/media?kind=photo", bytes.NewReader(make([]byte, 20<<20)), http.Header{"Content-Type": {"multipart/form-data; boundary=x"}})
	if big.Status != 413 {
		t.Errorf("declared 40 MB photo: %d", big.Status)
	}

	// A client that hangs up half-way leaves nothing behind.
	body, ctype := multipartBody(t, "photo", "cut.jpg", mediatest.JPEGOfSize(t, 1500<<10, 92))
	conn, err := net.Dial("tcp", strings.TrimPrefix(e.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(e.URL)
	fmt.Fprintf(conn, "POST /api/v1/reports/%s/media HTTP/1.1\r\nHost: %s\r\nContent-Type: %s\r\nContent-Length: %d\r\nAccept: application/json\r\n", id, u.Host, ctype, body.Len())
	for _, c := range hqu.HTTP.Jar.Cookies(u) {
		fmt.Fprintf(conn, "Cookie: %s=%s\r\n", c.Name, c.Value)
	}
	fmt.Fprint(conn, "\r\n")
	conn.Write(body.Bytes()[:body.Len()/2])
	time.Sleep(100 * time.Millisecond)
	conn.Close()
	deadline := time.Now().Add(3 * time.Second)
	for {
		entries, _ := os.ReadDir(e.App.Reports.SpoolDir)
		if len(entries) == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	spoolEmpty(t, e)
	if n := mediaCount(t, hqu, id); n != 0 {
		t.Errorf("a cut-off upload was stored: %d media", n)
	}
}

func TestVideoUpload(t *testing.T) {
	dir := t.TempDir()
	clip := mediatest.Clip(t, dir, "活动视频.mp4", 20*time.Second)
	long := mediatest.Clip(t, dir, "long.mp4", 181*time.Second)
	e := apptest.New(t)
	hqu := e.As(t, "hqu")
	hqu.Header = http.Header{"Accept": {"application/json"}}
	id := reportID(t, hqu)
	b, _ := os.ReadFile(clip)
	res := upload(t, hqu, id, "video", "活动视频.mp4", b)
	var m struct {
		URL     string  `json:"url"`
		Thumb   string  `json:"thumbnail_url"`
		Seconds float64 `json:"duration_seconds"`
		Type    string  `json:"content_type"`
	}
	res.JSON(t, &m)
	if res.Status != 201 || m.Seconds < 19.5 || m.Seconds > 20.5 || m.Type != "video/mp4" || m.Thumb == "" {
		t.Fatalf("video: %d %s", res.Status, res.Body)
	}
	got := hqu.Do("GET", m.URL, nil, http.Header{"Range": {"bytes=100-199"}})
	if got.Status != 206 || len(got.Body) != 100 || got.Header.Get("Content-Type") != "video/mp4" ||
		got.Header.Get("Content-Disposition") != `inline; filename="file.mp4"; filename*=UTF-8''%E6%B4%BB%E5%8A%A8%E8%A7%86%E9%A2%91.mp4` {
		t.Errorf("video range: %d %v", got.Status, got.Header)
	}
	b, _ = os.ReadFile(long)
	res = upload(t, hqu, id, "video", "long.mp4", b)
	if e := refusal(t, res); res.Status != 422 || e.Error.Message != "long.mp4：3分01秒，超过3分钟" {
		t.Errorf("181 s video: %d %q", res.Status, e.Error.Message)
	}
	hqu.Header.Set("Accept-Language", "en")
	res = upload(t, hqu, id, "video", "long.mp4", b)
	if e := refusal(t, res); e.Error.Message != "long.mp4: 3 min 01 s, longer than 3 min" {
		t.Errorf("181 s video in English: %q", e.Error.Message)
	}
}

func TestReportOnS3(t *testing.T) {
	backend := s3mem.New()
	backend.CreateBucket("media")
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	defer srv.Close()
	e := apptest.Start(t, apptest.Options{S3: blob.S3Config{Endpoint: srv.URL, Bucket: "media", AccessKey: "k", SecretKey: "s", PathStyle: true}})
	hqu := e.As(t, "hqu")
	hqu.Header = http.Header{"Accept": {"application/json"}}
	id := reportID(t, hqu)
	good := mediatest.JPEGOfSize(t, 1200<<10, 92)
	res := upload(t, hqu, id, "photo", "合影.jpg", good)
	var m struct {
		URL string `json:"url"`
	}
	res.JSON(t, &m)
	if res.Status != 201 {
		t.Fatalf("photo on S3: %d %s", res.Status, res.Body)
	}
	got := hqu.Do("GET", m.URL, nil, http.Header{"Range": {"bytes=1000-1999"}})
	if got.Status != 206 || got.Body != string(good[1000:2000]) {
		t.Errorf("range read from S3: %d", got.Status)
	}
	objs, _ := backend.ListBucket("media", nil, gofakes3.ListBucketPage{})
	if objs == nil || len(objs.Contents) != 2 {
		t.Errorf("bucket holds %v", objs)
	}
}

func TestReportReview(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		hqu := e.As(t, "hqu")
		page := hqu.Get("/campaigns/2026/reports/hqu")
		version := versionRe.FindStringSubmatch(page.Body)[1]
		form := url.Values{"version": {version}, "implementation": {"学校成立领导小组。"}, "content": {"- 人工智能体验"},
			"results": {"接待公众 1200 人次。"}, "cases": {""}, "people_on_site": {"很多"},
			"cov_outlet": {"泉州晚报"}, "cov_title": {""}, "cov_date": {"2026-12-20"}, "cov_link": {"javascript:alert(1)"}}
		res := hqu.PostForm("/campaigns/2026/reports/hqu", form)
		if res.Status != 422 || !strings.Contains(res.Body, `id="f-people_on_site-error"`) || !strings.Contains(res.Body, "请填写 0 或正整数") ||
			!strings.Contains(res.Body, `id="cov-link-0-error"`) || !strings.Contains(res.Body, `value="泉州晚报"`) {
			t.Fatalf("bad report: %d\n%s", res.Status, res.Body)
		}
		form.Set("people_on_site", "1200人")
		form.Set("cov_title", "华侨大学举办科技活动周")
		form.Set("cov_link", "https://www.qzwb.com/a/1")
		if res := hqu.PostForm("/campaigns/2026/reports/hqu", form); res.Status != 303 {
			t.Fatalf("saving: %d\n%s", res.Status, res.Body)
		}
		page = hqu.Get("/campaigns/2026/reports/hqu")
		id := reportIDRe.FindStringSubmatch(page.Body)[1]
		version = versionRe.FindStringSubmatch(page.Body)[1]
		res = hqu.PostForm("/reports/"+id+"/submit", url.Values{"version": {version}})
		if res.Status != 422 || !strings.Contains(res.Body, "四个部分都要填写") || !strings.Contains(res.Body, `id="s-cases-error"`) {
			t.Fatalf("incomplete report submitted: %d", res.Status)
		}
		form.Set("cases", "**人工智能体验**：预约参观。")
		form.Set("version", version)
		hqu.PostForm("/campaigns/2026/reports/hqu", form)
		version = versionRe.FindStringSubmatch(hqu.Get("/campaigns/2026/reports/hqu").Body)[1]
		if res := hqu.PostForm("/reports/"+id+"/submit", url.Values{"version": {version}}); res.Status != 303 {
			t.Fatalf("submit: %d\n%s", res.Status, res.Body)
		}

		fengze := e.As(t, "fengze")
		page = fengze.Get("/campaigns/2026/reports/hqu")
		if !strings.Contains(page.Body, `action="/reports/`+id+`/decide"`) || !strings.Contains(page.Body, `name="decision" value="return"`) || !strings.Contains(page.Body, "<strong>人工智能体验</strong>") {
			t.Fatalf("the district does not review:\n%s", page.Body)
		}
		version = versionRe.FindStringSubmatch(page.Body)[1]
		if res := fengze.PostForm("/reports/"+id+"/return", url.Values{"version": {version}, "comment": {""}}); res.Status != 422 || !strings.Contains(res.Body, "退回时请写明") {
			t.Errorf("return without comment: %d", res.Status)
		}
		if res := fengze.PostForm("/reports/"+id+"/return", url.Values{"version": {version}, "comment": {"请补充典型案例的照片。"}}); res.Status != 303 {
			t.Fatalf("return: %d", res.Status)
		}
		page = hqu.Get("/campaigns/2026/reports/hqu")
		if !strings.Contains(page.Body, "请补充典型案例的照片。") {
			t.Errorf("the unit does not see the comment")
		}
		if inbox := hqu.Get("/notifications").Body; !strings.Contains(inbox, "总结报告被退回修改") || !strings.Contains(inbox, "审核意见：请补充典型案例的照片。") {
			t.Errorf("the unit's notice of the return lacks the decision or the comment:\n%s", inbox)
		}
		version = versionRe.FindStringSubmatch(page.Body)[1]
		hqu.PostForm("/reports/"+id+"/submit", url.Values{"version": {version}})
		for _, who := range []string{"fengze", "admin"} {
			c := e.As(t, who)
			version = versionRe.FindStringSubmatch(c.Get("/campaigns/2026/reports/hqu").Body)[1]
			if res := c.PostForm("/reports/"+id+"/decide", url.Values{"version": {version}, "decision": {"approve"}, "comment": {who + "：材料齐全。"}}); res.Status != 303 {
				t.Fatalf("%s approves: %d %s", who, res.Status, res.Body)
			}
		}
		inbox := hqu.Get("/notifications").Body
		if !strings.Contains(inbox, "总结报告已通过") || !strings.Contains(inbox, "审核意见：fengze：材料齐全。") ||
			!strings.Contains(inbox, "总结报告已审核通过") || !strings.Contains(inbox, "审核意见：admin：材料齐全。") {
			t.Errorf("the unit's notices of the approvals lack the decision or the comment:\n%s", inbox)
		}
		admin := e.As(t, "admin")
		if res := admin.PostForm("/reports/"+id+"/paper", url.Values{"paper_on": {"2026-11-28"}, "paper_by": {"黄剑毅"}}); res.Status != 303 {
			t.Fatalf("paper: %d %s", res.Status, res.Body)
		}
		if res := hqu.PostForm("/reports/"+id+"/paper", url.Values{"paper_on": {"2026-11-28"}}); res.Status != 403 {
			t.Errorf("a unit marks its own paper copy: %d", res.Status)
		}
		board := admin.Get("/campaigns/2026/reports")
		row := regexp.MustCompile(`(?s)<tr id="report-hqu">.*?</tr>`).FindString(board.Body)
		if !strings.Contains(row, "已通过") || !strings.Contains(row, "2026年11月28日") {
			t.Errorf("board row: %s", row)
		}
		var list struct {
			Items []struct {
				Unit    string `json:"unit"`
				State   string `json:"state"`
				PaperOn string `json:"paper_received_on"`
			} `json:"items"`
		}
		hqu.Get("/api/v1/campaigns/2026/reports").JSON(t, &list)
		if len(list.Items) != 1 || list.Items[0].Unit != "hqu" || list.Items[0].State != "approved" || list.Items[0].PaperOn != "2026-11-28" {
			t.Errorf("hqu's API list: %+v", list.Items)
		}
		admin.Get("/api/v1/campaigns/2020/reports").JSON(t, &list)
		approved := 0
		for _, it := range list.Items {
			if it.State == "approved" {
				approved++
			}
		}
		if len(list.Items) < 10 || approved < len(list.Items)-1 {
			t.Errorf("2020 demo reports: %d, %d approved", len(list.Items), approved)
		}
		old := admin.Get("/campaigns/2020/reports/hqu")
		if !regexp.MustCompile(`<dt>新冠病毒检测技术科普展</dt><dd>\d+ <span class="muted">\(预计：600\)</span>`).MatchString(old.Body) || !strings.Contains(old.Body, "纸质件已于2020年9月3日收到（黄剑毅）") {
			t.Errorf("hqu's 2020 report lacks its participants or paper copy:\n%s", old.Body)
		}
		if res := e.As(t, "qztc").Get("/campaigns/2026/reports/hqu"); res.Status != 404 {
			t.Errorf("another unit reads hqu's report: %d", res.Status)
		}
	})
}

func TestDeadline(t *testing.T) {
	e := apptest.New(t)
	id := reportID(t, e.As(t, "hqu"))
	e.Clock.Set(time.Date(2027, 1, 10, 9, 0, 0, 0, time.FixedZone("CST", 8*3600)))
	hqu := e.As(t, "hqu")
	hqu.Header = http.Header{"Accept": {"application/json"}}
	res := upload(t, hqu, id, "photo", "a.jpg", []byte("x"))
	if res.Status != 409 || !strings.Contains(refusal(t, res).Error.Message, "截止") {
		t.Errorf("upload after the deadline: %d %s", res.Status, res.Body)
	}
	hqu.Header = http.Header{}
	admin := e.As(t, "admin")
	if res := admin.PostForm("/campaigns/2026/reports/extend", url.Values{"org": {"hqu"}, "until": {"2027-01-15"}}); res.Status != 303 {
		t.Fatalf("extension: %d %s", res.Status, res.Body)
	}
	hqu.Header = http.Header{"Accept": {"application/json"}}
	res = upload(t, hqu, id, "photo", "a.jpg", []byte("x"))
	if res.Status != 422 {
		t.Errorf("upload within the extension: %d %s", res.Status, res.Body)
	}
}

func TestPublicGallery(t *testing.T) {
	e := apptest.New(t)
	hqu := e.As(t, "hqu")
	hqu.Header = http.Header{"Accept": {"application/json"}}
	id := reportID(t, hqu)
	var m struct {
		ID  int64  `json:"id"`
		URL string `json:"url"`
	}
	for i, public := range []bool{true, false} {
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		w.WriteField("kind", "photo")
		if public {
			w.WriteField("public", "1")
		}
		fw, _ := w.CreateFormFile("file", fmt.Sprintf("photo%d.jpg", i))
		fw.Write(mediatest.JPEGOfSize(t, int64(1100+300*i)<<10, 92))
		w.Close()
		res := hqu.Do("POST", "/api/v1/reports/"+id+"/media", &buf, http.Header{"Content-Type": {w.FormDataContentType()}})
		if res.Status != 201 {
			t.Fatalf("upload: %d %s", res.Status, res.Body)
		}
		if public {
			res.JSON(t, &m)
		}
	}
	public := e.Client(t)
	path := fmt.Sprintf("/campaigns/2026/gallery/%d", m.ID)
	if res := public.Get(path); res.Status != 404 {
		t.Errorf("a photo of a draft report is public: %d", res.Status)
	}
	hqu.Header = http.Header{}
	form := url.Values{"implementation": {"组织"}, "content": {"内容"}, "results": {"成效"}, "cases": {"案例"}}
	hqu.PostForm("/campaigns/2026/reports/hqu", form)
	for _, who := range []string{"hqu", "fengze", "admin"} {
		c := e.As(t, who)
		action := "approve"
		if who == "hqu" {
			action = "submit"
		}
		version := versionRe.FindStringSubmatch(c.Get("/campaigns/2026/reports/hqu").Body)[1]
		if res := c.PostForm("/reports/"+id+"/"+action, url.Values{"version": {version}}); res.Status != 303 {
			t.Fatalf("%s %s: %d %s", who, action, res.Status, res.Body)
		}
	}
	page := public.Get("/campaigns/2026/gallery")
	if page.Status != 200 || !strings.Contains(page.Body, path+"/thumb") || strings.Count(page.Body, `<img src=`) != 1 {
		t.Fatalf("gallery: %d\n%s", page.Status, page.Body)
	}
	if res := public.Get(path); res.Status != 200 || res.Header.Get("Content-Type") != "image/jpeg" {
		t.Errorf("public photo: %d", res.Status)
	}
	if res := public.Get(fmt.Sprintf("/campaigns/2026/gallery/%d", m.ID+1)); res.Status != 404 {
		t.Errorf("a photo not marked public is served: %d", res.Status)
	}
	// The unit withdraws its consent.
	if res := hqu.PostForm(fmt.Sprintf("/reports/%s/media/%d/private", id, m.ID), url.Values{}); res.Status != 303 {
		t.Fatalf("withdraw: %d", res.Status)
	}
	if res := public.Get(path); res.Status != 404 {
		t.Errorf("a withdrawn photo is still public: %d", res.Status)
	}
}

// TestUploadWithoutScript posts the upload form as a browser without
// JavaScript does: the page comes back with the reason beside the file
// field and the re-encoded photo offered with its preview.
func TestUploadWithoutScript(t *testing.T) {
	e := apptest.New(t)
	hqu := e.As(t, "hqu")
	id := reportID(t, hqu)
	body, ctype := multipartBody(t, "photo", "大合影.jpg", mediatest.JPEGOfSize(t, 2400<<10, 95))
	res := hqu.Do("POST", "/reports/"+id+"/media", body, http.Header{"Content-Type": {ctype}})
	if res.Status != 422 || !strings.Contains(res.Body, `<p class="error" id="upload-error" data-upload-error aria-live="assertive">大合影.jpg：2.3 MB，超过2 MB`) ||
		!strings.Contains(res.Body, `id="offer"`) || !regexp.MustCompile(`<img src="/reports/\d+/media/\d+/thumb" alt="压缩后照片的预览"`).MatchString(res.Body) {
		t.Fatalf("too-large photo without script: %d\n%s", res.Status, res.Body)
	}
	accept := regexp.MustCompile(`action="(/reports/\d+/media/\d+/accept)"`).FindStringSubmatch(res.Body)[1]
	if res := hqu.PostForm(accept, url.Values{}); res.Status != 303 || !strings.HasSuffix(res.Location(), "/campaigns/2026/reports/hqu#media") {
		t.Fatalf("accept: %d %s", res.Status, res.Location())
	}
	if page := hqu.Get("/campaigns/2026/reports/hqu"); !strings.Contains(page.Body, "照片 <span class=\"muted\">(1)</span>") {
		t.Errorf("the accepted photo is not listed")
	}

	// An offer not taken goes when the report is submitted.
	body, ctype = multipartBody(t, "photo", "又一张.jpg", mediatest.JPEGOfSize(t, 2400<<10, 95))
	res = hqu.Do("POST", "/reports/"+id+"/media", body, http.Header{"Content-Type": {ctype}})
	preview := regexp.MustCompile(`<img src="(/reports/\d+/media/\d+/thumb)" alt="压缩后照片的预览"`).FindStringSubmatch(res.Body)
	if preview == nil {
		t.Fatalf("no second offer: %d", res.Status)
	}
	hqu.PostForm("/campaigns/2026/reports/hqu", url.Values{"implementation": {"组织"}, "content": {"内容"}, "results": {"成效"}, "cases": {"案例"}})
	version := versionRe.FindStringSubmatch(hqu.Get("/campaigns/2026/reports/hqu").Body)[1]
	if res := hqu.PostForm("/reports/"+id+"/submit", url.Values{"version": {version}}); res.Status != 303 {
		t.Fatalf("submit: %d", res.Status)
	}
	if res := hqu.Get(preview[1]); res.Status != 404 {
		t.Errorf("an offer not taken outlived the submission: %d", res.Status)
	}
}

// TestSlowUpload sends a photo more slowly than the server's read timeout
// allows other requests.
func TestSlowUpload(t *testing.T) {
	e := apptest.New(t)
	srv := httptest.NewUnstartedServer(e.App.Handler())
	srv.Config.ReadTimeout = 300 * time.Millisecond
	srv.Config.WriteTimeout = 300 * time.Millisecond
	srv.Start()
	defer srv.Close()
	hqu := e.As(t, "hqu")
	id := reportID(t, hqu)
	body, ctype := multipartBody(t, "photo", "slow.jpg", mediatest.JPEGOfSize(t, 1200<<10, 92))
	pr, pw := io.Pipe()
	go func() {
		b := body.Bytes()
		for i := 0; i < 10; i++ {
			pw.Write(b[i*len(b)/10 : (i+1)*len(b)/10])
			time.Sleep(100 * time.Millisecond)
		}
		pw.Close()
	}()
	req, _ := http.NewRequest("POST", srv.URL+"/api/v1/reports/"+id+"/media", pr)
	req.Header.Set("Content-Type", ctype)
	u, _ := url.Parse(e.URL)
	for _, c := range hqu.HTTP.Jar.Cookies(u) {
		req.AddCookie(c)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("a 1 s upload against a 0.3 s read timeout: %v", err)
	}
	res.Body.Close()
	if res.StatusCode != 201 {
		t.Errorf("slow upload: %d", res.StatusCode)
	}
}
