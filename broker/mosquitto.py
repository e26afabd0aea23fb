"""Mosquitto for production: accounts, the ACL, and running it with the project's config.

Mosquitto enforces who may write what. Players and displays connect
anonymously and may only read public topics and send requests; the scorer's
account may read and write every quiz topic; host accounts may also create and
control quizzes. Which host controls which quiz is checked by the scorer (the
host token signs every command).
"""

from __future__ import annotations

import base64
import contextlib
import getpass
import hashlib
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from protocol import topics
from protocol.address import DEFAULT_HOST
from protocol.errors import FailureError

Role = Literal["scorer", "host"]

# Mosquitto 2's own password hash ($7$): PBKDF2-SHA512, 101 iterations, 12-byte salt.
PBKDF2_ITERATIONS = 101
SALT_BYTES = 12
# How long `run_mosquitto` waits for the listener before giving up.
START_TIMEOUT_SECONDS = 10.0
PROJECT_CONF = Path(__file__).resolve().parent.parent / "mosquitto.conf"
# Where a Mosquitto run with the account folder writes its pid (`pid_file`), so that
# `quiz accounts` signals that process and no other Mosquitto on the machine.
PID_FILE = "mosquitto.pid"
_USERNAME_RE = re.compile(r"[A-Za-z0-9_.-]{1,64}")


class MosquittoError(FailureError, RuntimeError):
    """Mosquitto is missing, or did not start."""


def hash_password(password: str, salt: bytes | None = None) -> str:
    """A password hash in the format of Mosquitto 2's password file."""
    salt = salt if salt is not None else secrets.token_bytes(SALT_BYTES)
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, PBKDF2_ITERATIONS)
    return (f"$7${PBKDF2_ITERATIONS}${base64.b64encode(salt).decode()}"
            f"${base64.b64encode(digest).decode()}")


def acl_text(roles: dict[str, Role]) -> str:
    """The ACL file: anonymous lines first, then one block per account."""
    code, player = "+", "+"
    anonymous = [
        *(f"topic read {view}" for view in topics.public_views()),
        f"topic write {topics.join(code)}",
        f"topic write {topics.answer(code, player)}",
    ]
    own_replies = f"pattern read {topics.replies_of('%c')}"
    lines = ["# Written by `quiz accounts`; edits are overwritten.", "", *anonymous, "",
             "# Every client reads the replies under its own client id, and no others.",
             own_replies, ""]
    for user, role in sorted(roles.items()):
        lines.append(f"user {user}")
        if role == "scorer":
            lines.append(f"topic readwrite {topics.everything()}")
        else:
            lines += [*anonymous, f"topic write {topics.create()}",
                      f"topic write {topics.control(code)}"]
        lines.append("")
    return "\n".join(lines)


@dataclass(frozen=True)
class Accounts:
    """The password and ACL files Mosquitto reads, kept in one folder."""

    folder: Path

    @property
    def passwd(self) -> Path:
        """Mosquitto's password file."""
        return self.folder / "passwd"

    @property
    def acl(self) -> Path:
        """Mosquitto's ACL file."""
        return self.folder / "acl"

    @property
    def roles_file(self) -> Path:
        """Which account has which role (the ACL is written from it)."""
        return self.folder / "roles"

    def roles(self) -> dict[str, Role]:
        """Accounts and their roles."""
        if not self.roles_file.exists():
            return {}
        roles: dict[str, Role] = {}
        for line in self.roles_file.read_text().splitlines():
            user, _, role = line.partition(" ")
            if role in ("scorer", "host"):
                roles[user] = "scorer" if role == "scorer" else "host"
        return roles

    def add(self, user: str, role: Role, password: str) -> None:
        """Create or update an account, then rewrite the ACL."""
        if not _USERNAME_RE.fullmatch(user):
            raise ValueError(f"account name {user!r}: use 1-64 letters, digits, _ . -")
        if not password:
            raise ValueError("the password is empty")
        self.folder.mkdir(parents=True, exist_ok=True)
        hashes = self._hashes()
        hashes[user] = hash_password(password)
        roles = self.roles() | {user: role}
        write_private(self.passwd, "".join(f"{u}:{h}\n" for u, h in sorted(hashes.items())))
        write_private(self.roles_file, "".join(f"{u} {r}\n" for u, r in sorted(roles.items())))
        write_private(self.acl, acl_text(roles))

    def _hashes(self) -> dict[str, str]:
        if not self.passwd.exists():
            return {}
        hashes: dict[str, str] = {}
        for line in self.passwd.read_text().splitlines():
            user, _, digest = line.partition(":")
            if digest:
                hashes[user] = digest
        return hashes


def write_private(path: Path, text: str) -> None:
    """Replace path's content atomically with a file only its owner can read, from the start."""
    tmp = path.with_suffix(".tmp")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    with os.fdopen(os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600), "w") as file:
        file.write(text)
    tmp.replace(path)


