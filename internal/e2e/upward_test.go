package e2e_test

import (
	"testing"

	"github.com/sciweek/sciweek/internal/apptest"
)

// TestBrowserCascadeUpward walks a unit's open day up the chain of the
// upcoming week: 华侨大学 files it with Quanzhou's campaign, 丰泽区 and the
// city approve it, the city submits its tables to Fujian (confirming in
// spite of its own deadline still to come), Fujian approves them and
// submits its own to the nation, 科学技术部 approves, and the national
// program lists the open day.
func TestBrowserCascadeUpward(t *testing.T) {
	env := apptest.Start(t, apptest.Options{NoDemoFilings: true})
	b := newBrowser(t, env.URL)
	b.acceptDialogs()

	b.login("hqu")
	b.open("/campaigns/2026/filings/hqu/2/items/new", "#f_unit_name")
	b.fill("#f_unit_name", "华侨大学")
	b.fill("#f_open_content", "材料科学重点实验室向公众开放")
	b.fill("#f_address", "泉州市丰泽区城华北路269号")
	b.fill("#f_contact", "林老师")
	b.fill("#f_phone", "13812345678")
	b.fill("#f_slots", "2026-12-20 09:00-11:00\n2026-12-20 14:00-16:00")
	b.fill("#f_capacity", "25")
	b.click(`main form button[type=submit]`, ".item")
	b.click(`form[action$="/submit"] button`, ".flash")
	b.logout()
	for _, reviewer := range []string{"fengze", "admin"} {
		b.login(reviewer)
		b.open("/campaigns/2026/filings/hqu/2", "#approve")
		b.click("#approve", ".flash")
		b.logout()
	}

	// The city submits upward from its board, warned that its own units'
	// deadline is still to come.
	b.login("admin")
	b.open("/campaigns/2026/board", "#upward-link")
	b.click("#upward-link", "#upward-submit-button")
	b.shows("#rows-h", "1")
	b.capture("upward-city")
	b.click("#upward-submit-button", "#upward-warnings")
	b.shows("#upward-warnings", "2026年12月12日")
	b.capture("upward-city-confirm")
	b.click("#upward-confirm", ".flash")
	b.logout()

	// Fujian finds Quanzhou on its board, reviews and approves, then
	// submits its own level's tables to the nation.
	b.login("fjkjt")
	b.open("/campaigns/fj-2026/board", "#board-quanzhou")
	b.capture("upward-province-board")
	b.click(`#board-quanzhou a[href="/campaigns/2026/upward"]`, "#decision-form")
	b.shows("main", "华侨大学")
	b.capture("upward-province-review")
	b.click("#approve", ".flash")
	b.open("/campaigns/fj-2026/board", "#upward-link")
	b.click("#upward-link", "#upward-submit-button")
	b.click("#upward-submit-button", "#upward-confirm")
	b.click("#upward-confirm", ".flash")
	b.logout()

	b.login("most")
	b.open("/campaigns/cn-2026/board", "#board-fujian")
	b.capture("upward-national-board")
	b.click(`#board-fujian a[href="/campaigns/fj-2026/upward"]`, "#decision-form")
	b.shows("main", "泉州市科学技术局", "华侨大学")
	b.click("#approve", ".flash")
	b.shows("main", "已审核通过")
	b.capture("upward-national-approved")
	b.logout()

	b.open("/campaigns/cn-2026/activities", "main h1")
	b.shows("main", "华侨大学")
	b.capture("upward-national-program")
}
