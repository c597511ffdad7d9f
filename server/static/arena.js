// arena.js — the live arena: one card per game of the tick, updated from
// the server's event stream. Text from events is set with textContent only,
// never as HTML.
(function () {
  "use strict";
  var root = document.getElementById("arena");
  var status = document.getElementById("arena-status");
  if (!root || !window.EventSource) return;
  var games = {};

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function teamName(id) {
    var n = root.getAttribute("data-team-" + id);
    return n || ("Team " + id);
  }
  function clockText(p) {
    if (p.clock === null || p.clock === undefined) return "Q" + p.quarter + " · Elam";
    var s = Math.max(0, Math.floor(p.clock));
    var m = Math.floor(s / 60), r = s % 60;
    return "Q" + p.quarter + " · " + m + ":" + (r < 10 ? "0" : "") + r;
  }
  function card(d) {
    var g = games[d.game_id];
    if (g) return g;
    var art = el("article", "game");
    art.id = "game-" + d.game_id;
    art.setAttribute("aria-label", "Game " + d.game_id);
    var h = el("h2", null, teamName(d.home_team_id) + " vs " + teamName(d.away_team_id));
    var score = el("p", "score");
    var hs = el("span", "home-score", "0"), as = el("span", "away-score", "0");
    score.appendChild(hs); score.appendChild(el("span", "sep", "–")); score.appendChild(as);
    var clock = el("p", "clock", "Tip-off");
    var plays = el("ol", "plays");
    plays.setAttribute("aria-label", "Latest plays");
    var link = el("a", null, "Box score");
    link.href = "/games/" + d.game_id;
    art.appendChild(h); art.appendChild(score); art.appendChild(clock);
    art.appendChild(plays); art.appendChild(link);
    root.appendChild(art);
    g = games[d.game_id] = { art: art, hs: hs, as: as, clock: clock, plays: plays };
    return g;
  }
  function on(type, fn) {
    src.addEventListener(type, function (ev) {
      var d;
      try { d = JSON.parse(ev.data); } catch (e) { return; }
      fn(d);
    });
  }
  var src = new EventSource(root.getAttribute("data-stream"));
  on("presentation.game_starting", function (d) {
    status.textContent = "Live: round " + d.round;
    card(d);
  });
  on("presentation.possession", function (d) {
    var g = card(d);
    g.hs.textContent = d.home_score;
    g.as.textContent = d.away_score;
    g.clock.textContent = clockText(d);
    if (d.narrative) {
      var li = el("li", null, d.narrative);
      g.plays.insertBefore(li, g.plays.firstChild);
      while (g.plays.children.length > 8) g.plays.removeChild(g.plays.lastChild);
    }
  });
  on("presentation.game_finished", function (d) {
    var g = card(d);
    g.hs.textContent = d.home_score;
    g.as.textContent = d.away_score;
    g.clock.textContent = "Final";
    g.art.classList.add("final");
  });
  on("presentation.round_finished", function (d) {
    status.textContent = "Round " + d.round + " is over. The next tick starts on schedule.";
  });
})();
