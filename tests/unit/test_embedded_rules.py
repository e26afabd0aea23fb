"""Topic rules of the embedded broker for every client but the scorer."""

import pytest

from broker.embedded import client_may_publish, client_may_subscribe


@pytest.mark.parametrize(("topic_filter", "allowed"), [
    ("quiz/ABCDEF/leaderboard", True),
    ("quiz/+/leaderboard", True),
    ("quiz/ABCDEF/state", True),
    ("quiz/scorer/status", True),
    ("quiz/errors", True),
    ("quiz/replies/00112233aabbccdd/0123456789abcdef", True),
    ("quiz/replies/00112233aabbccdd/+", True),
    ("quiz/ABCDEF/players/0011aabb", True),
    ("quiz/replies/+", False),
    ("quiz/replies/+/+", False),
    ("quiz/replies/ffffffffffffffff/0123456789abcdef", False),
    ("quiz/replies/#", False),
    ("quiz/#", False),
    ("#", False),
    ("quiz/ABCDEF/answers/+", False),
    ("quiz/ABCDEF/join", False),
    ("quiz/new", False),
    ("quiz/ABCDEF/players/+", True),
    ("quiz/+/players/+", True),
    ("quiz/ABCDEF/players/#", False),
    ("quiz/+/+", False),
    ("+/ABCDEF/join", False),
    ("bench/echo", True),
])
def test_clients_read_only_public_and_their_own_topics(topic_filter: str, allowed: bool) -> None:
    assert client_may_subscribe(topic_filter, "00112233aabbccdd") is allowed


@pytest.mark.parametrize("client_id", ["+", "#", "", "not-hex-at-all!!"])
def test_a_wildcard_client_id_reads_no_replies(client_id: str) -> None:
    assert not client_may_subscribe("quiz/replies/+/+", client_id)
    assert not client_may_subscribe(f"quiz/replies/{client_id}/+", client_id)


@pytest.mark.parametrize(("topic", "allowed"), [
    ("quiz/new", True),
    ("quiz/ABCDEF/join", True),
    ("quiz/ABCDEF/answers/0011aabb", True),
    ("quiz/ABCDEF/control", True),
    # a request's shape with a broken code or player id reaches the scorer, which reports it
    ("quiz/@@@/join", True),
    ("quiz/abcdef/join", True),
    ("quiz/ABCDEF/answers/NOTAHEX", True),
    ("quiz/ABCDEF/answers/0011aabb/extra", False),
    ("quiz/ABCDEF/joins", False),
    ("quiz/ABCDEF/leaderboard", False),
    ("quiz/ABCDEF/state", False),
    ("quiz/ABCDEF/players/0011aabb", False),
    ("quiz/replies/00112233aabbccdd/0123456789abcdef", False),
    ("quiz/scorer/status", False),
    ("bench/echo", True),
])
def test_clients_publish_only_requests(topic: str, allowed: bool) -> None:
    assert client_may_publish(topic) is allowed
