package booking

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/platform/clock"
	"github.com/sciweek/sciweek/internal/platform/db"
	"github.com/sciweek/sciweek/internal/web"
)

// AdjustSlot sets the places of a slot, never below those already booked,
// and clears any flag a revision of the filing put on it: its unit has
// looked at it. Errors: NotFound, Forbidden, Invalid (field capacity).
func (s *Service) AdjustSlot(ctx context.Context, slotID int64, capacity string) error {
	sl, err := s.Slot(ctx, slotID)
	if err != nil {
		return err
	}
	if _, _, err := s.managed(ctx, sl.ActivityID); err != nil {
		return err
	}
	n, ok := atoi(capacity)
	if !ok || n < 1 || n > 100000 {
		return (errs.Fields{"capacity": {Key: "booking.error.capacity", Args: []any{100000}}}).Err()
	}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE booking_slots SET capacity = ?, flag = '', flag_detail = '' WHERE id = ? AND taken <= ?`, n, slotID, n)
		if err != nil {
			return err
		}
		if k, _ := res.RowsAffected(); k == 0 {
			return (errs.Fields{"capacity": {Key: "booking.generated.below_taken", Args: []any{sl.Taken}}}).Err()
		}
		return s.Audit.Record(ctx, tx, "booking.slot_capacity", "activity", strconv.FormatInt(sl.ActivityID, 10),
			map[string]any{"slot": slotID, "capacity": n, "was": sl.Capacity, "flag": sl.Flag})
	})
	if err == nil {
		s.changed()
	}
	return err
}

// countFiled counts the slots made from the filing and those flagged.
func countFiled(slots []Slot) (filed, flagged int) {
	for _, sl := range slots {
		if sl.FromFiling {
			filed++
		}
		if sl.Flag != "" {
			flagged++
		}
	}
	return filed, flagged
}

// activitySlot reads the activity and slot of a slot's path; id is 0
// when the path names no activity.
func (h *Handlers) activitySlot(r *http.Request) (id, slotID int64, err error) {
	if id, err = pathID(r, "id"); err != nil {
		return 0, 0, err
	}
	slotID, err = pathID(r, "slot")
	if err == nil {
		var sl Slot
		if sl, err = h.Service.Slot(r.Context(), slotID); err == nil && sl.ActivityID != id {
			err = errs.NotFoundf("slot %d is not of activity %d", slotID, id)
		}
	}
	return id, slotID, err
}

func (h *Handlers) slotCapacity(w http.ResponseWriter, r *http.Request) {
	id, slotID, err := h.activitySlot(r)
	if id == 0 {
		h.Server.Error(w, r, err)
		return
	}
	if err == nil {
		err = h.Service.AdjustSlot(r.Context(), slotID, r.PostFormValue("capacity"))
	}
	if err != nil {
		h.formFailed(w, r, err, func(*managePage, map[string]string) {})
		return
	}
	web.SetFlash(w, "booking.generated.adjusted")
	web.Redirect(w, r, "/activities/"+strconv.FormatInt(id, 10)+"/booking#slot-"+strconv.FormatInt(slotID, 10))
}

// DayLoad is an activity's occupancy on one day: its slots then, their
// places, the places booked and the people checked in.
type DayLoad struct {
	Day                        time.Time
	Slots                      int
	Capacity, Taken, CheckedIn int
}

// DayLoad sums the activity's slots that start on the day of at. Errors:
// NotFound, Unauthenticated, Forbidden (not staff of the activity).
func (s *Service) DayLoad(ctx context.Context, activityID int64, at time.Time) (DayLoad, error) {
	o, err := s.Occupancy(ctx, activityID)
	if err != nil {
		return DayLoad{}, err
	}
	at = at.In(clock.Zone)
	d := DayLoad{Day: time.Date(at.Year(), at.Month(), at.Day(), 0, 0, 0, 0, clock.Zone)}
	for _, sl := range o.Slots {
		if sl.Start.In(clock.Zone).Format("2006-01-02") == d.Day.Format("2006-01-02") {
			d.Slots++
			d.Capacity += sl.Capacity
			d.Taken += sl.Taken
			d.CheckedIn += sl.CheckedIn
		}
	}
	return d, nil
}
