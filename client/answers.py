"""`quiz answer`: one answer, kept and sent again until its verdict, across reconnects.

The answer is signed once and keeps its request id (client/outbox.py); after a lost
connection it goes out again on the next broker that answers (client/patient.py) with
the same client id, so its reply topic stays the same.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass

from client.connection import Follower, Kind, Received
from client.errors import BrokerUnreachableError, NoReplyError, QuizError, RefusedError
from client.outbox import Outbox, PendingAnswer
from client.patient import GaveUpError, Notice, patiently
from client.requests import (
    ANSWER_AGAIN,
    REPLY_TIMEOUT_SECONDS,
    RETAINED_TIMEOUT_SECONDS,
    QuizClient,
)
from protocol import topics
from protocol.address import BrokerAddress, Brokers
from protocol.channels import channel
from protocol.messages import TYPED_KINDS, PlayerStatus, QuestionView, Reply, ScorerStatus

log = logging.getLogger(__name__)

# The answer's QoS, as the contract says (0: the verdict is the acknowledgement).
ANSWER_QOS = channel(topics.answer).qos


@dataclass(frozen=True)
class Verdict:
    """How an answer was scored; `already`: recorded before this command's answer counted."""

    status: PlayerStatus
    already: bool


async def answer(where: BrokerAddress | Brokers, code: str, player: str, secret: str,
                 given: int | str, timeout: float = REPLY_TIMEOUT_SECONDS,
                 notice: Notice | None = None) -> Verdict:
    """Answer the open question (a 0-based choice, or a text) and return its verdict.

    A question this player already answered returns the verdict recorded then. The answer
    is kept until its verdict shows in the player's retained status (or a reply refuses
    it): through a broker that cannot be reached or is lost on the way, it connects again
    (client/patient.py) and sends the same signed answer, with the same request id, until
    `timeout`; the broker may have lost it, and a copy changes nothing. `notice` hears
    about a lost broker, one line at a time.
    """
    client_id = topics.new_client_id()  # kept across reconnects: the reply topic stays
    pending: PendingAnswer | None = None
    outbox = Outbox(player)  # how often it went out, across reconnects

    async def step(client: QuizClient, deadline: float) -> Verdict:
        nonlocal pending
        if pending is None:
            found = await _question(client, code, player, given)
            if isinstance(found, Verdict):
                return found
            pending = PendingAnswer.sign(secret, code, player, found, given)
        else:
            log.info("reconnected to %s: sending the answer again", client.broker)
        return await send_answer(client, code, player, pending, deadline, outbox, notice)

    try:
        return await patiently(where, timeout, step, client_id=client_id, notice=notice)
    except GaveUpError as exc:
        if pending is None:  # never sent: nothing to lose, and nothing sent to score
            raise exc.lost if isinstance(exc.lost, QuizError) else BrokerUnreachableError(
                f"lost the connection to the broker before the answer went out ({exc.lost})",
            ) from None
        raise NoReplyError(f"lost the connection to {Brokers.of(where)} before the verdict "
                           f"({exc.lost}); the answer was sent and may still be scored, or "
                           f"may have been lost: {ANSWER_AGAIN}") from None


async def _question(client: QuizClient, code: str, player: str,
                    given: int | str) -> int | Verdict:
    """The open question's index, or the verdict when this player answered it already."""
    state = await client.state(code)
    if state.phase == "open":
        return await _own_question(client, code, player)
    question = state.question
    if question is None or state.phase not in ("question", "reveal"):
        raise QuizError(f"no question is open in quiz {code} ({state.phase})")
    before = await client.retained(PlayerStatus, topics.player(code, player))
    if before is not None and before.last is not None and before.last.q == question.index:
        return Verdict(before, already=True)  # a retry: the first one counted
    if state.phase != "question":
        raise QuizError(f"no question is open in quiz {code} ({state.phase})")
    if isinstance(given, str) != (question.kind in TYPED_KINDS):
        wanted = "a typed word (--text WORD)" if question.kind in TYPED_KINDS else "a choice"
        raise QuizError(f"question {question.index + 1} of quiz {code} takes {wanted}")
    return question.index


async def open_next(client: QuizClient, code: str, player: str,
                    secret: str) -> QuestionView:
    """A self-paced quiz: open the player's next question, or open again the one it has open.

    Its open question, not answered yet, comes again with the same clock; once answered,
    the following one opens, and its clock starts now.
    """
    status = await client.retained(PlayerStatus, topics.player(code, player))
    if status is None:
        raise QuizError(f"no status of this player in quiz {code}: has it joined?")
    state = await client.state(code)
    if state.phase != "open":
        raise QuizError(f"quiz {code} is not a self-paced quiz that is open ({state.phase})")
    if status.next >= state.settings.questions:
        raise QuizError(f"you have answered every question of quiz {code}")
    return await client.open_question(code, player, secret, max(status.next, 0))


