"""The scorer's decisions as data: a message in, rows to commit and effects to publish out.

`Handler` decodes each message at the edge, applies it to the in-memory `Quiz`, and
writes down what must be stored (a `Batch`) and what must be said once it is stored
(`Effect`s). It never touches the network: the session commits the batch, and only
then acknowledges the messages and carries the effects out. So everything here is
tested with messages in and rows and effects out, without a broker.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import msgspec

from protocol import answerkey, auth, topics
from protocol.messages import (
    LISTENING_KINDS,
    Answer,
    AnyRequest,
    Control,
    CreateQuiz,
    DecodeError,
    Join,
    Reply,
    Settings,
    decode_request,
)
from scorer import deck
from scorer.game import Quiz, Refused, Transition
from scorer.limits import FloodGuard
from scorer.metrics import Metrics
from scorer.partition import Partition
from scorer.questions import Question, make_questions
from scorer.store import KEEP_FINISHED_SECONDS, Batch
from speech.names import Pronouncer, missing_espeak

log = logging.getLogger(__name__)

# Creating a quiz retries on the (rare) collision with an existing code.
CODE_ATTEMPTS = 20
# Refusals sent per second in all, whatever client ids the senders claim.
REFUSALS_PER_SECOND = 1000.0
# Recent creations remembered in memory for redeliveries (the database remembers them all).
CREATED_MEMORY = 10_000
# Live quizzes one scorer keeps in memory; creations beyond it are refused.
MAX_LIVE_QUIZZES = 10_000
# A self-paced quiz (homework) stays open at most this long: a school term.
MAX_SELF_PACED_SECONDS = 120 * 86400.0


# --- effects: what to say once the batch is committed ------------------------------------


@dataclass(frozen=True, slots=True)
class SendReply:
    """The one reply to a request."""

    client: str
    reply: Reply


@dataclass(frozen=True, slots=True)
class ShowPlayer:
    """A player's retained status changed."""

    code: str
    player: str


@dataclass(frozen=True, slots=True)
class ShowState:
    """A quiz was created or changed phase: its state (and the players' board) now."""

    code: str


@dataclass(frozen=True, slots=True)
class SendResults:
    """A host asked for the results: read them from the database and reply in parts."""

    code: str
    client: str
    req: str


@dataclass(frozen=True, slots=True)
class Reconcile:
    """A quiz finished: check its live standings against the stored answers."""

    code: str


@dataclass(frozen=True, slots=True)
class ReportBroken:
    """A message too broken to answer, reported on quiz/errors."""

    topic: str
    error: str


Effect = SendReply | ShowPlayer | ShowState | SendResults | Reconcile | ReportBroken


@dataclass
class Outcome:
    """What one batch (or one tick) decided: rows to commit, then effects to carry out."""

    writes: Batch = field(default_factory=Batch)
    effects: list[Effect] = field(default_factory=list)
    changed: set[str] = field(default_factory=set)  # quizzes whose standings or counts moved
    scored: int = 0


class Lookup(Protocol):
    """What the handler reads from the database (creation requests and codes ever used)."""

    def quiz_for_request(self, request: str) -> str | None:
        """The quiz a creation request (client/req) made, if it was stored."""

    def code_taken(self, code: str) -> bool:
        """True when a quiz with this code was ever stored."""

    def original(self, code: str) -> Quiz | None:
        """A stored quiz's questions, settings and host key, for a quiz run again."""


