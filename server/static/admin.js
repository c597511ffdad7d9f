// admin.js — the buttons of /admin: each sends the JSON request its curl
// command shows (POST with {"reason": ...}), with the admin token typed
// into the page (kept in sessionStorage, never in the page itself), and
// says what the server answered. Without JavaScript the curl commands stay.
(function () {
  "use strict";
  var out = document.getElementById("admin-result");
  var tokenField = document.getElementById("admin-token");
  if (!out || !window.fetch) return;
  if (tokenField) {
    tokenField.value = sessionStorage.getItem("pinwheel-admin-token") || "";
    tokenField.addEventListener("change", function () {
      sessionStorage.setItem("pinwheel-admin-token", tokenField.value);
    });
  }
  function say(text) { out.textContent = text; }
  var buttons = document.querySelectorAll("button[data-admin-post]");
  Array.prototype.forEach.call(buttons, function (b) {
    b.addEventListener("click", function () {
      var field = document.querySelector("input[data-reason-for='" + b.getAttribute("data-reason") + "']");
      var reason = field ? field.value.trim() : "";
      if (!reason) { say("Give a reason first."); if (field) field.focus(); return; }
      var headers = { "Content-Type": "application/json" };
      var token = tokenField ? tokenField.value : "";
      if (token) headers.Authorization = "Bearer " + token;
      b.disabled = true;
      fetch(b.getAttribute("data-admin-post"), {
        method: "POST", headers: headers, body: JSON.stringify({ reason: reason }),
        credentials: "same-origin"
      }).then(function (r) {
        return r.json().then(function (j) {
          if (r.ok) { say("Done: " + j.data.id + " is " + j.data.status + ". Reload to see it."); }
          else { say("Refused (" + r.status + "): " + (j.error ? j.error.message : "")); b.disabled = false; }
        });
      }).catch(function () { say("The request failed."); b.disabled = false; });
    });
  });
})();
