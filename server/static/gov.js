// gov.js — what makes the governors' pages live: the tallies follow the
// votes as they are cast (from the event stream), and the time to the next
// tally counts down. Everything it shows is already on the page without
// JavaScript; this only keeps it current. Text goes in with textContent.
(function () {
  "use strict";

  function pct(x) { return Math.round(100 * x) + "%"; }

  // One proposal's tally on the page (the proposal page's section, or a
  // card of /governance).
  function update(el, p) {
    var t = p.tally || {};
    var share = el.querySelector(".t-share");
    if (share) share.textContent = pct(t.share || 0);
    var yes = el.querySelector(".t-yes");
    if (yes) yes.textContent = (t.yes || 0).toFixed(2);
    var no = el.querySelector(".t-no");
    if (no) no.textContent = (t.no || 0).toFixed(2);
    var votes = el.querySelector(".t-votes");
    if (votes) votes.textContent = String(t.votes || 0);
    var bar = el.querySelector("svg.bar rect.yes");
    if (bar) bar.setAttribute("width", (100 * (t.share || 0)).toFixed(1));
    var svg = el.querySelector("svg.bar");
    if (svg) svg.setAttribute("aria-label", pct(t.share || 0) + " yes; it needs more than " + pct(p.threshold || 0));
    el.setAttribute("data-votes", String(t.votes || 0));
  }

  function refresh(id) {
    var els = document.querySelectorAll("[data-proposal='" + id + "']");
    if (!els.length || !window.fetch) return;
    fetch("/api/governance/proposals/" + id, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (j) {
        if (!j || !j.data) return;
        Array.prototype.forEach.call(els, function (el) { update(el, j.data); });
      })
      .catch(function () {});
  }

  var watched = document.querySelectorAll("[data-proposal]");
  if (watched.length && window.EventSource) {
    var es = new EventSource("/api/events/stream?event_type=vote.cast,governance.window_closed");
    es.addEventListener("vote.cast", function (e) {
      try { refresh(JSON.parse(e.data).proposal_id); } catch (err) { /* not ours */ }
    });
    // A tally decided what was open: the page's statuses are stale.
    es.addEventListener("governance.window_closed", function () { window.location.reload(); });
  }

  // "in about 4 minutes" → a live countdown.
  var clocks = document.querySelectorAll(".countdown[data-at]");
  function tick() {
    var now = Date.now() / 1000;
    Array.prototype.forEach.call(clocks, function (c) {
      var left = Math.round(Number(c.getAttribute("data-at")) - now);
      if (left <= 0) { c.textContent = "any moment now"; return; }
      var m = Math.floor(left / 60), s = left % 60;
      c.textContent = "in " + (m ? m + " min " : "") + s + " s";
    });
  }
  if (clocks.length) { tick(); setInterval(tick, 1000); }
})();
