"""Message schemas of the quiz: JSON with a version field, validated when decoded.

Bytes become typed messages here and nowhere else. Anything that does not decode
raises `DecodeError`, carrying the request id when one could be read, so the
scorer can answer the sender before dropping the message.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from types import MappingProxyType
from typing import Annotated, Any, Literal, TypeVar, get_args

import msgspec

from protocol.errors import RefusalError
from protocol.topics import (
    CODE_ALPHABET,
    CODE_LENGTH,
    ID_PATTERNS,
    Inbound,
    Kind,
    is_client_id,
    is_request_id,
)

VERSION = 1

# A request is a few hundred bytes; only a quiz creation carries a deck.
MAX_PAYLOAD = 4 * 1024
MAX_CREATE_PAYLOAD = 1024 * 1024
MAX_NAME_LENGTH = 24
MAX_DECK_ENTRIES = 5000


def whole(pattern: str) -> str:
    r"""A pattern that only a whole field matches.

    msgspec checks a pattern with `re.search`, where `$` also matches before a final
    newline: "^[0-9a-f]{64}$" takes a signature followed by "\n". `\A` and `\Z` anchor at
    the very start and end. (protocol/asyncapi.py writes them as JSON Schema's ^ and $.)
    """
    return rf"\A(?:{pattern})\Z"


# The id patterns are protocol/topics.py's: a request names its reply topic with them.
RequestId = Annotated[str, msgspec.Meta(pattern=whole(ID_PATTERNS["req"]))]
ClientId = Annotated[str, msgspec.Meta(pattern=whole(ID_PATTERNS["client"]))]
Secret = Annotated[str, msgspec.Meta(pattern=whole("[0-9a-f]{32,128}"))]
Signature = Annotated[str, msgspec.Meta(pattern=whole("[0-9a-f]{64}"))]
QuizCode = Annotated[str, msgspec.Meta(pattern=whole(f"[{CODE_ALPHABET}]{{{CODE_LENGTH}}}"))]
Text = Annotated[str, msgspec.Meta(min_length=1, max_length=500)]

# "open": a self-paced quiz (contract rev. 9) until its deadline, each player at their pace.
Phase = Literal["lobby", "question", "reveal", "finished", "open"]
# Why a request was refused: `Reply.reason`, for programs (docs/protocol.md, Reply). The
# wire field stays a plain string, so a client still decodes a reason added later.
Reason = Literal[
    "bad_request", "unknown_quiz", "unknown_player", "bad_signature", "forbidden",
    "name_taken", "kicked", "full", "finished", "already_answered", "not_open", "closed",
    "bad_choice", "paused",
]
REASONS: tuple[Reason, ...] = get_args(Reason)
Action = Literal["start", "next", "end", "kick", "results", "pause", "resume", "key"]


class DecodeError(RefusalError, ValueError):
    """A payload that is not a valid message.

    `reply_to` is (client, req) when both could be read, so the sender can be told.
    """

    def __init__(self, message: str, reply_to: tuple[str, str] | None = None) -> None:
        super().__init__(message)
        self.reply_to = reply_to


class Message(msgspec.Struct, frozen=True, kw_only=True):
    """Base of every message: the schema version comes first."""

    v: int = VERSION


# --- requests (client -> scorer) ------------------------------------------------------------


# The kinds of question (docs/protocol.md, CreateQuiz): pick the word for a definition,
# the definition for a word, the word for a sentence's blank, or type the word; or hear
# the word and type it (listen) or pick it among words that sound alike (listen-choice).
QuestionKind = Literal["choice", "reverse", "cloze", "typed", "listen", "listen-choice"]
QUESTION_KINDS: tuple[QuestionKind, ...] = get_args(QuestionKind)
# The kinds answered with a typed text (Answer.text); the others with a choice.
TYPED_KINDS: frozenset[QuestionKind] = frozenset({"typed", "listen"})
# The kinds whose word is heard: their prompt never holds it (docs/protocol.md, State).
LISTENING_KINDS: frozenset[QuestionKind] = frozenset({"listen", "listen-choice"})
# In an --auto quiz, how long the answer stays on screen before the next question.
REVEAL_SECONDS = 5.0
# The Common European Framework's levels a deck's word may carry, easiest first.
CefrLevel = Literal["A1", "A2", "B1", "B2", "C1", "C2"]
LEVELS: tuple[CefrLevel, ...] = get_args(CefrLevel)
Level = Literal["", CefrLevel]  # "": no level (an entry that says none; a quiz of all levels)
MAX_TYPED = 80  # a typed answer is one word or phrase of a deck: terms are at most 80 too


# A word or phrase listed in a deck entry, and how many such an entry may list.
DeckWord = Annotated[str, msgspec.Meta(min_length=1, max_length=80)]
MAX_LISTED = 10


class DeckEntry(msgspec.Struct, frozen=True):
    """One vocabulary item."""

    term: Annotated[str, msgspec.Meta(min_length=1, max_length=80)]
    definition: Text
    pos: Annotated[str, msgspec.Meta(max_length=20)] = ""
    example: Annotated[str, msgspec.Meta(max_length=500)] = ""
    level: Level = ""
    # Other answers a typed question takes as right (outside: outdoors); contract rev. 4.
    accept: Annotated[list[DeckWord], msgspec.Meta(max_length=MAX_LISTED)] = \
        msgspec.field(default_factory=list)
    # Wrong words written for the example's blank: a cloze is made only from an entry
    # with three of them (docs/protocol.md, CreateQuiz); contract rev. 4.
    distractors: Annotated[list[DeckWord], msgspec.Meta(max_length=MAX_LISTED)] = \
        msgspec.field(default_factory=list)


class Request(Message, frozen=True, kw_only=True):
    """Base of every request: who asks, so the reply reaches them."""

    client: ClientId
    req: RequestId


class Again(msgspec.Struct, frozen=True, kw_only=True):
    """The quiz a new one repeats, and its host's proof (protocol.auth.sign_again)."""

    quiz: QuizCode
    sig: Signature


class CreateQuiz(Request, frozen=True, kw_only=True):
    """Create a quiz from a built-in deck (by name) or from entries sent along."""

    host_key: Secret
    deck: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    entries: list[DeckEntry] | None = None
    questions: Annotated[int, msgspec.Meta(ge=1, le=100)] = 10
    seconds: Annotated[float, msgspec.Meta(ge=3, le=600)] = 20.0
    speed_bonus: bool = True
    streak: bool = True
    auto: bool = False
    kinds: Annotated[list[QuestionKind],
                     msgspec.Meta(min_length=1, max_length=len(QUESTION_KINDS))] = \
        msgspec.field(default_factory=lambda: ["choice"])
    calm: bool = False  # no speed points, no streak, no public ranking
    level: Level = ""  # draw only the deck's words of this CEFR level
    # Contract rev. 7: the questions and settings of another quiz of the same host, in
    # their order or shuffled; deck, entries, questions, kinds and level are not read.
    again: Again | None = None
    shuffle: bool = False
    # Contract rev. 9: a self-paced quiz (homework), open until this time (seconds since
    # the epoch): each player opens the questions one after another; 0 is a live quiz.
    until: Annotated[float, msgspec.Meta(ge=0)] = 0.0


class Join(Request, frozen=True, kw_only=True):
    """Join a quiz, or resume as the same player with the same secret."""

    name: str
    secret: Secret


class Answer(Request, frozen=True, kw_only=True):
    """An answer to question `q`, signed with the player's secret.

    It carries exactly one of `choice` (0-based) or `text` (for a typed question); or,
    with `open` (contract rev. 9, a self-paced quiz), neither: it asks for question `q`,
    whose clock starts for this player when the scorer first opens it.
    """

    q: Annotated[int, msgspec.Meta(ge=0, le=1000)]
    choice: Annotated[int, msgspec.Meta(ge=0, le=9)] | None = None
    text: Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_TYPED)] | None = None
    sig: Signature
    open: bool = False

    @property
    def given(self) -> int | str:
        """The choice, or the typed text (decode_request guarantees exactly one)."""
        return self.choice if self.choice is not None else (self.text or "")


