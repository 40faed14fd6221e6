package filing_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/apptest"
	"github.com/sciweek/sciweek/internal/audit"
	"github.com/sciweek/sciweek/internal/filing"
)

// editorForm is what the form editor posts for fields in order, with
// newField (no key yet) in the row for adding one.
func editorForm(version int, fields []filing.Field, newField filing.Field) url.Values {
	v := url.Values{"version": {strconv.Itoa(version)}, "rows": {strconv.Itoa(len(fields))}}
	put := func(suffix string, f filing.Field) {
		v.Set("label"+suffix, f.Label)
		v.Set("label_en"+suffix, f.LabelEn)
		v.Set("type"+suffix, string(f.Type))
		v.Set("help"+suffix, f.Help)
		v.Set("help_en"+suffix, f.HelpEn)
		v.Set("choices"+suffix, strings.Join(f.Choices, "\n"))
		for name, on := range map[string]bool{"required": f.Required, "public": f.Public, "positive": f.Positive, "retired": f.Retired} {
			if on {
				v.Set(name+suffix, "1")
			}
		}
	}
	for i, f := range fields {
		v.Set("key."+strconv.Itoa(i), f.Key)
		put("."+strconv.Itoa(i), f)
	}
	put(".new", newField)
	return v
}

// fieldIndex is where the field with key stands.
var itemUIDRe = regexp.MustCompile(`id="item-([0-9a-f]+)"`)

