package account

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/sciweek/sciweek/internal/audit"
	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/i18n"
	"github.com/sciweek/sciweek/internal/web"
)

// auditPerPage is the length of a page of the audit log.
const auditPerPage = 50

// AuditActions are the actions the audit page offers as filters; each has
// a label audit.action.NAME in the catalogue.
var AuditActions = []string{
	"login", "login.failed", "logout",
	"account", "account.create", "account.roles", "account.status", "account.locked", "account.password", "token.create", "token.revoke",
	"org", "org.create", "org.update", "org.import",
	"registration", "registration.approve", "registration.reject", "registration.duplicate",
	"campaign", "campaign.create", "campaign.update", "campaign.state", "campaign.copy", "campaign.attachment",
}

// auditQuery is the audit filter as typed in the query string.
type auditQuery struct {
	Action string
	Actor  string
	From   string
	To     string
}

func (q auditQuery) values() url.Values {
	v := url.Values{}
	for k, s := range map[string]string{"action": q.Action, "actor": q.Actor, "from": q.From, "to": q.To} {
		if s != "" {
			v.Set(k, s)
		}
	}
	return v
}

// parseAuditQuery reads the filter; dates are calendar days in Zone.
func parseAuditQuery(r *http.Request) (auditQuery, AuditFilter, error) {
	q := r.URL.Query()
	aq := auditQuery{Action: strings.TrimSpace(q.Get("action")), Actor: strings.TrimSpace(q.Get("actor")),
		From: strings.TrimSpace(q.Get("from")), To: strings.TrimSpace(q.Get("to"))}
	f := AuditFilter{Action: aq.Action, Actor: aq.Actor}
	fields := errs.Fields{}
	for _, d := range []struct {
		name string
		in   string
		out  *time.Time
	}{{"from", aq.From, &f.From}, {"to", aq.To, &f.To}} {
		if d.in == "" {
			continue
		}
		t, err := time.ParseInLocation("2006-01-02", d.in, Zone)
		if err != nil {
			fields.Add(d.name, "error.date")
			continue
		}
		*d.out = t
	}
	if !f.From.IsZero() && !f.To.IsZero() && f.To.Before(f.From) {
		fields.Add("to", "audit.error.range")
	}
	return aq, f, fields.Err()
}

// AuditRow is an event as the audit page shows it.
type AuditRow struct {
	audit.Event
	When   string
	ISO    string
	Label  string
	Object string
	Detail string
}

// ActionOption is one choice of the action filter.
type ActionOption struct {
	Value    string
	Label    string
	Group    bool
	Selected bool
}

type auditPage struct {
	web.Page
	Query    auditQuery
	Actions  []ActionOption
	Rows     []AuditRow
	Total    int
	PageNo   int
	Pages    int
	PrevHref string
	NextHref string
	Errors   map[string]string
	Summary  string
}

// actionLabel names an action in the page's language, or gives it as
// stored when the catalogue has no name for it.
func actionLabel(l i18n.Localizer, action string) string {
	if i18n.Has(l.Lang, "audit.action."+action) {
		return l.T("audit.action." + action)
	}
	return action
}

// detailText writes an event's JSON detail as "key: value" pairs.
func detailText(detail string) string {
	if detail == "" {
		return ""
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(detail), &m); err != nil {
		return detail
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		v := m[k]
		if s, ok := v.(string); ok && s == "" {
			continue
		}
		parts = append(parts, fmt.Sprintf("%s: %v", k, v))
	}
	return strings.Join(parts, "; ")
}

func (h *Handlers) auditLog(w http.ResponseWriter, r *http.Request) {
	if _, err := RequireLogin(r); err != nil {
		h.Server.Error(w, r, err)
		return
	}
	l := web.L(r.Context())
	page := auditPage{Page: web.PageFor(r, "audit.title"), Errors: map[string]string{}, PageNo: 1}
	page.Wide = true
	aq, f, ferr := parseAuditQuery(r)
	page.Query = aq
	page.PageNo, _ = web.PageNumber(r)
	for _, a := range AuditActions {
		page.Actions = append(page.Actions, ActionOption{Value: a, Label: actionLabel(l, a), Group: !strings.Contains(a, "."), Selected: a == aq.Action})
	}
	status := http.StatusOK
	if ferr != nil {
		// Check the permission first: a bad date must not reveal the page.
		if _, _, err := h.Service.AuditLog(r.Context(), AuditFilter{Limit: 1}); err != nil {
			h.Server.Error(w, r, err)
			return
		}
		page.Errors, page.Summary, _ = web.FormErrors(r, ferr)
		h.render(w, r, web.FormStatus(ferr), "audit.html", page)
		return
	}
	f.Offset, f.Limit = (page.PageNo-1)*auditPerPage, auditPerPage
	events, total, err := h.Service.AuditLog(r.Context(), f)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	page.Total = total
	page.Pages = (total + auditPerPage - 1) / auditPerPage
	for _, e := range events {
		row := AuditRow{Event: e, When: l.DateTime(e.At.In(Zone)) + e.At.In(Zone).Format(":05"), ISO: e.At.In(Zone).Format(time.RFC3339),
			Label: actionLabel(l, e.Action), Detail: detailText(e.Detail), Object: e.ObjectID}
		if e.ObjectType != "" && i18n.Has(l.Lang, "audit.object."+e.ObjectType) {
			row.Object = l.T("audit.object."+e.ObjectType) + " " + e.ObjectID
		}
		page.Rows = append(page.Rows, row)
	}
	link := func(n int) string {
		v := aq.values()
		if n > 1 {
			v.Set("page", strconv.Itoa(n))
		}
		if len(v) == 0 {
			return "/admin/audit"
		}
		return "/admin/audit?" + v.Encode()
	}
	if page.PageNo > 1 {
		page.PrevHref = link(page.PageNo - 1)
	}
	if page.PageNo < page.Pages {
		page.NextHref = link(page.PageNo + 1)
	}
	h.render(w, r, status, "audit.html", page)
}

func (h *Handlers) apiAudit(w http.ResponseWriter, r *http.Request) {
	if _, err := RequireLogin(r); err != nil {
		h.Server.Error(w, r, err)
		return
	}
	pageNo, perPage, err := web.Paging(r, auditPerPage)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	_, f, ferr := parseAuditQuery(r)
	if ferr != nil {
		if _, _, err := h.Service.AuditLog(r.Context(), AuditFilter{Limit: 1}); err != nil {
			h.Server.Error(w, r, err)
			return
		}
		h.Server.Error(w, r, ferr)
		return
	}
	f.Offset, f.Limit = (pageNo-1)*perPage, perPage
	events, total, err := h.Service.AuditLog(r.Context(), f)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	out := web.List[audit.Event]{Items: []audit.Event{}, Total: total, Page: pageNo, PerPage: perPage}
	for _, e := range events {
		e.At = e.At.In(Zone)
		out.Items = append(out.Items, e)
	}
	web.JSON(w, r, http.StatusOK, out)
}
