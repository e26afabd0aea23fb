"""Carry out what a committed batch says: replies, results in parts, views, error reports.

The handler returns its effects as data (`scorer.handler`); once their batch is committed,
the session hands them here. Each effect is published on its own: one that fails costs
that publish only, except a storage error, which stops the scorer.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

from protocol import topics
from protocol.channels import channel
from protocol.messages import AnswerRecord, BrokenMessage, Reply, Results, encode
from scorer.game import Quiz
from scorer.handler import (
    Outcome,
    Reconcile,
    ReportBroken,
    SendReply,
    SendResults,
    ShowPlayer,
    ShowState,
)
from scorer.store import StorageError, Store
from scorer.transport import Link
from scorer.views import View, Views

# Its lines are the session's: docs/operations.md quotes them under this logger's name.
log = logging.getLogger("scorer.service")

# Replies go out at QoS 0 (protocol/channels.py): a reply matters only to a client
# connected and waiting for it, and a scorer that reconnects uses a fresh MQTT client, so
# QoS 1 would resend nothing.
REPLY_QOS = channel(topics.reply).qos
# Answers per results reply: about 120 bytes each, well under Mosquitto's 1.1 MB packet limit.
RESULTS_PART_ANSWERS = 5000


class Effects:
    """Publishes the effects of committed batches, and the views they make due."""

    def __init__(self, quizzes: dict[str, Quiz], store: Store, views: Views,
                 clock: Callable[[], float]) -> None:
        self.quizzes = quizzes  # the live quizzes, shared with the handler and the views
        self.store = store
        self.views = views
        self.clock = clock

    def carry_out(self, link: Link, out: Outcome) -> None:
        """Publish what a commit allows; one failure costs that publish only."""
        self.views.changed(out.changed)
        now = self.clock()
        for effect in out.effects:
            try:
                if isinstance(effect, SendReply):
                    send_reply(link, effect.client, effect.reply)
                elif isinstance(effect, ShowPlayer):
                    show(link, [self.views.player(effect.code, effect.player)])
                elif isinstance(effect, ShowState):
                    show(link, self.views.state(effect.code, now))
                elif isinstance(effect, SendResults):
                    self._send_results(link, effect)
                elif isinstance(effect, Reconcile):
                    self._reconcile(effect.code)
                elif isinstance(effect, ReportBroken):
                    broken = BrokenMessage(topic=effect.topic, error=effect.error)
                    link.publish(topics.errors(), encode(broken), retain=False,
                                 qos=channel(topics.errors).qos)
            except StorageError:
                raise
            except Exception:
                log.exception("a publish after the commit failed")

    def _send_results(self, link: Link, ask: SendResults) -> None:
        """Reply with the standings and every answer, in parts that fit a broker's packet limit."""
        quiz = self.quizzes[ask.code]
        try:
            answers = self.store.answers(quiz.code)
        except StorageError:
            log.exception("cannot read the answers of %s", quiz.code, extra={"quiz": quiz.code})
            send_reply(link, ask.client, Reply(
                req=ask.req, ok=False, reason="bad_request",
                error="the scorer cannot read its database; try again"))
            return
        for reply in results_replies(quiz, answers, ask.req):
            send_reply(link, ask.client, reply)

    def _reconcile(self, code: str) -> None:
        """At the end, recompute the standings from the stored answers; those win."""
        stored = self.store.load_quiz(code)
        if stored.standings() != self.quizzes[code].standings():
            log.error("quiz %s: live standings differ from the stored answers; "
                      "publishing the stored ones", code, extra={"quiz": code})
            self.quizzes[code] = stored
            self.views.changed({code})


def results_replies(quiz: Quiz, answers: list[AnswerRecord], req: str) -> Iterator[Reply]:
    """The replies to a results request: the standings in part 0, RESULTS_PART_ANSWERS a part."""
    parts = max(1, -(-len(answers) // RESULTS_PART_ANSWERS))
    for part in range(parts):
        chunk = answers[part * RESULTS_PART_ANSWERS:(part + 1) * RESULTS_PART_ANSWERS]
        results = quiz.results(chunk) if part == 0 else \
            Results(quiz=quiz.code, phase=quiz.phase, standings=[], answers=chunk)
        yield Reply(req=req, ok=True, quiz=quiz.code, results=results, part=part, parts=parts)


def send_reply(link: Link, client: str, reply: Reply) -> None:
    """Every reply goes out the same way: not retained, at REPLY_QOS."""
    link.send(topics.reply(client, reply.req), encode(reply), retain=False, qos=REPLY_QOS)


def show(link: Link, views: list[View]) -> None:
    """Publish views, each on its topic at its QoS."""
    for view in views:
        link.send(view.topic, view.payload, qos=view.qos)
