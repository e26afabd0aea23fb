"""How a player reaches the quiz from another machine: an address, and its QR code.

A server that listens on every interface (`--host 0.0.0.0`) must never tell players to
open 0.0.0.0, nor 127.0.0.1, which is their own phone: it names the machine's LAN
addresses instead. A server on one address names that address.
"""

from __future__ import annotations

import contextlib
import functools
import io
import ipaddress
import socket

import segno

# Addresses a server listens on that mean "every interface".
_WILDCARDS = ("0.0.0.0", "::", "")  # noqa: S104 - names, not binds
# Where the default route points, to learn this machine's outgoing address: a UDP socket's
# connect() sends nothing, it only picks the interface. TEST-NET-1 (RFC 5737) is never used.
_PROBE = ("192.0.2.1", 9)
# The QR code survives a smudged or glare-washed projector at this error correction (15%).
QR_ERROR = "m"
# Modules of white around the code: the standard's quiet zone is 4.
QR_BORDER = 4


def lan_addresses() -> list[str]:
    """This machine's IPv4 addresses that another machine on the network can use.

    The default route's address first, then the host name's; never a loopback or a
    link-local address. Empty on a machine with no network.
    """
    found: list[str] = []
    with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.connect(_PROBE)
        found.append(probe.getsockname()[0])
    with contextlib.suppress(OSError):
        for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET):
            found.append(str(info[4][0]))
    usable = []
    for address in found:
        ip = ipaddress.ip_address(address)
        if not (ip.is_loopback or ip.is_link_local or ip.is_unspecified) \
                and address not in usable:
            usable.append(address)
    return usable


def public_hosts(bind_host: str) -> list[str]:
    """The hosts players should type for a server listening on `bind_host`, best first.

    Every interface: the LAN addresses (127.0.0.1 when there are none, which then works
    on this machine only); one address: that address.
    """
    if bind_host in _WILDCARDS:
        return lan_addresses() or ["127.0.0.1"]
    return [bind_host]


def base_url(host: str, port: int) -> str:
    """http://HOST:PORT/ for a host name or an address (IPv6 in brackets)."""
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


@functools.lru_cache(maxsize=256)
def qr_svg(url: str) -> bytes:
    """A QR code of `url` as an SVG document (black on white, scaled by its viewBox)."""
    out = io.BytesIO()
    segno.make(url, error=QR_ERROR, micro=False).save(
        out, kind="svg", border=QR_BORDER, dark="#000", light="#fff", omitsize=True,
        xmldecl=False, svgclass="qr", title=url)
    return out.getvalue()
