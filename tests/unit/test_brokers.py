"""Broker lists: parsing, errors that never show a password, and the order of failover."""

from __future__ import annotations

import pytest

from client.reconnect import Reconnect
from protocol.address import BrokerAddress, Brokers

A = BrokerAddress("a", 1883)
B = BrokerAddress("b", 1884, "teacher", "s3cret")
C = BrokerAddress("c", 1885)


def test_a_comma_separated_list_parses_in_order() -> None:
    assert Brokers.parse("mqtt://a:1883, mqtt://teacher:s3cret@b:1884,c:1885").addresses == (
        A, B, C)
    assert Brokers.parse("mqtt://a:1883").addresses == (A,)
    assert str(Brokers((A, B))) == "mqtt://a:1883,mqtt://teacher@b:1884"  # no password


@pytest.mark.parametrize("address", [
    A, B, BrokerAddress("h", 1, "a,b", "p@ss:w/rd%,"), BrokerAddress("h", 2, "user"),
])
def test_a_written_url_reads_back_as_the_same_address(address: BrokerAddress) -> None:
    """A child scorer gets its brokers as `url()` through the environment: nothing lost."""
    assert Brokers.parse(Brokers((address, C)).url()) == Brokers((address, C))
    if address.password:
        assert address.password not in str(address)  # printed: never the password


@pytest.mark.parametrize("urls", ["", " , ", "mqtt://a:1883,", "mqtt://a:1883,,mqtt://b:1"])
def test_an_empty_entry_is_refused(urls: str) -> None:
    with pytest.raises(ValueError, match="broker"):
        Brokers.parse(urls)


@pytest.mark.parametrize("url", [
    "http://user:hunter2@h:1",           # wrong scheme
    "mqtt://user:hunter2@:1883",         # no host
    "mqtt://user:hunter2@h:notaport",    # bad port
    "mqtt://a:1883,mqtt://user:hunter2@h:port",  # in a list
])
def test_an_error_never_repeats_the_password(url: str) -> None:
    with pytest.raises(ValueError, match="broker URL") as refused:
        Brokers.parse(url)
    assert "hunter2" not in str(refused.value)
    assert "user:***@" in str(refused.value)


def test_a_lost_connection_moves_to_the_next_broker_and_wraps_around() -> None:
    retry = Reconnect(Brokers((A, B, C)), rand=lambda: 1.0)
    assert retry.order().addresses == (A, B, C)
    retry.connected(A)
    assert retry.lost() == 0.5  # the floor, with jitter at its top
    assert retry.order().addresses == (B, C, A)
    retry.connected(C)  # B did not answer, C did
    retry.lost()
    assert retry.order().addresses == (A, B, C)
    assert retry.attempt == 1  # connected() started the backoff over
