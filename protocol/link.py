"""What every MQTT connection of the quiz shares, the scorer's and the clients' alike.

The scorer (scorer/transport.py), the clients (client/connection.py) and the bench's load
connections build their aiomqtt clients with these, so they live below all of them.
"""

from __future__ import annotations

import socket

# paho leaves Nagle's algorithm on: small answers, requests and replies would wait for
# delayed ACKs. Every connection sends them at once.
NO_DELAY = (socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
# No cap on unacknowledged publishes (paho's max_inflight_messages): paho's default of 20
# throttles a burst of results to the round trip, and any cap makes paho rescan every
# message in flight on each PUBACK (14% of the scorer's CPU at 1,000 quizzes). The scorer's
# own work bounds what is in flight; the bench's load connections mean to flood.
MAX_INFLIGHT = 0
# A SUBACK code at or above this is a refusal (MQTT 3.1.1: 0x80; MQTT 5: 0x80-0xA2).
SUBACK_FAILURE = 0x80
