"""Text for people: pure formatting of what the scorer publishes.

Names and deck words are other people's text: they go through `printable`, so nothing
printed carries a control character a terminal would obey (ESC, a carriage return, bidi
overrides), and tables are aligned in terminal cells, so wide characters line up.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import msgspec
from rich.console import Console

from client import deadline
from client.counts import Folded
from client.listening import audio_url
from client.reveal import revealed_answer
from client.standings import Everyone, PageCleared
from client.text import fit, name_column, plural, printable, standings_lines
from protocol.address import DEFAULT_URL, BrokerAddress, Brokers, broker_url
from protocol.messages import (
    LISTENING_KINDS,
    TYPED_KINDS,
    Counts,
    Leaderboard,
    PlayerStatus,
    QuestionView,
    ScorerStatus,
    Standing,
    StandingsPage,
    State,
)

# After the quiz finishes, `quiz watch` reads this long more before it exits: the final
# leaderboard and standings pages (refreshed at most once a second) follow the state.
WATCH_FINISH_SECONDS = 1.5
# What `quiz watch` says once when its link is lost (each attempt goes to the log).
RECONNECTING = "connection lost: reconnecting…"


def server_ready(public: BrokerAddress, broker: str, db: Path,
                 installed: Path | None = None) -> str:
    """What `quiz serve` prints once the scorer is online: the next steps, in their order.

    Players and displays connect with no account (the URL without a user); on Mosquitto
    or a running broker, hosts log in with a host account of their own, never the
    scorer's (`public` may name the scorer's user). Players join before the host starts
    the quiz. `installed`: the `quiz` of a virtualenv, which a new terminal does not find
    on its PATH until the virtualenv is activated.
    """
    where = {"embedded": "embedded broker", "mosquitto": "Mosquitto"}.get(broker, "broker")
    anyone = BrokerAddress(public.host, public.port)
    # the nodes of a cluster (`--broker URL,URL,...`): clients get them all, to fail over
    nodes = [BrokerAddress(a.host, a.port) for a in Brokers.parse(broker).addresses] \
        if "," in broker else [anyone]
    listed = ",".join(str(node) for node in nodes)
    flag = "" if listed == DEFAULT_URL else f" --broker {listed}"
    lines = [f"quiz scorer online; {where} at {anyone}; answers stored in {db}",
             "next, in another terminal:"]
    join = f"  quiz join CODE --name alice{flag}"
    watch = f"  quiz watch CODE{flag}"
    if broker == "embedded":
        lines += [f"{f'  quiz create --deck everyday{flag}':<40}# prints the quiz CODE",
                  f"{join:<40}# each player, in a terminal of their own",
                  f"{watch:<40}# the live board",
                  f"{f'  quiz start CODE{flag}':<40}# once the players have joined"]
    else:
        account = ("  quiz accounts teacher --role host   # once; Mosquitto rereads it at once"
                   if broker == "mosquitto" else
                   "  # a host account on the cluster: `quiz cluster accounts teacher --role "
                   "host` (nodes read it when they start)"
                   if broker == "nats" or len(nodes) > 1 else
                   "  # a host account on that broker: `quiz accounts teacher --role host` "
                   "(README, Production)")
        host = ",".join(broker_url(node.host, node.port, "teacher", "PASSWORD") for node in nodes)
        lines += [account, "  # the host's terminal:",
                  f"  export QUIZ_BROKER={host}",
                  "  quiz create --deck everyday          # prints the quiz CODE",
                  "  # players and displays, with no account:", join, watch,
                  "  # the host, once the players have joined:",
                  "  quiz start CODE"]
    if installed is not None:
        lines += [f"a new terminal: `source {installed.parent / 'activate'}` first, "
                  f"or type {installed}"]
    lines += ["or, for a live demo with simulated players: quiz demo (make demo)",
              "Ctrl-C stops."]
    return "\n".join(lines)


def board_ready(url: str, live: list[str], wheel: str | None = None) -> str:
    """What `quiz serve` prints for the web: the player page, the install line, the board.

    `url` is an address other machines can use (never 0.0.0.0: web/join.py); `wheel`, the
    file name of the project's wheel the server hands out (None: it cannot build one). The
    board's line comes last: scripts wait for it.
    """
    lines = [f"players on phones: {url}play (or the QR code on the board)"]
    if wheel is not None:
        lines += [f"players in a terminal install quiz with: pip install {url}wheels/{wheel}"]
    lines += [f"classroom board in a browser: {url}CODE (or open {url} and type the code)"]
    lines += [f"  quiz {code}: {url}{code}  players: {url}play/{code}" for code in live]
    return "\n".join(lines)


def created(code: str, token: str, broker: str, players: str = DEFAULT_URL,
            until: float = 0.0) -> str:
    """What `quiz create` prints; `players`: the broker players use, with no account.

    Players' commands take the default broker when given none: on any other, the join
    line names it, as players must type it. A self-paced quiz (`until`) needs no start.
    """
    flag = "" if players == DEFAULT_URL else f" --broker {players}"
    if until:
        return (f"quiz {code} created on {broker}: self-paced, open until "
                f"{deadline.shown(until)}\n"
                f"host token: {token} (kept in your credentials file)\n"
                f"players do it any time until then with: quiz play {code} --name NAME{flag} "
                f"(or quiz join, then quiz answer {code} --open)\n"
                f"follow their progress with: quiz watch {code}; "
                f"the results once it closes: quiz results {code}")
    return (f"quiz {code} created on {broker}\n"
            f"host token: {token} (kept in your credentials file)\n"
            f"players join with: quiz play {code} --name NAME{flag}\n"
            f"once they have joined, start it with: quiz start {code}")


def joined(code: str, name: str, player: str, score: int, resumed: bool) -> str:
    """What `quiz join` prints."""
    verb = "resumed" if resumed else "joined"
    return printable(f"{name} {verb} quiz {code} as player {player} (score {score})")


def listen_line(board: str, address: str) -> str:
    """Where a listening question's word is heard: its address on the web board `board`."""
    url = audio_url(board, address) if board else None
    return f"listen: {url}" if url else "listen to the board"


