"""Every kind of question and the calm mode on the screens, against a real broker and scorer.

Pilot at 80x24, as tests/e2e/test_tui.py: each test creates its own quiz, from a small
deck of its own (plain lower-case words, so a test can type them), and asserts what the
screen shows.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from textual.widgets import Input

from broker.embedded import Embedded
from client.credentials import Credentials, PlayerCredentials
from client.joining import join
from client.requests import QuizClient
from protocol import auth
from protocol.messages import DeckEntry, QuestionKind
from scorer.questions import Question
from scorer.service import Scorer
from tests.conftest import WAIT_SECONDS, connected, running_scorer
from tests.e2e.test_tui import SIZE, shows
from tui.board import BoardApp
from tui.demo import DemoSettings, running_demo
from tui.host import HostApp
from tui.live import Live
from tui.play import PlayApp

DECK = [
    DeckEntry("receive", "to get something that someone gives or sends you", "verb",
              "Did you receive my letter?", distractors=["wash", "paint", "eat"]),
    DeckEntry("journey", "a trip from one place to another, especially a long one", "noun",
              "The journey by train took two days.", distractors=["colour", "smell", "height"]),
    DeckEntry("wealth", "a large amount of money or valuable things", "noun",
              "She spent her wealth on houses and cars.", distractors=["rain", "fog", "thunder"]),
    DeckEntry("borrow", "to take something that you will give back later", "verb",
              "Can I borrow your pen?", distractors=["swim", "sleep", "cry"]),
    DeckEntry("harbour", "a place on the coast where boats stay safe", "noun",
              "The boats waited in the harbour.", distractors=["desert", "kitchen", "sky"]),
    DeckEntry("whisper", "to speak very quietly", "verb", "She whispered his name."),
]


@dataclass
class Room:
    """A broker, a scorer, a host's client and a quiz of our own kinds."""

    broker: Embedded
    scorer: Scorer
    client: QuizClient
    code: str
    host_key: str
    credentials: Credentials

    def question(self, q: int) -> Question:
        return self.scorer.quizzes[self.code].questions[q]

    async def join(self, name: str) -> PlayerCredentials:
        return (await join(self.broker.public, self.code, name, WAIT_SECONDS, self.credentials,
                            notice=print)).me

    async def answer(self, who: PlayerCredentials, q: int, given: int | str) -> None:
        await self.client.answer(self.code, who.player, who.secret, q, given)

    async def control(self, action: str, at: int = -1) -> None:
        await self.client.control(self.code, self.host_key, action, at=at)


@asynccontextmanager
async def quiz_of(embedded: Embedded, tmp_path: Path, kinds: Sequence[QuestionKind], *,
                  calm: bool = False, questions: int = 2) -> AsyncIterator[Room]:
    """A scorer on `embedded` and a new quiz of these kinds, no speed points, no streak."""
    async with AsyncExitStack() as stack:
        scorer = await stack.enter_async_context(running_scorer(embedded.scorer,
                                                                tmp_path / "quiz.db"))
        client = await stack.enter_async_context(connected(embedded.public, WAIT_SECONDS))
        host_key = auth.new_secret()
        code = await client.create(deck="learning.tsv", entries=DECK, questions=questions,
                                   seconds=60.0, speed_bonus=False, streak=False, auto=False,
                                   host_key=host_key, kinds=kinds, calm=calm)
        yield Room(embedded, scorer, client, code, host_key, Credentials(tmp_path / "home"))


def near_miss(word: str) -> str:
    """The word with its last letter doubled: one edit away, and no word of the deck."""
    return word + word[-1]


def other_choice(question: Question) -> int:
    return (question.correct + 1) % len(question.choices)


# --- the player's screen ----------------------------------------------------------------------