def render_config(base: str, *, port: int, ws_port: int | None, data: Path,
                  host: str = DEFAULT_HOST) -> str:
    """The project's mosquitto.conf with its listener addresses and paths moved.

    The first listener (TCP) moves to host:port; the second (WebSockets) to host:ws_port,
    or is left out when ws_port is None.
    """
    paths = {"password_file": str(data / "passwd"), "acl_file": str(data / "acl"),
             "persistence_location": f"{data}/", "pid_file": str(data / PID_FILE)}
    out: list[str] = []
    listeners = 0
    for line in base.splitlines():
        key = line.split(maxsplit=1)[0] if line.strip() else ""
        if key == "listener":
            listeners += 1
        skipped_ws = listeners == 2 and ws_port is None
        if key == "listener":
            if not skipped_ws:
                out.append(f"listener {port if listeners == 1 else ws_port} {host}")
        elif key == "protocol" and skipped_ws:
            continue
        elif key in paths:
            out.append(f"{key} {paths[key]}")
        else:
            out.append(line)
    if not any(line.startswith("pid_file") for line in out):
        out.append(f"pid_file {paths['pid_file']}")
    # Run as whoever started it (Mosquitto started as root would switch to user mosquitto,
    # who cannot read the 0600 password file written by this user).
    out.append(f"user {getpass.getuser()}")
    return "\n".join(out) + "\n"


def reload_accounts(folder: Path) -> int | None:
    """Make the Mosquitto that uses `folder` reread its accounts; its pid, or None if none runs.

    That Mosquitto wrote its pid in `folder` (`pid_file`): only that process gets SIGHUP,
    and only while the pid is a running Mosquitto (a stale file names nobody, or another
    program). Raise PermissionError when it runs as a user this one cannot signal.
    """
    try:
        pid = int((folder / PID_FILE).read_text().strip())
    except (OSError, ValueError):
        return None
    if pid <= 0 or not _is_mosquitto(pid):
        return None
    os.kill(pid, signal.SIGHUP)
    return pid


def _is_mosquitto(pid: int) -> bool:
    proc = Path("/proc")
    if proc.is_dir():  # Linux: the process's own name, so a reused pid is not signalled
        try:
            return (proc / str(pid) / "comm").read_text().strip() == "mosquitto"
        except OSError:
            return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def mosquitto_binary() -> str:
    """Path of the mosquitto binary, or raise MosquittoError."""
    found = shutil.which("mosquitto") or next(
        (p for p in ("/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto") if os.path.exists(p)),
        None)
    if found is None:
        raise MosquittoError("mosquitto is not installed (Debian: apt-get install mosquitto)")
    return found


@contextmanager
def run_mosquitto(data: Path, port: int, ws_port: int | None = None,
                  conf: Path = PROJECT_CONF,
                  host: str = DEFAULT_HOST) -> Iterator[subprocess.Popen[bytes]]:
    """Run Mosquitto with the project's config on host:port until the block exits.

    With `ws_port`, its WebSockets listener (for the web board) is on host:ws_port and
    is listening too before the block starts; without, it is left out. The default host
    is 127.0.0.1: this machine only.
    """
    binary = mosquitto_binary()
    data = data.resolve()
    data.mkdir(parents=True, exist_ok=True)
    for needed in (data / "passwd", data / "acl"):
        if not needed.exists():
            write_private(needed, acl_text({}) if needed.name == "acl" else "")
    runtime = data / "mosquitto.runtime.conf"
    runtime.write_text(render_config(conf.read_text(), port=port, ws_port=ws_port, data=data,
                                     host=host))
    log = (data / "mosquitto.log").open("ab")
    process = subprocess.Popen([binary, "-c", str(runtime)],  # noqa: S603 - our own config
                               stdout=log, stderr=log)
    try:
        for listening in (port, ws_port):
            if listening is not None:  # Mosquitto opens its WebSockets listener a little later
                _wait_for_listener(process, listening, data / "mosquitto.log", host)
        yield process
    finally:
        stop_process(process)
        log.close()


def stop_process(process: subprocess.Popen[Any], timeout: float = 10.0) -> None:
    """SIGTERM, then SIGKILL if it is still there after `timeout` seconds."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _wait_for_listener(process: subprocess.Popen[bytes], port: int, log: Path,
                       host: str = DEFAULT_HOST) -> None:
    where = DEFAULT_HOST if host in ("0.0.0.0", "::", "") else host  # noqa: S104 - any address
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise MosquittoError(f"mosquitto exited ({process.returncode}): "
                                 f"{log.read_text(errors='replace')[-500:]}")
        with socket.socket() as probe:
            if probe.connect_ex((where, port)) == 0:
                return
        time.sleep(0.05)
    raise MosquittoError(f"mosquitto did not listen on port {port} within "
                         f"{START_TIMEOUT_SECONDS:.0f}s")
