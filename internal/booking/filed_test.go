package booking_test

import (
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/sciweek/sciweek/internal/apptest"
	"github.com/sciweek/sciweek/internal/filing"
)

var (
	versionRe  = regexp.MustCompile(`name="version" value="(\d+)"`)
	filingIDRe = regexp.MustCompile(`/filings/(\d+)/(?:submit|reopen)`)
	itemRe     = regexp.MustCompile(`id="item-([0-9a-f]+)"`)
	manageRe   = regexp.MustCompile(`/activities/(\d+)/booking"`)
)

// openDayFiling files hqu's 附件2 through the pages, one open day with the
// sessions and places, and returns the filing's path and id.
type openDayFiling struct {
	t    *testing.T
	e    *apptest.Env
	base string
	id   string
	uid  string
	// as holds one signed-in client per user: logins are rate-limited.
	as map[string]*apptest.Client
}

func (f *openDayFiling) client(user string) *apptest.Client {
	if f.as[user] == nil {
		f.as[user] = f.e.As(f.t, user)
	}
	return f.as[user]
}

func fileOpenDay(t *testing.T, e *apptest.Env, slots, capacity string) *openDayFiling {
	t.Helper()
	f := &openDayFiling{t: t, e: e, base: "/campaigns/2026/filings/hqu/2", as: map[string]*apptest.Client{}}
	f.item(slots, capacity)
	f.passReview()
	return f
}

// item writes the open day: a new item, or the one already there.
func (f *openDayFiling) item(slots, capacity string) {
	f.t.Helper()
	hqu := f.client("hqu")
	form := url.Values{"f_unit_name": {"华侨大学"}, "f_open_content": {"材料科学实验室开放"}, "f_address": {"泉州市丰泽区城华北路269号"},
		"f_contact": {"林老师"}, "f_phone": {"0595-22692114"}, "f_slots": {slots}, "f_capacity": {capacity}}
	path := f.base + "/items"
	if f.uid != "" {
		path += "/" + f.uid
	}
	if res := hqu.PostForm(path, form); res.Status != 303 {
		f.t.Fatalf("filing the open day: %d\n%s", res.Status, res.Body)
	}
	page := hqu.Get(f.base).Body
	f.id = filingIDRe.FindStringSubmatch(page)[1]
	f.uid = itemRe.FindStringSubmatch(page)[1]
}

// passReview submits the table and has 丰泽区 and the city approve it.
func (f *openDayFiling) passReview() {
	f.t.Helper()
	f.act("hqu", "submit")
	f.act("fengze", "approve")
	f.act("admin", "approve")
}

func (f *openDayFiling) act(user, action string) {
	f.t.Helper()
	c := f.client(user)
	version := versionRe.FindStringSubmatch(c.Get(f.base).Body)[1]
	if res := c.PostForm("/filings/"+f.id+"/"+action, url.Values{"version": {version}}); res.Status != 303 {
		f.t.Fatalf("%s %s: %d\n%s", user, action, res.Status, res.Body)
	}
}

type apiSlot struct {
	ID       int64  `json:"id"`
	Start    string `json:"start"`
	End      string `json:"end"`
	Capacity int    `json:"capacity"`
}

func slotsOf(t *testing.T, e *apptest.Env, activity string) []apiSlot {
	t.Helper()
	var out struct {
		Slots []apiSlot `json:"items"`
	}
	e.Client(t).Get("/api/v1/activities/"+activity+"/slots").JSON(t, &out)
	return out.Slots
}

