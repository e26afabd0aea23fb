"""Several scorer processes on one machine, one per core, restarted when one dies.

`quiz serve --scorers N` runs N scorers, each a `quiz serve` process of its own on the
same broker with its own partition (scorer/partition.py), client id and database.
Scorer 0 keeps the names a single scorer uses (`quiz-scorer`, `quiz.db`), so a data
folder can grow from one scorer to several; scorer K gets `quiz-scorer-K` and
`quiz-K.db`. The scorer's broker password goes to the children in their environment,
never on a command line that `ps` shows.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from protocol.address import BrokerAddress, Brokers
from protocol.retry import Backoff
from scorer.partition import Partition
from scorer.service import ScorerSettings
from serve.standby import STANDBY_PREFIX

log = logging.getLogger(__name__)

# A scorer that dies is started again after a jittered wait between these bounds.
RESTART_MIN_SECONDS = 0.5
RESTART_MAX_SECONDS = 10.0
# A scorer that ran this long before it died is not crash-looping: its backoff starts over.
STABLE_SECONDS = 30.0
# A scorer asked to stop (SIGTERM: it says goodbye and closes its database) gets this long.
STOP_SECONDS = 10.0


@dataclass(frozen=True)
class Member:
    """One scorer of several: its partition, client id and database."""

    partition: Partition
    client_id: str
    database: Path

    @classmethod
    def of(cls, settings: ScorerSettings, index: int, count: int) -> Member:
        """Scorer `index` of `count`, named after the single scorer's settings."""
        client_id = settings.client_id if index == 0 else f"{settings.client_id}-{index}"
        return cls(Partition(index, count), client_id, member_database(settings.database, index))


def member_database(database: Path, index: int) -> Path:
    """The database file of scorer `index`: the given one for scorer 0, `-K` added for K."""
    return database if index == 0 else database.with_name(
        f"{database.stem}-{index}{database.suffix}")


class Supervisor:
    """Starts the scorers, restarts any that dies, stops them all when cancelled."""

    def __init__(self, count: int, broker: BrokerAddress | Brokers, settings: ScorerSettings,
                 options: list[str], metrics_port: int = 0) -> None:
        self.members = [Member.of(settings, k, count) for k in range(count)]
        self.broker = broker
        self.options = options  # passed to every child: log level and format, interval, top
        self.metrics_port = metrics_port  # scorer K serves its metrics on this port + K
        self.online: set[int] = set()
        self.restarts = 0

    async def run(self, on_ready: Callable[[], None]) -> None:
        """Run until cancelled; `on_ready` once every scorer has come online the first time."""
        ready = asyncio.Event()

        def came_online(index: int) -> None:
            self.online.add(index)
            if len(self.online) == len(self.members) and not ready.is_set():
                ready.set()
                on_ready()

        async with asyncio.TaskGroup() as group:
            for index, member in enumerate(self.members):
                group.create_task(self._keep(index, member, came_online),
                                  name=f"scorer-{index}")

    async def _keep(self, index: int, member: Member,
                    came_online: Callable[[int], None]) -> None:
        retry = Backoff(RESTART_MIN_SECONDS, RESTART_MAX_SECONDS)
        loop = asyncio.get_running_loop()
        while True:
            started = loop.time()
            code = await self._once(index, member, came_online)
            if loop.time() - started > STABLE_SECONDS:
                retry.reset()
            self.restarts += 1
            delay = retry.next()
            log.warning("scorer %s (%s) exited with code %s; restarting in %.1fs",
                        member.partition, member.client_id, code, delay)
            await asyncio.sleep(delay)

    async def _once(self, index: int, member: Member,
                    came_online: Callable[[int], None]) -> int:
        """Run one scorer process until it exits; stop it cleanly when cancelled."""
        env = {**os.environ, "QUIZ_SERVE_BROKER": Brokers.of(self.broker).url()}
        metrics = str(self.metrics_port + index) if self.metrics_port else "0"
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "cli", "serve", "--partition", str(member.partition),
            "--client-id", member.client_id, "--db", str(member.database),
            "--web-port", "0", "--metrics-port", metrics, *self.options,
            env=env, stdout=asyncio.subprocess.PIPE, stdin=asyncio.subprocess.DEVNULL)
        try:
            assert process.stdout is not None  # noqa: S101 - asked for with PIPE above
            # A scorer prints one line once online; a --standby one says first that it
            # waits for its twin, and comes online when it takes over.
            async for line in process.stdout:  # and the pipe stays drained
                if not line.decode(errors="replace").startswith(STANDBY_PREFIX):
                    came_online(index)
            return await process.wait()
        finally:
            if process.returncode is None:
                await _stop(process)


async def _stop(process: asyncio.subprocess.Process) -> None:
    """SIGTERM (the scorer says goodbye), then SIGKILL if it does not end in time."""
    with contextlib.suppress(ProcessLookupError):
        process.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(asyncio.shield(process.wait()), STOP_SECONDS)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()


