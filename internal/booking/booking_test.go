package booking_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/apptest"
	"github.com/sciweek/sciweek/internal/booking"
)

type apiAnswer struct {
	Code     string `json:"code"`
	Ticket   string `json:"ticket"`
	State    string `json:"state"`
	Phone    string `json:"phone"`
	Waitlist bool   `json:"waitlist"`
	Position int    `json:"position"`
	Error    struct {
		Code    string            `json:"code"`
		Message string            `json:"message"`
		Fields  map[string]string `json:"fields"`
	} `json:"error"`
}

func book(t *testing.T, base string, slot int64, body string) (int, apiAnswer) {
	t.Helper()
	status, raw := post(t, clientFrom(), base, slot, body)
	var a apiAnswer
	json.Unmarshal([]byte(raw), &a)
	return status, a
}

func TestBookingAPI(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		f := setup(t, e)
		slot := f.slot(t, f.project, 8, 3)

		res := e.Client(t).Get(fmt.Sprintf("/api/v1/activities/%d/slots", f.project.ID))
		var list struct {
			Items []struct {
				ID        int64  `json:"id"`
				Start     string `json:"start"`
				Capacity  int    `json:"capacity"`
				Available int    `json:"available"`
			} `json:"items"`
		}
		res.JSON(t, &list)
		if res.Status != 200 || len(list.Items) < 2 || !strings.HasSuffix(list.Items[0].Start, "+08:00") || res.Header.Get("ETag") == "" {
			t.Fatalf("slots: %d %s", res.Status, res.Body)
		}

		status, a := book(t, e.URL, slot, bookingJSON("张三", "138 0013 8000", 2))
		if status != 201 || len(a.Code) != booking.CodeLength || a.Phone != "138****8000" || a.State != "active" {
			t.Fatalf("book: %d %+v", status, a)
		}
		if status, a := book(t, e.URL, slot, bookingJSON("张三", "13800138000", 1)); status != 409 || a.Error.Code != "already_booked" {
			t.Errorf("same phone again: %d %+v", status, a)
		}
		if status, a := book(t, e.URL, slot, bookingJSON("李四", "13900139000", 2)); status != 409 || a.Error.Code != "full" || a.Error.Message != "该时段已约满" {
			t.Errorf("over capacity: %d %+v", status, a)
		}
		status, a = book(t, e.URL, slot, `{"name": "李四", "phone": "13900139000", "party_size": 2, "consent": true, "waitlist": true}`)
		if status != 202 || !a.Waitlist || a.Position != 1 {
			t.Errorf("waiting list: %d %+v", status, a)
		}
		for _, c := range []struct{ body, field string }{
			{`{"name": "王五", "phone": "12345", "party_size": 1, "consent": true}`, "phone"},
			{`{"name": "王五", "phone": "13700137000", "party_size": 0, "consent": true}`, "party_size"},
			{`{"name": "王五", "phone": "13700137000", "party_size": 9, "consent": true}`, "party_size"},
			{`{"name": "王五", "phone": "13700137000", "party_size": 1}`, "consent"},
			{`{"name": "", "phone": "13700137000", "party_size": 1, "consent": true}`, "name"},
			{`{"name": "王五", "phone": "13700137000", "party_size": 2, "consent": true, "children": true}`, "guardian"},
		} {
			if status, a := book(t, e.URL, slot, c.body); status != 422 || a.Error.Fields[c.field] == "" {
				t.Errorf("%s: %d %+v", c.body, status, a)
			}
		}
		// English on request.
		c := e.Client(t)
		c.Header.Set("Accept-Language", "en")
		res = c.SendJSON("POST", fmt.Sprintf("/api/v1/slots/%d/bookings", slot), map[string]any{"name": "x", "phone": "1", "party_size": 1, "consent": true})
		if res.Status != 422 || !strings.Contains(res.Body, "mainland China mobile") {
			t.Errorf("English error: %d %s", res.Status, res.Body)
		}
		if status, _ := book(t, e.URL, 999999, bookingJSON("王五", "13700137000", 1)); status != 404 {
			t.Errorf("unknown slot: %d", status)
		}

		// A slot that has started, and an activity whose window is not open.
		ctx := account.AsSystem(context.Background())
		if _, err := e.App.Booking.AddSlots(ctx, f.project.ID, booking.SlotsInput{Days: []string{"2026-11-27"}, From: "09:00", To: "10:00", Capacity: "5"}); err != nil {
			t.Fatal(err)
		}
		slots, _ := e.App.Booking.Slots(ctx, f.project.ID)
		if status, a := book(t, e.URL, slots[0].ID, bookingJSON("王五", "13700137001", 1)); status != 409 || !strings.Contains(a.Error.Message, "已开始") {
			t.Errorf("past slot: %d %+v", status, a)
		}
		if err := e.App.Booking.SetRules(ctx, f.other.ID, booking.RulesInput{Opens: "2026-12-01T09:00", Closes: "2026-12-20T09:00", MaxParty: "3"}); err != nil {
			t.Fatal(err)
		}
		otherSlots, _ := e.App.Booking.Slots(ctx, f.other.ID)
		if status, a := book(t, e.URL, otherSlots[0].ID, bookingJSON("王五", "13700137002", 1)); status != 409 || !strings.Contains(a.Error.Message, "尚未开始") {
			t.Errorf("window not open: %d %+v", status, a)
		}
		e.Clock.Set(time.Date(2026, 12, 21, 9, 0, 0, 0, apptest.Now.Location()))
		if status, a := book(t, e.URL, otherSlots[len(otherSlots)-1].ID, bookingJSON("王五", "13700137003", 1)); status != 409 || a.Error.Code != "deadline_passed" {
			t.Errorf("window closed: %d %+v", status, a)
		}
		e.Clock.Set(apptest.Now)

		// One client sending too fast, one phone sending too fast.
		cl := clientFrom()
		var last int
		var retry string
		for i := range 40 {
			req := fmt.Sprintf(`{"name": "王五", "phone": "1370013%04d", "party_size": 1, "consent": true}`, i)
			last, _ = post(t, cl, e.URL, slot, req)
			if last == 429 {
				break
			}
		}
		if last != 429 {
			t.Errorf("40 bookings from one client in a minute: last status %d, want 429", last)
		}
		for range 10 {
			res := e.Client(t).SendJSON("POST", fmt.Sprintf("/api/v1/slots/%d/bookings", slot), map[string]any{"name": "赵六", "phone": "13600136000", "party_size": 1, "consent": true})
			if res.Status == 429 {
				retry = res.Header.Get("Retry-After")
			}
		}
		_ = retry
	})
}