async def test_a_typed_near_miss_is_accepted_with_the_spelling_shown(
        embedded: Embedded, tmp_path: Path) -> None:
    async with quiz_of(embedded, tmp_path, ["typed"]) as room:
        alice = await room.join("alice")
        app = PlayApp(Live(room.broker.public, room.code, player=alice))
        async with app.run_test(size=SIZE) as pilot:
            await shows(pilot, "Waiting for the host")
            await room.control("start")
            word = room.question(0).word
            frame = await shows(pilot, "Question 1 of 2  (", "type the word",
                                room.question(0).prompt[:40], "Type the word and press Enter.")
            assert "1-4" not in frame.splitlines()[-1]  # no answer keys for a typed question
            assert app.query_one(Input).has_focus
            typo = near_miss(word)
            await pilot.press(*typo, "enter")
            # the status is public: the spelling waits for the reveal
            await shows(pilot, f"✓ accepted: {typo}, a near miss (+500)",
                        "alice  ·  500 points  ·  rank 1 of 1")
            assert app.query_one(Input).value == typo  # what was sent stays on screen
            assert app.query_one(Input).disabled  # one answer per question
            await room.control("next", at=0)
            await shows(pilot, f"The answer: {word}", f"✓ accepted: {typo} → {word} (+500)")


async def test_a_reverse_question_shows_four_definitions_and_is_answered_by_key(
        embedded: Embedded, tmp_path: Path) -> None:
    async with quiz_of(embedded, tmp_path, ["reverse"]) as room:
        alice = await room.join("alice")
        await room.control("start")
        question = room.question(0)
        app = PlayApp(Live(room.broker.public, room.code, player=alice))
        async with app.run_test(size=SIZE) as pilot:
            frame = await shows(pilot, "pick its meaning", question.word, "Press 1-4")
            for number, definition in enumerate(question.choices, start=1):
                assert f"{number}  {definition}" in frame  # each in full, wrapped if long
            await pilot.press(str(question.correct + 1))
            await shows(pilot, "✓ correct: +1000 points")


# --- the classroom board ----------------------------------------------------------------------


async def test_the_board_counts_right_near_and_wrong_after_a_typed_reveal(
        embedded: Embedded, tmp_path: Path) -> None:
    async with quiz_of(embedded, tmp_path, ["typed"]) as room:
        alice, bob, cat = [await room.join(name) for name in ("alice", "bob", "cat")]
        app = BoardApp(Live(room.broker.public, room.code))
        async with app.run_test(size=SIZE) as pilot:
            await shows(pilot, "Lobby: 3 players")
            await room.control("start")
            question = room.question(0)
            frame = await shows(pilot, question.prompt[:40], "type the word")
            await room.answer(alice, 0, question.word)
            await room.answer(bob, 0, near_miss(question.word))
            await room.answer(cat, 0, "zzzz")
            await shows(pilot, "3 of 3 answered")
            await room.control("next", at=0)
            # (the word's IPA, where espeak-ng said it, comes between the two)
            frame = await shows(pilot, f"The answer: {question.word}", "  ·  1 of 3 right (33%)",
                                "✓ right", "~ near", "✗ wrong")
            for label in ("✓ right", "~ near", "✗ wrong"):
                line = next(line for line in frame.splitlines() if label in line)
                assert line.rstrip().endswith(" 1"), line
            assert "Leaderboard (3 players)" in frame  # not calm: the ranking stays


# --- a calm quiz ------------------------------------------------------------------------------


async def test_a_calm_quiz_ranks_nobody_on_the_players_screen_or_the_board(
        embedded: Embedded, tmp_path: Path) -> None:
    async with quiz_of(embedded, tmp_path, ["choice"], calm=True) as room:
        alice, bob = await room.join("alice"), await room.join("bob")
        player = PlayApp(Live(room.broker.public, room.code, player=alice))
        board = BoardApp(Live(room.broker.public, room.code))
        async with player.run_test(size=SIZE) as pilot, board.run_test(size=SIZE) as shown:
            await shows(pilot, "2 in the lobby", "alice  ·  0 points  ·  0 right")
            await shows(shown, "Lobby: 2 players", "Class progress (2 players)")
            await room.control("start")
            question = room.question(0)
            await shows(pilot, "Press 1-4")
            await pilot.press(str(question.correct + 1))
            await shows(pilot, "✓ correct: +1000 points", "alice  ·  1000 points  ·  1 right")
            await room.answer(bob, 0, other_choice(question))
            await shows(shown, "2 of 2 answered")
            await room.control("next", at=0)
            mine = await shows(pilot, f"The answer: {question.word}")
            board_frame = await shows(shown, "1 of 2 right (50%)", "Q1", " 50%  1 of 2")
            for frame in (mine, board_frame):
                assert "rank" not in frame and "Leaderboard" not in frame, frame
            assert "alice" not in board_frame and "bob" not in board_frame  # nobody named
            await room.control("end")
            # ended after the first question: one word asked, and alice got it
            mine = await shows(pilot, "The quiz is over.",
                               "You finished with 1000 points: 1 of 1 right.",
                               "You got every word right: nothing to review.")
            board_frame = await shows(shown, "Finished: 2 players", "Q1")
            assert "Final standings" not in mine and "1st" not in mine
            assert "Podium" not in board_frame and "1st" not in board_frame


