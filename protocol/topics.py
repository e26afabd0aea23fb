"""Every MQTT topic of the quiz, built and parsed in this one place.

Nobody else formats a topic string: the scorer, the CLI and the TUI call these
functions, and `docs/protocol.md` describes the same names.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from enum import Enum

from protocol.errors import RefusalError

ROOT = "quiz"

# Quiz codes avoid characters that look alike when read off a projector (0/O, 1/I/L).
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6
PLAYER_ID_LENGTH = 8
REQUEST_ID_LENGTH = 16
CLIENT_ID_LENGTH = 16

_CODE_RE = re.compile(rf"[{CODE_ALPHABET}]{{{CODE_LENGTH}}}")
_PLAYER_RE = re.compile(rf"[0-9a-f]{{{PLAYER_ID_LENGTH}}}")
_REQUEST_RE = re.compile(rf"[0-9a-f]{{{REQUEST_ID_LENGTH}}}")
_CLIENT_RE = re.compile(rf"[0-9a-f]{{{CLIENT_ID_LENGTH}}}")
# A scorer's client id names its status topic: letters, digits and -_. only.
_SCORER_RE = re.compile(r"[A-Za-z0-9_.-]{1,64}")
# The client id of the only scorer of a broker (and of scorer 0 of several).
DEFAULT_SCORER = "quiz-scorer"
# Each identifier's pattern by its name in a topic (`<code>` in docs/protocol.md, `{code}`
# in docs/asyncapi.yaml); a standings page is a number from 1.
ID_PATTERNS = {"code": _CODE_RE.pattern, "player": _PLAYER_RE.pattern,
               "client": _CLIENT_RE.pattern, "req": _REQUEST_RE.pattern, "page": "[1-9][0-9]*",
               "scorer": _SCORER_RE.pattern}


class TopicError(RefusalError, ValueError):
    """A topic or an identifier inside it is not one of ours."""


def normalize_code(code: str) -> str:
    """Return the canonical (upper-case) quiz code, or raise TopicError."""
    canonical = code.strip().upper()
    if not _CODE_RE.fullmatch(canonical):
        raise TopicError(
            f"{code!r} is not a quiz code: {CODE_LENGTH} characters from {CODE_ALPHABET}"
        )
    return canonical


def is_request_id(value: str) -> bool:
    """True when value has the shape of a request id."""
    return _REQUEST_RE.fullmatch(value) is not None


def is_client_id(value: str) -> bool:
    """True when value has the shape of a quiz client's MQTT client id."""
    return _CLIENT_RE.fullmatch(value) is not None


