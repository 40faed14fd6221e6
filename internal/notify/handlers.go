package notify

import (
	"embed"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/campaign"
	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/validate"
	"github.com/sciweek/sciweek/internal/web"
)

//go:embed templates/*.html
var Templates embed.FS

// Handlers serves the notification list, the organiser's message log,
// the reminder settings and their API.
type Handlers struct {
	Service   *Service
	Campaigns *campaign.Service
	Server    *web.Server
}

// Routes registers the pages and API.
func (h *Handlers) Routes(mux web.Router) {
	mux.HandleFunc("GET /notifications", h.notifications)
	mux.HandleFunc("POST /notifications/{id}/open", h.open)
	mux.HandleFunc("POST /notifications/read", h.readAll)
	mux.HandleFunc("GET /admin/messages", h.messages)
	mux.HandleFunc("POST /admin/messages/{id}/resend", h.resend)
	mux.HandleFunc("GET /campaigns/{slug}/reminders", h.reminders)
	mux.HandleFunc("POST /campaigns/{slug}/reminders", h.saveReminders)
	mux.HandleFunc("GET /api/v1/notifications", h.apiNotifications)
	mux.HandleFunc("POST /api/v1/notifications/{id}/read", h.apiRead)
	mux.HandleFunc("GET /api/v1/messages", h.apiMessages)
}

func (h *Handlers) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	h.Server.Renderer.Render(w, r, status, "notify/"+name, data)
}

// notificationView is a notification as the list shows it.
type notificationView struct {
	ID     int64
	Title  string
	Body   string
	When   string
	ISO    string
	Unread bool
}

type notificationsPage struct {
	web.Page
	Items  []notificationView
	Unread int
	Total  int
	Prev   string
	Next   string
}

const perPage = 30

func (h *Handlers) notifications(w http.ResponseWriter, r *http.Request) {
	if _, err := account.RequireLogin(r); err != nil {
		h.Server.Error(w, r, err)
		return
	}
	page, _, err := web.Paging(r, perPage)
	if err != nil {
		page = 1
	}
	ns, total, err := h.Service.Notifications(r.Context(), (page-1)*perPage, perPage)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	data := notificationsPage{Page: web.PageFor(r, "notify.list.title"), Total: total, Unread: h.Service.UnreadCount(r.Context())}
	l := data.Localizer
	for _, n := range ns {
		data.Items = append(data.Items, notificationView{ID: n.ID, Title: n.Notice.Title(l), Body: n.Notice.Body(l),
			When: l.DateTime(n.CreatedAt), ISO: n.CreatedAt.Format(time.RFC3339), Unread: n.Unread()})
	}
	data.Prev, data.Next = pager("/notifications", url.Values{}, page, total)
	h.render(w, r, http.StatusOK, "notifications.html", data)
}

// pager returns the links to the previous and next pages, if any.
func pager(path string, q url.Values, page, total int) (prev, next string) {
	if page > 1 {
		q.Set("page", strconv.Itoa(page-1))
		prev = path + "?" + q.Encode()
	}
	if page*perPage < total {
		q.Set("page", strconv.Itoa(page+1))
		next = path + "?" + q.Encode()
	}
	return prev, next
}

func idOf(r *http.Request) (int64, error) {
	id, err := web.PathID(r, "id")
	if err != nil {
		return 0, errs.NotFoundf("notification %q", r.PathValue("id"))
	}
	return id, nil
}

func (h *Handlers) open(w http.ResponseWriter, r *http.Request) {
	id, err := idOf(r)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	n, err := h.Service.Open(r.Context(), id)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	web.Redirect(w, r, web.SafeNext(n.Link, "/notifications"))
}

func (h *Handlers) readAll(w http.ResponseWriter, r *http.Request) {
	if err := h.Service.ReadAll(r.Context()); err != nil {
		h.Server.Error(w, r, err)
		return
	}
	web.SetFlash(w, "notify.list.all_read")
	web.Redirect(w, r, "/notifications")
}

// messageView is a recorded message as the log shows it.
type messageView struct {
	Message
	When      string
	ISO       string
	StateText string
	Reason    string
}

