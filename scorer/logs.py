"""Logging for the quiz processes: one event per line, as text or JSON, secrets redacted.

`configure_logging` installs one handler on the root logger. Every record that
reaches it passes `RedactSecrets` first, so no line carries a player secret, a
host token or a password, whatever a caller passed in its arguments or `extra`.
Pass `extra={"quiz": code, "player": player_id}` to tag an event with its quiz
and player; both become fields of the line.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any, Literal, TextIO

LogFormat = Literal["text", "json"]

LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING,
          "error": logging.ERROR, "critical": logging.CRITICAL}
# The project's own loggers take the level asked for; libraries (amqtt is chatty at info)
# stay at warning unless the level asked for is stricter.
PROJECT_LOGGERS = ("scorer", "serve", "broker", "cli", "protocol", "tui", "web", "httpserve",
                   "client")
LIBRARY_LEVEL = logging.WARNING

REDACTED = "[redacted]"
# Player secrets and host keys are 32-128 hex characters; signatures are 64. Nothing the
# quiz logs on purpose (codes, player, client and request ids) is 32 hex characters long.
_HEX_RUN = re.compile(r"(?<![0-9A-Fa-f])[0-9A-Fa-f]{32,}(?![0-9A-Fa-f])")
# scheme://user:password@host -> scheme://user:[redacted]@host
_URL_PASSWORD = re.compile(r"(?P<head>\b[A-Za-z][A-Za-z0-9+.-]*://[^\s:/@]*:)[^\s/]+@")
_SENSITIVE = r"(?:password|passwd|secret|host_key|host_token|token)"
# password=x, secret: x, "host_key": "x", QUIZ_HOST_TOKEN=x, BrokerAddress(password='x')
_KEY_VALUE = re.compile(
    rf"(?P<key>\b[\w-]*{_SENSITIVE}[\"']?\s*[:=]\s*[\"']?)[^\s\"',;&)}}\]]+", re.IGNORECASE)
_SENSITIVE_NAME = re.compile(rf"^[\w-]*{_SENSITIVE}$", re.IGNORECASE)

# Attributes every LogRecord has; anything else on a record came from `extra`.
_STANDARD = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


def redact(text: str) -> str:
    """`text` with hex secrets, URL passwords and secret-named values replaced."""
    text = _URL_PASSWORD.sub(rf"\g<head>{REDACTED}@", text)
    text = _KEY_VALUE.sub(rf"\g<key>{REDACTED}", text)
    return _HEX_RUN.sub(REDACTED, text)


def _clean(name: str, value: Any) -> Any:
    """An `extra` value made safe to print: secret-named fields are dropped to a marker."""
    if _SENSITIVE_NAME.match(name):
        return REDACTED
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, bool | int | float) or value is None:
        return value
    if isinstance(value, dict):
        return {str(k): _clean(str(k), v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_clean("", v) for v in value]
    return redact(repr(value))


class RedactSecrets(logging.Filter):
    """Rewrites a record so that nothing secret survives into any formatter.

    The message is formatted with its arguments and redacted, the arguments dropped;
    the exception and stack text are rendered and redacted; `extra` fields are cleaned
    (those named like password, secret, host_key or token are replaced whole).
    """

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact the record in place; never drops it."""
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # arguments that do not fit the format
            message = f"{record.msg} {record.args!r}"
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        for name in list(vars(record)):
            if name not in _STANDARD:
                setattr(record, name, _clean(name, getattr(record, name)))
        return True


def _timestamp(record: logging.LogRecord) -> str:
    when = datetime.fromtimestamp(record.created, tz=UTC)
    return when.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _extras(record: logging.LogRecord) -> dict[str, Any]:
    """The `extra` fields of a record, quiz and player first."""
    names = sorted((n for n in vars(record) if n not in _STANDARD),
                   key=lambda n: (n not in ("quiz", "player"), n != "quiz", n))
    return {name: getattr(record, name) for name in names}


def _exception(record: logging.LogRecord) -> str | None:
    return "\n".join(t for t in (record.exc_text, record.stack_info) if t) or None


class TextFormatter(logging.Formatter):
    r"""`2025-05-01T10:00:00.123Z INFO scorer.service: message quiz=ABC234 player=0a1b2c3d`.

    Newlines in the message or the traceback are written as `\n`: one event, one line.
    """

    def format(self, record: logging.LogRecord) -> str:
        """One line for one event."""
        line = f"{_timestamp(record)} {record.levelname} {record.name}: {record.getMessage()}"
        fields = [f"{k}={_logfmt(v)}" for k, v in _extras(record).items()]
        exc = _exception(record)
        if exc:
            fields.append(f"exc={_logfmt(exc)}")
        return " ".join([line, *fields]).replace("\r", "\\r").replace("\n", "\\n")


def _logfmt(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    if text and not any(c in text for c in ' "=\n'):
        return text
    return json.dumps(text)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, msg, then quiz, player and other extras."""

    def format(self, record: logging.LogRecord) -> str:
        """One line for one event."""
        event: dict[str, Any] = {"ts": _timestamp(record), "level": record.levelname,
                                 "logger": record.name, "msg": record.getMessage()}
        for name, value in _extras(record).items():
            event.setdefault(name, value)
        exc = _exception(record)
        if exc:
            event["exc"] = exc
        return json.dumps(event, default=str, ensure_ascii=False)


class _QuizHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The handler `configure_logging` installs (so a second call replaces it)."""


def configure_logging(level: str = "warning", fmt: LogFormat | str = "text",
                      stream: TextIO | None = None) -> logging.Handler:
    """Send every log event to `stream` (stderr), one line each, with secrets redacted.

    Args:
        level: debug, info, warning, error or critical, for the project's loggers.
        fmt: "text" for people, "json" for log collectors.
        stream: Where lines go; stderr by default.

    Returns:
        The handler installed on the root logger (replacing one installed before).

    Raises:
        ValueError: An unknown level or format.
    """
    numeric = LEVELS.get(level.lower())
    if numeric is None:
        raise ValueError(f"log level must be one of {', '.join(LEVELS)}, not {level!r}")
    if fmt not in ("text", "json"):
        raise ValueError(f"log format must be text or json, not {fmt!r}")
    handler = _QuizHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    handler.addFilter(RedactSecrets())
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _QuizHandler)]:
        root.removeHandler(old)
    # First in line: its filter rewrites the record, so handlers after it see it redacted too.
    root.handlers.insert(0, handler)
    root.setLevel(max(numeric, LIBRARY_LEVEL))
    for name in PROJECT_LOGGERS:
        logging.getLogger(name).setLevel(numeric)
    return handler
