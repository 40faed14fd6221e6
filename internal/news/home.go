package news

import (
	"bytes"
	"html/template"
	"net/http"

	"github.com/sciweek/sciweek/internal/campaign"
	"github.com/sciweek/sciweek/internal/i18n"
	"github.com/sciweek/sciweek/internal/web"
)

var homeTemplate = template.Must(template.New("").Funcs(template.FuncMap{
	"isotime": func(t interface{ Format(string) string }) string { return t.Format("2006-01-02T15:04:05Z07:00") },
}).ParseFS(Templates, "templates/_home.html"))

// Highlights is what the campaign home shows of its publicity: the pinned
// articles and the latest ones.
type Highlights struct {
	i18n.Localizer
	Slug   string
	Pinned []Article
	Latest []Article
}

// Highlights collects the campaign's pinned notices and latest news.
func (h *Handlers) Highlights(r *http.Request, c campaign.Campaign) (Highlights, error) {
	out := Highlights{Localizer: web.L(r.Context()), Slug: c.Slug}
	var err error
	if out.Pinned, _, err = h.Service.Published(r.Context(), c, Query{Pinned: true, PerPage: 5}); err != nil {
		return out, err
	}
	all, _, err := h.Service.Published(r.Context(), c, Query{Section: SectionNews, PerPage: 10})
	for _, a := range all {
		if !a.Pinned && len(out.Latest) < 5 {
			out.Latest = append(out.Latest, a)
		}
	}
	return out, err
}

// CampaignBlock renders the news block of the campaign home (the partial
// "news_home" in templates/_home.html); it is empty when nothing is
// published or the articles cannot be read.
func (h *Handlers) CampaignBlock(r *http.Request, c campaign.Campaign) template.HTML {
	hl, err := h.Highlights(r, c)
	if err != nil {
		h.Server.Log.Warn("campaign news block", "campaign", c.Slug, "err", err)
		return ""
	}
	var buf bytes.Buffer
	if err := homeTemplate.ExecuteTemplate(&buf, "news_home", hl); err != nil {
		h.Server.Log.Warn("campaign news block", "campaign", c.Slug, "err", err)
		return ""
	}
	return template.HTML(buf.String())
}
