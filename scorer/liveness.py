"""Whether the broker still delivers to the scorer's session, told by a probe of its own.

A session can go deaf with its connection still up: a broker that loses track of it
(amqtt 0.12 after a take-over, issue 29), or one that moved it elsewhere without a word.
Keepalive pings do not see that; they only prove the connection. So the scorer
publishes a probe (QoS 1) to its own marker topic (`quiz/scorer/sync/<client id>`, which
it reads) every PROBE_SECONDS; anything that comes in proves the session alive. When
nothing at all has come in for DEAF_SECONDS since the broker acknowledged a probe, the
session is lost: the broker took the probe and did not deliver it back. The scorer drops
the connection and connects again.

The clock starts at the acknowledgement, not at the sending: a broker too busy to answer
(Mosquitto with thousands of WebSockets) is slow, not deaf, and dropping its connection
would lose the replies waiting in the scorer's send buffer and add a reconnect to its
load. A broker that acknowledges and stays silent has lost the session.

Times here are seconds of a monotonic clock that the caller reads: the core has no clock.
"""

from __future__ import annotations

from dataclasses import dataclass

# A probe costs one small QoS 1 message to itself and back: once a second is nothing.
PROBE_SECONDS = 1.0
# The round trip of a probe takes milliseconds; while the scorer is busy, the requests
# coming in answer for it. 3.5 s of silence after a probe is no slow broker.
DEAF_SECONDS = 3.5
# The scorer looks this often; a deaf session is noticed at most PROBE_SECONDS +
# DEAF_SECONDS + LOOK_SECONDS (4.75 s) after the broker stopped delivering, plus the
# time the broker takes to acknowledge a probe (milliseconds when it is not overloaded).
LOOK_SECONDS = 0.25
# A look this late means the scorer itself was held up (its event loop busy, or the
# embedded broker's, which shares it): that silence is not the broker's; count again.
STALL_SECONDS = 1.0


@dataclass
class Liveness:
    """Probes sent and messages heard on one connection; `look()` says when it is deaf."""

    probe_every: float = PROBE_SECONDS
    deaf_after: float = DEAF_SECONDS
    # when the broker first acknowledged a probe that nothing has come in after (None:
    # all heard, or no probe acknowledged since)
    unheard_since: float | None = None
    last_probe: float | None = None
    last_look: float | None = None
    last_heard: float | None = None

    def heard(self, now: float) -> None:
        """Something came in: the broker delivers to the session."""
        self.unheard_since = None
        self.last_heard = now

    def probe_due(self, now: float) -> bool:
        """True when a probe should go out now (and count it as sent)."""
        if self.last_probe is not None and now - self.last_probe < self.probe_every:
            return False
        self.last_probe = now
        return True

    def acknowledged(self, now: float) -> None:
        """The broker acknowledged the last probe: from now, silence means it does not deliver.

        Unless something came in since that probe went out: then the broker delivers.
        """
        delivered = (self.last_heard is not None and self.last_probe is not None
                     and self.last_heard >= self.last_probe)
        if self.unheard_since is None and not delivered:
            self.unheard_since = now

    def silent_for(self, now: float) -> float:
        """Seconds since the first acknowledged probe nothing came in after (0: none)."""
        return 0.0 if self.unheard_since is None else now - self.unheard_since

    def look(self, now: float) -> bool:
        """Look at the session now: True when it is deaf.

        Deaf: nothing has come in for `deaf_after` seconds since the broker acknowledged a
        probe, and the scorer was looking all that time (a stall of its own restarts the
        count).
        """
        stalled = self.last_look is not None and now - self.last_look > STALL_SECONDS
        self.last_look = now
        if stalled and self.unheard_since is not None:
            self.unheard_since = now
        return self.silent_for(now) >= self.deaf_after
