"""The scorer's Prometheus metrics, and the small HTTP endpoint that serves them.

`Metrics` owns its own `CollectorRegistry` (one per scorer, passed explicitly; the
library's global registry is never used). The service calls its small methods on
the hot path: each is a counter increment or a histogram observation, well under a
microsecond. Gauges that describe the whole scorer (quizzes, players, disk) are
computed only when Prometheus scrapes, from callables the service hands over.

`serve_http` answers `GET /metrics`, `/healthz` and `/readyz` on plain asyncio
streams (`httpserve`): no framework and no thread, so every callable runs on the event
loop that owns the scorer's state. Call both from that loop only, never from a thread.
"""

from __future__ import annotations

import logging
import math
import shutil
import time
from collections.abc import Callable, Iterator
from http import HTTPStatus
from pathlib import Path

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    Metric,
    ProcessCollector,
    generate_latest,
)

from httpserve.server import HttpServer, Limits, Response, text
from protocol.messages import REASONS

log = logging.getLogger(__name__)

# Each refusal reason (protocol.messages.REASONS) is exported from the start (at 0), so
# rate() and alerts see a series before the first refusal.
REFUSAL_REASONS = REASONS
# Anything else is counted under this label, so a new reason never grows the label set unseen.
OTHER_REASON = "other"

# A result is meant to be out within milliseconds; past a second something is wrong.
LATENCY_BUCKETS = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0)
# A batch is one message when idle and up to MAX_BATCH (2000) in a burst.
BATCH_BUCKETS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000)
# A WAL commit without fsync takes a fraction of a millisecond; seconds mean a sick disk.
COMMIT_BUCKETS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                  0.25, 0.5, 1.0, 2.5)
# Leaderboards are coalesced every 0.1 s by default: the lag sits below that when healthy.
LAG_BUCKETS = (0.01, 0.025, 0.05, 0.075, 0.1, 0.125, 0.15, 0.2, 0.3, 0.5, 1.0, 2.5)

