package e2e_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/chromedp/chromedp"

	"github.com/sciweek/sciweek/internal/apptest"
	"github.com/sciweek/sciweek/internal/demo"
)

// login signs in from the login page and waits for the dashboard.
func (b *browser) login(username string) {
	b.t.Helper()
	b.open("/login", "#username")
	b.fill("#username", username)
	b.fill("#password", demo.Password)
	b.click(`main form[action="/login"] button[type=submit]`, ".dash-campaign")
}

func (b *browser) logout() {
	b.t.Helper()
	b.click(`.site-header form[action="/logout"] button`, "main")
}

// setValue sets a field the way a picker does (selects, date-time pickers).
func (b *browser) setValue(sel, v string) {
	b.t.Helper()
	b.do("set "+sel, chromedp.SetValue(chromedp.CSS(sel), v))
}

// fillProjectDetails fills a key project's host, focus area, form, times
// and place, as 华侨大学 files its science exhibition.
func (b *browser) fillProjectDetails() {
	b.t.Helper()
	b.fill("#f_host", "华侨大学")
	b.setValue("#f_category", "展示科技创新成就")
	b.setValue("#f_mode", "线下")
	b.setValue("#f_start", "2026-12-20T09:00")
	b.setValue("#f_end", "2026-12-20T17:00")
	b.fill("#f_place", "泉州市丰泽区城华北路269号华侨大学图书馆")
}

