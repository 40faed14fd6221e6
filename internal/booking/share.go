package booking

import (
	"image"
	"net/http"
	"strconv"

	"github.com/skip2/go-qrcode"

	"github.com/sciweek/sciweek/internal/program"
	"github.com/sciweek/sciweek/internal/sharecard"
	"github.com/sciweek/sciweek/internal/web"
)

// ticketURL is the ticket page's absolute address, which the calendar
// event and the shared link carry.
func (h *Handlers) ticketURL(r *http.Request, ticket string) string {
	return web.BaseURL(r, h.BaseURL) + "/tickets/" + ticket
}

// ticketICS is the booked slot as a single event for the phone's calendar,
// with the ticket's link and the address.
func (h *Handlers) ticketICS(w http.ResponseWriter, r *http.Request) {
	p, err := h.ticketData(r)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	desc := p.T("share.ticket.event_description", p.B.Code, p.B.Party, p.Link)
	if p.Online && p.A.OnlineURL != "" {
		desc += "\n" + p.A.OnlineURL
	}
	doc := program.EventDocument(program.Event{
		UID: "booking-" + strconv.FormatInt(p.B.ID, 10) + "@sciweek", Summary: p.A.Title, Description: desc,
		Location: p.A.Address, URL: p.Link, Start: p.B.Slot.Start, End: p.B.Slot.End,
	}, h.Service.now())
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="ticket-`+p.B.Code+`.ics"`)
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.Write([]byte(doc))
}

// tickets keeps the drawn ticket pictures; they are private, so the
// cache key is the ticket with what it shows.
var tickets = sharecard.NewCache()

// ticketImage is the ticket drawn as a picture to keep in the phone's
// photos: QR code, title, time, place, party and code.
func (h *Handlers) ticketImage(w http.ResponseWriter, r *http.Request) {
	p, err := h.ticketData(r)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	lines := []string{p.SlotLabel}
	if p.A.Address != "" {
		lines = append(lines, p.A.Address)
	}
	lines = append(lines, p.T("share.ticket.party_code", p.B.Party, p.B.Code), p.T("booking.state."+string(p.B.State)))
	card := sharecard.Card{Kicker: p.C.Title, Title: p.A.Title, Lines: lines, Footer: p.T("app.name")}
	w.Header().Set("Content-Disposition", `inline; filename="ticket-`+p.B.Code+`.png"`)
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.Header().Set("Cache-Control", "private, max-age=600")
	err = tickets.Serve(w, r, sharecard.Tag("ticket "+p.Ticket, sharecard.TicketShape, card), func() (image.Image, error) {
		qr, err := qrcode.New(p.Ticket, qrcode.Medium)
		if err != nil {
			return nil, err
		}
		return sharecard.DrawTicket(card, qr.Image(360))
	})
	if err != nil {
		h.Server.Error(w, r, err)
	}
}
