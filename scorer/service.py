"""The scorer's session: the MQTT edge around the handler, the views and the housekeeping.

One loop takes every pending message as a batch; the `Handler` decides what to store
and what to say; the batch is committed to SQLite in one transaction, and only then
are its messages acknowledged (QoS 1, manual ack) and its effects published
(`scorer.effects`). A crash before the commit loses nothing: the broker redelivers the
unacknowledged messages to the same persistent session.

Memory is never ahead of the database across an `await`: a batch is applied and
committed without yielding (a WAL commit without fsync is cheaper than a thread hop),
so whatever another task publishes from memory is already stored.

Views that are not a direct answer (leaderboards, counts, the players' board) go out
from a separate loop, paced (`scorer.views`), in slices of at most FLUSH_SLICE_SECONDS
with a chance for the batch loop between two, so no burst of them holds an answer back.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiomqtt
from paho.mqtt.client import MQTTMessageInfo

from protocol import topics
from protocol.address import BrokerAddress, Brokers
from protocol.channels import channel
from protocol.messages import ScorerStatus, encode
from protocol.retry import Reconnect
from scorer import words
from scorer.collector import Collector
from scorer.effects import Effects, show
from scorer.handler import Handler, Outcome
from scorer.liveness import LOOK_SECONDS, Liveness
from scorer.metrics import Metrics
from scorer.partition import Partition
from scorer.store import StorageError, Store
from scorer.transport import Link, ScorerSubscriptionRefusedError, SessionLostError
from scorer.views import Views
from speech.cache import SpeechCache
from speech.names import DEFAULT_VOICE, SpeechError

log = logging.getLogger(__name__)

# Deadlines are checked this often; it bounds how late a reveal can be.
TICK_SECONDS = 0.05
# Upper bound of one group commit: large enough to absorb a burst, small enough to ack soon.
MAX_BATCH = 2000
# Reconnect backoff after losing the broker (full jitter: see protocol.retry).
RECONNECT_MIN_SECONDS = 0.2
RECONNECT_MAX_SECONDS = 5.0
# The scorer writes a heartbeat this often; after a crash it bounds when the outage began.
HEARTBEAT_SECONDS = 1.0
# The retained load (answer rate, backlog) is refreshed this often.
STATUS_SECONDS = 5.0
# The WAL is copied into the database this often, in a worker thread.
CHECKPOINT_SECONDS = 5.0
# Views are published in slices this long at most, answers between two (see `_flush`).
FLUSH_SLICE_SECONDS = 0.002
# If the backlog marker never comes back, stop waiting for it after this long.
RECOVERY_TIMEOUT_SECONDS = 10.0
# Answers travel at QoS 0 (docs/protocol.md): one sent while the scorer was away reached
# nobody, and its client sends it again when the scorer says it is online. For this long
# after the backlog marker is back, answers to a live quiz still count as arrived when the
# scorer went away and no deadline passes, so those copies are judged as the ones a broker
# queued.
RESEND_GRACE_SECONDS = 2.0


@dataclass(frozen=True)
class ScorerSettings:
    """Configuration of one scorer process."""

    # one broker, or several of one cluster: tried in turn when the one in use is lost
    broker: BrokerAddress | Brokers = field(default_factory=BrokerAddress)
    database: Path = Path("quiz-data/quiz.db")
    client_id: str = "quiz-scorer"
    leaderboard_interval: float = 0.1
    top_n: int = 10
    partition: Partition = field(default_factory=Partition)
    # The spoken words (speech.cache): None is `audio/` beside the database, and no
    # speech at all for a database in memory.
    audio: Path | None = None
    voice: str = DEFAULT_VOICE

    def audio_folder(self) -> Path | None:
        """Where the spoken words are kept (the web board serves them from there)."""
        if self.audio is not None:
            return self.audio
        return None if str(self.database) == ":memory:" else self.database.parent / "audio"


class Scorer:
    """Scores answers from MQTT, persists them, publishes standings."""

    def __init__(self, settings: ScorerSettings, store: Store,
                 clock: Callable[[], float] = time.time, metrics: Metrics | None = None) -> None:
        self.settings = settings
        self.store = store
        self.clock = clock
        self.metrics = metrics or Metrics(process=False)
        self.quizzes = {quiz.code: quiz for quiz in store.load(clock())}
        folder = settings.audio_folder()
        self.speech = None if folder is None else SpeechCache.found(folder, settings.voice)
        if self.speech is not None and not self.speech.available:
            log.warning("espeak-ng is not installed: no listening questions, no IPA at the "
                        "reveal (apt-get install espeak-ng, then restart)")
        self.handler = Handler(self.quizzes, store, self.metrics,
                               partition=settings.partition, speech=self.speech)
        self.views = Views(self.quizzes, self.metrics, settings.top_n,
                           settings.leaderboard_interval, scorer=settings.client_id,
                           speech=self.speech)
        self.effects = Effects(self.quizzes, store, self.views, clock)
        self.metrics.watch_population(self.handler.population)
        self.metrics.watch_storage("database", store.path)
        self.metrics.database(ok=True)
        # Answers that waited in the broker while the scorer was away are judged as if they
        # had arrived when it went away: see docs/reliability.md.
        self._down_since: float | None = store.last_alive()
        self._recovering = True
        self._connected_at = self._last_beat = self._last_checkpoint = self._last_status = 0.0
        self._online_since = clock()
        self._tasks: set[asyncio.Task[None]] = set()
        self._sync_topic = topics.scorer_sync(settings.client_id)
        self._marker = b""  # this connection's backlog marker, also its liveness probe
        self._marker_back_at: float | None = None  # when it came back (monotonic)
        self.liveness = Liveness()
        self.connected = asyncio.Event()
        self.broker = Brokers.of(settings.broker).addresses[0]  # the broker in use, or next
        self.collector = Collector()
        self.scored = 0
        log.info("loaded %d quizzes from %s", len(self.quizzes), store.path)

    # --- connection ------------------------------------------------------------------------

    async def run(self) -> None:
        """Serve forever, reconnecting to the broker with backoff."""
        self.collector.full()  # what was restored from the database is long-lived
        words.load()  # the English word list typed answers are judged with: once, now
        self._say([code for code, quiz in self.quizzes.items() if quiz.phase != "finished"])
        try:
            await self._serve_forever()
        finally:
            self.collector.release()

    async def _serve_forever(self) -> None:
        # After a loss the next attempt goes to the next broker of the list (its session is
        # the cluster's, so the answers it kept wait there too), after a jittered wait.
        retry = Reconnect(self.settings.broker, low=RECONNECT_MIN_SECONDS,
                          high=RECONNECT_MAX_SECONDS)
        while True:
            reason = "the connection ended"
            broker = retry.current
            try:
                async with Link.connect(broker, self.settings.client_id,
                                        will=self._status("offline", since=0.0)) as link:
                    retry.connected(broker)
                    self.broker = broker
                    try:
                        await self._serve(link)
                    finally:
                        self._show_all_due(link)  # the last changes, before saying goodbye
                        await link.goodbye(encode(self._status("offline", self.clock())))
            except* (StorageError, ScorerSubscriptionRefusedError) as group:
                # Storage: memory is now ahead of the database; stop, so that a restart
                # rebuilds from it (nothing of the failed batch was acknowledged). A refused
                # subscription: running on would silently ignore a kind of request.
                raise group.exceptions[0] from None
            except* aiomqtt.MqttError as group:
                self.connected.clear()
                self.metrics.broker_down()
                if self._down_since is None:
                    self._down_since = self.clock()
                reason = str(group.exceptions[0])
            delay = retry.lost()
            log.warning("broker %s unreachable (%s); trying %s in %.1fs",
                        broker, reason, retry.current, delay)
            await asyncio.sleep(delay)

    async def _serve(self, link: Link) -> None:
        self._recovering, self._connected_at = True, self.clock()
        self._marker_back_at = None
        self._online_since = self.clock()
        self.liveness = Liveness()
        await link.subscribe(*self._subscriptions(), self._sync_topic)
        # Queued messages come first; when this marker comes back, the backlog is drained.
        # (It names this connection's start: one left over from an earlier one does not do.)
        self._marker = encode(self._status("online"))
        link.publish(self._sync_topic, self._marker, retain=False)
        link.publish(topics.status_of(self.settings.client_id), encode(self._status("online")))
        now = self.clock()
        for code, quiz in self.quizzes.items():  # a broker without persistence lost them
            show(link, self.views.state(code, now))
            for player_id in quiz.players:
                show(link, [self.views.player(code, player_id)])
        self.views.everything()
        self.connected.set()
        self.metrics.broker_up()
        log.info("scorer online at %s as %s", self.broker, self.settings.client_id)
        async with asyncio.TaskGroup() as group:
            group.create_task(self._consume(link), name="consume")
            group.create_task(self._tick(link), name="tick")
            group.create_task(self._flush(link), name="flush-views")
            group.create_task(self._watch(link), name="liveness")

    def _subscriptions(self, codes: list[str] | None = None) -> list[str]:
        """What this scorer reads: every quiz by wildcard, or only its own (scorer.partition).

        With `codes`, the filters of those quizzes alone (new ones, or forgotten ones).
        """
        if self.settings.partition.alone:
            return [] if codes is not None else list(topics.SCORER_SUBSCRIPTIONS)
        own = self.quizzes if codes is None else codes
        filters = [] if codes is not None else [topics.create()]
        return filters + [topic for code in own for topic in topics.quiz_requests(code)]

    def _status(self, status: str, since: float | None = None) -> ScorerStatus:
        """The retained status; an offline will says since=0 (the time is not known yet)."""
        quizzes, players = self.handler.population()
        return ScorerStatus(status="online" if status == "online" else "offline",
                            since=self._online_since if since is None else since,
                            scorer=self.settings.client_id,
                            quizzes=quizzes, players=players,
                            answers_per_second=round(self.metrics.answers_per_second(), 1),
                            backlog=self.metrics.backlog)

    # --- the batch loop --------------------------------------------------------------------

    async def _consume(self, link: Link) -> None:
        async for batch in link.batches(MAX_BATCH):
            self.liveness.heard(time.monotonic())
            started = time.perf_counter()
            self.metrics.set_backlog(len(batch) + link.pending())
            out = Outcome()
            now = self.clock()
            probes = 0
            for message in batch:
                topic = str(message.topic)
                if topic == self._sync_topic:
                    probes += 1
                    if message.payload == self._marker and self._marker_back_at is None:
                        self._marker_back_at = time.monotonic()  # _tick ends the recovery
                    continue
                # Answers that waited in the broker count as arrived when the scorer went away.
                judged = now
                if self._recovering and self._down_since is not None \
                        and (self._marker_back_at is None or self._held(topic)):
                    judged = min(now, self._down_since)
                payload = message.payload
                data = payload if isinstance(payload, bytes) else str(payload).encode()
                try:
                    self.handler.handle(topic, data, now, judged, out)
                except Exception:  # a bug must cost one message, never the scorer
                    log.exception("dropped a message on %s after an unexpected error", topic)
            commit_seconds = self._commit(out) if out.writes else None
            for message in batch:
                link.ack(message)
            created = [quiz.code for quiz in out.writes.quizzes]
            self._say(created)
            if created and not self.settings.partition.alone:
                # Read a new quiz's requests before anyone learns its code from the reply.
                await link.subscribe(*self._subscriptions(created))
            self.effects.carry_out(link, out)
            self.scored += out.scored
            if probes < len(batch):  # the scorer's own markers are no requests to count
                self.metrics.observe_batch(len(batch) - probes, commit_seconds)
                self.metrics.scored(time.perf_counter() - started, out.scored)
            self.metrics.set_backlog(link.pending())

    def _held(self, topic: str) -> bool:
        """Whether an answer on `topic` is to a live quiz, whose deadlines the grace holds.

        A self-paced quiz has no deadline held: each player's clock runs on, and an answer
        that comes after the backlog is judged when it comes, as before the grace.
        """
        try:
            quiz = self.quizzes.get(topics.parse_inbound(topic).code)
        except topics.TopicError:
            return False
        return quiz is not None and not quiz.self_paced

    def _commit(self, out: Outcome) -> float:
        started = time.perf_counter()
        try:
            self.store.write(out.writes)
        except StorageError:
            self.metrics.database(ok=False)
            raise
        return time.perf_counter() - started

    def _caught_up(self, now: float) -> None:
        if self._recovering and self._down_since is not None:
            log.info("caught up with the broker's backlog; the outage lasted %.1fs",
                     now - self._down_since)
        self._recovering, self._down_since = False, None

    async def _watch(self, link: Link) -> None:
        """Probe the session through the broker; end the connection when it has gone deaf.

        A message waiting to be taken by the batch loop counts as heard: a scorer too busy
        to read is not deaf. One probe is out at a time: the next goes once the broker has
        acknowledged it, so a slow broker is not flooded with probes either.
        """
        probe: MQTTMessageInfo | None = None  # the probe not acknowledged yet
        while True:
            await asyncio.sleep(LOOK_SECONDS)
            now = time.monotonic()
            if link.pending():
                self.liveness.heard(now)
            if probe is not None and probe.is_published():
                self.liveness.acknowledged(now)
                probe = None
            if self.liveness.look(now):
                message = (f"nothing came in for {self.liveness.silent_for(now):.1f} s, its "
                           "own probe included: the broker lost the session, or another "
                           "client took it with the same client id")
                log.warning("%s; connecting again", message)
                raise SessionLostError(message)
            if self.liveness.probe_due(now) and probe is None:
                probe = link.publish(self._sync_topic, self._marker, retain=False)

    # --- timers, housekeeping and paced views ----------------------------------------------

    async def _tick(self, link: Link) -> None:
        while True:
            await asyncio.sleep(TICK_SECONDS)
            if self._recovering:  # no deadline passes before the answers that waited are in
                if self._marker_back_at is not None:
                    if time.monotonic() - self._marker_back_at < RESEND_GRACE_SECONDS:
                        continue  # the clients' copies of what the broker did not keep
                    self._caught_up(self.clock())
                elif self.clock() - self._connected_at < RECOVERY_TIMEOUT_SECONDS:
                    continue
                else:
                    log.warning("the backlog marker did not come back; resuming the timers")
                    self._caught_up(self.clock())
            now = self.clock()
            out = Outcome()
            self._housekeeping(link, now, out)
            open_questions = self.handler.tick(now, out)
            if out.writes:
                self.metrics.observe_commit(self._commit(out))
            self.effects.carry_out(link, out)
            self.collector.tick(quiet=not open_questions)  # see scorer/collector.py

    def _housekeeping(self, link: Link, now: float, out: Outcome) -> None:
        """Heartbeat, checkpoint, the retained load, and forgetting old quizzes."""
        if now - self._last_beat < HEARTBEAT_SECONDS:
            return
        out.writes.alive = self._last_beat = now
        if now - self._last_checkpoint >= CHECKPOINT_SECONDS:
            self._last_checkpoint = now
            self._background(asyncio.to_thread(self.store.checkpoint))
        if now - self._last_status >= STATUS_SECONDS:  # load, for `quiz status`
            self._last_status = now
            link.publish(topics.load_of(self.settings.client_id), encode(self._status("online")),
                         qos=channel(topics.scorer_load).qos)
            forgotten = self.handler.evict(now)
            self.views.forget(forgotten)
            if forgotten and not self.settings.partition.alone:
                self._background(link.unsubscribe(*self._subscriptions(forgotten)))

    def _say(self, codes: list[str]) -> None:
        """Make the audio and IPA of these quizzes' words, in a thread, ahead of their questions.

        A quiz is created well before its first question opens, and each word takes
        espeak-ng a few milliseconds; the batch loop goes on meanwhile.
        """
        if self.speech is None or not self.speech.available or not codes:
            return
        words = [question.term for code in codes if code in self.quizzes
                 for question in self.quizzes[code].questions]
        self._background(self._prepare(self.speech, words), name="speech")

    @staticmethod
    async def _prepare(speech: SpeechCache, words: list[str]) -> None:
        try:
            await speech.prepare_soon(words)
        except (SpeechError, OSError) as exc:
            log.error("could not say the words of a quiz: %s", exc)  # noqa: TRY400 - one line

    def _background(self, work: Coroutine[Any, Any, None], name: str = "checkpoint") -> None:
        task = asyncio.create_task(work, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _flush(self, link: Link) -> None:
        while True:
            await asyncio.sleep(self.settings.leaderboard_interval)
            # Answers go first: the views go out in slices of FLUSH_SLICE_SECONDS, with a
            # chance for the batch loop between two (one publish a slice cost a loop pass
            # and a send() per view; all at once delayed answers by tens of ms).
            until = time.perf_counter() + FLUSH_SLICE_SECONDS
            for view in self.views.due(self.clock()):
                try:
                    show(link, [view])
                except Exception:  # one failed publish must not tear the session down
                    log.exception("publishing %s failed", view.topic)
                if time.perf_counter() >= until:
                    await asyncio.sleep(0)
                    until = time.perf_counter() + FLUSH_SLICE_SECONDS

    def _show_all_due(self, link: Link) -> None:
        """Publish every view still waiting, at once (the scorer is stopping)."""
        try:
            for view in self.views.due(float("inf")):
                show(link, [view])
        except Exception:
            log.exception("could not publish the last views")