// TestFiledOpenDaysBecomeBookable: an approved 附件2 row's 开放时间 and
// 每场接待上限 become slots the public books without anyone typing them
// again; a later revision changes only what nobody booked and flags the
// rest; a time that cannot be read changes nothing and is told.
func TestFiledOpenDaysBecomeBookable(t *testing.T) {
	apptest.EachWith(t, apptest.Options{NoDemoFilings: true}, func(t *testing.T, e *apptest.Env) {
		f := fileOpenDay(t, e, "2026-12-20 09:00-11:00\n2026-12-21 14:00-16:00", "30")
		hqu := f.client("hqu")
		staff := hqu.Get("/booking").Body
		if !strings.Contains(staff, "您的 2 个开放日场次已开放预约") {
			t.Fatalf("the unit's booking page does not tell the sessions are bookable:\n%s", staff)
		}
		if res := hqu.Get("/dashboard"); !strings.Contains(res.Body, "您的 2 个开放日场次已开放预约") {
			t.Error("the dashboard does not tell the sessions are bookable")
		}
		m := manageRe.FindStringSubmatch(staff)
		if m == nil {
			t.Fatalf("no booking page for the open day:\n%s", staff)
		}
		activity := m[1]
		slots := slotsOf(t, e, activity)
		if len(slots) != 2 || slots[0].Capacity != 30 || !strings.HasPrefix(slots[0].Start, "2026-12-20T09:00") {
			t.Fatalf("generated slots: %+v", slots)
		}
		manage := hqu.Get("/activities/" + activity + "/booking").Body
		if !strings.Contains(manage, "备案场次") {
			t.Error("the 预约设置 page does not mark the filed slots")
		}
		code, body := post(t, clientFrom(), e.URL, slots[0].ID, bookingJSON("陈晓明", "13912345678", 2))
		if code != 201 {
			t.Fatalf("booking a filed slot: %d %s", code, body)
		}

		// A revision moves the booked session and raises the places: the
		// booking stays where it was, flagged; the unbooked slot follows.
		f.act("hqu", "reopen")
		f.item("2026-12-20 09:30-11:30\n2026-12-21 14:00-16:00", "40")
		f.passReview()
		slots = slotsOf(t, e, activity)
		byStart := map[string]apiSlot{}
		for _, s := range slots {
			byStart[s.Start[:16]] = s
		}
		if s, ok := byStart["2026-12-20T09:00"]; !ok || s.Capacity != 30 {
			t.Errorf("the booked slot was moved or dropped: %+v", slots)
		}
		if s := byStart["2026-12-21T14:00"]; s.Capacity != 40 {
			t.Errorf("the unbooked slot did not follow the revision: %+v", slots)
		}
		if _, ok := byStart["2026-12-20T09:30"]; !ok {
			t.Errorf("the newly filed session is not bookable: %+v", slots)
		}
		manage = hqu.Get("/activities/" + activity + "/booking").Body
		if !strings.Contains(manage, "备案表的新修订已取消此场，但此场已有预约") {
			t.Errorf("the booked slot the revision dropped is not flagged:\n%s", manage)
		}
		if res := hqu.Get("/dashboard"); !strings.Contains(res.Body, "有 1 个已有预约的场次在备案表修订后需要您处理") {
			t.Error("the dashboard does not ask to look at the flagged slot")
		}
		// Confirming the slot clears its flag.
		flagged := byStart["2026-12-20T09:00"].ID
		if res := hqu.PostForm(fmt.Sprintf("/activities/%s/booking/slots/%d/capacity", activity, flagged), url.Values{"capacity": {"1"}}); res.Status != 422 {
			t.Errorf("places below those booked: %d", res.Status)
		}
		if res := hqu.PostForm(fmt.Sprintf("/activities/%s/booking/slots/%d/capacity", activity, flagged), url.Values{"capacity": {"30"}}); res.Status != 303 {
			t.Fatalf("keeping the flagged slot: %d\n%s", res.Status, res.Body)
		}
		if strings.Contains(hqu.Get("/activities/"+activity+"/booking").Body, "备案表的新修订已取消此场") {
			t.Error("the flag stays after the unit confirmed the slot")
		}

		// The organiser makes 开放时间 free text; a time the parser cannot
		// read leaves every slot and booking as it was, and is told.
		setSlotsFieldType(t, f, filing.TypeTextarea)
		f.act("hqu", "reopen")
		f.item("时间另行通知", "40")
		f.passReview()
		var n int
		if err := e.App.DB.QueryRow(t.Context(), `SELECT COUNT(*) FROM booking_slots WHERE activity_id = ?`, atoi(activity)).Scan(&n); err != nil || n != len(slots) {
			t.Errorf("an unreadable time changed the slots: %d, was %d (%v)", n, len(slots), err)
		}
		if err := e.App.DB.QueryRow(t.Context(), `SELECT COUNT(*) FROM bookings WHERE activity_id = ? AND state = 'active'`, atoi(activity)).Scan(&n); err != nil || n != 1 {
			t.Errorf("bookings after an unreadable time: %d %v", n, err)
		}
		if res := hqu.Get("/booking"); !strings.Contains(res.Body, "无法识别备案的开放时间“另行通知”") {
			t.Errorf("the unit is not told its time could not be read:\n%s", res.Body)
		}
		if res := hqu.Get("/dashboard"); !strings.Contains(res.Body, "无法识别备案的开放时间") {
			t.Error("the dashboard does not tell the unreadable time")
		}

		// The unit replaces the row with a new one: the old open day leaves
		// the program, but its booking stays and the unit is told.
		f.act("hqu", "reopen")
		if res := hqu.PostForm(f.base+"/items/"+f.uid+"/delete", nil); res.Status != 303 {
			t.Fatalf("deleting the item: %d", res.Status)
		}
		f.uid = ""
		f.item("2026-12-22 09:00-11:00", "20")
		f.passReview()
		if err := e.App.DB.QueryRow(t.Context(), `SELECT COUNT(*) FROM bookings WHERE activity_id = ? AND state = 'active'`, atoi(activity)).Scan(&n); err != nil || n != 1 {
			t.Errorf("bookings after the row was removed: %d %v", n, err)
		}
		staff = hqu.Get("/booking").Body
		if !strings.Contains(staff, "华侨大学开放日：已从批准的备案表中删除") || strings.Contains(staff, "无法识别") {
			t.Errorf("the unit is not told its booked open day left the table:\n%s", staff)
		}
		if !strings.Contains(staff, "您的 1 个开放日场次已开放预约") {
			t.Errorf("the new row's session is not bookable:\n%s", staff)
		}
	})
}

