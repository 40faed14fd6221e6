package booking

import (
	"net/http"
	"time"

	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/web"
)

// apiSlot is a slot in the API.
type apiSlot struct {
	ID        int64     `json:"id"`
	Start     time.Time `json:"start"`
	End       time.Time `json:"end"`
	Capacity  int       `json:"capacity"`
	Available int       `json:"available"`
	Waiting   int       `json:"waiting"`
	Bookable  bool      `json:"bookable"`
}

func (h *Handlers) apiSlots(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	ctx := r.Context()
	a, _, err := h.Service.activity(ctx, id)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	slots, err := h.Service.Slots(ctx, a.ID)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	now := h.Service.now()
	items := make([]apiSlot, 0, len(slots))
	for _, sl := range slots {
		items = append(items, apiSlot{ID: sl.ID, Start: sl.Start, End: sl.End, Capacity: sl.Capacity, Available: sl.Available(),
			Waiting: sl.Waiting, Bookable: a.Bookable && now.Before(sl.Start)})
	}
	web.JSON(w, r, http.StatusOK, web.List[apiSlot]{Items: items, Total: len(items), Page: 1, PerPage: max(len(items), 1)})
}

// apiBooking is a booking in the API.
type apiBooking struct {
	Code      string    `json:"code"`
	Slot      int64     `json:"slot"`
	Activity  int64     `json:"activity"`
	PartySize int       `json:"party_size"`
	State     State     `json:"state"`
	Start     time.Time `json:"start"`
	End       time.Time `json:"end"`
	Phone     string    `json:"phone"`
	Ticket    string    `json:"ticket"`
	TicketURL string    `json:"ticket_url"`
	QRURL     string    `json:"qr_url"`
	Waitlist  bool      `json:"waitlist,omitempty"`
	Position  int       `json:"position,omitempty"`
}

func (h *Handlers) apiBook(w http.ResponseWriter, r *http.Request) {
	slotID, err := pathID(r, "slot")
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	var in Input
	if err := web.DecodeJSON(r, &in); err != nil {
		h.Server.Error(w, r, err)
		return
	}
	b, err := h.book(r, slotID, in)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	t := h.Service.Ticket(b)
	out := apiBooking{Code: b.Code, Slot: b.SlotID, Activity: b.ActivityID, PartySize: b.Party, State: b.State, Start: b.Slot.Start, End: b.Slot.End,
		Phone: b.PhoneMasked, Ticket: t, TicketURL: "/tickets/" + t, QRURL: "/tickets/" + t + "/qr.png"}
	status := http.StatusCreated
	if b.State == StateWaiting {
		out.Waitlist, out.Position, status = true, b.Position, http.StatusAccepted
	}
	web.JSON(w, r, status, out)
}

func (h *Handlers) apiRules(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	var in RulesInput
	if err := web.DecodeJSON(r, &in); err != nil {
		h.Server.Error(w, r, err)
		return
	}
	if err := h.Service.SetRules(r.Context(), id, in); err != nil {
		h.Server.Error(w, r, err)
		return
	}
	rules, _, err := h.Service.Rules(r.Context(), id)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	web.JSON(w, r, http.StatusOK, InputOf(rules))
}

func (h *Handlers) apiAddSlots(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	var in SlotsInput
	if err := web.DecodeJSON(r, &in); err != nil {
		h.Server.Error(w, r, err)
		return
	}
	n, err := h.Service.AddSlots(r.Context(), id, in)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	web.JSON(w, r, http.StatusCreated, map[string]int{"added": n})
}

type apiLoad struct {
	Slot      int64     `json:"slot,omitempty"`
	Start     time.Time `json:"start"`
	Booked    int       `json:"booked"`
	CheckedIn int       `json:"checked_in"`
	Capacity  int       `json:"capacity"`
}

func (h *Handlers) apiOccupancy(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	o, err := h.Service.Occupancy(r.Context(), id)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	out := struct {
		Slots []apiLoad `json:"slots"`
		Venue *struct {
			Name  string    `json:"name"`
			Times []apiLoad `json:"times"`
		} `json:"venue,omitempty"`
	}{Slots: []apiLoad{}}
	for _, sl := range o.Slots {
		out.Slots = append(out.Slots, apiLoad{Slot: sl.ID, Start: sl.Start, Booked: sl.Taken, CheckedIn: sl.CheckedIn, Capacity: sl.Capacity})
	}
	if o.Venue != nil {
		out.Venue = &struct {
			Name  string    `json:"name"`
			Times []apiLoad `json:"times"`
		}{Name: o.Venue.Name}
		for _, l := range o.VenueTimes {
			out.Venue.Times = append(out.Venue.Times, apiLoad{Start: l.Start, Booked: l.Taken, CheckedIn: l.CheckedIn, Capacity: l.Capacity})
		}
	}
	web.JSON(w, r, http.StatusOK, out)
}

var _ = errs.Invalid
