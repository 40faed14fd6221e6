package campaign

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/web"
)

// FormPage is the campaign edit form.
type FormPage struct {
	web.Page
	Action  string
	In      Input
	Errors  map[string]string
	Summary string
	C       *View
	Modes   []Mode
	New     bool
	// Parent is the campaign a child is made on; its deadlines bound the
	// child's.
	Parent *View
	// Chain is where the edited campaign stands in the cascade.
	Chain Chain
}

func (h *Handlers) formPage(r *http.Request, title string, in Input) FormPage {
	return FormPage{Page: web.PageFor(r, title), In: in, Modes: Modes, Errors: map[string]string{}}
}

func (h *Handlers) requireAdmin(r *http.Request) (*account.Principal, error) {
	p, err := account.RequireLogin(r)
	if err != nil {
		return nil, err
	}
	if !p.Has(account.RoleAdmin) {
		return nil, errs.ForbiddenErr()
	}
	return p, nil
}

type adminListPage struct {
	web.Page
	Campaigns []View
}

func (h *Handlers) adminList(w http.ResponseWriter, r *http.Request) {
	if _, err := h.requireAdmin(r); err != nil {
		h.Server.Error(w, r, err)
		return
	}
	cs, err := h.Service.List(r.Context(), Filter{Editable: true})
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	p := adminListPage{Page: web.PageFor(r, "admin.campaigns.title")}
	for _, c := range cs {
		if h.Service.CanEdit(r.Context(), c) {
			p.Campaigns = append(p.Campaigns, h.view(r, c))
		}
	}
	p.Wide = true
	h.render(w, r, http.StatusOK, "admin_list.html", p)
}

func defaultInput(now time.Time) Input {
	start := time.Date(now.Year(), 5, 20, 0, 0, 0, 0, Zone)
	if !start.After(now) {
		start = start.AddDate(1, 0, 0)
	}
	return Input{
		Start: start.Format("2006-01-02"), End: start.AddDate(0, 0, 6).Format("2006-01-02"),
		FilingDeadline: start.AddDate(0, 0, -30).Format("2006-01-02"), SummaryDeadline: start.AddDate(0, 0, 21).Format("2006-01-02"),
		Mode: string(ModeOnsite), VideoMaxSeconds: "180", PhotoMinKB: "1024", PhotoMaxKB: "2048",
		Categories: "展示科技创新成就 | Achievements of innovation\n体验美好生活活动 | Science for a better life\n做好科普宣传 | Science communication\n",
		Audiences:  DefaultAudiences,
	}
}

// DefaultAudiences are the publics the national notice names.
const DefaultAudiences = "青少年 | Young people\n劳动者 | Workers\n领导干部和公务员 | Officials and civil servants\n部队官兵 | Military personnel\n农民 | Farmers\n社会公众 | General public\n"

func (h *Handlers) newForm(w http.ResponseWriter, r *http.Request) {
	if _, err := h.requireAdmin(r); err != nil {
		h.Server.Error(w, r, err)
		return
	}
	p := h.formPage(r, "admin.campaign.new", defaultInput(h.Service.Clock.Now()))
	p.Action, p.New = "/admin/campaigns/new", true
	h.render(w, r, http.StatusOK, "form.html", p)
}

func inputFromForm(r *http.Request) Input {
	v := func(k string) string { return r.PostFormValue(k) }
	version, _ := web.Int(v("version"), 0, web.MaxVersion)
	return Input{
		Slug: v("slug"), Title: v("title"), DocNumber: v("doc_number"), Theme: v("theme"), Start: v("start"), End: v("end"),
		FilingDeadline: v("filing_deadline"), SummaryDeadline: v("summary_deadline"),
		ContactName: v("contact_name"), ContactPhone: v("contact_phone"), ContactEmail: v("contact_email"), ContactAddress: v("contact_address"),
		Mode: v("mode"), NoticeMD: v("notice"), Categories: v("categories"), Audiences: v("audiences"),
		VideoMaxSeconds: v("video_max_seconds"), PhotoMinKB: v("photo_min_kb"), PhotoMaxKB: v("photo_max_kb"), RequireScan: v("require_scan") != "",
		UpwardRows: v("upward") == "rows", Version: version,
	}
}

