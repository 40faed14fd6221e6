// sciweek: small progressive enhancements; every page works without them.
(function () {
  "use strict";
  // Ask before destructive buttons: <button data-confirm="...">.
  document.addEventListener("click", function (e) {
    var b = e.target.closest("[data-confirm]");
    if (b && !window.confirm(b.getAttribute("data-confirm"))) { e.preventDefault(); }
  });
  // Move focus to the first field in error so keyboard and screen-reader
  // users land where the problem is.
  var bad = document.querySelector(".field.invalid input, .field.invalid textarea, .field.invalid select");
  if (bad) { bad.focus(); }
  // Bring the chosen day into view in a row of day tabs wider than the phone.
  var day = document.querySelector(".daytabs [aria-current=page]");
  if (day && day.scrollIntoView) { day.scrollIntoView({inline: "center", block: "nearest"}); }

  // Signing out wipes what the offline check-in kept on this device (the
  // day's ticket list, its queue, the cached pages) before the form goes;
  // the server's Clear-Site-Data answer does the same where it is honoured.
  // Check-ins still waiting for the network would be lost with it, so the
  // device asks first, naming how many.
  var logout = document.querySelector('form[action="/logout"]');
  function unsynced() {
    return new Promise(function (done) {
      var req = indexedDB.open("sciweek-checkin");
      req.onupgradeneeded = function () { req.transaction.abort(); };
      req.onerror = req.onblocked = function () { done(0); };
      req.onsuccess = function () {
        var db = req.result;
        if (!db.objectStoreNames.contains("queue")) { db.close(); done(0); return; }
        var n = db.transaction("queue").objectStore("queue").count();
        n.onsuccess = function () { db.close(); done(n.result); };
        n.onerror = function () { db.close(); done(0); };
      };
    });
  }
  function wipe() {
    var jobs = [new Promise(function (done) {
      var req = indexedDB.deleteDatabase("sciweek-checkin");
      req.onsuccess = req.onerror = req.onblocked = function () { done(); };
    })];
    if (window.caches) {
      jobs.push(caches.keys().then(function (ks) {
        return Promise.all(ks.filter(function (k) { return k.indexOf("sciweek-checkin-") === 0; }).map(function (k) { return caches.delete(k); }));
      }));
    }
    var go = function () {
      if (logout.getAttribute("data-wiped")) { return; }
      logout.setAttribute("data-wiped", "1");
      logout.submit();
    };
    Promise.all(jobs).then(go, go);
    setTimeout(go, 1500);
  }
  if (logout && window.indexedDB) {
    logout.addEventListener("submit", function (e) {
      if (logout.getAttribute("data-wiped")) { return; }
      e.preventDefault();
      unsynced().then(function (n) {
        var ask = logout.getAttribute("data-unsynced");
        if (n > 0 && ask && !window.confirm(ask.replace("%d", n))) { return; }
        wipe();
      }, wipe);
    });
  }

  // Uploads with a progress bar: <form data-upload> sends each chosen file
  // on its own with XMLHttpRequest and shows what the server said about
  // it; without JavaScript the form posts as usual.
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text) { e.textContent = text; }
    return e;
  }
  function sendOne(form, file, done) {
    var box = form.querySelector("[data-upload-progress]");
    var bar = box.querySelector("progress");
    var status = form.querySelector("[data-upload-status]");
    var results = form.querySelector("[data-upload-results]");
    var button = form.querySelector("button[type=submit]");
    var data = new FormData();
    data.append("kind", form.elements.kind.value);
    if (form.elements["public"] && form.elements["public"].checked) { data.append("public", "1"); }
    data.append("file", file, file.name);
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("Accept", "application/json");
    box.hidden = false;
    bar.value = 0;
    status.textContent = file.name;
    xhr.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) {
        bar.value = Math.round(100 * e.loaded / e.total);
        status.textContent = file.name + " " + bar.value + "%";
      }
    });
    xhr.addEventListener("load", function () {
      var body = {};
      try { body = JSON.parse(xhr.responseText); } catch (err) { body = {}; }
      var li;
      if (xhr.status === 201) {
        li = el("li", "ok", file.name + " ✓ " + button.getAttribute("data-label-done"));
      } else {
        var msg = body.error && body.error.message ? body.error.message : file.name + ": HTTP " + xhr.status;
        li = el("li", "error", msg);
        li.setAttribute("role", "alert");
        if (body.offer) {
          var offer = el("div", "notice-box offer");
          offer.appendChild(el("p", "", button.getAttribute("data-label-offer")));
          if (body.offer.thumbnail_url) {
            var img = el("img");
            img.src = body.offer.thumbnail_url;
            img.alt = body.offer.filename;
            img.width = 240;
            offer.appendChild(img);
          }
          var f = el("form");
          f.method = "post";
          f.action = form.action + "/" + body.offer.id + "/accept";
          f.appendChild(el("button", "", button.getAttribute("data-label-accept"))).type = "submit";
          offer.appendChild(f);
          li.appendChild(offer);
        }
      }
      results.appendChild(li);
      done(xhr.status === 201);
    });
    xhr.addEventListener("error", function () {
      results.appendChild(el("li", "error", file.name + ": network error"));
      done(false);
    });
    xhr.send(data);
  }
  document.addEventListener("submit", function (e) {
    var form = e.target.closest("form[data-upload]");
    if (!form || !window.FormData || !form.elements.file.files.length) { return; }
    e.preventDefault();
    var files = Array.prototype.slice.call(form.elements.file.files);
    var button = form.querySelector("button[type=submit]");
    var ok = 0;
    button.disabled = true;
    form.querySelector("[data-upload-error]").textContent = "";
    (function next(i) {
      if (i >= files.length) {
        button.disabled = false;
        form.elements.file.value = "";
        form.setAttribute("data-upload-finished", String(ok) + "/" + String(files.length));
        return;
      }
      sendOne(form, files[i], function (stored) {
        if (stored) { ok++; }
        next(i + 1);
      });
    })(0);
  });
})();
