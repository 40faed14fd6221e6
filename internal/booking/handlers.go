package booking

import (
	"context"
	"embed"
	"net/http"
	"strconv"
	"time"

	"github.com/skip2/go-qrcode"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/campaign"
	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/program"
	"github.com/sciweek/sciweek/internal/web"
)

//go:embed templates/*.html
var Templates embed.FS

// Handlers serves booking: the public's booking pages and API, the
// managers' slot pages and the check-in page.
type Handlers struct {
	Service *Service
	Server  *web.Server
	// PerClient limits booking attempts per client address, PerPhone per
	// phone number.
	PerClient *web.Limiter
	PerPhone  *web.Limiter
	// Gate bounds the booking requests in flight; past it they are shed
	// with 503 rather than left to time out.
	Gate *Gate
	// BaseURL is the site's public address, for the ticket's own link.
	BaseURL string
}

// Routes registers booking's paths.
func (h *Handlers) Routes(mux web.Router) {
	mux.HandleFunc("GET /activities/{id}/book", h.bookForm)
	mux.HandleFunc("POST /activities/{id}/book", h.bookPost)
	mux.HandleFunc("GET /tickets/{ticket}", h.ticket)
	mux.HandleFunc("GET /tickets/{ticket}/qr.png", h.ticketQR)
	mux.HandleFunc("GET /tickets/{ticket}/calendar.ics", h.ticketICS)
	mux.HandleFunc("GET /tickets/{ticket}/ticket.png", h.ticketImage)
	mux.HandleFunc("POST /tickets/{ticket}/cancel", h.cancel)
	mux.HandleFunc("GET /bookings/find", h.findForm)
	mux.HandleFunc("POST /bookings/find", h.findPost)

	mux.HandleFunc("GET /api/v1/activities/{id}/slots", h.apiSlots)
	mux.HandleFunc("POST /api/v1/slots/{slot}/bookings", h.apiBook)
	mux.HandleFunc("PUT /api/v1/activities/{id}/booking-rules", h.apiRules)
	mux.HandleFunc("POST /api/v1/activities/{id}/slots", h.apiAddSlots)
	mux.HandleFunc("GET /api/v1/activities/{id}/occupancy", h.apiOccupancy)

	mux.HandleFunc("GET /booking", h.staffHome)
	mux.HandleFunc("GET /activities/{id}/booking", h.manage)
	mux.HandleFunc("POST /activities/{id}/booking/rules", h.rulesPost)
	mux.HandleFunc("POST /activities/{id}/booking/slots", h.slotsPost)
	mux.HandleFunc("POST /activities/{id}/booking/slots/{slot}/delete", h.slotDelete)
	mux.HandleFunc("POST /activities/{id}/booking/slots/{slot}/capacity", h.slotCapacity)
	mux.HandleFunc("POST /activities/{id}/booking/online", h.onlinePost)
	mux.HandleFunc("POST /activities/{id}/booking/bursts/cancel", h.burstCancel)
	mux.HandleFunc("GET /activities/{id}/booking/bookings.csv", h.export)
	mux.HandleFunc("GET /activities/{id}/checkin", h.checkinForm)
	mux.HandleFunc("POST /activities/{id}/checkin", h.checkinPost)
	h.offlineRoutes(mux)
}

// Gate admits a bounded number of requests at once; the rest wait a
// moment and are then refused.
type Gate struct {
	slots chan struct{}
	wait  time.Duration
}

// NewGate lets n requests in at once, each waiting at most wait for room.
func NewGate(n int, wait time.Duration) *Gate {
	return &Gate{slots: make(chan struct{}, n), wait: wait}
}

// Enter takes a place, returning the function that gives it back, or an
// Unavailable error when there was no room in time.
func (g *Gate) Enter(ctx context.Context) (func(), error) {
	if g == nil {
		return func() {}, nil
	}
	select {
	case g.slots <- struct{}{}:
		return func() { <-g.slots }, nil
	default:
	}
	t := time.NewTimer(g.wait)
	defer t.Stop()
	select {
	case g.slots <- struct{}{}:
		return func() { <-g.slots }, nil
	case <-t.C:
	case <-ctx.Done():
	}
	e := errs.New(errs.Unavailable, "booking.error.busy")
	e.RetryAfter = time.Second
	return nil, e
}

