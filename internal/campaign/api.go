package campaign

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/web"
)

// JSON is a campaign as the API shows it.
type JSON struct {
	ID              string         `json:"id"`
	Title           string         `json:"title"`
	DocNumber       string         `json:"doc_number"`
	Theme           string         `json:"theme"`
	Year            int            `json:"year"`
	State           State          `json:"state"`
	Mode            Mode           `json:"mode"`
	StartDate       string         `json:"start_date"`
	EndDate         string         `json:"end_date"`
	Start           time.Time      `json:"start"`
	End             time.Time      `json:"end"`
	FilingDeadline  time.Time      `json:"filing_deadline"`
	SummaryDeadline time.Time      `json:"summary_deadline"`
	FocusAreas      []Term         `json:"focus_areas"`
	Audiences       []Term         `json:"audiences"`
	Organiser       map[string]any `json:"organiser"`
	Contact         Contact        `json:"contact"`
	MediaRules      map[string]int `json:"media_rules"`
	RequireScan     bool           `json:"require_scan"`
	// Upward is how the levels below submit: "whole" or "rows".
	Upward      string           `json:"upward"`
	Attachments []AttachmentJSON `json:"attachments"`
	Notice      string           `json:"notice,omitempty"`
	// Parent is the id of the campaign one level up; absent at the top.
	Parent string `json:"parent,omitempty"`
	// Children are the ids of the campaigns one level down.
	Children  []string  `json:"children"`
	URL       string    `json:"url"`
	NoticeURL string    `json:"notice_url"`
	Version   int       `json:"version"`
	UpdatedAt time.Time `json:"updated_at"`
}

// AttachmentJSON is a notice attachment in the API.
type AttachmentJSON struct {
	Attachment
	URL string `json:"url"`
}

// ToJSON returns the API form of c; withNotice adds the Markdown body.
func ToJSON(c Campaign, withNotice bool) JSON {
	j := JSON{
		ID: c.Slug, Title: c.Title, DocNumber: c.DocNumber, Theme: c.Theme, Year: c.Year, State: c.State, Mode: c.Mode,
		StartDate: c.Start.Format("2006-01-02"), EndDate: c.End.Format("2006-01-02"),
		Start: c.Start.In(Zone), End: c.EndsAt().In(Zone),
		FilingDeadline: c.FilingDeadline.In(Zone), SummaryDeadline: c.SummaryDeadline.In(Zone),
		FocusAreas: nonNil(c.Categories), Audiences: nonNil(c.Audiences),
		Organiser: map[string]any{"code": c.OwnerCode, "name": c.OwnerName},
		Contact:   c.Contact, RequireScan: c.RequireScan, Upward: map[bool]string{false: "whole", true: "rows"}[c.UpwardRows],
		MediaRules: map[string]int{"video_max_seconds": c.VideoMaxSeconds, "photo_min_kb": c.PhotoMinKB, "photo_max_kb": c.PhotoMaxKB},
		URL:        "/campaigns/" + c.Slug, NoticeURL: "/campaigns/" + c.Slug + "/notice",
		Version: c.Version, UpdatedAt: c.UpdatedAt.In(Zone),
		Attachments: []AttachmentJSON{},
	}
	for _, a := range c.Attachments {
		j.Attachments = append(j.Attachments, AttachmentJSON{Attachment: a, URL: "/campaigns/" + c.Slug + "/attachments/" + strconv.FormatInt(a.ID, 10)})
	}
	if withNotice {
		j.Notice = c.NoticeMD
	}
	return j
}

func nonNil(ts []Term) []Term {
	if ts == nil {
		return []Term{}
	}
	return ts
}

func (h *Handlers) apiList(w http.ResponseWriter, r *http.Request) {
	page, perPage, err := web.Paging(r, 50)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	cs, err := h.Service.List(r.Context(), Filter{Editable: account.FromContext(r.Context()) != nil})
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	l, err := h.Service.links(r.Context())
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	out := web.List[JSON]{Items: []JSON{}, Total: len(cs), Page: page, PerPage: perPage}
	for i := (page - 1) * perPage; i < len(cs) && i < page*perPage; i++ {
		j := ToJSON(cs[i], false)
		l.apply(cs[i], &j)
		out.Items = append(out.Items, j)
	}
	web.JSON(w, r, http.StatusOK, out)
}

func (h *Handlers) apiGet(w http.ResponseWriter, r *http.Request) {
	c, err := h.Service.Get(r.Context(), r.PathValue("campaign"))
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	h.writeOne(w, r, c)
}

// writeOne answers with one campaign, its notice and its place in the chain.
func (h *Handlers) writeOne(w http.ResponseWriter, r *http.Request, c Campaign) {
	l, err := h.Service.links(r.Context())
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	j := ToJSON(c, true)
	l.apply(c, &j)
	web.JSON(w, r, http.StatusOK, j)
}

// apiPatch changes the fields present in the body; "version", when sent,
// must be the current one.
func (h *Handlers) apiPatch(w http.ResponseWriter, r *http.Request) {
	c, err := h.editable(r, r.PathValue("campaign"))
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	in := InputOf(c)
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err != nil {
		h.Server.Error(w, r, errs.Wrap(errs.TooLarge, err, "error.too_large"))
		return
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		h.Server.Error(w, r, errs.Wrap(errs.Invalid, err, "error.json"))
		return
	}
	if err := web.CheckDecoded(&in); err != nil {
		h.Server.Error(w, r, err)
		return
	}
	updated, err := h.Service.Update(r.Context(), c.Slug, in)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	h.writeOne(w, r, updated)
}
