"""The open question's answer for its host (contract revision 6), sealed with the host key.

A state never carries the right choice before the reveal; a host who wants to glance at
it sends a Control `key` and gets it in the Reply's `key` field. Replies are not private
on every broker (on NATS any client may read them, docs/security.md), so the scorer seals
the answer with the quiz's host key: the JSON of an `AnswerKey` XORed with a keystream
of HMAC-SHA256(host key, "key|<code>|<req>|<n>") blocks, n = 0, 1, ... The request id
is fresh per request, so no two sealed keys share a keystream; only the host reads it.
"""

from __future__ import annotations

import hashlib
import hmac

import msgspec

from protocol.messages import DecodeError

# Bytes of keystream one block gives (one HMAC-SHA256 digest).
BLOCK = hashlib.sha256().digest_size
# A deck's definition is at most 500 characters: a key is never near this long.
MAX_SEALED_BYTES = 4096


class AnswerKey(msgspec.Struct, frozen=True, kw_only=True):
    """The answer to question `q`: the right choice (-1 for typed) and the word."""

    q: int
    correct: int
    term: str


def _keystream(host_key: str, code: str, req: str, length: int) -> bytes:
    blocks = (hmac.new(host_key.encode(), f"key|{code}|{req}|{n}".encode(),
                       hashlib.sha256).digest() for n in range(-(-length // BLOCK)))
    return b"".join(blocks)[:length]


def _xor(data: bytes, stream: bytes) -> bytes:
    return bytes(a ^ b for a, b in zip(data, stream, strict=True))


def seal(host_key: str, code: str, req: str, key: AnswerKey) -> str:
    """The answer key as the Reply carries it: hex that only the host key opens."""
    plain = msgspec.json.encode(key)
    return _xor(plain, _keystream(host_key, code, req, len(plain))).hex()


def open_sealed(host_key: str, code: str, req: str, sealed: str) -> AnswerKey:
    """The answer key a reply to request `req` carries; DecodeError when it is not one.

    A wrong host key gives bytes that are not an answer key's JSON: that is refused too.
    """
    try:
        data = bytes.fromhex(sealed)
    except ValueError:
        raise DecodeError("the answer key is not hex") from None
    if len(data) > MAX_SEALED_BYTES:
        raise DecodeError("the answer key is too long")
    try:
        return msgspec.json.decode(_xor(data, _keystream(host_key, code, req, len(data))),
                                   type=AnswerKey)
    except msgspec.DecodeError:
        raise DecodeError("the answer key does not open with this host key") from None
