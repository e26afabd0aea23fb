"""NATS Server with its MQTT interface: accounts, permissions, one node or a cluster of three.

NATS enforces who may write what, as Mosquitto's ACL does (broker/mosquitto.py): players
and displays are the `anonymous` account (nats.conf `no_auth_user`), which may only read
public views and replies and send joins and answers; the scorer's account may read and
write every quiz topic; host accounts may also create and control quizzes. Every account is
MQTT-only, so nobody reaches NATS's own subjects over its core protocol.

Unlike Mosquitto's `pattern read quiz/replies/%c/+`, a NATS 2.9 permission cannot name the
connection's MQTT client id: anonymous clients may read every client's replies
(docs/security.md says what that exposes).
"""

from __future__ import annotations

import contextlib
import json
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
from typing import Literal

from broker.mosquitto import stop_process, write_private
from protocol import topics
from protocol.address import broker_url
from protocol.errors import FailureError

Role = Literal["scorer", "host"]

PROJECT_CONF = Path(__file__).resolve().parent.parent / "nats.conf"
# How long a node may take to accept MQTT connections (a cluster elects its JetStream
# leader first, a few seconds).
START_TIMEOUT_SECONDS = 30.0
# The anonymous account's name (nats.conf `no_auth_user`); no other account may take it.
ANONYMOUS = "anonymous"
# Where NATS delivers a QoS 1 subscription's messages to the MQTT session: every account
# that subscribes at QoS 1 needs it. MQTT clients cannot subscribe to `$MQTT/...` topics.
MQTT_DELIVERY = "$MQTT.sub.>"
# NATS caps the sum of max_ack_pending over one session's QoS 1 subscriptions.
SESSION_ACK_PENDING_LIMIT = 65535
_USERNAME_RE = re.compile(r"[A-Za-z0-9_.-]{1,64}")


class NatsError(FailureError, RuntimeError):
    """nats-server is missing, or did not start."""


class PortsInUseError(NatsError):
    """Ports a node would listen on are held by another process: no node was started."""


def subjects(topic_filter: str) -> list[str]:
    """The NATS subjects of an MQTT topic or filter: `/` is `.`, `+` is `*`, `#` is `>`.

    A trailing `#` also matches its parent topic in MQTT (`quiz/#` matches `quiz`), so it
    is two subjects, as NATS subscribes to both.
    """
    subject = topic_filter.replace("/", ".").replace("+", "*")
    if subject.endswith(".#"):
        return [subject[:-2], subject[:-1] + ">"]
    return [subject.replace("#", ">")]


def permissions(role: Role | Literal["anonymous"]) -> dict[str, list[str]]:
    """What an account may publish and subscribe to, as NATS subjects, from protocol/topics.py.

    The same rights as Mosquitto's ACL (broker/mosquitto.py acl_text), but that any
    anonymous client may read any client's replies.
    """
    if role == "scorer":
        everything = subjects(topics.everything())
        return {"publish": everything, "subscribe": [*everything, MQTT_DELIVERY]}
    code, player = "+", "+"
    read = [*topics.public_views(), topics.replies_of("+")]
    write = [topics.join(code), topics.answer(code, player)]
    if role == "host":
        write += [topics.create(), topics.control(code)]
    return {"publish": [s for f in write for s in subjects(f)],
            "subscribe": [*(s for f in read for s in subjects(f)), MQTT_DELIVERY]}


def _quoted(value: str) -> str:
    """A NATS configuration string: JSON's quoting, which NATS reads."""
    return json.dumps(value)