# --- the end: the words to review, and how the class did on each word -------------------------


async def test_the_player_sees_the_missed_word_and_the_host_each_words_accuracy(
        embedded: Embedded, tmp_path: Path) -> None:
    async with quiz_of(embedded, tmp_path, ["choice", "typed"]) as room:
        alice, bob = await room.join("alice"), await room.join("bob")
        player = PlayApp(Live(room.broker.public, room.code, player=alice))
        host = HostApp(Live(room.broker.public, room.code, host_key=room.host_key))
        async with player.run_test(size=SIZE) as pilot, host.run_test(size=SIZE) as console:
            await shows(console, "Lobby: 2 players")
            await console.press("s")
            await shows(pilot, "Question 1 of 2")
            first, second = room.question(0), room.question(1)
            right = first.word if first.kind == "typed" else first.correct
            await room.answer(alice, 0, right)
            await room.answer(bob, 0, right)
            await shows(console, "2 of 2 answered")
            await console.press("n")
            await shows(console, "Right per question: Q1 100%")
            await console.press("n")
            await shows(pilot, "Question 2 of 2")
            # alice misses the second word, bob gets it
            await room.answer(alice, 1, "zzzz" if second.kind == "typed" else other_choice(second))
            await room.answer(bob, 1, second.word if second.kind == "typed" else second.correct)
            await shows(console, "2 of 2 answered")
            await console.press("n")
            await shows(console, "Right per question: Q1 100%  Q2 50%")
            await console.press("e")

            entry = next(e for e in DECK if e.term == second.word)
            frame = await shows(pilot, "Words to review (1 of 2):",
                                f"• {entry.term} ({entry.pos}): {entry.definition[:30]}",
                                f"e.g. {entry.example}")
            assert f"• {first.word} " not in frame  # answered right: nothing to review
            frame = await shows(console, "Per word, most missed first (2 players):",
                                "50% right  (1 of 2)", "100% right  (2 of 2)")
            lines = frame.splitlines()
            worst = next(i for i, line in enumerate(lines) if "50% right" in line)
            best = next(i for i, line in enumerate(lines) if "100% right" in line)
            assert worst < best and second.word in lines[worst] and first.word in lines[best]


async def test_a_player_who_got_every_word_is_told_so(embedded: Embedded,
                                                      tmp_path: Path) -> None:
    async with quiz_of(embedded, tmp_path, ["cloze"], questions=1) as room:
        alice = await room.join("alice")
        app = PlayApp(Live(room.broker.public, room.code, player=alice))
        async with app.run_test(size=SIZE) as pilot:
            await shows(pilot, "Waiting for the host")
            await room.control("start")
            question = room.question(0)
            frame = await shows(pilot, "fill the gap", "_____")
            assert question.prompt in frame
            await pilot.press(str(question.correct + 1))
            await shows(pilot, "✓ correct")
            await room.control("end")
            await shows(pilot, "You got every word right: nothing to review.")


# --- the demo ---------------------------------------------------------------------------------


async def test_the_demos_players_type_words_in_a_calm_quiz(tmp_path: Path) -> None:
    settings = DemoSettings(players=6, questions=1, seconds=3.0, lobby=0.5, seed=7,
                            kinds=("typed",), calm=True)
    async with running_demo(settings, tmp_path) as demo:
        app = BoardApp(Live(demo.broker, demo.code))
        async with app.run_test(size=SIZE) as pilot:
            await shows(pilot, "Class progress (6 players)", "type the word")
            frame = await shows(pilot, "revealed", "✓ right", "~ near", "✗ wrong",
                                timeout=15)
            counts = [int(line.split()[-1]) for line in frame.splitlines()
                      if line.strip().startswith(("✓ right", "~ near", "✗ wrong"))]
            assert sum(counts) > 0  # the simulated players typed answers, judged
            assert "Leaderboard" not in frame