# The endpoint is for a Prometheus on the same host (or a tunnel); never public by default.
DEFAULT_METRICS_HOST = "127.0.0.1"
DEFAULT_METRICS_PORT = 9883
# A scrape is one request line and a few headers; anything longer is not a scrape.
MAX_REQUEST_BYTES = 8 * 1024
# A client that sends nothing (or reads nothing) gives its socket back after this long.
REQUEST_TIMEOUT_SECONDS = 5.0
# Scrapers and probes are few; more connections than this at once are turned away.
MAX_CONNECTIONS = 32
# The three above, for the HTTP server.
LIMITS = Limits(MAX_REQUEST_BYTES, REQUEST_TIMEOUT_SECONDS, MAX_CONNECTIONS)
# The classic text exposition format that generate_latest() writes.
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class Metrics:
    """Every metric of one scorer, in a registry of its own."""

    def __init__(self, *, process: bool = True) -> None:
        """Create the metrics; `process` adds the process_* CPU, memory and fd metrics."""
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self._received = Counter(
            "quiz_answers_received_total", "Answer messages taken from the broker.", registry=r)
        self._scored = Counter(
            "quiz_answers_scored_total", "Answers scored, committed and published.", registry=r)
        self._refused = Counter(
            "quiz_requests_refused_total", "Requests refused, by the reason their reply gives.",
            ["reason"], registry=r)
        self._by_reason = {reason: self._refused.labels(reason)
                           for reason in (*REFUSAL_REASONS, OTHER_REASON)}
        self._broken = Counter(
            "quiz_broken_messages_total",
            "Messages too broken to answer (no readable reply address), dropped.", registry=r)
        self._suppressed = Counter(
            "quiz_replies_suppressed_total",
            "Refusals and error reports not sent: their client, or quiz/errors, was over its rate.",
            registry=r)
        self._latency = Histogram(
            "quiz_scoring_latency_seconds",
            "From the batch loop taking an answer to its result's publish "
            "(time queued in the client library before that is not counted).",
            buckets=LATENCY_BUCKETS, registry=r)
        self._batch = Histogram(
            "quiz_batch_size_messages", "Messages per group commit.",
            buckets=BATCH_BUCKETS, registry=r)
        self._commit = Histogram(
            "quiz_sqlite_commit_seconds", "Duration of one SQLite group commit.",
            buckets=COMMIT_BUCKETS, registry=r)
        self._publishes = Counter(
            "quiz_leaderboard_publishes_total", "Leaderboards published.", registry=r)
        self._lag = Histogram(
            "quiz_leaderboard_lag_seconds",
            "From the first change to a quiz's standings to the leaderboard showing it.",
            buckets=LAG_BUCKETS, registry=r)
        self._quizzes = Gauge(
            "quiz_live_quizzes", "Quizzes not finished (lobby, question or reveal).",
            registry=r)
        self._players = Gauge(
            "quiz_players", "Players in the standings of live quizzes.", registry=r)
        self._backlog = Gauge(
            "quiz_backlog_messages",
            "Messages received from the broker but not yet acknowledged.", registry=r)
        self._reconnects = Counter(
            "quiz_broker_reconnects_total",
            "Connections to the broker after the first one (each follows a lost one).",
            registry=r)
        self._connected = Gauge(
            "quiz_broker_connected", "1 while the scorer is connected to the broker.",
            registry=r)
        self._database = Gauge(
            "quiz_database_ok", "1 while the SQLite database answers and commits.", registry=r)
        self._storage = Gauge(
            "quiz_storage_bytes", "Size of the files of a volume (the database with its WAL).",
            ["volume"], registry=r)
        self._free = Gauge(
            "quiz_storage_free_bytes", "Free bytes on the filesystem holding a volume.",
            ["volume"], registry=r)
        if process:
            ProcessCollector(registry=r)
        self.backlog = 0
        self.is_connected = False
        self.database_is_ok = False
        self._ever_connected = False
        self._scored_count = 0
        self._rate_mark = (time.monotonic(), 0)
        # quiz code -> when its standings first changed since its last leaderboard.
        self._changed: dict[str, float] = {}

    # --- the batch loop (hot path) ---------------------------------------------------------

    def answer_received(self, count: int = 1) -> None:
        """Count answer messages taken from the broker (before they are decoded)."""
        self._received.inc(count)

    def scored(self, latency_seconds: float, count: int = 1) -> None:
        """Count `count` answers published `latency_seconds` after they arrived."""
        if count <= 0:
            return
        self._scored.inc(count)
        self._scored_count += count
        for _ in range(count):
            self._latency.observe(latency_seconds)

    def refused(self, reason: str | None) -> None:
        """Count a request refused with a reply (`reason` as in `Reply.reason`)."""
        self._by_reason.get(reason or OTHER_REASON, self._by_reason[OTHER_REASON]).inc()

    def broken(self) -> None:
        """Count a message reported on quiz/errors and dropped."""
        self._broken.inc()

    def suppressed(self, count: int = 1) -> None:
        """Count a refusal or error report that flood control kept from being sent."""
        self._suppressed.inc(count)

    def observe_batch(self, size: int, commit_seconds: float | None) -> None:
        """Record one batch: its size, and its commit time (None when nothing was written)."""
        self._batch.observe(size)
        if commit_seconds is not None:
            self._commit.observe(commit_seconds)

    def observe_commit(self, seconds: float) -> None:
        """Record a commit made outside the batch loop (the timer's phase changes)."""
        self._commit.observe(seconds)

    def set_backlog(self, messages: int) -> None:
        """Messages received from the broker and not acknowledged yet."""
        self.backlog = messages
        self._backlog.set(messages)

    # --- leaderboards ----------------------------------------------------------------------

    def quiz_changed(self, code: str) -> None:
        """Note that a quiz's standings changed (only the first change until its publish counts)."""
        if code not in self._changed:
            self._changed[code] = time.perf_counter()

    def leaderboard_published(self, code: str) -> None:
        """Count a leaderboard publish; observe its lag when a change was pending."""
        self._publishes.inc()
        since = self._changed.pop(code, None)
        if since is not None:
            self._lag.observe(time.perf_counter() - since)

    # --- connection and database -----------------------------------------------------------

    def broker_up(self) -> None:
        """The scorer is connected and subscribed."""
        if self._ever_connected:
            self._reconnects.inc()
        self._ever_connected = True
        self.is_connected = True
        self._connected.set(1)

    def broker_down(self) -> None:
        """The connection to the broker is lost (or was never made)."""
        self.is_connected = False
        self._connected.set(0)

    def database(self, ok: bool) -> None:
        """Whether the database answered (its last commit or probe succeeded)."""
        self.database_is_ok = ok
        self._database.set(1 if ok else 0)

    def ready(self) -> bool:
        """Ready to score: connected to the broker and the database answers."""
        return self.is_connected and self.database_is_ok

    def unready_reason(self) -> str:
        """Why `ready()` is false, in one line ("" when it is true)."""
        reasons = []
        if not self.is_connected:
            reasons.append("not connected to the MQTT broker")
        if not self.database_is_ok:
            reasons.append("the database does not answer")
        return "; ".join(reasons)

    # --- computed when scraped -------------------------------------------------------------

    def watch_population(self, count: Callable[[], tuple[int, int]]) -> None:
        """Read (live quizzes, players) from `count` at each scrape, not on the hot path."""
        self._quizzes.set_function(lambda: float(count()[0]))
        self._players.set_function(lambda: float(count()[1]))

    def watch_storage(self, volume: str, path: Path) -> None:
        """Export the size of `path` and the free space under it, as `volume`, at each scrape.

        A file counts with its SQLite sidecars (-wal, -shm); a folder counts the files in it
        (Mosquitto's persistence folder holds mosquitto.db).
        """
        self._storage.labels(volume).set_function(lambda: storage_bytes(path))
        self._free.labels(volume).set_function(lambda: free_bytes(path))

    def answers_per_second(self) -> float:
        """Answers scored per second since the previous call (for the scorer's status)."""
        now = time.monotonic()
        then, count = self._rate_mark
        self._rate_mark = (now, self._scored_count)
        elapsed = now - then
        return (self._scored_count - count) / elapsed if elapsed > 0 else 0.0

    def render(self) -> bytes:
        """The text exposition of every metric (Prometheus text format 0.0.4)."""
        return generate_latest(_WithoutCreated(self.registry))