type messagesPage struct {
	web.Page
	Items   []messageView
	Total   int
	State   string
	Channel string
	States  []string
	Prev    string
	Next    string
}

func (h *Handlers) messages(w http.ResponseWriter, r *http.Request) {
	if _, err := account.RequireLogin(r); err != nil {
		h.Server.Error(w, r, err)
		return
	}
	page, _, err := web.Paging(r, perPage)
	if err != nil {
		page = 1
	}
	f := filterOf(r)
	f.Offset, f.Limit = (page-1)*perPage, perPage
	ms, total, err := h.Service.Messages(r.Context(), f)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	data := messagesPage{Page: web.PageFor(r, "notify.messages.title"), Total: total, State: string(f.State), Channel: string(f.Channel),
		States: []string{string(StateQueued), string(StateSent), string(StateFailed), string(StateSkipped)}}
	data.Wide = true
	l := data.Localizer
	for _, m := range ms {
		v := messageView{Message: m, When: l.DateTime(m.CreatedAt), ISO: m.CreatedAt.Format(time.RFC3339), StateText: l.T("notify.state." + string(m.State)), Reason: m.Reason}
		if m.Channel == SMS {
			v.Recipient = validate.MaskPhone(m.Recipient)
			v.Subject = l.T("notify.messages.sms")
		}
		if m.State == StateSkipped {
			v.Reason = l.T("notify.messages.off." + string(m.Channel))
		}
		data.Items = append(data.Items, v)
	}
	keep := url.Values{}
	for k, v := range map[string]string{"state": data.State, "channel": data.Channel} {
		if v != "" {
			keep.Set(k, v)
		}
	}
	data.Prev, data.Next = pager("/admin/messages", keep, page, total)
	h.render(w, r, http.StatusOK, "messages.html", data)
}

// filterOf reads state= and channel=; values it does not know mean all.
func filterOf(r *http.Request) MessageFilter {
	var f MessageFilter
	switch s := State(r.URL.Query().Get("state")); s {
	case StateQueued, StateSent, StateFailed, StateSkipped:
		f.State = s
	}
	switch c := Channel(r.URL.Query().Get("channel")); c {
	case Email, SMS:
		f.Channel = c
	}
	return f
}

func (h *Handlers) resend(w http.ResponseWriter, r *http.Request) {
	id, err := idOf(r)
	if err == nil {
		err = h.Service.Resend(r.Context(), id)
	}
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	web.SetFlash(w, "notify.messages.resent")
	web.Redirect(w, r, web.SafeNext(r.PostFormValue("next"), "/admin/messages"))
}

// ruleView is one kind of deadline on the reminder settings page.
type ruleView struct {
	Kind     string
	Label    string
	Deadline string
	Days     string
	Error    string
}

type remindersPage struct {
	web.Page
	Campaign campaign.Campaign
	Rules    []ruleView
	Sent     []SentReminder
	Errors   map[string]string
	Summary  string
}

func (h *Handlers) remindersPage(r *http.Request, c campaign.Campaign, typed map[string]string) (remindersPage, error) {
	data := remindersPage{Page: web.PageFor(r, "notify.reminders.title"), Campaign: c}
	l := data.Localizer
	for _, d := range h.Service.Deadlines {
		kind := d.Kind
		days, err := h.Service.Rules(r.Context(), c, kind)
		if err != nil {
			return data, err
		}
		v := ruleView{Kind: kind, Label: l.T("notify.deadline." + kind), Days: formatDays(days)}
		if d.Due != nil {
			v.Deadline = l.Date(d.Due(c))
		}
		if t, ok := typed[kind]; ok {
			v.Days = t
		}
		data.Rules = append(data.Rules, v)
	}
	sent, err := h.Service.SentReminders(r.Context(), c)
	data.Sent = sent
	return data, err
}

func (h *Handlers) campaignFor(r *http.Request) (campaign.Campaign, error) {
	if _, err := account.RequireLogin(r); err != nil {
		return campaign.Campaign{}, err
	}
	c, err := h.Campaigns.Get(r.Context(), r.PathValue("slug"))
	if err != nil {
		return c, err
	}
	if !h.Campaigns.CanEdit(r.Context(), c) {
		return c, errs.ForbiddenErr()
	}
	return c, nil
}

