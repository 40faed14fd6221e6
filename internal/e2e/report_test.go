package e2e_test

import (
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/sciweek/sciweek/internal/apptest"
	"github.com/sciweek/sciweek/internal/media/mediatest"
)

// TestBrowserReport walks 华侨大学 through its summary report on a phone:
// the four sections, figures and a media report; a video and photos
// uploaded with the progress bar on a slow connection, one photo refused
// with its reason; then the report submitted to the district.
func TestBrowserReport(t *testing.T) {
	dir := t.TempDir()
	// H.264, so the browser can play it.
	video := mediatest.Clip(t, dir, "活动视频.mp4", 30*time.Second, "-c:v", "libx264", "-pix_fmt", "yuv420p")
	photos := []string{filepath.Join(dir, "开幕式.jpg"), filepath.Join(dir, "体验区.jpg"), filepath.Join(dir, "small.jpg")}
	for i, size := range []int64{1300 << 10, 1700 << 10, 600 << 10} {
		if err := os.WriteFile(photos[i], mediatest.JPEGOfSize(t, size, 92), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	env := apptest.New(t)
	b := newBrowser(t, env.URL)

	b.login("hqu")
	b.click(`.dash-campaign a[href="/campaigns/2026/reports/hqu"]`, "#report-form")
	b.fill("#s-implementation", "学校成立科技活动周领导小组，科研处牵头，各学院分工组织。")
	b.fill("#s-content", "- 人工智能与机器人开放体验\n- 科学防疫云课堂")
	b.fill("#s-results", "接待公众1200人次，线上观看5000人次。")
	b.fill("#s-cases", "**人工智能与机器人开放体验**：中小学生现场编程，体验视觉识别。")
	b.fill("#f-activities_held", "2")
	b.fill("#f-people_on_site", "1200人")
	b.fill("#f-online_views", "5000")
	b.fill("#f-media_reports", "1")
	b.fill("#cov-outlet-0", "泉州晚报")
	b.fill("#cov-title-0", "华侨大学举办科技活动周开放体验")
	b.setValue("#cov-date-0", "2026-12-20")
	b.fill("#cov-link-0", "https://www.qzwb.com/2026/12/20/hqu")
	b.click(`#report-form button[type=submit]`, `form[data-upload]`)
	b.shows(".flash", "总结已保存")
	b.capture("report-form")

	// A slow connection, so the progress bar is seen moving.
	b.throttle(600 << 10)
	b.setValue("#upload-kind", "video")
	b.do("choose the video", chromedp.SetUploadFiles(chromedp.CSS("#upload-file"), []string{video}))
	b.do("upload the video", chromedp.Click(chromedp.CSS(`form[data-upload] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[data-upload-finished="1/1"]`)))
	b.shows("[data-upload-results]", "活动视频.mp4 ✓ 已上传")

	b.setValue("#upload-kind", "photo")
	b.do("agree to show the photos", chromedp.Click(chromedp.CSS(`input[name="public"]`)))
	b.do("choose the photos", chromedp.SetUploadFiles(chromedp.CSS("#upload-file"), photos))
	b.do("upload the photos", chromedp.Click(chromedp.CSS(`form[data-upload] button[type=submit]`)))
	mid, err := chromedp.Run(b.ctx, chromedp.Poll[float64](`(() => { const p = document.querySelector("#upload-progress"); return p.value > 5 && p.value < 95 ? p.value : 0; })()`, chromedp.WithPollingInterval(20*time.Millisecond), chromedp.WithPollingTimeout(20*time.Second)))
	if err != nil || mid <= 0 {
		t.Fatalf("the progress bar did not move: %v %v", mid, err)
	}
	b.screenshot("report-uploading")
	b.do("wait for the uploads", chromedp.WaitVisible(chromedp.CSS(`form[data-upload-finished="2/3"]`)))
	b.throttle(-1)
	b.shows("[data-upload-results]", "开幕式.jpg ✓", "体验区.jpg ✓", "small.jpg：0.6 MB，小于1 MB（照片应为 1 MB 至 2 MB）")
	b.capture("report-uploads")

	b.open("/campaigns/2026/reports/hqu", "#media")
	if n := strings.Count(b.text("#media"), "KB"); n != 3 {
		t.Errorf("the report lists %d files, want 3:\n%s", n, b.text("#media"))
	}
	b.do("the video with its poster", chromedp.WaitVisible(chromedp.CSS(`#media video[aria-label="活动视频.mp4"][poster$="/thumb"]`)))
	// The browser seeks in the video with range requests.
	dur, err := chromedp.Run(b.ctx, chromedp.Poll[float64](`(() => { const v = document.querySelector("#media video"); if (v.preload !== "auto") { v.preload = "auto"; v.load(); } return v.duration > 0 ? v.duration : 0; })()`,
		chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(10*time.Second)))
	if err != nil || dur < 29 || dur > 31 {
		t.Errorf("the browser reads the video as %v s (%v)", dur, err)
	}
	b.capture("report-media")
	b.click(`form[action$="/submit"] button`, ".flash")
	b.shows(".flash", "总结已报送")
	b.shows("main", "审核中", "等待丰泽区工业信息化和科技局审核")
	b.capture("report-submitted")

	// Once the district and the city approve, the public sees the photos.
	for _, who := range []string{"fengze", "admin"} {
		c := env.As(t, who)
		page := c.Get("/campaigns/2026/reports/hqu").Body
		m := regexp.MustCompile(`action="(/reports/\d+)/decide"[\s\S]*?name="version" value="(\d+)"`).FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("%s cannot approve the report", who)
		}
		if res := c.PostForm(m[1]+"/approve", url.Values{"version": {m[2]}}); res.Status != 303 {
			t.Fatalf("%s approves: %d", who, res.Status)
		}
	}
	b.logout()
	b.open("/campaigns/2026", ".hero")
	b.click(`a[href="/campaigns/2026/gallery"]`, ".gallery img")
	if n := strings.Count(b.text("main"), "华侨大学"); n != 2 {
		t.Errorf("the gallery shows %d photos of 华侨大学, want 2", n)
	}
	b.capture("gallery")
}

// throttle limits how fast the tab uploads (bytes a second; -1: no limit).
func (b *browser) throttle(upload float64) {
	b.t.Helper()
	_, err := chromedp.Call(b.ctx, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
		MatchedNetworkConditions: []*network.Conditions{{DownloadThroughput: -1, UploadThroughput: upload}}})
	if err != nil {
		b.t.Fatalf("throttle the network: %v", err)
	}
}

// TestBrowserStatistics has the organiser read the 2020 statistics on a
// phone, download the summary workbook and open the print copy.
func TestBrowserStatistics(t *testing.T) {
	env := apptest.New(t)
	b := newBrowser(t, env.URL)
	b.login("admin")
	b.open("/campaigns/2020/reports", "table.board")
	b.shows("#report-hqu", "已通过")
	b.capture("reports-board")
	b.click(`a[href="/campaigns/2020/stats"]`, "svg.bars")
	b.shows("table.stats-districts tfoot", "合计", "35")
	b.capture("stats")
	if xlsx := b.fetch("/campaigns/2020/stats/summary.xlsx"); len(xlsx) < 1000 || string(xlsx[:2]) != "PK" {
		t.Errorf("the summary workbook is not an .xlsx (%d bytes)", len(xlsx))
	}
	b.click(`a[href="/campaigns/2020/stats/print"]`, ".print-summary")
	b.shows(".print-summary h1", "汇总情况")
	b.capture("stats-print")
}