class _WithoutCreated:
    """The registry as scraped: without the `<name>_created` timestamp series.

    The client library adds one to every counter and histogram; they double the series
    and no query here uses them. Its switch for this is process-wide, so filter here.
    """

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry

    def collect(self) -> Iterator[Metric]:
        for metric in self.registry.collect():  # fresh Metric objects at every collect
            metric.samples = [s for s in metric.samples if not s.name.endswith("_created")]
            yield metric


def storage_bytes(path: Path) -> float:
    """Bytes used by a database file with its sidecars, or by the files in a folder."""
    try:
        if path.is_dir():
            return float(sum(p.stat().st_size for p in path.iterdir() if p.is_file()))
        files = [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]
        return float(sum(p.stat().st_size for p in files if p.exists()))
    except OSError:
        return math.nan


def free_bytes(path: Path) -> float:
    """Free bytes on the filesystem holding `path` (its nearest existing ancestor)."""
    where = path
    while not where.exists() and where != where.parent:
        where = where.parent
    try:
        return float(shutil.disk_usage(where).free)
    except OSError:
        return math.nan


# --- the HTTP endpoint ----------------------------------------------------------------------


class MetricsServer(HttpServer):
    """`GET /metrics`, `/healthz` and `/readyz` on asyncio streams, one request per connection.

    `ready` decides /readyz; by default it is `metrics.ready` (connected and database ok).
    Use it as an async context manager, or call `start` and `stop`.
    """

    def __init__(self, metrics: Metrics, host: str = DEFAULT_METRICS_HOST,
                 port: int = DEFAULT_METRICS_PORT,
                 ready: Callable[[], bool] | None = None) -> None:
        super().__init__(host, port, LIMITS, cache_control="no-store")
        self.metrics = metrics
        self.ready = ready or metrics.ready

    async def start(self) -> None:
        """Listen; raise OSError when the address is in use. `port` 0 picks a free port."""
        await super().start()
        log.info("metrics on http://%s:%d/metrics", self.host, self.port)

    def respond(self, path: str, query: str) -> Response:
        """The answer to a GET of /metrics, /healthz or /readyz (any query is ignored)."""
        if path == "/metrics":
            try:
                return HTTPStatus.OK, CONTENT_TYPE, self.metrics.render()
            except Exception:
                log.exception("rendering the metrics failed")
                return text(HTTPStatus.INTERNAL_SERVER_ERROR, "rendering the metrics failed")
        if path == "/healthz":
            return text(HTTPStatus.OK, "ok")
        if path == "/readyz":
            if self.ready():
                return text(HTTPStatus.OK, "ready")
            reason = self.metrics.unready_reason() or "not ready"
            return text(HTTPStatus.SERVICE_UNAVAILABLE, f"not ready: {reason}")
        return text(HTTPStatus.NOT_FOUND, "not found; try /metrics, /healthz or /readyz")


async def serve_http(metrics: Metrics, host: str = DEFAULT_METRICS_HOST,
                     port: int = DEFAULT_METRICS_PORT,
                     ready: Callable[[], bool] | None = None) -> None:
    """Serve /metrics, /healthz and /readyz until cancelled (run it as a task).

    Args:
        metrics: The scorer's metrics.
        host: Address to listen on; keep the default 127.0.0.1 unless a firewall guards it.
        port: Port to listen on (0: any free port).
        ready: Whether /readyz answers 200; by default `metrics.ready`.
    """
    await MetricsServer(metrics, host, port, ready).serve_forever()
