"""One root for what can go wrong in the quiz, with two kinds under it.

A `RefusalError` is someone saying no (the scorer, the broker, the rules, a malformed
message or deck): the same again will be refused again. A `FailureError` is something
that did not work (a broker out of reach, a disk, a port, a timeout): it may work later.
Each class keeps the builtin base it had (`class X(FailureError, RuntimeError)`), so every
`except` clause catches what it caught before. The message is for people; where callers
must tell cases apart, the class carries a machine-readable field (a reason, a SUBACK code).
"""

from __future__ import annotations


class QuizError(Exception):
    """Root of what can go wrong in the quiz; the message is for people."""


class RefusalError(QuizError):
    """A refusal: the scorer, the broker or the rules said no; the same again will not do."""


class FailureError(QuizError):
    """A failure: something out of reach or out of order, which may work later."""
