"""The classroom board in a browser: a static page that follows a quiz over MQTT WebSockets.

`web.server` serves the files; the page itself (static/) subscribes to the broker
directly, to the same views as any display. static/mqtt.min.js is MQTT.js 5.16.0, the
browser bundle (dist/mqtt.min.js) of the npm package mqtt@5.16.0 (tarball sha1
c6721eb165f5bb6a8305219a35da7790a43ae10e), MIT licensed: static/mqtt.LICENSE.md.
"""