class Control(Request, frozen=True, kw_only=True):
    """A host command, signed with the host key.

    `at` is the question index the host is looking at (-1 in the lobby): a
    replayed or repeated `next` for a question already left changes nothing.
    """

    action: Action
    at: Annotated[int, msgspec.Meta(ge=-1, le=1000)] = -1
    player: str = ""
    sig: Signature


AnyRequest = CreateQuiz | Join | Answer | Control

# --- what the scorer publishes --------------------------------------------------------------


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    """How a quiz is played, fixed at creation."""

    questions: int
    seconds: float
    speed_bonus: bool = True
    streak: bool = True
    auto: bool = False
    kinds: list[QuestionKind] = msgspec.field(default_factory=lambda: ["choice"])
    calm: bool = False
    level: Level = ""
    until: float = 0.0  # contract rev. 9: a self-paced quiz's deadline; 0 for a live quiz


class QuestionView(msgspec.Struct, frozen=True, kw_only=True):
    """The open question as players see it: never the correct choice."""

    index: int
    count: int
    prompt: str
    pos: str
    choices: list[str]  # empty for a typed question
    opened_at: float
    deadline: float
    kind: QuestionKind = "choice"
    # Contract rev. 8: where a listening question's word is heard, on the web board of
    # `quiz serve` (a path such as /audio/NAME.wav); its name does not tell the word.
    audio: str = ""