// book runs Book behind the rate limits and the gate.
func (h *Handlers) book(r *http.Request, slotID int64, in Input) (Booking, error) {
	if h.PerClient != nil {
		if err := h.PerClient.Allow(web.ClientIP(r.Context())); err != nil {
			return Booking{}, err
		}
	}
	if phone, ok := NormalizePhone(in.Phone); ok && h.PerPhone != nil {
		if err := h.PerPhone.Allow(h.Service.Keys.PhoneHash(phone)); err != nil {
			return Booking{}, err
		}
	}
	leave, err := h.Gate.Enter(r.Context())
	if err != nil {
		return Booking{}, err
	}
	defer leave()
	in.Lang, in.Client = web.Lang(r.Context()), web.ClientIP(r.Context())
	return h.Service.Book(r.Context(), slotID, in)
}

func pathID(r *http.Request, name string) (int64, error) {
	id, ok := web.ParseID(r.PathValue(name))
	if !ok {
		return 0, errs.NotFoundf("bad %s %q", name, r.PathValue(name))
	}
	return id, nil
}

func (h *Handlers) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	h.Server.Renderer.Render(w, r, status, "booking/"+name, data)
}

// SlotView is a slot as the pages show it.
type SlotView struct {
	Slot
	Label string
	Past  bool
}

func (p pageBase) slotLabel(sl Slot) string {
	return p.Date(sl.Start) + " " + p.Weekday(sl.Start) + " " + sl.Start.Format("15:04") + "–" + sl.End.Format("15:04")
}

type pageBase struct {
	web.Page
	A program.Activity
	C campaign.Campaign
}

func (p pageBase) views(slots []Slot, now time.Time) []SlotView {
	out := make([]SlotView, len(slots))
	for i, sl := range slots {
		out[i] = SlotView{Slot: sl, Label: p.slotLabel(sl), Past: !now.Before(sl.Start)}
	}
	return out
}

type bookPage struct {
	pageBase
	Rules    Rules
	HasRules bool
	Open     bool
	Online   bool
	Slots    []SlotView
	SlotID   int64
	In       Input
	Errors   map[string]string
	Error    string
	Full     bool
	Keep     string
}

func (h *Handlers) bookData(r *http.Request, id int64) (bookPage, error) {
	ctx := r.Context()
	a, c, err := h.Service.activity(ctx, id)
	if err != nil {
		return bookPage{}, err
	}
	p := bookPage{pageBase: pageBase{Page: web.PageFor(r, "booking.title.book", a.Title), A: a, C: c}}
	if p.Rules, p.HasRules, err = h.Service.Rules(ctx, a.ID); err != nil {
		return p, err
	}
	if !p.HasRules {
		return p, errs.NotFoundf("activity %d takes no bookings", id)
	}
	_, switched := h.Service.Program.Switched(ctx, c)
	p.Online = switched || !p.Rules.OnlineAt.IsZero()
	now := h.Service.now()
	p.Open = !p.Online && !now.Before(p.Rules.Opens) && now.Before(p.Rules.Closes)
	slots, err := h.Service.Slots(ctx, a.ID)
	if err != nil {
		return p, err
	}
	p.Slots = p.views(slots, now)
	p.Keep = strconv.Itoa(int(h.Service.EraseAfter.Hours()/24 + 0.5))
	p.In.Party = 1
	return p, nil
}

func (h *Handlers) bookForm(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	p, err := h.bookData(r, id)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	p.SlotID = web.FormID(r.URL.Query().Get("slot"))
	h.render(w, r, http.StatusOK, "book.html", p)
}

func formInput(r *http.Request) Input {
	party, _ := web.Int(r.PostFormValue("party_size"), 0, 1000)
	return Input{Name: r.PostFormValue("name"), Phone: r.PostFormValue("phone"), Party: party,
		Consent: r.PostFormValue("consent") == "yes", Children: r.PostFormValue("children") == "yes",
		Guardian: r.PostFormValue("guardian") == "yes", Waitlist: r.PostFormValue("waitlist") == "yes"}
}