func mustAtoi(t *testing.T, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func fieldIndex(t *testing.T, fields []filing.Field, key string) int {
	t.Helper()
	for i, f := range fields {
		if f.Key == key {
			return i
		}
	}
	t.Fatalf("no field %s", key)
	return -1
}

func TestFormTemplateEditor(t *testing.T) {
	apptest.EachWith(t, apptest.Options{NoDemoFilings: true}, func(t *testing.T, e *apptest.Env) {
		const editor = "/campaigns/2026/forms/1"
		base := "/campaigns/2026/filings/hqu/1"

		// A unit files an item, the district and the city approve it.
		hqu := e.As(t, "hqu")
		item := map[string]string{"title": "人工智能科普展", "host": "华侨大学", "organizer": "华侨大学科技处", "category": "展示科技创新成就", "mode": "线下",
			"start": "2026-12-20T09:00", "end": "2026-12-20T17:00", "place": "泉州市丰泽区城华北路269号", "content": "展示",
			"audience": "青少年、社会公众", "expected": "300", "contact": "林老师", "phone": "0595-22692114"}
		if res := hqu.PostForm(base+"/items", itemForm(item)); res.Status != 303 {
			t.Fatalf("file an item: %d\n%s", res.Status, res.Body)
		}
		page := hqu.Get(base).Body
		id := filingIDRe.FindStringSubmatch(page)[1]
		if res := hqu.PostForm("/filings/"+id+"/submit", url.Values{"version": {versionRe.FindStringSubmatch(page)[1]}}); res.Status != 303 {
			t.Fatalf("submit: %d", res.Status)
		}
		for _, who := range []string{"fengze", "admin"} {
			c := e.As(t, who)
			v := versionRe.FindStringSubmatch(c.Get(base).Body)[1]
			if res := c.PostForm("/filings/"+id+"/approve", url.Values{"version": {v}}); res.Status != 303 {
				t.Fatalf("%s approves: %d\n%s", who, res.Status, res.Body)
			}
		}

		e.Run(t, []apptest.Scenario{
			{Name: "unit", As: "hqu", Path: editor, Status: 403},
			{Name: "coordinator", As: "fengze", Path: editor, Status: 403},
			{Name: "coordinator posts", As: "fengze", Method: "POST", Path: editor, Form: editorForm(0, filing.DefaultTemplate(1).Fields, filing.Field{}), Status: 403},
			{Name: "unknown table", As: "admin", Path: "/campaigns/2026/forms/3", Status: 404},
			{Name: "board links the editor", As: "admin", Path: "/campaigns/2026/board", Status: 200,
				Contains: []string{`href="/campaigns/2026/forms/1"`, "编辑附件2表单"}},
			{Name: "board without links for a district", As: "fengze", Path: "/campaigns/2026/board", Status: 200,
				NotContains: []string{`href="/campaigns/2026/forms/1"`}},
			{Name: "organiser", As: "admin", Path: editor, Status: 200,
				Contains: []string{`name="version" value="0"`, `name="key.0" value="title"`, `value="项目名称"`, `value="up:mode"`, "单选", "停用", "活动类别"}},
			{Name: "in English", As: "admin", Path: editor, Header: http.Header{"Accept-Language": {"en"}}, Status: 200,
				Contains: []string{"Edit the form of Table 1", "Single choice", "The choices are the campaign&#39;s focus areas"}},
		})

		// The organiser relabels 主办单位, retires 承办单位, adds a
		// required field and moves 活动形式 up, in one save.
		admin := e.As(t, "admin")
		fields := filing.DefaultTemplate(1).Fields
		fields[fieldIndex(t, fields, filing.KeyHost)].Label = "主办机构"
		fields[fieldIndex(t, fields, filing.KeyOrganizer)].Retired = true
		form := editorForm(0, fields, filing.Field{Label: "活动亮点", LabelEn: "Highlights", Type: filing.TypeTextarea, Required: true, Public: true})
		res := admin.PostForm(editor, form)
		if res.Status != 303 || res.Location() != editor {
			t.Fatalf("save: %d %s\n%s", res.Status, res.Location(), res.Body)
		}
		saved, _, err := e.App.Filings.Template(context.Background(), upcoming(t, e), 1)
		if err != nil {
			t.Fatal(err)
		}
		moveUp := editorForm(1, saved.Fields, filing.Field{})
		moveUp.Set("action", "up:mode")
		res = admin.PostForm(editor, moveUp)
		if res.Status != 303 || res.Location() != editor+"#field-mode" {
			t.Fatalf("move up: %d %s\n%s", res.Status, res.Location(), res.Body)
		}
		mode := fieldIndex(t, fields, filing.KeyMode)
		tpl, version, err := e.App.Filings.Template(context.Background(), upcoming(t, e), 1)
		if err != nil {
			t.Fatal(err)
		}
		if version != 2 || tpl.Fields[mode-1].Key != filing.KeyMode || tpl.Fields[mode].Key != filing.KeyCategory {
			t.Fatalf("after the move: version %d, fields %+v", version, tpl.Fields)
		}
		added, ok := tpl.Field("f17")
		if !ok || added.Label != "活动亮点" || !added.Required || added.Type != filing.TypeTextarea {
			t.Fatalf("the new field: %+v in %+v", added, tpl.Fields)
		}
		if f, _ := tpl.Field(filing.KeyCategory); f.ChoicesFrom != "categories" {
			t.Errorf("the focus areas no longer feed 活动类别: %+v", f)
		}
		page = admin.Get(editor).Body
		for _, want := range []string{"字段顺序已调整", `value="主办机构"`, `name="key.16" value="f17"`, `name="version" value="2"`, "已停用"} {
			if !strings.Contains(page, want) {
				t.Errorf("the editor lacks %q", want)
			}
		}
		if events, _, err := e.App.Audit.List(context.Background(), audit.Filter{Action: "filing.template"}); err != nil || len(events) != 2 {
			t.Errorf("audit events of the form: %d, %v", len(events), err)
		}

		// The unit's form asks for the new field and no longer for the
		// retired one.
		page = hqu.Get(base + "/items/new").Body
		if !strings.Contains(page, `name="f_f17"`) || !strings.Contains(page, "活动亮点") || strings.Contains(page, `name="f_organizer"`) {
			t.Errorf("the item form after the change:\n%s", page)
		}
		// What was filed stays: under the new label on the filing, and in
		// the export, retired column included. The new required field is
		// flagged on the item, as the editor warns.
		page = hqu.Get(base).Body
		if !strings.Contains(page, "主办机构") || !strings.Contains(page, "华侨大学") || !strings.Contains(page, "活动亮点：此项必填") {
			t.Errorf("the filing after the change:\n%s", page)
		}
		csv := admin.Get("/campaigns/2026/exports/table1.csv").Body
		for _, want := range []string{"主办机构", "承办单位", "华侨大学科技处", "活动亮点"} {
			if !strings.Contains(csv, want) {
				t.Errorf("the export lacks %q:\n%s", want, csv)
			}
		}

		// The unit reopens its approved table and saves the item again
		// through the new form: the retired 承办单位 is not asked for, and
		// what was filed in it stays.
		v := versionRe.FindStringSubmatch(hqu.Get(base).Body)[1]
		if res := hqu.PostForm("/filings/"+id+"/reopen", url.Values{"version": {v}}); res.Status != 303 {
			t.Fatalf("reopen: %d\n%s", res.Status, res.Body)
		}
		uid := itemUIDRe.FindStringSubmatch(hqu.Get(base).Body)[1]
		resaved := map[string]string{}
		for k, val := range item {
			if k != "organizer" {
				resaved[k] = val
			}
		}
		resaved["title"], resaved["f17"] = "人工智能科普展（第二版）", "机器人互动"
		if res := hqu.PostForm(base+"/items/"+uid, itemForm(resaved)); res.Status != 303 {
			t.Fatalf("re-save: %d\n%s", res.Status, res.Body)
		}
		f, err := e.App.Filings.Get(account.AsSystem(context.Background()), mustAtoi(t, id))
		if err != nil || len(f.Items) != 1 || f.Items[0].Values["organizer"] != "华侨大学科技处" || f.Items[0].Values["title"] != "人工智能科普展（第二版）" {
			t.Fatalf("the re-saved item lost its retired value: %+v, %v", f.Items, err)
		}

		// A second tab with the old version: refused, the typed form kept.
		stale := editorForm(1, fields, filing.Field{})
		stale.Set("label.0", "项目名称（全称）")
		res = admin.PostForm(editor, stale)
		if res.Status != 409 || !strings.Contains(res.Body, "在您编辑期间") || !strings.Contains(res.Body, `value="项目名称（全称）"`) || !strings.Contains(res.Body, `name="version" value="1"`) {
			t.Fatalf("stale save: %d\n%s", res.Status, res.Body)
		}

		// An empty label: the message stands beside it.
		tpl, version, _ = e.App.Filings.Template(context.Background(), upcoming(t, e), 1)
		empty := editorForm(version, tpl.Fields, filing.Field{LabelEn: "Only English"})
		empty.Set("label.2", "  ")
		res = admin.PostForm(editor, empty)
		key2 := tpl.Fields[2].Key
		if res.Status != 422 || !strings.Contains(res.Body, `id="label-`+key2+`-error"`) || !strings.Contains(res.Body, `id="label-new-error"`) ||
			!strings.Contains(res.Body, `value="Only English"`) {
			t.Fatalf("empty label: %d\n%s", res.Status, res.Body)
		}
		bad := editorForm(version, tpl.Fields, filing.Field{})
		bad.Set("type.1", "colour")
		if res := admin.PostForm(editor, bad); res.Status != 422 || !strings.Contains(res.Body, `id="type-`+tpl.Fields[1].Key+`-error"`) {
			t.Fatalf("unknown type: %d\n%s", res.Status, res.Body)
		}
		// A choice field needs its choices.
		noChoices := editorForm(version, tpl.Fields, filing.Field{Label: "场地类型", Type: filing.TypeChoice})
		if res := admin.PostForm(editor, noChoices); res.Status != 422 || !strings.Contains(res.Body, `id="choices-new-error"`) || !strings.Contains(res.Body, "须列出可选项") {
			t.Fatalf("a choice field without choices: %d\n%s", res.Status, res.Body)
		}
		// Dropping a field from the posted form does not delete it.
		short := editorForm(version, tpl.Fields[:len(tpl.Fields)-1], filing.Field{})
		if res := admin.PostForm(editor, short); res.Status != 422 || !strings.Contains(res.Body, "不能删除") {
			t.Fatalf("a field left out: %d\n%s", res.Status, res.Body)
		}
	})
}