async def _own_question(client: QuizClient, code: str, player: str) -> int | Verdict:
    """A self-paced quiz: the question the player has open, or the verdict of its last answer."""
    status = await client.retained(PlayerStatus, topics.player(code, player))
    if status is None:
        raise QuizError(f"no status of this player in quiz {code}: has it joined?")
    if status.opened >= 0 and status.next == status.opened:
        return status.opened  # open and not answered yet
    if status.last is not None:
        return Verdict(status, already=True)  # a retry: the first one counted
    raise QuizError(f"no question of quiz {code} is open for you: open the first with "
                    f"`quiz answer {code} --open`")


async def send_answer(client: QuizClient, code: str, player: str, pending: PendingAnswer,
                      deadline: float, outbox: Outbox | None = None,
                      notice: Notice | None = None) -> Verdict:
    """Send a signed answer and wait until its verdict shows in the player's status.

    The answer travels at QoS 0 and the verdict is its acknowledgement: it is sent again,
    unchanged, on the timer of client/outbox.py and whenever a scorer comes online
    meanwhile, until `deadline`; `outbox` keeps the count across reconnects. A scorer seen
    offline does not end the wait (nothing keeps the answer for it but this command);
    `notice` hears it once. Raises RefusedError, NoReplyError, or aiomqtt.MqttError when
    the connection drops.
    """
    loop = asyncio.get_running_loop()
    status_topic = topics.player(code, player)
    answer_topic = topics.answer(code, player)
    kinds: dict[str, Kind] = {status_topic: PlayerStatus, topics.scorer_status(): ScorerStatus,
                              topics.other_scorers_status(): ScorerStatus}
    told_offline = False
    with client.awaiting(pending.req, kinds) as (follower, reply_topic):
        await client.follow_scorer()
        await client.connection.subscribe(status_topic)
        await client.connection.subscribe(reply_topic)
        if outbox is None:
            outbox = Outbox(player)
        if client.scorer is not None:  # the scorer this connection found: no news
            outbox.scorer_seen(client.scorer, retained=True)
        outbox.keep(pending)

        async def send(again: PendingAnswer) -> None:
            await client.connection.publish(answer_topic, again.request(client.client_id),
                                            qos=ANSWER_QOS)
            outbox.sent(again, loop.time())

        async def verdict(got: Received) -> Verdict | None:
            nonlocal told_offline
            message = got.message
            if isinstance(message, PlayerStatus) and got.topic == status_topic:
                if message.last is not None and message.last.q == pending.q:
                    return Verdict(message, already=False)
            elif isinstance(message, Reply) and not message.ok:
                if message.reason == "already_answered":
                    return await _recorded(client, follower, status_topic, pending.q, message)
                raise RefusedError(message.error or "refused", message.reason)
            elif isinstance(message, ScorerStatus):
                for again in outbox.scorer_seen(message, retained=got.retain):
                    await send(again)
                nobody = client.scorer is not None and client.scorer.status == "offline"
                if nobody and not told_offline and notice is not None:  # every scorer off
                    told_offline = True
                    notice(f"the scorer is offline on {client.broker}: sending the answer "
                           f"again until it returns or the timeout, "
                           f"{max(0.0, deadline - loop.time()):.0f} s from now")
            return None

        await send(pending)
        found: Verdict | None = None
        while found is None and loop.time() < deadline:
            wake = min(deadline, outbox.next_due() or deadline)
            found = await client.outcome(follower, verdict, wake, offline_grace=False)
            for again in outbox.due(loop.time()) if found is None else []:
                log.info("no verdict yet: sending the answer again")
                await send(again)
    if found is None:
        raise _gave_up(client, outbox.times_sent(pending.q))
    return found


def _gave_up(client: QuizClient, times: int) -> NoReplyError:
    """What is true when no verdict came: sent `times` times, maybe taken, maybe not."""
    sent = f"the answer went out {times} time{'s' if times != 1 else ''}"
    status = client.scorer
    if status is not None and status.status == "offline":
        since = (f" (since {time.strftime('%H:%M:%S', time.localtime(status.since))})"
                 if status.since > 0 else "")
        return NoReplyError(f"no verdict: the scorer is offline{since} on {client.broker} and "
                            f"{sent}; nothing keeps it for the scorer: {ANSWER_AGAIN}")
    return NoReplyError(f"no verdict within the timeout ({sent}); it may still be scored, "
                        f"or may have been lost: {ANSWER_AGAIN}")


async def _recorded(client: QuizClient, follower: Follower, status_topic: str, q: int,
                    refusal: Reply) -> Verdict:
    """The verdict already recorded for question q, or the refusal as an error."""
    async def recorded(got: Received) -> PlayerStatus | None:
        status = got.message
        if got.topic == status_topic and isinstance(status, PlayerStatus) \
                and status.last and status.last.q == q:
            return status
        return None

    # again: the broker resends the retained one
    await client.connection.subscribe(status_topic)
    deadline = asyncio.get_running_loop().time() + RETAINED_TIMEOUT_SECONDS
    status = await client.outcome(follower, recorded, deadline)
    if status is None:
        raise RefusedError(refusal.error or "refused", refusal.reason)
    return Verdict(status, already=True)
