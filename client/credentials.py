"""Host tokens and player secrets kept on this machine, so commands need not repeat them.

One JSON file, readable by its owner only: `$QUIZ_HOME/credentials.json`
(default `~/.config/quiz`).

A player's secret is kept before the join is sent (`reserve_player`), with no player id
yet: a join whose reply never came may still be applied, and the same secret is what
lets a retry with the same name resume that player instead of being refused as a
taken name. A reserved entry becomes a player once a reply names its id
(`save_player`), and is dropped when the scorer refuses the join (`forget_reserved`).
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

from protocol import auth


@dataclass(frozen=True)
class PlayerCredentials:
    """Who this machine plays as in a quiz."""

    name: str
    player: str  # "" while the join is not confirmed (the secret was kept before sending)
    secret: str

    @property
    def confirmed(self) -> bool:
        """Whether a scorer's reply named this player's id."""
        return bool(self.player)


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

    def players(self, code: str, *, reserved: bool = False) -> list[PlayerCredentials]:
        """Players this machine joined a quiz as (with `reserved`: also unconfirmed joins)."""
        entries = self._read()["players"].get(code, {})
        found = [PlayerCredentials(**entry) for entry in entries.values()]
        return [creds for creds in found if reserved or creds.confirmed]

    def player(self, code: str, name: str) -> PlayerCredentials | None:
        """The credentials for `name` in quiz `code` (confirmed or reserved), if any."""
        entry = self._read()["players"].get(code, {}).get(name.casefold())
        return PlayerCredentials(**entry) if entry else None

    def reserve_player(self, code: str, name: str) -> PlayerCredentials:
        """The credentials to join as `name`: the ones kept here, or a new secret kept now.

        Kept before the join is sent, so that a join whose outcome was not seen can be
        retried with the same secret (and resumes the player if it was applied).
        """
        reserved = PlayerCredentials(name, "", auth.new_secret())

        def keep(data: dict[str, Any]) -> None:
            nonlocal reserved
            joined = data["players"].setdefault(code, {})
            entry = joined.get(name.casefold())
            if entry:
                reserved = PlayerCredentials(**entry)
            else:
                joined[name.casefold()] = {"name": name, "player": "",
                                           "secret": reserved.secret}

        self._update(keep)
        return reserved

    def forget_reserved(self, code: str, name: str, secret: str) -> None:
        """Drop the reserved entry for `name` (the scorer refused that join); never a player."""
        def forget(data: dict[str, Any]) -> None:
            joined = data["players"].get(code, {})
            entry = joined.get(name.casefold())
            if entry and not entry.get("player") and entry.get("secret") == secret:
                del joined[name.casefold()]
                if not joined:
                    del data["players"][code]

        self._update(forget)

    def save_player(self, code: str, creds: PlayerCredentials) -> None:
        """Remember a player's id and secret."""
        entry = {"name": creds.name, "player": creds.player, "secret": creds.secret}
        self._update(lambda data: data["players"].setdefault(code, {}).__setitem__(
            creds.name.casefold(), entry))
