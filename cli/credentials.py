"""Host tokens and player secrets kept on this machine, so commands need not repeat them.

One JSON file, readable by its owner only: `$QUIZ_HOME/credentials.json`
(default `~/.config/quiz`).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class PlayerCredentials:
    """Who this machine plays as in a quiz."""

    name: str
    player: str
    secret: str


class Credentials:
    """The credentials file."""

    def __init__(self, home: Path) -> None:
        self.path = home / "credentials.json"

    @classmethod
    def default(cls) -> Credentials:
        """The file under $QUIZ_HOME, or ~/.config/quiz."""
        home = os.environ.get("QUIZ_HOME") or Path.home() / ".config" / "quiz"
        return cls(Path(home))

    def _read(self) -> dict[str, Any]:
        try:
            data: dict[str, Any] = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {"hosts": {}, "players": {}}
        except (OSError, ValueError) as exc:
            raise ValueError(f"cannot read {self.path}: {exc}") from None
        data.setdefault("hosts", {})
        data.setdefault("players", {})
        return data

    def _write(self, data: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")  # written under the lock: one writer at a time
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        with os.fdopen(os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600), "w",
                       encoding="utf-8") as file:  # never readable by others, even briefly
            file.write(json.dumps(data, indent=2))
        tmp.replace(self.path)

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """Serialize read-modify-write across processes (several players on one machine)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with (self.path.parent / ".credentials.lock").open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield

    def _update(self, change: Callable[[dict[str, Any]], None]) -> None:
        with self._locked():
            data = self._read()
            change(data)
            self._write(data)

    def host_key(self, code: str) -> str | None:
        """The host token of a quiz created here."""
        key = self._read()["hosts"].get(code)
        return key if isinstance(key, str) else None

    def save_host_key(self, code: str, key: str) -> None:
        """Remember the host token of a quiz."""
        self._update(lambda data: data["hosts"].__setitem__(code, key))

    def players(self, code: str) -> list[PlayerCredentials]:
        """Players this machine joined a quiz as."""
        entries = self._read()["players"].get(code, {})
        return [PlayerCredentials(**entry) for entry in entries.values()]

    def player(self, code: str, name: str) -> PlayerCredentials | None:
        """The credentials for `name` in quiz `code`, if it joined from here."""
        entry = self._read()["players"].get(code, {}).get(name.casefold())
        return PlayerCredentials(**entry) if entry else None

    def save_player(self, code: str, creds: PlayerCredentials) -> None:
        """Remember a player's id and secret."""
        entry = {"name": creds.name, "player": creds.player, "secret": creds.secret}
        self._update(lambda data: data["players"].setdefault(code, {}).__setitem__(
            creds.name.casefold(), entry))
