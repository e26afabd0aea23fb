// The classroom board: follows one quiz over MQTT WebSockets, read-only.
//
// The server gives only the files and /config.json (where the broker is, and the topics a
// display follows, from protocol/views.py). Every update comes from the broker. Names and
// deck text reach the page through textContent only: they are data, never markup.
//
// Everyone's standings (key S, the button at the top, or `?view=standings`) come from the
// scorer's retained pages, subscribed to from the first time they are shown; at the end of
// a quiz with more players than the leaderboard holds, the podium and everyone's standings
// take turns. `?rotate=SECONDS` sets how long each screen stays.
"use strict";

(() => {
  // How long a rank move (▲2) and a "+points" stay on a row after a change.
  const HIGHLIGHT_MS = 4000;
  // How often the countdown is redrawn; it shows tenths of nothing, so 10 a second is plenty.
  const TICK_MS = 100;
  // MQTT.js retries at a fixed period: spread the boards of a room over 1-2 s.
  const RECONNECT_MS = 1000 + Math.floor(Math.random() * 1000);
  // How long each screen of everyone's standings (and the podium between rounds) stays:
  // long enough to find one's own name on a full screen.
  const ROTATE_MS = 8000;
  // `?rotate=` within these bounds: faster is unreadable, slower is a still picture.
  const ROTATE_MIN_S = 1;
  const ROTATE_MAX_S = 600;
  // A column of everyone's standings is at least this many of its ems wide: a rank, a
  // name of a dozen characters and a score.
  const COLUMN_EMS = 16;
  // More columns than this make it hard to find one's name on a screen.
  const MAX_COLUMNS = 3;
  const PROTOCOL_VERSION = 1;
  const DEFAULT_MQTT_PORT = 11883;

  const $ = (id) => document.getElementById(id);
  const el = (tag, cls) => {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    return node;
  };
  const setText = (node, text) => {
    const value = String(text);
    if (node.textContent !== value) node.textContent = value;
  };
  const show = (node, visible) => {
    if (node.hidden === visible) node.hidden = !visible;
  };

  // --- the scorer's clock (as tui/clock.py): the smallest (arrival - stamp) of live views --
  let offset = null;
  const localNow = () => Date.now() / 1000;
  const sawStamp = (stamp) => {
    if (typeof stamp !== "number") return;
    const gap = localNow() - stamp;
    offset = offset === null ? gap : Math.min(offset, gap);
  };
  const scorerNow = () => localNow() - (offset || 0);

  // --- what the board knows ------------------------------------------------------------
  const view = { state: null, board: null, counts: null, status: null };
  const rows = new Map(); // player id -> {node, parts, rank, score, timers}
  const options = new URLSearchParams(location.search);
  const rotateMs = (() => {
    const seconds = Number(options.get("rotate"));
    return seconds > 0 ? 1000 * Math.min(ROTATE_MAX_S, Math.max(ROTATE_MIN_S, seconds))
      : ROTATE_MS;
  })();
  // Everyone's standings: the scorer's pages by number, and which screenful is shown.
  const everyone = {
    pages: new Map(),   // page number -> StandingsPage
    followed: false,    // subscribed to the pages (from the first time they were wanted)
    pinned: options.get("view") === "standings",  // shown whatever the phase
    turn: false,        // at the end: everyone's turn (else the podium's)
    screen: 0,          // the screenful shown, from 0
    screens: 1,
    slots: [],          // the rows on screen, reused: {node, rank, name, score}
  };

  // --- decoding at the edge: anything else is dropped ------------------------------------
  const isObj = (x) => x !== null && typeof x === "object" && !Array.isArray(x);
  const decoders = {
    State: (m) => typeof m.phase === "string" && isObj(m.settings) &&
      (m.question === null || m.question === undefined || isObj(m.question)),
    Leaderboard: (m) => Array.isArray(m.top) && m.top.every((s) => isObj(s) &&
      typeof s.player === "string" && typeof s.name === "string" &&
      typeof s.score === "number" && typeof s.rank === "number"),
    Counts: (m) => typeof m.players === "number" && typeof m.answered === "number" &&
      typeof m.q === "number",
    ScorerStatus: (m) => m.status === "online" || m.status === "offline",
    StandingsPage: (m) => typeof m.quiz === "string" && Number.isInteger(m.page) &&
      Number.isInteger(m.pages) && typeof m.players === "number" &&
      typeof m.seq === "number" && Array.isArray(m.rows) && m.rows.every((s) => isObj(s) &&
      typeof s.player === "string" && typeof s.name === "string" &&
      typeof s.score === "number" && typeof s.rank === "number"),
  };
  const decode = (kind, payload) => {
    if (!payload || payload.length === 0) return null;
    let message;
    try {
      message = JSON.parse(new TextDecoder().decode(payload));
    } catch (err) {
      console.warn("undecodable", kind, err);
      return null;
    }
    if (!isObj(message) || message.v !== PROTOCOL_VERSION || !decoders[kind](message)) {
      console.warn("not a valid", kind);
      return null;
    }
    return message;
  };

  // --- the page's parts --------------------------------------------------------------------
  const stage = { lobby: $("lobby"), question: $("question"), podium: $("podium") };
  let rotation = null;  // the timer that turns the screens of everyone's standings
  let phaseShown = null;
  let followEveryone = () => {};  // subscribes to the pages, once connected

  function joinCommand(config, code) {
    const mqtt = config.mqtt || {};
    const host = mqtt.host || location.hostname;
    const local = host === "127.0.0.1" || host === "localhost";
    const flag = mqtt.port && !(local && mqtt.port === DEFAULT_MQTT_PORT)
      ? ` --broker mqtt://${host}:${mqtt.port}` : "";
    return `quiz play ${code} --name NAME${flag}`;
  }

  function renderPhase() {
    const state = view.state;
    const phase = state ? state.phase : "none";
    document.body.dataset.phase = phase;
    show($("waiting"), !state);
    show(stage.lobby, phase === "none" || phase === "lobby");
    show(stage.question, phase === "question" || phase === "reveal");
    show(stage.podium, phase === "finished");
    if (phase === "question" || phase === "reveal") renderQuestion(state);
    if (phase === "finished") renderPodium();
    renderCounts();
    if (phase !== phaseShown) {
      phaseShown = phase;
      if (phase === "finished") {  // the podium first, for a whole turn
        everyone.turn = false;
        restartRotation();
      }
    }
    renderEveryone();
  }

  function renderQuestion(state) {
    const q = state.question;
    if (!isObj(q)) return;
    setText($("q-number"), `Question ${q.index + 1} of ${q.count}`);
    setText($("q-pos"), q.pos || "");
    setText($("prompt"), q.prompt);
    const list = $("choices");
    const choices = Array.isArray(q.choices) ? q.choices : [];
    while (list.children.length > choices.length) list.lastChild.remove();
    while (list.children.length < choices.length) {
      const item = el("li", "choice");
      item.append(el("span", "key"), el("span", "term"), el("span", "tally"));
      item.querySelector(".tally").append(el("span", "fill"), el("span", "n"));
      list.append(item);
    }
    const reveal = state.phase === "reveal" && isObj(state.reveal) &&
      state.reveal.index === q.index ? state.reveal : null;
    const dist = reveal && Array.isArray(reveal.distribution) ? reveal.distribution : [];
    const most = Math.max(1, ...dist);
    choices.forEach((choice, i) => {
      const item = list.children[i];
      setText(item.querySelector(".key"), i + 1);
      setText(item.querySelector(".term"), choice);
      item.classList.toggle("correct", !!reveal && reveal.correct === i);
      item.classList.toggle("wrong", !!reveal && reveal.correct !== i);
      const n = reveal ? (dist[i] || 0) : null;
      setText(item.querySelector(".n"), n === null ? "" : n);
      item.querySelector(".fill").style.transform = `scaleX(${n === null ? 0 : n / most})`;
      item.dataset.count = n === null ? "" : String(n);
    });
    show($("reveal-line"), !!reveal);
    show($("timer"), !reveal);
    if (reveal) setText($("reveal-line"), `Answer: ${reveal.term}`);
    tick();
  }

  function tick() {
    const state = view.state;
    if (!state || state.phase !== "question" || !isObj(state.question)) return;
    const { opened_at: opened, deadline } = state.question;
    const left = Math.max(0, deadline - scorerNow());
    const whole = Math.max(0.001, deadline - opened);
    setText($("timer-text"), left > 0 ? `${Math.ceil(left)} s` : "time!");
    $("timer-bar").style.transform = `scaleX(${Math.min(1, left / whole)})`;
    $("timer").classList.toggle("hurry", left <= 5);
  }

  function renderCounts() {
    const state = view.state;
    const at = state && isObj(state.question) && state.phase !== "lobby"
      ? state.question.index : -1;
    const counts = view.counts && view.counts.q === at ? view.counts : null;
    const players = counts ? counts.players : (state ? state.players : 0);
    const answered = counts ? counts.answered : (state ? state.answered : 0);
    setText($("answered"), `${answered} of ${players} answered`);
    setText($("lobby-players"), players === 1 ? "1 player has joined" :
      `${players} players have joined`);
    setText($("player-count"), players ? `(${players})` : "");
  }

  function row(standing) {
    let entry = rows.get(standing.player);
    if (!entry) {
      const node = el("li", "row entering");
      const parts = { rank: el("span", "rank"), name: el("span", "name"),
        move: el("span", "move"), gain: el("span", "gain"), score: el("span", "score") };
      node.append(parts.rank, parts.name, parts.move, parts.gain, parts.score);
      node.dataset.player = standing.player;
      $("rows").append(node);
      entry = { node, parts, rank: null, score: null, timers: {} };
      rows.set(standing.player, entry);
      requestAnimationFrame(() => node.classList.remove("entering"));
    }
    return entry;
  }

  function flash(entry, part, text, cls) {
    const node = entry.parts[part];
    setText(node, text);
    node.className = `${part} ${cls} on`;
    clearTimeout(entry.timers[part]);
    entry.timers[part] = setTimeout(() => node.classList.remove("on"), HIGHLIGHT_MS);
  }

  function renderBoard() {
    const board = view.board;
    const top = board ? board.top : [];
    const seen = new Set();
    top.forEach((standing, i) => {
      const entry = row(standing);
      seen.add(standing.player);
      setText(entry.parts.rank, standing.rank);
      setText(entry.parts.name, standing.name);
      setText(entry.parts.score, standing.score);
      if (entry.score !== null && standing.score > entry.score) {
        flash(entry, "gain", `+${standing.score - entry.score}`, "up");
      }
      if (entry.rank !== null && standing.rank !== entry.rank) {
        const up = standing.rank < entry.rank;
        flash(entry, "move", `${up ? "▲" : "▼"}${Math.abs(entry.rank - standing.rank)}`,
          up ? "up" : "down");
      }
      entry.rank = standing.rank;
      entry.score = standing.score;
      entry.node.style.setProperty("--i", String(i));
      entry.node.dataset.rank = String(standing.rank);
    });
    for (const [player, entry] of rows) {
      if (seen.has(player)) continue;
      rows.delete(player);
      Object.values(entry.timers).forEach(clearTimeout);
      entry.node.classList.add("leaving");
      setTimeout(() => entry.node.remove(), 400);
    }
    $("rows").style.setProperty("--n", String(top.length));
    show($("no-players"), top.length === 0);
    if (view.state && view.state.phase === "finished") renderPodium();
    renderEveryone();
  }

  function renderPodium() {
    const top = view.board ? view.board.top : [];
    ["first", "second", "third"].forEach((place, i) => {
      const node = stage.podium.querySelector(`.${place}`);
      const standing = top[i];
      setText(node.querySelector(".who"), standing ? standing.name : "");
      setText(node.querySelector(".pts"), standing ? `${standing.score} points` : "");
      node.classList.toggle("empty", !standing);
    });
  }

  // --- everyone's standings: every player, a screenful at a time -------------------------
  function takePage(number, page) {
    const shown = everyone.pages.get(number);
    if (page === null) {  // cleared: the standings shrank (a kick)
      if (!everyone.pages.delete(number)) return;
    } else {
      if (shown && page.seq < shown.seq) return;
      everyone.pages.set(number, page);
    }
    renderEveryone();
  }

  // Every standing, best first, as the newest page says (stale pages past its count are
  // left out, as client/standings.py does); null before any page came.
  function everyoneRows() {
    let newest = null;
    for (const page of everyone.pages.values()) {
      if (!newest || page.seq > newest.seq) newest = page;
    }
    if (!newest) return null;
    const numbers = [...everyone.pages.keys()].filter((n) => n <= newest.pages)
      .sort((a, b) => a - b);
    return { players: newest.players, rows: numbers.flatMap((n) => everyone.pages.get(n).rows) };
  }

  const finished = () => !!view.state && view.state.phase === "finished";
  // At the end, when the leaderboard does not hold everyone: the podium and everyone's
  // standings take turns.
  const alternating = () => !everyone.pinned && finished() && !!view.board &&
    view.board.players > view.board.top.length;

  function renderEveryone() {
    if (everyone.pinned || finished()) followEveryone();
    const standings = everyoneRows();
    const on = everyone.pinned ||
      (alternating() && everyone.turn && !!standings && standings.rows.length > 0);
    show($("everyone"), on);
    show($("stage"), !on);
    show($("standings"), !on);
    show($("everyone-back"), everyone.pinned);
    if (!on) return;
    setText($("everyone-title"), finished() ? "Final standings" : "Standings");
    const all = standings ? standings.rows : [];
    const players = standings ? standings.players : 0;
    setText($("everyone-players"), standings ? `(${players})` : "");
    const none = $("everyone-none");
    setText(none, standings ? "No players yet." : "Waiting for the standings…");
    show(none, all.length === 0);
    const per = layOut();
    everyone.screens = Math.max(1, Math.ceil(all.length / per));
    if (everyone.screen >= everyone.screens) everyone.screen = 0;
    const start = everyone.screen * per;
    everyone.slots.forEach((slot, i) => {
      const standing = all[start + i];
      slot.node.classList.toggle("blank", !standing);
      setText(slot.rank, standing ? standing.rank : "");
      setText(slot.name, standing ? standing.name : "");
      setText(slot.score, standing ? standing.score : "");
      const player = standing ? standing.player : "";
      if (slot.node.dataset.player !== player) slot.node.dataset.player = player;
      const rank = standing ? String(standing.rank) : "";
      if (slot.node.dataset.rank !== rank) slot.node.dataset.rank = rank;
    });
    const shown = all.slice(start, start + per);
    const first = shown.length ? shown[0].rank : 0;
    const last = shown.length ? shown[shown.length - 1].rank : 0;
    const ranks = first === last ? `rank ${first}` : `ranks ${first}–${last}`;
    setText($("everyone-where"), !shown.length ? "" : everyone.screens > 1
      ? `${ranks} · page ${everyone.screen + 1} of ${everyone.screens}` : ranks);
    const panel = $("everyone");
    panel.dataset.screen = String(everyone.screen + 1);
    panel.dataset.screens = String(everyone.screens);
  }

  // As many rows as the panel holds at its size, in columns; returns rows per screen.
  function layOut() {
    const list = $("everyone-rows");
    if (everyone.slots.length === 0) addSlot(list);
    const font = parseFloat(getComputedStyle(list).fontSize) || 16;
    const rowPx = everyone.slots[0].node.getBoundingClientRect().height || font * 1.5;
    const perColumn = Math.max(1, Math.floor(list.clientHeight / rowPx));
    const columns = Math.max(1, Math.min(MAX_COLUMNS,
      Math.floor(list.clientWidth / (COLUMN_EMS * font))));
    const per = perColumn * columns;
    if (everyone.slots.length !== per) {
      // keep the first row shown in view when a resize changes how many fit
      everyone.screen = Math.floor(everyone.screen * everyone.slots.length / per);
      while (everyone.slots.length > per) everyone.slots.pop().node.remove();
      while (everyone.slots.length < per) addSlot(list);
    }
    list.style.setProperty("--per-column", String(perColumn));
    list.style.setProperty("--columns", String(columns));
    return per;
  }

  function addSlot(list) {
    const node = el("li", "erow blank");
    const slot = { node, rank: el("span", "rank"), name: el("span", "name"),
      score: el("span", "score") };
    node.append(slot.rank, slot.name, slot.score);
    list.append(node);
    everyone.slots.push(slot);
  }

  // One turn: the next screenful of everyone's standings; at the end, the podium between
  // rounds of them.
  function rotate() {
    if (alternating()) {
      if (!everyone.turn) {
        everyone.turn = true;
        everyone.screen = 0;
      } else if (everyone.screen + 1 < everyone.screens) {
        everyone.screen += 1;
      } else {
        everyone.turn = false;
      }
    } else if (everyone.pinned) {
      everyone.screen = (everyone.screen + 1) % everyone.screens;
    } else {
      return;
    }
    renderEveryone();
  }

  // Each new view gets its whole turn.
  function restartRotation() {
    clearInterval(rotation);
    rotation = setInterval(rotate, rotateMs);
  }

  function toggleEveryone() {
    everyone.pinned = !everyone.pinned;
    everyone.turn = false;  // back from everyone's standings at the end: the podium
    everyone.screen = 0;
    const url = new URL(location.href);
    if (everyone.pinned) url.searchParams.set("view", "standings");
    else url.searchParams.delete("view");
    history.replaceState(null, "", url);
    restartRotation();
    renderEveryone();
  }

  function setConnection(kind, text) {
    document.body.dataset.connection = kind;
    const banner = $("connection");
    setText(banner, text);
    show(banner, kind !== "connected");
  }

  // --- the MQTT client ---------------------------------------------------------------------
  function follow(config) {
    const code = config.code;
    setText($("head-code"), code);
    setText($("lobby-code"), code);
    const command = joinCommand(config, code);
    setText($("join-command"), command);
    setText($("lobby-command"), command);
    setText($("waiting"), `Waiting for quiz ${code}…`);
    document.title = `Quiz ${code}`;
    show($("board"), true);
    renderPhase();

    const ws = config.ws;
    const host = ws.host || location.hostname;
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const url = `${scheme}://${host.includes(":") ? `[${host}]` : host}:${ws.port}${ws.path}`;
    // topic filter -> message kind: what a display follows, and everyone's standings
    const kindOf = new Map([...Object.entries(config.follows),
      ...Object.entries(config.everyone || {})]);
    // The kind of a message by its topic: an exact filter, or one with a + level.
    const kindFor = (topic) => {
      if (kindOf.has(topic)) return kindOf.get(topic);
      const levels = topic.split("/");
      for (const [filter, kind] of kindOf) {
        const parts = filter.split("/");
        if (parts.length === levels.length
            && parts.every((part, i) => part === "+" || part === levels[i])) return kind;
      }
      return undefined;
    };
    const randomHex = () => Array.from(crypto.getRandomValues(new Uint8Array(8)),
      (b) => b.toString(16).padStart(2, "0")).join("");
    const client = window.mqtt.connect(url, {
      protocolVersion: 4, clean: true, clientId: `board-${randomHex()}`,
      reconnectPeriod: RECONNECT_MS, connectTimeout: 5000, keepalive: 30,
      resubscribe: false,
      // plain timers: its default runs them in a worker made from a blob, which the page's
      // Content-Security-Policy (script-src 'self') refuses
      timerVariant: "native",
    });
    const subscribe = (filters) => {
      client.subscribe(filters, { qos: 0 }, (err, granted) => {
        const refused = err || (granted || []).some((g) => g.qos === 128);
        if (refused) setConnection("refused", "The broker refused this board's subscriptions.");
      });
    };
    const everyoneFilters = Object.keys(config.everyone || {});
    client.on("connect", () => {
      setConnection("connected", "");
      // a clean session each time: subscribe again, and the retained views come back
      subscribe([...Object.keys(config.follows),
        ...(everyone.followed ? everyoneFilters : [])]);
    });
    followEveryone = () => {
      if (everyone.followed || everyoneFilters.length === 0) return;
      everyone.followed = true;
      if (client.connected) subscribe(everyoneFilters);
    };
    const lost = () => setConnection("reconnecting", "Connection lost: reconnecting…");
    client.on("reconnect", lost);
    client.on("offline", lost);
    client.on("close", lost);
    client.on("error", (err) => console.warn("mqtt", err && err.message));
    client.on("message", (topic, payload, packet) => {
      const kind = kindFor(topic);
      if (!kind) return;
      if (kind === "StandingsPage") {
        const number = Number(topic.slice(topic.lastIndexOf("/") + 1));
        if (!Number.isInteger(number) || number < 1) return;
        if (!payload || payload.length === 0) {  // the scorer cleared the page
          takePage(number, null);
          return;
        }
        const page = decode(kind, payload);
        if (page && page.quiz === code && page.page === number) takePage(number, page);
        return;
      }
      const message = decode(kind, payload);
      if (!message) return;
      if (!packet.retain) sawStamp(kind === "ScorerStatus" ? message.since : message.updated_at);
      if (kind === "State") {
        view.state = message;
        renderPhase();
      } else if (kind === "Leaderboard") {
        view.board = message;
        renderBoard();
      } else if (kind === "Counts") {
        view.counts = message;
        renderCounts();
      } else if (kind === "ScorerStatus") {
        view.status = message;
        show($("scorer"), message.status !== "online");
      }
    });
    setInterval(tick, TICK_MS);
    restartRotation();
    renderEveryone();
    $("everyone-toggle").addEventListener("click", toggleEveryone);
    $("everyone-back").addEventListener("click", toggleEveryone);
    document.addEventListener("keydown", (event) => {
      if (event.key !== "s" && event.key !== "S") return;
      if (event.ctrlKey || event.metaKey || event.altKey || event.repeat) return;
      event.preventDefault();
      toggleEveryone();
    });
    addEventListener("resize", renderEveryone);
  }

  function pick(error) {
    show($("pick"), true);
    if (error) {
      setText($("pick-error"), error);
      show($("pick-error"), true);
    }
    setConnection("connected", "");
    $("pick-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const code = $("pick-code").value.trim().toUpperCase();
      if (code) location.assign(`/${encodeURIComponent(code)}`);
    });
    $("pick-code").focus();
  }

  async function main() {
    const asked = decodeURIComponent(location.pathname.replace(/^\/+|\/+$/g, ""));
    if (!asked) {
      pick("");
      return;
    }
    let response;
    try {
      response = await fetch(`/config.json?code=${encodeURIComponent(asked)}`,
        { cache: "no-store" });
    } catch (err) {
      setConnection("reconnecting", "The board's server is unreachable: reload the page.");
      return;
    }
    const config = await response.json();
    if (!response.ok || !config.follows) {
      pick(config.error || "Not a quiz code.");
      return;
    }
    follow(config);
  }

  main();
})();