// TestBrowserFiling walks a unit through both tables, the district
// approving, the city returning one item with a comment, the unit fixing
// it and the city approving.
func TestBrowserFiling(t *testing.T) {
	env := apptest.Start(t, apptest.Options{NoDemoFilings: true})
	b := newBrowser(t, env.URL)

	b.login("hqu")
	b.click(`.dash-campaign a[href="/campaigns/2026/filings"]`, ".filing-summary")
	b.capture("filings")
	b.click(`a[href="/campaigns/2026/filings/hqu/1"]`, "main h1")
	b.click(`a[href="/campaigns/2026/filings/hqu/1/items/new"]`, "#f_title")
	b.fill("#f_title", "人工智能与机器人科普展")
	b.fillProjectDetails()
	b.fill("#f_content", "展示学校人工智能与机器人研究成果，现场体验互动。")
	b.do("pick audiences", chromedp.Click(`input[name="f_audience"][value="青少年"]`), chromedp.Click(`input[name="f_audience"][value="社会公众"]`))
	b.fill("#f_expected", "500人")
	b.fill("#f_contact", "林老师")
	b.fill("#f_phone", "0595-2269")
	b.capture("item-form")
	b.click(`main form button[type=submit]`, "#f_phone-error")
	b.shows("#f_phone-error", "请填写有效的电话号码")
	if got := b.value("#f_title"); got != "人工智能与机器人科普展" {
		t.Fatalf("the title was lost after the error: %q", got)
	}
	b.fill("#f_phone", "0595-22692114")
	b.click(`main form button[type=submit]`, ".item")
	b.shows(".item", "人工智能与机器人科普展", "展示科技创新成就", "青少年、社会公众")
	b.capture("filing-draft")
	b.click(`form[action$="/submit"] button`, ".flash")
	b.shows("main", "审核中", "等待丰泽区工业信息化和科技局审核")

	// The second table: an open day with its time slots and capacity.
	b.open("/campaigns/2026/filings/hqu/2/items/new", "#f_unit_name")
	b.fill("#f_unit_name", "华侨大学")
	b.fill("#f_open_content", "材料科学重点实验室向公众开放")
	b.fill("#f_address", "泉州市丰泽区城华北路269号")
	b.fill("#f_contact", "林老师")
	b.fill("#f_phone", "13812345678")
	b.fill("#f_slots", "2026-12-21 09:00-11:30\n12月21日 14:00～16:00")
	b.fill("#f_capacity", "30人")
	b.click(`main form button[type=submit]`, ".item")
	b.shows(".item", "2026-12-21 09:00-11:30；2026-12-21 14:00-16:00", "30")
	b.click(`form[action$="/submit"] button`, ".flash")
	b.logout()

	// The district approves both.
	b.login("fengze")
	b.click(`.dash-campaign a[href="/campaigns/2026/review"]`, "main h1")
	b.capture("review-queue")
	for _, table := range []string{"1", "2"} {
		b.open("/campaigns/2026/review", "main h1")
		b.click(`a[href="/campaigns/2026/filings/hqu/`+table+`"]`, "#approve")
		b.click("#approve", ".flash")
		b.shows("main", "等待泉州市科学技术局审核")
	}
	b.logout()

	// The city approves the open day and returns the project with a comment.
	b.login("admin")
	b.open("/campaigns/2026/filings/hqu/2", "#approve")
	b.click("#approve", ".flash")
	b.shows("main", "已通过")
	b.open("/campaigns/2026/filings/hqu/1", "#approve")
	b.capture("review")
	b.fill(".item textarea", "请写明具体展区和讲解安排")
	b.click("#return", ".flash")
	b.shows("main", "已退回")
	b.logout()

	// The unit sees why, fixes the item and submits again.
	b.login("hqu")
	b.shows(".dash-campaign", "被退回")
	b.open("/campaigns/2026/filings/hqu/1", ".item-comment")
	b.shows(".item-comment", "请写明具体展区和讲解安排")
	b.click(`.item a.button`, "#f_place")
	b.fill("#f_place", "泉州市丰泽区城华北路269号华侨大学图书馆一楼展厅")
	b.click(`main form button[type=submit]`, ".item")
	b.click(`form[action$="/submit"] button`, ".flash")
	b.shows("main", "第 2 版")
	b.logout()

	b.login("fengze")
	b.open("/campaigns/2026/filings/hqu/1", "#approve")
	b.click("#approve", ".flash")
	b.logout()
	b.login("admin")
	b.open("/campaigns/2026/filings/hqu/1", "#approve")
	b.click("#approve", ".flash")
	b.shows("main", "已通过")
	b.click(`a[href$="/compare"]`, "main h1")
	b.shows("main", "图书馆一楼展厅", "已修改")
	b.capture("compare")
	b.open("/campaigns/2026/board", "#board-hqu")
	b.shows("#board-hqu", "已通过")
	b.capture("board")

	// The clerk's merged table, as the export link on the board gives it.
	link, err := chromedp.Run(b.ctx, chromedp.AttributeValue(`a[href$="/exports/table1.xlsx"]`, "href"))
	if err != nil || !link.Exists {
		t.Fatalf("the board has no export link: %v", err)
	}
	x, err := excelize.OpenReader(bytes.NewReader(b.fetch(link.Value)))
	if err != nil {
		t.Fatalf("open the export: %v", err)
	}
	sheet := x.GetSheetName(0)
	cell := func(ref string) string { v, _ := x.GetCellValue(sheet, ref); return v }
	merges, _ := x.GetMergeCells(sheet)
	titleMerged := false
	for _, m := range merges {
		titleMerged = titleMerged || (m.GetStartAxis() == "A2" && strings.HasSuffix(m.GetEndAxis(), "2") && m.GetEndAxis() > "M2")
	}
	if cell("A1") != "附件1" || cell("A2") != "2026年科技活动周重点项目备案表" || !titleMerged ||
		cell("A3") != "填报单位（盖章）：泉州市科学技术局" || cell("A4") != "序号" || cell("D4") != "项目名称" ||
		cell("A5") != "1" || cell("B5") != "丰泽区工业信息化和科技局" || cell("C5") != "华侨大学" || cell("D5") != "人工智能与机器人科普展" ||
		!strings.Contains(cell("K5"), "图书馆一楼展厅") || cell("A6") != "" {
		t.Fatalf("export: A1 %q A2 %q merged %v A3 %q A4 %q D4 %q row5 %q %q %q %q K5 %q A6 %q", cell("A1"), cell("A2"), titleMerged, cell("A3"),
			cell("A4"), cell("D4"), cell("A5"), cell("B5"), cell("C5"), cell("D5"), cell("K5"), cell("A6"))
	}
}
