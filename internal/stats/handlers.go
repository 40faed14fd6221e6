package stats

import (
	"embed"
	"fmt"
	"net/http"
	"strconv"

	"github.com/xuri/excelize/v2"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/i18n"
	"github.com/sciweek/sciweek/internal/web"
)

//go:embed templates/*.html
var Templates embed.FS

// Handlers serves the statistics page, its print copy and the workbook.
type Handlers struct {
	Service *Service
	Server  *web.Server
}

// Routes registers the pages.
func (h *Handlers) Routes(mux web.Router) {
	mux.HandleFunc("GET /campaigns/{slug}/stats", h.page("stats.html"))
	mux.HandleFunc("GET /campaigns/{slug}/stats/print", h.page("print.html"))
	mux.HandleFunc("GET /campaigns/{slug}/stats/summary.xlsx", h.xlsx)
}

type statsPage struct {
	web.Page
	S      Summary
	Charts []Chart
}

func (h *Handlers) summary(r *http.Request) (Summary, error) {
	if _, err := account.RequireLogin(r); err != nil {
		return Summary{}, err
	}
	c, err := h.Service.Campaigns.Get(r.Context(), r.PathValue("slug"))
	if err != nil {
		return Summary{}, err
	}
	return h.Service.Summarize(r.Context(), c, web.Lang(r.Context()))
}

func (h *Handlers) page(name string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s, err := h.summary(r)
		if err != nil {
			h.Server.Error(w, r, err)
			return
		}
		p := statsPage{Page: web.PageFor(r, "stats.title", s.Campaign.Title), S: s,
			Charts: []Chart{s.ByDistrict, s.ByCategory, s.ByDay, s.ByMode, s.Filing, s.Reporting, s.Media}}
		p.Wide = true
		h.Server.Renderer.Render(w, r, http.StatusOK, "stats/"+name, p)
	}
}

// xlsx writes the city's summary: figures by district, activities by
// focus area, and the typical cases.
func (h *Handlers) xlsx(w http.ResponseWriter, r *http.Request) {
	s, err := h.summary(r)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	l := web.L(r.Context())
	f := excelize.NewFile()
	defer f.Close()
	bold, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	sheet := func(name string, header []string, rows [][]any) {
		idx, _ := f.NewSheet(name)
		if idx == 1 {
			f.DeleteSheet("Sheet1")
		}
		f.SetCellValue(name, "A1", s.Campaign.Title+" · "+name)
		f.SetCellStyle(name, "A1", "A1", bold)
		for i, v := range header {
			cell, _ := excelize.CoordinatesToCellName(i+1, 2)
			f.SetCellValue(name, cell, v)
			f.SetCellStyle(name, cell, cell, bold)
		}
		for j, row := range rows {
			for i, v := range row {
				cell, _ := excelize.CoordinatesToCellName(i+1, j+3)
				f.SetCellValue(name, cell, v)
			}
		}
		f.SetColWidth(name, "A", "A", 28)
	}
	var rows [][]any
	for _, d := range append(s.Districts, withLabel(s.Totals, l.T("stats.total"))) {
		rows = append(rows, []any{d.District, d.Activities, d.Expected, d.Reported, d.Booked, d.CheckedIn, d.OnSite, d.Online, d.MediaReports, d.Reports})
	}
	sheet(l.T("stats.sheet.district"), districtHeader(l), rows)
	rows = nil
	for _, b := range s.ByCategory.Bars {
		rows = append(rows, []any{b.Label, b.N})
	}
	sheet(l.T("stats.sheet.category"), []string{l.T("stats.col.category"), l.T("stats.col.activities")}, rows)
	rows = nil
	for _, c := range s.Cases {
		rows = append(rows, []any{c.District, c.Unit, c.Text})
	}
	sheet(l.T("stats.sheet.cases"), []string{l.T("stats.col.district"), l.T("stats.col.unit"), l.T("stats.col.case")}, rows)
	f.SetColWidth(l.T("stats.sheet.cases"), "B", "B", 24)
	f.SetColWidth(l.T("stats.sheet.cases"), "C", "C", 80)
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", web.ContentDisposition("attachment", fmt.Sprintf("%s-%s.xlsx", s.Campaign.Title, l.T("stats.summary"))))
	w.Header().Set("Cache-Control", "private, no-store")
	if err := f.Write(w); err != nil {
		h.Server.Log.Error("write summary workbook", "err", err)
	}
}

func withLabel(d DistrictRow, label string) DistrictRow {
	d.District = label
	return d
}

func districtHeader(l i18n.Localizer) []string {
	var out []string
	for _, k := range []string{"district", "activities", "expected", "reported", "booked", "checked_in", "on_site", "online", "media", "reports"} {
		out = append(out, l.T("stats.col."+k))
	}
	return out
}

// DistrictHeader is the header of the district table, for templates.
func (p statsPage) DistrictHeader() []string { return districtHeader(p.Localizer) }

// Height is the height of a chart's SVG drawing.
func (c Chart) Height() int { return 28*len(c.Bars) + 8 }

// Width is a bar's length in the 360-wide drawing, 200 at the most.
func (b Bar) Width() string { return strconv.FormatFloat(b.Pct*2, 'f', 1, 64) }

// ValueX is where the number after a bar is written.
func (b Bar) ValueX() string { return strconv.FormatFloat(124+b.Pct*2, 'f', 1, 64) }

// TextY and RectY place a bar's row in the drawing.
func (b Bar) TextY() int { return 28*b.Row + 19 }

// RectY is the top of the bar.
func (b Bar) RectY() int { return 28*b.Row + 7 }

// Short is a label cut to fit beside the bars.
func (b Bar) Short() string {
	r := []rune(b.Label)
	if len(r) > 9 {
		return string(r[:8]) + "…"
	}
	return b.Label
}
