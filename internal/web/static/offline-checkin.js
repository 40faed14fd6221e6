// sciweek offline check-in: keeps the day's ticket list of one activity in
// IndexedDB, checks tickets in against it with or without network, queues
// each check-in with the device's time and sends the queue whenever the
// network is there. The server applies each queued check-in once and
// answers conflicts (checked in at another door) and cancellations, which
// are shown here until staff mark them decided.
(function () {
  "use strict";
  var app = document.getElementById("offline-app");
  if (!app || !window.indexedDB || !window.fetch) { return; }
  var T = JSON.parse(app.getAttribute("data-texts"));
  var activity = Number(app.getAttribute("data-activity"));
  var campaign = app.getAttribute("data-campaign");
  var $ = function (id) { return document.getElementById(id); };
  var list = null, queue = [], problems = [], device = "", syncing = false, retry = null;

  if (navigator.serviceWorker) {
    navigator.serviceWorker.register("/checkin/sw.js", { scope: "/checkin/" }).catch(function () {});
  }

  // IndexedDB, as promises.
  var dbp = new Promise(function (resolve, reject) {
    var req = indexedDB.open("sciweek-checkin", 1);
    req.onupgradeneeded = function () {
      var db = req.result;
      db.createObjectStore("lists", { keyPath: "activity" });
      db.createObjectStore("queue", { keyPath: "id" });
      db.createObjectStore("problems", { keyPath: "id" });
      db.createObjectStore("meta", { keyPath: "k" });
    };
    req.onsuccess = function () { resolve(req.result); };
    req.onerror = function () { reject(req.error); };
  });
  function store(name, mode, fn) {
    return dbp.then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(name, mode), req = fn(tx.objectStore(name));
        tx.oncomplete = function () { resolve(req && req.result); };
        tx.onerror = function () { reject(tx.error); };
      });
    });
  }
  function all(name) {
    return store(name, "readonly", function (s) { return s.getAll(); }).then(function (xs) {
      return (xs || []).filter(function (x) { return x.activity === activity; });
    });
  }
  function put(name, v) { return store(name, "readwrite", function (s) { return s.put(v); }); }
  function del(name, k) { return store(name, "readwrite", function (s) { return s["delete"](k); }); }

  function fill(s) {
    var args = Array.prototype.slice.call(arguments, 1), i = 0;
    return String(s).replace(/%[sd]/g, function () { return i < args.length ? args[i++] : ""; });
  }
  var clock = new Intl.DateTimeFormat("zh-CN", { timeZone: "Asia/Shanghai", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  var hm = new Intl.DateTimeFormat("zh-CN", { timeZone: "Asia/Shanghai", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  function when(t) { return clock.format(new Date(t)).replace(/\//g, "-"); }
  function stale() { return list && Date.now() >= Date.parse(list.expires_at); }
  function text(el, s) { el.textContent = s; return el; }
  function make(tag, cls, s) { var e = document.createElement(tag); if (cls) { e.className = cls; } if (s != null) { e.textContent = s; } return e; }

  function render() {
    text($("offline-network"), navigator.onLine ? T.online : T.offline);
    var state = $("offline-list-state");
    if (!list) {
      text(state, T.no_list);
    } else if (stale()) {
      text(state, fill(T.stale, when(list.downloaded_at)));
    } else {
      text(state, fill(T.downloaded, when(list.downloaded_at), list.tickets.length, when(list.expires_at)));
    }
    text($("offline-queue-state"), fill(T.queued, queue.length));
    var box = $("offline-problems");
    box.textContent = "";
    problems.forEach(function (p) {
      var div = make("div", "alert offline-problem");
      div.setAttribute("data-code", p.code);
      div.appendChild(make("p", null, p.code + " · " + p.message));
      var b = make("button", "secondary", T.decided);
      b.type = "button";
      b.addEventListener("click", function () {
        del("problems", p.id).then(load);
      });
      div.appendChild(b);
      box.appendChild(div);
    });
    var body = $("offline-slots");
    body.textContent = "";
    ((list && list.slots) || []).forEach(function (sl) {
      var here = queue.reduce(function (n, q) { return q.slot === sl.id ? n + q.party : n; }, 0);
      var tr = make("tr");
      tr.setAttribute("data-slot", sl.id);
      tr.appendChild(make("td", null, hm.format(new Date(sl.start)) + "–" + hm.format(new Date(sl.end))));
      tr.appendChild(make("td", "booked", String(sl.taken)));
      tr.appendChild(make("td", "checked", String(sl.checked_in + here)));
      tr.appendChild(make("td", null, String(sl.capacity)));
      body.appendChild(tr);
    });
  }

  function load() {
    return Promise.all([store("lists", "readonly", function (s) { return s.get(activity); }), all("queue"), all("problems"),
      store("meta", "readonly", function (s) { return s.get("device"); })]).then(function (r) {
      list = r[0] || null;
      queue = r[1].sort(function (a, b) { return a.at < b.at ? -1 : 1; });
      problems = r[2];
      if (r[3]) {
        device = r[3].v;
      } else {
        device = "d" + Date.now().toString(36) + Math.random().toString(36).slice(2, 8);
        put("meta", { k: "device", v: device });
      }
      render();
    });
  }

  function download() {
    return fetch(app.getAttribute("data-list"), { credentials: "same-origin", cache: "no-store" }).then(function (res) {
      if (!res.ok) { throw new Error(res.status); }
      return res.json();
    }).then(function (l) {
      l.activity = activity;
      return put("lists", l);
    }).then(load);
  }

  function result(ok, message, t) {
    var box = $("offline-result");
    box.textContent = "";
    box.className = "card checkin-result " + (ok ? "good" : "bad");
    box.appendChild(make("p", ok ? null : "error")).appendChild(make("strong", null, message));
    if (t) {
      var dl = make("dl", "facts");
      [[T.code, t.code], [T.party_size, String(t.party_size)], [T.name, t.name]].forEach(function (f) {
        var d = make("div");
        d.appendChild(make("dt", null, f[0]));
        d.appendChild(make("dd", null, f[1]));
        dl.appendChild(d);
      });
      box.appendChild(dl);
    }
    box.hidden = false;
  }

  function sha256(s) {
    if (!window.crypto || !crypto.subtle) { return Promise.resolve(""); }
    return crypto.subtle.digest("SHA-256", new TextEncoder().encode(s)).then(function (buf) {
      return Array.prototype.map.call(new Uint8Array(buf), function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
    });
  }

  // find looks an entry up in the list: {t} a ticket of today, {day}
  // another day's, {reason} a refusal.
  function find(entry) {
    var by = function (key, v) {
      var t = list.tickets.filter(function (x) { return x[key] === v; })[0];
      if (t) { return { t: t }; }
      var o = list.other_days.filter(function (x) { return x[key] === v; })[0];
      return o ? { day: o.day } : null;
    };
    if (entry.indexOf("SWT1.") === 0) {
      var parts = entry.split(".");
      if (parts.length !== 4) { return Promise.resolve({ reason: T["checkin.forged"] }); }
      if (parts[1] !== campaign) { return Promise.resolve({ reason: T.other_campaign }); }
      return sha256(entry).then(function (h) { return by("hash", h) || { reason: T.other_activity }; });
    }
    var code = entry.toUpperCase().replace(/[\s\-\u3000]/g, "");
    return Promise.resolve(by("code", code) || { reason: fill(T.unknown, entry) });
  }

  function checkIn(entry) {
    entry = entry.trim();
    if (!entry) { return; }
    if (!list) { result(false, T.no_list); return; }
    if (stale()) { result(false, fill(T.stale, when(list.downloaded_at))); return; }
    find(entry).then(function (f) {
      if (f.reason) { result(false, f.reason); return; }
      if (f.day) { result(false, fill(T.other_day, f.day)); return; }
      var t = f.t, q = queue.filter(function (x) { return x.code === t.code; })[0];
      if (q) { result(false, fill(T.already_here, when(q.at)), t); return; }
      if (t.state === "checked_in") { result(false, fill(T.already_here, "—"), t); return; }
      if (t.state === "cancelled" || t.state === "waiting") { result(false, T[t.state], t); return; }
      var item = { id: device + "-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 6), activity: activity,
        code: t.code, slot: t.slot, party: t.party_size, at: new Date().toISOString() };
      return put("queue", item).then(load).then(function () {
        result(true, T.ok, t);
        $("entry").value = "";
        sync();
      });
    });
  }

  function sync() {
    if (syncing || !navigator.onLine || queue.length === 0) { return Promise.resolve(); }
    syncing = true;
    var sent = queue.slice();
    var body = JSON.stringify({ device: device, checkins: sent.map(function (q) { return { id: q.id, code: q.code, at: q.at }; }) });
    return fetch(app.getAttribute("data-sync"), { method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json" }, body: body }).then(function (res) {
      if (!res.ok) { throw new Error(res.status); }
      return res.json();
    }).then(function (out) {
      var steps = out.results.map(function (r) {
        var q = sent.filter(function (x) { return x.id === r.id; })[0];
        var t = list && list.tickets.filter(function (x) { return x.code === r.code; })[0];
        if (t && (r.result === "checked_in" || r.result === "conflict")) {
          t.state = "checked_in";
          list.slots.forEach(function (sl) { if (q && r.result === "checked_in" && sl.id === q.slot) { sl.checked_in += q.party; } });
        }
        var done = del("queue", r.id);
        if (r.result !== "checked_in") {
          done = done.then(function () { return put("problems", { id: r.id, activity: activity, code: r.code, result: r.result, message: r.message }); });
        }
        return done;
      });
      return Promise.all(steps).then(function () { return list ? put("lists", list) : null; });
    }).then(function () {
      syncing = false;
      return load().then(function () { text($("offline-queue-state"), fill(T.synced, queue.length)); });
    }).then(function () {
      return download()["catch"](function () {});
    })["catch"](function () {
      syncing = false;
      text($("offline-queue-state"), fill(T.sync_failed, queue.length));
      clearTimeout(retry);
      retry = setTimeout(sync, 15000);
    });
  }

  $("offline-form").addEventListener("submit", function (e) {
    e.preventDefault();
    checkIn($("entry").value);
  });
  $("offline-refresh").addEventListener("click", function () {
    download()["catch"](function () { result(false, T.offline); });
  });
  $("offline-sync").addEventListener("click", function () { sync(); });
  window.addEventListener("online", function () { render(); sync().then(function () { return download(); })["catch"](function () {}); });
  window.addEventListener("offline", render);
  setInterval(function () { sync(); }, 30000);

  load().then(function () {
    if (navigator.onLine && (!list || stale() || queue.length === 0)) { return download()["catch"](function () {}); }
  }).then(sync);
})();
