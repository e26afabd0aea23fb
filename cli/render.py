"""Text for people: pure formatting of what the scorer publishes.

Names and deck words are other people's text: they go through `printable`, so nothing
printed carries a control character a terminal would obey (ESC, a carriage return, bidi
overrides), and tables are aligned in terminal cells, so wide characters line up.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console

from client.text import fit, name_column, printable
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
              "or, for a live demo with simulated players: quiz demo (make demo)",
              "Ctrl-C stops."]
    return "\n".join(lines)


def board_ready(url: str, live: list[str]) -> str:
    """What `quiz serve` prints for the web board: its address, and each live quiz's."""
    lines = [f"classroom board in a browser: {url}CODE (or open {url} and type the code)"]
    lines += [f"  quiz {code}: {url}{code}" for code in live]
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
    return printable(f"{name} {verb} quiz {code} as player {player} (score {score})")


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
        return printable(f"{head} revealed: {state.reveal.term} "
                         f"({state.answered} answered in time)")
    choices = "  ".join(printable(f"{i + 1}) {c}") for i, c in enumerate(q.choices))
    return f"{printable(f'{head} ({q.pos}): {q.prompt}')}\n  {choices}"


def answered(status: PlayerStatus) -> str:
    """What `quiz answer` prints."""
    last = status.last
    assert last is not None  # noqa: S101 - printed only once the answer is scored
    verdict = "late" if last.late else ("correct" if last.correct else "wrong")
    return (f"{verdict}: +{last.points} points; score {status.score}, rank {status.rank}"
            + (f", streak {status.streak}" if status.streak > 1 else ""))


def board(leaderboard: Leaderboard) -> str:
    """The leaderboard as a small table."""
    lines = [printable(f"leaderboard {leaderboard.quiz} (#{leaderboard.seq}, "
                       f"{leaderboard.players} players)")]
    names = [printable(s.name) for s in leaderboard.top]
    width = name_column(names)
    lines += [f"{s.rank:>4}. {fit(name, width)}  {s.score:>6}"
              for s, name in zip(leaderboard.top, names, strict=True)]
    return "\n".join(lines)


def update(message: State | Leaderboard | ScorerStatus) -> str:
    """Any update `quiz watch` prints."""
    if isinstance(message, Leaderboard):
        return board(message)
    if isinstance(message, ScorerStatus):
        return printable(f"scorer {message.status}")
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
        head: list[object] = [s.rank, printable(s.name), s.player, s.score]
        rows += [head + answer for answer in by_player.get(s.player, [])] or \
            [head + [""] * 6]
    return rows


def stderr_console() -> Console:
    """Where progress bars go, so stdout stays clean for --json."""
    return Console(stderr=True)


def bench(result: dict[str, Any]) -> str:
    """A bench result for people."""
    own, board = result["own_result_ms"], result["leaderboard_ms"]
    lines = [
        f"{result['players']} players in {result['quizzes']} quizzes on {result['broker']}, "
        f"answers spread over {result['spread_seconds']} s",
        f"  scored answers/s: {result['answers_scored_per_second']}"
        + (f" (echo baseline {result['echo_baseline_per_second']}/s, ratio "
           f"{result.get('ratio_to_echo')})" if "echo_baseline_per_second" in result else ""),
        f"  own result ms:  p50 {own['p50']}  p95 {own['p95']}  p99 {own['p99']}  "
        f"max {own['max']}",
        f"  leaderboard ms: p50 {board['p50']}  p95 {board['p95']}  p99 {board['p99']}  "
        f"max {board['max']}",
        f"  lost {result['lost']}, counted twice {result['counted_twice']} "
        f"(stored {result['stored_answers']} of {result['answers_sent']})",
        f"  scorer CPU {result['scorer_cpu_seconds']} s "
        f"({result['scorer_cpu_percent_of_window']}% of the answer window), "
        f"load generator CPU {result['loadgen_cpu_seconds']} s"
        + (f", broker CPU {result['broker_cpu_seconds']} s"
           if result.get("broker_cpu_seconds") is not None else ""),
        f"  scorer memory: idle {result['scorer_rss_idle_kib']} KiB, joined "
        f"{result['scorer_rss_joined_kib']} KiB, peak {result['scorer_rss_peak_kib']} KiB "
        f"({result['scorer_bytes_per_player']} B per player)",
    ]
    return "\n".join(lines)