// TestRateLimitRetryAfter checks the 429 tells when to come back.
func TestRateLimitRetryAfter(t *testing.T) {
	e := apptest.New(t)
	f := setup(t, e)
	slot := f.slot(t, f.project, 8, 3)
	var got string
	for i := range 15 {
		status, _ := post(t, clientFrom(), e.URL, slot, bookingJSON("赵六", "13600136000", 1))
		if status == 429 {
			req := fmt.Sprintf("%s/api/v1/slots/%d/bookings", e.URL, slot)
			res, err := clientFrom().Post(req, "application/json", strings.NewReader(bookingJSON("赵六", "13600136000", 1)))
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			got = res.Header.Get("Retry-After")
			t.Logf("phone limited after %d attempts", i)
			break
		}
	}
	if got == "" || got == "0" {
		t.Errorf("a phone booking too fast gets no Retry-After: %q", got)
	}
}

func TestCancelFindAndWaitingList(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		f := setup(t, e)
		slot := f.slot(t, f.project, 8, 2)
		_, first := book(t, e.URL, slot, bookingJSON("张三", "13800138000", 2))
		status, waiting := book(t, e.URL, slot, `{"name": "李四", "phone": "13900139000", "party_size": 2, "consent": true, "waitlist": true}`)
		if status != 202 {
			t.Fatalf("waiting list: %d %+v", status, waiting)
		}
		c := e.Client(t)
		// A wrong code and an unknown phone get the same answer.
		wrong := c.PostForm("/bookings/find", url.Values{"phone": {"13800138000"}, "code": {"AAAAAAAA"}})
		unknown := c.PostForm("/bookings/find", url.Values{"phone": {"13000000000"}, "code": {first.Code}})
		if wrong.Status != 404 || unknown.Status != 404 || !strings.Contains(wrong.Body, "手机号码与预约码不匹配") || !strings.Contains(unknown.Body, "手机号码与预约码不匹配") {
			t.Errorf("wrong code %d, unknown phone %d", wrong.Status, unknown.Status)
		}
		found := c.PostForm("/bookings/find", url.Values{"phone": {"138-0013-8000"}, "code": {strings.ToLower(first.Code)}})
		if found.Status != 303 || !strings.HasPrefix(found.Location(), "/tickets/") {
			t.Fatalf("find: %d %s", found.Status, found.Location())
		}
		page := c.Get(found.Location())
		if page.Status != 200 || !strings.Contains(page.Body, first.Code) || !strings.Contains(page.Body, "qr.png") || strings.Contains(page.Body, "13800138000") {
			t.Errorf("ticket page: %d", page.Status)
		}
		png := c.Get(found.Location() + "/qr.png")
		if png.Status != 200 || png.Header.Get("Content-Type") != "image/png" || !strings.HasPrefix(png.Body, "\x89PNG") {
			t.Errorf("QR image: %d %s", png.Status, png.Header.Get("Content-Type"))
		}
		// A forged ticket is nobody's.
		forged := strings.Replace(first.Ticket, first.Code, waiting.Code, 1)
		if res := c.Get("/tickets/" + forged); res.Status != 404 {
			t.Errorf("forged ticket page: %d", res.Status)
		}
		if res := c.PostForm(found.Location()+"/cancel", nil); res.Status != 303 {
			t.Fatalf("cancel: %d %s", res.Status, res.Body)
		}
		if res := c.PostForm(found.Location()+"/cancel", nil); res.Status != 409 {
			t.Errorf("cancel twice: %d", res.Status)
		}
		// The first in line got the places and sees it when they look.
		found = c.PostForm("/bookings/find", url.Values{"phone": {"13900139000"}, "code": {waiting.Code}})
		page = c.Get(found.Location())
		if !strings.Contains(page.Body, "候补成功") || !strings.Contains(page.Body, "有效") {
			t.Errorf("promotion not shown:\n%s", page.Body)
		}
		sl, _ := e.App.Booking.Slot(context.Background(), slot)
		if sl.Taken != 2 || sl.Waiting != 0 {
			t.Errorf("after cancel and promotion: taken %d, waiting %d", sl.Taken, sl.Waiting)
		}
		// Cancelled, the phone may book the slot again.
		if status, _ := book(t, e.URL, f.slot(t, f.project, 7, 2), bookingJSON("张三", "13800138000", 1)); status != 201 {
			t.Errorf("rebook: %d", status)
		}
	})
}

