package program

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/sciweek/sciweek/internal/campaign"
	"github.com/sciweek/sciweek/internal/web"
)

// Ref names an organisation, a focus area or an audience in the API.
type Ref struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// ActivityJSON is an activity as the API and open data give it.
type ActivityJSON struct {
	ID       int64  `json:"id"`
	Campaign string `json:"campaign"`
	Kind     Kind   `json:"kind"`
	Title    string `json:"title"`
	Unit     Ref    `json:"unit"`
	District *Ref   `json:"district"`
	// Province and City name the levels of the campaign chain, where there
	// is one.
	Province  *Ref      `json:"province,omitempty"`
	City      *Ref      `json:"city,omitempty"`
	Host      string    `json:"host,omitempty"`
	Organizer string    `json:"organizer,omitempty"`
	Category  *Ref      `json:"category"`
	Audiences []Ref     `json:"audiences"`
	Mode      Mode      `json:"mode"`
	Start     string    `json:"start"`
	End       string    `json:"end"`
	Sessions  []Session `json:"sessions"`
	Address   string    `json:"address"`
	OnlineURL string    `json:"online_url,omitempty"`
	Content   string    `json:"content"`
	Capacity  int       `json:"capacity,omitempty"`
	Expected  int       `json:"expected,omitempty"`
	Fields    []Field   `json:"fields"`
	Bookable  bool      `json:"bookable"`
	URL       string    `json:"url"`
	Calendar  string    `json:"calendar_url"`
	UpdatedAt string    `json:"updated_at"`
}

// JSON is the activity in the API's shape.
func (a Activity) JSON() ActivityJSON {
	out := ActivityJSON{ID: a.ID, Campaign: a.CampaignSlug, Kind: a.Kind, Title: a.Title, Unit: Ref{a.UnitCode, a.UnitName},
		Host: a.Host, Organizer: a.Organizer, Audiences: []Ref{}, Mode: a.Mode,
		Start: a.Start.Format(time.RFC3339), End: a.End.Format(time.RFC3339), Sessions: a.Sessions, Address: a.Address,
		OnlineURL: a.OnlineURL, Content: a.Content, Capacity: a.Capacity, Expected: a.Expected, Fields: a.Fields, Bookable: a.Bookable,
		URL: "/activities/" + strconv.FormatInt(a.ID, 10), UpdatedAt: a.UpdatedAt.Format(time.RFC3339)}
	out.Calendar = out.URL + "/calendar.ics"
	if a.DistrictCode != "" {
		out.District = &Ref{a.DistrictCode, a.DistrictName}
	}
	if a.ProvinceCode != "" {
		out.Province = &Ref{a.ProvinceCode, a.ProvinceName}
	}
	if a.CityCode != "" {
		out.City = &Ref{a.CityCode, a.CityName}
	}
	if a.CategoryCode != "" {
		out.Category = &Ref{a.CategoryCode, a.CategoryName}
	}
	for i, c := range a.AudienceCodes {
		out.Audiences = append(out.Audiences, Ref{c, a.AudienceNames[i]})
	}
	if out.Fields == nil {
		out.Fields = []Field{}
	}
	return out
}

// apiListAnswer is a page of the program with the filters that were not
// applied.
type apiListAnswer struct {
	web.List[ActivityJSON]
	Ignored []string `json:"ignored_filters,omitempty"`
}

func (h *Handlers) apiList(w http.ResponseWriter, r *http.Request) {
	c, ok := h.campaign(w, r)
	if !ok {
		return
	}
	page, perPage, err := web.Paging(r, 50)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	f, ignored := h.Service.ParseFilter(r.Context(), c, r.URL.Query())
	as, total, err := h.Service.ListPage(r.Context(), c, f, page, perPage)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	out := apiListAnswer{List: web.List[ActivityJSON]{Items: []ActivityJSON{}, Total: total, Page: page, PerPage: perPage}, Ignored: ignored}
	for _, a := range as {
		out.Items = append(out.Items, a.JSON())
	}
	web.JSON(w, r, http.StatusOK, out)
}

