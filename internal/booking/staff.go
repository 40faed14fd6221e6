package booking

import (
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/campaign"
	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/program"
	"github.com/sciweek/sciweek/internal/web"
)

type staffEntry struct {
	A         program.Activity
	C         campaign.Campaign
	Manage    bool
	HasRules  bool
	SlotCount int
	// Flagged counts the slots a later revision of the filing changed or
	// dropped while they had bookings.
	Flagged int
	// Today is the activity's occupancy today, for check-in staff.
	Today *DayLoad
}

type staffPage struct {
	web.Page
	Items []staffEntry
	// Filed counts the open-day sessions the unit's approved filings made
	// bookable; Problems the open days whose filed time could not be read.
	Filed    int
	Problems []FiledProblem
	// CheckinOnly is set for check-in staff, who see today's occupancy
	// of their activities and nothing else.
	CheckinOnly bool
}

// staffHome lists the activities the signed-in person manages or checks
// visitors in for.
func (h *Handlers) staffHome(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	pr := account.FromContext(ctx)
	if pr == nil {
		h.Server.Error(w, r, errs.New(errs.Unauthenticated, "error.unauthenticated"))
		return
	}
	if !isStaff(ctx) {
		h.Server.Error(w, r, errs.ForbiddenErr())
		return
	}
	cs, err := h.Service.Campaigns.List(ctx, campaign.Filter{})
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	p := staffPage{Page: web.PageFor(r, "booking.title.staff"), CheckinOnly: pr.ChecksInOnly()}
	now := h.Service.now()
	for _, c := range cs {
		if c.State != campaign.StatePublished {
			continue
		}
		as, err := h.Service.Program.List(ctx, c, program.Filter{})
		if err != nil {
			h.Server.Error(w, r, err)
			return
		}
		filed, err := h.Service.FiledFor(ctx, c.ID, pr.Org.Code)
		if err != nil {
			h.Server.Error(w, r, err)
			return
		}
		if !p.CheckinOnly {
			p.Filed += filed.Bookable
			p.Problems = append(p.Problems, filed.Problems...)
		}
		for _, a := range as {
			// A parent campaign's program holds its children's activities
			// too: each is listed once, under its own campaign.
			if a.CampaignID != c.ID || !a.Onsite() || !h.Service.CanCheckIn(ctx, a, c) {
				continue
			}
			e := staffEntry{A: a, C: c, Manage: h.Service.CanManage(ctx, a, c), Flagged: filed.Flagged[a.ID]}
			_, e.HasRules, _ = h.Service.Rules(ctx, a.ID)
			if !e.HasRules && !e.Manage {
				continue
			}
			if p.CheckinOnly {
				load, err := h.Service.DayLoad(ctx, a.ID, now)
				if err != nil {
					h.Server.Error(w, r, err)
					return
				}
				e.Today = &load
			}
			p.Items = append(p.Items, e)
		}
	}
	h.render(w, r, http.StatusOK, "staff.html", p)
}

type managePage struct {
	pageBase
	HasRules    bool
	Rules       Rules
	RulesIn     RulesInput
	SlotsIn     SlotsInput
	Days        []string
	Slots       []SlotView
	Occ         Occupancy
	Bookings    []Booking
	Bursts      []Burst
	Organiser   bool
	RulesErrors map[string]string
	SlotsErrors map[string]string
	Error       string
	// Filed counts the slots made from the filing; Flagged those a later
	// revision changed or dropped while they had bookings.
	Filed, Flagged int
}

