// sciweek check-in: scans a ticket's QR code with the phone's camera and
// submits it; without a camera or JavaScript the typed code works the same.
(function () {
  "use strict";
  var button = document.getElementById("scan-start");
  var form = document.getElementById("checkin-form") || document.getElementById("offline-form");
  var entry = document.getElementById("entry");
  if (!button || !form || !entry || typeof window.jsQR !== "function" ||
      !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) { return; }
  var box = document.getElementById("scanner");
  var video = document.getElementById("scanner-video");
  var status = document.getElementById("scanner-status");
  var label = button.textContent, stream = null, canvas = document.createElement("canvas");
  var ctx = canvas.getContext("2d", { willReadFrequently: true });
  button.hidden = false;

  function stop() {
    if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); }
    stream = null;
    box.hidden = true;
    button.textContent = label;
  }
  function tick() {
    if (!stream) { return; }
    if (video.readyState === video.HAVE_ENOUGH_DATA) {
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      ctx.drawImage(video, 0, 0, canvas.width, canvas.height);
      var img = ctx.getImageData(0, 0, canvas.width, canvas.height);
      var code = window.jsQR(img.data, img.width, img.height, { inversionAttempts: "dontInvert" });
      if (code && code.data) {
        entry.value = code.data;
        stop();
        if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
        return;
      }
    }
    window.requestAnimationFrame(tick);
  }
  button.addEventListener("click", function () {
    if (stream) { stop(); return; }
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (s) {
      stream = s;
      video.srcObject = s;
      video.play();
      box.hidden = false;
      button.textContent = button.getAttribute("data-stop");
      window.requestAnimationFrame(tick);
    }).catch(function () {
      status.textContent = button.getAttribute("data-nocamera");
      box.hidden = false;
    });
  });
})();