func (h *Handlers) apiGet(w http.ResponseWriter, r *http.Request) {
	a, _, ok := h.activity(w, r)
	if !ok {
		return
	}
	web.JSON(w, r, http.StatusOK, a.JSON())
}

// CampaignJSON is the campaign as open data describes it.
type CampaignJSON struct {
	ID        string `json:"id"`
	Title     string `json:"title"`
	Theme     string `json:"theme"`
	DocNumber string `json:"doc_number"`
	StartDate string `json:"start_date"`
	EndDate   string `json:"end_date"`
	Organiser Ref    `json:"organiser"`
	URL       string `json:"url"`
}

func campaignJSON(c campaign.Campaign) CampaignJSON {
	return CampaignJSON{ID: c.Slug, Title: c.Title, Theme: c.Theme, DocNumber: c.DocNumber,
		StartDate: c.Start.Format("2006-01-02"), EndDate: c.End.Format("2006-01-02"),
		Organiser: Ref{c.OwnerCode, c.OwnerName}, URL: "/campaigns/" + c.Slug + "/program"}
}

func (h *Handlers) openJSON(w http.ResponseWriter, r *http.Request) {
	c, ok := h.campaign(w, r)
	if !ok {
		return
	}
	// Written an activity at a time: the whole program is never held.
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	b.WriteString(`{"campaign":`)
	enc.Encode(campaignJSON(c))
	b.WriteString(`,"items":[`)
	n := 0
	err := h.Service.Each(r.Context(), c, Filter{}, func(a Activity) error {
		if n > 0 {
			b.WriteByte(',')
		}
		n++
		return enc.Encode(a.JSON())
	})
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	b.WriteString("]}\n")
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="sciweek-`+c.Slug+`-activities.json"`)
	w.Write(b.Bytes())
}

// csvHeader names the open-data columns.
var csvHeader = []string{"id", "title", "kind", "unit_code", "unit", "district_code", "district", "category_code", "category",
	"audiences", "mode", "start", "end", "sessions", "address", "online_url", "content", "capacity", "expected", "bookable", "url",
	"campaign", "province_code", "city_code"}

func (h *Handlers) openCSV(w http.ResponseWriter, r *http.Request) {
	c, ok := h.campaign(w, r)
	if !ok {
		return
	}
	var b bytes.Buffer
	b.WriteString("\uFEFF") // so spreadsheet programs read UTF-8
	cw := csv.NewWriter(&b)
	cw.Write(csvHeader)
	base := h.baseURL(r)
	err := h.Service.Each(r.Context(), c, Filter{}, func(a Activity) error {
		var sessions []string
		for _, s := range a.Sessions {
			sessions = append(sessions, s.Start.Format("2006-01-02 15:04")+"-"+s.End.Format("15:04"))
		}
		cw.Write([]string{strconv.FormatInt(a.ID, 10), csvSafe(a.Title), string(a.Kind), a.UnitCode, csvSafe(a.UnitName), a.DistrictCode, a.DistrictName,
			a.CategoryCode, a.CategoryName, strings.Join(a.AudienceNames, ";"), string(a.Mode), a.Start.Format(time.RFC3339), a.End.Format(time.RFC3339),
			strings.Join(sessions, ";"), csvSafe(a.Address), csvSafe(a.OnlineURL), csvSafe(a.Content), strconv.Itoa(a.Capacity), strconv.Itoa(a.Expected),
			strconv.FormatBool(a.Bookable), base + "/activities/" + strconv.FormatInt(a.ID, 10), a.CampaignSlug, a.ProvinceCode, a.CityCode})
		return nil
	})
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	cw.Flush()
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="sciweek-`+c.Slug+`-activities.csv"`)
	w.Write(b.Bytes())
}

// csvSafe keeps a filed text from being read as a formula by a
// spreadsheet program.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