class RevealView(msgspec.Struct, frozen=True, kw_only=True):
    """The closed question with its answer and how the room answered."""

    index: int
    correct: int
    term: str
    distribution: list[int]
    # Contract rev. 8: how the term is said, in IPA, and where it is heard ("" when the
    # scorer's machine cannot say words).
    ipa: str = ""
    audio: str = ""


class State(Message, frozen=True, kw_only=True):
    """Retained on quiz/<code>/state."""

    quiz: str
    seq: int
    phase: Phase
    settings: Settings
    players: int
    answered: int = 0
    question: QuestionView | None = None
    reveal: RevealView | None = None
    updated_at: float
    scorer: str = ""  # the MQTT client id of the scorer that owns the quiz
    # Contract rev. 5: the host paused the question (or the reveal) on screen; its clock
    # stands still with `remaining` seconds left on it until the host resumes.
    paused: bool = False
    remaining: float = 0.0


class Counts(Message, frozen=True, kw_only=True):
    """Retained on quiz/<code>/counts: how many play and how many answered the open question.

    Displays and hosts follow it; players do not, so its refresh costs the broker one
    delivery per display, not one per player.
    """

    quiz: str
    players: int
    answered: int
    q: int  # the question the answers count for (-1 in the lobby)
    updated_at: float
    # Contract rev. 9, a self-paced quiz: players who opened a question, and who answered all.
    started: int = 0
    done: int = 0


class Standing(msgspec.Struct, frozen=True):
    """One row of the leaderboard."""

    rank: int
    player: str
    name: str
    score: int


class StandingsPage(Message, frozen=True, kw_only=True):
    """Retained on quiz/<code>/standings/<page>: one page of everyone's standings."""

    quiz: str
    page: int  # 1-based: page 1 holds ranks 1 to `size`
    pages: int
    size: int  # rows a full page holds
    players: int
    seq: int
    rows: list[Standing]
    updated_at: float


class Leaderboard(Message, frozen=True, kw_only=True):
    """Retained on quiz/<code>/leaderboard: the top standings."""

    quiz: str
    seq: int
    players: int
    top: list[Standing]
    updated_at: float
    # Contract rev. 11: the live counts ride on the live leaderboard, so a display needs no
    # separate counts message: answers to question `q` (from 0; -1 between questions).
    answered: int = 0
    q: int = -1


class LastResult(msgspec.Struct, frozen=True, kw_only=True):
    """How the player's latest answer was scored (the choice is not repeated)."""

    q: int
    correct: bool
    points: int
    late: bool = False
    seq: int = 0  # the answer's event number: every leaderboard with seq >= it includes it
    typo: bool = False  # a typed answer accepted as a near miss, for half the points
    expected: str = ""  # the right spelling of a near miss ("" otherwise)


