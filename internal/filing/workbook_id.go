package filing

import (
	"archive/zip"
	"encoding/xml"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/campaign"
	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/web"
)

// The custom document properties that say which campaign and table a
// workbook sciweek wrote belongs to, so that an import can refuse the
// template of another campaign or table. A clerk's own workbook has none
// and is read as before.
const (
	propCampaign = "sciweek-campaign"
	propTable    = "sciweek-table"
)

// blankRows is how many empty numbered rows a blank template offers.
const blankRows = 10

// setIdentity marks the workbook with its campaign and table.
func setIdentity(f *excelize.File, slug string, table int) error {
	for _, p := range []excelize.CustomProperty{{Name: propCampaign, Value: slug}, {Name: propTable, Value: strconv.Itoa(table)}} {
		if err := f.SetCustomProps(p); err != nil {
			return err
		}
	}
	return nil
}

// workbookIdentity reads the campaign and table a workbook was written for,
// from its docProps/custom.xml; empty when it carries none.
func workbookIdentity(r io.ReaderAt, size int64) (slug string, table int) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return "", 0
	}
	for _, zf := range zr.File {
		if !strings.EqualFold(zf.Name, "docProps/custom.xml") || zf.UncompressedSize64 > 1<<20 {
			continue
		}
		rc, err := zf.Open()
		if err != nil {
			return "", 0
		}
		defer rc.Close()
		var doc struct {
			Props []struct {
				Name  string `xml:"name,attr"`
				Value struct {
					Text string `xml:",chardata"`
				} `xml:",any"`
			} `xml:"property"`
		}
		if xml.NewDecoder(io.LimitReader(rc, 1<<20)).Decode(&doc) != nil {
			return "", 0
		}
		for _, p := range doc.Props {
			switch p.Name {
			case propCampaign:
				slug = strings.TrimSpace(p.Value.Text)
			case propTable:
				table, _ = strconv.Atoi(strings.TrimSpace(p.Value.Text))
			}
		}
	}
	return slug, table
}

// checkWorkbookFor refuses a workbook written for another campaign or
// table, saying which one it is and where the right template is. Errors:
// Invalid "paper.error.other_campaign", "paper.error.other_table".
func (h *Handlers) checkWorkbookFor(r *http.Request, c campaign.Campaign, table int, org account.Organisation, ra io.ReaderAt, size int64) error {
	slug, wbTable := workbookIdentity(ra, size)
	if slug == "" && wbTable == 0 {
		return nil
	}
	right := blankTemplateURL(c.Slug, org.Code, table)
	switch {
	case slug != "" && slug != c.Slug:
		title := slug
		if other, err := h.Service.Campaigns.Get(account.AsSystem(r.Context()), slug); err == nil {
			title = other.Title
		}
		return fileError("paper.error.other_campaign", title, fmt.Sprintf("附件%d", max(wbTable, 1)), c.Title, right)
	case wbTable != 0 && wbTable != table:
		return fileError("paper.error.other_table", fmt.Sprintf("附件%d", wbTable), fmt.Sprintf("附件%d", table), right)
	}
	return nil
}

func fileError(key string, args ...any) error {
	return &errs.Error{Code: errs.Invalid, Msg: errs.Msg{Key: key, Args: args}, Fields: map[string]errs.Msg{"file": {Key: key, Args: args}}}
}

// blankTemplateURL is where a unit downloads the blank template of a table.
func blankTemplateURL(slug, org string, table int) string {
	return "/campaigns/" + slug + "/filings/" + org + "/" + strconv.Itoa(table) + "/template.xlsx"
}

// blankTemplate answers the table as an empty workbook in the official
// layout, with the unit's name on the stamp line, dropdowns for the choice
// columns and a note of the formats accepted; it is for the unit's own
// staff, its district and the organiser.
func (h *Handlers) blankTemplate(w http.ResponseWriter, r *http.Request) {
	c, f, err := h.load(r)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	t, _, err := h.Service.Template(r.Context(), c, f.Table)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	win := WindowOf(c)
	spec := ExportSpec{Template: t, Year: c.Start.Year(), Filer: f.OrgName, Campaign: c.Slug, Choices: &win, Note: formatNote(t, win)}
	spec.Rows = make([]ExportRow, blankRows)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": t.Attachment() + " " + t.FullTitle(c.Start.Year()) + "（" + f.OrgName + "）.xlsx"}))
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Cache-Control", "private, no-store")
	if err := WriteXLSX(w, spec); err != nil {
		h.Server.Log.Error("blank template", "err", err, "request_id", web.RequestID(r.Context()))
	}
}

// formatNote is the note under a blank table: the formats the import
// accepts, for the columns the table has. It is printed in the notice's
// language, like the rest of the form.
func formatNote(t Template, win Window) string {
	has := map[FieldType]bool{}
	for _, f := range t.Official() {
		has[f.Type] = true
	}
	day := win.Start.Format("2006-01-02")
	var parts []string
	add := func(s string) { parts = append(parts, fmt.Sprintf("%d. %s", len(parts)+1, s)) }
	if has[TypeDateTime] || has[TypeDate] {
		add("时间填写如 " + day + " 09:00，日期须在活动周内")
	}
	if has[TypeSlots] {
		add("开放时间每行一个时段，如 " + day + " 09:00-11:30")
	}
	if has[TypeChoice] {
		add("带下拉箭头的列请从列表中选择")
	}
	if has[TypeMulti] {
		add("可填多项的列用“、”分隔，如 青少年、社会公众")
	}
	if has[TypeNumber] {
		add("人数填写数字，如 300")
	}
	if has[TypePhone] {
		add("联系电话填写手机号或带区号的座机号，如 0595-22692114")
	}
	return "注：" + strings.Join(parts, "；") + "。"
}

// addChoiceLists puts a dropdown of the allowed values on each choice
// column of the item rows. Lists too long for the cell rule go on a hidden
// sheet the rule refers to.
func addChoiceLists(f *excelize.File, sheet string, cols []exportColumn, win Window, rows int) error {
	listRow := 0
	for i, c := range cols {
		if c.kind != colField || c.field.Type != TypeChoice || c.field.Retired {
			continue
		}
		choices := win.choices(c.field)
		if len(choices) == 0 {
			continue
		}
		name, err := excelize.ColumnNumberToName(i + 1)
		if err != nil {
			return err
		}
		dv := excelize.NewDataValidation(true)
		dv.Sqref = fmt.Sprintf("%s%d:%s%d", name, firstItemRow, name, firstItemRow+rows-1)
		dv.SetError(excelize.DataValidationErrorStyleStop, c.field.Label, "请从下拉列表中选择")
		if err := dv.SetDropList(choices); err != nil {
			// Longer than a rule can hold: refer to a hidden sheet.
			const lists = "选项"
			if listRow == 0 {
				if _, err := f.NewSheet(lists); err != nil {
					return err
				}
				if err := f.SetSheetVisible(lists, false); err != nil {
					return err
				}
			}
			listRow++
			for j, v := range choices {
				cell, _ := excelize.CoordinatesToCellName(j+1, listRow)
				if err := f.SetCellStr(lists, cell, v); err != nil {
					return err
				}
			}
			last, _ := excelize.ColumnNumberToName(len(choices))
			dv.Formula1 = ""
			dv.SetSqrefDropList(fmt.Sprintf("'%s'!$A$%d:$%s$%d", lists, listRow, last, listRow))
		}
		if err := f.AddDataValidation(sheet, dv); err != nil {
			return err
		}
	}
	return nil
}
