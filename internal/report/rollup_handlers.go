package report

import (
	"context"
	"html/template"
	"net/http"
	"strconv"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/campaign"
	"github.com/sciweek/sciweek/internal/web"
)

// rollView is what a level report's page shows of the level below.
type rollView struct {
	RollUp
	Figures []rollFigure
	// Candidates are the gathered reports with a case or photos to pick.
	Candidates []candidate
	Picks      []Pick
	Error      string
	// Stored says the level's own figures were saved, so they are shown
	// beside the total; before, the form starts from the total.
	Stored bool
}

type rollFigure struct {
	Key           string
	Own, Gathered int
	Differs       bool
}

type candidate struct {
	Report
	// Text is the case a pick would copy.
	Text   string
	Picked bool
	Photos int
}

// HTML is the case as shown beside its checkbox.
func (c candidate) HTML() template.HTML { return campaign.RenderMarkdown(c.Text) }

// rollFor gathers the level below for rep's page, or nil for a unit's
// report.
func (h *Handlers) rollFor(ctx context.Context, c campaign.Campaign, rep Report) (*rollView, error) {
	u, ok, err := h.Service.RollUp(ctx, c, rep)
	if err != nil || !ok {
		return nil, err
	}
	v := &rollView{RollUp: u, Stored: rep.ID != 0}
	for _, k := range FigureKeys {
		v.Figures = append(v.Figures, rollFigure{Key: k, Own: rep.Figures.Get(k), Gathered: u.Total.Get(k), Differs: u.Differs(rep, k)})
	}
	if v.Picks, err = h.Service.Picks(ctx, rep.ID); err != nil {
		return nil, err
	}
	picked := map[int64]bool{}
	for _, p := range v.Picks {
		picked[p.SourceID] = true
	}
	below, err := picksIn(ctx, h.Service.DB, u.Level.ID)
	if err != nil {
		return nil, err
	}
	for _, x := range u.Rows {
		if text, photos := caseOf(x, below[x.ID]); text != "" || len(photos) > 0 {
			v.Candidates = append(v.Candidates, candidate{Report: x, Text: text, Picked: picked[x.ID], Photos: len(photos)})
		}
	}
	return v, nil
}

// pickCases takes the checked typical cases of the level below into the
// level report.
func (h *Handlers) pickCases(w http.ResponseWriter, r *http.Request) {
	c, _, err := h.campaign(r, "slug")
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	r.ParseForm()
	version, _ := web.Int(r.PostFormValue("version"), 0, web.MaxVersion)
	var ids []int64
	for _, v := range r.PostForm["pick"] {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil {
			ids = append(ids, id)
		}
	}
	rep, err := h.Service.PickCases(r.Context(), c, r.PathValue("org"), version, ids)
	if err != nil {
		h.refused(w, r, c, nil, err)
		return
	}
	web.SetFlash(w, "rollup.cases_saved")
	web.Redirect(w, r, URL(c.Slug, rep.OrgCode)+"#cases-h")
}

// levelLink is the page of the level report of c's organiser and the name
// of the organiser it goes to (empty at the top of a chain).
func (h *Handlers) levelLink(ctx context.Context, c campaign.Campaign) (string, string, error) {
	up, err := h.Service.Campaigns.Ancestors(account.AsSystem(ctx), c)
	if err != nil || len(up) == 0 {
		return URL(c.Slug, c.OwnerCode), "", err
	}
	parent := up[len(up)-1]
	return URL(parent.Slug, c.OwnerCode), parent.OwnerName, nil
}

// gathered is rep's roll-up as the API gives it, or nil for a unit's
// report.
func (h *Handlers) gathered(ctx context.Context, c campaign.Campaign, rep Report) (*apiGathered, error) {
	u, ok, err := h.Service.RollUp(ctx, c, rep)
	if err != nil || !ok {
		return nil, err
	}
	g := &apiGathered{Campaign: u.Level.Slug, Total: u.Total, Reports: []apiGatheredReport{}}
	for _, x := range u.Rows {
		g.Reports = append(g.Reports, apiGatheredReport{Unit: x.OrgCode, UnitName: x.OrgName, Figures: x.Figures})
	}
	return g, nil
}