def state_line(state: State, board: str = "") -> str:
    """One line describing a quiz's phase; `board`: the web board, where words are heard."""
    if state.phase in ("lobby", "finished", "open"):
        return _without_question(state)
    q = state.question
    assert q is not None  # noqa: S101 - question and reveal phases carry the question
    head = f"quiz {state.quiz}: question {q.index + 1}/{q.count}"
    if state.paused:  # the clock stands still until the host resumes
        head += f" (paused, {math.ceil(state.remaining)} s left)" \
            if state.phase == "question" else " (paused)"
    if state.phase == "reveal" and state.reveal is not None:
        # the word and its IPA; for reverse, its meaning too
        answer = revealed_answer(q, state.reveal, ipa=True)
        if q.kind in TYPED_KINDS and len(state.reveal.distribution) == 3:
            right, near, wrong = state.reveal.distribution
            return printable(f"{head} revealed: {answer} ({right} right, "
                             f"{near} near, {wrong} wrong)")
        return printable(f"{head} revealed: {answer} ({state.answered} answered in time)")
    typing = f"type the word: quiz answer {state.quiz} --text WORD"
    ask = {"reverse": "what does it mean?", "cloze": "which word fits?", "typed": typing,
           "listen": typing, "listen-choice": "which word did you hear?"}.get(q.kind)
    prompt = printable(f"{head} ({q.pos}): {q.prompt}")
    if q.kind in LISTENING_KINDS:
        prompt += "\n  " + listen_line(board, q.audio)
    if q.kind in TYPED_KINDS:
        return f"{prompt}\n  {ask}"
    # definitions are long: one per line; words fit on one
    joiner = "\n  " if q.kind == "reverse" else "  "
    choices = joiner.join(printable(f"{i + 1}) {c}") for i, c in enumerate(q.choices))
    return f"{prompt}" + (f"\n  {ask}" if ask else "") + f"\n  {choices}"


