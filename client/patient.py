"""Commands that outlast a broker loss: `quiz answer` and `quiz join` try again until done.

A command that sends something the user must not lose (an answer, a join) holds on to it
until its outcome comes, or its `--timeout` has passed. When the connection cannot be
made or drops on the way, it connects again, to the next broker of the list after a
jittered wait (client/reconnect.py), and runs its step again on the new connection; the
step itself knows what to send again (the same signed answer, the same secret). Only the
timeout, a refused login, or the scorer's refusal end it with an error.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

import aiomqtt

from client.connection import CONNECT_TIMEOUT_SECONDS
from client.errors import BrokerUnreachableError, LoginRefusedError
from client.reconnect import Reconnect
from client.requests import QuizClient
from protocol import topics
from protocol.address import BrokerAddress, Brokers
from protocol.errors import FailureError

log = logging.getLogger(__name__)

# A connection attempt gets at least this long, even when the deadline is closer: a
# shorter bound would fail a broker that is back but slow to answer its first CONNECT.
MIN_ATTEMPT_SECONDS = 1.0
# An attempt's MQTT operations wait at most CONNECT_TIMEOUT_SECONDS (client/connection.py),
# however far the deadline: a connection that a dying broker reset before its CONNACK
# leaves aiomqtt waiting until its timeout, which must not be the command's whole
# --timeout. The replies to what the step sends still wait until the deadline.

T = TypeVar("T")
# One try of the command's work on a connection, until `deadline` (event loop time).
Step = Callable[[QuizClient, float], Awaitable[T]]
# Where a command tells its user what is going on (stderr for `quiz`), one line each.
Notice = Callable[[str], None]


class GaveUpError(FailureError):
    """The timeout passed while the broker was lost; `lost` is the last failure seen."""

    def __init__(self, lost: Exception) -> None:
        super().__init__(str(lost))
        self.lost = lost


async def patiently(where: BrokerAddress | Brokers, timeout: float, step: Step[T], *,
                    client_id: str | None = None, notice: Notice | None = None) -> T:
    """Run `step` on a connection; after a failed or lost connection, again, until `timeout`.

    The client id stays the same across connections (a reply topic names it). Raises
    GaveUpError when the time is up, LoginRefusedError at once, and whatever `step` raises
    besides a lost connection.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    retry = Reconnect(where)
    client_id = client_id or topics.new_client_id()
    noticed = False
    while True:
        left = max(deadline - loop.time(), MIN_ATTEMPT_SECONDS)
        try:
            async with QuizClient.connect(retry.order(), min(left, CONNECT_TIMEOUT_SECONDS),
                                          client_id) as client:
                client.timeout = max(deadline - loop.time(), MIN_ATTEMPT_SECONDS)  # replies
                retry.connected(client.broker)
                if noticed and notice is not None:
                    notice(f"connected to {client.broker} again")
                noticed = False
                return await step(client, deadline)
        except LoginRefusedError:
            raise
        except (aiomqtt.MqttError, BrokerUnreachableError) as exc:
            lost: Exception = exc
            log.info("broker lost or unreachable: %s", exc)
        wait = retry.lost()
        if loop.time() + wait >= deadline:
            raise GaveUpError(lost)
        if not noticed and notice is not None:
            notice(f"the broker is not answering ({_first_line(lost)}): trying again "
                   f"until the timeout, {deadline - loop.time():.0f} s from now")
            noticed = True
        await asyncio.sleep(wait)


def _first_line(exc: Exception) -> str:
    return str(exc).split("; ", 1)[0]