class PlayerStatus(Message, frozen=True, kw_only=True):
    """Retained on quiz/<code>/players/<player>."""

    quiz: str
    player: str
    name: str
    score: int
    rank: int
    streak: int
    answered: int
    last: LastResult | None = None
    kicked: bool = False
    right: list[int] = msgspec.field(default_factory=list)  # questions right: in time, spelled
    # Contract rev. 9, a self-paced quiz: the last question this player opened (-1: none),
    # and the one it answers next: that one until answered, then the following one (the
    # question count once the last is answered). Both -1 in a live quiz.
    opened: int = -1
    next: int = -1


class AnswerRecord(msgspec.Struct, frozen=True, kw_only=True):
    """One stored answer, as exported by `quiz results`."""

    player: str
    name: str
    q: int
    choice: int
    correct: bool
    points: int
    elapsed_ms: int
    late: bool
    kicked: bool = False  # the player was removed by the host later; the answer stays
    text: str = ""  # what was typed, for a typed question (choice is then -1)
    typo: bool = False  # accepted as a near miss of the word


class Results(msgspec.Struct, frozen=True, kw_only=True):
    """Final (or current) standings and every answer."""

    quiz: str
    phase: Phase
    standings: list[Standing]
    answers: list[AnswerRecord]


class Word(msgspec.Struct, frozen=True, kw_only=True):
    """One question's word, and how the class did on it."""

    q: int
    kind: QuestionKind
    term: str
    definition: str
    pos: str = ""
    example: str = ""
    answered: int  # answers stored for the question, late ones included
    right: int  # right, in time, spelled right
    near: int  # typed near misses accepted
    ipa: str = ""  # contract rev. 8: how the term is said ("" when unknown)


class Words(Message, frozen=True, kw_only=True):
    """Every question's word with the class's accuracy; published when a quiz finishes."""

    quiz: str
    words: list[Word]
    updated_at: float


class Reply(Message, frozen=True, kw_only=True):
    """Published once on quiz/replies/<client>/<req> for each request."""

    req: str
    ok: bool
    error: str | None = None
    reason: str | None = None
    quiz: str | None = None
    player: str | None = None
    name: str | None = None
    score: int | None = None
    results: Results | None = None
    part: int = 0  # results come in `parts` replies; standings are in part 0
    parts: int = 1
    # Contract rev. 6: to a `key`, the open question's answer sealed with the host key
    # (protocol/answerkey.py): hex, for the host's eyes only.
    key: str | None = None
    # Contract rev. 9: to an `open` request, the player's question with its own clock.
    question: QuestionView | None = None


class BrokenMessage(Message, frozen=True, kw_only=True):
    """Published on quiz/errors for a message without a readable request id."""

    topic: str
    error: str


class ScorerStatus(Message, frozen=True, kw_only=True):
    """Retained on quiz/scorer/status; the offline form is the scorer's last will."""

    status: Literal["online", "offline"]
    since: float
    quizzes: int = 0
    players: int = 0
    answers_per_second: float = 0.0
    backlog: int = 0
    scorer: str = ""  # the scorer's MQTT client id ("" from a scorer that did not say)


# --- codec ----------------------------------------------------------------------------------

_encoder = msgspec.json.Encoder()


class _ReplyAddress(msgspec.Struct):
    client: Any = None
    req: Any = None


_request_decoders: Mapping[Kind, msgspec.json.Decoder[Any]] = MappingProxyType({
    Kind.CREATE: msgspec.json.Decoder(CreateQuiz),
    Kind.JOIN: msgspec.json.Decoder(Join),
    Kind.ANSWER: msgspec.json.Decoder(Answer),
    Kind.CONTROL: msgspec.json.Decoder(Control),
})
_lax_decoder = msgspec.json.Decoder(_ReplyAddress)


def encode(message: msgspec.Struct) -> bytes:
    """JSON bytes of a message."""
    return _encoder.encode(message)


def _reply_address(payload: bytes) -> tuple[str, str] | None:
    try:
        address = _lax_decoder.decode(payload)
    except (msgspec.DecodeError, RecursionError):
        return None
    client, req = address.client, address.req
    if isinstance(client, str) and isinstance(req, str) and is_client_id(client) \
            and is_request_id(req):
        return client, req
    return None