def auth_text(accounts: dict[str, tuple[Role, str]], anonymous_password: str) -> str:
    """The authorization block nats.conf includes: every account, then the anonymous one.

    `accounts` maps a name to its role and password. NATS 2.9 reads plain or bcrypt
    passwords; these are plain, in a file only its owner can read.
    """
    entries = [*((user, role, password) for user, (role, password) in sorted(accounts.items())),
               (ANONYMOUS, "anonymous", anonymous_password)]
    lines = ["# Written by `quiz cluster accounts` from protocol/topics.py; edits are "
             "overwritten.", "authorization {", "    users: ["]
    for user, role, password in entries:
        rights = permissions(role)  # type: ignore[arg-type]
        lines += [
            "        {",
            f"            user: {_quoted(user)}",
            f"            password: {_quoted(password)}",
            "            permissions: {",
            f"                publish: {json.dumps(rights['publish'])}",
            f"                subscribe: {json.dumps(rights['subscribe'])}",
            "            }",
            '            allowed_connection_types: ["MQTT"]',
            "        }",
        ]
    lines += ["    ]", "}", ""]
    return "\n".join(lines)


@dataclass(frozen=True)
class NatsAccounts:
    """The accounts NATS reads (auth.conf), kept in one folder with the roles they come from."""

    folder: Path

    @property
    def auth(self) -> Path:
        """The authorization block nats.conf includes."""
        return self.folder / "auth.conf"

    @property
    def accounts_file(self) -> Path:
        """Each account's role and password, one a line (auth.conf is written from it)."""
        return self.folder / "accounts"

    def accounts(self) -> dict[str, tuple[Role, str]]:
        """Accounts with their roles and passwords."""
        if not self.accounts_file.exists():
            return {}
        found: dict[str, tuple[Role, str]] = {}
        for line in self.accounts_file.read_text().splitlines():
            if line.strip():
                entry = json.loads(line)
                found[entry["user"]] = ("scorer" if entry["role"] == "scorer" else "host",
                                        entry["password"])
        return found

    def add(self, user: str, role: Role, password: str) -> None:
        """Create or update an account, then rewrite auth.conf."""
        if not _USERNAME_RE.fullmatch(user) or user == ANONYMOUS:
            raise ValueError(f"account name {user!r}: use 1-64 letters, digits, _ . - "
                             f"(not {ANONYMOUS!r})")
        if not password:
            raise ValueError("the password is empty")
        if password.startswith("$2"):  # NATS would take it for a bcrypt hash
            raise ValueError("a password may not start with $2")
        self._write(self.accounts() | {user: (role, password)})

    def scorer_password(self, user: str = "scorer") -> str:
        """The scorer account's password, made (random) on first use."""
        known = self.accounts().get(user)
        if known is not None and known[0] == "scorer":
            return known[1]
        password = secrets.token_urlsafe(18)
        self.add(user, "scorer", password)
        return password

    def ensure(self) -> None:
        """Write auth.conf if it is missing (NATS will not start without it)."""
        if not self.auth.exists():
            self._write(self.accounts())

    def _write(self, accounts: dict[str, tuple[Role, str]]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        write_private(self.accounts_file, "".join(
            json.dumps({"user": u, "role": r, "password": p}) + "\n"
            for u, (r, p) in sorted(accounts.items())))
        # Nobody logs in as `anonymous` with a password: a fresh unknown one each time.
        write_private(self.auth, auth_text(accounts, secrets.token_urlsafe(24)))


@dataclass(frozen=True)
class Node:
    """Where one nats-server listens, and its folder (JetStream store, log, pid file)."""

    name: str
    mqtt_port: int
    folder: Path
    route_port: int | None = None  # None: a single node, no cluster


def render_config(base: str, node: Node, auth: Path, routes: list[int],
                  replicas: int) -> str:
    """The project's nats.conf for one node on 127.0.0.1: name, ports, paths, routes moved.

    The result is written in the node's folder. Without a route port the cluster block is
    left out (a single node). The core NATS port is any free one (no account may use it).
    """
    # (block, key): the line that replaces it; "" is the top level.
    moved = {
        ("", "server_name"): f"server_name: {node.name}",
        ("", "listen"): "listen: 127.0.0.1:-1",
        ("mqtt", "port"): f"listen: 127.0.0.1:{node.mqtt_port}",
        ("mqtt", "stream_replicas"): f"stream_replicas: {replicas}",
        ("jetstream", "store_dir"): f"store_dir: {_quoted(str(node.folder / 'jetstream'))}",
        ("cluster", "listen"): f"listen: 127.0.0.1:{node.route_port}",
        ("cluster", "routes"): "routes: [" + "".join(
            f"nats-route://127.0.0.1:{port}, " for port in routes).rstrip(", ") + "]",
        # NATS reads an include relative to the including file, even an absolute path
        ("", "include"): f"include {_quoted(os.path.relpath(auth, node.folder))}",
    }
    out: list[str] = []
    blocks: list[str] = []
    in_list = False
    for line in base.splitlines():
        stripped = line.strip()
        key = re.split(r"[\s:=]", stripped, maxsplit=1)[0] if stripped else ""
        block = blocks[-1] if blocks else ""
        if stripped.endswith("{"):
            blocks.append(key)
        elif stripped == "}":
            blocks.pop()
        if in_list:  # the rest of a list that was replaced as a whole
            in_list = stripped != "]"
        elif node.route_port is None and "cluster" in (block, key):
            continue
        elif (block, key) in moved:
            out.append(line[:len(line) - len(line.lstrip())] + moved[block, key])
            in_list = stripped.endswith("[")
        else:
            out.append(line)
    out.append(f"pid_file: {_quoted(str(node.folder / 'nats.pid'))}")
    return "\n".join(out) + "\n"


def nats_binary() -> str:
    """Path of the nats-server binary, or raise NatsError."""
    found = shutil.which("nats-server") or next(
        (p for p in ("/usr/sbin/nats-server", "/usr/local/bin/nats-server")
         if os.path.exists(p)), None)
    if found is None:
        raise NatsError("nats-server is not installed (Debian: apt-get install nats-server)")
    return found


def start_node(node: Node, accounts: NatsAccounts, routes: list[int] | None = None,
               conf: Path = PROJECT_CONF, *, detach: bool = False) -> subprocess.Popen[bytes]:
    """Start one nats-server with the project's config; return without waiting for it.

    `detach` puts it in a session of its own, so it outlives the command that started it
    (`quiz cluster up`).
    """
    binary = nats_binary()
    node.folder.mkdir(parents=True, exist_ok=True)
    accounts.ensure()
    routes = routes or []
    runtime = node.folder / "nats.runtime.conf"
    runtime.write_text(render_config(conf.read_text(), node, accounts.auth.resolve(), routes,
                                     replicas=max(1, len(routes))))
    with (node.folder / "nats.log").open("ab") as log:
        return subprocess.Popen([binary, "-c", str(runtime)],  # noqa: S603 - our own config
                                stdout=log, stderr=log, stdin=subprocess.DEVNULL,
                                start_new_session=detach)


def log_size(node: Node) -> int:
    """How long the node's log is now: where the lines of a run started next begin."""
    try:
        return (node.folder / "nats.log").stat().st_size
    except OSError:
        return 0


def fatal_line(node: Node, since: int = 0) -> str:
    """Why a node stopped: its last fatal log line from byte `since` on, else its last line."""
    try:
        with (node.folder / "nats.log").open("rb") as log:
            log.seek(since)
            lines = log.read().decode(errors="replace").strip().splitlines()
    except OSError:
        return "no log"
    fatal = [line for line in lines if "[FTL]" in line]
    return (fatal or lines or ["no log"])[-1].strip()


def wait_until_serving(node: Node, process: subprocess.Popen[bytes] | None = None,
                       timeout: float = START_TIMEOUT_SECONDS, since: int = 0) -> None:
    """Return once the node accepts an MQTT session (its JetStream is ready); else raise.

    A listening port is not enough: a cluster node refuses MQTT clients until JetStream
    has a leader.
    """
    wait_until_all_serve([(node, process, since)], timeout)


def wait_until_all_serve(
        starting: list[tuple[Node, subprocess.Popen[bytes] | None, int]],
        timeout: float = START_TIMEOUT_SECONDS) -> None:
    """Return once every node accepts MQTT; raise at once when one of them exits.

    Each entry is a node, its process and where its log of this run begins. The nodes are
    watched together: a node that dies while another waits for its peers is named with its
    fatal log line right away, not after the others' timeout.
    """
    deadline = time.monotonic() + timeout
    waiting = list(starting)
    while waiting and time.monotonic() < deadline:
        for node, process, since in waiting:
            if process is not None and process.poll() is not None:
                raise NatsError(f"nats-server {node.name} exited ({process.returncode}): "
                                f"{fatal_line(node, since)}")
        waiting = [entry for entry in waiting if not mqtt_accepts(entry[0].mqtt_port)]
        if waiting:
            time.sleep(0.2)
    if waiting:
        names = ", ".join(f"{node.name} (port {node.mqtt_port}, log {node.folder / 'nats.log'})"
                          for node, _, _ in waiting)
        raise NatsError(f"nats-server did not accept MQTT within {timeout:.0f}s: {names}")


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    """True when a listener could not bind host:port now (as nats-server binds, reusing)."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return True
    return False


def free_ports(count: int, host: str = "127.0.0.1") -> tuple[int, ...]:
    """`count` distinct ports on host that nothing uses now (the system picks them)."""
    with contextlib.ExitStack() as held:
        socks = [held.enter_context(socket.socket()) for _ in range(count)]
        for sock in socks:
            sock.bind((host, 0))
        return tuple(sock.getsockname()[1] for sock in socks)


# The CONNACK that accepts an MQTT 3.1.1 session.
_ACCEPTED = bytes([0x20, 2, 0, 0])


def _connect_packet(client_id: str) -> bytes:
    """An MQTT 3.1.1 CONNECT: clean session, no credentials, keepalive 10 s."""
    ident = client_id.encode()
    body = bytes([0, 4, *b"MQTT", 4, 0x02, 0, 10, 0, len(ident), *ident])
    return bytes([0x10, len(body)]) + body


def mqtt_accepts(port: int, host: str = "127.0.0.1") -> bool:
    """True when the broker on host:port accepts an anonymous MQTT session right now."""
    try:
        with socket.create_connection((host, port), timeout=2.0) as probe:
            # a fresh client id: a cluster keeps an id's session busy a moment after it left
            probe.sendall(_connect_packet(f"probe-{secrets.token_hex(6)}"))
            reply = probe.recv(4)
            probe.sendall(bytes([0xE0, 0]))  # DISCONNECT
    except OSError:
        return False
    return reply == _ACCEPTED


@contextmanager
def run_nats(data: Path, port: int, conf: Path = PROJECT_CONF) -> Iterator[
        subprocess.Popen[bytes]]:
    """Run one nats-server (no cluster) with the project's config on 127.0.0.1:port.

    Its accounts (auth.conf) and JetStream store are in `data`; it accepts MQTT before
    the block starts and is stopped (SIGTERM) after it.
    """
    data = data.resolve()
    node = Node("quiz-1", port, data)
    since = log_size(node)
    process = start_node(node, NatsAccounts(data), conf=conf)
    try:
        wait_until_serving(node, process, since=since)
        yield process
    finally:
        stop_process(process)


def node_pid(node: Node) -> int | None:
    """The pid of the node's nats-server from its pid file, when that process still runs."""
    try:
        pid = int((node.folder / "nats.pid").read_text().strip())
    except (OSError, ValueError):
        return None
    return None if _gone(pid) else pid


def _gone(pid: int) -> bool:
    """True when pid no longer runs (a child of ours that ended is reaped on the way)."""
    try:
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return True
    except ChildProcessError:  # not our child: its parent reaps it
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def stop_pid(pid: int, timeout: float = 10.0) -> None:
    """SIGTERM a process started by another command, then SIGKILL it after `timeout` s."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if _gone(pid):
                return
            time.sleep(0.05)


# --- a three-node cluster on one machine (quiz cluster up|down|status) ----------------------

CLUSTER_SIZE = 3
# What `quiz cluster up` started, so `status` and `down` find it again.
CLUSTER_FILE = "cluster.json"


@dataclass(frozen=True)
class Cluster:
    """Three nodes on 127.0.0.1, each in a folder of its own under `folder`."""

    folder: Path
    mqtt_ports: tuple[int, ...]
    route_ports: tuple[int, ...]

    @classmethod
    def on(cls, folder: Path, mqtt_port: int, route_port: int) -> Cluster:
        """Nodes quiz-1..3 on consecutive MQTT ports and consecutive route ports."""
        return cls(folder.resolve(), tuple(mqtt_port + k for k in range(CLUSTER_SIZE)),
                   tuple(route_port + k for k in range(CLUSTER_SIZE)))

    @classmethod
    def routed_anywhere(cls, folder: Path, mqtt_port: int) -> Cluster:
        """Nodes on consecutive MQTT ports from `mqtt_port`, with route ports that are free."""
        return cls(folder.resolve(), tuple(mqtt_port + k for k in range(CLUSTER_SIZE)),
                   free_ports(CLUSTER_SIZE))

    def ports_in_use(self) -> list[str]:
        """The cluster's ports that another process holds, each with its node and use."""
        return [f"{port} ({node.name}'s {use} port)"
                for node in self.nodes()
                for use, port in (("MQTT", node.mqtt_port), ("route", node.route_port))
                if port is not None and port_in_use(port)]

    @classmethod
    def load(cls, folder: Path) -> Cluster | None:
        """The cluster `quiz cluster up` started in `folder`, if it did."""
        try:
            saved = json.loads((folder / CLUSTER_FILE).read_text())
        except (OSError, ValueError):
            return None
        return cls(folder.resolve(), tuple(saved["mqtt_ports"]), tuple(saved["route_ports"]))

    def nodes(self) -> list[Node]:
        """The three nodes, quiz-1 first."""
        return [Node(f"quiz-{k + 1}", mqtt, self.folder / f"quiz-{k + 1}", route)
                for k, (mqtt, route) in enumerate(zip(self.mqtt_ports, self.route_ports,
                                                      strict=True))]

    def brokers(self, user: str | None = None, password: str | None = None) -> str:
        """The comma-separated broker list for `--broker` (with credentials when given)."""
        login = (user, password) if user and password else (None, None)
        return ",".join(broker_url("127.0.0.1", port, *login) for port in self.mqtt_ports)

    def running(self) -> dict[str, int | None]:
        """Each node's name and pid, None for a node that does not run."""
        return {node.name: node_pid(node) for node in self.nodes()}


def cluster_up(cluster: Cluster, accounts: NatsAccounts, conf: Path = PROJECT_CONF,
               timeout: float = START_TIMEOUT_SECONDS, *, detach: bool = True) -> None:
    """Start the three nodes and return once each accepts MQTT; else stop them.

    JetStream keeps three replicas of the MQTT streams: any one node may be lost. The
    nodes outlive this process (`quiz cluster up`) unless `detach` is False: then they
    stay in its process group, and whoever stops the group stops them (`quiz bench`).
    """
    if any(cluster.running().values()):
        raise NatsError(f"a cluster already runs from {cluster.folder}: "
                        "`quiz cluster down` first")
    taken = cluster.ports_in_use()
    if taken:
        raise PortsInUseError(f"in use by another process: {', '.join(taken)}")
    routes = list(cluster.route_ports)
    started: list[tuple[Node, subprocess.Popen[bytes] | None, int]] = []
    for node in cluster.nodes():
        since = log_size(node)
        started.append((node, start_node(node, accounts, routes, conf, detach=detach), since))
    try:
        wait_until_all_serve(started, timeout)
    except NatsError:
        for _, process, _ in started:
            if process is not None:
                stop_process(process)
        raise
    (cluster.folder / CLUSTER_FILE).write_text(json.dumps(
        {"mqtt_ports": list(cluster.mqtt_ports), "route_ports": list(cluster.route_ports)}))


def cluster_down(cluster: Cluster) -> list[str]:
    """Stop every node that runs (SIGTERM, then SIGKILL); return their names."""
    stopped = []
    for node in cluster.nodes():
        pid = node_pid(node)
        if pid is not None:
            stop_pid(pid)
            stopped.append(node.name)
        (node.folder / "nats.pid").unlink(missing_ok=True)
    return stopped
