// The player page: join a quiz by its code and a name, answer from a phone, over MQTT
// WebSockets with the player's broker rights only (anonymous, like `quiz play`).
//
// The server gives the files and /player.json (where the broker is, and the topics a
// player uses, from protocol/views.py). The wire contract is docs/protocol.md's:
// - join with a secret made here and kept in localStorage (per quiz code) before the join
//   goes out, as `quiz join` keeps it in a file: a reload, or a join whose reply was lost,
//   resumes the same player;
// - answers signed with HMAC-SHA256 over the player's secret (hmac.js: plain JavaScript,
//   since crypto.subtle is missing on a page served over plain HTTP);
// - an answer goes at QoS 0 and is kept (in localStorage too) until its verdict, its only
//   acknowledgement: sent again with the same request id on a timer while its question is
//   open (RESEND_FIRST_MS, then full jitter under a doubling ceiling up to RESEND_MAX_MS:
//   protocol/retry.py's resend_wait), on every reconnect, and whenever a scorer comes
//   online with a new `since` (client/outbox.py's rules); the scorer counts it once.
// - a self-paced quiz (homework, phase `open`): the page asks for the player's next
//   question (an `open` request, signed as protocol/auth.py's sign_open), shows it on the
//   player's own clock from the reply, and after the verdict opens the next one on a tap or
//   after a short pause; where the player is comes from their retained status, as
//   client/homework.py reads it, so a reload resumes the open question on its first clock.
// Names and deck text reach the page through textContent only: they are data, never markup.
"use strict";

