"""docs/asyncapi.yaml: generated from protocol/, valid AsyncAPI 3.0.0, agreeing with the docs."""

import copy
import inspect
import itertools
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from protocol import asyncapi, topics
from protocol.channels import CHANNELS, REVISION

ROOT = Path(__file__).resolve().parents[2]
GENERATED = ROOT / "docs" / "asyncapi.yaml"
PROTOCOL_DOC = ROOT / "docs" / "protocol.md"
# The official schema, from @asyncapi/specs (tests/fixtures/README.md says which).
ASYNCAPI_SCHEMA = ROOT / "tests" / "fixtures" / "asyncapi-3.0.0.json"
DOCUMENT_URI = "urn:vocab-quiz:asyncapi"
# Topics a builder of topics.py makes that are no channel between applications.
NOT_CHANNELS = {
    "scorer_sync",  # the scorer's marker to itself
    "bench_echo",  # quiz bench's echo baseline
    "status_of", "load_of",  # pick scorer_status or other_scorer_status (load) by client id
}
SAMPLES: dict[str, Any] = {"code": "ABCDEF", "player": "0011aabb", "player_id": "0011aabb",
                           "client_id": "00112233aabbccdd", "request_id": "0123456789abcdef",
                           "page": 1, "name": "echo", "scorer": "quiz-scorer-1"}


def markdown_section(text: str, heading: str) -> str:
    """The text under a heading, up to the next heading of the same or a higher level."""
    level = len(heading) - len(heading.lstrip("#"))
    start = text.index(f"\n{heading}\n")
    end = re.compile(rf"\n#{{1,{level}}} ").search(text, start + 1)
    return text[start:end.start() if end else len(text)]


def table_rows(section: str) -> list[list[str]]:
    """The cells of the first markdown table of a section, header and rule left out."""
    lines = section.splitlines()
    start = next(number for number, line in enumerate(lines) if line.startswith("|"))
    table = itertools.takewhile(lambda line: line.startswith("|"), lines[start + 2:])
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in table]


def documented_topics() -> list[tuple[str, str, int, bool, str]]:
    """Rows of docs/protocol.md's Topics table: (address, publisher, qos, retained, message)."""
    rows = []
    for topic, publisher, retained, qos, payload in table_rows(
            markdown_section(PROTOCOL_DOC.read_text(), "## Topics")):
        address = re.sub(r"<(\w+)>", r"{\1}", topic.strip("`"))
        message = re.fullmatch(r"\[(\w+)\]\(#\w+\).*", payload)
        assert message, f"no message link in {payload!r}"
        assert retained in ("yes", "no"), retained
        rows.append((address, publisher.split(" (")[0], int(qos), retained == "yes",
                     message.group(1)))
    return rows


def generated_topics(document: dict[str, Any]) -> list[tuple[str, str, int, bool, str]]:
    """The same rows, as the AsyncAPI document's operations say them."""
    rows = []
    for operation in document["operations"].values():
        channel = resolve(document, operation["channel"])
        (message,) = channel["messages"]
        mqtt = operation["bindings"]["mqtt"]
        rows.append((channel["address"], operation["x-publisher"], mqtt["qos"],
                     mqtt["retain"], message))
    return rows


def resolve(document: dict[str, Any], reference: dict[str, str]) -> Any:
    """Follow a local `$ref` of the document."""
    node: Any = document
    for part in reference["$ref"].removeprefix("#/").split("/"):
        node = node[part]
    return node


def documented_examples() -> list[tuple[str, dict[str, Any]]]:
    """(heading, payload) for every ```json block of docs/protocol.md, by its ### heading."""
    examples, heading = [], ""
    for match in re.finditer(r"^### (\w+)$|^```json\n(.*?)^```$", PROTOCOL_DOC.read_text(),
                             re.MULTILINE | re.DOTALL):
        if match.group(1):
            heading = match.group(1)
        else:
            examples.append((heading, json.loads(match.group(2))))
    return examples


def payload_validator(document: dict[str, Any], message: str) -> jsonschema.Draft7Validator:
    """A validator for a message's payload schema, its `$ref`s resolved in the document."""
    resource = Resource.from_contents(document, default_specification=DRAFT7)
    registry: Registry[Any] = Registry().with_resource(DOCUMENT_URI, resource)
    payload = document["components"]["messages"][message]["payload"]["$ref"]
    return jsonschema.Draft7Validator({"$ref": DOCUMENT_URI + payload}, registry=registry)


def asyncapi_errors(document: dict[str, Any]) -> list[str]:
    schema = json.loads(ASYNCAPI_SCHEMA.read_text())
    validator = jsonschema.Draft7Validator(schema)
    return [f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
            for error in validator.iter_errors(document)]


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return asyncapi.document()