func (h *Handlers) create(w http.ResponseWriter, r *http.Request) {
	if _, err := h.requireAdmin(r); err != nil {
		h.Server.Error(w, r, err)
		return
	}
	in := inputFromForm(r)
	c, err := h.Service.Create(r.Context(), in)
	if err != nil {
		p := h.formPage(r, "admin.campaign.new", in)
		p.Action, p.New = "/admin/campaigns/new", true
		h.formError(w, r, err, p)
		return
	}
	web.SetFlash(w, "campaign.created")
	web.Redirect(w, r, "/admin/campaigns/"+c.Slug+"/edit")
}

// formError shows the form again, as typed, with the messages beside the
// fields; anything else becomes an error page.
func (h *Handlers) formError(w http.ResponseWriter, r *http.Request, err error, p FormPage) {
	fields, summary, ok := web.FormErrors(r, err)
	if !ok {
		h.Server.Error(w, r, err)
		return
	}
	p.Errors, p.Summary = fields, summary
	h.render(w, r, web.FormStatus(err), "form.html", p)
}

// editable returns the campaign named in the path when the caller
// organises it.
func (h *Handlers) editable(r *http.Request, slug string) (Campaign, error) {
	if _, err := account.RequireLogin(r); err != nil {
		return Campaign{}, err
	}
	c, err := h.Service.Get(r.Context(), slug)
	if err != nil {
		return c, err
	}
	if !h.Service.CanEdit(r.Context(), c) {
		return c, errs.ForbiddenErr()
	}
	return c, nil
}

func (h *Handlers) editForm(w http.ResponseWriter, r *http.Request) {
	c, err := h.editable(r, r.PathValue("slug"))
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "form.html", h.editPage(r, c, InputOf(c)))
}

func (h *Handlers) editPage(r *http.Request, c Campaign, in Input) FormPage {
	p := h.formPage(r, "admin.campaign.edit", in)
	v := h.view(r, c)
	p.C, p.Action = &v, "/admin/campaigns/"+c.Slug+"/edit"
	p.Chain = h.chain(r, c)
	if n := len(p.Chain.Ancestors); n > 0 && p.Chain.Ancestors[n-1].ID == c.ParentID {
		p.Parent = &p.Chain.Ancestors[n-1]
	}
	return p
}

func (h *Handlers) update(w http.ResponseWriter, r *http.Request) {
	if _, err := h.requireAdmin(r); err != nil {
		h.Server.Error(w, r, err)
		return
	}
	in := inputFromForm(r)
	c, err := h.Service.Update(r.Context(), r.PathValue("slug"), in)
	if err != nil {
		if c.ID == 0 {
			h.Server.Error(w, r, err)
			return
		}
		h.formError(w, r, err, h.editPage(r, c, in))
		return
	}
	web.SetFlash(w, "campaign.saved")
	web.Redirect(w, r, "/admin/campaigns/"+c.Slug+"/edit")
}

func (h *Handlers) setState(w http.ResponseWriter, r *http.Request) {
	if _, err := h.requireAdmin(r); err != nil {
		h.Server.Error(w, r, err)
		return
	}
	state := State(r.PostFormValue("state"))
	if state != StateDraft && state != StatePublished && state != StateArchived {
		h.Server.Error(w, r, errs.New(errs.Invalid, "error.invalid"))
		return
	}
	slug := r.PathValue("slug")
	if err := h.Service.SetState(r.Context(), slug, state); err != nil {
		h.Server.Error(w, r, err)
		return
	}
	web.SetFlash(w, "campaign.state."+string(state))
	web.Redirect(w, r, "/admin/campaigns/"+slug+"/edit")
}

type copyPage struct {
	web.Page
	C       View
	Slug    string
	Start   string
	Errors  map[string]string
	Summary string
}

