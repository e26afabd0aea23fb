"""Proof of identity for answers and host commands: HMAC-SHA256 over what they say.

A player's secret and a host's key are created by the client, sent once to the
scorer on a topic only the scorer reads, and never published. Each answer and
each host command carries a signature over its meaning, so nobody can score as
another player or steer another host's quiz; a replayed message has the same
meaning and changes nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

SECRET_BYTES = 32


def new_secret() -> str:
    """A fresh player secret or host key (hex)."""
    return secrets.token_hex(SECRET_BYTES)


def _mac(key: str, *parts: object) -> str:
    text = "|".join(str(part) for part in parts)
    return hmac.new(key.encode(), text.encode(), hashlib.sha256).hexdigest()


def sign_answer(secret: str, code: str, player: str, q: int, given: int | str) -> str:
    """Signature of `player` answering question `q` of quiz `code`.

    `given` is the index of a choice, or the text typed for a typed question: the two
    are signed under different labels, so the text "1" never passes for choice 1.
    """
    if isinstance(given, str):
        return _mac(secret, "typed", code, player, q, given)
    return _mac(secret, "answer", code, player, q, given)


def verify_answer(secret: str, code: str, player: str, q: int, given: int | str,
                  sig: str) -> bool:
    """True when sig is the player's own signature of this answer."""
    return hmac.compare_digest(sign_answer(secret, code, player, q, given), sig)


def sign_open(secret: str, code: str, player: str, q: int) -> str:
    """Signature of `player` asking to open question `q` of a self-paced quiz `code`."""
    return _mac(secret, "open", code, player, q)


def verify_open(secret: str, code: str, player: str, q: int, sig: str) -> bool:
    """True when sig is the player's own request to open question q."""
    return hmac.compare_digest(sign_open(secret, code, player, q), sig)


def sign_again(key: str, code: str, new_host_key: str) -> str:
    """Signature, with quiz `code`'s host key, of a new quiz of its questions under `new_host_key`.

    It names the new quiz's host key, so a copied signature only ever makes quizzes that
    the same host controls.
    """
    return _mac(key, "again", code, new_host_key)


def verify_again(key: str, code: str, new_host_key: str, sig: str) -> bool:
    """True when sig is quiz `code`'s host asking for a new quiz of its questions."""
    return hmac.compare_digest(sign_again(key, code, new_host_key), sig)


def sign_control(key: str, code: str, action: str, at: int, player: str = "") -> str:
    """Signature of a host command."""
    return _mac(key, "control", code, action, at, player)


def verify_control(key: str, code: str, action: str, at: int, player: str, sig: str) -> bool:
    """True when sig is the host's signature of this command."""
    return hmac.compare_digest(sign_control(key, code, action, at, player), sig)
