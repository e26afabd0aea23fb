"""The docs and the code tell the same story."""

import re
from pathlib import Path

from protocol import topics

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = {"<code>": "ABCDEF", "<player>": "0011aabb", "<client>": "00112233aabbccdd",
          "<req>": "0123456789abcdef", "<page>": "1", "<scorer>": "quiz-scorer-1"}


def contract_topics() -> set[str]:
    code, player, client, req, _, scorer = SAMPLE.values()
    return {
        topics.create(), topics.join(code), topics.answer(code, player), topics.control(code),
        topics.state(code), topics.leaderboard(code), topics.player(code, player),
        topics.reply(client, req), topics.replies_of(client), topics.errors(),
        topics.scorer_status(), topics.scorer_load(), topics.board(code), topics.counts(code),
        topics.every_state(), topics.every_leaderboard(), topics.every_board(),
        topics.every_counts(), topics.standings(code, 1), topics.standings_of(code),
        topics.every_standings(), topics.words(code), topics.every_words(),
        topics.other_scorer_status(scorer),
        topics.other_scorer_load(scorer), topics.other_scorers_status(),
        topics.other_scorers_load(), *topics.quiz_requests(code), *topics.SCORER_SUBSCRIPTIONS,
    }


def named_topics(text: str) -> set[str]:
    found = set()
    for name in re.findall(r"`(quiz/[^`\s]*)`", text):
        topic = name
        for placeholder, value in SAMPLE.items():
            topic = topic.replace(placeholder, value)
        found.add(topic)
    return found


def test_every_topic_in_the_protocol_doc_exists_in_the_contract() -> None:
    documented = named_topics((ROOT / "docs" / "protocol.md").read_text())
    assert documented, "the protocol doc names no topic"
    assert documented <= contract_topics()


def test_every_topic_of_the_contract_is_documented() -> None:
    documented = named_topics((ROOT / "docs" / "protocol.md").read_text())
    assert contract_topics() <= documented


def test_every_topic_in_the_readme_exists_in_the_contract() -> None:
    text = (ROOT / "README.md").read_text().replace("CODE", "ABCDEF")
    assert named_topics(text) <= contract_topics()
