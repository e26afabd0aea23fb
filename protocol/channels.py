"""Who publishes each topic of the quiz, at which QoS, whether retained, and what message.

One row per topic: docs/protocol.md's "Topics" table is the same table for people (a
test checks that they agree), and docs/asyncapi.yaml is generated from it
(`protocol.asyncapi`). QoS and retain are those of the publish.

Not listed: the subscription filters (`topics.every_state` and the like), the scorer's
own marker topic (`topics.scorer_sync`: the scorer publishes it to itself) and the
echo topic of `quiz bench` (`topics.bench_echo`): no other application reads or writes
them.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import msgspec

from protocol import topics
from protocol.messages import (
    Answer,
    BrokenMessage,
    Control,
    Counts,
    CreateQuiz,
    Join,
    Leaderboard,
    PlayerStatus,
    Reply,
    ScorerStatus,
    StandingsPage,
    State,
    Words,
)

# The revision of the contract (docs/protocol.md, "Revisions"); messages keep `v` apart.
REVISION = 12

Publisher = Literal["host", "player", "scorer"]

# What a topic builder's argument is called inside a topic: `<code>` in docs/protocol.md,
# `{code}` in docs/asyncapi.yaml.
PLACEHOLDERS = {"code": "code", "player": "player", "player_id": "player",
                "client_id": "client", "request_id": "req", "page": "page",
                "scorer": "scorer"}


@dataclass(frozen=True, slots=True)
class Channel:
    """One topic of the contract: built by a function of protocol/topics.py."""

    topic: Callable[..., str]
    publisher: Publisher
    qos: Literal[0, 1]
    retained: bool
    message: type[msgspec.Struct]

    @property
    def name(self) -> str:
        """The channel's id: the name of its topic builder."""
        return self.topic.__name__

    @property
    def parameters(self) -> tuple[str, ...]:
        """The placeholders of the topic, in order (`code`, `player`, `client`, `req`, `page`)."""
        return tuple(PLACEHOLDERS[argument]
                     for argument in inspect.signature(self.topic).parameters)

    @property
    def address(self) -> str:
        """The topic with a `{placeholder}` for each identifier in it."""
        return self.topic(*(f"{{{name}}}" for name in self.parameters))


CHANNELS: tuple[Channel, ...] = (
    Channel(topics.create, "host", 1, False, CreateQuiz),
    Channel(topics.join, "player", 1, False, Join),
    Channel(topics.answer, "player", 0, False, Answer),
    Channel(topics.control, "host", 1, False, Control),
    Channel(topics.state, "scorer", 1, True, State),
    Channel(topics.leaderboard, "scorer", 0, True, Leaderboard),
    Channel(topics.board, "scorer", 0, True, Leaderboard),
    Channel(topics.counts, "scorer", 0, True, Counts),
    Channel(topics.standings, "scorer", 0, True, StandingsPage),
    Channel(topics.words, "scorer", 1, True, Words),
    Channel(topics.player, "scorer", 0, True, PlayerStatus),
    Channel(topics.reply, "scorer", 0, False, Reply),
    Channel(topics.errors, "scorer", 1, False, BrokenMessage),
    Channel(topics.scorer_status, "scorer", 1, True, ScorerStatus),
    Channel(topics.scorer_load, "scorer", 0, True, ScorerStatus),
    Channel(topics.other_scorer_status, "scorer", 1, True, ScorerStatus),
    Channel(topics.other_scorer_load, "scorer", 0, True, ScorerStatus),
)


def channel(topic: Callable[..., str]) -> Channel:
    """The row of a topic builder: how its messages are published."""
    for row in CHANNELS:
        if row.topic is topic:
            return row
    raise KeyError(topic.__name__)
