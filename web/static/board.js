// The classroom board: follows one quiz over MQTT WebSockets, read-only.
//
// The server gives only the files and /config.json (where the broker is, and the topics a
// display follows, from protocol/views.py). Every update comes from the broker. Names and
// deck text reach the page through textContent only: they are data, never markup.
//
// Everyone's standings (key S, the button at the top, or `?view=standings`) come from the
// scorer's retained pages, subscribed to from the first time they are shown. At the end of
// a quiz the podium, everyone's standings (when the leaderboard does not hold everyone) and
// the class's words to review take turns. `?rotate=SECONDS` sets how long each screen stays.
//
// A calm quiz ranks nobody in public: no leaderboard, podium or standings, but the class's
// progress (players, answers, the share right of each question revealed) and, at the end,
// the words to review.
//
// A self-paced quiz (homework, phase `open`) has no question on the board, each player has
// their own: the board shows when it closes (in the viewer's local time), how many players
// started and finished (the counts topic's `started` and `done`) and the standings so far;
// at the deadline, the end as for a live quiz.
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
  // The words to review at the end: as many as a screen shows in large type.
  const REVIEW_WORDS = 8;
  // How long a passing note (S in a calm quiz) stays.
  const NOTE_MS = 3000;
  // More questions than this: the class's bars lose their numbers, which would not fit.
  const LABELLED_QUESTIONS = 12;
  // What each kind of question asks, in a word or three above it.
  const KIND_LABELS = { choice: "Pick the word", reverse: "Pick the meaning",
    cloze: "Fill the gap", typed: "Type the word", listen: "Listen and type the word",
    "listen-choice": "Listen and pick the word" };
  // The kinds answered with a typed word (protocol.messages.TYPED_KINDS); others: a choice.
  const TYPED_KINDS = new Set(["typed", "listen"]);
  // A word longer than this gets a smaller type on its choice, to keep its count in view.
  const LONG_WORD = 10;
  // The blank of a cloze sentence (the scorer writes five underscores).
  const BLANK = /_{3,}/;
  // How long the board waits for the quiz's retained state once subscribed before it says
  // there is no such quiz, as `quiz board` does (client/requests.py, RETAINED_TIMEOUT_SECONDS).
  const UNKNOWN_MS = 2000;
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
  const view = { state: null, board: null, counts: null, status: null, words: null };
  // A self-paced quiz's progress: {started, done, updated_at}, from the counts topic only (a
  // leaderboard's live counts do not carry it).
  let progress = null;
  // How the class did on each question seen revealed (or listed in the words at the end):
  // question index -> {right, near, players}.
  const outcomes = new Map();
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
    screen: 0,          // the screenful shown, from 0
    screens: 1,
    slots: [],          // the rows on screen, reused: {node, rank, name, score}
  };
  // At the end, whose turn it is: "podium", "everyone" or "review".
  let endTurn = "podium";

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
    Words: (m) => typeof m.quiz === "string" && Array.isArray(m.words) &&
      m.words.every((w) => isObj(w) && Number.isInteger(w.q) && typeof w.term === "string" &&
      typeof w.definition === "string" && typeof w.right === "number" &&
      typeof w.answered === "number"),
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

  // --- the reveal's text: one pure function for the board and the player page ------------
  const answerText = globalThis.quizReveal.answerText;  // reveal.js

  // --- the spoken word: a listening question's audio, the word at the reveal (sound.js) ---
  const sound = globalThis.quizSound;
  const speaker = sound.player($("audio"), (blocked) => show($("sound-enable"), blocked));
  let heardFor = "";  // the question (index and audio) whose sound played when it opened
  // For its test (tests/e2e/test_web_board_answer_key.py): nothing else reads it.
  globalThis.quizBoardText = Object.freeze({ answerText });

  // --- the page's parts --------------------------------------------------------------------
  const stage = { lobby: $("lobby"), question: $("question"), homework: $("homework"),
    podium: $("podium"), review: $("review") };
  let rotation = null;  // the timer that turns the screens of everyone's standings
  let phaseShown = null;
  let followEveryone = () => {};  // subscribes to the pages, once connected
  let unknown = false;  // subscribed, and no state came: no quiz has this code (yet)

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
    // a mistyped code on a projector: say so, rather than a lobby nobody can join; the
    // subscription stays, and the board follows the quiz if it is created later
    const missing = !state && unknown;
    document.body.dataset.phase = missing ? "unknown" : phase;
    show($("unknown"), missing);
    show($("board"), !missing);
    show($("waiting"), !state);
    show(stage.lobby, phase === "none" || phase === "lobby");
    show(stage.question, phase === "question" || phase === "reveal");
    show(stage.homework, phase === "open");
    if (phase === "question" || phase === "reveal") renderQuestion(state);
    if (phase === "reveal") noteReveal(state);
    if (phase === "finished") renderPodium();
    renderCounts();
    renderStandingsTitle();
    if (phase !== phaseShown) {
      phaseShown = phase;
      if (phase === "finished") {  // the first screen of the end gets a whole turn
        endTurn = endTurns()[0];
        restartRotation();
      }
    }
    renderEveryone();
  }

  const calm = () => !!view.state && isObj(view.state.settings) &&
    view.state.settings.calm === true;

  // The class's outcome of a revealed question: right (and, typed, near) of the players.
  function noteReveal(state) {
    const { question: q, reveal } = state;
    if (!isObj(q) || !isObj(reveal) || reveal.index !== q.index) return;
    const dist = Array.isArray(reveal.distribution) ? reveal.distribution : [];
    const typed = TYPED_KINDS.has(q.kind);
    const right = (typed ? dist[0] : dist[reveal.correct]) || 0;
    outcomes.set(q.index, { right, near: typed ? (dist[1] || 0) : 0, players: state.players });
    renderProgress();
  }

  function renderQuestion(state) {
    const q = state.question;
    if (!isObj(q)) return;
    const kind = typeof q.kind === "string" ? q.kind : "choice";
    const panel = stage.question;
    if (panel.dataset.kind !== kind) panel.dataset.kind = kind;
    setText($("q-number"), `Question ${q.index + 1} of ${q.count}`);
    setText($("q-kind"), KIND_LABELS[kind] || "");
    setText($("q-pos"), q.pos || "");
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
    renderPrompt(String(q.prompt), kind === "cloze" && reveal ? reveal.term : null);
    choices.forEach((choice, i) => {
      const item = list.children[i];
      setText(item.querySelector(".key"), i + 1);
      setText(item.querySelector(".term"), choice);
      item.classList.toggle("long", kind !== "reverse" && String(choice).length > LONG_WORD);
      item.classList.toggle("correct", !!reveal && reveal.correct === i);
      item.classList.toggle("wrong", !!reveal && reveal.correct !== i);
      const n = reveal ? (dist[i] || 0) : null;
      setText(item.querySelector(".n"), n === null ? "" : n);
      item.querySelector(".fill").style.transform = `scaleX(${n === null ? 0 : n / most})`;
      item.dataset.count = n === null ? "" : String(n);
    });
    show($("reveal-line"), !!reveal);
    show($("timer"), !reveal);
    if (reveal) setText($("reveal-line"), `Answer: ${answerText(q, reveal)}`);
    renderSound(state, q, reveal);
    const typed = TYPED_KINDS.has(kind);
    show($("type-hint"), typed && !reveal);
    show($("typed-tally"), typed && !!reveal);
    if (typed && reveal) {
      $("typed-tally").querySelectorAll(".outcome").forEach((item, i) => {
        const n = dist[i] || 0;
        setText(item.querySelector(".n"), n);
        item.dataset.count = String(n);
        item.querySelector(".fill").style.transform = `scaleX(${n / most})`;
      });
    }
    tick();
  }

  // A listening question's sound plays once when it opens (replay: the button); at the
  // reveal of every question, the word's IPA and a button to hear it.
  function renderSound(state, q, reveal) {
    const heard = sound.address(q.audio);
    show($("sound"), !!heard && !reveal);
    if (heard && !reveal && state.phase === "question") {
      const key = `${q.index} ${heard}`;
      if (heardFor !== key) {
        heardFor = key;
        speaker.play(heard);
      }
    }
    const said = reveal ? sound.address(reveal.audio) : "";
    const ipa = reveal && typeof reveal.ipa === "string" ? reveal.ipa : "";
    show($("say"), !!reveal && (!!ipa || !!said));
    setText($("ipa"), ipa ? `/${ipa}/` : "");
    show($("say-hear"), !!said);
    $("say-hear").dataset.src = said;
  }

  // The prompt as text nodes; a cloze sentence's blank is a box of its own, which holds the
  // word once it is revealed. Redrawn only when what it says changes.
  function renderPrompt(prompt, filled) {
    const node = $("prompt");
    const kind = stage.question.dataset.kind;
    const key = JSON.stringify([kind, prompt, filled]);
    if (node.dataset.key === key) return;
    node.dataset.key = key;
    if (kind !== "cloze" || !BLANK.test(prompt)) {
      node.textContent = prompt;
      return;
    }
    const parts = prompt.split(BLANK);
    const nodes = [];
    parts.forEach((part, i) => {
      if (i > 0) {
        const blank = el("span", filled === null ? "blank" : "blank filled");
        blank.textContent = filled === null ? "\u2003\u2003\u2003" : filled;
        nodes.push(blank);
      }
      nodes.push(document.createTextNode(part));
    });
    node.replaceChildren(...nodes);
  }

  function tick() {
    const state = view.state;
    if (!state || state.phase !== "question" || !isObj(state.question)) return;
    const { opened_at: opened, deadline } = state.question;
    // paused: the clock stands still with the time the scorer says is left (revision 5)
    const paused = state.paused === true;
    const left = paused ? Math.max(0, Number(state.remaining) || 0)
      : Math.max(0, deadline - scorerNow());
    const whole = Math.max(0.001, deadline - opened);
    setText($("timer-text"), paused ? `⏸ paused, ${Math.ceil(left)} s left`
      : left > 0 ? `${Math.ceil(left)} s` : "time!");
    $("timer-bar").style.transform = `scaleX(${Math.min(1, left / whole)})`;
    $("timer").classList.toggle("hurry", !paused && left <= 5);
  }

  // Players and answers to the question on screen: the live counts when they count that
  // question (-1: none), else the state's.
  function counted() {
    const state = view.state;
    const at = state && isObj(state.question) && state.phase !== "lobby"
      ? state.question.index : -1;
    const counts = view.counts && view.counts.q === at ? view.counts : null;
    return {
      at,
      players: counts ? counts.players : (state ? state.players : 0),
      answered: counts ? counts.answered : (state ? state.answered : 0),
    };
  }

  function renderCounts() {
    const { players, answered } = counted();
    setText($("answered"), `${answered} of ${players} answered`);
    setText($("lobby-players"), players === 1 ? "1 player has joined" :
      `${players} players have joined`);
    setText($("player-count"), players ? `(${players})` : "");
    renderHomework();
    renderProgress();
    if (view.words) renderReview();
  }

  // A calm quiz's side panel: how many play, how many answered, and how the class did on
  // each question so far.
  function renderProgress() {
    if (!calm()) return;
    const state = view.state;
    const { at, players, answered } = counted();
    setText($("progress-players"), players === 1 ? "1 player" : `${players} players`);
    const asking = state.phase === "question" || state.phase === "reveal";
    setText($("progress-answered"), asking ? `${answered} of ${players} answered`
      : state.phase === "open" ? homeworkProgress(players)
        : state.phase === "finished" ? "The quiz is over" : "Waiting for the first question");
    const count = isObj(state.question) ? state.question.count
      : (view.words ? view.words.words.length : state.settings.questions);
    const list = $("progress-questions");
    list.classList.toggle("many", count > LABELLED_QUESTIONS);
    while (list.children.length > count) list.lastChild.remove();
    while (list.children.length < count) {
      const item = el("li", "qbar");
      const track = el("span", "track");
      track.append(el("span", "fill right"), el("span", "fill near"));
      item.append(el("span", "pct"), track, el("span", "qn"));
      list.append(item);
    }
    [...list.children].forEach((item, i) => {
      const outcome = outcomes.get(i);
      // of the players at the reveal; for the words at the end, of the players now
      const of = outcome ? Math.max(1, outcome.players === null ? players : outcome.players)
        : 1;
      const right = outcome ? Math.min(1, outcome.right / of) : 0;
      const near = outcome ? Math.min(1 - right, outcome.near / of) : 0;
      setText(item.querySelector(".pct"), outcome ? `${Math.round(100 * right)}%` : "–");
      setText(item.querySelector(".qn"), i + 1);
      item.querySelector(".right").style.transform = `scaleY(${right})`;
      const nearBar = item.querySelector(".near");
      nearBar.style.transform = `scaleY(${near})`;
      nearBar.style.bottom = `${100 * right}%`;
      item.dataset.right = outcome ? String(Math.round(100 * right)) : "";
      item.classList.toggle("open", at === i && state.phase === "question");
    });
  }

  // A self-paced quiz: when it closes, and how far the class got (as tui/selfpaced.py says).
  const localTime = (seconds) => {
    const d = new Date(seconds * 1000);
    const two = (n) => String(n).padStart(2, "0");
    return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ` +
      `${two(d.getHours())}:${two(d.getMinutes())}`;
  };
  const plural = (n, word) => (n === 1 ? `1 ${word}` : `${n} ${word}s`);
  // "N of M players started, K finished"; before any counts came, the players only.
  const homeworkProgress = (players) => (progress
    ? `${progress.started} of ${plural(players, "player")} started, ${progress.done} finished`
    : plural(players, "player"));

  function renderHomework() {
    const state = view.state;
    if (!state || state.phase !== "open") return;
    const until = Number(state.settings.until);
    setText($("hw-until"), until > 0 ? `Open until ${localTime(until)}` : "");
    const { players } = counted();
    setText($("hw-progress"), homeworkProgress(players));
    // two bars on one track: who started, and within them who finished
    const of = Math.max(1, players);
    const started = progress ? Math.min(1, progress.started / of) : 0;
    const done = progress ? Math.min(started, progress.done / of) : 0;
    $("hw-bar").querySelector(".started").style.transform = `scaleX(${started})`;
    $("hw-bar").querySelector(".done").style.transform = `scaleX(${done})`;
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
    // join-ordered zeros lead nobody: the players list, a leaderboard once someone scores
    renderStandingsTitle();
    show($("no-players"), top.length === 0);
    if (view.state && view.state.phase === "finished") renderPodium();
    renderEveryone();
  }

  function renderStandingsTitle() {
    const top = view.board ? view.board.top : [];
    const scored = top.some((s) => s.score > 0);
    const open = !!view.state && view.state.phase === "open";
    setText($("standings-title"), !scored ? "Players" : open ? "Standings so far"
      : "Leaderboard");
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
  // Everyone's standings kept on screen (S, `?view=standings`): never in a calm quiz.
  const pinned = () => everyone.pinned && !calm();
  const hasWords = () => !!view.words && view.words.words.length > 0;

  // The screens that take turns at the end: the podium; everyone's standings when the
  // leaderboard does not hold everyone; the words to review once they came. A calm quiz
  // has only the words.
  function endTurns() {
    if (calm()) return ["review"];
    const turns = ["podium"];
    if (view.board && view.board.players > view.board.top.length) turns.push("everyone");
    if (hasWords()) turns.push("review");
    return turns;
  }

  // Which of the podium and the words to review the stage shows at the end; true for the
  // words, which take the whole width.
  function renderEnd() {
    const over = finished();
    const review = over && (calm() || (endTurn === "review" && hasWords()));
    show(stage.podium, over && !review);
    show(stage.review, review);
    return review;
  }

  function renderEveryone() {
    const isCalm = calm();
    if (pinned() || (finished() && !isCalm)) followEveryone();
    const standings = everyoneRows();
    const on = pinned() || (finished() && !isCalm && endTurn === "everyone" &&
      endTurns().includes("everyone") && !!standings && standings.rows.length > 0);
    const review = !on && renderEnd();
    show($("everyone"), on);
    show($("stage"), !on);
    show($("standings"), !on && !review && !isCalm);
    show($("progress"), !on && !review && isCalm);
    show($("everyone-back"), pinned());
    const screen = on ? "everyone" : review ? "review" : "board";
    if (document.body.dataset.screen !== screen) document.body.dataset.screen = screen;
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

  // One turn: the next screenful of everyone's standings; at the end, the next of the
  // podium, everyone's standings (screen by screen) and the words to review.
  function rotate() {
    if (pinned()) {
      everyone.screen = (everyone.screen + 1) % everyone.screens;
    } else if (finished()) {
      const turns = endTurns();
      if (endTurn === "everyone" && turns.includes("everyone") &&
          everyone.screen + 1 < everyone.screens) {
        everyone.screen += 1;
      } else {
        endTurn = turns[(turns.indexOf(endTurn) + 1) % turns.length];
        everyone.screen = 0;
      }
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
    if (calm()) {
      note("No ranking in a calm quiz");
      return;
    }
    everyone.pinned = !everyone.pinned;
    endTurn = "podium";  // back from everyone's standings at the end: the podium
    everyone.screen = 0;
    const url = new URL(location.href);
    if (everyone.pinned) url.searchParams.set("view", "standings");
    else url.searchParams.delete("view");
    history.replaceState(null, "", url);
    restartRotation();
    renderEveryone();
  }

  // The words the class should review: most missed first, each with its share right.
  function renderReview() {
    const words = view.words ? view.words.words : null;
    const { players } = counted();
    const missed = (word) => Math.max(players - word.right, 0);
    const shown = words ? [...words].sort((a, b) => (missed(b) - missed(a)) || (a.q - b.q))
      .slice(0, REVIEW_WORDS) : [];
    const none = $("review-none");
    setText(none, words ? "No question was asked." : "Waiting for the words…");
    show(none, shown.length === 0);
    const list = $("review-words");
    while (list.children.length > shown.length) list.lastChild.remove();
    while (list.children.length < shown.length) {
      const item = el("li", "review-word");
      const share = el("span", "share");
      const track = el("span", "track");
      track.append(el("span", "fill"));
      share.append(el("span", "pct"), track);
      item.append(el("span", "term"), el("span", "definition"), share);
      list.append(item);
    }
    shown.forEach((word, i) => {
      const item = list.children[i];
      const right = players ? Math.min(1, word.right / players) : 0;
      setText(item.querySelector(".term"), word.term);
      setText(item.querySelector(".definition"), word.definition);
      setText(item.querySelector(".pct"), `${Math.round(100 * right)}% right`);
      item.querySelector(".fill").style.transform = `scaleX(${right})`;
      if (item.dataset.q !== String(word.q)) item.dataset.q = String(word.q);
      item.dataset.right = String(Math.round(100 * right));
    });
  }

  // The words of a finished quiz: the review list, and the class's outcome of every question.
  function takeWords(words) {
    view.words = words;
    words.words.forEach((word) => {
      outcomes.set(word.q, { right: word.right, near: Number(word.near) || 0, players: null });
    });
    renderReview();
    renderProgress();
    renderEveryone();
  }

  let noteTimer = null;
  function note(text) {
    const node = $("note");
    setText(node, text);
    show(node, true);
    clearTimeout(noteTimer);
    noteTimer = setTimeout(() => show(node, false), NOTE_MS);
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
    setText($("hw-command"), command);
    // how phones join: the player page's address and its QR code, both from the server
    // (which names this machine's LAN address, never 0.0.0.0)
    if (isObj(config.play)) {
      setText($("lobby-play-url"), config.play.url);
      $("lobby-qr").src = config.play.qr;
      show($("lobby-play"), true);
      setText($("hw-play-url"), config.play.url);
      $("hw-qr").src = config.play.qr;
      show($("hw-play"), true);
    }
    setText($("waiting"), `Waiting for quiz ${code}…`);
    setText($("unknown-title"), `No quiz with code ${code} \u2014 check the code`);
    document.title = `Quiz ${code}`;
    renderPhase();

    const ws = config.ws;
    const host = ws.host || location.hostname;
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const url = `${scheme}://${host.includes(":") ? `[${host}]` : host}:${ws.port}${ws.path}`;
    // topic filter -> message kind: what a display follows, and everyone's standings
    const kindOf = new Map([...Object.entries(config.follows),
      ...Object.entries(config.everyone || {}), ...Object.entries(config.words || {})]);
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
    const subscribe = (filters, then) => {
      client.subscribe(filters, { qos: 0 }, (err, granted) => {
        const refused = err || (granted || []).some((g) => g.qos === 128);
        if (refused) setConnection("refused", "The broker refused this board's subscriptions.");
        else if (then) then();
      });
    };
    let unknownTimer = null;
    const expectState = () => {  // the retained state comes right after the subscription
      clearTimeout(unknownTimer);
      unknownTimer = setTimeout(() => {
        unknown = !view.state;
        if (unknown) renderPhase();
      }, UNKNOWN_MS);
    };
    const everyoneFilters = Object.keys(config.everyone || {});
    client.on("connect", () => {
      setConnection("connected", "");
      // a clean session each time: subscribe again, and the retained views come back
      subscribe([...Object.keys(config.follows), ...Object.keys(config.words || {}),
        ...(everyone.followed ? everyoneFilters : [])], expectState);
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
    // The newest counts win: the counts topic is refreshed less often than the leaderboard.
    // A self-paced quiz's progress comes from the counts topic alone, newest of its own: a
    // leaderboard newer than the last counts must not hold back their `started` and `done`.
    const takeCounts = (counts, fromTopic) => {
      if (fromTopic && !(progress && progress.updated_at > counts.updated_at)) {
        progress = { started: Number(counts.started) || 0, done: Number(counts.done) || 0,
          updated_at: counts.updated_at };
      }
      if (!(view.counts && view.counts.q === counts.q &&
            view.counts.updated_at > counts.updated_at)) {
        view.counts = { quiz: counts.quiz, players: counts.players, answered: counts.answered,
          q: counts.q, updated_at: counts.updated_at };
      }
      renderCounts();
    };
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
      if (kind === "Words") {
        if (message.quiz === code) takeWords(message);
        return;
      }
      if (!packet.retain) sawStamp(kind === "ScorerStatus" ? message.since : message.updated_at);
      if (kind === "State") {
        view.state = message;
        renderPhase();
      } else if (kind === "Leaderboard") {
        view.board = message;
        renderBoard();
        // contract rev. 11: the live leaderboard carries the live counts
        if (typeof message.answered === "number" && typeof message.q === "number") {
          takeCounts({ quiz: message.quiz, players: message.players,
            answered: message.answered, q: message.q, updated_at: message.updated_at }, false);
        }
      } else if (kind === "Counts") {
        takeCounts(message, true);
      } else if (kind === "ScorerStatus") {
        view.status = message;
        show($("scorer"), message.status !== "online");
      }
    });
    setInterval(tick, TICK_MS);
    restartRotation();
    renderEveryone();
    $("everyone-toggle").addEventListener("click", toggleEveryone);
    $("sound-replay").addEventListener("click", () => speaker.again());
    $("sound-enable").addEventListener("click", () => {
      show($("sound-enable"), false);
      speaker.again();
    });
    $("say-hear").addEventListener("click", () => speaker.play($("say-hear").dataset.src));
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
