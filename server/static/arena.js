// arena.js — the live arena. The server draws the round as it stands when
// the page loads (every game, both team names, score, clock, latest plays)
// and says which stream event it drew it at; this script follows the
// stream from that event on, one round at a time. The status line says
// what is true now: live, between rounds with a countdown to the next
// round, manual pace, or reconnecting. After a lost connection (a server
// restart) it resumes from the last event it saw and redraws from
// /api/arena, so nothing is missed or shown twice. Text from events is set
// with textContent only, never as HTML.
(function () {
  "use strict";
  var root = document.getElementById("arena");
  var status = document.getElementById("arena-status");
  var heading = document.getElementById("arena-round");
  if (!root || !status || !window.EventSource) return;

  var MAX_PLAYS = 6;
  var games = {};           // game id -> card parts
  var round = Number(root.getAttribute("data-round")) || 0;
  var live = status.getAttribute("data-status") === "live";
  var lastId = root.getAttribute("data-last-event-id") || "0";
  var countdown = null;     // {round, until (ms), timer}
  var src = null, retry = null, lost = false;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function clockText(q, clock, finished) {
    if (finished) return "Final";
    if (q === null || q === undefined) return "Tip-off";
    if (clock === null || clock === undefined) return "Q" + q + " · Elam";
    var s = Math.max(0, Math.floor(clock));
    var m = Math.floor(s / 60), r = s % 60;
    return "Q" + q + " · " + m + ":" + (r < 10 ? "0" : "") + r;
  }
  function inWords(secs) {
    secs = Math.max(0, Math.round(secs));
    return secs >= 60 ? "in " + Math.floor(secs / 60) + " min " + (secs % 60) + " s" : "in " + secs + " s";
  }
  // The status is a live region: a screen reader hears each new status
  // once, but not the countdown ticking every second (quiet).
  function say(text, quiet) {
    status.setAttribute("aria-live", quiet ? "off" : "polite");
    status.textContent = text;
  }

  // The parts of a server-drawn card, so events update it in place.
  function adopt(art) {
    var id = art.getAttribute("data-game-id");
    games[id] = {
      art: art,
      hs: art.querySelector(".home-score"),
      as: art.querySelector(".away-score"),
      clock: art.querySelector(".clock"),
      plays: art.querySelector(".plays"),
      link: art.querySelector(".more a"),
      last: Number(art.getAttribute("data-last-play")) || 0
    };
  }
  Array.prototype.forEach.call(root.querySelectorAll("article.game"), adopt);

  // A card for a game the page did not have, from what any event carries.
  function card(d) {
    var g = games[d.game_id];
    if (g) return g;
    var id = d.game_id, home = d.home_team_name || "Home", away = d.away_team_name || "Away";
    var art = el("article", "game");
    art.id = "game-" + id;
    art.setAttribute("data-game-id", id);
    art.setAttribute("aria-labelledby", "game-" + id + "-h");
    if (d.stage === "playoff") art.appendChild(el("p", "label", d.label || ""));
    var h = el("h3", null, home + " vs " + away);
    h.id = "game-" + id + "-h";
    art.appendChild(h);
    // The scoreboard, as the server draws it: each name over its score.
    var score = el("p", "score");
    var hside = el("span", "side home"), aside = el("span", "side away");
    var hs = el("span", "home-score", d.home_score || 0), as = el("span", "away-score", d.away_score || 0);
    hside.appendChild(el("span", "team", home));
    hside.appendChild(document.createTextNode(" "));
    hside.appendChild(hs);
    aside.appendChild(el("span", "team", away));
    aside.appendChild(document.createTextNode(" "));
    aside.appendChild(as);
    var sep = el("span", "sep", "–");
    sep.setAttribute("aria-hidden", "true");
    score.appendChild(hside); score.appendChild(sep); score.appendChild(aside);
    art.appendChild(score);
    var clock = el("p", "clock", clockText(d.quarter, d.clock, d.finished));
    art.appendChild(clock);
    var plays = el("ul", "plays");
    plays.setAttribute("aria-label", "Latest plays, newest first");
    art.appendChild(plays);
    var p = el("p", "more"), link = el("a", null, d.finished ? "Box score and play-by-play" : "Game page");
    link.href = "/games/" + id;
    p.appendChild(link);
    art.appendChild(p);
    root.appendChild(art);
    g = games[id] = { art: art, hs: hs, as: as, clock: clock, plays: plays, link: link, last: 0 };
    return g;
  }
  function addPlay(g, text) {
    if (!text) return;
    g.plays.insertBefore(el("li", null, text), g.plays.firstChild);
    while (g.plays.children.length > MAX_PLAYS) g.plays.removeChild(g.plays.lastChild);
  }
  function finish(g, d) {
    g.hs.textContent = d.home_score;
    g.as.textContent = d.away_score;
    g.clock.textContent = "Final";
    g.art.classList.add("final");
    if (g.link) g.link.textContent = "Box score and play-by-play";
  }
  function clearRound(r, title) {
    Object.keys(games).forEach(function (id) { root.removeChild(games[id].art); });
    games = {};
    round = r;
    root.setAttribute("data-round", r);
    if (heading) heading.textContent = title;
  }
  function stopCountdown() {
    if (countdown) clearInterval(countdown.timer);
    countdown = null;
  }
  function startCountdown(r, secs) {
    stopCountdown();
    countdown = { round: r, until: Date.now() + secs * 1000, ticks: 0 };
    function tick() {
      if (!countdown) return;
      var left = (countdown.until - Date.now()) / 1000;
      if (left <= 0) { say("Round " + (countdown.round + 1) + " is about to start…"); stopCountdown(); return; }
      say((countdown.round > 0 ? "Round " + countdown.round + " is over. Round " + (countdown.round + 1) + " starts "
                               : "No games yet. Round 1 starts ") + inWords(left) + ".", countdown.ticks++ > 0);
    }
    countdown.timer = setInterval(tick, 1000);
    tick();
  }
  function goLive(r) {
    stopCountdown();
    live = true;
    say("Live: round " + r + ".");
  }

  // Draws the arena again from the server's state (after a reconnection,
  // and between rounds for the status and the last round's results).
  function redraw(a) {
    var r = a.round || 0;
    live = a.status === "live";
    clearRound(r, a.games && a.games.length ? (live ? "Round " : "Results of round ") + r : "No games yet");
    (a.games || []).forEach(function (d) {
      var g = card(d);
      g.last = d.latest && d.latest.length ? d.latest[0].n : 0;
      for (var i = (d.latest || []).length - 1; i >= 0; i--) addPlay(g, d.latest[i].narrative);
      if (d.finished) finish(g, d);
    });
    stopCountdown();
    if (a.status === "between_rounds" && a.next_tick_in !== null) startCountdown(r, a.next_tick_in);
    else say(a.status_text);
  }
  function refresh() {
    if (!window.fetch) return;
    fetch("/api/arena", { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (j) { if (j && j.data) redraw(j.data); })
      .catch(function () {});
  }

  function on(type, fn) {
    src.addEventListener(type, function (ev) {
      if (ev.lastEventId) lastId = ev.lastEventId;
      var d;
      try { d = JSON.parse(ev.data); } catch (e) { return; }
      fn(d);
    });
  }
  function connect() {
    var url = root.getAttribute("data-stream");
    if (lastId && lastId !== "0") url += "&last_event_id=" + encodeURIComponent(lastId);
    src = new EventSource(url);
    src.addEventListener("open", function () {
      if (lost) { lost = false; refresh(); }
    });
    src.addEventListener("error", function () {
      lost = true;
      stopCountdown();
      say("Reconnecting…");
      // A stream the server refused (shutting down) is not retried by the
      // browser: start a new one, resuming from the last event seen.
      if (src.readyState === EventSource.CLOSED && !retry) {
        retry = setTimeout(function () { retry = null; connect(); }, 3000);
      }
    });
    on("presentation.game_starting", function (d) {
      if (d.round !== round || !live) clearRound(d.round, "Round " + d.round);
      goLive(d.round);
      card(d);
    });
    on("presentation.possession", function (d) {
      if (d.round !== undefined && d.round !== round) { clearRound(d.round, "Round " + d.round); goLive(d.round); }
      var g = card(d);
      if (d.n <= g.last) return; // drawn by the server already
      g.last = d.n;
      g.hs.textContent = d.home_score;
      g.as.textContent = d.away_score;
      g.clock.textContent = clockText(d.quarter, d.clock, false);
      addPlay(g, d.narrative);
    });
    on("presentation.game_finished", function (d) {
      finish(card(d), d);
    });
    on("presentation.round_finished", function (d) {
      live = false;
      if (heading) heading.textContent = "Results of round " + d.round;
      refresh();
    });
  }

  var wait = Number(status.getAttribute("data-next-tick-in"));
  if (status.getAttribute("data-status") === "between_rounds" && wait >= 0) startCountdown(round, wait);
  connect();
})();