func TestCheckIn(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		f := setup(t, e)
		slots, _ := e.App.Booking.Slots(context.Background(), f.openDay.ID)
		_, b := book(t, e.URL, slots[1].ID, bookingJSON(`<script>alert(1)</script>`, "13800138000", 3))
		path := fmt.Sprintf("/activities/%d/checkin", f.openDay.ID)
		e.Run(t, []apptest.Scenario{
			{Name: "the public is sent to log in", Path: path, Status: 303},
			{Name: "staff of another unit are refused", As: "hqu-checkin", Path: path, Status: 403},
			{Name: "staff of another unit cannot check in", As: "hqu-checkin", Method: "POST", Path: path, Form: url.Values{"entry": {b.Code}}, Status: 403},
			{Name: "the unit's staff see the page", As: "qztc-checkin", Path: path, Status: 200, Contains: []string{"jsqr-1.4.0.js", "checkin.js", `name="entry"`}},
			{Name: "a forged ticket", As: "qztc-checkin", Method: "POST", Path: path, Form: url.Values{"entry": {strings.Replace(b.Ticket, b.Code, "ABCDEFGH", 1)}}, Status: 404, Contains: []string{"不是本系统签发"}},
			{Name: "a ticket of another campaign", As: "qztc-checkin", Method: "POST", Path: path, Form: url.Values{"entry": {e.App.Booking.Keys.Ticket(1, b.Code)}}, Status: 404, Contains: []string{"其他活动周"}},
			{Name: "a booking of another activity", As: "admin", Method: "POST", Path: fmt.Sprintf("/activities/%d/checkin", f.project.ID), Form: url.Values{"entry": {b.Code}}, Status: 404, Contains: []string{"其他活动"}},
			{Name: "nothing typed", As: "qztc-checkin", Method: "POST", Path: path, Form: url.Values{"entry": {""}}, Status: 422},
			{Name: "a code no ticket has", As: "qztc-checkin", Method: "POST", Path: path, Form: url.Values{"entry": {"ZZZZ2222"}}, Status: 404, Contains: []string{"没有预约凭证的代码是 ZZZZ2222"}},
			{Name: "a mistyped code", As: "qztc-checkin", Method: "POST", Path: path, Form: url.Values{"entry": {"AB10"}}, Status: 404, Contains: []string{"没有预约凭证的代码是 AB10"}},
			{Name: "a ticket for another day asks first", As: "qztc-checkin", Method: "POST", Path: path, Form: url.Values{"entry": {b.Ticket}}, Status: 409,
				Contains: []string{"这张凭证是 " + slots[1].Start.Format("2006-01-02") + " 的", `name="confirm" value="1"`}, NotContains: []string{"签到成功"}},
			{Name: "the scanned ticket checks in once confirmed", As: "qztc-checkin", Method: "POST", Path: path, Form: url.Values{"entry": {b.Ticket}, "confirm": {"1"}}, Status: 200,
				Contains: []string{"签到成功", "&lt;script&gt;"}, NotContains: []string{"<script>alert"}},
			{Name: "a second scan says it was used", As: "qztc-checkin", Method: "POST", Path: path, Form: url.Values{"entry": {strings.ToLower(b.Code)}, "confirm": {"1"}}, Status: 409,
				Contains: []string{"已于 11-28", "不能重复使用"}},
			{Name: "occupancy", As: "qztc", Path: fmt.Sprintf("/api/v1/activities/%d/occupancy", f.openDay.ID), Status: 200, Contains: []string{`"checked_in":3`}},
			{Name: "occupancy is for staff", As: "hqu", Path: fmt.Sprintf("/api/v1/activities/%d/occupancy", f.openDay.ID), Status: 403},
		})
	})
}