func (h *Handlers) manageData(r *http.Request) (managePage, error) {
	ctx := r.Context()
	id, err := pathID(r, "id")
	if err != nil {
		return managePage{}, err
	}
	a, c, err := h.Service.managed(ctx, id)
	if err != nil {
		return managePage{}, err
	}
	p := managePage{pageBase: pageBase{Page: web.PageFor(r, "booking.title.manage", a.Title), A: a, C: c}, Organiser: h.Service.Campaigns.CanEdit(ctx, c)}
	p.Wide = true
	if p.Rules, p.HasRules, err = h.Service.Rules(ctx, a.ID); err != nil {
		return p, err
	}
	if p.HasRules {
		p.RulesIn = InputOf(p.Rules)
	} else {
		now := h.Service.now()
		p.RulesIn = RulesInput{Opens: now.Format(localLayout), Closes: a.End.Format(localLayout), MaxParty: "5"}
	}
	for _, d := range c.Days() {
		p.Days = append(p.Days, d.Format("2006-01-02"))
	}
	p.SlotsIn = SlotsInput{Days: a.Days, From: "09:00", To: "17:00", Every: "60", Capacity: strconv.Itoa(max(a.Capacity, 30))}
	if p.Occ, err = h.Service.Occupancy(ctx, a.ID); err != nil {
		return p, err
	}
	p.Slots = p.views(p.Occ.Slots, h.Service.now())
	p.Filed, p.Flagged = countFiled(p.Occ.Slots)
	if p.Bookings, err = h.Service.Bookings(ctx, a.ID); err != nil {
		return p, err
	}
	if p.Bursts, err = h.Service.Bursts(ctx, a.ID); err != nil {
		return p, err
	}
	return p, nil
}

func (h *Handlers) manage(w http.ResponseWriter, r *http.Request) {
	p, err := h.manageData(r)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "manage.html", p)
}

// formFailed re-renders the manage page with the errors of a form, or
// answers with the error when it is not one the form can show.
func (h *Handlers) formFailed(w http.ResponseWriter, r *http.Request, err error, fill func(p *managePage, fields map[string]string)) {
	fields, summary, ok := web.FormErrors(r, err)
	if !ok {
		h.Server.Error(w, r, err)
		return
	}
	p, perr := h.manageData(r)
	if perr != nil {
		h.Server.Error(w, r, perr)
		return
	}
	p.Error = summary
	fill(&p, fields)
	h.render(w, r, web.FormStatus(err), "manage.html", p)
}

func (h *Handlers) rulesPost(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	in := RulesInput{Opens: r.PostFormValue("opens"), Closes: r.PostFormValue("closes"), MaxParty: r.PostFormValue("max_party"),
		Venue: r.PostFormValue("venue"), VenueCapacity: r.PostFormValue("venue_capacity")}
	if err := h.Service.SetRules(r.Context(), id, in); err != nil {
		h.formFailed(w, r, err, func(p *managePage, f map[string]string) { p.RulesIn, p.RulesErrors = in, f })
		return
	}
	web.SetFlash(w, "booking.flash.rules")
	web.Redirect(w, r, "/activities/"+strconv.FormatInt(id, 10)+"/booking")
}

func (h *Handlers) slotsPost(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	r.ParseForm()
	in := SlotsInput{Days: r.PostForm["days"], From: r.PostFormValue("from"), To: r.PostFormValue("to"), Every: r.PostFormValue("every"), Capacity: r.PostFormValue("capacity")}
	if _, err := h.Service.AddSlots(r.Context(), id, in); err != nil {
		h.formFailed(w, r, err, func(p *managePage, f map[string]string) { p.SlotsIn, p.SlotsErrors = in, f })
		return
	}
	web.SetFlash(w, "booking.flash.slots")
	web.Redirect(w, r, "/activities/"+strconv.FormatInt(id, 10)+"/booking")
}

func (h *Handlers) slotDelete(w http.ResponseWriter, r *http.Request) {
	id, slotID, err := h.activitySlot(r)
	if id == 0 {
		h.Server.Error(w, r, err)
		return
	}
	if err == nil {
		err = h.Service.DeleteSlot(r.Context(), slotID)
	}
	if err != nil {
		h.formFailed(w, r, err, func(*managePage, map[string]string) {})
		return
	}
	web.SetFlash(w, "booking.flash.slot_deleted")
	web.Redirect(w, r, "/activities/"+strconv.FormatInt(id, 10)+"/booking")
}

