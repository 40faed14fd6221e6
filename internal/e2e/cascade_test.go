package e2e_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/sciweek/sciweek/internal/apptest"
)

// TestBrowserCascade follows a city's notice up to the province's and the
// nation's, and browses the province's program by city on a phone.
func TestBrowserCascade(t *testing.T) {
	env := apptest.New(t)
	b := newBrowser(t, env.URL)

	// The city's notice links to the notices it follows.
	b.open("/campaigns/2020/notice", "#chain")
	b.shows("#chain", "福建省科学技术厅《2020年福建省科技活动周》", "闽科专〔2020〕8号", "国科发智〔2020〕167号")
	b.capture("cascade-city-notice")
	b.click(`#chain a[href="/campaigns/fj-2020/notice"]`, `#chain a[href="/campaigns/cn-2020/notice"]`)
	b.shows(".docno", "闽科专〔2020〕8号")
	b.shows("#chain", "2020年泉州市科技活动周", "2020年厦门市科技活动周")

	// The province's program gathers both cities and is narrowed by city.
	b.open("/campaigns/fj-2020/program", "#city-h")
	b.shows(".counts", "48")
	b.capture("cascade-province-program")
	b.click(`a[href="/campaigns/fj-2020/activities?city=xiamen"]`, "#result-count")
	b.shows("#result-count", "共 8 项活动")
	b.shows(".acts", "海洋生态保护科普日", "厦门市科学技术局")
	b.capture("cascade-province-city")
	b.do("open the filters", chromedp.Click(chromedp.CSS(".more-filters summary")), chromedp.WaitVisible(chromedp.CSS("#f-city")))
	// The districts offered are the chosen city's: Quanzhou's once it is
	// applied.
	b.setValue("#f-city", "quanzhou")
	b.click(`#apply`, ".acts")
	if u, _ := url.Parse(b.path()); u.Query().Get("city") != "quanzhou" {
		t.Errorf("the city is not in the URL: %s", u)
	}
	if _, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`document.querySelector(".more-filters").open = true`)); err != nil {
		t.Fatal(err)
	}
	b.do("wait for the districts", chromedp.WaitVisible(chromedp.CSS("#f-district")))
	b.setValue("#f-district", "fengze")
	b.click(`#apply`, ".acts")
	if u, _ := url.Parse(b.path()); u.Query().Get("district") != "fengze" || u.Query().Get("city") != "quanzhou" {
		t.Errorf("the city and district are not in the URL: %s", u)
	}
	b.shows(".acts", "新冠病毒检测技术科普展")
	if strings.Contains(b.text("main"), "海洋生态保护科普日") {
		t.Error("an activity of another city passes the filter")
	}
}
