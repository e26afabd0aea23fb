"""One scorer per database and per client id: the lock, a live scorer's status, `--standby`.

A second scorer on the same database or with the same client id on the same broker would
split the quizzes between two authorities: it refuses to start (AlreadyServingError), or
with `--standby` waits for the first one to stop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import AsyncIterator, Callable

import aiomqtt

from protocol import topics
from protocol.address import BrokerAddress, Brokers, broker_url
from protocol.errors import RefusalError
from protocol.messages import DecodeError, ScorerStatus, decode
from protocol.retry import Reconnect
from scorer.lock import DatabaseBusyError, DatabaseLock
from scorer.service import RECOVERY_TIMEOUT_SECONDS, STATUS_SECONDS, ScorerSettings

log = logging.getLogger(__name__)
# What a waiting standby says first (serve/supervisor.py tells it from "online" by this).
STANDBY_PREFIX = "standby: "

# A retained status arrives right after the subscription; this bounds "there is none".
RETAINED_SECONDS = 2.0
# A live scorer republishes its status every STATUS_SECONDS, except while it drains its
# backlog (at most RECOVERY_TIMEOUT_SECONDS). An "online" not refreshed within this long was
# left by a scorer that died with its broker, whose last will therefore never went out.
LIVENESS_SECONDS = RECOVERY_TIMEOUT_SECONDS + 2 * STATUS_SECONDS
# Retries of the check while the broker is unreachable (the scorer itself retries the same).
CHECK_RETRY_MIN_SECONDS = 0.2
CHECK_RETRY_MAX_SECONDS = 5.0


class AlreadyServingError(RefusalError, RuntimeError):
    """Another scorer already serves this database or broker: a second one would split it."""


async def take_lock(lock: DatabaseLock, standby: bool,
                    on_standby: Callable[[str], None] | None) -> None:
    """Take the database's lock; raise AlreadyServingError, or wait for it with `standby`."""
    try:
        lock.acquire()
    except DatabaseBusyError as busy:
        if not standby:  # not sqlite's "database is locked" on the first write, much later
            # a scorer for another broker (a NATS cluster beside `make run`) is no twin:
            # it needs a database of its own, and --standby would wait for ever
            raise AlreadyServingError(f"{busy}: for another broker, give this one a --db of "
                                      "its own; for the same broker, stop that one first, or "
                                      "start this one with --standby to take over when it "
                                      "stops") from None
        if on_standby is not None:
            on_standby(f"{STANDBY_PREFIX}{busy}; taking over when it stops")
        await lock.wait()


async def wait_until_no_live_scorer(settings: ScorerSettings, *, standby: bool = False,
                                    on_standby: Callable[[str], None] | None = None) -> None:
    """Return once no scorer with our client id is live; raise AlreadyServingError unless `standby`.

    Reads the status with a short-lived client of its own (the scorer's client id would take
    the live scorer's session over). A retained "online" of our client id counts as live
    only once that scorer is heard from (its load, every STATUS_SECONDS); with `standby`,
    this waits for its goodbye or last will. Scorers with other client ids (several
    scorers sharing a broker, scorer/partition.py) are none of our business.
    """
    retry = Reconnect(settings.broker, low=CHECK_RETRY_MIN_SECONDS,
                      high=CHECK_RETRY_MAX_SECONDS)
    told = False
    while True:
        broker = retry.current
        try:
            async with _status_feed(broker, settings.client_id) as feed:
                retry.connected(broker)
                retained = await _next(feed, RETAINED_SECONDS, retained=True)
                if retained is None or retained.status != "online" \
                        or not _ours(retained, settings):
                    return
                while True:
                    live = await _next(feed, LIVENESS_SECONDS, retained=False,
                                       of=settings.client_id)
                    if live is None:
                        log.warning("the retained status on %s says scorer %s is online, but "
                                    "it was not heard from in %.0f s: starting",
                                    broker, settings.client_id, LIVENESS_SECONDS)
                        return
                    if live.status != "online":  # its goodbye, or its last will
                        return
                    if not standby:
                        raise AlreadyServingError(
                            f"{_who(live)} already serves {_where(settings)} with this client "
                            "id: stop it first, or start this one with --standby to take "
                            "over when it stops")
                    if not told and on_standby is not None:
                        told = True
                        on_standby(f"{STANDBY_PREFIX}{_who(live)} serves "
                                   f"{_where(settings)}; "
                                   "taking over when it stops")
        except aiomqtt.MqttError as exc:
            delay = retry.lost()
            log.warning("broker %s unreachable (%s); trying %s in %.1fs",
                        broker, exc, retry.current, delay)
            await asyncio.sleep(delay)


def _ours(status: ScorerStatus, settings: ScorerSettings) -> bool:
    """True when the status is of our client id, or of a scorer that did not say its own."""
    return status.scorer in ("", settings.client_id)


def _who(status: ScorerStatus) -> str:
    return f"a live scorer ({status.scorer})" if status.scorer else "a live scorer"


def _where(settings: ScorerSettings) -> str:
    return ",".join(broker_url(broker.host, broker.port) for broker in Brokers.of(settings.broker))


@contextlib.asynccontextmanager
async def _status_feed(broker: BrokerAddress,
                       client_id: str) -> AsyncIterator[aiomqtt.MessagesIterator]:
    """The scorer's status and load, retained messages first, on a throwaway clean session."""
    async with aiomqtt.Client(broker.host, broker.port, username=broker.username,
                              password=broker.password, clean_session=True,
                              identifier=f"{client_id}-check-{secrets.token_hex(4)}") as client:
        await client.subscribe(topics.status_of(client_id), qos=1)
        await client.subscribe(topics.load_of(client_id), qos=1)
        yield client.messages


async def _next(feed: aiomqtt.MessagesIterator, within: float, *, retained: bool,
                of: str | None = None) -> ScorerStatus | None:
    """The next status within `within` seconds (of client id `of` or unnamed, if given), or None.

    `retained=True`: the retained status (what a scorer said last, perhaps long ago).
    `retained=False`: a status or load published now (brokers clear the retain flag of a
    message sent to a subscriber that was already there), so from a scorer that is alive,
    or its last will.
    """
    statuses = topics.scorer_status()  # a prefix of every scorer's status topic, no load
    try:
        async with asyncio.timeout(within):
            async for message in feed:
                if message.retain != retained or not isinstance(message.payload, bytes):
                    continue
                if retained and not message.topic.value.startswith(statuses):
                    continue  # the retained load says nothing the retained status does not
                with contextlib.suppress(DecodeError):
                    status = decode(ScorerStatus, message.payload)
                    if of is None or status.scorer in ("", of):
                        return status
    except TimeoutError:
        return None
    return None