func TestManageAndPersonalData(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		f := setup(t, e)
		slots, _ := e.App.Booking.Slots(context.Background(), f.openDay.ID)
		book(t, e.URL, slots[1].ID, bookingJSON(`<b>林</b>`, "13812345678", 1))
		manage := fmt.Sprintf("/activities/%d/booking", f.openDay.ID)
		export := manage + "/bookings.csv"
		e.Run(t, []apptest.Scenario{
			{Name: "the unit manages", As: "qztc", Path: manage, Status: 200, Contains: []string{"138****5678", "&lt;b&gt;林&lt;/b&gt;", "每场人数上限"}, NotContains: []string{"13812345678"}},
			{Name: "another unit is refused", As: "hqu", Path: manage, Status: 403},
			{Name: "another district is refused", As: "jinjiang", Path: manage, Status: 403},
			{Name: "check-in staff do not manage", As: "qztc-checkin", Path: manage, Status: 403},
			{Name: "the organiser manages", As: "admin", Path: manage, Status: 200, Contains: []string{"bookings.csv"}},
			{Name: "the unit cannot export", As: "qztc", Path: export, Status: 403},
			{Name: "the organiser exports", As: "admin", Path: export, Status: 200, Contains: []string{"13812345678"}},
			{Name: "bad rules", As: "qztc", Method: "POST", Path: manage + "/rules", Form: url.Values{"opens": {"x"}, "closes": {"2026-12-01T09:00"}, "max_party": {"0"}}, Status: 422,
				Contains: []string{"请填写日期和时间", "1 到 20"}},
			{Name: "bad slots", As: "qztc", Method: "POST", Path: manage + "/slots", Form: url.Values{"from": {"17:00"}, "to": {"09:00"}, "capacity": {"0"}}, Status: 422,
				Contains: []string{"请至少选择一天", "结束时间须晚于开始时间"}},
			{Name: "bulk slots", As: "qztc", Method: "POST", Path: manage + "/slots", Form: url.Values{"days": {"2026-12-22", "2026-12-23"}, "from": {"09:00"}, "to": {"17:00"}, "every": {"60"}, "capacity": {"30"}}, Status: 303},
			{Name: "another unit cannot add slots", As: "hqu", Method: "POST", Path: manage + "/slots", Form: url.Values{"days": {"2026-12-22"}, "from": {"09:00"}, "to": {"10:00"}, "capacity": {"30"}}, Status: 403},
			{Name: "the book page", Path: fmt.Sprintf("/activities/%d/book", f.openDay.ID), Status: 200, Contains: []string{"个人信息说明", "监护人", "余 "}},
			{Name: "the activity page links to booking", Path: fmt.Sprintf("/activities/%d", f.openDay.ID), Status: 200, Contains: []string{fmt.Sprintf("/activities/%d/book", f.openDay.ID)}},
		})
		var n int
		e.App.DB.QueryRow(context.Background(), `SELECT COUNT(*) FROM booking_slots WHERE activity_id = ? AND start_at >= ?`, f.openDay.ID, "2026-12-22").Scan(&n)
		if n != 16 {
			t.Errorf("bulk slots: %d, want 8 a day for 2 days", n)
		}
		var audited int
		e.App.DB.QueryRow(context.Background(), `SELECT COUNT(*) FROM audit_events WHERE action = 'booking.export'`).Scan(&audited)
		if audited != 1 {
			t.Errorf("exports audited: %d", audited)
		}
		var stored string
		e.App.DB.QueryRow(context.Background(), `SELECT phone_enc || name_enc FROM bookings WHERE phone_masked = '138****5678'`).Scan(&stored)
		if stored == "" || strings.Contains(stored, "13812345678") || strings.Contains(stored, "林") {
			t.Errorf("phone and name are not sealed at rest: %q", stored)
		}

		// Erased 30 days after the week, once, with a record.
		ctx := context.Background()
		if n, err := e.App.Booking.EraseExpired(ctx, apptest.Now); err != nil || n != 0 {
			t.Errorf("erased before the week: %d %v", n, err)
		}
		later := time.Date(2027, 2, 1, 0, 0, 0, 0, apptest.Now.Location())
		n, err := e.App.Booking.EraseExpired(ctx, later)
		if err != nil || n == 0 {
			t.Fatalf("erase: %d %v", n, err)
		}
		if again, _ := e.App.Booking.EraseExpired(ctx, later); again != 0 {
			t.Errorf("erased twice: %d", again)
		}
		var left, records int
		e.App.DB.QueryRow(ctx, `SELECT COUNT(*) FROM bookings WHERE phone_enc <> '' OR name_enc <> ''`).Scan(&left)
		e.App.DB.QueryRow(ctx, `SELECT COUNT(*) FROM booking_erasures`).Scan(&records)
		if left != 0 || records == 0 {
			t.Errorf("after erasure: %d bookings keep data, %d records", left, records)
		}
	})
}

