"""The scorer service: the MQTT edge around the pure quiz core.

One loop takes every pending message as a batch, decodes each at the edge,
applies it to the in-memory `Quiz`, commits the batch to SQLite in one
transaction, and only then acknowledges the messages (QoS 1, manual ack) and
publishes the results. A crash before the commit loses nothing: the broker
redelivers the unacknowledged messages to the same persistent session.

Memory is never ahead of the database across an `await`: a batch is applied and
committed without yielding (a WAL commit without fsync is cheaper than a thread
hop), so whatever another task publishes from memory is already stored.

Leaderboards are coalesced: a quiz that changed is published at most once per
`leaderboard_interval`, by a separate loop.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiomqtt

from protocol import topics
from protocol.address import BrokerAddress
from protocol.messages import (
    AnyRequest,
    BrokenMessage,
    Control,
    CreateQuiz,
    DecodeError,
    Join,
    LastResult,
    Leaderboard,
    PlayerStatus,
    QuestionView,
    Reply,
    Results,
    RevealView,
    ScorerStatus,
    Settings,
    State,
    decode_request,
    encode,
)
from protocol.retry import Backoff
from scorer import deck
from scorer.collector import Collector
from scorer.game import Quiz, Refused, Transition
from scorer.limits import FloodGuard
from scorer.metrics import Metrics
from scorer.store import KEEP_FINISHED_SECONDS, Batch, StorageError, Store
from scorer.transport import Link

log = logging.getLogger(__name__)

# Deadlines are checked this often; it bounds how late a reveal can be.
TICK_SECONDS = 0.05
# Upper bound of one group commit: large enough to absorb a burst, small enough to ack soon.
MAX_BATCH = 2000
# Reconnect backoff after losing the broker.
RECONNECT_MIN_SECONDS = 0.2
RECONNECT_MAX_SECONDS = 5.0
# Creating a quiz retries on the (rare) collision with an existing code.
CODE_ATTEMPTS = 20
# The scorer writes a heartbeat this often; after a crash it bounds when the outage began.
HEARTBEAT_SECONDS = 1.0
# Leaderboards and player status go out at QoS 0: they are retained views, republished
# whole on every (re)connect, and each PUBACK cost the scorer more than the publish itself.
# State (phase changes) stays at QoS 1.
VIEW_QOS = 0
# Replies go out at QoS 0 too. QoS 1 bought nothing: a reply matters only to a client
# connected and waiting for it, and a scorer that reconnects uses a fresh MQTT client, so
# it never resent an unacknowledged reply anyway. It cost paho a message object and a
# lock per reply until its PUBACK: 10,000 joins held thousands at once.
REPLY_QOS = 0
# The state's player and answer counts are republished at most this often: a display needs
# them live, not ten times a second (at 1,000 quizzes that doubled the publish rate).
COUNTS_INTERVAL_SECONDS = 0.5
# Leaderboards published between two chances for the batch loop to run.
FLUSH_CHUNK = 10
# Refusals sent per second in all, whatever client ids the senders claim.
REFUSALS_PER_SECOND = 1000.0
# Answers per results reply: about 120 bytes each, well under Mosquitto's 1.1 MB packet limit.
RESULTS_PART_ANSWERS = 5000
# Recent creations remembered in memory for redeliveries (the database remembers them all).
CREATED_MEMORY = 10_000
# The retained scorer status (with its answer rate and backlog) is refreshed this often.
STATUS_SECONDS = 5.0
# The WAL is copied into the database this often, in a worker thread.
CHECKPOINT_SECONDS = 5.0
# If the backlog marker never comes back, stop waiting for it after this long.
RECOVERY_TIMEOUT_SECONDS = 10.0
# Live quizzes one scorer keeps in memory; creations beyond it are refused.
MAX_LIVE_QUIZZES = 10_000


@dataclass(frozen=True)
class ScorerSettings:
    """Configuration of one scorer process."""

    broker: BrokerAddress = field(default_factory=BrokerAddress)
    database: Path = Path("quiz-data/quiz.db")
    client_id: str = "quiz-scorer"
    leaderboard_interval: float = 0.1
    top_n: int = 10


class Scorer:
    """Scores answers from MQTT, persists them, publishes standings."""

    def __init__(self, settings: ScorerSettings, store: Store,
                 clock: Callable[[], float] = time.time, metrics: Metrics | None = None) -> None:
        self.settings = settings
        self.store = store
        self.clock = clock
        self.metrics = metrics or Metrics(process=False)
        self.metrics.watch_population(self._population)
        self.metrics.watch_storage("database", store.path)
        self.metrics.database(ok=True)
        self.quizzes: dict[str, Quiz] = {quiz.code: quiz for quiz in store.load(clock())}
        self._dirty: set[str] = set(self.quizzes)
        # (client, req) of recent creations: a redelivered one gets the same quiz.
        self._created: dict[tuple[str, str], str] = {}
        self._counts_moved: set[str] = set()
        # Answers that waited in the broker while the scorer was away are judged as if they
        # had arrived when it went away: see docs/reliability.md.
        self._down_since: float | None = store.last_alive()
        self._recovering = True
        self._connected_at = self._last_beat = self._last_checkpoint = self._last_status = 0.0
        self._online_since = clock()
        self._tasks: set[asyncio.Task[None]] = set()
        self.flood = FloodGuard()
        self._sync_topic = topics.scorer_sync(settings.client_id)
        self.refusals = FloodGuard(rate=REFUSALS_PER_SECOND, burst=2 * REFUSALS_PER_SECOND)
        self.connected = asyncio.Event()
        self.collector = Collector()
        self.scored = 0
        log.info("loaded %d quizzes from %s", len(self.quizzes), store.path)

    # --- connection ------------------------------------------------------------------------

    async def run(self) -> None:
        """Serve forever, reconnecting to the broker with backoff."""
        self.collector.full()  # what was restored from the database is long-lived
        try:
            await self._serve_forever()
        finally:
            self.collector.release()

    async def _serve_forever(self) -> None:
        retry = Backoff(RECONNECT_MIN_SECONDS, RECONNECT_MAX_SECONDS)
        while True:
            reason = "the connection ended"
            try:
                async with Link.connect(self.settings.broker, self.settings.client_id,
                                        will=self._status("offline", since=0.0)) as link:
                    retry.reset()
                    try:
                        await self._serve(link)
                    finally:
                        await link.goodbye(encode(self._status("offline", self.clock())))
            except* StorageError as group:
                # Memory is now ahead of the database: stop, so that a restart rebuilds from
                # it. Nothing of the failed batch was acknowledged; the broker keeps it.
                raise group.exceptions[0] from None
            except* aiomqtt.MqttError as group:
                self.connected.clear()
                self.metrics.broker_down()
                if self._down_since is None:
                    self._down_since = self.clock()
                reason = str(group.exceptions[0])
            delay = retry.next()
            log.warning("broker %s unreachable (%s); retrying in %.1fs",
                        self.settings.broker, reason, delay)
            await asyncio.sleep(delay)

    async def _serve(self, link: Link) -> None:
        self._recovering, self._connected_at = True, self.clock()
        self._online_since = self.clock()
        sync = self._sync_topic
        for topic in (*topics.SCORER_SUBSCRIPTIONS, sync):
            await link.subscribe(topic)
        # Queued messages come first; when this marker comes back, the backlog is drained.
        link.publish(sync, encode(self._status("online")), retain=False)
        link.publish(topics.scorer_status(), encode(self._status("online")))
        for quiz in self.quizzes.values():  # a broker without persistence lost them
            self._publish_state(link, quiz)
            for player_id in quiz.players:
                self._publish_player(link, quiz, player_id)
        self._dirty.update(self.quizzes)
        self.connected.set()
        self.metrics.broker_up()
        log.info("scorer online at %s as %s", self.settings.broker, self.settings.client_id)
        async with asyncio.TaskGroup() as group:
            group.create_task(self._consume(link), name="consume")
            group.create_task(self._tick(link), name="tick")
            group.create_task(self._flush(link), name="flush-leaderboards")

    def _population(self) -> tuple[int, int]:
        """(live quizzes, their players), for the metrics and the status."""
        live = [quiz for quiz in self.quizzes.values() if quiz.phase != "finished"]
        return len(live), sum(len(quiz.ranking) for quiz in live)

    def _status(self, status: str, since: float | None = None) -> ScorerStatus:
        """The retained status; an offline will says since=0 (the time is not known yet)."""
        quizzes, players = self._population()
        return ScorerStatus(status="online" if status == "online" else "offline",
                            since=self._online_since if since is None else since,
                            quizzes=quizzes, players=players,
                            answers_per_second=round(self.metrics.answers_per_second(), 1),
                            backlog=self.metrics.backlog)

    def _changed(self, code: str) -> None:
        """A quiz's standings or counts moved: its leaderboard is due."""
        self._dirty.add(code)
        self.metrics.quiz_changed(code)

    # --- the batch loop --------------------------------------------------------------------

    async def _consume(self, link: Link) -> None:
        async for batch in link.batches(MAX_BATCH):
            started = time.perf_counter()
            self.metrics.set_backlog(len(batch) + link.pending())
            scored_before = self.scored
            writes = Batch()
            after: list[Callable[[], None]] = []
            now = self.clock()
            for message in batch:
                topic = str(message.topic)
                if topic == self._sync_topic:
                    self._caught_up(now)
                    continue
                # Answers that waited in the broker count as arrived when the scorer went away.
                judged = now
                if self._recovering and self._down_since is not None:
                    judged = min(now, self._down_since)
                try:
                    self._handle(link, topic, message.payload, now, judged, writes, after)
                except Exception:  # a bug must cost one message, never the scorer
                    log.exception("dropped a message on %s after an unexpected error", topic)
            commit_seconds = None
            if writes:
                committing = time.perf_counter()
                self._commit(writes)
                commit_seconds = time.perf_counter() - committing
            for message in batch:
                link.ack(message)
            self._run_all(after)
            self.metrics.observe_batch(len(batch), commit_seconds)
            self.metrics.scored(time.perf_counter() - started, self.scored - scored_before)
            self.metrics.set_backlog(link.pending())

    @staticmethod
    def _run_all(after: list[Callable[[], None]]) -> None:
        """Publish what a commit allows; one failure costs that publish only."""
        for publish in after:
            try:
                publish()
            except StorageError:
                raise
            except Exception:
                log.exception("a publish after the commit failed")

    def _commit(self, writes: Batch) -> None:
        try:
            self.store.write(writes)
        except StorageError:
            self.metrics.database(ok=False)
            raise

    def _background(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work, name="checkpoint")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _caught_up(self, now: float) -> None:
        if self._recovering and self._down_since is not None:
            log.info("caught up with the broker's backlog; the outage lasted %.1fs",
                     now - self._down_since)
        self._recovering, self._down_since = False, None

    def _handle(self, link: Link, topic: str, payload: object, now: float, judged: float,
                writes: Batch, after: list[Callable[[], None]]) -> None:
        """Decode one message and apply it; replies are queued in `after`.

        `now` is the scorer's clock; `judged` is when an answer counts as arrived
        (earlier than `now` for answers that waited in the broker: see `_consume`).
        """
        data = payload if isinstance(payload, bytes) else str(payload).encode()
        try:
            inbound = topics.parse_inbound(topic)
            if inbound.kind is topics.Kind.ANSWER:
                self.metrics.answer_received()
            request = decode_request(inbound, data)
        except (topics.TopicError, DecodeError) as exc:
            reply_to = exc.reply_to if isinstance(exc, DecodeError) else None
            log.info("dropped message on %s: %s", topic, exc)
            if reply_to:
                client, req = reply_to
                self._refuse(link, client, Reply(req=req, ok=False, error=str(exc),
                                                 reason="bad_request"), after)
            else:
                self.metrics.broken()
                if self.flood.allow(topics.errors(), self.clock()):
                    broken = BrokenMessage(topic=topic, error=str(exc))
                    after.append(lambda: link.publish(topics.errors(), encode(broken),
                                                      retain=False))
                else:
                    self.metrics.suppressed()
            return
        try:
            self._apply(link, inbound, request, judged if inbound.kind is topics.Kind.ANSWER
                        else now, writes, after)
        except Refused as exc:
            log.info("refused %s on %s: %s", type(request).__name__, topic, exc,
                     extra={"quiz": inbound.code, "player": inbound.player})
            self._refuse(link, request.client, Reply(req=request.req, ok=False, error=str(exc),
                                                     reason=exc.reason), after)

    def _refuse(self, link: Link, client: str, reply: Reply,
                after: list[Callable[[], None]]) -> None:
        """Reply to a refused request, unless that client is flooding (no amplification)."""
        self.metrics.refused(reply.reason)
        now = self.clock()
        # per declared client id, and overall: rotating client ids buys no more than the cap
        if self.flood.allow(client, now) and self.refusals.allow("all", now):
            self._reply(link, client, reply, after)
        else:
            self.metrics.suppressed()

    def _apply(self, link: Link, inbound: topics.Inbound, request: AnyRequest, now: float,
               writes: Batch, after: list[Callable[[], None]]) -> None:
        if isinstance(request, CreateQuiz):
            again = self._created.get((request.client, request.req)) \
                or self.store.quiz_for_request(f"{request.client}/{request.req}")
            # A redelivered (or retained, replayed) creation gets the same quiz, not a second.
            # The retain flag cannot tell: amqtt sets it on messages queued while offline.
            if again is not None:
                self._reply(link, request.client, Reply(req=request.req, ok=True, quiz=again),
                            after)
                return
            quiz = self._create(request, now)
            if len(self._created) >= CREATED_MEMORY:
                self._created.clear()
            self._created[(request.client, request.req)] = quiz.code
            writes.requests[quiz.code] = f"{request.client}/{request.req}"
            writes.quizzes.append(quiz)
            self._changed(quiz.code)
            after.append(lambda: self._publish_state(link, quiz))
            self._reply(link, request.client, Reply(req=request.req, ok=True, quiz=quiz.code),
                        after)
            return
        found = self.quizzes.get(inbound.code)
        if found is None:
            raise Refused("unknown_quiz", f"no live quiz with code {inbound.code}")
        quiz = found
        if isinstance(request, Join):
            player, is_new = quiz.join(self._new_player_id(quiz), request.name, request.secret)
            if is_new:
                writes.players.append((quiz.code, player))
                self._changed(quiz.code)
            after.append(lambda: self._publish_player(link, quiz, player.id))
            self._reply(link, request.client, Reply(
                req=request.req, ok=True, quiz=quiz.code, player=player.id, name=player.name,
                score=player.score), after)
        elif isinstance(request, Control):
            self._control(link, quiz, request, now, writes, after)
        else:
            scored = quiz.answer(inbound.player, request.q, request.choice, request.sig, now)
            writes.answers.append((quiz.code, scored))
            self._changed(quiz.code)
            self.scored += 1
            after.append(lambda: self._publish_player(link, quiz, inbound.player))

    @staticmethod
    def _new_player_id(quiz: Quiz) -> str:
        """A player id not used in this quiz (32 random bits collide in large quizzes)."""
        while (player_id := topics.new_player_id()) in quiz.players:
            pass
        return player_id

    def _create(self, request: CreateQuiz, now: float) -> Quiz:
        live = sum(quiz.phase != "finished" for quiz in self.quizzes.values())
        if live >= MAX_LIVE_QUIZZES:
            raise Refused("full", f"this scorer already runs {live} quizzes")
        try:
            entries = (deck.load_builtin(request.deck) if request.entries is None else
                       [deck.Entry(e.term, e.definition, e.pos) for e in request.entries])
            questions = deck.make_questions(entries, request.questions, random.Random())
        except deck.DeckError as exc:
            raise Refused("bad_request", str(exc)) from None
        for _ in range(CODE_ATTEMPTS):
            code = topics.new_code()
            if code not in self.quizzes and not self.store.code_taken(code):
                break
        else:
            raise Refused("bad_request", "could not find a free quiz code; try again")
        settings = Settings(questions=len(questions), seconds=request.seconds,
                            speed_bonus=request.speed_bonus, streak=request.streak,
                            auto=request.auto)
        quiz = Quiz(code=code, settings=settings, questions=questions,
                    host_key=request.host_key, created_at=now)
        self.quizzes[code] = quiz
        log.info("created quiz %s: %d questions of %s", code, len(questions), request.deck,
                 extra={"quiz": code})
        return quiz

    def _control(self, link: Link, quiz: Quiz, request: Control, now: float, writes: Batch,
                 after: list[Callable[[], None]]) -> None:
        quiz.check_host(request.action, request.at, request.player, request.sig)
        if request.action == "results":
            after.append(lambda: self._send_results(link, quiz, request))
            return
        if request.action == "kick":
            player = quiz.kick(request.player)
            writes.kicked.append((quiz.code, player.id))
            self._changed(quiz.code)
            after.append(lambda: self._publish_player(link, quiz, player.id))
        elif request.action == "start":
            self._transition(link, quiz, quiz.start(now), writes, after)
        elif request.action == "next":
            self._transition(link, quiz, quiz.next(request.at, now), writes, after)
        else:
            self._transition(link, quiz, quiz.end(), writes, after)
        self._reply(link, request.client, Reply(req=request.req, ok=True, quiz=quiz.code), after)

    def _send_results(self, link: Link, quiz: Quiz, request: Control) -> None:
        """Reply with the standings and every answer, in parts that fit a broker's packet limit."""
        reply_topic = topics.reply(request.client, request.req)
        try:
            answers = self.store.answers(quiz.code)
        except StorageError:
            log.exception("cannot read the answers of %s", quiz.code,
                          extra={"quiz": quiz.code})
            refusal = Reply(req=request.req, ok=False, reason="bad_request",
                            error="the scorer cannot read its database; try again")
            self._send_reply(link, reply_topic, refusal)
            return
        parts = max(1, -(-len(answers) // RESULTS_PART_ANSWERS))
        for part in range(parts):
            chunk = answers[part * RESULTS_PART_ANSWERS:(part + 1) * RESULTS_PART_ANSWERS]
            results = quiz.results(chunk) if part == 0 else \
                Results(quiz=quiz.code, phase=quiz.phase, standings=[], answers=chunk)
            reply = Reply(req=request.req, ok=True, quiz=quiz.code, results=results,
                          part=part, parts=parts)
            self._send_reply(link, reply_topic, reply)

    @classmethod
    def _reply(cls, link: Link, client: str, reply: Reply,
               after: list[Callable[[], None]]) -> None:
        """Queue the one reply of a request (published after the commit)."""
        after.append(lambda: cls._send_reply(link, topics.reply(client, reply.req), reply))

    @staticmethod
    def _send_reply(link: Link, topic: str, reply: Reply) -> None:
        """Every reply goes out the same way: not retained, at REPLY_QOS."""
        link.publish(topic, encode(reply), retain=False, qos=REPLY_QOS)

    def _transition(self, link: Link, quiz: Quiz, moves: Sequence[Transition], writes: Batch,
                    after: list[Callable[[], None]]) -> None:
        if moves:
            writes.phases[quiz.code] = quiz
            self._changed(quiz.code)
            after.append(lambda: self._publish_state(link, quiz))
            if quiz.phase == "finished":
                after.append(lambda: self._reconcile(quiz.code))
            log.info("quiz %s: %s %d", quiz.code, quiz.phase, quiz.index + 1,
                     extra={"quiz": quiz.code})

    def _evict(self, now: float) -> None:
        """Forget finished quizzes once `quiz results` no longer needs them in memory."""
        old = [code for code, quiz in self.quizzes.items()
               if quiz.phase == "finished" and quiz.created_at < now - KEEP_FINISHED_SECONDS]
        for code in old:
            del self.quizzes[code]
            self._dirty.discard(code)
            self._counts_moved.discard(code)
        if old:
            log.info("forgot %d finished quizzes", len(old))

    def _reconcile(self, code: str) -> None:
        """At the end, recompute the standings from the stored answers; those win."""
        stored = self.store.load_quiz(code)
        live = self.quizzes[code]
        if stored.standings() != live.standings():
            log.error("quiz %s: live standings differ from the stored answers; "
                      "publishing the stored ones", code, extra={"quiz": code})
            self.quizzes[code] = stored
            self._changed(code)

    # --- timers and coalesced publishing ---------------------------------------------------

    async def _tick(self, link: Link) -> None:
        while True:
            await asyncio.sleep(TICK_SECONDS)
            if self._recovering:  # no deadline passes before the answers that waited are in
                if self.clock() - self._connected_at < RECOVERY_TIMEOUT_SECONDS:
                    continue
                log.warning("the backlog marker did not come back; resuming the timers")
                self._caught_up(self.clock())
            now = self.clock()
            writes = Batch()
            after: list[Callable[[], None]] = []
            if now - self._last_beat >= HEARTBEAT_SECONDS:
                writes.alive = self._last_beat = now
                if now - self._last_checkpoint >= CHECKPOINT_SECONDS:
                    self._last_checkpoint = now
                    self._background(asyncio.to_thread(self.store.checkpoint))
                if now - self._last_status >= STATUS_SECONDS:  # load, for `quiz status`
                    self._last_status = now
                    link.publish(topics.scorer_status(), encode(self._status("online")))
                    self._evict(now)
            open_questions = False
            for quiz in self.quizzes.values():
                if quiz.phase in ("question", "reveal"):
                    self._transition(link, quiz, quiz.tick(now), writes, after)
                    open_questions = open_questions or quiz.phase == "question"
            if writes:
                started = time.perf_counter()
                self._commit(writes)
                self.metrics.observe_commit(time.perf_counter() - started)
            for publish in after:
                publish()
            self.collector.tick(quiet=not open_questions)  # see scorer/collector.py

    async def _flush(self, link: Link) -> None:
        counts_due = 0.0
        while True:
            await asyncio.sleep(self.settings.leaderboard_interval)
            now = self.clock()
            dirty, self._dirty = self._dirty, set()
            for done, code in enumerate(dirty, start=1):
                quiz = self.quizzes[code]
                board = Leaderboard(quiz=code, seq=quiz.seq, players=len(quiz.ranking),
                                    top=quiz.standings(self.settings.top_n), updated_at=now)
                link.publish(topics.leaderboard(code), encode(board), qos=VIEW_QOS)
                self.metrics.leaderboard_published(code)
                if done % FLUSH_CHUNK == 0:
                    await asyncio.sleep(0)  # let answers in: 10 halved own-result p99 against 50
            self._counts_moved |= dirty
            if now >= counts_due:  # player and answer counts on the state, less often
                counts_due = now + COUNTS_INTERVAL_SECONDS
                moved, self._counts_moved = self._counts_moved, set()
                for done, code in enumerate(moved, start=1):
                    if self.quizzes[code].phase in ("lobby", "question"):
                        self._publish_state(link, self.quizzes[code])
                    if done % FLUSH_CHUNK == 0:
                        await asyncio.sleep(0)

    # --- views -----------------------------------------------------------------------------

    def _publish_state(self, link: Link, quiz: Quiz) -> None:
        link.publish(topics.state(quiz.code), encode(state_view(quiz, self.clock())))

    def _publish_player(self, link: Link, quiz: Quiz, player_id: str) -> None:
        link.publish(topics.player(quiz.code, player_id), encode(player_view(quiz, player_id)),
                     qos=VIEW_QOS)


def state_view(quiz: Quiz, now: float) -> State:
    """What quiz/<code>/state says: never the correct choice before the reveal."""
    question = quiz.question
    view = reveal = None
    if question is not None:
        view = QuestionView(index=quiz.index, count=len(quiz.questions), prompt=question.prompt,
                            pos=question.pos, choices=list(question.choices),
                            opened_at=quiz.opened_at, deadline=quiz.deadline)
    if quiz.phase == "reveal" and question is not None:
        reveal = RevealView(index=quiz.index, correct=question.correct, term=question.term,
                            distribution=list(quiz.distribution))
    return State(quiz=quiz.code, seq=quiz.seq, phase=quiz.phase, settings=quiz.settings,
                 players=len(quiz.ranking), answered=quiz.answered, question=view,
                 reveal=reveal, updated_at=now)


def player_view(quiz: Quiz, player_id: str) -> PlayerStatus:
    """What quiz/<code>/players/<id> says about one player."""
    player = quiz.players[player_id]
    last = None
    if player.last is not None:
        last = LastResult(q=player.last.q, correct=player.last.correct,
                          points=player.last.points, late=player.last.late,
                          seq=player.last_seq)
    return PlayerStatus(quiz=quiz.code, player=player.id, name=player.name, score=player.score,
                        rank=quiz.rank(player.id), streak=player.streak,
                        answered=player.answered, last=last, kicked=player.kicked)
