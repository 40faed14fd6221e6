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
})();