def new_code() -> str:
    """A random quiz code (the scorer checks it is unused among live quizzes)."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def new_player_id() -> str:
    """A random player id."""
    return secrets.token_hex(PLAYER_ID_LENGTH // 2)


def new_request_id() -> str:
    """A random request id."""
    return secrets.token_hex(REQUEST_ID_LENGTH // 2)


def new_client_id() -> str:
    """A random MQTT client id for a quiz client; it names the client's reply topics."""
    return secrets.token_hex(CLIENT_ID_LENGTH // 2)


# --- topics a client publishes, the scorer reads -------------------------------------------


def create() -> str:
    """Host asks the scorer to create a quiz."""
    return f"{ROOT}/new"


def join(code: str) -> str:
    """Player joins (or resumes) a quiz."""
    return f"{ROOT}/{code}/join"


def answer(code: str, player: str) -> str:
    """Player answers the open question."""
    return f"{ROOT}/{code}/answers/{player}"


def control(code: str) -> str:
    """Host controls a quiz: start, next, end, kick, results."""
    return f"{ROOT}/{code}/control"


# --- topics the scorer publishes -----------------------------------------------------------


def state(code: str) -> str:
    """Retained phase of the quiz and the question on screen."""
    return f"{ROOT}/{code}/state"


def leaderboard(code: str) -> str:
    """Retained live top standings, for displays and hosts (coalesced, up to 10 a second)."""
    return f"{ROOT}/{code}/leaderboard"


def board(code: str) -> str:
    """Retained players' board: the top standings as of the last phase change.

    Every player follows it, so it changes only a few times a question: its fan-out is
    bounded by the quiz's pace, not by the answer rate.
    """
    return f"{ROOT}/{code}/board"


def standings(code: str, page: int) -> str:
    """Retained page `page` (1-based) of the full standings: ranks 100*(page-1)+1 onwards."""
    return f"{ROOT}/{code}/standings/{page}"


def standings_of(code: str) -> str:
    """Filter for every page of a quiz's full standings."""
    return f"{ROOT}/{code}/standings/+"


def every_standings() -> str:
    """Filter for every standings page of every quiz (public)."""
    return f"{ROOT}/+/standings/+"


def counts(code: str) -> str:
    """Retained live counts (players, answered), for displays and hosts only."""
    return f"{ROOT}/{code}/counts"


def words(code: str) -> str:
    """Retained words of a finished quiz: every question's word and the class's accuracy."""
    return f"{ROOT}/{code}/words"


def every_words() -> str:
    """Filter for the words of every finished quiz (public)."""
    return f"{ROOT}/+/words"


def player(code: str, player_id: str) -> str:
    """Retained score, rank and last result of one player."""
    return f"{ROOT}/{code}/players/{player_id}"


def reply(client_id: str, request_id: str) -> str:
    """The answer to one request, under the sender's own client id.

    Brokers let a client read only the replies under its own client id.
    """
    return f"{ROOT}/replies/{client_id}/{request_id}"


def replies_of(client_id: str) -> str:
    """Filter for every reply to one client."""
    return f"{ROOT}/replies/{client_id}/+"


def errors() -> str:
    """Where the scorer reports messages too broken to carry a request id."""
    return f"{ROOT}/errors"


def scorer_status() -> str:
    """Retained online/offline status of the scorer (also its last will).

    The scorer with the default client id, the only scorer of most brokers, says it here;
    any other (several scorers: scorer/partition.py) on `scorer_status_of(its id)`.
    """
    return f"{ROOT}/scorer/status"


def scorer_load() -> str:
    """Retained load of the scorer (quizzes, players, answer rate, backlog), for operators.

    Apart from the status so that players, who follow the status, are not sent it.
    """
    return f"{ROOT}/scorer/load"


def other_scorer_status(scorer: str) -> str:
    """Retained status of a scorer whose client id is not the default one."""
    return f"{ROOT}/scorer/status/{scorer}"


def other_scorer_load(scorer: str) -> str:
    """Retained load of a scorer whose client id is not the default one."""
    return f"{ROOT}/scorer/load/{scorer}"


def other_scorers_status() -> str:
    """Filter for the status of every scorer but the default one."""
    return f"{ROOT}/scorer/status/+"


def other_scorers_load() -> str:
    """Filter for the load of every scorer but the default one."""
    return f"{ROOT}/scorer/load/+"


def status_of(scorer: str) -> str:
    """Where the scorer with client id `scorer` says online or offline."""
    return scorer_status() if scorer == DEFAULT_SCORER else other_scorer_status(scorer)


def load_of(scorer: str) -> str:
    """Where the scorer with client id `scorer` publishes its load."""
    return scorer_load() if scorer == DEFAULT_SCORER else other_scorer_load(scorer)


def is_scorer_id(value: str) -> bool:
    """True when value can be a scorer's client id (and so a level of its status topic)."""
    return _SCORER_RE.fullmatch(value) is not None


def everything() -> str:
    """Filter for every topic of the quiz (the scorer's own account may use it)."""
    return f"{ROOT}/#"


def bench_echo(name: str) -> str:
    """A topic of `quiz bench`'s echo baseline: no scorer subscription matches it."""
    return f"{ROOT}/bench-echo/{name}"


def every_state() -> str:
    """Filter for the state of every quiz (public)."""
    return f"{ROOT}/+/state"


def every_leaderboard() -> str:
    """Filter for the leaderboard of every quiz (public)."""
    return f"{ROOT}/+/leaderboard"


def every_board() -> str:
    """Filter for the players' board of every quiz (public)."""
    return f"{ROOT}/+/board"


def every_counts() -> str:
    """Filter for the live counts of every quiz (public)."""
    return f"{ROOT}/+/counts"


def scorer_sync(client_id: str) -> str:
    """The scorer's own marker topic: when its marker comes back, the backlog is drained."""
    return f"{ROOT}/scorer/sync/{client_id}"


def public_views() -> tuple[str, ...]:
    """Filters anyone may read on both brokers: the retained views, errors and status.

    Player status is public (docs/security.md): it holds a name, a score and a rank.
    """
    return (every_state(), every_leaderboard(), every_board(), every_counts(),
            every_standings(), every_words(), f"{ROOT}/+/players/+", errors(), scorer_status(),
            scorer_load(), other_scorers_status(), other_scorers_load())


# --- subscriptions of the scorer ------------------------------------------------------------

SCORER_SUBSCRIPTIONS: tuple[str, ...] = (
    f"{ROOT}/new",
    f"{ROOT}/+/join",
    f"{ROOT}/+/answers/+",
    f"{ROOT}/+/control",
)


def quiz_requests(code: str) -> tuple[str, ...]:
    """The filters of one quiz's requests: what a scorer that owns it subscribes to."""
    return (join(code), answer(code, "+"), control(code))


class Kind(Enum):
    """What a topic the scorer reads is for."""

    CREATE = "create"
    JOIN = "join"
    ANSWER = "answer"
    CONTROL = "control"


@dataclass(frozen=True, slots=True)
class Inbound:
    """A parsed topic of a message addressed to the scorer."""

    kind: Kind
    code: str = ""
    player: str = ""


def parse_inbound(topic: str) -> Inbound:
    """Parse a topic the scorer subscribes to; raise TopicError for anything else."""
    parts = topic.split("/")
    if parts == [ROOT, "new"]:
        return Inbound(Kind.CREATE)
    if len(parts) < 3 or parts[0] != ROOT or not _CODE_RE.fullmatch(parts[1]):
        raise TopicError(f"not a quiz topic: {topic!r}")
    code = parts[1]
    if len(parts) == 3 and parts[2] == "join":
        return Inbound(Kind.JOIN, code)
    if len(parts) == 3 and parts[2] == "control":
        return Inbound(Kind.CONTROL, code)
    if len(parts) == 4 and parts[2] == "answers":
        if not _PLAYER_RE.fullmatch(parts[3]):
            raise TopicError(f"not a player id: {parts[3]!r}")
        return Inbound(Kind.ANSWER, code, parts[3])
    raise TopicError(f"not a topic the scorer reads: {topic!r}")