func (h *Handlers) reminders(w http.ResponseWriter, r *http.Request) {
	c, err := h.campaignFor(r)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	data, err := h.remindersPage(r, c, nil)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "reminders.html", data)
}

func (h *Handlers) saveReminders(w http.ResponseWriter, r *http.Request) {
	c, err := h.campaignFor(r)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	typed := map[string]string{}
	r.ParseForm()
	for _, d := range h.Service.Deadlines {
		kind := d.Kind
		if _, posted := r.PostForm["days_"+kind]; !posted {
			continue // a form of before this kind of deadline existed
		}
		typed[kind] = r.PostFormValue("days_" + kind)
		if err = h.Service.SetRules(r.Context(), c, kind, typed[kind]); err != nil {
			break
		}
	}
	if err != nil {
		fields, summary, ok := web.FormErrors(r, err)
		if !ok {
			h.Server.Error(w, r, err)
			return
		}
		data, perr := h.remindersPage(r, c, typed)
		if perr != nil {
			h.Server.Error(w, r, perr)
			return
		}
		data.Errors, data.Summary = fields, summary
		for i := range data.Rules {
			data.Rules[i].Error = fields["days_"+data.Rules[i].Kind]
		}
		h.render(w, r, web.FormStatus(err), "reminders.html", data)
		return
	}
	web.SetFlash(w, "notify.reminders.saved")
	web.Redirect(w, r, "/campaigns/"+c.Slug+"/reminders")
}

// apiNotification is a notification in the API.
type apiNotification struct {
	ID        int64     `json:"id"`
	Topic     Topic     `json:"topic"`
	Title     string    `json:"title"`
	Body      string    `json:"body"`
	Link      string    `json:"link,omitempty"`
	Read      bool      `json:"read"`
	CreatedAt time.Time `json:"created_at"`
}

type apiNotifications struct {
	web.List[apiNotification]
	Unread int `json:"unread"`
}

func (h *Handlers) apiNotifications(w http.ResponseWriter, r *http.Request) {
	if _, err := account.RequireLogin(r); err != nil {
		h.Server.Error(w, r, err)
		return
	}
	page, per, err := web.Paging(r, 50)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	ns, total, err := h.Service.Notifications(r.Context(), (page-1)*per, per)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	l := web.L(r.Context())
	out := apiNotifications{List: web.List[apiNotification]{Items: []apiNotification{}, Total: total, Page: page, PerPage: per}, Unread: h.Service.UnreadCount(r.Context())}
	for _, n := range ns {
		out.Items = append(out.Items, apiNotification{ID: n.ID, Topic: n.Notice.Topic, Title: n.Notice.Title(l), Body: n.Notice.Body(l),
			Link: n.Notice.Link, Read: !n.Unread(), CreatedAt: n.CreatedAt})
	}
	web.JSON(w, r, http.StatusOK, out)
}

func (h *Handlers) apiRead(w http.ResponseWriter, r *http.Request) {
	id, err := idOf(r)
	if err == nil {
		_, err = h.Service.Open(r.Context(), id)
	}
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	web.JSON(w, r, http.StatusOK, map[string]int{"unread": h.Service.UnreadCount(r.Context())})
}

func (h *Handlers) apiMessages(w http.ResponseWriter, r *http.Request) {
	if _, err := account.RequireLogin(r); err != nil {
		h.Server.Error(w, r, err)
		return
	}
	page, per, err := web.Paging(r, 50)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	f := filterOf(r)
	f.Offset, f.Limit = (page-1)*per, per
	ms, total, err := h.Service.Messages(r.Context(), f)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	out := web.List[Message]{Items: []Message{}, Total: total, Page: page, PerPage: per}
	for _, m := range ms {
		if m.Channel == SMS {
			m.Recipient = validate.MaskPhone(m.Recipient)
		}
		out.Items = append(out.Items, m)
	}
	web.JSON(w, r, http.StatusOK, out)
}
