package program

import (
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"github.com/sciweek/sciweek/internal/campaign"
	"github.com/sciweek/sciweek/internal/i18n"
	"github.com/sciweek/sciweek/internal/sharecard"
	"github.com/sciweek/sciweek/internal/web"
)

// cards keeps the drawn share pictures of every program page.
var cards = sharecard.NewCache()

// The pictures are always in Chinese, the language of the shared links'
// readers, so one URL is one picture.
var zh = i18n.For(i18n.Chinese)

func activityCard(c campaign.Campaign, a Activity) sharecard.Card {
	b := base{Page: web.Page{Localizer: zh}, C: c}
	lines := []string{b.When(a)}
	if a.Onsite() && a.Address != "" {
		lines = append(lines, a.Address)
	}
	lines = append(lines, a.UnitName)
	return sharecard.Card{Kicker: c.Title, Title: a.Title, Lines: lines, Footer: zh.T("share.card.footer")}
}

func activityCardPath(c campaign.Campaign, a Activity) string {
	return "/activities/" + strconv.FormatInt(a.ID, 10) + "/card.png?v=" + activityCard(c, a).Version("activity")
}

// unitCard is the share picture of a unit's page: its name and how many
// activities it holds.
func unitCard(c campaign.Campaign, name string, n int) sharecard.Card {
	return sharecard.Card{Kicker: c.Title, Title: name,
		Lines:  []string{zh.T("share.card.unit_activities", n), zh.DateRange(c.Start, c.End)},
		Footer: zh.T("share.card.footer")}
}

func unitCardPath(c campaign.Campaign, u Unit) string {
	return "/campaigns/" + c.Slug + "/units/" + u.Code + "/card.png?v=" + unitCard(c, u.Name, u.Activities).Version("unit")
}

// shareFor is a program page's share card, with the picture at imagePath.
func (b base) shareFor(r *http.Request, kind, title, desc, imagePath string) *web.Share {
	return web.ShareFor(r, b.Base, kind, title, desc, imagePath)
}

func (h *Handlers) campaignCard(w http.ResponseWriter, r *http.Request) {
	if c, ok := h.campaign(w, r); ok {
		h.serveCard(w, r, "campaign", campaign.ShareCard(c))
	}
}

func (h *Handlers) activityCard(w http.ResponseWriter, r *http.Request) {
	if a, c, ok := h.activity(w, r); ok {
		h.serveCard(w, r, "activity", activityCard(c, a))
	}
}

func (h *Handlers) unitCard(w http.ResponseWriter, r *http.Request) {
	if c, as, total, ok := h.unitActivities(w, r, 1); ok {
		h.serveCard(w, r, "unit", unitCard(c, as[0].UnitName, total))
	}
}

func (h *Handlers) serveCard(w http.ResponseWriter, r *http.Request, kind string, card sharecard.Card) {
	if err := cards.ServeCard(w, r, kind, card); err != nil {
		h.Server.Error(w, r, err)
	}
}

// Webcal is the subscription address of a calendar feed at path (with its
// filters): calendar apps that open webcal:// links keep the feed and
// fetch it again, so changes to the program reach the phone.
// The scheme is not one html/template lets through on its own; the
// address is built here from the site's and a path of ours.
func (b base) Webcal(path string) template.URL {
	_, rest, ok := strings.Cut(b.Base, "://")
	if !ok {
		rest = b.Base
	}
	return template.URL("webcal://" + rest + path)
}
