"""The scorer's metrics: what the service records is what Prometheus reads."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from scorer.metrics import OTHER_REASON, REFUSAL_REASONS, Metrics

ROOT = Path(__file__).resolve().parents[2]


def samples(metrics: Metrics) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a scrape, parsed back from the text exposition."""
    text = metrics.render().decode()
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def value(metrics: Metrics, name: str, **labels: str) -> float:
    return samples(metrics)[(name, tuple(sorted(labels.items())))]


def test_the_scrape_parses_and_names_follow_the_conventions() -> None:
    text = Metrics().render().decode()
    families = list(text_string_to_metric_families(text))
    quiz = [f for f in families if f.name.startswith("quiz_")]
    assert len(quiz) >= 18
    for family in quiz:
        if family.type == "counter":
            assert all(s.name.endswith("_total") for s in family.samples), family.name
        assert family.documentation, family.name
    assert "_created" not in text  # the per-series creation timestamps are filtered out
    assert any(f.name.startswith("process_") for f in families)


def test_each_scorer_has_its_own_registry() -> None:
    one, two = Metrics(), Metrics()
    one.scored(0.01)
    assert value(one, "quiz_answers_scored_total") == 1
    assert value(two, "quiz_answers_scored_total") == 0


def test_scored_answers_count_and_land_in_their_latency_bucket() -> None:
    metrics = Metrics(process=False)
    metrics.scored(0.003, count=5)
    metrics.scored(0.4)
    metrics.scored(0.1, count=0)
    assert value(metrics, "quiz_answers_scored_total") == 6
    assert value(metrics, "quiz_scoring_latency_seconds_count") == 6
    assert value(metrics, "quiz_scoring_latency_seconds_bucket", le="0.002") == 0
    assert value(metrics, "quiz_scoring_latency_seconds_bucket", le="0.005") == 5
    assert value(metrics, "quiz_scoring_latency_seconds_bucket", le="0.5") == 6
    assert value(metrics, "quiz_scoring_latency_seconds_sum") == pytest.approx(0.415)


def test_received_broken_and_suppressed_count() -> None:
    metrics = Metrics(process=False)
    metrics.answer_received()
    metrics.answer_received(3)
    metrics.broken()
    metrics.suppressed(7)
    assert value(metrics, "quiz_answers_received_total") == 4
    assert value(metrics, "quiz_broken_messages_total") == 1
    assert value(metrics, "quiz_replies_suppressed_total") == 7


def test_every_refusal_reason_is_exported_from_the_start() -> None:
    scraped = samples(Metrics(process=False))
    for reason in (*REFUSAL_REASONS, OTHER_REASON):
        assert scraped[("quiz_requests_refused_total", (("reason", reason),))] == 0


def test_refusals_count_by_reason_and_unknown_ones_as_other() -> None:
    metrics = Metrics(process=False)
    metrics.refused("already_answered")
    metrics.refused("already_answered")
    metrics.refused("made_up")
    metrics.refused(None)
    assert value(metrics, "quiz_requests_refused_total", reason="already_answered") == 2
    assert value(metrics, "quiz_requests_refused_total", reason=OTHER_REASON) == 2
    assert ("quiz_requests_refused_total", (("reason", "made_up"),)) not in samples(metrics)


def test_the_reasons_are_those_of_the_protocol() -> None:
    doc = (ROOT / "docs" / "protocol.md").read_text()
    line = next(x for x in doc.splitlines() if x.startswith("| `reason` |"))
    assert set(re.findall(r"`([a-z_]+)`", line)) - {"reason"} == set(REFUSAL_REASONS)


def test_a_batch_records_its_size_and_commit_time() -> None:
    metrics = Metrics(process=False)
    metrics.observe_batch(120, 0.004)
    metrics.observe_batch(1, None)  # nothing written: no commit
    metrics.observe_commit(0.002)
    assert value(metrics, "quiz_batch_size_messages_count") == 2
    assert value(metrics, "quiz_batch_size_messages_sum") == 121
    assert value(metrics, "quiz_sqlite_commit_seconds_count") == 2
    assert value(metrics, "quiz_sqlite_commit_seconds_bucket", le="0.0025") == 1


def test_backlog_is_what_was_set_last() -> None:
    metrics = Metrics(process=False)
    metrics.set_backlog(250)
    assert value(metrics, "quiz_backlog_messages") == 250
    metrics.set_backlog(0)
    assert value(metrics, "quiz_backlog_messages") == 0
    assert metrics.backlog == 0


