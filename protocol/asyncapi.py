"""The AsyncAPI 3.0.0 document of the quiz's MQTT contract, generated from protocol/.

The document describes the scorer: it receives the requests hosts and players publish
and sends every view, reply and status. Channels, publishers, QoS and retain flags come
from `protocol.channels`, topics from `protocol.topics`, message schemas from
`protocol.messages` (through msgspec). `python -m protocol.asyncapi` prints it as YAML;
docs/asyncapi.yaml is that output (`make asyncapi` writes it).
"""

from __future__ import annotations

import re
import sys
from typing import Any

import msgspec
import yaml

from protocol import topics
from protocol.address import DEFAULT_HOST, DEFAULT_PORT
from protocol.channels import CHANNELS, REVISION, Channel

ASYNCAPI_VERSION = "3.0.0"
# The MQTT bindings version whose operation binding has `qos` and `retain`.
MQTT_BINDING_VERSION = "0.2.0"
HEADER = ("# Generated from protocol/ by `python -m protocol.asyncapi` (make asyncapi): "
          "do not edit.\n")

# What each placeholder of a topic is, and an example of it (docs/protocol.md, Identifiers).
_PARAMETERS: dict[str, tuple[str, str]] = {
    "code": ("The quiz code, upper case.", "347PGA"),
    "player": ("The player id the scorer gave at join.", "cf36be11"),
    "client": ("The MQTT client id of the client that sent the request.",
               "8d3e0c11f2a94b70"),
    "req": ("The request id the client chose for the request.", "c0ffee00c0ffee00"),
    "page": ("The page of the standings, from 1.", "1"),
    "scorer": ("The MQTT client id of a scorer other than the default quiz-scorer.",
               "quiz-scorer-1"),
}
# A pattern of protocol.messages.whole(): matched from the first character to the last.
_WHOLE = re.compile(r"\A\\A\(\?:(.*)\)\\Z\Z", re.DOTALL)
_DESCRIPTION = (
    "The MQTT contract of the vocabulary quiz (docs/protocol.md tells it for people), as "
    "seen by the scorer: it receives the requests that hosts and players publish and sends "
    "every view, reply and status. The QoS and retain flag of each operation are those of "
    "the publish; subscribe at QoS 1 or 0 as you like. Every request gets exactly one Reply "
    "on quiz/replies/{client}/{req}, except an accepted answer, whose result is the "
    "player's retained status. Who may read and write what is in docs/security.md."
)


def _summary(thing: Any) -> str:
    """The first line of a docstring."""
    return str(thing.__doc__).strip().splitlines()[0]


def _ref(*path: str) -> dict[str, str]:
    return {"$ref": "#/" + "/".join(path)}


def _parameter(name: str) -> dict[str, Any]:
    description, example = _PARAMETERS[name]
    pattern = f"^{topics.ID_PATTERNS[name]}$"
    return {"description": f"{description} Matches `{pattern}`.", "examples": [example],
            "x-pattern": pattern}


def _ecma_patterns(schema: Any) -> Any:
    r"""The schema with each whole-field pattern (`\A(?:...)\Z`) written as JSON Schema's.

    JSON Schema patterns are ECMA-262 regular expressions, which know no `\A` and `\Z`, and
    where `^` and `$` (without the multiline flag) already anchor at the ends of the string.
    """
    if isinstance(schema, dict):
        return {key: _WHOLE.sub(r"^\1$", value) if key == "pattern" and isinstance(value, str)
                else _ecma_patterns(value) for key, value in schema.items()}
    if isinstance(schema, list):
        return [_ecma_patterns(item) for item in schema]
    return schema


def _mqtt(channel: Channel) -> dict[str, Any]:
    return {"mqtt": {"qos": channel.qos, "retain": channel.retained,
                     "bindingVersion": MQTT_BINDING_VERSION}}


def _channel(channel: Channel) -> dict[str, Any]:
    body: dict[str, Any] = {"address": channel.address, "summary": _summary(channel.topic)}
    if channel.parameters:
        body["parameters"] = {name: _ref("components", "parameters", name)
                              for name in channel.parameters}
    message = channel.message.__name__
    body["messages"] = {message: _ref("components", "messages", message)}
    return body


def _action(channel: Channel) -> str:
    """What the scorer does with the channel."""
    return "send" if channel.publisher == "scorer" else "receive"


def _operation(channel: Channel, reply: Channel) -> dict[str, Any]:
    receive = _action(channel) == "receive"
    message = channel.message.__name__
    retained = "retained" if channel.retained else "not retained"
    body: dict[str, Any] = {
        "action": _action(channel),
        "channel": _ref("channels", channel.name),
        "summary": _summary(channel.topic),
        "description": f"Published by the {channel.publisher} at QoS {channel.qos}, "
                       f"{retained}.",
        "messages": [_ref("channels", channel.name, "messages", message)],
        "bindings": _mqtt(channel),
        "x-publisher": channel.publisher,
    }
    if receive:
        body["reply"] = {"channel": _ref("channels", reply.name),
                         "messages": [_ref("channels", reply.name, "messages",
                                           reply.message.__name__)]}
    return body


def _last_will() -> dict[str, Any]:
    """The scorer's last will: its status, offline, as the status channel is published."""
    status = next(channel for channel in CHANNELS if channel.topic is topics.scorer_status)
    return {"topic": status.address, "qos": status.qos, "retain": status.retained}


def document() -> dict[str, Any]:
    """The AsyncAPI document as plain data (JSON types only)."""
    reply = next(channel for channel in CHANNELS if channel.topic is topics.reply)
    kinds = list(dict.fromkeys(channel.message for channel in CHANNELS))
    _, schemas = msgspec.json.schema_components(
        kinds, ref_template="#/components/schemas/{name}")
    schemas = _ecma_patterns(schemas)
    messages = {
        kind.__name__: {"name": kind.__name__, "title": kind.__name__,
                        "summary": _summary(kind), "contentType": "application/json",
                        "payload": _ref("components", "schemas", kind.__name__)}
        for kind in kinds
    }
    placeholders = dict.fromkeys(name for channel in CHANNELS for name in channel.parameters)
    return {
        "asyncapi": ASYNCAPI_VERSION,
        "id": "urn:vocab-quiz:scorer",
        "info": {"title": "Vocabulary quiz: the scorer", "version": str(REVISION),
                 "description": _DESCRIPTION},
        "defaultContentType": "application/json",
        "servers": {
            "local": {
                "host": f"{DEFAULT_HOST}:{DEFAULT_PORT}",
                "protocol": "mqtt",
                "protocolVersion": "3.1.1",
                "description": "The broker `quiz serve` starts by default; give another "
                               "with --broker (Mosquitto in production).",
                "bindings": {"mqtt": {"lastWill": _last_will(),
                                      "bindingVersion": MQTT_BINDING_VERSION}},
            },
        },
        "channels": {channel.name: _channel(channel) for channel in CHANNELS},
        "operations": {f"{_action(channel)}_{channel.name}": _operation(channel, reply)
                       for channel in CHANNELS},
        "components": {
            "schemas": schemas,
            "messages": messages,
            "parameters": {name: _parameter(name) for name in placeholders},
        },
    }


def render() -> str:
    """The document as the YAML text of docs/asyncapi.yaml."""
    text: str = yaml.safe_dump(document(), sort_keys=False, allow_unicode=True, width=100)
    return HEADER + text


def main() -> None:
    """Print the document (`python -m protocol.asyncapi > docs/asyncapi.yaml`)."""
    sys.stdout.write(render())


if __name__ == "__main__":
    main()
