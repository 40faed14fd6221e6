package report

import (
	"io"
	"net/http"
	"strings"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/media"
	"github.com/sciweek/sciweek/internal/web"
)

// uploadAnswer is the API's answer to a refused photo that can be
// re-encoded into the bounds.
type uploadAnswer struct {
	Error map[string]any `json:"error"`
	Offer *Media         `json:"offer,omitempty"`
}

// upload streams one multipart file into the report: the parts are read
// in order (kind and public before file), the file is never held in
// memory, and an upload past its limit is answered 413 as soon as the
// limit is crossed.
func (h *Handlers) upload(w http.ResponseWriter, r *http.Request) {
	if _, err := account.RequireLogin(r); err != nil {
		h.Server.Error(w, r, err)
		return
	}
	id := pathID(r, "id")
	ctx := r.Context()
	kind, kindOK := media.ParseKind(r.URL.Query().Get("kind"))
	probe := kind
	if !kindOK {
		probe = media.Video // the largest limit until the kind is read
	}
	limit, err := h.Service.CanUpload(ctx, id, probe)
	if err != nil {
		h.uploadFailed(w, r, id, err, nil)
		return
	}
	const slack = 1 << 20 // the multipart framing and small fields
	if r.ContentLength > limit+slack {
		h.uploadFailed(w, r, id, media.TooLarge(r.URL.Query().Get("name"), limit), nil)
		return
	}
	// A large video on a slow line takes longer than the server's usual
	// read and write timeouts: give this request the time it needs.
	web.AllowSlow(w, UploadTimeout)
	r.Body = http.MaxBytesReader(w, r.Body, limit+slack)
	mr, err := r.MultipartReader()
	if err != nil {
		h.uploadFailed(w, r, id, errs.New(errs.Invalid, "media.file.missing"), nil)
		return
	}
	public := false
	for {
		part, err := mr.NextPart()
		if err != nil {
			if err != io.EOF {
				err = errs.Wrap(errs.Invalid, err, "report.error.upload_broken", "")
			} else {
				err = &errs.Error{Code: errs.Invalid, Msg: errs.Msg{Key: "media.file.missing"}, Fields: map[string]errs.Msg{"file": {Key: "media.file.missing"}}}
			}
			h.uploadFailed(w, r, id, err, nil)
			return
		}
		switch part.FormName() {
		case "kind":
			b, _ := io.ReadAll(io.LimitReader(part, 32))
			kind, kindOK = media.ParseKind(string(b))
		case "public":
			b, _ := io.ReadAll(io.LimitReader(part, 8))
			public = string(b) == "1" || string(b) == "true" || string(b) == "on"
		case "file":
			if !kindOK {
				h.uploadFailed(w, r, id, &errs.Error{Code: errs.Invalid, Msg: errs.Msg{Key: "media.file.kind"}, Fields: map[string]errs.Msg{"kind": {Key: "media.file.kind"}}}, nil)
				return
			}
			if part.FileName() == "" {
				h.uploadFailed(w, r, id, &errs.Error{Code: errs.Invalid, Msg: errs.Msg{Key: "media.file.missing"}, Fields: map[string]errs.Msg{"file": {Key: "media.file.missing"}}}, nil)
				return
			}
			m, offer, err := h.Service.Upload(ctx, id, kind, part.FileName(), public, part)
			if err != nil {
				h.uploadFailed(w, r, id, err, offer)
				return
			}
			if web.IsAPI(r) {
				web.JSON(w, r, http.StatusCreated, m)
				return
			}
			web.SetFlash(w, "report.media_saved")
			h.backToReport(w, r, id, "#media")
			return
		}
	}
}

func (h *Handlers) backToReport(w http.ResponseWriter, r *http.Request, id int64, anchor string) {
	rep, err := h.Service.Get(r.Context(), id)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	web.Redirect(w, r, URL(rep.CampaignSlug, rep.OrgCode)+anchor)
}

func (h *Handlers) uploadFailed(w http.ResponseWriter, r *http.Request, id int64, err error, offer *Media) {
	if e, ok := errs.As(err); ok && web.IsAPI(r) && offer != nil {
		l := web.L(r.Context())
		body := map[string]any{"code": e.Code, "message": l.T(e.Msg.Key, e.Msg.Args...), "fields": web.FieldMessages(l, e)}
		web.JSON(w, r, web.FormStatus(err), uploadAnswer{Error: body, Offer: offer})
		return
	}
	if _, _, ok := web.FormErrors(r, err); ok && !web.IsAPI(r) {
		rep, gerr := h.Service.Get(r.Context(), id)
		if gerr == nil {
			c, cerr := h.Service.Campaigns.Get(account.AsSystem(r.Context()), rep.CampaignSlug)
			if cerr == nil {
				h.showReport(w, r, c, rep, web.FormStatus(err), nil, err, offer)
				return
			}
		}
	}
	h.Server.Error(w, r, err)
}

// mediaAction accepts an offered photo or removes a file.
func (h *Handlers) mediaAction(w http.ResponseWriter, r *http.Request) {
	if _, err := account.RequireLogin(r); err != nil {
		h.Server.Error(w, r, err)
		return
	}
	id, mid := pathID(r, "id"), pathID(r, "mid")
	switch r.PathValue("action") {
	case "accept":
		m, err := h.Service.AcceptOffer(r.Context(), id, mid)
		if err != nil {
			h.Server.Error(w, r, err)
			return
		}
		if web.IsAPI(r) {
			web.JSON(w, r, http.StatusCreated, m)
			return
		}
		web.SetFlash(w, "report.media_saved")
	case "delete":
		if err := h.Service.DeleteMedia(r.Context(), id, mid); err != nil {
			h.Server.Error(w, r, err)
			return
		}
		web.SetFlash(w, "report.media_deleted")
	case "public", "private":
		if err := h.Service.SetPublic(r.Context(), id, mid, r.PathValue("action") == "public"); err != nil {
			h.Server.Error(w, r, err)
			return
		}
		web.SetFlash(w, "report.media_visibility")
	default:
		h.Server.Error(w, r, errs.NotFoundf("media action %s", r.PathValue("action")))
		return
	}
	h.backToReport(w, r, id, "#media")
}

func (h *Handlers) file(w http.ResponseWriter, r *http.Request) {
	if _, err := account.RequireLogin(r); err != nil {
		h.Server.Error(w, r, err)
		return
	}
	thumb := strings.HasSuffix(r.URL.Path, "/thumb")
	m, obj, err := h.Service.OpenMedia(r.Context(), pathID(r, "id"), pathID(r, "mid"), thumb)
	h.serveMedia(w, r, m, obj, thumb, err)
}

// serveMedia answers with an opened file or its thumbnail; documents
// other than PDF are downloaded rather than shown.
func (h *Handlers) serveMedia(w http.ResponseWriter, r *http.Request, m Media, obj io.ReadSeekCloser, thumb bool, err error) {
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	defer obj.Close()
	// The name's extension is the detected type's, whatever the client
	// called the file, files stored before this rule included.
	name, ctype := media.NameFor(m.Filename, media.ExtOf(m.ContentType)), m.ContentType
	if thumb {
		name, ctype = "thumb-"+strings.TrimSuffix(name, extension(name))+".jpg", "image/jpeg"
	}
	inline := m.Kind != media.Document || ctype == "application/pdf"
	web.ServeFile(w, r, obj, m.CreatedAt, name, ctype, inline)
}