(() => {
  const PROTOCOL_VERSION = 1;
  // MQTT.js retries at a fixed period: spread a classroom's phones over 1-2 s.
  const RECONNECT_MS = 1000 + Math.floor(Math.random() * 1000);
  // An answer without a verdict goes out again after RESEND_FIRST_MS, then after a random
  // wait under a ceiling doubling from twice that to RESEND_MAX_MS: protocol/retry.py's
  // RESEND_FIRST_SECONDS and RESEND_MAX_SECONDS (tests/unit/test_resend.py checks they agree).
  const RESEND_FIRST_MS = 3000;
  const RESEND_MAX_MS = 15000;
  // An answer travels at QoS 0 (docs/protocol.md): the verdict is its acknowledgement.
  const ANSWER_QOS = 0;
  // A join without a reply after this long goes out again (same secret: it resumes).
  const JOIN_AGAIN_MS = 8000;
  // The countdown shows whole seconds; a few redraws a second are plenty.
  const TICK_MS = 250;
  // Rows of the players' board between questions (the player's own row is added below).
  const BOARD_ROWS = 5;
  const MAX_TYPED = 80;
  const KIND_LABELS = { choice: "Pick the word", reverse: "Pick the meaning",
    cloze: "Fill the gap", typed: "Type the word", listen: "Listen and type the word",
    "listen-choice": "Listen and pick the word" };
  // The kinds answered with a typed word (protocol.messages.TYPED_KINDS); others: a choice.
  const TYPED_KINDS = new Set(["typed", "listen"]);
  const BLANK = /_{3,}/;
  const STORE_PREFIX = "quiz-player:";

  const $ = (id) => document.getElementById(id);
  const el = (tag, cls, text) => {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = String(text);
    return node;
  };
  const setText = (node, text) => {
    const value = String(text);
    if (node.textContent !== value) node.textContent = value;
  };
  const show = (node, visible) => {
    if (node.hidden === visible) node.hidden = !visible;
  };
  const randomHex = (bytes) => Array.from(crypto.getRandomValues(new Uint8Array(bytes)),
    (b) => b.toString(16).padStart(2, "0")).join("");
  const isObj = (x) => x !== null && typeof x === "object" && !Array.isArray(x);

  // --- what is kept in the browser, per quiz code ------------------------------------------
  // {name, secret, player, pending: {q: {req, q, given, sig}}, picks: {q: given}}
  const storeKey = (code) => `${STORE_PREFIX}${code}`;
  function loadKept(code) {
    try {
      const kept = JSON.parse(localStorage.getItem(storeKey(code)) || "null");
      if (isObj(kept) && typeof kept.name === "string" && typeof kept.secret === "string") {
        return { player: null, pending: {}, picks: {}, ...kept };
      }
    } catch (err) {
      console.warn("kept player unreadable", err);
    }
    return null;
  }
  const saveKept = (code, kept) => localStorage.setItem(storeKey(code), JSON.stringify(kept));
  const forgetKept = (code) => localStorage.removeItem(storeKey(code));

  // --- decoding at the edge: anything else is dropped --------------------------------------
  const decoders = {
    State: (m) => typeof m.phase === "string" && isObj(m.settings) &&
      (m.question === null || m.question === undefined || isObj(m.question)),
    Leaderboard: (m) => Array.isArray(m.top) && typeof m.seq === "number" &&
      m.top.every((s) => isObj(s) && typeof s.player === "string" &&
        typeof s.name === "string" && typeof s.score === "number" &&
        typeof s.rank === "number"),
    PlayerStatus: (m) => typeof m.player === "string" && typeof m.score === "number" &&
      typeof m.rank === "number" && (m.last === null || m.last === undefined || isObj(m.last)),
    Reply: (m) => typeof m.req === "string" && typeof m.ok === "boolean",
    ScorerStatus: (m) => (m.status === "online" || m.status === "offline") &&
      typeof m.since === "number",
    StandingsPage: (m) => typeof m.quiz === "string" && typeof m.seq === "number" &&
      typeof m.players === "number" && Array.isArray(m.rows) && m.rows.every((s) =>
      isObj(s) && typeof s.player === "string" && typeof s.rank === "number"),
    Words: (m) => typeof m.quiz === "string" && Array.isArray(m.words) &&
      m.words.every((w) => isObj(w) && Number.isInteger(w.q) && typeof w.term === "string" &&
        typeof w.definition === "string"),
  };
  const decode = (kind, payload) => {
    if (!payload || payload.length === 0) return null;
    let message;
    try {
      message = JSON.parse(new TextDecoder().decode(payload));
    } catch (err) {
      return null;
    }
    if (!isObj(message) || message.v !== PROTOCOL_VERSION || !decoders[kind](message)) {
      console.warn("not a valid", kind);
      return null;
    }
    return message;
  };
  // The kind of a message by its topic: an exact filter, or one with + levels.
  const matches = (filter, topic) => {
    const parts = filter.split("/");
    const levels = topic.split("/");
    return parts.length === levels.length &&
      parts.every((part, i) => part === "+" || part === levels[i]);
  };

  // --- text, as tui/formatting.py words it ------------------------------------------------
  const ordinal = (n) => {
    const suffix = n % 100 >= 10 && n % 100 <= 20 ? "th"
      : ({ 1: "st", 2: "nd", 3: "rd" })[n % 10] || "th";
    return `${n}${suffix}`;
  };
  function verdictText(last, streak, typed) {
    if (last.late) return ["late", "✗ Too late: 0 points"];
    if (!last.correct) return ["wrong", "✗ Wrong: 0 points"];
    const bonus = streak > 1 ? ` · streak ${streak}` : "";
    if (last.typo) {
      const spelled = last.expected ? ` → ${last.expected}` : ", a near miss";
      return ["near", `✓ Accepted: ${typed || "your spelling"}${spelled} (+${last.points})${bonus}`];
    }
    return ["correct", `✓ Correct: +${last.points} points${bonus}`];
  }

  // --- the page -------------------------------------------------------------------------------
  // `final`: the player's place in everyone's standings at the end ({seq, rank, players})
  // `own`: in a self-paced quiz, the player's own question with its clock (an open reply)
  const view = { state: null, board: null, status: null, words: null, final: null,
    own: null };
  let config = null;
  let code = "";
  let kept = null;          // what localStorage keeps for this quiz
  let client = null;        // the MQTT connection
  const clientId = randomHex(8);  // 16 hex: names this page's reply topics
  let joinReq = null;       // the join waiting for its reply
  let joinTimer = null;
  let scorerSince = null;   // the scorer's `since` last seen (client/outbox.py)
  const resends = new Map();  // question -> {times, timer}: each kept answer's resend timer
  const scorers = new Map();  // status topic -> online?
  let wordsFollowed = false;
  let notice = "";          // a passing word on the result line (sent, kept, refused)
  let offset = null;        // local clock minus the scorer's, from live views
  let typedFor = -1;        // the question the text box belongs to

  // A topic of the config with this page's client id and the player id filled in.
  const slot = (template) => template.split(config.slots.client).join(clientId)
    .split(config.slots.player).join(kept && kept.player ? kept.player : "");
  const scorerNow = () => Date.now() / 1000 - (offset || 0);
  const sawStamp = (stamp) => {
    if (typeof stamp !== "number") return;
    const gap = Date.now() / 1000 - stamp;
    offset = offset === null ? gap : Math.min(offset, gap);
  };
  const calm = () => !!view.state && isObj(view.state.settings) &&
    view.state.settings.calm === true;

  function setConnection(kind, text) {
    document.body.dataset.connection = kind;
    setText($("connection"), text);
    show($("connection"), kind !== "connected" && kind !== "none");
  }

  function showView(name) {
    for (const id of ["join", "lobby", "homework", "question", "finished"]) {
      show($(id), id === name);
    }
    if (document.body.dataset.view !== name) document.body.dataset.view = name;
  }

  function joinError(text) {
    showView("join");
    show($("me"), false);
    setText($("join-error"), text);
    show($("join-error"), !!text);
    $("join-button").disabled = false;
  }

  // --- sending ---------------------------------------------------------------------------
  function publish(topic, message, qos = 1) {
    if (!client || !client.connected) return false;
    client.publish(topic, JSON.stringify({ v: PROTOCOL_VERSION, client: clientId, ...message }),
      { qos });
    return true;
  }

  function sendJoin() {
    clearTimeout(joinTimer);
    joinReq = randomHex(8);
    publish(config.join, { req: joinReq, name: kept.name, secret: kept.secret });
    joinTimer = setTimeout(() => {
      if (kept && !kept.player) {
        if (!view.state) joinError(`No live quiz ${code} answers: check the code, or wait for the host.`);
        sendJoin();
      }
    }, JOIN_AGAIN_MS);
  }

  function sendAnswer(pending) {
    const given = typeof pending.given === "string" ? { text: pending.given }
      : { choice: pending.given };
    const sent = publish(slot(config.answer), { req: pending.req, q: pending.q, ...given,
      sig: pending.sig }, ANSWER_QOS);
    if (sent) resendLater(pending);
    return sent;
  }

  // protocol/retry.py's resend_wait: the wait after the answer went out `times` times.
  function resendWait(times) {
    if (times <= 1) return RESEND_FIRST_MS;
    const top = Math.min(RESEND_MAX_MS, 2 * RESEND_FIRST_MS * 2 ** Math.min(times - 2, 32));
    return Math.random() * top;
  }

  // Whether question q can still be answered (client/outbox.py's answerable).
  function answerable(q) {
    const s = view.state;
    if (!s || s.phase === "open") return true;
    return s.phase === "question" && s.paused !== true && isObj(s.question) &&
      s.question.index === q;
  }

  function resendLater(pending) {
    const last = resends.get(pending.q);
    if (last) clearTimeout(last.timer);
    const times = last && last.req === pending.req ? last.times + 1 : 1;
    const entry = { req: pending.req, times, timer: null };
    entry.timer = setTimeout(function due() {
      const still = kept && kept.pending[pending.q];
      if (!still || still.req !== pending.req) return resends.delete(pending.q);
      // a closed question waits (a pause, say); the reconnect and a new scorer still send it
      if (!answerable(pending.q) || !sendAnswer(still)) {
        entry.timer = setTimeout(due, resendWait(times));
      }
    }, resendWait(times));
    resends.set(pending.q, entry);
  }

  const sendKept = () => Object.values(kept.pending).forEach(sendAnswer);

  function give(q, given) {
    const sig = QuizHmac.signAnswer(kept.secret, code, kept.player, q, given);
    const pending = { req: randomHex(8), q, given, sig };
    kept.pending[q] = pending;
    kept.picks[q] = given;
    saveKept(code, kept);
    const what = typeof given === "string" ? `“${given}”` : `${given + 1}`;
    notice = sendAnswer(pending) ? `Sent ${what}, waiting for the score…`
      : `No connection: answer ${what} is kept and goes out as soon as the connection is back.`;
    render();
  }

  // An answer is settled by a status that scored its question (or a later one) or by a
  // reply about it.
  function settle(update) {
    let changed = false;
    for (const [q, pending] of Object.entries(kept.pending)) {
      const judged = update.req !== undefined ? update.req === pending.req
        : isObj(update.last) && update.last.q >= pending.q;
      if (judged) {
        delete kept.pending[q];
        const timer = resends.get(pending.q);
        if (timer) clearTimeout(timer.timer);
        resends.delete(pending.q);
        changed = true;
      }
    }
    if (changed) saveKept(code, kept);
    return changed;
  }

  // --- what arrives ---------------------------------------------------------------------------
  // The filters that name the player (their status): known once joined.
  const statusFilters = () => Object.keys(config.follows)
    .filter((f) => config.follows[f] === "PlayerStatus").map(slot);

  function followPlayer() {
    const filters = Object.keys(config.follows)
      .filter((f) => config.follows[f] !== "PlayerStatus" || (kept && kept.player)).map(slot);
    client.subscribe(filters, { qos: 0 }, (err, granted) => {
      if (err || (granted || []).some((g) => g.qos === 128)) {
        setConnection("refused", "The quiz server refused this page's subscriptions.");
        return;
      }
      if (kept.player) sendKept();
      else sendJoin();
      openReq = null;  // an `open` whose reply did not come is asked again (same clock)
      opening = -1;
      render();
    });
    if (wordsFollowed) client.subscribe(endFilters(), { qos: 0 });
  }

  function onReply(reply) {
    if (reply.req === joinReq) {
      clearTimeout(joinTimer);
      joinReq = null;
      if (reply.ok && typeof reply.player === "string") {
        kept.player = reply.player;
        if (typeof reply.name === "string") kept.name = reply.name;
        saveKept(code, kept);
        // the status topic names the player: follow it now
        rekey();
        client.subscribe(statusFilters(), { qos: 0 });
        render();
      } else {
        const name = kept.name;
        forgetKept(code);
        kept = null;
        $("join-name").value = name;
        joinError(reply.error || "The quiz refused to let you join.");
      }
      return;
    }
    if (!kept || !kept.player) return;
    if (reply.req === openReq) {
      onOpened(reply);
      return;
    }
    const ours = Object.values(kept.pending).find((p) => p.req === reply.req);
    if (!ours || reply.ok) return;
    settle(reply);
    if (reply.reason === "paused") {
      // nothing was stored: the player answers again once the host resumes
      delete kept.picks[ours.q];
      saveKept(code, kept);
    }
    // "already answered" only says a verdict exists: the status shows it
    if (reply.reason !== "already_answered") notice = `✗ Not counted: ${reply.error || "refused"}`;
    render();
  }

  function onScorer(topic, status, retained) {
    scorers.set(topic, status.status === "online");
    show($("scorer"), scorers.size > 0 && ![...scorers.values()].some(Boolean));
    const cameOnline = !retained && status.status === "online" && status.since !== scorerSince;
    scorerSince = status.since;
    if (cameOnline && kept && kept.player) sendKept();
  }

  function onMessage(topic, payload, packet) {
    const filter = Object.keys(kindOf).find((f) => matches(f, topic));
    if (!filter) return;
    const kind = kindOf[filter];
    const message = decode(kind, payload);
    if (!message) return;
    if (kind === "Reply") {
      onReply(message);
      return;
    }
    if (kind === "ScorerStatus") {
      if (!packet.retain) sawStamp(message.since);
      onScorer(topic, message, packet.retain);
      return;
    }
    if (kind === "Words") {
      if (message.quiz === code) view.words = message;
    } else if (kind === "StandingsPage") {
      const mine = message.rows.find((s) => kept && s.player === kept.player);
      if (message.quiz === code && mine && (!view.final || message.seq >= view.final.seq)) {
        view.final = { seq: message.seq, rank: mine.rank, players: message.players };
      }
    } else if (kind === "State") {
      if (!packet.retain) sawStamp(message.updated_at);
      view.state = message;
      if (message.phase === "finished" && !wordsFollowed) {
        wordsFollowed = true;
        client.subscribe(endFilters(), { qos: 0 });
      }
    } else if (kind === "Leaderboard") {
      if (!view.board || message.seq >= view.board.seq) view.board = message;
    } else if (kind === "PlayerStatus") {
      if (!kept || message.player !== kept.player) return;
      view.status = message;
      if (settle(message)) notice = "";
    }
    render();
  }

  // --- drawing ---------------------------------------------------------------------------------
  function openQuestion() {
    const state = view.state;
    if (state && state.phase === "open") {  // late after its clock, open until the next
      return view.status && view.status.kicked ? null : view.own;
    }
    if (!state || state.phase !== "question" || !isObj(state.question)) return null;
    if (view.status && view.status.kicked) return null;
    if (state.paused === true) return null;  // answers wait for the host to resume
    return state.question;
  }
  const answered = (q) => (kept && q in kept.picks) ||
    (!!view.status && isObj(view.status.last) && view.status.last.q === q);

  // The filters read once the quiz is over: its words, and everyone's standings.
  const endFilters = () => [...Object.keys(config.words), ...Object.keys(config.everyone)];

  function ownRank() {
    if (view.final && view.state && view.state.phase === "finished") return view.final.rank;
    const status = view.status;
    const seen = status && isObj(status.last) ? status.last.seq || 0 : 0;
    const board = view.board && view.board.seq >= seen ? view.board : null;
    const row = board ? board.top.find((s) => s.player === kept.player) : null;
    return row ? row.rank : status ? status.rank : 0;
  }
  const playerCount = () => {
    const views = [view.board, view.state].filter(Boolean);
    if (!views.length) return 0;
    return views.reduce((a, b) => ((b.seq || 0) > (a.seq || 0) ? b : a)).players;
  };

  function render() {
    if (!kept || !kept.player) return;
    const state = view.state;
    const phase = state ? state.phase : "lobby";
    document.body.dataset.phase = phase;
    if (phase === "open") {
      renderMe();
      renderHomework();
      return;
    }
    showView(phase === "question" || phase === "reveal" ? "question" : phase === "finished"
      ? "finished" : "lobby");
    renderMe();
    if (phase === "lobby") {
      const players = playerCount();
      setText($("lobby-players"), players === 1 ? "1 player has joined"
        : `${players} players have joined`);
    }
    if ((phase === "question" || phase === "reveal") && isObj(state.question)) {
      renderQuestion(state);
    }
    if (phase === "finished") renderEnd();
  }

  function renderMe() {
    show($("me"), true);
    const status = view.status;
    const score = status ? status.score : 0;
    setText($("me-name"), kept.name);
    setText($("me-score"), `${score} points`);
    $("me-score").dataset.score = String(score);
    if (calm()) {
      const right = status && Array.isArray(status.right) ? status.right.length : 0;
      setText($("me-rank"), `${right} right`);
      $("me-rank").dataset.rank = "";
      return;
    }
    const rank = ownRank();
    setText($("me-rank"), rank > 0 ? `${ordinal(rank)} of ${playerCount()}` : "");
    $("me-rank").dataset.rank = String(rank);
  }

  function renderPrompt(prompt, filled) {
    const node = $("prompt");
    const key = `${prompt}\u0000${filled || ""}`;
    if (node.dataset.shown === key) return;
    node.dataset.shown = key;
    node.replaceChildren();
    const at = prompt.search(BLANK);
    if (at < 0) {
      node.textContent = prompt;
      return;
    }
    const gap = prompt.match(BLANK)[0];
    const blank = el("span", filled ? "blank filled" : "blank", filled || "\u00a0");
    node.append(prompt.slice(0, at), blank, prompt.slice(at + gap.length));
  }

  // The right answer as a reveal says it, as every screen does (reveal.js).
  const answerText = globalThis.quizReveal.answerText;  // reveal.js
  // For its test (tests/e2e/test_web_player_answer_key.py): nothing else reads it.
  globalThis.quizPlayText = Object.freeze({ answerText });

  // --- the spoken word (sound.js): a listening question's audio, the word at the reveal ---
  // A phone refuses sound until the page is touched (autoplay policy): the question's
  // Play button is always in view, and a hint says to tap it when the phone held it back.
  const sound = globalThis.quizSound;
  const speaker = sound.player($("audio"), (blocked) => show($("sound-hint"), blocked));
  let heardFor = "";  // the question (index and audio) whose sound played when it opened

  function renderSound(state, q, reveal) {
    const heard = sound.address(q.audio);
    show($("sound"), !!heard && !reveal);
    $("sound-play").dataset.src = heard;
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

  function renderQuestion(state) {
    const q = state.question;
    const kind = typeof q.kind === "string" ? q.kind : "choice";
    const panel = $("question");
    if (panel.dataset.kind !== kind) panel.dataset.kind = kind;
    const reveal = state.phase === "reveal" && isObj(state.reveal) &&
      state.reveal.index === q.index ? state.reveal : null;
    setText($("q-number"), `Question ${q.index + 1} of ${q.count}`);
    setText($("q-kind"), KIND_LABELS[kind] || "");
    setText($("q-pos"), q.pos || "");
    renderPrompt(String(q.prompt), kind === "cloze" && reveal ? reveal.term : null);
    const open = openQuestion();
    const closed = !open || answered(q.index);
    const given = kept.picks[q.index];
    const choices = Array.isArray(q.choices) ? q.choices : [];
    const typed = TYPED_KINDS.has(kind);
    show($("choices"), !typed);
    $("choices").querySelectorAll(".choice").forEach((button, i) => {
      show(button.parentElement, i < choices.length);
      setText(button.querySelector(".term"), i < choices.length ? choices[i] : "");
      button.disabled = closed;
      button.classList.toggle("chosen", given === i);
      button.classList.toggle("correct", !!reveal && reveal.correct === i);
      button.classList.toggle("wrong", !!reveal && given === i && reveal.correct !== i);
    });
    const form = $("typed");
    const box = $("typed-text");
    show(form, typed);
    if (typedFor !== q.index) {
      typedFor = q.index;
      box.value = typeof given === "string" ? given : "";
    }
    box.disabled = !typed || closed;
    $("typed-send").disabled = box.disabled;
    renderResult(state, reveal);
    const answerLine = $("answer-line");
    show(answerLine, !!reveal);
    if (reveal) setText(answerLine, `The answer: ${answerText(q, reveal)}`);
    renderSound(state, q, reveal);
    renderBoard(!!reveal && !calm());
    tick();
  }

  function renderResult(state, reveal) {
    const q = state.question.index;
    const status = view.status;
    const node = $("result");
    let verdict = "";
    let text;
    if (status && status.kicked) {
      text = "You were removed from the quiz by the host.";
    } else if (status && isObj(status.last) && status.last.q === q) {
      const picked = kept.picks[q];
      [verdict, text] = verdictText(status.last, calm() ? 0 : status.streak,
        typeof picked === "string" ? picked : "");
      if (!calm()) {
        const rank = ownRank();
        if (rank > 0) text += ` · you are ${ordinal(rank)} of ${playerCount()}`;
      }
    } else if (notice && q in kept.picks) {
      text = notice;
    } else if (state.paused === true && state.phase === "question") {
      text = notice || "The host paused the question: answer when it resumes.";
    } else if (reveal) {
      text = "You did not answer this one.";
    } else {
      text = TYPED_KINDS.has(state.question.kind) ? "Type the word, then Send."
        : "Tap your answer.";
    }
    setText(node, text);
    if (node.dataset.verdict !== verdict) node.dataset.verdict = verdict;
  }

  function boardRow(rank, name, score, me) {
    const item = el("li", me ? "row me" : "row");
    item.append(el("span", "rank", rank), el("span", "name", name), el("span", "score", score));
    return item;
  }

  function renderBoard(visible) {
    show($("standings"), visible && !!view.board);
    if (!visible || !view.board) return;
    const top = view.board.top.slice(0, BOARD_ROWS);
    const rows = top.map((s) => boardRow(s.rank, s.name, s.score, s.player === kept.player));
    const rank = ownRank();
    if (!top.some((s) => s.player === kept.player) && rank > 0 && view.status) {
      rows.push(boardRow(rank, kept.name, view.status.score, true));
    }
    $("rows").replaceChildren(...rows);
  }

  function renderEnd() {
    const status = view.status;
    const score = status ? status.score : 0;
    const words = view.words ? view.words.words : null;
    if (status && status.kicked) {
      setText($("place"), "You were removed from the quiz by the host.");
    } else if (calm()) {
      const right = status && Array.isArray(status.right) ? status.right.length : 0;
      setText($("place"), `You finished with ${score} points: ${right}${words ? ` of ${words.length}` : ""} right.`);
    } else {
      const rank = ownRank();
      setText($("place"), rank > 0 ? `You finished ${ordinal(rank)} of ${playerCount()} with ${score} points.`
        : `You are not in the standings (score ${score}).`);
    }
    const podium = $("podium");
    show(podium, !calm());
    if (!calm() && view.board) {
      podium.replaceChildren(...view.board.top.filter((s) => s.score > 0 && s.rank <= 3)
        .slice(0, 3).map((s) => boardRow(ordinal(s.rank), s.name, `${s.score} points`,
          s.player === kept.player)));
    }
    const list = $("review");
    const none = $("review-none");
    if (!words || !status) {
      setText(none, "Coming…");
      show(none, true);
      list.replaceChildren();
      return;
    }
    const right = new Set(Array.isArray(status.right) ? status.right : []);
    const missed = words.filter((w) => !right.has(w.q));
    setText($("review-title"), missed.length
      ? `Your words to review (${missed.length} of ${words.length})` : "Your words to review");
    setText(none, "You got every word right: nothing to review.");
    show(none, missed.length === 0);
    list.replaceChildren(...missed.map((w) => {
      const item = el("li", "word");
      item.dataset.q = String(w.q);
      const head = el("p", "head");
      head.append(el("span", "term", w.term));
      if (w.pos) head.append(el("span", "pos", ` (${w.pos})`));
      if (typeof w.ipa === "string" && w.ipa) head.append(el("span", "ipa", ` /${w.ipa}/`));
      item.append(head, el("p", "definition", w.definition));
      if (w.example) item.append(el("p", "example", `e.g. ${w.example}`));
      return item;
    }));
  }

  function tick() {
    if (view.state && view.state.phase === "open") renderNext();
    const state = view.state && view.state.phase === "open" && view.own ? ownState() : view.state;
    const q = state && isObj(state.question) ? state.question : null;
    if (!q || state.phase !== "question") {
      setText($("q-time"), state && state.phase === "reveal" ? "revealed" : "");
      $("q-bar").style.transform = "scaleX(0)";
      return;
    }
    const total = Math.max(0.001, q.deadline - q.opened_at);
    // paused: the clock stands still with the time the scorer says is left (revision 5)
    const paused = state.paused === true;
    const left = paused ? Math.max(0, Number(state.remaining) || 0)
      : Math.max(0, q.deadline - scorerNow());
    setText($("q-time"), paused ? `⏸ paused, ${Math.ceil(left)} s left`
      : left > 0 ? `${Math.ceil(left)} s` : "time's up");
    $("q-bar").style.transform = `scaleX(${Math.min(1, left / total)})`;
    $("question").classList.toggle("hurry", left > 0 && left <= 5);
  }

  // --- a self-paced quiz (homework) ----------------------------------------------------------
  // After a verdict the next question opens by itself after this long (tui/selfpaced.py).
  const NEXT_PAUSE_MS = 5000;
  let openReq = null;  // the `open` request waiting for its reply
  let opening = -1;    // the question it asks for
  let movingOn = -1;   // the question whose verdict moves on by itself

  // Where the player is, from their retained status (client/homework.py's step).
  function homeworkStep() {
    const state = view.state;
    const status = view.status;
    if (!state || state.phase !== "open" || !status || status.kicked) return null;
    const count = state.settings.questions;
    const next = Number.isInteger(status.next) ? status.next : -1;
    const opened = Number.isInteger(status.opened) ? status.opened : -1;
    if (next >= count) return { step: "done" };
    if (opened < 0) return { step: "ready" };
    return { step: next === opened ? "answering" : "answered", q: opened };
  }

  const localTime = (seconds) => {
    const d = new Date(seconds * 1000);
    const two = (n) => String(n).padStart(2, "0");
    return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ` +
      `${two(d.getHours())}:${two(d.getMinutes())}`;
  };
  const questions = (n) => (n === 1 ? "1 question" : `${n} questions`);
  const ownState = () => ({ ...view.state, phase: "question", question: view.own,
    paused: false });
  const timeUp = () => !!view.own && scorerNow() >= view.own.deadline;

  function askFor(q) {
    if (opening === q && openReq) return;  // asked; its reply is on the way
    openReq = randomHex(8);
    opening = q;
    const sig = QuizHmac.signOpen(kept.secret, code, kept.player, q);
    if (!publish(slot(config.answer), { req: openReq, q, open: true, sig })) {
      openReq = null;  // offline: asked again once the connection is back
      opening = -1;
    }
  }

  function onOpened(reply) {
    openReq = null;
    opening = -1;
    if (reply.ok && isObj(reply.question)) {
      view.own = reply.question;
      notice = "";
    } else if (reply.reason !== "finished") {  // at the deadline the finished state follows
      notice = `✗ ${reply.error || "refused"}`;
    }
    render();
  }

  function moveOn() {
    const at = homeworkStep();
    if (!at) return;
    if (at.step === "ready") askFor(0);
    else if (at.step === "answered") askFor(at.q + 1);
    else if (at.step === "answering" && timeUp() && at.q + 1 < view.state.settings.questions) {
      askFor(at.q + 1);  // leaves this one unanswered for good
    }
  }

  function homeworkView(text, go, verdict) {
    showView("homework");
    setText($("hw-code"), code);
    setText($("hw-text"), text);
    setText($("hw-go"), go || "");
    show($("hw-go"), !!go);
    show($("hw-verdict"), !!verdict);
    setText($("hw-verdict"), verdict || "");
  }

  function renderHomework() {
    const settings = view.state.settings;
    const at = homeworkStep();
    const until = localTime(settings.until);
    if (!at) {
      homeworkView(view.status && view.status.kicked
        ? "You were removed from the quiz by the host." : "Coming…");
      return;
    }
    const shown = view.own && view.own.index === at.q;
    if (at.step === "ready") {
      homeworkView(`${questions(settings.questions)}, ${Math.floor(settings.seconds)} s each, ` +
        `open until ${until}. Each question's clock starts when you open it.`,
        "Open question 1");
    } else if (at.step === "done") {
      const last = view.status.last;
      const said = isObj(last) ? `Question ${last.q + 1}: ` +
        verdictText(last, calm() ? 0 : view.status.streak, "")[1] : "";
      homeworkView(`Done: you answered all ${questions(settings.questions)}. ` +
        `Results when the quiz closes at ${until}.`, "", said);
    } else if (at.step === "answering" && !shown) {
      askFor(at.q);  // opened before: the same question, on its first clock
      homeworkView("Opening your question…");
    } else if (at.step === "answered" && !shown) {  // came back after a verdict
      homeworkView(`Question ${at.q + 1} is answered.`, `Next: question ${at.q + 2}`);
    } else {
      showView("question");
      renderQuestion(ownState());
    }
    if (at.step === "answered" && movingOn !== at.q) {
      movingOn = at.q;
      setTimeout(() => {
        const now = homeworkStep();
        if (now && now.step === "answered" && now.q === at.q) askFor(at.q + 1);
      }, NEXT_PAUSE_MS);
    }
    renderNext();
  }

  // Under the player's question: how the next one opens (after the verdict, or when its
  // clock ran out unanswered).
  function renderNext() {
    const at = homeworkStep();
    const own = view.own;
    const count = view.state.settings.questions;
    const here = !!at && !!own && own.index === at.q && at.q + 1 < count &&
      (at.step === "answered" || (at.step === "answering" && timeUp()));
    show($("hw-next"), here);
    show($("hw-next-line"), here);
    if (!here) return;
    setText($("hw-next"), `Next: question ${at.q + 2}`);
    setText($("hw-next-line"), at.step === "answered"
      ? `Question ${at.q + 2} opens by itself in ${NEXT_PAUSE_MS / 1000} s.`
      : "Time is up: an answer now scores 0 points.");
  }

  // --- connecting ----------------------------------------------------------------------------
  let kindOf = {};  // topic filter -> message kind, with the page's ids filled in
  function connect() {
    rekey();
    const ws = config.ws;
    const host = ws.host || location.hostname;
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const url = `${scheme}://${host.includes(":") ? `[${host}]` : host}:${ws.port}${ws.path}`;
    setConnection("connecting", "Connecting to the quiz…");
    client = window.mqtt.connect(url, {
      protocolVersion: 4, clean: true, clientId, reconnectPeriod: RECONNECT_MS,
      connectTimeout: 5000, keepalive: 30, resubscribe: false,
      // plain timers: the default runs them in a worker made from a blob, which the page's
      // Content-Security-Policy (script-src 'self') refuses
      timerVariant: "native",
    });
    client.on("connect", () => {
      setConnection("connected", "");
      // a clean session each time: subscribe again (the retained views come back), then
      // send what waits (the join, or the kept answers)
      followPlayer();
    });
    const lost = () => setConnection("reconnecting", kept && Object.keys(kept.pending).length
      ? "Connection lost: reconnecting… your answer is kept." : "Connection lost: reconnecting…");
    client.on("reconnect", lost);
    client.on("offline", lost);
    client.on("close", lost);
    client.on("error", (err) => console.warn("mqtt", err && err.message));
    client.on("message", onMessage);
  }

  // The player's topics, keyed again once the player id is known.
  function rekey() {
    kindOf = {};
    for (const [filter, kind] of Object.entries(config.follows)) kindOf[slot(filter)] = kind;
    for (const [filter, kind] of Object.entries(config.words)) kindOf[filter] = kind;
    for (const [filter, kind] of Object.entries(config.everyone)) kindOf[filter] = kind;
  }

  async function loadConfig(asked) {
    let response;
    try {
      response = await fetch(`/player.json?code=${encodeURIComponent(asked)}`,
        { cache: "no-store" });
    } catch (err) {
      return { error: "The quiz's server is unreachable: check the Wi-Fi, then try again." };
    }
    const got = await response.json();
    return response.ok && got.follows ? got : { error: got.error || "Not a quiz code." };
  }

  async function start(asked, name) {
    $("join-button").disabled = true;
    const got = await loadConfig(asked);
    if (got.error) {
      joinError(got.error);
      return;
    }
    config = got;
    code = config.code;
    const path = `/play/${code}`;
    if (location.pathname !== path) history.replaceState(null, "", path);
    document.title = `Quiz ${code}`;
    setText($("lobby-code"), code);
    kept = loadKept(code);
    if (!kept || (name && kept.name.toLowerCase() !== name.toLowerCase())) {
      // the secret is kept before the join goes out: a join applied late is resumed
      kept = { name, secret: randomHex(32), player: null, pending: {}, picks: {} };
      saveKept(code, kept);
    }
    if (client) {
      client.end(true);
      client = null;
    }
    connect();
  }

  function main() {
    setInterval(tick, TICK_MS);
    $("join-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const asked = $("join-code").value.trim().toUpperCase();
      const name = $("join-name").value.trim();
      if (!asked || !name) return;
      show($("join-error"), false);
      start(asked, name);
    });
    $("choices").addEventListener("click", (event) => {
      const button = event.target.closest(".choice");
      const q = openQuestion();
      if (!button || !q || answered(q.index) || button.disabled) return;
      give(q.index, Number(button.dataset.choice));
    });
    for (const id of ["hw-go", "hw-next"]) $(id).addEventListener("click", moveOn);
    for (const id of ["sound-play", "say-hear"]) {
      $(id).addEventListener("click", () => speaker.play($(id).dataset.src));
    }
    $("typed").addEventListener("submit", (event) => {
      event.preventDefault();
      const q = openQuestion();
      const text = $("typed-text").value.trim().slice(0, MAX_TYPED);
      if (!q || !TYPED_KINDS.has(q.kind) || answered(q.index) || !text) return;
      give(q.index, text);
    });
    const asked = decodeURIComponent(location.pathname.replace(/^\/play\/?|\/+$/g, ""))
      .toUpperCase();
    $("join-code").value = asked;
    const resumable = asked ? loadKept(asked) : null;
    if (resumable) {
      $("join-name").value = resumable.name;
      start(asked, "");
    } else {
      showView("join");
      (asked ? $("join-name") : $("join-code")).focus();
    }
  }

  main();
})();