class StoppedTime:
    """The time module as scorer.metrics sees it, moved by hand so durations are exact."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now

    def perf_counter(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> StoppedTime:
    stopped = StoppedTime()
    monkeypatch.setattr("scorer.metrics.time", stopped)
    return stopped


def test_leaderboard_lag_runs_from_the_first_change_to_the_publish(clock: StoppedTime) -> None:
    metrics = Metrics(process=False)
    metrics.quiz_changed("ABC234")
    clock.now += 0.03
    metrics.quiz_changed("ABC234")  # a later change in the same interval does not reset it
    clock.now += 0.01
    metrics.leaderboard_published("ABC234")
    metrics.leaderboard_published("ABC234")  # a republish with no change: no lag to measure
    assert value(metrics, "quiz_leaderboard_publishes_total") == 2
    assert value(metrics, "quiz_leaderboard_lag_seconds_count") == 1
    assert value(metrics, "quiz_leaderboard_lag_seconds_sum") == pytest.approx(0.04)


def test_reconnects_count_connections_after_the_first() -> None:
    metrics = Metrics(process=False)
    metrics.broker_down()
    assert value(metrics, "quiz_broker_connected") == 0
    metrics.broker_up()
    assert value(metrics, "quiz_broker_reconnects_total") == 0
    assert value(metrics, "quiz_broker_connected") == 1
    metrics.broker_down()
    metrics.broker_up()
    metrics.broker_down()
    metrics.broker_up()
    assert value(metrics, "quiz_broker_reconnects_total") == 2


def test_ready_needs_the_broker_and_the_database() -> None:
    metrics = Metrics(process=False)
    assert not metrics.ready()
    assert "broker" in metrics.unready_reason()
    assert "database" in metrics.unready_reason()
    metrics.broker_up()
    assert not metrics.ready()
    assert metrics.unready_reason() == "the database does not answer"
    metrics.database(True)
    assert metrics.ready()
    assert metrics.unready_reason() == ""
    assert value(metrics, "quiz_database_ok") == 1
    metrics.database(False)
    assert not metrics.ready()
    assert value(metrics, "quiz_database_ok") == 0


def test_population_is_read_when_scraped() -> None:
    metrics = Metrics(process=False)
    live = {"quizzes": 2, "players": 30}
    metrics.watch_population(lambda: (live["quizzes"], live["players"]))
    assert value(metrics, "quiz_live_quizzes") == 2
    assert value(metrics, "quiz_players") == 30
    live.update(quizzes=3, players=41)
    assert value(metrics, "quiz_live_quizzes") == 3
    assert value(metrics, "quiz_players") == 41


def test_storage_counts_the_database_with_its_wal_and_a_folder_by_its_files(
        tmp_path: Path) -> None:
    db = tmp_path / "quiz.db"
    db.write_bytes(b"x" * 1000)
    (tmp_path / "quiz.db-wal").write_bytes(b"x" * 500)
    broker = tmp_path / "mosquitto"
    broker.mkdir()
    (broker / "mosquitto.db").write_bytes(b"x" * 300)
    metrics = Metrics(process=False)
    metrics.watch_storage("database", db)
    metrics.watch_storage("mosquitto", broker)
    metrics.watch_storage("missing", tmp_path / "not" / "yet.db")
    assert value(metrics, "quiz_storage_bytes", volume="database") == 1500
    assert value(metrics, "quiz_storage_bytes", volume="mosquitto") == 300
    assert value(metrics, "quiz_storage_bytes", volume="missing") == 0
    for volume in ("database", "mosquitto", "missing"):
        free = value(metrics, "quiz_storage_free_bytes", volume=volume)
        assert free > 0
        assert not math.isnan(free)


def test_answer_rate_is_measured_between_calls(clock: StoppedTime) -> None:
    metrics = Metrics(process=False)
    metrics.answers_per_second()
    metrics.scored(0.01, count=50)
    clock.now += 0.05
    assert metrics.answers_per_second() == pytest.approx(1000)
    clock.now += 1.0
    assert metrics.answers_per_second() == 0  # none since the last call


# --- the docs name only metrics that exist ---------------------------------------------------


def exported_names() -> set[str]:
    metrics = Metrics()
    metrics.watch_population(lambda: (0, 0))
    metrics.watch_storage("database", ROOT / "quiz-data" / "quiz.db")
    families = list(text_string_to_metric_families(metrics.render().decode()))
    return {f.name for f in families} | {s.name for f in families for s in f.samples}


@pytest.mark.parametrize("doc", ["docs/operations.md", "docs/grafana-dashboard.json"])
def test_every_metric_the_docs_name_is_exported(doc: str) -> None:
    named = set(re.findall(r"\b(?:quiz|process)_[a-z_]+[a-z]", (ROOT / doc).read_text()))
    assert any(n.startswith("quiz_") for n in named), f"{doc} names no metric"
    exported = exported_names()
    if not any(n.startswith("process_") for n in exported):  # process metrics: Linux only
        named = {n for n in named if not n.startswith("process_")}
    assert named <= exported


def test_the_dashboard_is_a_grafana_dashboard_on_these_metrics() -> None:
    dashboard = json.loads((ROOT / "docs" / "grafana-dashboard.json").read_text())
    assert dashboard["schemaVersion"] >= 36
    assert dashboard["title"]
    panels = [p for p in dashboard["panels"] if p["type"] != "row"]
    assert len(panels) >= 8
    ids = [p["id"] for p in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    exprs = " ".join(t["expr"] for p in panels for t in p["targets"])
    for needed in ("histogram_quantile(0.99", "histogram_quantile(0.5",
                   "quiz_backlog_messages", "quiz_broker_reconnects_total",
                   "quiz_sqlite_commit_seconds_bucket", "quiz_live_quizzes", "quiz_players"):
        assert needed in exprs
    for panel in panels:
        assert set(panel["gridPos"]) == {"h", "w", "x", "y"}
        assert panel["gridPos"]["x"] + panel["gridPos"]["w"] <= 24
