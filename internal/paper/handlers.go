package paper

import (
	"embed"
	"encoding/base64"
	"html/template"
	"net/http"
	"net/url"

	qrcode "github.com/skip2/go-qrcode"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/campaign"
	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/web"
)

//go:embed templates/*.html
var Templates embed.FS

// Handlers serves the public verification page and the organiser's log of
// paper copies received.
type Handlers struct {
	Service *Service
	Server  *web.Server
	// Limiter bounds how often one address checks codes.
	Limiter *web.Limiter
}

// Routes registers the pages.
func (h *Handlers) Routes(mux web.Router) {
	mux.HandleFunc("GET /verify", h.verifyForm)
	mux.HandleFunc("GET /verify/{code}", h.verify)
	mux.HandleFunc("GET /campaigns/{slug}/paper", h.receipts)
	mux.HandleFunc("POST /campaigns/{slug}/paper", h.receive)
	mux.HandleFunc("POST /campaigns/{slug}/paper/revoke", h.revoke)
}

func (h *Handlers) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	h.Server.Renderer.Render(w, r, status, "paper/"+name, data)
}

// QR is a QR code of text as a PNG data URI for an img element.
func QR(text string) (template.URL, error) {
	png, err := qrcode.Encode(text, qrcode.Medium, 256)
	if err != nil {
		return "", err
	}
	return template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png)), nil
}

// Stamp is what a print page shows in its footer: the code, its URL and
// its QR code.
type Stamp struct {
	Code        string // as printed: ABCDE-FGHJK
	URL         string
	QR          template.URL
	Fingerprint string // shortened
}

// StampFor issues the code of a printing and draws its QR code; print
// pages of other domains call it. Without a service (codes not wired) the
// stamp is empty and the page prints without one.
func StampFor(r *http.Request, s *Service, p Printed) (Stamp, error) {
	if s == nil {
		return Stamp{}, nil
	}
	c, err := s.Issue(r.Context(), p)
	if err != nil {
		return Stamp{}, err
	}
	u := s.VerifyURL(web.BaseURL(r, ""), c.Code)
	qr, err := QR(u)
	if err != nil {
		return Stamp{}, err
	}
	return Stamp{Code: Display(c.Code), URL: u, QR: qr, Fingerprint: ShortFingerprint(c.Fingerprint)}, nil
}

type verifyPage struct {
	web.Page
	V       Verification
	Found   bool
	Entry   string
	Printed string // the printed revision's fingerprint, shortened
	Now     string // the current approved revision's fingerprint, shortened
}

func (h *Handlers) verifyForm(w http.ResponseWriter, r *http.Request) {
	if c := Normalize(r.URL.Query().Get("code")); c != "" {
		web.Redirect(w, r, "/verify/"+c)
		return
	}
	page := verifyPage{Page: web.PageFor(r, "paper.verify.title"), Entry: r.URL.Query().Get("code")}
	status := http.StatusOK
	if page.Entry != "" {
		status = http.StatusNotFound
	}
	h.noStore(w)
	h.render(w, r, status, "verify.html", page)
}

func (h *Handlers) noStore(w http.ResponseWriter) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Robots-Tag", "noindex")
}

// verify tells anyone whether a printed copy is the current approved
// revision. An unknown or revoked code gets the same plain answer, so
// that guessing learns nothing.
func (h *Handlers) verify(w http.ResponseWriter, r *http.Request) {
	if h.Limiter != nil {
		if err := h.Limiter.Allow(web.ClientIP(r.Context())); err != nil {
			h.Server.Error(w, r, err)
			return
		}
	}
	h.noStore(w)
	v, err := h.Service.Verify(r.Context(), r.PathValue("code"))
	page := verifyPage{Page: web.PageFor(r, "paper.verify.title"), V: v, Entry: r.PathValue("code")}
	if errs.Is(err, errs.NotFound) {
		h.render(w, r, http.StatusNotFound, "verify.html", page)
		return
	}
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	page.Found = true
	page.Printed, page.Now = ShortFingerprint(v.Code.Fingerprint), ShortFingerprint(v.Doc.CurrentFingerprint)
	h.render(w, r, http.StatusOK, "verify.html", page)
}

type receiptsPage struct {
	web.Page
	C        campaign.Campaign
	Receipts []Receipt
	Result   *Receipt
	Entry    string
	Error    string
}

// Short shortens a fingerprint for the page.
func (receiptsPage) Short(fp string) string { return ShortFingerprint(fp) }

// Display writes a code for reading.
func (receiptsPage) Display(code string) string { return Display(code) }

func (h *Handlers) campaign(r *http.Request) (campaign.Campaign, error) {
	if _, err := account.RequireLogin(r); err != nil {
		return campaign.Campaign{}, err
	}
	c, err := h.Service.Campaigns.Get(r.Context(), r.PathValue("slug"))
	if err == nil && !h.Service.Campaigns.CanEdit(r.Context(), c) {
		err = errs.ForbiddenErr()
	}
	return c, err
}

func (h *Handlers) receipts(w http.ResponseWriter, r *http.Request) {
	c, err := h.campaign(r)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	h.showReceipts(w, r, c, http.StatusOK, nil, "")
}

func (h *Handlers) showReceipts(w http.ResponseWriter, r *http.Request, c campaign.Campaign, status int, result *Receipt, errText string) {
	list, err := h.Service.Receipts(r.Context(), c)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	page := receiptsPage{Page: web.PageFor(r, "paper.receipts.title"), C: c, Receipts: list, Result: result, Error: errText}
	if errText != "" {
		page.Entry = r.PostFormValue("entry")
	}
	page.Wide = true
	h.render(w, r, status, "receipts.html", page)
}

// receive records a paper copy by the code typed or scanned from it.
func (h *Handlers) receive(w http.ResponseWriter, r *http.Request) {
	c, err := h.campaign(r)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	rec, err := h.Service.Receive(r.Context(), c, r.PostFormValue("entry"))
	if err != nil {
		if e, ok := errs.As(err); ok && e.Code != errs.Forbidden {
			h.showReceipts(w, r, c, web.FormStatus(err), nil, web.L(r.Context()).T(e.Msg.Key, e.Msg.Args...))
			return
		}
		h.Server.Error(w, r, err)
		return
	}
	h.showReceipts(w, r, c, http.StatusOK, &rec, "")
}

func (h *Handlers) revoke(w http.ResponseWriter, r *http.Request) {
	c, err := h.campaign(r)
	if err == nil {
		err = h.Service.Revoke(r.Context(), c, r.PostFormValue("code"))
	}
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	web.SetFlash(w, "paper.revoked")
	web.Redirect(w, r, "/campaigns/"+url.PathEscape(c.Slug)+"/paper")
}