func (h *Handlers) copyForm(w http.ResponseWriter, r *http.Request) {
	if _, err := h.requireAdmin(r); err != nil {
		h.Server.Error(w, r, err)
		return
	}
	c, err := h.Service.Get(r.Context(), r.PathValue("slug"))
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	next := c.Start.AddDate(1, 0, 0)
	h.render(w, r, http.StatusOK, "copy.html", copyPage{Page: web.PageFor(r, "admin.campaign.copy"), C: h.view(r, c),
		Slug: strings.ReplaceAll(c.Slug, strconv.Itoa(c.Start.Year()), strconv.Itoa(next.Year())), Start: next.Format("2006-01-02")})
}

func (h *Handlers) copy(w http.ResponseWriter, r *http.Request) {
	if _, err := h.requireAdmin(r); err != nil {
		h.Server.Error(w, r, err)
		return
	}
	in := CopyInput{Slug: r.PostFormValue("slug"), Start: r.PostFormValue("start")}
	c, err := h.Service.Copy(r.Context(), r.PathValue("slug"), in)
	if err != nil {
		src, gerr := h.Service.Get(r.Context(), r.PathValue("slug"))
		fields, summary, ok := web.FormErrors(r, err)
		if gerr != nil || !ok {
			h.Server.Error(w, r, err)
			return
		}
		h.render(w, r, web.FormStatus(err), "copy.html", copyPage{Page: web.PageFor(r, "admin.campaign.copy"), C: h.view(r, src),
			Slug: in.Slug, Start: in.Start, Errors: fields, Summary: summary})
		return
	}
	web.SetFlash(w, "campaign.copied")
	web.Redirect(w, r, "/admin/campaigns/"+c.Slug+"/edit")
}

func (h *Handlers) addAttachment(w http.ResponseWriter, r *http.Request) {
	if _, err := h.requireAdmin(r); err != nil {
		h.Server.Error(w, r, err)
		return
	}
	slug := r.PathValue("slug")
	web.AllowSlow(w, 15*time.Minute)
	r.Body = http.MaxBytesReader(w, r.Body, MaxAttachmentBytes+1<<20)
	mr, err := r.MultipartReader()
	if err != nil {
		h.attachmentError(w, r, slug, errs.Wrap(errs.Invalid, err, "campaign.error.attachment_missing"))
		return
	}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			h.attachmentError(w, r, slug, errs.Wrap(errs.TooLarge, err, "campaign.error.attachment_size", MaxAttachmentBytes>>20))
			return
		}
		if part.FormName() != "file" || part.FileName() == "" {
			continue
		}
		_, err = h.Service.AddAttachment(r.Context(), slug, part.FileName(), part)
		if err != nil {
			h.attachmentError(w, r, slug, err)
			return
		}
		web.SetFlash(w, "campaign.attachment_added")
		web.Redirect(w, r, "/admin/campaigns/"+slug+"/edit#attachments")
		return
	}
	h.attachmentError(w, r, slug, errs.New(errs.Invalid, "campaign.error.attachment_missing"))
}

func (h *Handlers) attachmentError(w http.ResponseWriter, r *http.Request, slug string, err error) {
	c, gerr := h.Service.Get(r.Context(), slug)
	if gerr != nil {
		h.Server.Error(w, r, gerr)
		return
	}
	e, ok := errs.As(err)
	if !ok {
		h.Server.Error(w, r, err)
		return
	}
	p := h.editPage(r, c, InputOf(c))
	p.Errors["file"] = web.L(r.Context()).T(e.Msg.Key, e.Msg.Args...)
	p.Summary = p.Errors["file"]
	h.render(w, r, web.FormStatus(err), "form.html", p)
}

func (h *Handlers) removeAttachment(w http.ResponseWriter, r *http.Request) {
	if _, err := h.requireAdmin(r); err != nil {
		h.Server.Error(w, r, err)
		return
	}
	id := web.FormID(r.PathValue("id"))
	slug := r.PathValue("slug")
	if err := h.Service.RemoveAttachment(r.Context(), slug, id); err != nil {
		h.Server.Error(w, r, err)
		return
	}
	web.SetFlash(w, "campaign.attachment_removed")
	web.Redirect(w, r, "/admin/campaigns/"+slug+"/edit#attachments")
}
