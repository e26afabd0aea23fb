"""`quiz demo`: a server in-process, a crowd of simulated players, and the board to watch.

The simulated players are ordinary clients: each joins and answers over its own MQTT
connection, exactly as `quiz answer` does. They know the vocabulary of the built-in deck
both ways (a definition or a sentence with a gap leads them to its word, a word to its
definition) and answer every kind of question right as often as their skill says, after
a random delay, so the board moves the way a real class makes it move. A typed word
comes now and then with a typo (one letter doubled), which the scorer accepts as a near
miss.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import tempfile
from collections.abc import AsyncGenerator, AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from client.errors import QuizError
from client.requests import QuizClient
from protocol import auth
from protocol.address import DEFAULT_HOST, BrokerAddress
from protocol.messages import (
    MAX_TYPED,
    REVEAL_SECONDS,
    TYPED_KINDS,
    Counts,
    Leaderboard,
    QuestionKind,
    QuestionView,
    ScorerStatus,
    State,
)
from scorer import deck, words
from scorer.questions import cloze_prompt, listen_prompt
from scorer.service import ScorerSettings
from serve.local import LocalBroker, WebSettings
from serve.process import serve
from tui.board import BoardApp
from tui.live import Live

log = logging.getLogger(__name__)

DECK = "everyday"
# The server must be online within this long, or the demo gives up with a clear error.
START_TIMEOUT_SECONDS = 15.0
# Room for the last reveal and slow machines after the quiz's own schedule.
SCHEDULE_MARGIN_SECONDS = 30.0
# Simulated players answer after at least this long, and before this share of the time.
FASTEST_ANSWER_SECONDS = 0.5
LATEST_ANSWER_SHARE = 0.8
# How often a simulated player knows the word: a class where most answers are right.
SKILL_MIN, SKILL_MAX = 0.5, 0.95
# How often a player who knows a typed word types it with a typo: now and then.
TYPO_SHARE = 0.2
NAMES = (
    "Ada", "Bao", "Chloe", "Dev", "Elif", "Femi", "Gus", "Hana", "Ivo", "Jun",
    "Kemal", "Lena", "Mia", "Nils", "Omar", "Priya", "Quinn", "Rosa", "Sami", "Tariq",
    "Uma", "Vera", "Wen", "Xavi", "Yara", "Zoe", "Aiko", "Bruno", "Cleo", "Dario",
)


@dataclass(frozen=True)
class DemoSettings:
    """The demo quiz and its crowd."""

    players: int = 30
    questions: int = 5
    seconds: float = 10.0
    lobby: float = 5.0  # seconds the lobby fills up before the quiz starts
    seed: int | None = None
    kinds: tuple[QuestionKind, ...] = ("choice",)
    calm: bool = False


@dataclass(frozen=True)
class RunningDemo:
    """Where the demo runs, for the board and for anyone who wants to join it."""

    broker: BrokerAddress
    code: str
    # the classroom board in a browser, as `quiz serve` serves it (None: not served)
    board_url: str | None = None

    def subtitle(self) -> str:
        """The terminal board's subtitle: the same board's address in a browser, if any."""
        return f"demo · browser: {self.board_url}" if self.board_url else "demo"


def player_names(count: int) -> list[str]:
    """`count` distinct names (numbered once the list runs out)."""
    return [NAMES[i % len(NAMES)] + (str(i // len(NAMES) + 1) if i >= len(NAMES) else "")
            for i in range(count)]


@dataclass(frozen=True)
class Vocabulary:
    """What the simulated players know: each prompt's answer, and the words to guess from."""

    # a definition or a sentence with a gap -> its word; a word -> its definition
    answers: dict[str, str]
    terms: tuple[str, ...]

    @classmethod
    def of(cls, entries: Sequence[deck.Entry]) -> Vocabulary:
        """The vocabulary of a deck, as every kind of question asks it."""
        answers = {entry.definition: entry.term for entry in entries}
        answers |= {sentence: entry.term for entry in entries
                    if (sentence := cloze_prompt(entry)) is not None}
        answers |= {entry.term: entry.definition for entry in entries}
        # a listen question with the meaning shown; a simulated player hears nothing else
        answers |= {listen_prompt(entry): entry.term for entry in entries}
        return cls(answers, tuple(entry.term for entry in entries))


def typo(word: str, rng: random.Random) -> str:
    """The word with one letter doubled: one edit away, a near miss the scorer accepts.

    Not where doubling makes another real word (later: latter), which is wrong.
    """
    places = list(range(len(word)))
    rng.shuffle(places)
    made = [(word[:at + 1] + word[at:])[:MAX_TYPED] for at in places]
    return next((text for text in made if not words.is_real(text.lower())), made[0])


def pick(question: QuestionView, known: Vocabulary, skill: float,
         rng: random.Random) -> int | str:
    """What a player of this skill answers: the right choice or word, or a guess.

    A typed question gets a text: the word (now and then with a typo), or another word.
    """
    right = known.answers.get(question.prompt)
    knows = right is not None and rng.random() < skill
    if question.kind in TYPED_KINDS:
        if right is None or not knows:
            return rng.choice(known.terms)
        return typo(right, rng) if rng.random() < TYPO_SHARE else right
    if knows and right in question.choices:
        return question.choices.index(right)
    return rng.randrange(len(question.choices))


