"""Text for people: pure formatting of what the scorer publishes."""

from __future__ import annotations

from pathlib import Path

from protocol.address import BrokerAddress
from protocol.messages import Leaderboard, PlayerStatus, Results, ScorerStatus, State


def server_ready(public: BrokerAddress, broker: str, db: Path) -> str:
    """What `quiz serve` prints once the scorer is online."""
    where = {"embedded": "embedded broker", "mosquitto": "Mosquitto"}.get(broker, "broker")
    flag = "" if str(public) == "mqtt://127.0.0.1:11883" else f" --broker {public}"
    lines = [f"quiz scorer online; {where} at {public}; answers stored in {db}",
             "next, in another terminal:"]
    if broker == "mosquitto":
        lines += ["  quiz accounts teacher --role host   # once, then restart (or HUP) mosquitto",
                  f"  export QUIZ_BROKER=mqtt://teacher:PASSWORD@{public.host}:{public.port}",
                  "  quiz create --deck everyday          # as the host"]
    else:
        lines.append(f"  quiz create --deck everyday{flag}       # prints the quiz CODE")
    lines += [f"  quiz join CODE --name alice{flag}",
              f"  quiz start CODE{flag}",
              f"  quiz watch CODE{flag}                   # the live leaderboard",
              "Ctrl-C stops."]
    return "\n".join(lines)


def created(code: str, token: str, broker: str) -> str:
    """What `quiz create` prints."""
    return (f"quiz {code} created on {broker}\n"
            f"host token: {token} (kept in your credentials file)\n"
            f"players join with: quiz join {code} --name NAME\n"
            f"start it with:     quiz start {code}")


def joined(code: str, name: str, player: str, score: int, resumed: bool) -> str:
    """What `quiz join` prints."""
    verb = "resumed" if resumed else "joined"
    return f"{name} {verb} quiz {code} as player {player} (score {score})"


def state_line(state: State) -> str:
    """One line describing a quiz's phase."""
    if state.phase == "lobby":
        return f"quiz {state.quiz}: lobby, {state.players} players"
    if state.phase == "finished":
        return f"quiz {state.quiz}: finished"
    q = state.question
    assert q is not None  # noqa: S101 - question and reveal phases carry the question
    head = f"quiz {state.quiz}: question {q.index + 1}/{q.count}"
    if state.phase == "reveal" and state.reveal is not None:
        return f"{head} revealed: {state.reveal.term} ({state.answered} answered in time)"
    choices = "  ".join(f"{i + 1}) {c}" for i, c in enumerate(q.choices))
    return f"{head} ({q.pos}): {q.prompt}\n  {choices}"


def answered(status: PlayerStatus) -> str:
    """What `quiz answer` prints."""
    last = status.last
    assert last is not None  # noqa: S101 - printed only once the answer is scored
    verdict = "late" if last.late else ("correct" if last.correct else "wrong")
    return (f"{verdict}: +{last.points} points; score {status.score}, rank {status.rank}"
            + (f", streak {status.streak}" if status.streak > 1 else ""))


def board(leaderboard: Leaderboard) -> str:
    """The leaderboard as a small table."""
    lines = [f"leaderboard {leaderboard.quiz} (#{leaderboard.seq}, "
             f"{leaderboard.players} players)"]
    width = max((len(s.name) for s in leaderboard.top), default=4)
    lines += [f"{s.rank:>4}. {s.name:<{width}}  {s.score:>6}" for s in leaderboard.top]
    return "\n".join(lines)


def update(message: State | Leaderboard | ScorerStatus) -> str:
    """Any update `quiz watch` prints."""
    if isinstance(message, Leaderboard):
        return board(message)
    if isinstance(message, ScorerStatus):
        return f"scorer {message.status}"
    return state_line(message)


RESULT_COLUMNS: list[object] = ["rank", "name", "player", "score", "question", "choice", "correct",
                  "points", "elapsed_ms", "late"]


def results_rows(results: Results) -> list[list[object]]:
    """CSV rows: one per answer, with the player's final rank and score."""
    by_player: dict[str, list[list[object]]] = {}
    for a in results.answers:
        by_player.setdefault(a.player, []).append(
            [a.q + 1, a.choice + 1, int(a.correct), a.points, a.elapsed_ms, int(a.late)])
    rows: list[list[object]] = [RESULT_COLUMNS]
    for s in results.standings:
        head: list[object] = [s.rank, s.name, s.player, s.score]
        rows += [head + answer for answer in by_player.get(s.player, [])] or \
            [head + [""] * 6]
    return rows