// setSlotsFieldType changes the type of 附件2's 开放时间 in the organiser's
// form editor.
func setSlotsFieldType(t *testing.T, f *openDayFiling, typ filing.FieldType) {
	t.Helper()
	admin := f.client("admin")
	page := admin.Get("/campaigns/2026/forms/2").Body
	form := url.Values{"version": {versionRe.FindStringSubmatch(page)[1]}}
	fields := filing.DefaultTemplate(2).Fields
	form.Set("rows", strconv.Itoa(len(fields)))
	for i, fd := range fields {
		n := "." + strconv.Itoa(i)
		form.Set("key"+n, fd.Key)
		form.Set("label"+n, fd.Label)
		form.Set("label_en"+n, fd.LabelEn)
		form.Set("help"+n, fd.Help)
		form.Set("help_en"+n, fd.HelpEn)
		ft := fd.Type
		if fd.Key == filing.KeySlots {
			ft = typ
		}
		form.Set("type"+n, string(ft))
		for name, on := range map[string]bool{"required": fd.Required, "public": fd.Public, "positive": fd.Positive} {
			if on {
				form.Set(name+n, "on")
			}
		}
	}
	if res := admin.PostForm("/campaigns/2026/forms/2", form); res.Status != 303 {
		t.Fatalf("changing the form: %d\n%s", res.Status, res.Body)
	}
}

func atoi(s string) int64 { n, _ := strconv.ParseInt(s, 10, 64); return n }

// TestProjectsMarkedForBookingBecomeBookable: a 附件1 project marked 是否需要
// 预约 是 asks for its sessions and places; once approved, they become slots
// the public books, as an approved open day's do; a project not marked
// gets none.
func TestProjectsMarkedForBookingBecomeBookable(t *testing.T) {
	apptest.EachWith(t, apptest.Options{NoDemoFilings: true}, func(t *testing.T, e *apptest.Env) {
		f := &openDayFiling{t: t, e: e, base: "/campaigns/2026/filings/hqu/1", as: map[string]*apptest.Client{}}
		hqu := f.client("hqu")
		if form := hqu.Get(f.base + "/items/new").Body; !strings.Contains(form, "是否需要预约") || !strings.Contains(form, `name="f_slots"`) {
			t.Fatalf("the project form does not ask whether it needs booking:\n%s", form)
		}
		project := func(title, booking, slots, capacity string) url.Values {
			return url.Values{"f_title": {title}, "f_host": {"华侨大学"}, "f_category": {"展示科技创新成就"}, "f_mode": {"线下"},
				"f_start": {"2026-12-20T09:00"}, "f_end": {"2026-12-21T17:00"}, "f_place": {"泉州市丰泽区城华北路269号"},
				"f_content": {"展示人工智能与机器人的最新成果。"}, "f_audience": {"青少年"}, "f_expected": {"300"}, "f_contact": {"林老师"},
				"f_phone": {"0595-22692114"}, "f_booking": {booking}, "f_slots": {slots}, "f_capacity": {capacity}}
		}
		res := hqu.PostForm(f.base+"/items", project("机器人工作坊", "是", "", ""))
		if res.Status != 422 || strings.Count(res.Body, "需要预约时请填写此项") != 2 {
			t.Fatalf("a project needing booking without sessions: %d\n%s", res.Status, res.Body)
		}
		uid := itemRe.FindStringSubmatch(hqu.Get(f.base).Body)[1]
		if res := hqu.PostForm(f.base+"/items/"+uid, project("机器人工作坊", "是", "2026-12-20 09:00-10:30\n2026-12-21 14:00-15:30", "25")); res.Status != 303 {
			t.Fatalf("the project with its sessions: %d\n%s", res.Status, res.Body)
		}
		if res := hqu.PostForm(f.base+"/items", project("人工智能科普展", "否", "", "")); res.Status != 303 {
			t.Fatalf("a project without booking: %d\n%s", res.Status, res.Body)
		}
		f.id = filingIDRe.FindStringSubmatch(hqu.Get(f.base).Body)[1]
		f.passReview()

		staff := hqu.Get("/booking").Body
		if !strings.Contains(staff, "您的 2 个开放日场次已开放预约") {
			t.Fatalf("the unit is not told its project's sessions are bookable:\n%s", staff)
		}
		// Both projects are in the program; only the one marked has slots.
		m := manageRe.FindAllStringSubmatch(staff, -1)
		var activity string
		var slots []apiSlot
		for _, a := range m {
			if s := slotsOf(t, e, a[1]); len(s) > 0 {
				if activity != "" {
					t.Fatalf("two activities have slots: %s and %s", activity, a[1])
				}
				activity, slots = a[1], s
			}
		}
		if len(m) != 2 || len(slots) != 2 || slots[0].Capacity != 25 || !strings.HasPrefix(slots[0].Start, "2026-12-20T09:00") || !strings.HasPrefix(slots[1].Start, "2026-12-21T14:00") {
			t.Fatalf("activities %v, the project's slots: %+v", m, slots)
		}
		if code, body := post(t, clientFrom(), e.URL, slots[1].ID, bookingJSON("陈晓明", "13912345678", 2)); code != 201 {
			t.Fatalf("booking the project's session: %d %s", code, body)
		}
	})
}
