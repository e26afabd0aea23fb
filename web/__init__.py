"""The classroom board in a browser: a static page that follows a quiz over MQTT WebSockets.

`web.server` serves the files; the page itself (static/) subscribes to the broker
directly, to the same views as any display. static/mqtt.min.js is MQTT.js 5.16.0, the
browser bundle (dist/mqtt.min.js) of the npm package mqtt@5.16.0 (tarball sha1
c6721eb165f5bb6a8305219a35da7790a43ae10e), MIT licensed: static/mqtt.LICENSE.md.
The version and the file's SHA-256 are recorded below; a test checks the file against
them, so a changed or swapped bundle cannot slip in unnoticed.
"""

MQTT_JS_VERSION = "5.16.0"
MQTT_JS_SHA256 = "f3cbeae580d3010048938ee370f2db0c15d16e6f7fc147cb32ae5510e571b387"