func (h *Handlers) bookPost(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	in := formInput(r)
	slotID := web.FormID(r.PostFormValue("slot"))
	var b Booking
	if sl, serr := h.Service.Slot(r.Context(), slotID); serr != nil || sl.ActivityID != id {
		// Without a slot the other fields are still checked, so every
		// fault is shown at once.
		rules, _, rerr := h.Service.Rules(r.Context(), id)
		if rerr != nil {
			h.Server.Error(w, r, rerr)
			return
		}
		_, _, f := in.Check(rules.MaxParty)
		f.Add("slot", "booking.error.slot")
		err = f.Err()
	} else {
		b, err = h.book(r, slotID, in)
	}
	if err == nil {
		http.Redirect(w, r, "/tickets/"+h.Service.Ticket(b), http.StatusSeeOther)
		return
	}
	e, ok := errs.As(err)
	if !ok || e.Code == errs.RateLimited || e.Code == errs.Unavailable || e.Code == errs.NotFound {
		h.Server.Error(w, r, err)
		return
	}
	p, perr := h.bookData(r, id)
	if perr != nil {
		h.Server.Error(w, r, perr)
		return
	}
	l := web.L(r.Context())
	p.In, p.SlotID = in, slotID
	p.Errors = web.FieldMessages(l, e)
	p.Error = l.T(e.Msg.Key, e.Msg.Args...)
	p.Full = e.Code == errs.Full
	h.render(w, r, web.FormStatus(err), "book.html", p)
}

type ticketPage struct {
	pageBase
	B         Booking
	Ticket    string
	SlotLabel string
	Online    bool
	// Link is the ticket page's absolute address, to share.
	Link string
}

func (h *Handlers) ticketData(r *http.Request) (ticketPage, error) {
	ctx := r.Context()
	b, err := h.Service.ByTicket(ctx, r.PathValue("ticket"))
	if err != nil {
		return ticketPage{}, err
	}
	a, c, err := h.Service.activity(ctx, b.ActivityID)
	if err != nil {
		return ticketPage{}, err
	}
	p := ticketPage{pageBase: pageBase{Page: web.PageFor(r, "booking.title.ticket", a.Title), A: a, C: c}, B: b, Ticket: h.Service.Ticket(b)}
	p.SlotLabel = p.slotLabel(b.Slot)
	p.Link = h.ticketURL(r, p.Ticket)
	_, switched := h.Service.Program.Switched(ctx, c)
	p.Online = switched || !b.OnlineAt.IsZero()
	return p, nil
}

func (h *Handlers) ticket(w http.ResponseWriter, r *http.Request) {
	p, err := h.ticketData(r)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	w.Header().Set("Referrer-Policy", "no-referrer")
	h.render(w, r, http.StatusOK, "ticket.html", p)
}

func (h *Handlers) ticketQR(w http.ResponseWriter, r *http.Request) {
	b, err := h.Service.ByTicket(r.Context(), r.PathValue("ticket"))
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	png, err := qrcode.Encode(h.Service.Ticket(b), qrcode.Medium, 320)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "private, max-age=3600")
	w.Header().Set("Content-Disposition", `inline; filename="ticket-`+b.Code+`.png"`)
	w.Write(png)
}

func (h *Handlers) cancel(w http.ResponseWriter, r *http.Request) {
	b, err := h.Service.Cancel(r.Context(), r.PathValue("ticket"))
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	web.SetFlash(w, "booking.flash.cancelled")
	web.Redirect(w, r, "/tickets/"+h.Service.Ticket(b))
}

type findPage struct {
	web.Page
	Phone, Code string
	Error       string
}

func (h *Handlers) findForm(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, http.StatusOK, "find.html", findPage{Page: web.PageFor(r, "booking.title.find")})
}

func (h *Handlers) findPost(w http.ResponseWriter, r *http.Request) {
	if h.PerClient != nil {
		if err := h.PerClient.Allow("find " + web.ClientIP(r.Context())); err != nil {
			h.Server.Error(w, r, err)
			return
		}
	}
	b, err := h.Service.Find(r.Context(), r.PostFormValue("phone"), r.PostFormValue("code"))
	if err != nil {
		e, _ := errs.As(err)
		p := findPage{Page: web.PageFor(r, "booking.title.find"), Phone: r.PostFormValue("phone"), Code: r.PostFormValue("code")}
		if e != nil {
			p.Error = web.L(r.Context()).T(e.Msg.Key)
		}
		h.render(w, r, http.StatusNotFound, "find.html", p)
		return
	}
	web.Redirect(w, r, "/tickets/"+h.Service.Ticket(b))
}

// isStaff reports whether the signed-in person may see the staff pages at
// all.
func isStaff(ctx context.Context) bool {
	p := account.FromContext(ctx)
	return p != nil && (p.Has(account.RoleAdmin) || p.Has(account.RoleFiler) || p.Has(account.RoleCheckin))
}