def _without_question(state: State) -> str:
    """The line of a phase with no question on screen."""
    if state.phase == "lobby":
        return f"quiz {state.quiz}: lobby, {plural(state.players, 'player')}"
    if state.phase == "open":  # who joined and how far they got: the progress line
        return f"quiz {state.quiz}: self-paced, open until {deadline.shown(state.settings.until)}"
    return f"quiz {state.quiz}: finished"


def own_question(code: str, q: QuestionView, board: str = "") -> str:
    """What `quiz answer --open` prints: a self-paced quiz's question, and how to answer it."""
    head = printable(f"quiz {code}: question {q.index + 1}/{q.count} ({q.pos}): {q.prompt}")
    if q.kind in LISTENING_KINDS:
        head += "\n  " + listen_line(board, q.audio)
    seconds = max(0, math.floor(q.deadline - q.opened_at))
    if q.kind in TYPED_KINDS:
        how = f"type the word: quiz answer {code} --text WORD"
    else:
        how = f"quiz answer {code} --choice N"
        head += "\n" + "\n".join(printable(f"  {i}) {choice}")
                                  for i, choice in enumerate(q.choices, start=1))
    return f"{head}\n{seconds} s from its opening at {deadline.shown(q.opened_at)}: {how}"


def progress_line(state: State, counts: Counts) -> str:
    """A self-paced quiz's progress: who started, who answered every question."""
    return (f"quiz {state.quiz}: {counts.started} of {plural(counts.players, 'player')} "
            f"started, {counts.done} finished (answered every question)")


def back(outage: float) -> str:
    """What `quiz watch` says once the link that was lost for `outage` seconds is back."""
    return f"back after {outage:.0f} s"


class LinkNotices:
    """What `quiz watch` says of its link: once when it is lost, once when it is back."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lost_at: float | None = None

    def lost(self) -> str | None:
        """A failed attempt: the notice if it is the outage's first, else nothing."""
        if self._lost_at is not None:
            return None
        self._lost_at = self._clock()
        return RECONNECTING

    def connected(self) -> str | None:
        """A connection: the notice if it ends an outage, else nothing."""
        if self._lost_at is None:
            return None
        outage, self._lost_at = self._clock() - self._lost_at, None
        return back(outage)


def numbered(message: object) -> dict[str, Any]:
    """A wire message for --json, with its questions also counted from 1, as people count.

    The wire counts questions from 0 (`index`, `q`) and --json keeps those fields as they
    are; a state's question gains `number` (index + 1) and a player's status `question`
    (its last answer's q + 1), as `quiz results` and `quiz review` number them.
    """
    data: dict[str, Any] = msgspec.to_builtins(message)
    if isinstance(message, State) and message.question is not None:
        data["question"]["number"] = message.question.index + 1
    if isinstance(message, QuestionView):
        data["number"] = message.index + 1
    if isinstance(message, PlayerStatus) and message.last is not None:
        data["question"] = message.last.q + 1
    return data


def find_player(standings: Sequence[Standing], who: str) -> Standing | None:
    """The player `quiz kick` names, as the scorer finds them: by name first, then by id."""
    for standing in standings:
        if standing.name.casefold() == who.casefold():
            return standing
    return next((standing for standing in standings if standing.player == who), None)


def kicked(code: str, who: str, removed: Standing | None, players: int) -> str:
    """What `quiz kick` prints: who was removed, and how many players are left."""
    if removed is None:
        return printable(f"{who} was already removed from quiz {code}")
    return printable(f"removed {removed.name} (player {removed.player}) from quiz {code}; "
                     f"{plural(players, 'player')} left")