# Letters that draw nothing: the Hangul fillers and the blank Braille pattern. Anywhere in
# a name they make it look like another ("bob" and "bob" + U+3164) or like nothing.
BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def clean_name(name: str) -> str:
    """Validate a display name and return it trimmed; raise ValueError saying what is wrong.

    The rule (docs/protocol.md, Join): after NFC normalization and trimming white space,
    1-24 characters; no control or format character (Unicode category C: C0/C1 controls,
    zero-width and bidi controls, private use, unassigned), no line or paragraph
    separator, no blank letter (BLANK_LETTERS), and not starting with a combining mark.
    So every name starts with a character that shows, and two names that differ show
    differently (up to look-alike letters).
    """
    stripped = unicodedata.normalize("NFC", name).strip()
    if not stripped:
        raise ValueError("name is empty")
    if len(stripped) > MAX_NAME_LENGTH:
        raise ValueError(f"name is longer than {MAX_NAME_LENGTH} characters")
    categories = [unicodedata.category(ch) for ch in stripped]
    if any(category[0] == "C" or category in ("Zl", "Zp") for category in categories):
        raise ValueError("name contains control or invisible formatting characters")
    if any(ch in BLANK_LETTERS for ch in stripped):
        raise ValueError("name contains a blank filler character")
    if categories[0][0] == "M":
        raise ValueError("name starts with a combining mark")
    return stripped


def decode_request(inbound: Inbound, payload: bytes) -> AnyRequest:
    """Decode and validate a request addressed to the scorer, or raise DecodeError."""
    limit = MAX_CREATE_PAYLOAD if inbound.kind is Kind.CREATE else MAX_PAYLOAD
    if len(payload) > limit:
        raise DecodeError(f"payload of {len(payload)} bytes exceeds {limit}", None)
    try:
        message: AnyRequest = _request_decoders[inbound.kind].decode(payload)
    except RecursionError:
        raise DecodeError(f"invalid {inbound.kind.value} message: nested too deeply") from None
    except msgspec.DecodeError as exc:
        raise DecodeError(f"invalid {inbound.kind.value} message: {exc}",
                          _reply_address(payload)) from None
    reply_to = (message.client, message.req)
    if message.v != VERSION:
        raise DecodeError(f"unsupported version {message.v}; this scorer speaks {VERSION}",
                          reply_to)
    if isinstance(message, Join):
        try:
            message = msgspec.structs.replace(message, name=clean_name(message.name))
        except ValueError as exc:
            raise DecodeError(f"invalid name: {exc}", reply_to) from None
    if isinstance(message, Answer) and message.open \
            and (message.choice is not None or message.text is not None):
        raise DecodeError("invalid answer message: a request to open a question carries "
                          "no choice and no text", reply_to)
    if isinstance(message, Answer) and not message.open \
            and (message.choice is None) == (message.text is None):
        raise DecodeError("invalid answer message: it carries either a choice or a text",
                          reply_to)
    if isinstance(message, CreateQuiz) and len(set(message.kinds)) != len(message.kinds):
        raise DecodeError("invalid create message: a kind of question is listed twice",
                          reply_to)
    if isinstance(message, CreateQuiz) and message.entries is not None \
            and len(message.entries) > MAX_DECK_ENTRIES:
        raise DecodeError(f"deck has more than {MAX_DECK_ENTRIES} entries", reply_to)
    return message


T = TypeVar("T", bound=msgspec.Struct)


def decode(kind: type[T], payload: bytes) -> T:
    """Decode a message the scorer published (for clients); raise DecodeError."""
    try:
        message = msgspec.json.decode(payload, type=kind)
    except RecursionError:
        raise DecodeError(f"invalid {kind.__name__}: nested too deeply") from None
    except msgspec.DecodeError as exc:
        raise DecodeError(f"invalid {kind.__name__}: {exc}") from None
    if getattr(message, "v", VERSION) != VERSION:
        raise DecodeError(f"unsupported {kind.__name__} version")
    return message
