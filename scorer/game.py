"""One live quiz: joining, question flow and answers, as plain synchronous code.

`Quiz` holds the state of a quiz in memory and applies requests to it. It never
touches the network, the disk or the clock: the caller passes `now` in and
persists and publishes what the methods return. A restart rebuilds the same
state by replaying the stored players and answers (`restore_player`,
`restore_answer`).
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field

import msgspec

from protocol import auth
from protocol.answerkey import AnswerKey
from protocol.errors import RefusalError
from protocol.messages import (
    REVEAL_SECONDS,
    TYPED_KINDS,
    AnswerRecord,
    Phase,
    QuestionView,
    Reason,
    Results,
    Settings,
    Standing,
)
from scorer import spelling
from scorer.questions import Question
from scorer.ranking import Ranking
from scorer.rules import Rules, score_answer

# A quiz past this many players refuses joins: it bounds the scorer's memory per quiz.
MAX_PLAYERS = 50_000



class Refused(RefusalError):  # noqa: N818 - a refusal is an outcome of the game, not a fault
    """A request the rules do not allow; nothing changed."""

    def __init__(self, reason: Reason, message: str) -> None:
        super().__init__(message)
        self.reason: Reason = reason


# How a typed question's answers are counted at the reveal, in this order.
TYPED_BUCKETS = ("right", "near", "wrong")


def played(settings: Settings) -> Settings:
    """The settings a quiz is played by: a calm one has no speed points and no streak.

    The one place calm mode turns them off (docs/protocol.md, CreateQuiz and State: a calm
    quiz's settings say `speed_bonus` and `streak` false); every `Quiz` applies it.
    """
    if not settings.calm:
        return settings
    return msgspec.structs.replace(settings, speed_bonus=False, streak=False)


def _verdict(question: Question, given: int | str) -> spelling.Verdict:
    """Judge an answer of the right form for the question; refuse any other."""
    if question.kind in TYPED_KINDS:
        if not isinstance(given, str):
            raise Refused("bad_choice", "this question takes a typed answer, not a choice")
        return spelling.judge(given, question.word, question.near, question.accept)
    if not isinstance(given, int):
        raise Refused("bad_choice", "this question takes a choice, not a typed answer")
    if not 0 <= given < len(question.choices):
        raise Refused("bad_choice", f"choice {given + 1} does not exist")
    return "right" if given == question.correct else "wrong"


def _bucket(record: AnswerRecord) -> int:
    """Where an answer counts in the reveal's distribution."""
    if record.choice >= 0:
        return record.choice
    return TYPED_BUCKETS.index("near" if record.typo else "right" if record.correct else "wrong")


@dataclass(slots=True)
class Player:
    """A participant of one quiz."""

    id: str
    name: str
    secret: str
    joined_seq: int
    score: int = 0
    streak: int = 0
    last_correct_q: int = -1
    reached: int = 0
    answered: int = 0
    kicked: bool = False
    last: AnswerRecord | None = None
    last_seq: int = 0
    # questions answered right, in time and spelled right: the rest are the words to review
    right: list[int] = field(default_factory=list)
    # A self-paced quiz: the last question this player opened, and when (its own clock).
    opened_q: int = -1
    opened_at: float = 0.0


@dataclass(frozen=True, slots=True)
class Scored:
    """An accepted answer: what to store, and when it arrived."""

    record: AnswerRecord
    arrived_at: float
    seq: int


@dataclass(frozen=True, slots=True)
class Opened:
    """A self-paced question opened for one player (or opened again: `new` is False)."""

    player: Player
    q: int
    opened_at: float
    new: bool


@dataclass(frozen=True, slots=True)
class Transition:
    """The quiz moved to another phase (to persist and announce)."""

    phase: Phase
    index: int


@dataclass
class Quiz:
    """A quiz in memory: the aggregate every request is applied to."""

    code: str
    settings: Settings
    questions: list[Question]
    host_key: str
    created_at: float
    phase: Phase = "lobby"
    index: int = -1
    opened_at: float = 0.0
    deadline: float = 0.0
    revealed_at: float = 0.0
    # When the host paused the question or reveal on screen; None while its clock runs.
    paused_at: float | None = None
    seq: int = 0
    players: dict[str, Player] = field(default_factory=dict)
    _by_name: dict[str, str] = field(default_factory=dict)
    ranking: Ranking = field(default_factory=Ranking)
    _answered: set[tuple[str, int]] = field(default_factory=set)
    distribution: list[int] = field(default_factory=lambda: [0, 0, 0, 0])
    # Per question: answers stored, right (in time, spelled right), near misses accepted.
    tally: dict[int, list[int]] = field(default_factory=dict)
    # Request ids of the host commands applied: a replayed or redelivered one changes nothing.
    applied: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.settings = played(self.settings)

    @property
    def rules(self) -> Rules:
        """The scoring rules chosen at creation (`played`: none of speed or streak if calm)."""
        return Rules(speed_bonus=self.settings.speed_bonus, streak=self.settings.streak)

    @property
    def self_paced(self) -> bool:
        """A homework quiz: open until `settings.until`, each player at their own pace."""
        return self.settings.until > 0

    @property
    def question(self) -> Question | None:
        """The question on screen (open or revealed), if any."""
        if self.phase in ("question", "reveal"):
            return self.questions[self.index]
        return None

    @property
    def paused(self) -> bool:
        """True while the host holds the clock of the question (or reveal) on screen."""
        return self.paused_at is not None

    def remaining(self, now: float) -> float:
        """Seconds left on the open question's clock (frozen while paused); 0 otherwise."""
        if self.phase != "question":
            return 0.0
        return max(0.0, self.deadline - (now if self.paused_at is None else self.paused_at))

    def _next_seq(self) -> int:
        self.seq += 1
        return self.seq

    # --- players ---------------------------------------------------------------------------

    def join(self, player_id: str, name: str, secret: str) -> tuple[Player, bool]:
        """Add a player, or find the same one again; return (player, is_new).

        The name must be clean already (protocol.messages.clean_name).
        """
        existing_id = self._by_name.get(name.casefold())
        if existing_id is not None:
            existing = self.players[existing_id]
            if not hmac.compare_digest(existing.secret, secret):
                raise Refused("name_taken", f"the name {name!r} is taken in this quiz")
            if existing.kicked:
                raise Refused("kicked", "the host removed this player from the quiz")
            return existing, False
        if self.phase == "finished":
            raise Refused("finished", "this quiz has finished")
        if len(self.players) >= MAX_PLAYERS:
            raise Refused("full", f"this quiz is full ({MAX_PLAYERS} players)")
        player = Player(player_id, name, secret, joined_seq=self._next_seq())
        self.restore_player(player)
        return player, True

    def restore_player(self, player: Player) -> None:
        """Put a stored player back (also the last step of a join)."""
        player.reached = player.joined_seq
        self.seq = max(self.seq, player.joined_seq)
        self.players[player.id] = player
        self._by_name[player.name.casefold()] = player.id
        if not player.kicked:
            self.ranking.set(player.id, player.score, player.reached)

    def kick(self, who: str) -> Player:
        """Remove a player (by id or name) from the ranking; refuse their answers from now on.

        Not a ban: the player may join again under another name. Refused once the quiz has
        finished: its standings and words are its record.
        """
        # names first: a player cannot get someone else kicked by taking their id as a name
        player = self.players.get(self._by_name.get(who.casefold(), "")) or self.players.get(who)
        if player is None:
            raise Refused("unknown_player", f"no player {who!r} in this quiz")
        if self.phase == "finished":  # a finished quiz is a record: its ranks and words stay
            raise Refused("finished", "this quiz has finished: its results are final, "
                                      "nobody can be removed from them")
        player.kicked = True
        self.ranking.remove(player.id)
        return player

    # --- answers ---------------------------------------------------------------------------

    def answer(self, player_id: str, q: int, given: int | str, sig: str, now: float) -> Scored:
        """Score an answer that arrived at `now` (the scorer's clock, never the client's).

        `given` is the index of a choice, or the text typed for a typed question.
        """
        player = self.players.get(player_id)
        if player is None:
            raise Refused("unknown_player", "this player has not joined the quiz")
        if not auth.verify_answer(player.secret, self.code, player_id, q, given, sig):
            raise Refused("bad_signature", "the answer is not signed by this player")
        if player.kicked:
            raise Refused("kicked", "the host removed this player from the quiz")
        if (player_id, q) in self._answered:
            raise Refused("already_answered", f"question {q + 1} is already answered")
        if self.self_paced:
            return self._answer_own(player, q, given, now)
        if self.phase not in ("question", "reveal") or q > self.index:
            raise Refused("not_open", f"question {q + 1} is not open")
        if q < self.index:
            raise Refused("closed", f"question {q + 1} is closed")
        if self.paused:
            raise Refused("paused", f"question {q + 1} is paused: answer again when the "
                                    "host resumes it")
        return self._score(player, q, given, now, self.opened_at,
                           closed=self.phase == "reveal")

    def _answer_own(self, player: Player, q: int, given: int | str, now: float) -> Scored:
        """An answer in a self-paced quiz, timed by the player's own clock on question q."""
        if self.phase != "open":
            raise Refused("finished", "this quiz has finished")
        if q > player.opened_q:
            raise Refused("not_open", f"question {q + 1} is not open: open it first")
        if q < player.opened_q:
            raise Refused("closed", f"question {q + 1} is closed: you moved on from it")
        return self._score(player, q, given, now, player.opened_at,
                           closed=now >= self.settings.until)

    def _score(self, player: Player, q: int, given: int | str, now: float, opened_at: float,
               *, closed: bool) -> Scored:
        """Judge and score an answer to question q, timed from `opened_at`."""
        question = self.questions[q]
        verdict = _verdict(question, given)
        # Whole milliseconds: the stored elapsed_ms alone reproduces the points.
        elapsed_ms = max(round((now - opened_at) * 1000), 0)
        elapsed = elapsed_ms / 1000
        late = closed or elapsed > self.settings.seconds
        streak_before = player.streak if player.last_correct_q == q - 1 else 0
        outcome = score_answer(
            correct=verdict != "wrong",
            elapsed=self.settings.seconds + 1 if late else elapsed,
            duration=self.settings.seconds,
            streak_before=streak_before,
            rules=self.rules,
        )
        # a near miss of a typed word: accepted, with half the points
        points = outcome.points // 2 if verdict == "near" else outcome.points
        record = AnswerRecord(
            player=player.id, name=player.name, q=q,
            choice=given if isinstance(given, int) else -1,
            text=given if isinstance(given, str) else "",
            correct=verdict != "wrong", typo=verdict == "near", points=points,
            elapsed_ms=elapsed_ms, late=outcome.late,
        )
        scored = Scored(record, now, self._next_seq())
        self.restore_answer(scored)
        return scored

    def restore_answer(self, scored: Scored) -> None:
        """Apply an answer's stored outcome (also the last step of scoring one)."""
        record = scored.record
        player = self.players[record.player]
        self._answered.add((record.player, record.q))
        self.seq = max(self.seq, scored.seq)
        player.answered += 1
        player.last, player.last_seq = record, scored.seq
        tally = self.tally.setdefault(record.q, [0, 0, 0])
        tally[0] += 1
        if record.correct and not record.late:
            tally[2 if record.typo else 1] += 1
            if not record.typo:
                player.right.append(record.q)
        # A calm quiz promises no streak (docs/protocol.md, CreateQuiz): none is counted, so
        # no player status shows one, before a restart or after it.
        if record.correct and not record.late and not self.settings.calm:
            continuing = player.last_correct_q == record.q - 1
            player.streak = player.streak + 1 if continuing else 1
            player.last_correct_q = record.q
        else:
            player.streak = 0
        if record.points:
            player.score += record.points
            player.reached = scored.seq
            if not player.kicked:
                self.ranking.set(player.id, player.score, player.reached)
        if record.q == self.index and not record.late:
            self.distribution[_bucket(record)] += 1

    # --- a self-paced quiz -------------------------------------------------------------------

    def open_question(self, player_id: str, q: int, sig: str, now: float) -> Opened:
        """Open question q for one player of a self-paced quiz; its clock starts now.

        Opening the player's open question again (a retry, a reload, a scorer restart)
        gives the same clock. Opening the next one closes it, answered or not (a player who
        moves on leaves it unanswered); a question is never opened twice, nor one skipped.
        """
        player = self.players.get(player_id)
        if player is None:
            raise Refused("unknown_player", "this player has not joined the quiz")
        if not auth.verify_open(player.secret, self.code, player_id, q, sig):
            raise Refused("bad_signature", "the request is not signed by this player")
        if player.kicked:
            raise Refused("kicked", "the host removed this player from the quiz")
        if not self.self_paced:
            raise Refused("not_open", "this quiz is live: its questions open for everyone "
                                      "at once")
        if self.phase != "open" or now >= self.settings.until:
            raise Refused("finished", "this quiz has finished")
        if not 0 <= q < len(self.questions):
            raise Refused("not_open", f"question {q + 1} does not exist: this quiz has "
                                      f"{len(self.questions)}")
        if q == player.opened_q:
            return Opened(player, q, player.opened_at, new=False)
        if q < player.opened_q:
            raise Refused("closed", f"question {q + 1} is closed: you moved on from it")
        if q > player.opened_q + 1:
            raise Refused("not_open", f"question {q + 1} is not open: question "
                                      f"{player.opened_q + 2} comes first")
        player.opened_q, player.opened_at = q, now
        return Opened(player, q, now, new=True)

    def restore_opened(self, player_id: str, q: int, opened_at: float) -> None:
        """Put a stored opening back (in the order of the questions)."""
        player = self.players[player_id]
        if q > player.opened_q:
            player.opened_q, player.opened_at = q, opened_at

    def own_deadline(self, player: Player) -> float:
        """When the player's open question closes: its time, or the quiz's deadline."""
        return min(player.opened_at + self.settings.seconds, self.settings.until)

    def own_question(self, player: Player, audio: str = "") -> QuestionView:
        """The player's open question as they see it: never the correct choice.

        `audio`: a listening question's sound address (docs/protocol.md, Audio), as the
        state of a live quiz carries it.
        """
        question = self.questions[player.opened_q]
        return QuestionView(index=player.opened_q, count=len(self.questions),
                            prompt=question.prompt, pos=question.pos,
                            choices=list(question.choices), opened_at=player.opened_at,
                            deadline=self.own_deadline(player), kind=question.kind,
                            audio=audio)

    def next_for(self, player: Player) -> int:
        """The question the player answers next (the count once all are answered); -1 live."""
        if not self.self_paced:
            return -1
        if player.opened_q < 0:
            return 0
        answered = (player.id, player.opened_q) in self._answered
        return player.opened_q + 1 if answered else player.opened_q

    def progress(self) -> tuple[int, int]:
        """A self-paced quiz's (players who started, players who answered every question)."""
        playing = [p for p in self.players.values() if not p.kicked]
        done = sum(self.next_for(p) >= len(self.questions) for p in playing)
        return sum(p.opened_q >= 0 for p in playing), done

    def reset_distribution(self) -> None:
        """Count no answers yet for the question on screen (also when a restart rebuilds it).

        One count per choice, or right, near and wrong for a typed question.
        """
        question = self.questions[self.index]
        self.distribution = [0] * (len(question.choices) or len(TYPED_BUCKETS))

    def near_misses(self) -> list[str]:
        """Players whose last answer, to the question on screen, was an accepted near miss."""
        if self.self_paced:  # no reveal before the end: every near miss learns it then
            return [p.id for p in self.players.values() if p.last is not None and p.last.typo]
        return [p.id for p in self.players.values()
                if p.last is not None and p.last.q == self.index and p.last.typo]

    @property
    def answered(self) -> int:
        """How many answered the current question in time."""
        return sum(self.distribution)

    # --- flow ------------------------------------------------------------------------------

    def check_host(self, action: str, at: int, player: str, sig: str) -> None:
        """Raise Refused unless the command is signed with this quiz's host key."""
        if not auth.verify_control(self.host_key, self.code, action, at, player, sig):
            raise Refused("forbidden", "host commands need this quiz's host token")

    def answer_key(self) -> AnswerKey:
        """The open question's answer, for its host's eyes (a `key` command); changes nothing."""
        if self.phase != "question":
            raise Refused("not_open", "no question is open: its answer shows at the reveal")
        question = self.questions[self.index]
        return AnswerKey(q=self.index, correct=question.correct, term=question.term)

    def start(self, now: float) -> list[Transition]:
        """Open the first question (no-op once started)."""
        if self.phase != "lobby":
            return []
        return [self._open(0, now)]

    def next(self, at: int, now: float) -> list[Transition]:
        """Reveal the open question, or open the next one after a reveal.

        `at` is the question the host saw; a stale or repeated command is a no-op.
        """
        if at != self.index:
            return []
        if self.phase == "question":
            return [self._reveal(now)]
        if self.phase == "reveal":
            if self.index + 1 < len(self.questions):
                return [self._open(self.index + 1, now)]
            return [self._finish()]
        return []

    def end(self) -> list[Transition]:
        """Finish the quiz now."""
        return [] if self.phase == "finished" else [self._finish()]

    def pause(self, now: float) -> list[Transition]:
        """Stop the clock of the question (or, in --auto, the reveal) on screen.

        A no-op when nothing is on screen or it is paused already.
        """
        if self.phase not in ("question", "reveal") or self.paused:
            return []
        self.paused_at = now
        return [Transition(self.phase, self.index)]

    def resume(self, now: float) -> list[Transition]:
        """Start the clock again where it stopped (a no-op unless paused).

        The question's opening and deadline move later by the pause, so an answer's
        elapsed time, its points and the deadline count only the time the clock ran.
        """
        if self.paused_at is None:
            return []
        held = max(0.0, now - self.paused_at)
        self.paused_at = None
        if self.phase == "question":
            self.opened_at += held
            self.deadline += held
        else:
            self.revealed_at += held
        return [Transition(self.phase, self.index)]

    def tick(self, now: float) -> list[Transition]:
        """Advance on timers: reveal at the deadline; in --auto, move on after the reveal.

        A paused quiz waits: its clock stands still. A self-paced quiz finishes at its
        deadline.
        """
        if self.phase == "open" and now >= self.settings.until:
            return [self._finish()]
        if self.paused:
            return []
        if self.phase == "question" and now >= self.deadline:
            return [self._reveal(now)]
        if self.phase == "reveal" and self.settings.auto \
                and now >= self.revealed_at + REVEAL_SECONDS:
            return self.next(self.index, now)
        return []

    def _open(self, index: int, now: float) -> Transition:
        self.phase, self.index, self.paused_at = "question", index, None
        self.opened_at, self.deadline = now, now + self.settings.seconds
        self.reset_distribution()
        return Transition("question", index)

    def _reveal(self, now: float) -> Transition:
        self.phase, self.revealed_at, self.paused_at = "reveal", now, None
        return Transition("reveal", self.index)

    def _finish(self) -> Transition:
        self.phase, self.paused_at = "finished", None
        if self.self_paced:  # every question was open to someone: all are words to review
            self.index = len(self.questions) - 1
        return Transition("finished", self.index)

    # --- views -----------------------------------------------------------------------------

    def rank(self, player_id: str) -> int:
        """1-based rank, or 0 for a kicked player and in a calm quiz (no ranking there)."""
        if self.settings.calm or player_id not in self.ranking:
            return 0
        return self.ranking.rank(player_id)

    def standings(self, n: int | None = None) -> list[Standing]:
        """The first n standings (everyone when n is None)."""
        rows = self.ranking.all() if n is None else self.ranking.top(n)
        return [Standing(rank, pid, self.players[pid].name, score) for rank, pid, score in rows]

    def results(self, answers: list[AnswerRecord]) -> Results:
        """Standings with every stored answer."""
        return Results(quiz=self.code, phase=self.phase, standings=self.standings(),
                       answers=answers)
