package e2e_test

import (
	"testing"

	"github.com/sciweek/sciweek/internal/apptest"
)

// TestBrowserFormEditor has the organiser open a table's form from the
// board, rename a field, add one, save, and move a field up, on a phone.
func TestBrowserFormEditor(t *testing.T) {
	env := apptest.Start(t, apptest.Options{NoDemoFilings: true})
	b := newBrowser(t, env.URL)

	b.login("admin")
	b.open("/campaigns/2026/board", "main h1")
	b.click(`a[href="/campaigns/2026/forms/1"]`, "#label-title")
	b.shows("main h1", "编辑附件1表单")
	b.capture("form-editor")

	b.fill("#label-host", "主办机构")
	b.fill("#label-new", "活动亮点")
	b.fill("#label_en-new", "Highlights")
	b.click("#save", ".flash")
	b.shows(".flash", "表单已保存")
	if got := b.value("#label-host"); got != "主办机构" {
		t.Errorf("the renamed field reads %q", got)
	}
	if got := b.value("#label-f17"); got != "活动亮点" {
		t.Errorf("the added field reads %q", got)
	}
	if got := b.value("#label-new"); got != "" {
		t.Errorf("the row for adding a field still holds %q", got)
	}

	b.click(`button[value="up:f17"]`, ".flash")
	b.shows(".flash", "字段顺序已调整")
	b.shows("#field-f17 legend", "16. 活动亮点")
	b.capture("form-editor-saved")

	// The unit's form asks for the new field.
	b.logout()
	b.login("hqu")
	b.open("/campaigns/2026/filings/hqu/1/items/new", "#f_f17")
	b.shows(`label[for="f_host"]`, "主办机构")
}
