"""Joining a quiz, kept until its outcome: `quiz join` and `quiz play` use it.

The player's secret is kept on this machine before the join is sent (client/credentials.py),
so a join whose reply never came can be sent again with the same secret and resumes the
same player. Through a broker that cannot be reached, or is lost before the reply, it
connects again and sends the join again (client/patient.py), until its timeout.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from client.credentials import Credentials, PlayerCredentials
from client.errors import NoReplyError, QuizError, RefusedError
from client.patient import GaveUpError, Notice, patiently
from client.requests import JOIN_AGAIN, QuizClient
from protocol.address import BrokerAddress, Brokers
from protocol.messages import Reply, clean_name

# A taken name is asked again at most this often (`quiz play`) before giving up.
NAME_ATTEMPTS = 3


@dataclass(frozen=True)
class Joined:
    """The outcome of a join: the player, the scorer's reply, and whether it resumed."""

    me: PlayerCredentials
    reply: Reply
    resumed: bool


async def join(where: BrokerAddress | Brokers, code: str, name: str, timeout: float,
               credentials: Credentials, *, notice: Notice | None = None,
               ask: Callable[[str], str] | None = None) -> Joined:
    """Join quiz `code` as `name` (or resume that player); keep its credentials.

    A taken name raises RefusedError, or asks for another with `ask` (a blocking prompt).
    """
    name = clean_name(name)  # the credentials know the name as the scorer keeps it
    sent: PlayerCredentials | None = None  # the secret of the join on its way, if any
    attempts = 0

    async def step(client: QuizClient, _deadline: float) -> Joined:
        nonlocal name, sent, attempts
        await client.state(code)  # an unknown code: refused here, with several scorers too
        while True:
            if sent is None:
                sent = credentials.reserve_player(code, name)  # kept before sending
            try:
                reply = await client.join(code, name, sent.secret)
            except RefusedError as exc:
                credentials.forget_reserved(code, name, sent.secret)  # not ours: free it
                sent = None
                attempts += 1
                if exc.reason != "name_taken" or ask is None or attempts >= NAME_ATTEMPTS:
                    raise
                name = clean_name(await asyncio.to_thread(ask, f"{exc}; another name"))
                continue
            if reply.player is None:
                raise QuizError("the scorer's reply to the join names no player; is it a "
                                "compatible scorer?")
            me = PlayerCredentials(reply.name or name, reply.player, sent.secret)
            credentials.save_player(code, me)
            return Joined(me, reply, resumed=sent.confirmed)

    try:
        return await patiently(where, timeout, step, notice=notice)
    except GaveUpError as exc:
        if sent is None:
            raise exc.lost if isinstance(exc.lost, QuizError) else QuizError(
                f"lost the connection to the broker before the join went out ({exc.lost})",
            ) from None
        raise NoReplyError(f"lost the connection to {Brokers.of(where)} before the reply "
                           f"({exc.lost}); the join was sent and may still be applied: "
                           f"{JOIN_AGAIN}") from None
