"""The files written for NATS: permissions from protocol/topics.py, accounts, runtime config."""

import re
from pathlib import Path

import pytest

from broker.mosquitto import acl_text
from broker.nats import (
    MQTT_DELIVERY,
    PROJECT_CONF,
    SESSION_ACK_PENDING_LIMIT,
    NatsAccounts,
    Node,
    permissions,
    render_config,
    subjects,
)
from protocol import topics, views
from scorer.service import MAX_BATCH


def test_mqtt_filters_become_nats_subjects() -> None:
    assert subjects("quiz/+/leaderboard") == ["quiz.*.leaderboard"]
    assert subjects("quiz/#") == ["quiz", "quiz.>"]
    assert subjects("quiz/replies/+/+") == ["quiz.replies.*.*"]
    assert subjects("#") == [">"]


def mosquitto_rights(acl: str, user: str | None) -> dict[str, set[str]]:
    """What one block of Mosquitto's ACL grants, as NATS subjects (%c read as any client)."""
    blocks = acl.split("\nuser ")
    block = blocks[0] if user is None else next(b for b in blocks if b.startswith(user + "\n"))
    rights: dict[str, set[str]] = {"publish": set(), "subscribe": set()}
    for line in block.splitlines():
        words = line.split()
        if len(words) == 3 and words[0] in ("topic", "pattern"):
            topic = words[2].replace("%c", "+")
            if words[1] in ("read", "readwrite"):
                rights["subscribe"].update(subjects(topic))
            if words[1] in ("write", "readwrite"):
                rights["publish"].update(subjects(topic))
    return rights


@pytest.mark.parametrize(("role", "user"), [("anonymous", None), ("host", "teacher"),
                                            ("scorer", "scorer")])
def test_every_account_has_the_rights_mosquittos_acl_gives_it(role: str, user: str) -> None:
    acl = acl_text({"scorer": "scorer", "teacher": "host"})
    expected = mosquitto_rights(acl, user)
    if role == "host":  # a Mosquitto account also gets the `pattern` lines of everyone
        expected["subscribe"] |= mosquitto_rights(acl, None)["subscribe"] & set(
            subjects(topics.replies_of("+")))
    nats = permissions(role)  # type: ignore[arg-type]
    assert set(nats["publish"]) == expected["publish"]
    assert set(nats["subscribe"]) - {MQTT_DELIVERY} == expected["subscribe"]
    assert MQTT_DELIVERY in nats["subscribe"]  # QoS 1 deliveries need it


def test_accounts_write_an_authorization_block_only_the_owner_reads(tmp_path: Path) -> None:
    accounts = NatsAccounts(tmp_path)
    accounts.add("teacher", "host", 'pa"ss\\word')
    accounts.add("teacher", "host", 'new"pass\\word')  # a new password replaces the old one
    password = accounts.scorer_password()
    assert accounts.scorer_password() == password  # made once, then kept
    assert set(accounts.accounts()) == {"scorer", "teacher"}
    auth = accounts.auth.read_text()
    assert 'user: "teacher"\n            password: "new\\"pass\\\\word"' in auth
    assert 'user: "anonymous"' in auth
    assert auth.count('allowed_connection_types: ["MQTT"]') == 3
    assert oct(accounts.auth.stat().st_mode)[-3:] == "600"
    assert oct(accounts.accounts_file.stat().st_mode)[-3:] == "600"


@pytest.mark.parametrize("name", ["", "has space", "x" * 65, "anonymous"])
def test_bad_account_names_are_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(ValueError, match="account name"):
        NatsAccounts(tmp_path).add(name, "host", "pw")


def test_a_password_that_looks_like_a_bcrypt_hash_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"\$2"):
        NatsAccounts(tmp_path).add("teacher", "host", "$2a$11$abc")


def max_ack_pending() -> int:
    found = re.findall(r"^\s*max_ack_pending:\s*(\d+)", PROJECT_CONF.read_text(), re.M)
    assert len(found) == 1
    return int(found[0])


def test_max_ack_pending_lets_every_client_subscribe() -> None:
    """NATS refuses a QoS 1 subscription past 65,535 unacknowledged messages per session."""
    per_session = SESSION_ACK_PENDING_LIMIT // max_ack_pending()
    assert len(topics.SCORER_SUBSCRIPTIONS) + 1 <= per_session  # + its sync topic
    assert len(views.player_follows("ABCDEF", "c" * 16, "p" * 8)) <= per_session
    assert len(views.host_follows("ABCDEF", "c" * 16)) <= per_session
    own_quizzes = 10  # a scorer of several: quiz/new, its sync topic, 3 for each own quiz
    assert 2 + len(topics.quiz_requests("ABCDEF")) * own_quizzes <= per_session
    assert max_ack_pending() <= MAX_BATCH  # never more waiting than one batch takes


def test_a_single_node_has_no_cluster_and_one_replica(tmp_path: Path) -> None:
    node = Node("quiz-1", 5555, tmp_path / "n")
    text = render_config(PROJECT_CONF.read_text(), node, tmp_path / "auth.conf", [], 1)
    assert "cluster {" not in text and "nats-route" not in text
    assert "listen: 127.0.0.1:5555" in text
    assert "stream_replicas: 1" in text
    assert 'include "../auth.conf"' in text
    assert f'store_dir: "{tmp_path}/n/jetstream"' in text
    assert "no_auth_user: anonymous" in text
    assert re.search(r"^listen: 127\.0\.0\.1:-1$", text, re.M)


def test_a_cluster_node_lists_the_routes_of_all_three(tmp_path: Path) -> None:
    node = Node("quiz-2", 5556, tmp_path / "quiz-2", route_port=7002)
    text = render_config(PROJECT_CONF.read_text(), node, tmp_path / "auth.conf",
                         [7001, 7002, 7003], 3)
    assert "server_name: quiz-2" in text
    assert "listen: 127.0.0.1:7002" in text
    assert [f"nats-route://127.0.0.1:{p}" for p in (7001, 7002, 7003)] == re.findall(
        r"nats-route://[0-9.:]+", text)
    assert "stream_replicas: 3" in text
    assert "quiz-1:6222" not in text