func (h *Handlers) onlinePost(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	if err := h.Service.SetOnline(r.Context(), id, r.PostFormValue("online") == "yes"); err != nil {
		h.formFailed(w, r, err, func(*managePage, map[string]string) {})
		return
	}
	web.SetFlash(w, "booking.flash.online")
	web.Redirect(w, r, "/activities/"+strconv.FormatInt(id, 10)+"/booking")
}

func (h *Handlers) export(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	rows, err := h.Service.Export(r.Context(), id)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	l := web.L(r.Context())
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="bookings-`+strconv.FormatInt(id, 10)+`.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	w.Write([]byte("\ufeff"))
	cw := csv.NewWriter(w)
	cw.Write([]string{l.T("booking.code"), l.T("booking.slot"), l.T("booking.name"), l.T("booking.phone"), l.T("booking.party_size"), l.T("booking.state")})
	for _, b := range rows {
		cw.Write([]string{b.Code, b.Slot.Start.Format("2006-01-02 15:04"), safeCell(b.Name), b.Phone, strconv.Itoa(b.Party), l.T("booking.state." + string(b.State))})
	}
	cw.Flush()
}

// safeCell keeps a spreadsheet from reading a cell as a formula.
func safeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@", rune(s[0])) {
		return "'" + s
	}
	return s
}

type checkinPage struct {
	pageBase
	Occ     Occupancy
	Slots   []SlotView
	Result  *Booking
	Label   string
	Error   string
	Already bool
	Entry   string
	// Confirm asks whether to admit a ticket for another day.
	Confirm bool
}

func (h *Handlers) checkinData(r *http.Request) (checkinPage, error) {
	ctx := r.Context()
	id, err := pathID(r, "id")
	if err != nil {
		return checkinPage{}, err
	}
	a, c, err := h.Service.activity(ctx, id)
	if err != nil {
		return checkinPage{}, err
	}
	p := checkinPage{pageBase: pageBase{Page: web.PageFor(r, "booking.title.checkin", a.Title), A: a, C: c}}
	if p.Occ, err = h.Service.Occupancy(ctx, id); err != nil {
		return p, err
	}
	p.Slots = p.views(p.Occ.Slots, h.Service.now())
	return p, nil
}

func (h *Handlers) checkinForm(w http.ResponseWriter, r *http.Request) {
	p, err := h.checkinData(r)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "checkin.html", p)
}

func (h *Handlers) checkinPost(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	entry := r.PostFormValue("entry")
	b, cerr := h.Service.CheckIn(r.Context(), id, entry, r.PostFormValue("confirm") == "1")
	if e, ok := errs.As(cerr); cerr != nil && (!ok || e.Code == errs.Forbidden || e.Code == errs.Unauthenticated) {
		h.Server.Error(w, r, cerr)
		return
	}
	p, err := h.checkinData(r)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	status := http.StatusOK
	if cerr != nil {
		e, _ := errs.As(cerr)
		status = web.FormStatus(cerr)
		p.Error = web.L(r.Context()).T(e.Msg.Key, e.Msg.Args...)
		p.Already = b.State == StateCheckedIn
		p.Entry = entry
		p.Confirm = b.State == StateActive && OtherDay(b, h.Service.now())
	}
	if b.Code != "" {
		p.Result = &b
		p.Label = p.slotLabel(b.Slot)
	}
	h.render(w, r, status, "checkin.html", p)
}

// burstCancel cancels the bookings of a suspicious burst in one action.
func (h *Handlers) burstCancel(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	if _, err := h.Service.CancelBurst(r.Context(), id, r.PostFormValue("address")); err != nil {
		h.Server.Error(w, r, err)
		return
	}
	web.SetFlash(w, "hardening.booking.burst_cancelled")
	web.Redirect(w, r, "/activities/"+strconv.FormatInt(id, 10)+"/booking")
}
