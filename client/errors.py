"""What can go wrong talking to the quiz: kinds of protocol.errors' one root.

QuizError is re-exported here: the clients catch it from this module.
"""

from __future__ import annotations

from protocol.errors import FailureError, QuizError, RefusalError

__all__ = ["BrokerUnreachableError", "LoginRefusedError", "NoReplyError", "OfflineError",
           "QuizError", "RefusedError", "SubscriptionRefusedError"]


class BrokerUnreachableError(FailureError):
    """No MQTT broker answers at the address (or at any of the addresses)."""


class LoginRefusedError(BrokerUnreachableError, RefusalError):
    """A broker answered and refused the user and password: trying again will not help."""


class NoReplyError(FailureError):
    """The scorer did not reply in time."""


class OfflineError(FailureError):
    """A request could not be sent: the broker is not connected right now."""


class SubscriptionRefusedError(RefusalError):
    """The broker refused a subscription; `code` is its SUBACK answer."""

    def __init__(self, topic_filter: str, code: int, answer: str) -> None:
        super().__init__(f"the broker refused the subscription to {topic_filter} "
                         f"({answer}, SUBACK 0x{code:02X})")
        self.topic_filter = topic_filter
        self.code = code


class RefusedError(RefusalError):
    """The scorer refused the request; `reason` is machine-readable."""

    def __init__(self, message: str, reason: str | None) -> None:
        super().__init__(message)
        self.reason = reason