async def run_demo(settings: DemoSettings) -> None:
    """Run the demo until the board is closed."""
    for noisy in ("amqtt", "transitions", "scorer", "broker"):
        logging.getLogger(noisy).setLevel(logging.CRITICAL)  # the screen is the board
    with tempfile.TemporaryDirectory(prefix="quiz-demo-") as folder:
        async with running_demo(settings, Path(folder)) as demo:
            await BoardApp(Live(demo.broker, demo.code),
                           subtitle=demo.subtitle()).run_async()


@asynccontextmanager
async def running_demo(settings: DemoSettings, folder: Path) -> AsyncIterator[RunningDemo]:
    """A server on a free port, a demo quiz on it, and its crowd playing; all stop after."""
    online: asyncio.Future[BrokerAddress] = asyncio.get_running_loop().create_future()
    boards: list[str] = []  # the web board's address, told right after `ready`

    def ready(public: BrokerAddress) -> None:
        if not online.done():
            online.set_result(public)

    scorer = ScorerSettings(database=folder / "demo.db")
    # the web board too, as `make run` serves it, on ports of its own (0: any free one)
    web = WebSettings(DEFAULT_HOST, 0, ws_port=0)
    server = asyncio.create_task(serve(
        scorer, local=LocalBroker("embedded", DEFAULT_HOST, 0, folder), on_ready=ready,
        web=web, on_board=lambda url, _: boards.append(url)), name="demo-server")
    crowd: asyncio.Task[None] | None = None
    try:
        starting: list[asyncio.Future[Any]] = [server, online]
        await asyncio.wait(starting, timeout=START_TIMEOUT_SECONDS,
                           return_when=asyncio.FIRST_COMPLETED)
        if server.done():
            server.result()  # the server failed: raise its error
        if not online.done():
            raise QuizError(f"the demo server did not start within {START_TIMEOUT_SECONDS:.0f}s")
        broker = online.result()
        host_key = auth.new_secret()
        async with QuizClient.connect(broker) as client:
            code = await client.create(deck=DECK, entries=None, questions=settings.questions,
                                       seconds=settings.seconds, speed_bonus=True, streak=True,
                                       auto=True, host_key=host_key, kinds=settings.kinds,
                                       calm=settings.calm)
        crowd = asyncio.create_task(play_crowd(broker, code, host_key, settings),
                                    name="demo-crowd")
        yield RunningDemo(broker, code, f"{boards[0]}{code}" if boards else None)
    finally:
        # The crowd hangs up before the broker goes, so no client sees it vanish.
        for task in (crowd, server):
            if task is not None:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)


@dataclass
class Bot:
    """One simulated player on its own connection."""

    client: QuizClient
    player: str
    secret: str
    skill: float


async def play_crowd(broker: BrokerAddress, code: str, host_key: str,
                     settings: DemoSettings) -> None:
    """Join the crowd, start the quiz after the lobby, answer every question, then stop."""
    rng = random.Random(settings.seed)
    known = Vocabulary.of(deck.load_builtin(DECK))
    schedule = settings.lobby + settings.questions * (settings.seconds + REVEAL_SECONDS)
    async with AsyncExitStack() as stack, asyncio.timeout(schedule + SCHEDULE_MARGIN_SECONDS):
        bots = []
        for name in player_names(settings.players):
            client = await stack.enter_async_context(QuizClient.connect(broker))
            secret = auth.new_secret()
            reply = await client.join(code, name, secret)
            bots.append(Bot(client, reply.player or "", secret, rng.uniform(SKILL_MIN, SKILL_MAX)))
            await asyncio.sleep(settings.lobby / settings.players)  # the lobby fills visibly
        host = await stack.enter_async_context(QuizClient.connect(broker))
        await host.control(code, host_key, "start")
        updates = await stack.enter_async_context(contextlib.aclosing(
            cast(AsyncGenerator[State | Leaderboard | Counts | ScorerStatus, None],
                 host.updates(code))))
        async with asyncio.TaskGroup() as group:
            seen: set[int] = set()
            async for update in updates:
                if not isinstance(update, State):
                    continue
                question = update.question
                if update.phase == "question" and question and question.index not in seen:
                    seen.add(question.index)
                    for bot in bots:
                        given = pick(question, known, bot.skill, rng)
                        delay = rng.uniform(FASTEST_ANSWER_SECONDS,
                                            max(FASTEST_ANSWER_SECONDS,
                                                LATEST_ANSWER_SHARE * settings.seconds))
                        group.create_task(answer(code, bot, question.index, given, delay))
                if update.phase == "finished" or len(seen) > settings.questions:
                    break


async def answer(code: str, bot: Bot, q: int, given: int | str, delay: float) -> None:
    """Answer after `delay` seconds; a refusal (the question closed meanwhile) is fine."""
    await asyncio.sleep(delay)
    with contextlib.suppress(QuizError):
        await bot.client.answer(code, bot.player, bot.secret, q, given)
