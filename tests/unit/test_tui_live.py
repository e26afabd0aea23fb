"""The pure parts of the TUI's edges: topics followed, decoding, commands, the crowd."""

from __future__ import annotations

import random

import pytest
import typer.main

from protocol import topics
from protocol.messages import Leaderboard, PlayerStatus, QuestionView, Reply, State, encode
from tui.demo import pick, player_names
from tui.live import decode_update, subscriptions

CLIENT = "00112233aabbccdd"


def test_a_display_follows_only_public_topics_and_its_replies() -> None:
    followed = subscriptions("ABCDEF", CLIENT)
    assert set(followed) == {topics.state("ABCDEF"), topics.leaderboard("ABCDEF"),
                             topics.scorer_status(), topics.replies_of(CLIENT)}
    player = subscriptions("ABCDEF", CLIENT, player="0011aabb")
    assert player[topics.player("ABCDEF", "0011aabb")] is PlayerStatus


def test_updates_decode_by_topic_and_broken_ones_are_dropped() -> None:
    kinds = subscriptions("ABCDEF", CLIENT)
    board = Leaderboard(quiz="ABCDEF", seq=3, players=0, top=[], updated_at=1.0)
    assert decode_update(kinds, topics.leaderboard("ABCDEF"), encode(board)) == board
    assert decode_update(kinds, topics.leaderboard("ABCDEF"), b"{not json") is None
    assert decode_update(kinds, topics.state("ABCDEF"), encode(board)) is None  # wrong schema
    assert decode_update(kinds, topics.leaderboard("ZZZZZZ"), encode(board)) is None
    reply_topic = topics.reply(CLIENT, "0123456789abcdef")
    reply = Reply(req="0123456789abcdef", ok=False, error="no", reason="closed")
    assert decode_update({**kinds, reply_topic: Reply}, reply_topic, encode(reply)) == reply
    assert decode_update(kinds, topics.state("ABCDEF"), "not bytes") is None
    assert State is kinds[topics.state("ABCDEF")]


def test_every_tui_command_and_option_is_documented() -> None:
    from cli.main import app

    command = typer.main.get_command(app)
    assert isinstance(command, typer.main.TyperGroup)
    for name in ("play", "board", "host", "demo"):
        sub = command.commands[name]
        assert sub.help, f"{name} has no docstring"
        for param in sub.params:
            assert getattr(param, "help", None), f"{name} {param.name} has no help"
    play_options = {opt for p in command.commands["play"].params for opt in p.opts}
    assert {"--broker", "--timeout", "--name"} <= play_options
    broker = next(p for p in command.commands["board"].params if p.name == "broker")
    assert broker.envvar == "QUIZ_BROKER"


def test_simulated_players_have_distinct_names() -> None:
    names = player_names(75)
    assert len({name.casefold() for name in names}) == 75


@pytest.mark.parametrize("seed", range(5))
def test_a_perfect_player_knows_every_word_and_a_guess_stays_in_range(seed: int) -> None:
    question = QuestionView(index=0, count=1, prompt="a trip", pos="noun",
                            choices=["wealth", "journey", "receipt", "ant"],
                            opened_at=0.0, deadline=10.0)
    rng = random.Random(seed)
    assert pick(question, {"a trip": "journey"}, 1.0, rng) == 1
    assert 0 <= pick(question, {}, 1.0, rng) < 4
    assert 0 <= pick(question, {"a trip": "journey"}, 0.0, rng) < 4
