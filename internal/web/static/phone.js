// sciweek: what a phone user notices — sharing a ticket, a filter panel
// that stays as left, and long forms that keep unsaved changes as a local
// draft. Every page works without it.
(function () {
  "use strict";

  function store() {
    try { return window.localStorage; } catch (e) { return null; }
  }

  // Sharing: <button data-share="URL" data-share-title="..."> appears where
  // the phone can share; <button data-copy="#input"> copies a link.
  function say(text) {
    var status = document.querySelector("[data-share-status]");
    if (status) status.textContent = text;
  }
  document.querySelectorAll("[data-share]").forEach(function (b) {
    if (!navigator.share) return;
    b.hidden = false;
    b.addEventListener("click", function () {
      navigator.share({ title: b.getAttribute("data-share-title") || document.title, url: b.getAttribute("data-share") }).catch(function () {});
    });
  });
  document.querySelectorAll("[data-copy]").forEach(function (b) {
    b.addEventListener("click", function () {
      var input = document.querySelector(b.getAttribute("data-copy"));
      if (!input) return;
      var done = function () { say(b.getAttribute("data-done")); };
      var failed = function () { input.focus(); input.select(); say(b.getAttribute("data-failed")); };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(input.value).then(done, failed);
      } else {
        input.select();
        try { document.execCommand("copy") ? done() : failed(); } catch (e) { failed(); }
      }
    });
  });

  // A <details data-remember="key"> opens or closes as the visitor last
  // left it, unless the page asks for it open (data-force-open).
  document.querySelectorAll("details[data-remember]").forEach(function (d) {
    var s = store(), key = "open:" + d.getAttribute("data-remember");
    if (!s) return;
    var saved = s.getItem(key);
    if (saved !== null && !d.hasAttribute("data-force-open")) d.open = saved === "1";
    d.addEventListener("toggle", function () { s.setItem(key, d.open ? "1" : "0"); });
  });

  // Drafts: <form data-draft="KEY"> (the form's address and version) keeps
  // what is typed in localStorage until it is saved. Back on the form, the
  // draft is put back with a notice (data-draft-restored) and a button to
  // throw it away (data-draft-discard); leaving with unsaved changes asks
  // first. A draft is dropped once the save went through: the page after
  // the submit carries the server's flash message of success.
  var PENDING = "sciweek-draft-pending";
  function fields(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && el.name !== "version" && el.type !== "hidden" && el.type !== "file" &&
        el.type !== "password" && el.type !== "submit" && el.type !== "button";
    });
  }
  function read(form) {
    var out = {};
    fields(form).forEach(function (el) {
      if (el.type === "checkbox" || el.type === "radio") {
        out[el.name + "=" + el.value] = el.checked;
      } else {
        out[el.name] = el.value;
      }
    });
    return out;
  }
  function write(form, data) {
    fields(form).forEach(function (el) {
      if (el.type === "checkbox" || el.type === "radio") {
        var k = el.name + "=" + el.value;
        if (k in data) el.checked = data[k];
      } else if (el.name in data) {
        el.value = data[el.name];
      }
    });
  }
  function same(a, b) { return JSON.stringify(a) === JSON.stringify(b); }

  var s = store(), session = null;
  try { session = window.sessionStorage; } catch (e) {}
  var pending = session && session.getItem(PENDING);
  if (session) session.removeItem(PENDING);
  if (pending && s && document.querySelector("main .flash")) s.removeItem(pending);

  document.querySelectorAll("form[data-draft]").forEach(function (form) {
    if (!s) return;
    var key = "draft:" + form.getAttribute("data-draft");
    // A form sent back with errors already shows what was typed.
    var failed = !!form.querySelector("[aria-invalid=true]") || !!document.querySelector("main [role=alert]");
    var initial = read(form), dirty = false;
    var saved = null;
    try { saved = JSON.parse(s.getItem(key) || "null"); } catch (e) {}
    if (saved && !failed && !same(saved, initial)) {
      write(form, saved);
      dirty = true;
      var note = document.createElement("div");
      note.className = "notice-box draft-note";
      note.setAttribute("role", "status");
      var p = document.createElement("p");
      p.textContent = form.getAttribute("data-draft-restored");
      var discard = document.createElement("button");
      discard.type = "button";
      discard.className = "link";
      discard.textContent = form.getAttribute("data-draft-discard");
      discard.addEventListener("click", function () {
        s.removeItem(key);
        write(form, initial);
        dirty = false;
        note.remove();
      });
      p.appendChild(document.createTextNode(" "));
      p.appendChild(discard);
      note.appendChild(p);
      form.parentNode.insertBefore(note, form);
    }
    var keep = function () {
      var now = read(form);
      dirty = !same(now, initial);
      if (dirty) s.setItem(key, JSON.stringify(now)); else s.removeItem(key);
    };
    form.addEventListener("input", keep);
    form.addEventListener("change", keep);
    form.addEventListener("submit", function () {
      dirty = false;
      if (session) session.setItem(PENDING, key);
    });
    window.addEventListener("beforeunload", function (e) {
      if (!dirty) return;
      e.preventDefault();
      e.returnValue = "";
    });
  });
})();
