"""The vendored MQTT.js is the release web/__init__.py records: same bytes, same version."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import web

BUNDLE = Path(web.__file__).parent / "static" / "mqtt.min.js"


def test_the_bundle_has_the_recorded_hash() -> None:
    assert hashlib.sha256(BUNDLE.read_bytes()).hexdigest() == web.MQTT_JS_SHA256


def test_the_bundle_says_the_recorded_version() -> None:
    # MQTT.js reports its own package version (MQTTJS_VERSION) from this literal
    versions = set(re.findall(r'version:"(\d+\.\d+\.\d+)"', BUNDLE.read_text(encoding="utf-8")))
    assert web.MQTT_JS_VERSION in versions
    assert web.MQTT_JS_VERSION in (Path(web.__file__).read_text(encoding="utf-8"))