def answered(status: PlayerStatus, typed: str | None = None) -> str:
    """What `quiz answer` prints; `typed`: the text this command sent, if any."""
    last = status.last
    assert last is not None  # noqa: S101 - printed only once the answer is scored
    verdict = "late" if last.late else ("correct" if last.correct else "wrong")
    if last.typo and not last.late:
        if not last.expected:  # the spelling comes with the question's reveal
            verdict = (f"accepted: {typed}, a near miss (the spelling comes with the reveal)"
                       if typed else "accepted, a near miss")
        else:
            verdict = (f"accepted: {typed} \N{RIGHTWARDS ARROW} {last.expected}" if typed
                       else f"accepted, spelled {last.expected}")
    rank = f", rank {status.rank}" if status.rank else ""  # no rank in a calm quiz
    return printable(f"{verdict}: +{last.points} points; score {status.score}{rank}"
                     + (f", streak {status.streak}" if status.streak > 1 else ""))


def board(leaderboard: Leaderboard) -> str:
    """The leaderboard as a small table."""
    lines = [printable(f"leaderboard {leaderboard.quiz} (#{leaderboard.seq}, "
                       f"{plural(leaderboard.players, 'player')})")]
    names = [printable(s.name) for s in leaderboard.top]
    width = name_column(names)
    lines += [f"{s.rank:>4}. {fit(name, width)}  {s.score:>6}"
              for s, name in zip(leaderboard.top, names, strict=True)]
    return "\n".join(lines)


def update(message: State | Leaderboard | ScorerStatus) -> str:
    """Any update `quiz watch` prints."""
    if isinstance(message, Leaderboard):
        return board(message)
    if isinstance(message, ScorerStatus):
        return printable(f"scorer {message.status}")
    return state_line(message)


def answered_line(state: State) -> str:
    """How many answered the open question, of how many players."""
    return f"quiz {state.quiz}: {state.answered} of {plural(state.players, 'player')} answered"


def standings_page(page: StandingsPage) -> str:
    """One page of everyone's standings (`quiz watch --all`)."""
    head = (f"standings {page.quiz}, page {page.page} of {page.pages} "
            f"({plural(page.players, 'player')})")
    return "\n".join([printable(head), *standings_lines(page.rows)])


WatchUpdate = State | Leaderboard | ScorerStatus | Counts | StandingsPage | PageCleared


class WatchPrinter:
    """What `quiz watch` prints of each update: only what changed since it last printed.

    The scorer republishes views that did not change for people (its status, a
    leaderboard whose order and scores are the same); each is compared with the last one
    printed, on what a reader sees, and printed only when it differs. The live counts
    are folded into the state, as the screens show them.
    """

    def __init__(self, *, as_json: bool, everyone: bool = False, board: str = "") -> None:
        self.as_json = as_json
        self.everyone = everyone
        self.board = board  # the web board, where a listening question's word is heard
        self.finished = False  # a finished state was seen
        self.boards = 0  # leaderboards printed
        self._shown: dict[object, object] = {}  # what was printed last, by kind (and page)
        self._board_seq = -1
        self._folded = Folded()
        self._counted = False  # counts came: a self-paced quiz's progress is known
        self._pages = Everyone()

    def show(self, message: WatchUpdate) -> str | None:
        """The text (or JSON line) to print for `message`, or None when nothing changed."""
        if isinstance(message, State | Counts):
            self._counted = self._counted or isinstance(message, Counts)
            state = self._folded.merge(message)
            return self._state(state) if isinstance(state, State) else None
        if isinstance(message, ScorerStatus):
            return self._printed("scorer", message.status, message, f"scorer {message.status}")
        if isinstance(message, Leaderboard):
            self._folded.merge(message)  # its live counts, for the next state printed
            # a self-paced quiz's state stays as it was created: its board counts who joined
            progress = self._progress()
            if message.seq < self._board_seq:
                return progress  # an older board overtaken on the way: never go back
            self._board_seq = message.seq
            text = self._printed("leaderboard", (message.players, message.top), message,
                                 board(message))
            self.boards += text is not None
            return "\n".join(line for line in (progress, text) if line is not None) or None
        return self._page(message)

    def _page(self, message: StandingsPage | PageCleared) -> str | None:
        if isinstance(message, PageCleared):  # the standings shrank: nothing to print
            self._pages.clear(message.page)
            self._shown.pop(("standings", message.page), None)
            return None
        if not self.everyone or not self._pages.take(message):
            return None
        return self._printed(("standings", message.page),
                             (message.pages, message.players, message.rows), message,
                             standings_page(message))

    def _state(self, state: State) -> str | None:
        self.finished = self.finished or state.phase == "finished"
        if self.as_json:
            seen = msgspec.structs.replace(state, seq=0, updated_at=0.0)
            return self._printed("state", seen, state, "")
        lines = [line for line in (
            self._printed("state", state_line(state, self.board), state,
                          state_line(state, self.board)),
            self._progress(),
            self._printed("answered", (state.question.index, state.answered, state.players),
                          state, answered_line(state))
            if state.phase == "question" and state.question is not None and state.answered
            else None) if line is not None]
        return "\n".join(lines) or None

    def _progress(self) -> str | None:
        """A self-paced quiz's progress line, when it changed (text only: JSON has the counts)."""
        state, counts = self._folded.state, self._folded.counts
        if self.as_json or not self._counted or state is None or counts is None \
                or state.phase != "open" \
                or counts.quiz != state.quiz:
            return None
        return self._printed("progress", (counts.started, counts.done, counts.players), state,
                             progress_line(state, counts))

    def _printed(self, key: object, seen: object, message: WatchUpdate, text: str) -> str | None:
        """`text` (or `message` as JSON) when `seen` differs from what was printed for `key`."""
        if self._shown.get(key) == seen:
            return None
        self._shown[key] = seen
        if not self.as_json:
            return text
        kinds: dict[type, str] = {Leaderboard: "leaderboard", State: "state",
                                  ScorerStatus: "scorer", StandingsPage: "standings"}
        return json.dumps({"type": kinds[type(message)], **numbered(message)})


