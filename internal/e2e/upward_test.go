package e2e_test

import (
	"testing"

	"github.com/sciweek/sciweek/internal/apptest"
)

// submitUpward submits the level's tables from its board, confirming the
// warnings; page names the screenshots.
func (b *browser) submitUpward(slug, page string) {
	b.t.Helper()
	b.open("/campaigns/"+slug+"/board", "#upward-link")
	b.click("#upward-link", "#upward-submit-button")
	b.capture(page)
	b.click("#upward-submit-button", "#upward-warnings")
	b.capture(page + "-confirm")
	b.click("#upward-confirm", ".flash")
}

// approveLevel finds the level below on the board of slug, opens its
// submission from there and approves it, checking that it holds want.
func (b *browser) approveLevel(slug, org, below, page string, want ...string) {
	b.t.Helper()
	b.open("/campaigns/"+slug+"/board", "#board-"+org)
	b.capture(page + "-board")
	b.click(`#board-`+org+` a[href="/campaigns/`+below+`/upward"]`, "#decision-form")
	b.shows("main", want...)
	b.capture(page + "-review")
	b.click("#approve", ".flash")
	b.shows("main", "已审核通过")
}

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

	b.fileOpenDay("2026-12-20 09:00-11:00\n2026-12-20 14:00-16:00")
	for _, reviewer := range []string{"fengze", "admin"} {
		b.login(reviewer)
		b.open("/campaigns/2026/filings/hqu/2", "#approve")
		b.click("#approve", ".flash")
		b.logout()
	}

	// The city submits upward from its board, warned that its own units'
	// deadline is still to come.
	b.login("admin")
	b.submitUpward("2026", "upward-city")
	b.logout()

	// Fujian finds Quanzhou on its board, reviews and approves, then
	// submits its own level's tables to the nation, which approves them.
	b.login("fjkjt")
	b.approveLevel("fj-2026", "quanzhou", "2026", "upward-province", "华侨大学")
	b.submitUpward("fj-2026", "upward-fujian")
	b.logout()
	b.login("most")
	b.approveLevel("cn-2026", "fujian", "fj-2026", "upward-national", "泉州市科学技术局", "华侨大学")
	b.logout()

	b.open("/campaigns/cn-2026/activities", "main h1")
	b.shows("main", "华侨大学")
	b.capture("upward-national-program")
}
