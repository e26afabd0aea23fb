"""Where the broker is: `mqtt://[user:password@]host[:port]`, or several of them.

A client given several addresses (`mqtt://a:1883,mqtt://b:1883`) tries them in order and,
when its connection is lost, moves on to the next one (client/reconnect.py). A password
never appears in an error message or a printed address.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit

DEFAULT_HOST = "127.0.0.1"
# Not 1883: a development machine often runs a system broker there already.
DEFAULT_PORT = 11883


def broker_url(host: str, port: int, username: str | None = None,
               password: str | None = None) -> str:
    """The one way a broker's URL is written: `mqtt://[user[:password]@]host:port`.

    The user and password are quoted as a URL needs (a comma is %2C), so that
    `BrokerAddress.parse` reads them back as they were. A password is only for a
    process's environment or a file, never for a printed line (`str(BrokerAddress)`).
    """
    user = ""
    if username:
        secret = f":{quote(password, safe='')}" if password else ""
        user = f"{quote(username, safe='')}{secret}@"
    return f"mqtt://{user}{host}:{port}"


DEFAULT_URL = broker_url(DEFAULT_HOST, DEFAULT_PORT)


@dataclass(frozen=True, slots=True)
class BrokerAddress:
    """A broker to connect to, with optional credentials."""

    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    username: str | None = None
    password: str | None = None

    @classmethod
    def parse(cls, url: str) -> BrokerAddress:
        """Parse mqtt://[user:password@]host[:port]; raise ValueError with a readable reason."""
        parts = urlsplit(url if "://" in url else f"mqtt://{url}")
        shown = _without_password(url)  # an error message is printed, often on a projector
        if parts.scheme not in ("mqtt", "tcp"):
            raise ValueError(f"broker URL {shown!r} must start with mqtt://")
        if not parts.hostname:
            raise ValueError(f"broker URL {shown!r} has no host")
        try:
            port = parts.port or 1883
        except ValueError:
            raise ValueError(f"broker URL {shown!r} has an invalid port") from None
        return cls(
            host=parts.hostname,
            port=port,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
        )

    def url(self) -> str:
        """The URL with the password: for a child's environment or a file, never printed."""
        return broker_url(self.host, self.port, self.username, self.password)

    def __str__(self) -> str:
        """The URL without the password (safe to print and log)."""
        return broker_url(self.host, self.port, self.username)


@dataclass(frozen=True, slots=True)
class Brokers:
    """The brokers a client may use, in the order it tries them (one or more)."""

    addresses: tuple[BrokerAddress, ...]

    def __post_init__(self) -> None:
        if not self.addresses:
            raise ValueError("no broker URL given")

    @classmethod
    def parse(cls, urls: str) -> Brokers:
        """Parse comma-separated broker URLs; raise ValueError with a readable reason.

        A comma inside a password is written %2C, as any reserved character in a URL.
        """
        parts = [part.strip() for part in urls.split(",")]
        if not any(parts):
            raise ValueError("no broker URL given")
        if not all(parts):
            raise ValueError(f"the broker list {_without_password(urls)!r} has an empty entry")
        return cls(tuple(BrokerAddress.parse(part) for part in parts))

    @classmethod
    def of(cls, where: BrokerAddress | Brokers) -> Brokers:
        """`where` as a list: one address is a list of one."""
        return where if isinstance(where, Brokers) else cls((where,))

    def __iter__(self) -> Iterator[BrokerAddress]:
        return iter(self.addresses)

    def __len__(self) -> int:
        return len(self.addresses)

    def url(self) -> str:
        """The URLs with their passwords, comma-separated: never for printing."""
        return ",".join(address.url() for address in self.addresses)

    def __str__(self) -> str:
        """The URLs without their passwords, comma-separated (safe to print and log)."""
        return ",".join(str(address) for address in self.addresses)


def _without_password(url: str) -> str:
    """`url` with any password in it replaced by ***, however malformed the rest is."""
    shown = []
    for part in url.split(","):
        scheme, sep, rest = part.partition("://")
        if not sep:
            scheme, rest = "", part
        userinfo, at, hostport = rest.rpartition("@")
        if at and ":" in userinfo:
            rest = f"{userinfo.split(':', 1)[0]}:***@{hostport}"
        shown.append(f"{scheme}{sep}{rest}")
    return ",".join(shown)
