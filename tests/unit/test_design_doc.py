"""docs/design.md stays true: the topics and commands it names exist."""

import re
from pathlib import Path

from protocol import topics
from quiz.main import app
from tests.unit.test_docs import contract_topics, named_topics

ROOT = Path(__file__).resolve().parents[2]
DESIGN = (ROOT / "docs" / "design.md").read_text()


def commands() -> set[str]:
    return {command.name or command.callback.__name__  # type: ignore[union-attr]
            for command in app.registered_commands} | {
                group.name for group in app.registered_groups if group.name}


def test_every_topic_in_the_design_exists_in_the_contract() -> None:
    named = named_topics(DESIGN.replace("<id>", "00112233aabbccdd"))
    assert named, "the design names no topic"
    assert named <= contract_topics() | {topics.scorer_sync("00112233aabbccdd")}


def test_every_quiz_command_in_the_design_exists() -> None:
    named = set(re.findall(r"`quiz (\w+)", DESIGN))
    named |= {word for group in re.findall(r"`quiz ([\w/]+)`", DESIGN) for word in group.split("/")}
    assert named, "the design names no command"
    assert named <= commands()
