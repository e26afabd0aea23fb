"""`quiz bench`: simulate players over a real broker and measure the scorer.

The bench starts its own broker and scorer (`quiz serve` in a subprocess, so
its CPU and memory can be read from /proc), joins N players across M quizzes
through a few multiplexed MQTT connections, makes every player answer one
question within a spread of seconds, and measures:

- scored answers per second;
- latency from an answer's publish to the player's own result, and to the first
  leaderboard that includes it (a board includes an answer when its `seq` is at
  least the answer's `seq`);
- the scorer's CPU time and memory; the load generator's own CPU time;
- answers lost or counted twice, checked against the stored answers in SQLite;
- a baseline: a bare Python client that receives a message and publishes one
  reply on the same broker, with no other work.

With `per_player` each player has its own connection and follows exactly what a
player's screen follows (`protocol.views.player_follows`), and a few displays follow what
a classroom display follows (`display_follows`): the broker then delivers every view to
every follower, as it does for real clients. The latencies are then as those clients see
them: the own result, the players' board at each player, the live leaderboard at each
display. `compare` runs both modes on the same scenario and reports the fan-out penalty.

With `transport="websockets"` the players and displays reach Mosquitto through its
WebSockets listener, as the player page and the web board do (MQTT over WebSockets); the
scorer and the host stay on TCP.

Every wait is bounded in time; nothing here is a test assertion.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import functools
import gc
import heapq
import math
import os
import random
import re
import resource
import secrets
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import aiomqtt

from broker.mosquitto import stop_process
from cli.loadclient import LoadClient, Transport, load_client, open_client
from client.outbox import PendingAnswer
from client.requests import QuizClient
from protocol import auth, topics, views
from protocol.address import BrokerAddress, broker_url
from protocol.channels import channel
from protocol.errors import FailureError
from protocol.link import MAX_INFLIGHT, NO_DELAY
from protocol.messages import Join, Leaderboard, PlayerStatus, Reply, decode, encode
from protocol.retry import resend_wait
from scorer.deck import BUILTIN_DEFAULT, load_builtin
from serve.supervisor import member_database

# Players per MQTT connection of the load generator (it multiplexes them).
PLAYERS_PER_CONNECTION = 500
# Upper bound on how long any phase may take before the bench gives up on it.
PHASE_TIMEOUT_SECONDS = 120.0
# Answers go at the contract's QoS (0) and are sent again until their result, as every
# client does (client/outbox.py): the bench measures that path, resends included.
ANSWER_QOS = channel(topics.answer).qos
# How often the resender looks for answers whose timer ran out: a fraction of the first wait.
RESEND_TICK_SECONDS = 0.1
# Seconds each question stays open: long enough that no answer is late.
QUESTION_SECONDS = 120.0
# Subscriptions sent in one SUBSCRIBE packet.
SUBSCRIBE_CHUNK = 200
# The echo baseline's messages: ten per player, between these bounds. A fixed 20,000 took
# 80-100 s through a NATS cluster on a loaded 2-core machine (JetStream stores every QoS 1
# message), longer than the small bench it was the baseline of.
ECHO_MESSAGES = 20_000
ECHO_MIN_MESSAGES = 1_000
ECHO_MESSAGES_PER_PLAYER = 10
# Connections opened at once, then a pause: a burst of 10,000 CONNECTs overflows the
# broker's listen backlog and turns into SYN retries of a second or more.
CONNECT_BATCH = 100
CONNECT_PAUSE_SECONDS = 0.02
# File descriptors beyond one per connection (stdio, pipes to the scorer, event loop).
SPARE_FILES = 64
# How long, after the last result, players and displays may take to see a board that
# includes every answer: the players' board comes at a bounded rate, not every interval.
BOARD_WAIT_SECONDS = 2.0
# The question every simulated player answers.
QUESTION = 0
# Mosquitto's WebSockets listener, when the bench opens one, is this far above --port (as
# `quiz serve` places it).
WS_PORT_OFFSET = 1
# The brokers the bench starts with a WebSockets listener it can open for the players.
# The embedded broker opens one only with the web board, for at most 1,000 browsers;
# NATS 2.9 has none.
WEBSOCKET_BROKERS = ("mosquitto",)


class BenchError(FailureError, RuntimeError):
    """The bench cannot run as asked (for example, too few file descriptors)."""


@dataclass(frozen=True)
class BenchConfig:
    """What to simulate."""

    players: int = 200
    quizzes: int = 1
    spread: float = 3.0
    broker: str = "embedded"
    leaderboard_interval: float = 0.1
    echo: bool = True
    seed: int = 1
    # One connection per player following what a player's screen follows, plus displays.
    per_player: bool = False
    displays: int = 3
    scorers: int = 1  # scorer processes (quiz serve --scorers), each owning some quizzes
    typed: bool = False  # a typed question: players type words the scorer judges
    transport: Transport = "tcp"  # how players and displays reach the broker


def usage_problem(config: BenchConfig) -> str | None:
    """Why the bench cannot run `config` as asked (a usage error), or None."""
    if config.transport == "websockets" and config.broker not in WEBSOCKET_BROKERS:
        return (f"--transport websockets needs a broker with a WebSockets listener the bench "
                f"can open: --broker {' or '.join(WEBSOCKET_BROKERS)} (not {config.broker})")
    return None


@dataclass
class Sim:
    """One simulated player."""

    quiz: str
    name: str
    secret: str
    player: str = ""
    sent_at: float = 0.0
    result_at: float = 0.0
    answer_seq: int = 0
    resent: int = 0  # copies of its answer sent before its result came (protocol/retry.py)
    score: int | None = None  # the score its latest status published (per-player mode)


def percentiles(values: list[float]) -> dict[str, float]:
    """p50 / p95 / p99 / max of values, in milliseconds (values are seconds)."""
    if not values:
        return {"p50": math.nan, "p95": math.nan, "p99": math.nan, "max": math.nan}
    ordered = sorted(values)

    def at(fraction: float) -> float:
        index = min(len(ordered) - 1, max(0, math.ceil(fraction * len(ordered)) - 1))
        return round(ordered[index] * 1000, 1)

    return {"p50": at(0.50), "p95": at(0.95), "p99": at(0.99), "max": round(ordered[-1] * 1000, 1)}


# --- the scorer process -----------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def family(pid: int) -> list[int]:
    """A process and its children (`quiz serve --scorers N` runs each scorer as a child)."""
    found = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        for child in task.read_text().split():
            found += family(int(child))
    return found


def family_cpu_seconds(pid: int) -> float:
    """CPU time of a process and its living children, from /proc (0 for one gone)."""
    total = 0.0
    for member in family(pid):
        with contextlib.suppress(OSError):
            total += cpu_seconds(member)
    return total


@dataclass
class ScorerProcess:
    """`quiz serve` in a subprocess, with its resource use read from /proc."""

    process: subprocess.Popen[str]
    # Mosquitto's or nats-server's process when the bench started one (the embedded broker
    # is the scorer's); the pids of a cluster's nodes, whose CPU is summed.
    broker: subprocess.Popen[bytes] | None = None
    nodes: tuple[int, ...] = ()

    def cpu_seconds(self) -> float:
        """User + system CPU time of the scorer (all its processes) so far."""
        return family_cpu_seconds(self.process.pid)

    def broker_cpu_seconds(self) -> float | None:
        """The same for a separate broker (or cluster); None when it runs inside the scorer."""
        if self.nodes:
            return sum(cpu_seconds(pid) for pid in self.nodes)
        return None if self.broker is None else cpu_seconds(self.broker.pid)

    def memory_kib(self) -> tuple[int, int]:
        """(current RSS, peak RSS) in KiB."""
        rss = peak = 0
        for member in family(self.process.pid):  # summed over the scorers
            with contextlib.suppress(OSError):
                status = Path(f"/proc/{member}/status").read_text()
                found = dict(re.findall(r"^(VmRSS|VmHWM):\s+(\d+)", status, re.MULTILINE))
                rss, peak = rss + int(found.get("VmRSS", 0)), peak + int(found.get("VmHWM", 0))
        return rss, peak


@contextmanager
def scorer_process(args: list[str], broker: subprocess.Popen[bytes] | None = None,
                   timeout: float = 30.0, nodes: tuple[int, ...] = ()) -> Iterator[ScorerProcess]:
    """Start `quiz serve ARGS` and wait until it says it is online.

    `broker` is the separate broker process the scorer uses, if the bench started one.
    """
    process = subprocess.Popen(  # noqa: S603 - our own command line
        [sys.executable, "-m", "cli", "serve", *args], stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL, text=True)
    try:
        deadline = time.monotonic() + timeout
        assert process.stdout is not None  # noqa: S101 - stdout=PIPE above
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if "online" in line:
                break
            if not line and process.poll() is not None:
                raise RuntimeError("the scorer exited before coming online")
        else:
            raise TimeoutError("the scorer did not come online")
        yield ScorerProcess(process, broker, nodes)
    finally:
        stop_process(process)


# --- load generation ----------------------------------------------------------------------------


def _fast_client(broker: BrokerAddress, client_id: str) -> aiomqtt.Client:
    return aiomqtt.Client(broker.host, broker.port, username=broker.username,
                          password=broker.password, identifier=client_id,
                          max_inflight_messages=MAX_INFLIGHT, timeout=PHASE_TIMEOUT_SECONDS,
                          socket_options=[NO_DELAY])


def _publish_nowait(client: aiomqtt.Client, topic: str, payload: bytes) -> None:
    # Queue in paho without waiting for the PUBACK: one connection carries many players.
    client._client.publish(topic, payload, qos=1)  # noqa: SLF001


@dataclass
class Pool:
    """Many simulated players sharing one MQTT connection (a lean one: cli/loadclient.py)."""

    client: LoadClient
    client_id: str
    sims: list[Sim]
    by_status_topic: dict[str, Sim] = field(default_factory=dict)
    replies: dict[str, Sim] = field(default_factory=dict)
    pending_joins: int = 0
    pending_results: int = 0
    joined: asyncio.Event = field(default_factory=asyncio.Event)
    answered: asyncio.Event = field(default_factory=asyncio.Event)
    on_result: Callable[[], None] = lambda: None

    def handle(self, topic: str, payload: bytes) -> None:
        """Dispatch a reply or a player status (the connection's message callback)."""
        now = time.monotonic()
        sim = self.by_status_topic.get(topic)
        if sim is not None:
            status = decode(PlayerStatus, payload)
            if sim.sent_at and not sim.result_at and status.last is not None:
                sim.result_at, sim.answer_seq = now, status.last.seq
                self.pending_results -= 1
                self.on_result()
                if self.pending_results == 0:
                    self.answered.set()
            return
        reply = decode(Reply, payload)
        joiner = self.replies.pop(reply.req, None)
        if joiner is not None and reply.ok and reply.player:
            joiner.player = reply.player
            self.pending_joins -= 1
            if self.pending_joins == 0:
                self.joined.set()

    async def join(self) -> None:
        """Join every player of the pool; return when all replies are in."""
        # At the QoS the screens follow with (protocol/views.py): the scorer publishes these
        # at QoS 0 anyway, and NATS refuses more than a few dozen QoS 1 subscriptions a session.
        await self.client.subscribe(topics.replies_of(self.client_id), qos=views.FOLLOW_QOS)
        self.pending_joins = len(self.sims)
        for sim in self.sims:
            req = topics.new_request_id()
            self.replies[req] = sim
            message = Join(client=self.client_id, req=req, name=sim.name, secret=sim.secret)
            self.client.publish(topics.join(sim.quiz), encode(message))
            await asyncio.sleep(0)
        await self.client.until(self.joined)
        for sim in self.sims:
            self.by_status_topic[topics.player(sim.quiz, sim.player)] = sim
        status_topics = list(self.by_status_topic)
        for start in range(0, len(status_topics), SUBSCRIBE_CHUNK):
            chunk = status_topics[start:start + SUBSCRIBE_CHUNK]
            await self.client.subscribe([(topic, views.FOLLOW_QOS) for topic in chunk])
        await asyncio.sleep(0.5)  # the retained statuses of the join arrive and are ignored

    async def answer(self, schedule: list[tuple[float, Sim, bytes]], start: float,
                     resender: Resender | None = None) -> None:
        """Publish each answer at its time (seconds after start); `resender` sends it again.

        Without one, the pool runs its own, until every answer has its result.
        """
        if resender is None:
            async with resending(random.Random()) as own:
                await self.answer(schedule, start, own)
            return
        self.pending_results = len(schedule)
        for offset, sim, payload in schedule:
            delay = start + offset - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            sim.sent_at = time.monotonic()
            send = functools.partial(self.client.publish, topics.answer(sim.quiz, sim.player),
                                     payload, ANSWER_QOS)
            send()
            resender.sent(sim, send)
        await self.client.until(self.answered)


class Resender:
    """Sends each answer again until its result, on client/outbox.py's timer (resend_wait).

    A heap of (when due, ...) so that 10,000 answers cost nothing while they are scored in
    time; a copy goes only for an answer whose result has not come.
    """

    def __init__(self, rand: random.Random) -> None:
        self.rand = rand
        self._due: list[tuple[float, int, Sim, Callable[[], None], int]] = []
        self._order = 0  # ties in time: first sent, first resent

    def sent(self, sim: Sim, send: Callable[[], None], times: int = 1) -> None:
        """`send` just published sim's answer for the `times`-th time."""
        self._order += 1
        heapq.heappush(self._due, (time.monotonic() + resend_wait(times, self.rand.random),
                                   self._order, sim, send, times))

    async def run(self) -> None:
        """Until cancelled: send again each answer whose timer ran out without a result."""
        while True:
            await asyncio.sleep(RESEND_TICK_SECONDS)
            now = time.monotonic()
            while self._due and self._due[0][0] <= now:
                _, _, sim, send, times = heapq.heappop(self._due)
                if not sim.result_at:
                    send()
                    sim.resent += 1
                    self.sent(sim, send, times + 1)


@asynccontextmanager
async def resending(rand: random.Random) -> AsyncIterator[Resender]:
    """A resender running for the block."""
    resender = Resender(rand)
    task = asyncio.create_task(resender.run(), name="resend-answers")
    try:
        yield resender
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


@asynccontextmanager
async def pools(broker: BrokerAddress, sims: list[Sim],
                transport: Transport = "tcp") -> AsyncIterator[list[Pool]]:
    """Open one connection per PLAYERS_PER_CONNECTION players."""
    async with contextlib.AsyncExitStack() as stack:
        opened: list[Pool] = []
        for start in range(0, len(sims), PLAYERS_PER_CONNECTION):
            client_id = topics.new_client_id()
            client = await stack.enter_async_context(
                load_client(broker, client_id, PHASE_TIMEOUT_SECONDS, transport))
            pool = Pool(client, client_id, sims[start:start + PLAYERS_PER_CONNECTION])
            client.on_message = pool.handle
            opened.append(pool)
        yield opened


@dataclass
class Boards:
    """Every leaderboard received, per quiz: (seq, time received)."""

    seen: dict[str, tuple[list[int], list[float]]] = field(default_factory=dict)

    recording: bool = False

    def handle(self, topic: str, payload: bytes) -> None:
        """Record a leaderboard while recording (the watcher's message callback)."""
        if self.recording:
            board = decode(Leaderboard, payload)
            seqs, times = self.seen.setdefault(board.quiz, ([], []))
            seqs.append(board.seq)
            times.append(time.monotonic())

    def first_including(self, quiz: str, seq: int) -> float | None:
        """When the first board with seq >= `seq` arrived."""
        seqs, times = self.seen.get(quiz, ([], []))
        # seqs only grow, in the order the boards arrived
        index = bisect.bisect_left(seqs, seq)
        return times[index] if index < len(times) else None


# --- the run ------------------------------------------------------------------------------------


async def _create_quizzes(broker: BrokerAddress, count: int, host_key: str,
                          typed: bool = False) -> list[str]:
    async with QuizClient.connect(broker, PHASE_TIMEOUT_SECONDS) as client:
        return [await client.create(deck="everyday", entries=None, questions=1,
                                    seconds=QUESTION_SECONDS, speed_bonus=True, streak=True,
                                    auto=False, host_key=host_key,
                                    kinds=["typed" if typed else "choice"])
                for _ in range(count)]


async def _start_quizzes(broker: BrokerAddress, codes: list[str], host_key: str) -> float:
    async with QuizClient.connect(broker, PHASE_TIMEOUT_SECONDS) as client:
        await asyncio.gather(*(client.control(code, host_key, "start") for code in codes[:1]))
        for code in codes[1:]:
            await client.control(code, host_key, "start")
    return time.monotonic()


def _answer(sim: Sim, client_id: str, spread: float, rng: random.Random,
            typed: bool = False) -> tuple[float, bytes]:
    """A player's signed answer to QUESTION and when to send it (seconds after the start).

    Both modes draw from `rng` in the players' order, so one seed gives every player the
    same choice (or typed word: a word of the deck, judged like any other) and moment in
    either mode.
    """
    given: int | str = rng.choice(_typed_words()) if typed else rng.randrange(4)
    answer = PendingAnswer.sign(sim.secret, sim.quiz, sim.player, QUESTION, given)
    return rng.uniform(0, spread), encode(answer.request(client_id))


@functools.cache
def _typed_words() -> tuple[str, ...]:
    return tuple(entry.term for entry in load_builtin(BUILTIN_DEFAULT))


def _schedule(pool: Pool, spread: float, rng: random.Random,
              typed: bool = False) -> list[tuple[float, Sim, bytes]]:
    """Each player's signed answer and when to send it (seconds)."""
    schedule = []
    for sim in pool.sims:
        offset, payload = _answer(sim, pool.client_id, spread, rng, typed)
        schedule.append((offset, sim, payload))
    return sorted(schedule, key=lambda item: item[0])


@dataclass
class Window:
    """What happened while the answers were sent."""

    join_seconds: float
    rss_idle: int
    rss_joined: int
    scorer_cpu: float
    own_cpu: float
    broker_cpu: float | None


async def _simulate(config: BenchConfig, public: BrokerAddress, host: BrokerAddress,
                    scorer: ScorerProcess, sims: list[Sim], codes: list[str], host_key: str,
                    boards: Boards, progress: Callable[[str, int, int], None]) -> Window:
    rng = random.Random(config.seed)
    rss_idle, _ = scorer.memory_kib()
    done = 0

    def count_result() -> None:
        nonlocal done
        done += 1
        if done % 100 == 0 or done == len(sims):
            progress("answers scored", done, len(sims))

    async with pools(public, sims, config.transport) as opened, \
            load_client(public, topics.new_client_id(), PHASE_TIMEOUT_SECONDS,
                        config.transport) as watcher:
        watcher.on_message = boards.handle
        await watcher.subscribe(topics.every_leaderboard(), qos=1)
        join_start = time.monotonic()
        progress("players joining", 0, len(sims))
        async with asyncio.timeout(PHASE_TIMEOUT_SECONDS):
            await asyncio.gather(*(pool.join() for pool in opened))
        join_seconds = time.monotonic() - join_start - 0.5
        progress("players joining", len(sims), len(sims))
        rss_joined, _ = scorer.memory_kib()
        boards.recording = True
        await _start_quizzes(host, codes, host_key)
        schedules = [_schedule(pool, config.spread, rng, config.typed) for pool in opened]
        for pool in opened:
            pool.on_result = count_result
        # The load generator's own full collections (20-45 ms with 10,000 players) would be
        # counted as the scorer's latency: move the players out of the collector's way.
        gc.collect()
        gc.freeze()
        try:
            cpu_before, own_cpu_before = scorer.cpu_seconds(), time.process_time()
            broker_before = scorer.broker_cpu_seconds()
            start = time.monotonic() + 0.2
            async with asyncio.timeout(PHASE_TIMEOUT_SECONDS), resending(rng) as resender:
                await asyncio.gather(*(pool.answer(schedule, start, resender)
                                       for pool, schedule in zip(opened, schedules, strict=True)))
            await asyncio.sleep(config.leaderboard_interval * 3)  # the last boards arrive
        finally:
            boards.recording = False
            gc.unfreeze()
        broker_after = scorer.broker_cpu_seconds()
        broker_cpu = None if broker_before is None or broker_after is None \
            else broker_after - broker_before
        return Window(join_seconds, rss_idle, rss_joined, scorer.cpu_seconds() - cpu_before,
                      time.process_time() - own_cpu_before, broker_cpu)


async def drive(config: BenchConfig, public: BrokerAddress, host: BrokerAddress,
                scorer: ScorerProcess, db: Path,
                progress: Callable[[str, int, int], None]) -> dict[str, Any]:
    """Run the simulation against a running scorer; return the measurements."""
    host_key = auth.new_secret()
    codes = await _create_quizzes(host, config.quizzes, host_key, config.typed)
    sims = _players(config, codes)
    if config.per_player:
        return await _drive_per_player(config, public, host, scorer, db, sims, codes, host_key,
                                       progress)
    boards = Boards()
    run = await _simulate(config, public, host, scorer, sims, codes, host_key, boards, progress)
    board_latency = []
    for sim in sims:
        seen = boards.first_including(sim.quiz, sim.answer_seq)
        if seen is not None:
            board_latency.append(seen - sim.sent_at)
    return {
        "mode": "multiplexed",
        **_measurements(config, scorer, db, sims, codes, run),
        "leaderboard_ms": percentiles(board_latency),
        "answers_without_a_board": len(sims) - len(board_latency),
    }


def _players(config: BenchConfig, codes: list[str]) -> list[Sim]:
    per_quiz = max(1, config.players // config.quizzes)
    return [Sim(code, f"p{i}", auth.new_secret()) for code in codes for i in range(per_quiz)]


def _measurements(config: BenchConfig, scorer: ScorerProcess, db: Path, sims: list[Sim],
                  codes: list[str], run: Window) -> dict[str, Any]:
    """What both modes report: rates, own-result latency, losses, CPU and memory."""
    window = max(sim.result_at for sim in sims) - min(sim.sent_at for sim in sims)
    own = [sim.result_at - sim.sent_at for sim in sims]
    stored, duplicates = _stored_answers(db, codes, config.scorers)
    _, rss_peak = scorer.memory_kib()
    return {
        "players": len(sims), "quizzes": len(codes), "spread_seconds": config.spread,
        "question": "typed" if config.typed else "choice",
        "joins_per_second": round(len(sims) / run.join_seconds) if run.join_seconds > 0 else None,
        "answers_sent": len(sims),
        "answers_scored_per_second": round(len(sims) / window) if window > 0 else None,
        "answer_window_seconds": round(window, 3),
        "own_result_ms": percentiles(own),
        "stored_answers": stored, "lost": len(sims) - stored, "counted_twice": duplicates,
        # copies sent because a result was late (over 3 s) or lost: 0 when all is well
        "answers_resent": sum(sim.resent for sim in sims),
        "scorer_cpu_seconds": round(run.scorer_cpu, 2),
        "scorer_cpu_percent_of_window": round(100 * run.scorer_cpu / window, 1) if window else None,
        "scorer_cpu_us_per_answer": round(run.scorer_cpu * 1e6 / len(sims)),
        "loadgen_cpu_seconds": round(run.own_cpu, 2),
        "broker_cpu_seconds": None if run.broker_cpu is None else round(run.broker_cpu, 2),
        "scorer_rss_idle_kib": run.rss_idle, "scorer_rss_joined_kib": run.rss_joined,
        "scorer_rss_peak_kib": rss_peak,
        "scorer_bytes_per_player": round((run.rss_joined - run.rss_idle) * 1024 / len(sims)),
    }


# --- one connection per player ------------------------------------------------------------------


def open_files_needed(config: BenchConfig) -> int:
    """File descriptors the per-player mode needs in this process (and in the broker)."""
    return config.players + config.displays + SPARE_FILES


def raise_open_files_limit(needed: int) -> int:
    """Raise the soft RLIMIT_NOFILE to the hard limit; BenchError if still below `needed`.

    The broker and the scorer the bench starts afterwards inherit the raised limit.
    Returns the soft limit now in force.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = max(soft, needed) if hard == resource.RLIM_INFINITY else hard
    if soft != resource.RLIM_INFINITY and soft < target:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
    if soft != resource.RLIM_INFINITY and soft < needed:
        raise BenchError(
            f"one connection per player needs {needed} open files, but this process may open "
            f"{soft} (hard limit {hard}); raise the hard limit (ulimit -Hn, or LimitNOFILE) "
            f"or bench fewer players")
    return soft


def established_connections(port: int) -> int:
    """TCP connections open on this machine whose local end is `port`: the broker's side.

    Read from /proc/net, so it counts what the kernel holds, not what the bench believes.
    """
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                if fields[3] == "01" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                    count += 1  # 01: ESTABLISHED
    return count


def _topic_of(follows: dict[str, views.UpdateKind], kind: views.UpdateKind) -> str:
    """The followed topic that carries `kind` ("" if none does)."""
    return next((topic for topic, carried in follows.items() if carried is kind), "")


@dataclass
class Fleet:
    """What all the per-player connections share: flags, counters, the results barrier."""

    recording: bool = False  # keep boards
    counting: bool = False  # count deliveries (the answer window)
    pending_results: int = 0
    answered: asyncio.Event = field(default_factory=asyncio.Event)
    to_players: int = 0
    to_displays: int = 0
    on_result: Callable[[], None] = lambda: None

    def result(self) -> None:
        """One more player has its own result."""
        self.pending_results -= 1
        self.on_result()
        if self.pending_results == 0:
            self.answered.set()


@dataclass
class Player:
    """One simulated player on its own connection, following what a player's screen does."""

    sim: Sim
    client: LoadClient
    fleet: Fleet
    follows: dict[str, views.UpdateKind] = field(default_factory=dict)
    refused: list[str] = field(default_factory=list)
    status_topic: str = ""
    board_topic: str = ""
    reply_topic: str = ""
    joined: asyncio.Event = field(default_factory=asyncio.Event)
    join_error: str = ""
    boards: list[tuple[int, float]] = field(default_factory=list)  # (seq, time received)

    def handle(self, topic: str, payload: bytes) -> None:
        """The connection's message callback: own status, players' board, join reply."""
        now = time.monotonic()
        fleet = self.fleet
        if fleet.counting:
            fleet.to_players += 1
        if topic == self.status_topic:
            sim = self.sim
            if sim.sent_at:
                status = decode(PlayerStatus, payload)
                sim.score = status.score  # the published score, checked against SQLite
                if not sim.result_at and status.last is not None and status.last.q == QUESTION:
                    sim.result_at, sim.answer_seq = now, status.last.seq
                    fleet.result()
        elif topic == self.board_topic:
            if fleet.recording:
                self.boards.append((decode(Leaderboard, payload).seq, now))
        elif topic == self.reply_topic and not self.joined.is_set():
            reply = decode(Reply, payload)
            if reply.ok and reply.player:
                self.sim.player = reply.player
            else:
                self.join_error = reply.reason or reply.error or "refused"
            self.joined.set()

    async def join(self) -> None:
        """Join, then subscribe to exactly `player_follows` (the reply topic comes first)."""
        sim, client = self.sim, self.client
        replies = topics.replies_of(client.client_id)
        await client.subscribe(replies, qos=views.FOLLOW_QOS)
        req = topics.new_request_id()
        self.reply_topic = topics.reply(client.client_id, req)
        client.publish(topics.join(sim.quiz), encode(Join(client=client.client_id, req=req,
                                                          name=sim.name, secret=sim.secret)))
        await client.until(self.joined)
        if self.join_error:
            raise BenchError(f"the scorer refused to let {sim.name} join: {self.join_error}")
        self.follows = views.player_follows(sim.quiz, client.client_id, sim.player)
        self.status_topic = _topic_of(self.follows, PlayerStatus)
        self.board_topic = _topic_of(self.follows, Leaderboard)
        rest = [(topic, views.FOLLOW_QOS) for topic in self.follows if topic != replies]
        self.refused = await client.subscribe(rest, refusals_allowed=True) if rest else []

    def board_latency(self) -> float | None:
        """Seconds from the answer to the first players' board that includes it."""
        return next((at - self.sim.sent_at for seq, at in self.boards
                     if seq >= self.sim.answer_seq), None)


@dataclass
class Display:
    """A classroom display on its own connection, following what `quiz board` follows."""

    code: str
    client: LoadClient
    fleet: Fleet
    board_topic: str = ""
    refused: list[str] = field(default_factory=list)
    seqs: list[int] = field(default_factory=list)  # the live boards received, in order
    times: list[float] = field(default_factory=list)
    last: Leaderboard | None = None  # the newest board: its scores are checked against SQLite

    def handle(self, topic: str, payload: bytes) -> None:
        """The connection's message callback: keep each live leaderboard while recording."""
        if self.fleet.counting:
            self.fleet.to_displays += 1
        if topic == self.board_topic and self.fleet.recording:
            board = decode(Leaderboard, payload)
            self.seqs.append(board.seq)
            self.times.append(time.monotonic())
            if self.last is None or board.seq >= self.last.seq:
                self.last = board

    async def follow(self) -> None:
        """Subscribe to exactly `display_follows`."""
        follows = views.display_follows(self.code)
        self.board_topic = _topic_of(follows, Leaderboard)
        self.refused = await self.client.subscribe(
            [(topic, views.FOLLOW_QOS) for topic in follows], refusals_allowed=True)

    def first_including(self, seq: int) -> float | None:
        """When the first board with seq >= `seq` arrived (seqs only grow)."""
        index = bisect.bisect_left(self.seqs, seq)
        return self.times[index] if index < len(self.times) else None


@asynccontextmanager
async def connections(broker: BrokerAddress, count: int, what: str,
                      progress: Callable[[str, int, int], None],
                      transport: Transport = "tcp") -> AsyncIterator[list[LoadClient]]:
    """`count` lean connections, opened CONNECT_BATCH at a time, all closed at the end."""
    opened: list[LoadClient] = []
    try:
        progress(what, 0, count)
        for start in range(0, count, CONNECT_BATCH):
            outcomes = await asyncio.gather(
                *(open_client(broker, topics.new_client_id(), PHASE_TIMEOUT_SECONDS, transport)
                  for _ in range(min(CONNECT_BATCH, count - start))), return_exceptions=True)
            opened += [client for client in outcomes if isinstance(client, LoadClient)]
            failed = [error for error in outcomes if isinstance(error, BaseException)]
            if failed:
                raise failed[0]
            progress(what, len(opened), count)
            await asyncio.sleep(CONNECT_PAUSE_SECONDS)
        yield opened
    finally:
        for start in range(0, len(opened), CONNECT_BATCH):
            batch = opened[start:start + CONNECT_BATCH]
            await asyncio.gather(*(client.close() for client in batch), return_exceptions=True)


def display_quizzes(codes: list[str], displays: int, rng: random.Random | None = None,
                    ) -> list[str]:
    """The quiz of each display: distinct ones at random while there are enough (`rng`).

    Otherwise round the quizzes, so each gets one while displays last.
    """
    if rng is not None and len(codes) >= displays:
        return rng.sample(codes, displays)
    return [codes[i % len(codes)] for i in range(displays)] if codes else []


def default_displays(quizzes: int) -> int:
    """Displays when --displays is not given: 3 on one quiz, else 30 quizzes watched.

    A board figure resting on 3 quizzes of 1,000 was 90 samples a run.
    """
    return 3 if quizzes == 1 else min(30, quizzes)


def count_refusals(refusals: list[tuple[dict[str, views.UpdateKind], list[str]]],
                      generic: dict[str, views.UpdateKind]) -> dict[str, int]:
    """Count refused subscriptions by filter with every identifier as `+`.

    `generic` is the same follows function called with `+` for every argument: its topics
    are in the same order as those of each client's follows.
    """
    counted: dict[str, int] = {}
    for follows, refused in refusals:
        names = dict(zip(follows, generic, strict=False))
        for topic in refused:
            name = names.get(topic, topic)
            counted[name] = counted.get(name, 0) + 1
    return counted


async def _simulate_per_player(
        config: BenchConfig, public: BrokerAddress, host: BrokerAddress, scorer: ScorerProcess,
        sims: list[Sim], codes: list[str], host_key: str, fleet: Fleet,
        progress: Callable[[str, int, int], None],
) -> tuple[Window, list[Player], list[Display], dict[str, Any]]:
    """Open a connection per player and per display, join, answer; keep what arrived."""
    rng = random.Random(config.seed)
    rss_idle, _ = scorer.memory_kib()
    done = 0

    def count_result() -> None:
        nonlocal done
        done += 1
        if done % 100 == 0 or done == len(sims):
            progress("answers scored", done, len(sims))

    async with connections(public, config.displays, "displays connecting", progress,
                           config.transport) as display_clients, \
            connections(public, len(sims), "players connecting", progress,
                        config.transport) as player_clients:
        displays = [Display(code, client, fleet) for code, client
                    in zip(display_quizzes(codes, config.displays, random.Random(config.seed)),
                           display_clients, strict=True)]
        players = [Player(sim, client, fleet)
                   for sim, client in zip(sims, player_clients, strict=True)]
        for display in displays:
            display.client.on_message = display.handle
        for player in players:
            player.client.on_message = player.handle
        await asyncio.gather(*(display.follow() for display in displays))
        join_start = time.monotonic()
        await _join_all(players, progress)
        join_seconds = time.monotonic() - join_start
        await asyncio.sleep(0.5)  # the retained views of the join arrive and are ignored
        distinct = {client.local_address for client in player_clients} - {None}
        counted = {"players": len(distinct), "displays": len(displays),
                   "at_broker": established_connections(public.port)}
        rss_joined, _ = scorer.memory_kib()
        fleet.recording = fleet.counting = True
        await _start_quizzes(host, codes, host_key)
        schedule = sorted(((*_answer(p.sim, p.client.client_id, config.spread, rng,
                                     config.typed), p)
                           for p in players), key=lambda item: item[0])
        fleet.on_result, fleet.pending_results = count_result, len(players)
        gc.collect()
        gc.freeze()  # as in the multiplexed mode: no collector pauses counted as latency
        try:
            cpu_before, own_cpu_before = scorer.cpu_seconds(), time.process_time()
            broker_before = scorer.broker_cpu_seconds()
            await _answer_all(schedule, fleet, rng)
            await asyncio.sleep(config.leaderboard_interval * 3)  # as in the multiplexed mode
            fleet.counting = False
            scorer_cpu = scorer.cpu_seconds() - cpu_before
            own_cpu = time.process_time() - own_cpu_before
            broker_after = scorer.broker_cpu_seconds()
            await _await_boards(players, displays)
        finally:
            fleet.recording = fleet.counting = False
            gc.unfreeze()
    broker_cpu = None if broker_before is None or broker_after is None \
        else broker_after - broker_before
    window = Window(join_seconds, rss_idle, rss_joined, scorer_cpu, own_cpu, broker_cpu)
    return window, players, displays, counted


async def _join_all(players: list[Player], progress: Callable[[str, int, int], None]) -> None:
    """Every player joins on its own connection, all at once; progress as they finish."""
    joins = 0

    async def join(player: Player) -> None:
        nonlocal joins
        await player.join()
        joins += 1
        if joins % 100 == 0 or joins == len(players):
            progress("players joining", joins, len(players))

    progress("players joining", 0, len(players))
    try:
        async with asyncio.timeout(PHASE_TIMEOUT_SECONDS):
            await asyncio.gather(*(join(player) for player in players))
    except TimeoutError:
        raise BenchError(f"{joins} of {len(players)} players had a reply to their join after "
                         f"{PHASE_TIMEOUT_SECONDS:.0f} s") from None


async def _answer_all(schedule: list[tuple[float, bytes, Player]], fleet: Fleet,
                      rand: random.Random) -> None:
    """Publish each answer at its time on its player's connection; wait for every result.

    An answer without a result goes again on the clients' timer (`Resender`).
    """
    start = time.monotonic() + 0.2
    try:
        async with asyncio.timeout(PHASE_TIMEOUT_SECONDS), resending(rand) as resender:
            for offset, payload, player in schedule:
                delay = start + offset - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                player.sim.sent_at = time.monotonic()
                send = functools.partial(player.client.publish, topics.answer(
                    player.sim.quiz, player.sim.player), payload, ANSWER_QOS)
                send()
                resender.sent(player.sim, send)
            await fleet.answered.wait()
    except TimeoutError:
        raise BenchError(f"{fleet.pending_results} of {len(schedule)} players had no result "
                         f"after {PHASE_TIMEOUT_SECONDS:.0f} s") from None


async def _await_boards(players: list[Player], displays: list[Display]) -> None:
    """Wait, at most BOARD_WAIT_SECONDS, until every follower has a board with every answer."""
    newest: dict[str, int] = {}
    for player in players:
        newest[player.sim.quiz] = max(newest.get(player.sim.quiz, 0), player.sim.answer_seq)
    deadline = time.monotonic() + BOARD_WAIT_SECONDS
    while time.monotonic() < deadline:
        if all(player.boards and player.boards[-1][0] >= player.sim.answer_seq
               for player in players) and \
                all(display.seqs and display.seqs[-1] >= newest.get(display.code, 0)
                    for display in displays):
            return
        await asyncio.sleep(0.05)


async def _drive_per_player(config: BenchConfig, public: BrokerAddress, host: BrokerAddress,
                            scorer: ScorerProcess, db: Path, sims: list[Sim], codes: list[str],
                            host_key: str,
                            progress: Callable[[str, int, int], None]) -> dict[str, Any]:
    fleet = Fleet()
    run, players, displays, counted = await _simulate_per_player(
        config, public, host, scorer, sims, codes, host_key, fleet, progress)
    player_board = [latency for player in players
                    if (latency := player.board_latency()) is not None]
    display_board: list[float] = []
    per_quiz: list[float] = []  # each watched quiz's own p99, seconds
    pairs = 0
    for display in displays:
        mine = []
        for sim in sims:
            if sim.quiz == display.code:
                pairs += 1
                seen = display.first_including(sim.answer_seq)
                if seen is not None:
                    mine.append(seen - sim.sent_at)
        display_board += mine
        if mine:
            per_quiz.append(percentiles(mine)["p99"] / 1000)
    scores = published_scores(sims, displays, _stored_points(db, codes, config.scorers))
    measured = _measurements(config, scorer, db, sims, codes, run)
    refusals = {
        "players": count_refusals([(p.follows, p.refused) for p in players],
                                     views.player_follows("+", "+", "+")),
        "displays": count_refusals([(views.display_follows(d.code), d.refused)
                                       for d in displays], views.display_follows("+")),
    }
    return {
        "mode": "per-player",
        **measured,
        # the live leaderboard as the displays see it: one value per answer and display
        "leaderboard_ms": percentiles(display_board),
        # each watched quiz's board p99: the median quiz, the worst (p95 and p99 between)
        "leaderboard_per_quiz_p99_ms": percentiles(per_quiz),
        "watched_quizzes": len({display.code for display in displays}),
        "answers_without_a_board": pairs - len(display_board),
        **scores,
        # a key stored twice (impossible by the table's key), or a published score above
        # the stored points
        "counted_twice_in_store": measured["counted_twice"],
        "counted_twice": measured["counted_twice"] + scores["counted_twice"],
        "displays": len(displays),
        "player_board_ms": percentiles(player_board) if player_board else None,
        "players_without_a_board": len(players) - len(player_board),
        "connections": counted,
        "messages_to_players": fleet.to_players,
        "messages_to_displays": fleet.to_displays,
        "refused_subscriptions": refusals,
    }


def _stored_points(db: Path, codes: list[str], scorers: int = 1) -> dict[tuple[str, str], int]:
    """Each player's points as stored, summed over its answers, over every scorer."""
    points: Counter[tuple[str, str]] = Counter()
    marks = ",".join("?" * len(codes))
    for index in range(scorers):
        with contextlib.closing(sqlite3.connect(member_database(db, index))) as conn:
            for quiz, player, total in conn.execute(
                    f"SELECT quiz, player, SUM(points) FROM answers "  # noqa: S608
                    f"WHERE quiz IN ({marks}) GROUP BY quiz, player", codes):
                points[(quiz, player)] += total
    return dict(points)


def published_scores(sims: list[Sim], displays: list[Display],
                     stored: dict[tuple[str, str], int]) -> dict[str, int]:
    """What the scorer published against what it stored: "counted twice" that can fail.

    A player's score as its own latest status said it, and each row of each watched quiz's
    final live leaderboard, must equal the sum of that player's points in SQLite. A score
    above it counts as counted twice, one below as a mismatch (a lost or late update).
    """
    above = below = board_rows = board_wrong = 0
    for sim in sims:
        if sim.score is None:
            continue
        expected = stored.get((sim.quiz, sim.player), 0)
        above += sim.score > expected
        below += sim.score < expected
    for display in displays:
        for row in display.last.top if display.last is not None else ():
            board_rows += 1
            board_wrong += row.score != stored.get((display.code, row.player), 0)
    return {"counted_twice": above, "published_below_stored": below,
            "players_without_a_status": sum(sim.score is None for sim in sims),
            "board_rows_checked": board_rows, "board_rows_wrong": board_wrong}


def _stored_answers(db: Path, codes: list[str], scorers: int = 1) -> tuple[int, int]:
    """(answers stored for these quizzes, keys stored more than once), over every scorer."""
    keys: Counter[tuple[str, str, int]] = Counter()
    marks = ",".join("?" * len(codes))
    for index in range(scorers):
        with contextlib.closing(sqlite3.connect(member_database(db, index))) as conn:
            keys.update(conn.execute(
                f"SELECT quiz, player, q FROM answers WHERE quiz IN ({marks})",  # noqa: S608
                codes).fetchall())
    return sum(keys.values()), sum(1 for seen in keys.values() if seen > 1)


# --- the echo baseline --------------------------------------------------------------------------


def echo_messages(players: int) -> int:
    """How many messages the echo baseline sends for a bench of `players`."""
    return max(ECHO_MIN_MESSAGES, min(ECHO_MESSAGES, ECHO_MESSAGES_PER_PLAYER * players))


async def echo_baseline(broker: BrokerAddress, *, inside_quiz: bool,
                        messages: int = ECHO_MESSAGES) -> dict[str, Any]:
    """Rate of a bare Python client that receives a message and publishes one reply.

    `inside_quiz`: use topics under quiz/ (Mosquitto, with the scorer's account), else
    topics outside it (the embedded broker guards only quiz/).
    """
    if inside_quiz:
        request_topic, reply_topic = topics.bench_echo("request"), topics.bench_echo("reply")
    else:
        request_topic, reply_topic = "bench/echo/request", "bench/echo/reply"
    received = 0
    done = asyncio.Event()
    async with _fast_client(broker, topics.new_client_id()) as echo, \
            _fast_client(broker, topics.new_client_id()) as load:
        await echo.subscribe(request_topic, qos=1)
        await load.subscribe(reply_topic, qos=1)

        async def serve() -> None:
            async for message in echo.messages:
                _publish_nowait(echo, reply_topic, message.payload)

        async def count() -> None:
            nonlocal received
            async for _ in load.messages:
                received += 1
                if received == messages:
                    done.set()

        tasks = [asyncio.create_task(serve()), asyncio.create_task(count())]
        start = time.monotonic()
        for i in range(messages):
            _publish_nowait(load, request_topic, b"x" * 120)
            if i % 200 == 0:
                await asyncio.sleep(0)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(PHASE_TIMEOUT_SECONDS):
                await done.wait()
        elapsed = time.monotonic() - start
        for task in tasks:
            task.cancel()
    return {"messages": messages, "received": received,
            "per_second": round(received / elapsed) if elapsed else None}


# --- brokers --------------------------------------------------------------------------------------


@contextmanager
def environment(config: BenchConfig, port: int) -> Iterator[
        tuple[ScorerProcess, BrokerAddress, BrokerAddress, BrokerAddress, Path]]:
    """Start the broker and the scorer; yield (scorer, public, host, echo-broker, db).

    `public` is where players and displays connect: Mosquitto's WebSockets listener (on
    port + WS_PORT_OFFSET) with `transport="websockets"`.
    """
    from broker.mosquitto import Accounts, run_mosquitto  # noqa: PLC0415

    with tempfile.TemporaryDirectory(prefix="quiz-bench-") as folder:
        db = Path(folder) / "bench.db"
        common = ["--db", str(db), "--leaderboard-interval", str(config.leaderboard_interval),
                  "--client-id", f"bench-{secrets.token_hex(4)}", "--web-port", "0",
                  "--scorers", str(config.scorers)]
        public = BrokerAddress("127.0.0.1", port)
        problem = usage_problem(config)
        if problem:
            raise BenchError(problem)
        if config.broker == "embedded":
            with scorer_process([*common, "--port", str(port)]) as scorer:
                yield scorer, public, public, public, db
            return
        if config.broker in ("nats", "nats-cluster"):
            with nats_environment(config, port, Path(folder), common) as found:
                yield (*found, db)
            return
        accounts = Accounts(Path(folder) / "mosquitto")
        scorer_pw, host_pw = secrets.token_hex(8), secrets.token_hex(8)
        accounts.add("scorer", "scorer", scorer_pw)
        accounts.add("bench", "host", host_pw)
        ws_port = port + WS_PORT_OFFSET if config.transport == "websockets" else None
        if ws_port is not None:
            public = BrokerAddress("127.0.0.1", ws_port)
        with run_mosquitto(accounts.folder, port, ws_port) as broker:
            url = broker_url("127.0.0.1", port, "scorer", scorer_pw)
            with scorer_process([*common, "--broker", url], broker) as scorer:
                host = BrokerAddress("127.0.0.1", port, "bench", host_pw)
                # the echo clients need to publish and read arbitrary topics: the scorer's account
                echo = BrokerAddress("127.0.0.1", port, "scorer", scorer_pw)
                yield scorer, public, host, echo, db


@contextmanager
def nats_environment(config: BenchConfig, port: int, folder: Path, common: list[str]) -> Iterator[
        tuple[ScorerProcess, BrokerAddress, BrokerAddress, BrokerAddress]]:
    """One nats-server with nats.conf, or three as a cluster on ports port..port+2.

    On the cluster, as on three machines: the players and displays on the first node, the
    host on the second, the scorer on the third with the list of all three.
    """
    from broker.nats import (  # noqa: PLC0415
        Cluster,
        NatsAccounts,
        NatsError,
        cluster_down,
        cluster_up,
        run_nats,
    )

    accounts = NatsAccounts(folder / "nats")
    scorer_pw, host_pw = accounts.scorer_password(), secrets.token_hex(8)
    accounts.add("bench", "host", host_pw)
    if config.broker == "nats":
        with run_nats(accounts.folder, port) as broker:
            url = broker_url("127.0.0.1", port, "scorer", scorer_pw)
            with scorer_process([*common, "--broker", url], broker) as scorer:
                yield (scorer, BrokerAddress("127.0.0.1", port),
                       BrokerAddress("127.0.0.1", port, "bench", host_pw),
                       BrokerAddress("127.0.0.1", port, "scorer", scorer_pw))
        return
    # route ports the system says are free: fixed offsets from --port met a port that a
    # connection of the previous run still held, and a node died at start
    cluster = Cluster.routed_anywhere(folder / "cluster", port)
    try:
        # in the bench's process group: a bench killed (a test's timeout) takes them along
        cluster_up(cluster, accounts, detach=False)
    except NatsError as exc:
        raise BenchError(f"the NATS cluster did not start: {exc}") from None
    try:
        first, second, third = cluster.mqtt_ports
        url = ",".join(broker_url("127.0.0.1", p, "scorer", scorer_pw)
                       for p in (third, first, second))
        nodes = tuple(pid for pid in cluster.running().values() if pid)
        with scorer_process([*common, "--broker", url], nodes=nodes) as scorer:
            yield (scorer, BrokerAddress("127.0.0.1", first),
                   BrokerAddress("127.0.0.1", second, "bench", host_pw),
                   BrokerAddress("127.0.0.1", first, "scorer", scorer_pw))
    finally:
        cluster_down(cluster)


async def run(config: BenchConfig, port: int,
              progress: Callable[[str, int, int], None]) -> dict[str, Any]:
    """The whole bench: environment, simulation, baseline."""
    if config.per_player:
        raise_open_files_limit(open_files_needed(config))
    with environment(config, port) as (scorer, public, host, echo_broker, db):
        result = await drive(config, public, host, scorer, db, progress)
        result["broker"] = config.broker
        result["transport"] = config.transport
        if config.echo:
            progress("echo baseline", 0, 1)
            # topics the echo clients may use: outside quiz/ on the embedded broker, inside
            # the scorer account's quiz/# on Mosquitto (no scorer subscription matches them)
            baseline = await echo_baseline(echo_broker, inside_quiz=config.broker != "embedded",
                                           messages=echo_messages(config.players))
            progress("echo baseline", 1, 1)
            result["echo_baseline_per_second"] = baseline["per_second"]
            if baseline["per_second"] and result["answers_scored_per_second"]:
                result["ratio_to_echo"] = round(
                    result["answers_scored_per_second"] / baseline["per_second"], 2)
    return result


async def compare(config: BenchConfig, port: int,
                  progress: Callable[[str, int, int], None]) -> dict[str, Any]:
    """Both modes on the same scenario, one after the other, and the fan-out penalty.

    Each mode gets a fresh broker and scorer; the echo baseline runs once, with the first.
    The penalty is the own-result p99 with a connection per player over the same p99 with
    players multiplexed.
    """
    per_player = replace(config, per_player=True, echo=False)
    raise_open_files_limit(open_files_needed(per_player))

    def labelled(mode: str) -> Callable[[str, int, int], None]:
        return lambda what, done, total: progress(f"{mode}: {what}", done, total)

    results = {
        "multiplexed": await run(replace(config, per_player=False), port,
                                 labelled("multiplexed")),
        "per_player": await run(per_player, port, labelled("per-player")),
    }
    mine, theirs = (results[mode]["own_result_ms"]["p99"] for mode in ("per_player", "multiplexed"))
    penalty = round(mine / theirs, 1) if theirs and math.isfinite(mine / theirs) else None
    return {"mode": "compare", **results, "fan_out_penalty": penalty,
            "lost": sum(result["lost"] for result in results.values()),
            "counted_twice": sum(result["counted_twice"] for result in results.values())}


# The targets of issue 24, per run: what "met in N of N runs" counts.
TARGETS: dict[str, tuple[str, Callable[[dict[str, Any]], bool]]] = {
    "own_result_p99": ("own result p99 <= 50 ms",
                       lambda r: r["own_result_ms"]["p99"] <= 50),
    "board_p99": ("display board p99 <= 250 ms",
                  lambda r: r["leaderboard_ms"]["p99"] <= 250),
    "lost": ("0 lost", lambda r: r["lost"] == 0),
    "counted_twice": ("0 counted twice", lambda r: r["counted_twice"] == 0),
}
# A background load never outlives this, whatever happens to the bench.
BACKGROUND_LOAD_MAX_SECONDS = 1800.0


@contextmanager
def background_load(enabled: bool = True) -> Iterator[None]:
    """A busy loop on one core beside the bench, bounded in time: the machine's other work.

    B runs queued while something else started on the machine (issue 24); with the load on,
    the figures show whether the scorer still keeps up with one core taken.
    """
    if not enabled:
        yield
        return
    hog = subprocess.Popen(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", "import time\nend = time.monotonic() + "
         f"{BACKGROUND_LOAD_MAX_SECONDS}\nwhile time.monotonic() < end: pass"])
    try:
        yield
    finally:
        hog.kill()
        hog.wait()


async def repeat(config: BenchConfig, port: int, progress: Callable[[str, int, int], None],
                 runs: int) -> dict[str, Any]:
    """`runs` runs of the same scenario, each on a fresh broker and scorer.

    Says how many met each target (TARGETS). The echo baseline runs once, with the first.
    """
    results = []
    for number in range(1, runs + 1):
        def labelled(what: str, done: int, total: int, number: int = number) -> None:
            progress(f"run {number} of {runs}: {what}", done, total)

        results.append(await run(replace(config, echo=config.echo and number == 1), port,
                                 labelled))
    met = {name: sum(1 for result in results if check(result))
           for name, (_, check) in TARGETS.items()}
    return {"mode": "repeat", "runs": results, "met": met,
            "lost": sum(result["lost"] for result in results),
            "counted_twice": sum(result["counted_twice"] for result in results)}


def describe_runs(result: dict[str, Any]) -> str:
    """Repeated runs: one line each, then how many met each target."""
    runs = result["runs"]
    lines = []
    for number, one in enumerate(runs, start=1):
        per_quiz = one.get("leaderboard_per_quiz_p99_ms") or {}
        lines.append(
            f"run {number}: own result p99 {one['own_result_ms']['p99']} ms, board p99 "
            f"{one['leaderboard_ms']['p99']} ms"
            + (f" (per watched quiz: median {per_quiz['p50']}, worst {per_quiz['max']})"
               if per_quiz else "")
            + f", scorer CPU {one['scorer_cpu_us_per_answer']} us/answer, "
            f"{one['answers_scored_per_second']} answers/s, lost {one['lost']}, "
            f"counted twice {one['counted_twice']}")
    for name, (label, _) in TARGETS.items():
        lines.append(f"{label}: met in {result['met'][name]} of {len(runs)} runs")
    return "\n".join(lines)


def describe(result: dict[str, Any]) -> str:
    """A bench result (one mode, or the comparison of both) for people."""
    from cli import render  # noqa: PLC0415 - presentation, only for the command line

    if result.get("mode") == "repeat":
        return describe_runs(result)

    if result.get("mode") == "compare":
        return "\n".join([
            "multiplexed (500 players per connection, one board watcher):",
            describe(result["multiplexed"]),
            "one connection per player:",
            describe(result["per_player"]),
            "fan-out penalty (own result p99, per-player / multiplexed): "
            f"{result['fan_out_penalty']}",
        ])
    lines = [render.bench(result)]
    if result.get("mode") != "per-player":
        return lines[0]
    board, counted = result["player_board_ms"], result["connections"]
    per_quiz = result["leaderboard_per_quiz_p99_ms"]
    lines += [
        f"  (leaderboard above: the live one, as {result['displays']} displays of "
        f"{result['watched_quizzes']} quizzes see it; each quiz's p99: median "
        f"{per_quiz['p50']}, worst {per_quiz['max']})",
        f"  scores: {result['players_without_a_status']} players without a status, "
        f"{result['published_below_stored']} published below and {result['counted_twice']} "
        f"above their stored points; {result['board_rows_wrong']} of "
        f"{result['board_rows_checked']} final board rows differ from SQLite",
        "  players' board ms: " + (
            f"p50 {board['p50']}  p95 {board['p95']}  p99 {board['p99']}  max {board['max']}"
            f" ({result['players_without_a_board']} players without one)" if board else
            "no board received"),
        f"  connections: {counted['players']} players and {counted['displays']} displays, "
        f"{counted['at_broker']} open at the broker",
        f"  delivered in the answer window: {result['messages_to_players']} messages to "
        f"players, {result['messages_to_displays']} to displays",
    ]
    for who, refused in result["refused_subscriptions"].items():
        for topic, times in refused.items():
            lines.append(f"  the broker refused {times} subscriptions of {who} to {topic}")
    return "\n".join(lines)