class Handler:
    """Applies requests and timers to the live quizzes; says what to store and publish."""

    def __init__(self, quizzes: dict[str, Quiz], lookup: Lookup, metrics: Metrics,
                 rng: random.Random | None = None,
                 new_code: Callable[[], str] = topics.new_code,
                 partition: Partition | None = None,
                 speech: Pronouncer | None = None) -> None:
        self.quizzes = quizzes
        self.speech = speech  # None, or without espeak-ng: no listening questions
        self.lookup = lookup
        self.metrics = metrics
        self.partition = partition or Partition()
        self.rng = rng or random.Random()
        self.new_code = new_code
        self.flood = FloodGuard()
        self.refusals = FloodGuard(rate=REFUSALS_PER_SECOND, burst=2 * REFUSALS_PER_SECOND)
        # (client, req) of recent creations: a redelivered one gets the same quiz.
        self._created: dict[tuple[str, str], str] = {}

    # --- messages --------------------------------------------------------------------------

    def handle(self, topic: str, payload: bytes, now: float, judged: float,
               out: Outcome) -> None:
        """Decode one message and apply it.

        `now` is the scorer's clock; `judged` is when an answer counts as arrived (earlier
        than `now` for answers that waited in the broker while the scorer was away).
        """
        try:
            inbound = topics.parse_inbound(topic)
            if inbound.kind is topics.Kind.ANSWER:
                self.metrics.answer_received()
            request = decode_request(inbound, payload)
        except (topics.TopicError, DecodeError) as exc:
            self._drop(topic, exc, now, out)
            return
        try:
            # an answer that waited counts as arrived then; a question opens when it is sent
            waited = isinstance(request, Answer) and not request.open
            when = judged if waited else now
            self._apply(inbound, request, when, out)
        except Refused as exc:
            log.info("refused %s on %s: %s", type(request).__name__, topic, exc,
                     extra={"quiz": inbound.code, "player": inbound.player})
            replied = self._refuse(request.client, Reply(req=request.req, ok=False,
                                                         error=str(exc), reason=exc.reason),
                                   now, out)
            if replied and exc.reason == "already_answered":
                # A copy of an answer scored already: its sender may have missed the status
                # with the verdict (away at the time, or a broker whose retained copy lost
                # the update, as NATS can while a node dies): publish it again.
                out.effects.append(ShowPlayer(inbound.code, inbound.player))

    def _drop(self, topic: str, exc: topics.TopicError | DecodeError, now: float,
              out: Outcome) -> None:
        log.info("dropped message on %s: %s", topic, exc)
        reply_to = exc.reply_to if isinstance(exc, DecodeError) else None
        if reply_to:
            client, req = reply_to
            self._refuse(client, Reply(req=req, ok=False, error=str(exc), reason="bad_request"),
                         now, out)
            return
        self.metrics.broken()
        if self.flood.allow(topics.errors(), now):
            out.effects.append(ReportBroken(topic, str(exc)))
        else:
            self.metrics.suppressed()

    def _refuse(self, client: str, reply: Reply, now: float, out: Outcome) -> bool:
        """Reply to a refused request, unless that client is flooding (no amplification).

        True when the reply goes out.
        """
        self.metrics.refused(reply.reason)
        # per declared client id, and overall: rotating client ids buys no more than the cap
        if self.flood.allow(client, now) and self.refusals.allow("all", now):
            out.effects.append(SendReply(client, reply))
            return True
        self.metrics.suppressed()
        return False

    def _apply(self, inbound: topics.Inbound, request: AnyRequest, now: float,
               out: Outcome) -> None:
        if isinstance(request, CreateQuiz):
            self._create(request, now, out)
            return
        quiz = self.quizzes.get(inbound.code)
        if quiz is None:
            raise Refused("unknown_quiz", f"no live quiz with code {inbound.code}")
        if isinstance(request, Join):
            player, is_new = quiz.join(self._new_player_id(quiz), request.name, request.secret)
            if is_new:
                out.writes.players.append((quiz.code, player))
                out.changed.add(quiz.code)
            out.effects.append(ShowPlayer(quiz.code, player.id))
            out.effects.append(SendReply(request.client, Reply(
                req=request.req, ok=True, quiz=quiz.code, player=player.id, name=player.name,
                score=player.score)))
        elif isinstance(request, Control):
            self._control(quiz, request, now, out)
        elif request.open:
            self._open(quiz, inbound.player, request, now, out, self.speech)
        else:
            scored = quiz.answer(inbound.player, request.q, request.given, request.sig, now)
            out.writes.answers.append((quiz.code, scored))
            out.changed.add(quiz.code)
            out.scored += 1
            out.effects.append(ShowPlayer(quiz.code, inbound.player))

    @staticmethod
    def _open(quiz: Quiz, player_id: str, request: Answer, now: float, out: Outcome,
              speech: Pronouncer | None) -> None:
        """A self-paced question for one player: its clock is stored before the reply goes.

        A listening question carries its sound's address, as a live quiz's state does.
        """
        opened = quiz.open_question(player_id, request.q, request.sig, now)
        question = quiz.questions[opened.q]
        heard = speech.address(question.term) \
            if speech is not None and question.kind in LISTENING_KINDS else ""
        if opened.new:
            out.writes.opened.append((quiz.code, player_id, opened.q, opened.opened_at))
            out.changed.add(quiz.code)  # the progress counts moved
            out.effects.append(ShowPlayer(quiz.code, player_id))  # its `opened`, before the reply
        out.effects.append(SendReply(request.client, Reply(
            req=request.req, ok=True, quiz=quiz.code, player=player_id,
            name=opened.player.name, score=opened.player.score,
            question=quiz.own_question(opened.player, heard))))

    @staticmethod
    def _new_player_id(quiz: Quiz) -> str:
        """A player id not used in this quiz (32 random bits collide in large quizzes)."""
        while (player_id := topics.new_player_id()) in quiz.players:
            pass
        return player_id

    def _create(self, request: CreateQuiz, now: float, out: Outcome) -> None:
        if not self.partition.claims(request.client, request.req):
            return  # another scorer's creation (scorer.partition): it replies
        key = (request.client, request.req)
        again = self._created.get(key) \
            or self.lookup.quiz_for_request(f"{request.client}/{request.req}")
        # A redelivered (or retained, replayed) creation gets the same quiz, not a second.
        # The retain flag cannot tell: amqtt sets it on messages queued while offline.
        if again is not None:
            out.effects.append(SendReply(request.client,
                                         Reply(req=request.req, ok=True, quiz=again)))
            return
        quiz = self._new_quiz(request, now)
        if len(self._created) >= CREATED_MEMORY:
            self._created.clear()
        self._created[key] = quiz.code
        out.writes.requests[quiz.code] = f"{request.client}/{request.req}"
        out.writes.quizzes.append(quiz)
        out.changed.add(quiz.code)
        out.effects.append(ShowState(quiz.code))
        out.effects.append(SendReply(request.client,
                                     Reply(req=request.req, ok=True, quiz=quiz.code)))

    def _new_quiz(self, request: CreateQuiz, now: float) -> Quiz:
        live = sum(quiz.phase != "finished" for quiz in self.quizzes.values())
        if live >= MAX_LIVE_QUIZZES:
            raise Refused("full", f"this scorer already runs {live} quizzes")
        questions, settings = (self._questions_again(request) if request.again
                               else self._questions_drawn(request))
        settings = msgspec.structs.replace(settings, until=_until(request, now))
        heard = {question.kind for question in questions} & LISTENING_KINDS
        if heard and (self.speech is None or not self.speech.available):
            raise Refused("bad_request", missing_espeak(heard))
        for _ in range(CODE_ATTEMPTS):
            code = self.new_code()
            if code not in self.quizzes and not self.lookup.code_taken(code):
                break
        else:
            raise Refused("bad_request", "could not find a free quiz code; try again")
        quiz = Quiz(code=code, settings=settings, questions=questions,
                    host_key=request.host_key, created_at=now)
        if quiz.self_paced:  # homework: open from now to its deadline, no host needed
            quiz.phase = "open"
        self.quizzes[code] = quiz
        log.info("created quiz %s: %d questions of %s", code, len(questions),
                 f"quiz {request.again.quiz}" if request.again else request.deck,
                 extra={"quiz": code})
        return quiz

    def _questions_again(self, request: CreateQuiz) -> tuple[list[Question], Settings]:
        """The questions and settings of the quiz run again, once its host proved it."""
        assert request.again is not None  # noqa: S101 - the caller checked
        code = request.again.quiz
        old = self.quizzes.get(code) or self.lookup.original(code)
        if old is None:
            raise Refused("unknown_quiz", f"no quiz with code {code} to run again")
        if not auth.verify_again(old.host_key, code, request.host_key, request.again.sig):
            raise Refused("forbidden", f"running quiz {code} again needs its host token")
        questions = list(old.questions)
        if request.shuffle:
            self.rng.shuffle(questions)
        return questions, msgspec.structs.replace(old.settings, questions=len(questions))

    def _questions_drawn(self, request: CreateQuiz) -> tuple[list[Question], Settings]:
        """Questions drawn from the request's deck, and the settings it asks for."""
        try:
            entries = (deck.load_builtin(request.deck) if request.entries is None else
                       deck.check_entries([deck.Entry(e.term, e.definition, e.pos, e.example,
                                                      e.level, tuple(e.accept),
                                                      tuple(e.distractors))
                                           for e in request.entries], source=request.deck))
            drawn = deck.entries_at_level(entries, request.level) if request.level else entries
            questions = make_questions(drawn, request.questions, self.rng,
                                       kinds=request.kinds, confusable=deck.confusable,
                                       vocabulary=entries)
        except deck.DeckError as exc:
            raise Refused("bad_request", str(exc)) from None
        return questions, Settings(questions=len(questions), seconds=request.seconds,
                                   speed_bonus=request.speed_bonus, streak=request.streak,
                                   auto=request.auto, kinds=list(request.kinds),
                                   calm=request.calm, level=request.level)

    def _control(self, quiz: Quiz, request: Control, now: float, out: Outcome) -> None:
        quiz.check_host(request.action, request.at, request.player, request.sig)
        if request.action == "results":
            out.effects.append(SendResults(quiz.code, request.client, request.req))
            return
        if request.action == "key":  # a read, like results: nothing to store or apply once
            sealed = answerkey.seal(quiz.host_key, quiz.code, request.req, quiz.answer_key())
            out.effects.append(SendReply(request.client, Reply(
                req=request.req, ok=True, quiz=quiz.code, key=sealed)))
            return
        done = Reply(req=request.req, ok=True, quiz=quiz.code)
        if request.req in quiz.applied:
            # A replay, or a redelivery after a crash between commit and acknowledgement:
            # the command took effect once already; say so again and change nothing.
            out.effects.append(SendReply(request.client, done))
            return
        if request.action == "kick":
            player = quiz.kick(request.player)
            out.writes.kicked.append((quiz.code, player.id))
            out.changed.add(quiz.code)
            out.effects.append(ShowPlayer(quiz.code, player.id))
        elif request.action == "start":
            self._transition(quiz, quiz.start(now), out)
        elif request.action == "next":
            self._transition(quiz, quiz.next(request.at, now), out)
        elif request.action in ("pause", "resume"):
            held = quiz.pause(now) if request.action == "pause" else quiz.resume(now)
            if held:  # the same phase, its clock stopped or running again
                out.writes.phases[quiz.code] = quiz
                out.effects.append(ShowState(quiz.code))
                log.info("quiz %s: %s %d %sd", quiz.code, quiz.phase, quiz.index + 1,
                         request.action, extra={"quiz": quiz.code})
        else:
            self._transition(quiz, quiz.end(), out)
        quiz.applied.add(request.req)
        out.writes.controls.append((quiz.code, request.req))
        out.effects.append(SendReply(request.client, done))

    # --- timers ----------------------------------------------------------------------------

    def tick(self, now: float, out: Outcome) -> bool:
        """Apply deadlines and --auto moves; True while any question is open."""
        open_questions = False
        for quiz in self.quizzes.values():
            if quiz.phase in ("question", "reveal", "open"):
                self._transition(quiz, quiz.tick(now), out)
                open_questions = open_questions or quiz.phase == "question"
        return open_questions

    def _transition(self, quiz: Quiz, moves: list[Transition], out: Outcome) -> None:
        if not moves:
            return
        out.writes.phases[quiz.code] = quiz
        out.changed.add(quiz.code)
        out.effects.append(ShowState(quiz.code))
        if quiz.phase in ("reveal", "finished"):
            # near misses of the question just closed learn the word's spelling now
            out.effects.extend(ShowPlayer(quiz.code, player) for player in quiz.near_misses())
        if quiz.phase == "finished":
            out.effects.append(Reconcile(quiz.code))
        log.info("quiz %s: %s %d", quiz.code, quiz.phase, quiz.index + 1,
                 extra={"quiz": quiz.code})

    def evict(self, now: float) -> list[str]:
        """Forget finished quizzes once `quiz results` no longer needs them in memory."""
        old = [code for code, quiz in self.quizzes.items()
               if quiz.phase == "finished"
               and max(quiz.created_at, quiz.settings.until) < now - KEEP_FINISHED_SECONDS]
        for code in old:
            del self.quizzes[code]
        if old:
            log.info("forgot %d finished quizzes", len(old))
        return old

    def population(self) -> tuple[int, int]:
        """(live quizzes, their players), for the metrics and the status."""
        live = [quiz for quiz in self.quizzes.values() if quiz.phase != "finished"]
        return len(live), sum(len(quiz.ranking) for quiz in live)


def _until(request: CreateQuiz, now: float) -> float:
    """A self-paced quiz's deadline (0 for a live quiz), once it is checked to lie ahead."""
    if not request.until:
        return 0.0
    if request.until <= now:
        raise Refused("bad_request", "the deadline of a self-paced quiz has passed already")
    if request.until > now + MAX_SELF_PACED_SECONDS:
        raise Refused("bad_request", "a self-paced quiz stays open at most "
                                     f"{MAX_SELF_PACED_SECONDS // 86400:.0f} days")
    return request.until