def stderr_console() -> Console:
    """Where progress bars go, so stdout stays clean for --json."""
    return Console(stderr=True)


def bench(result: dict[str, Any]) -> str:
    """A bench result for people."""
    own, board = result["own_result_ms"], result["leaderboard_ms"]
    lines = [
        f"{result['players']} players in {result['quizzes']} quizzes on {result['broker']}"
        f"{' over WebSockets' if result.get('transport') == 'websockets' else ''}, "
        f"answers spread over {result['spread_seconds']} s"
        f"{', typed answers' if result.get('question') == 'typed' else ''}",
        f"  scored answers/s: {result['answers_scored_per_second']}"
        + (f" (echo baseline {result['echo_baseline_per_second']}/s, ratio "
           f"{result.get('ratio_to_echo')})" if "echo_baseline_per_second" in result else ""),
        f"  own result ms:  p50 {own['p50']}  p95 {own['p95']}  p99 {own['p99']}  "
        f"max {own['max']}",
        f"  leaderboard ms: p50 {board['p50']}  p95 {board['p95']}  p99 {board['p99']}  "
        f"max {board['max']}",
        f"  lost {result['lost']}, counted twice {result['counted_twice']} "
        f"(stored {result['stored_answers']} of {result['answers_sent']})",
        f"  scorer CPU {result['scorer_cpu_seconds']} s "
        f"({result['scorer_cpu_percent_of_window']}% of the answer window), "
        f"load generator CPU {result['loadgen_cpu_seconds']} s"
        + (f", broker CPU {result['broker_cpu_seconds']} s"
           if result.get("broker_cpu_seconds") is not None else ""),
        f"  scorer memory: idle {result['scorer_rss_idle_kib']} KiB, joined "
        f"{result['scorer_rss_joined_kib']} KiB, peak {result['scorer_rss_peak_kib']} KiB "
        f"({result['scorer_bytes_per_player']} B per player)",
    ]
    return "\n".join(lines)


def deck_line(name: str, words: int, levels: dict[str, int]) -> str:
    """One built-in deck in `quiz decks`: its size and its words per CEFR level."""
    by_level = ", ".join(f"{level} {count}" for level, count in levels.items())
    return f"{name}\t{plural(words, 'word')}" + (f" ({by_level})" if by_level else "")