def test_the_committed_document_is_the_generated_one() -> None:
    assert GENERATED.read_text() == asyncapi.render(), \
        "docs/asyncapi.yaml is stale: run `make asyncapi` and commit it"


def test_the_document_is_yaml_of_the_generated_data(document: dict[str, Any]) -> None:
    assert yaml.safe_load(GENERATED.read_text()) == document


def test_the_document_is_valid_asyncapi_3(document: dict[str, Any]) -> None:
    assert document["asyncapi"] == "3.0.0"
    assert asyncapi_errors(yaml.safe_load(GENERATED.read_text())) == []


def test_the_asyncapi_schema_refuses_a_broken_document(document: dict[str, Any]) -> None:
    broken = copy.deepcopy(document)
    broken["operations"]["send_state"]["action"] = "publish"  # AsyncAPI 2's word
    broken["operations"]["send_state"]["bindings"]["mqtt"]["qos"] = 3
    errors = asyncapi_errors(broken)
    assert any("operations/send_state" in error for error in errors), errors


def test_channels_qos_and_retain_are_the_protocol_docs_table(document: dict[str, Any]) -> None:
    assert generated_topics(document) == documented_topics()


def test_the_scorer_receives_what_others_publish_and_sends_the_rest(
        document: dict[str, Any]) -> None:
    actions = {operation["x-publisher"]: set() for operation in document["operations"].values()}
    for operation in document["operations"].values():
        actions[operation["x-publisher"]].add(operation["action"])
    assert actions == {"host": {"receive"}, "player": {"receive"}, "scorer": {"send"}}
    for operation in document["operations"].values():
        if operation["action"] == "receive":
            assert resolve(document, operation["reply"]["channel"])["address"] == \
                topics.reply("{client}", "{req}")


def test_every_topic_the_contract_builds_is_a_channel_or_a_filter() -> None:
    built = {}
    for name, function in inspect.getmembers(topics, inspect.isfunction):
        arguments = inspect.signature(function).parameters
        if function.__module__ != topics.__name__ or not set(arguments) <= set(SAMPLES):
            continue
        topic = function(*(SAMPLES[argument] for argument in arguments))
        if isinstance(topic, str) and topic.startswith(f"{topics.ROOT}/") \
                and not {"+", "#"} & set(topic.split("/")):
            built[name] = topic
    channels = {channel.name for channel in CHANNELS}
    assert set(built) - NOT_CHANNELS == channels, \
        "a topic of topics.py without a row in protocol/channels.py: add it there and to " \
        "docs/protocol.md's Topics table, then run `make asyncapi`"


def test_every_documented_payload_validates_against_its_message_schema(
        document: dict[str, Any]) -> None:
    examples = documented_examples()
    messages = document["components"]["messages"]
    assert {heading for heading, _ in examples} == set(messages), \
        "every message has an example in docs/protocol.md, under its own heading"
    for heading, payload in examples:
        errors = [error.message for error in payload_validator(document, heading)
                  .iter_errors(payload)]
        assert errors == [], f"the {heading} example in docs/protocol.md: {errors}"


@pytest.mark.parametrize(("message", "field", "value"), [
    ("Answer", "choice", 10),
    ("Join", "secret", "not hex"),
    ("State", "phase", "halftime"),
    ("CreateQuiz", "entries", [{"term": ""}]),
])
def test_a_payload_out_of_its_schema_is_refused(document: dict[str, Any], message: str,
                                                field: str, value: Any) -> None:
    (payload,) = [example for heading, example in documented_examples() if heading == message]
    assert payload_validator(document, message).is_valid(payload)
    assert not payload_validator(document, message).is_valid({**payload, field: value})


def test_parameters_carry_the_patterns_topics_py_matches_ids_with(
        document: dict[str, Any]) -> None:
    parameters = document["components"]["parameters"]
    assert set(parameters) == {name for channel in CHANNELS for name in channel.parameters}
    made = {"code": topics.new_code(), "player": topics.new_player_id(),
            "client": topics.new_client_id(), "req": topics.new_request_id(), "page": "12",
            "scorer": "quiz-scorer-2"}
    for name, parameter in parameters.items():
        pattern = parameter["x-pattern"]
        assert pattern == f"^{topics.ID_PATTERNS[name]}$"
        assert pattern in parameter["description"]
        for value in (*parameter["examples"], made[name]):
            assert re.fullmatch(pattern, value), (name, value)
    assert not re.fullmatch(parameters["code"]["x-pattern"], "abcdef")
    assert not re.fullmatch(parameters["page"]["x-pattern"], "0")


def test_the_version_is_the_contracts_latest_revision(document: dict[str, Any]) -> None:
    revisions = table_rows(markdown_section(PROTOCOL_DOC.read_text(), "## Revisions"))
    assert document["info"]["version"] == str(REVISION) == revisions[-1][0]
