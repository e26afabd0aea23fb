"""What can go wrong talking to the quiz: one root, a few kinds; messages are for people."""

from __future__ import annotations


class QuizError(Exception):
    """Root of what can go wrong talking to the quiz; the message is for people."""


class BrokerUnreachableError(QuizError):
    """No MQTT broker answers at the address (or at any of the addresses)."""


class LoginRefusedError(BrokerUnreachableError):
    """A broker answered and refused the user and password: trying again will not help."""


class NoReplyError(QuizError):
    """The scorer did not reply in time."""


class OfflineError(QuizError):
    """A request could not be sent: the broker is not connected right now."""


class SubscriptionRefusedError(QuizError):
    """The broker refused a subscription; `code` is its SUBACK answer."""

    def __init__(self, topic_filter: str, code: int, answer: str) -> None:
        super().__init__(f"the broker refused the subscription to {topic_filter} "
                         f"({answer}, SUBACK 0x{code:02X})")
        self.topic_filter = topic_filter
        self.code = code


class RefusedError(QuizError):
    """The scorer refused the request; `reason` is machine-readable."""

    def __init__(self, message: str, reason: str | None) -> None:
        super().__init__(message)
        self.reason = reason
