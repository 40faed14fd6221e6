package booking

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/sciweek/sciweek/internal/web"
)

// The offline check-in lives under /checkin/: its page, its manifest (the
// site's icons, its own name and start page) and its service worker, whose
// scope is that path and nothing else.

func (h *Handlers) offlineRoutes(mux web.Router) {
	mux.HandleFunc("GET /api/v1/activities/{id}/checkin-list", h.apiDayList)
	mux.HandleFunc("POST /api/v1/activities/{id}/checkin-sync", h.apiSync)
	mux.HandleFunc("GET /checkin/{id}", h.offlinePage)
	mux.HandleFunc("GET /checkin/{id}/manifest.webmanifest", h.offlineManifest)
	mux.HandleFunc("GET /checkin/sw.js", h.serviceWorker)
}

func (h *Handlers) apiDayList(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	l, err := h.Service.DayList(r.Context(), id)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	web.JSON(w, r, http.StatusOK, l)
}

// apiSyncResult is one synced check-in in the API, its outcome in words.
type apiSyncResult struct {
	ID      string     `json:"id"`
	Code    string     `json:"code"`
	Result  string     `json:"result"`
	At      *time.Time `json:"at,omitempty"`
	Message string     `json:"message"`
}

func (h *Handlers) apiSync(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	var in SyncInput
	if err := web.DecodeJSON(r, &in); err != nil {
		h.Server.Error(w, r, err)
		return
	}
	res, err := h.Service.Sync(r.Context(), id, in)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	l := web.L(r.Context())
	out := struct {
		Results []apiSyncResult `json:"results"`
	}{Results: make([]apiSyncResult, 0, len(res))}
	for _, x := range res {
		a := apiSyncResult{ID: x.ID, Code: x.Code, Result: x.Result}
		a.Message = l.T("offline.sync." + x.Result)
		if !x.At.IsZero() {
			at := x.At
			a.At = &at
			a.Message = l.T("offline.sync."+x.Result, at.Format("01-02 15:04"))
		}
		out.Results = append(out.Results, a)
	}
	web.JSON(w, r, http.StatusOK, out)
}

type offlinePage struct {
	pageBase
	// Texts are the messages the script shows, in the page's language.
	Texts string
}

// offlineTexts are the catalogue keys the offline script needs.
var offlineTexts = []string{
	"offline.ok", "offline.already_here", "offline.other_day", "offline.other_activity", "offline.other_campaign",
	"offline.unknown", "offline.cancelled", "offline.waiting", "offline.stale", "offline.no_list", "offline.downloaded",
	"offline.queued", "offline.synced", "offline.online", "offline.offline", "offline.decided",
	"offline.sync_failed", "booking.checkin.forged", "booking.code", "booking.party_size", "booking.slot", "booking.name",
}

func (h *Handlers) offlinePage(w http.ResponseWriter, r *http.Request) {
	p, err := h.checkinData(r)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	l := web.L(r.Context())
	texts := map[string]string{}
	for _, k := range offlineTexts {
		texts[strings.TrimPrefix(strings.TrimPrefix(k, "offline."), "booking.")] = l.T(k)
	}
	b, _ := json.Marshal(texts)
	page := offlinePage{pageBase: p.pageBase, Texts: string(b)}
	page.Title = l.T("offline.title", p.A.Title)
	page.Manifest = "/checkin/" + strconv.FormatInt(p.A.ID, 10) + "/manifest.webmanifest"
	h.render(w, r, http.StatusOK, "offline.html", page)
}

func (h *Handlers) offlineManifest(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	a, _, err := h.Service.activity(r.Context(), id)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	l := web.L(r.Context())
	w.Header().Set("Cache-Control", "no-cache")
	web.WriteManifest(w, r, l.T("offline.app_name", a.Title), l.T("offline.short_name"), "/checkin/"+strconv.FormatInt(a.ID, 10), "/checkin/")
}

// serviceWorker serves the check-in's service worker. It names the
// assets by their hashed URLs, so a new release installs a new worker.
func (h *Handlers) serviceWorker(w http.ResponseWriter, r *http.Request) {
	assets := []string{web.StaticURL("app.css"), web.StaticURL("app.js"), web.StaticURL("checkin.js"),
		web.StaticURL("offline-checkin.js"), web.StaticURL("vendor/jsqr-1.4.0.js")}
	list, _ := json.Marshal(assets)
	sum := sha256.Sum256(list)
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("Service-Worker-Allowed", "/checkin/")
	w.Write([]byte("var ASSETS = " + string(list) + ";\nvar CACHE = \"sciweek-checkin-" + hex.EncodeToString(sum[:6]) + "\";\n" + serviceWorkerJS))
}

// serviceWorkerJS keeps the check-in shell and its scripts: pages from the
// network when there is one, from the cache when not; the API is never
// cached.
const serviceWorkerJS = `self.addEventListener("install", function (e) {
  e.waitUntil(caches.open(CACHE).then(function (c) { return c.addAll(ASSETS); }).then(function () { return self.skipWaiting(); }));
});
self.addEventListener("activate", function (e) {
  e.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k.indexOf("sciweek-checkin-") === 0 && k !== CACHE; }).map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});
self.addEventListener("fetch", function (e) {
  var req = e.request, url = new URL(req.url);
  if (req.method !== "GET" || url.origin !== location.origin || url.pathname.indexOf("/api/") === 0) { return; }
  if (req.mode === "navigate") {
    e.respondWith(fetch(req).then(function (res) {
      if (res.ok) { var copy = res.clone(); caches.open(CACHE).then(function (c) { c.put(url.pathname, copy); }); }
      return res;
    }).catch(function () {
      return caches.match(url.pathname).then(function (hit) { return hit || Response.error(); });
    }));
    return;
  }
  e.respondWith(caches.match(req).then(function (hit) { return hit || fetch(req); }));
});
`
