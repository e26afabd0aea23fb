"""A player page has a player's broker rights and no more, on Mosquitto over WebSockets.

From inside the page (its origin, its MQTT.js, the config it reads), a connection made as
the page makes its own (anonymous, a random client id) tries what a cheating player would:
read every reply and every answer, and score as another player. Mosquitto's ACL delivers
none of the others' messages, and the scorer refuses the forged answer (bad_signature),
as tests/integration/test_scorer.py checks for the terminal client.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import free_port, require_mosquitto
from tests.e2e.cli import quiz
from tests.e2e.test_web_board import CHROMIUM, SLOW_MS, require_chromium, serving
from tests.e2e.test_web_player import CLASSROOM, PHONE_ARGS, join, kept, phone

pytest.importorskip("playwright", reason="playwright is a dev dependency: pip install -e '.[dev]'")
from playwright.sync_api import sync_playwright

pytestmark = [pytest.mark.chromium, pytest.mark.mosquitto, pytest.mark.timeout(300)]

# The spy: a connection with the page's own options, subscribed to what it should not read.
SPY = """async (code) => {
  const config = await (await fetch(`/player.json?code=${code}`)).json();
  const id = Array.from(crypto.getRandomValues(new Uint8Array(8)),
    (b) => b.toString(16).padStart(2, "0")).join("");
  const url = `ws://${location.hostname}:${config.ws.port}${config.ws.path}`;
  const spy = mqtt.connect(url, { protocolVersion: 4, clean: true, clientId: id,
    reconnectPeriod: 0, timerVariant: "native" });
  await new Promise((ok, no) => { spy.on("connect", ok); spy.on("error", no); });
  window.spy = { client: spy, id, seen: [], config };
  spy.on("message", (topic, payload) =>
    window.spy.seen.push([topic, new TextDecoder().decode(payload)]));
  const granted = await new Promise((ok) => spy.subscribe(
    ["quiz/replies/+/+", `quiz/${code}/answers/+`, `quiz/${code}/join`, "#",
     `quiz/replies/${id}/+`], { qos: 0 }, (err, g) => ok(g.map((x) => x.qos))));
  return { id, granted };
}"""

# Answers as another player, signed with the spy's own player secret, then sends a marker
# request of its own: its reply comes after anything the broker would have let through.
FORGE = """async ([code, victim, secret, marker]) => {
  const { client, id, config } = window.spy;
  const forged = { v: 1, client: id, req: "f0f0f0f0f0f0f0f0", q: 0, choice: 0,
    sig: QuizHmac.signAnswer(secret, code, victim, 0, 0) };
  client.publish(config.answer.replace(config.slots.player, victim), JSON.stringify(forged),
    { qos: 1 });
  client.publish(config.join, JSON.stringify({ v: 1, client: id, req: marker, name: "spy",
    secret: "ab".repeat(32) }), { qos: 1 });
  const until = Date.now() + 10000;
  while (!window.spy.seen.some(([t]) => t === `quiz/replies/${id}/${marker}`)) {
    if (Date.now() > until) break;
    await new Promise((ok) => setTimeout(ok, 50));
  }
  return window.spy.seen;
}"""


def test_a_player_page_cannot_read_others_or_score_as_another_player(tmp_path: Path) -> None:
    require_chromium()
    require_mosquitto()
    port, ws_port, web_port = free_port(), free_port(), free_port()
    folder, home = tmp_path / "mosquitto", tmp_path / "home"
    made = quiz("accounts", "teacher", "--role", "host", "--password", "pw",
                "--mosquitto-dir", str(folder), home=home, broker="")
    assert made.code == 0, made.err
    host = f"mqtt://teacher:pw@127.0.0.1:{port}"
    anyone = f"mqtt://127.0.0.1:{port}"
    problems: list[str] = []

    def cli(*args: str, broker: str = host) -> Any:
        done = quiz(*args, "--json", home=home, broker=broker)
        assert done.code == 0, done.err
        return done.json()

    with serving(port, ws_port, web_port, tmp_path / "quiz.db", "--broker", "mosquitto",
                 "--mosquitto-dir", str(folder)), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=PHONE_ARGS)
        page = phone(browser, problems)
        code = cli("create", "--seconds", "300")["quiz"]
        alice = cli("join", code, "--name", "alice", broker=anyone)["player"]
        join(page, f"http://{CLASSROOM}:{web_port}/play/{code}", "bob")
        me = kept(page, code)
        spy = page.evaluate(SPY, code)
        cli("start", code)
        cli("answer", code, "--choice", "2", "--name", "alice", broker=anyone)  # its replies
        cli("join", code, "--name", "carol", broker=anyone)  # a join and its reply to carol
        marker = "c0ffee00c0ffee00"
        seen = page.evaluate(FORGE, [code, alice, me["secret"], marker])
        topics_seen = [topic for topic, _ in seen]
        assert f"quiz/replies/{spy['id']}/{marker}" in topics_seen
        others = [t for t in topics_seen if t.startswith("quiz/replies/")
                  and not t.startswith(f"quiz/replies/{spy['id']}/")]
        assert others == [], f"the page read other clients' replies: {others}"
        assert not [t for t in topics_seen if t.endswith("/join") or "/answers/" in t]
        refusal = next(payload for topic, payload in seen
                       if topic == f"quiz/replies/{spy['id']}/f0f0f0f0f0f0f0f0")
        assert '"reason":"bad_signature"' in refusal
        stored = quiz("results", code, "--json", home=home, broker=host).json()
        assert [a["player"] for a in stored["answers"]] == [alice]  # alice's own, only
        # the page's own player plays on, untouched
        expect_ok = page.locator("#me-name")
        assert expect_ok.text_content(timeout=SLOW_MS) == "bob"
        browser.close()
    assert problems == []
