"""The pure parts of the TUI's edges: topics followed, decoding, commands, the crowd."""

from __future__ import annotations

import random
from typing import cast

import pytest
import typer.main

from client.connection import decode_update
from client.counts import with_counts
from protocol import topics
from protocol.messages import (
    Counts,
    Leaderboard,
    PlayerStatus,
    QuestionKind,
    QuestionView,
    Reply,
    Settings,
    State,
    encode,
)
from scorer.deck import Entry
from scorer.spelling import judge
from tui.demo import Vocabulary, pick, player_names
from tui.live import subscriptions

CLIENT = "00112233aabbccdd"


def test_a_display_follows_public_views_and_a_player_what_changes_a_few_times_a_question(
) -> None:
    followed = subscriptions("ABCDEF", CLIENT)
    assert set(followed) == {topics.state("ABCDEF"), topics.leaderboard("ABCDEF"),
                             topics.counts("ABCDEF"), topics.scorer_status(),
                             topics.other_scorers_status()}
    host = subscriptions("ABCDEF", CLIENT, host=True)
    assert set(host) == {*followed, topics.replies_of(CLIENT)}
    player = subscriptions("ABCDEF", CLIENT, player="0011aabb")
    assert player[topics.player("ABCDEF", "0011aabb")] is PlayerStatus
    assert player[topics.board("ABCDEF")] is Leaderboard
    # the live leaderboard and counts change many times a second: never sent to every player
    assert topics.leaderboard("ABCDEF") not in player
    assert topics.counts("ABCDEF") not in player
    assert topics.scorer_load() not in player


SETTINGS = Settings(questions=3, seconds=20.0)
QUESTION = QuestionView(index=1, count=3, prompt="p", pos="noun", choices=["a", "b", "c", "d"],
                        opened_at=10.0, deadline=30.0)


@pytest.mark.parametrize(("phase", "counts_q", "merged"), [
    ("question", 1, True),     # counts of the open question
    ("question", 0, False),    # counts of the previous question, late
    ("reveal", 1, True),
    ("finished", 1, False),    # the state's final counts stand
])
def test_live_counts_are_folded_into_the_state_they_count(
        phase: str, counts_q: int, merged: bool) -> None:
    state = State(quiz="ABCDEF", seq=4, phase=phase, settings=SETTINGS, players=2,  # type: ignore[arg-type]
                  answered=0, question=QUESTION, updated_at=11.0)
    counts = Counts(quiz="ABCDEF", players=9, answered=5, q=counts_q, updated_at=12.0)
    shown = with_counts(state, counts)
    assert (shown.players, shown.answered) == ((9, 5) if merged else (2, 0))
    assert with_counts(state, None) == state
    older = Counts(quiz="ABCDEF", players=9, answered=5, q=1, updated_at=10.0)
    assert with_counts(state, older) == state


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
    from quiz.main import app

    command = cast("typer.main.TyperGroup", typer.main.get_command(app))  # an app of commands
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


def test_a_perfect_player_knows_every_word_and_anyone_else_guesses() -> None:
    question = QuestionView(index=0, count=1, prompt="a trip", pos="noun",
                            choices=["wealth", "journey", "receipt", "ant"],
                            opened_at=0.0, deadline=10.0)
    rng = random.Random(5)
    known = Vocabulary({"a trip": "journey"}, ("journey",))
    assert {pick(question, known, 1.0, rng) for _ in range(50)} == {1}
    # a player who does not know the word, or not this one, tries every choice in time
    assert {pick(question, known, 0.0, rng) for _ in range(50)} == {0, 1, 2, 3}
    nobody = Vocabulary({}, ("journey",))
    assert {pick(question, nobody, 1.0, rng) for _ in range(50)} == {0, 1, 2, 3}


DECK = [Entry("journey", "a trip from one place to another", "noun",
              "The journey took two days."),
        Entry("receive", "to get something that someone gives you", "verb",
              "Did you receive my letter?")]


def test_simulated_players_know_the_deck_both_ways_for_every_kind() -> None:
    known, rng = Vocabulary.of(DECK), random.Random(3)

    def asked(kind: QuestionKind, prompt: str, choices: list[str]) -> QuestionView:
        return QuestionView(index=0, count=1, prompt=prompt, pos="noun", choices=choices,
                            opened_at=0.0, deadline=10.0, kind=kind)

    reverse = asked("reverse", "journey", ["to get something that someone gives you",
                                           "a trip from one place to another", "x", "y"])
    assert pick(reverse, known, 1.0, rng) == 1  # the word leads to its definition
    cloze = asked("cloze", "The _____ took two days.", ["receive", "x", "journey", "y"])
    assert pick(cloze, known, 1.0, rng) == 2  # the sentence leads to the word that fits
    typed = asked("typed", "to get something that someone gives you", [])
    answers = {pick(typed, known, 1.0, rng) for _ in range(100)}
    assert "receive" in answers  # mostly spelled right ...
    typos = answers - {"receive"}
    assert typos and all(judge(str(text), "receive") == "near" for text in typos)  # ... or nearly
    # a player who does not know the word types another word of the deck
    assert {pick(typed, known, 0.0, rng) for _ in range(50)} <= {"journey", "receive"}
