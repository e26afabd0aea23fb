"""Every SUBACK is read: a refused subscription is an error naming the filter and the answer."""

from __future__ import annotations

import pytest
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.reasoncodes import ReasonCode

from client.connection import check_granted
from client.errors import QuizError, SubscriptionRefusedError


def suback(value: int) -> ReasonCode:
    return ReasonCode(PacketTypes.SUBACK, identifier=value)


@pytest.mark.parametrize("granted", [[suback(0)], [suback(1)], (0,), (1,), [suback(2)]])
def test_a_granted_subscription_passes(granted: list[object]) -> None:
    check_granted("quiz/ABCDEF/state", granted)


@pytest.mark.parametrize(("granted", "answer"), [
    ([suback(0x80)], "Unspecified error"),
    ([suback(0x87)], "Not authorized"),
    ((0x80,), "failure"),
    ([], "no answer"),
])
def test_a_refused_subscription_names_the_filter_and_the_answer(granted: list[object],
                                                                answer: str) -> None:
    with pytest.raises(SubscriptionRefusedError) as refused:
        check_granted("quiz/+/answers/+", granted)
    assert isinstance(refused.value, QuizError)  # one line and exit 1 in the CLI
    assert refused.value.topic_filter == "quiz/+/answers/+"
    message = str(refused.value)
    assert "quiz/+/answers/+" in message
    assert answer in message