// textsSent reads the text messages recorded for bookers, by phone: what
// booking told them through the notices.
func textsSent(t *testing.T, e *apptest.Env) (map[string]string, int) {
	t.Helper()
	rows, err := e.App.DB.Query(context.Background(), `SELECT recipient, body_text FROM messages WHERE channel = 'sms' ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	told, n := map[string]string{}, 0
	for rows.Next() {
		var phone, text string
		if err := rows.Scan(&phone, &text); err != nil {
			t.Fatal(err)
		}
		told[phone] = text
		n++
	}
	return told, n
}

func TestOnlineSwitch(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		f := setup(t, e)
		slot := f.slot(t, f.project, 8, 10)
		book(t, e.URL, slot, bookingJSON("张三", "13800138000", 1))
		c := e.Client(t)
		c.Header.Set("Accept-Language", "en")
		c.SendJSON("POST", fmt.Sprintf("/api/v1/slots/%d/bookings", slot), map[string]any{"name": "Ann", "phone": "13900139000", "party_size": 1, "consent": true})

		// One activity goes online.
		admin := e.As(t, "admin")
		if res := admin.PostForm(fmt.Sprintf("/activities/%d/booking/online", f.project.ID), url.Values{"online": {"yes"}}); res.Status != 303 {
			t.Fatalf("activity online: %d %s", res.Status, res.Body)
		}
		if status, a := book(t, e.URL, slot, bookingJSON("王五", "13700137000", 1)); status != 409 || !strings.Contains(a.Error.Message, "线上") {
			t.Errorf("booking an online activity: %d %+v", status, a)
		}
		told, before := textsSent(t, e)
		if !strings.Contains(told["13800138000"], "已改为线上举办") || !strings.Contains(told["13900139000"], "now held online") {
			t.Errorf("bookers told: %+v", told)
		}
		// The whole week goes online.
		slots, _ := e.App.Booking.Slots(context.Background(), f.openDay.ID)
		if res := admin.PostForm("/admin/campaigns/2026/online", url.Values{"reason": {"疫情防控需要"}}); res.Status != 303 {
			t.Fatalf("campaign online: %d", res.Status)
		}
		if status, _ := book(t, e.URL, slots[1].ID, bookingJSON("王五", "13700137000", 1)); status != 409 {
			t.Errorf("booking during the online week: %d", status)
		}
		var marked int
		e.App.DB.QueryRow(context.Background(), `SELECT COUNT(*) FROM bookings WHERE online_at IS NOT NULL`).Scan(&marked)
		if _, sent := textsSent(t, e); marked < 3 || sent <= before {
			t.Errorf("bookings marked online: %d, told %d", marked, sent)
		}
		if ok, _ := e.App.Booking.Bookable(context.Background(), []int64{f.openDay.ID}); ok[f.openDay.ID] {
			t.Error("an activity of an online week is still bookable")
		}
	})
}
