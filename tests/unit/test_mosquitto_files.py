"""The files written for Mosquitto: password hashes, ACL, the runtime config."""

import base64
import hashlib
from pathlib import Path

import pytest

from broker.mosquitto import PROJECT_CONF, Accounts, hash_password, render_config


def test_password_hashes_are_mosquittos_pbkdf2_format() -> None:
    salt = bytes(range(12))
    _, kind, rounds, salt64, digest64 = hash_password("pw", salt).split("$")
    assert (kind, rounds) == ("7", "101")
    assert base64.b64decode(salt64) == salt
    assert base64.b64decode(digest64) == hashlib.pbkdf2_hmac("sha512", b"pw", salt, 101)


def test_accounts_write_passwd_roles_and_an_acl_per_role(tmp_path: Path) -> None:
    accounts = Accounts(tmp_path)
    accounts.add("scorer", "scorer", "a")
    accounts.add("teacher", "host", "b")
    accounts.add("teacher", "host", "c")  # a new password replaces the old one
    assert accounts.roles() == {"scorer": "scorer", "teacher": "host"}
    assert len(accounts.passwd.read_text().splitlines()) == 2
    acl = accounts.acl.read_text()
    anonymous = acl.split("user ")[0]
    assert "topic write quiz/+/answers/+" in anonymous
    assert "quiz/new" not in anonymous
    assert "control" not in anonymous
    assert "pattern read quiz/replies/%c/+" in acl
    assert "user scorer\ntopic readwrite quiz/#" in acl
    teacher = acl.split("user teacher")[1]
    assert "topic write quiz/new" in teacher
    assert "topic write quiz/+/control" in teacher
    assert oct(accounts.passwd.stat().st_mode)[-3:] == "600"


@pytest.mark.parametrize("name", ["", "has space", "x" * 65, "semi:colon"])
def test_bad_account_names_are_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(ValueError, match="account name"):
        Accounts(tmp_path).add(name, "host", "pw")


def test_the_runtime_config_moves_only_ports_and_paths(tmp_path: Path) -> None:
    base = PROJECT_CONF.read_text()
    text = render_config(base, port=5555, ws_port=None, data=tmp_path)
    assert "listener 5555 127.0.0.1" in text
    assert "protocol websockets" not in text
    assert f"password_file {tmp_path}/passwd" in text
    assert f"acl_file {tmp_path}/acl" in text
    assert "max_queued_messages 1000000" in text
    assert "allow_anonymous true" in text
    with_ws = render_config(base, port=5555, ws_port=5556, data=tmp_path)
    assert "listener 5556 127.0.0.1\nprotocol websockets" in with_ws


def test_the_runtime_config_listens_where_quiz_serve_host_says(tmp_path: Path) -> None:
    text = render_config(PROJECT_CONF.read_text(), port=5555, ws_port=5556, data=tmp_path,
                         host="0.0.0.0")  # noqa: S104 - what the test checks
    assert "listener 5555 0.0.0.0" in text
    assert "listener 5556 0.0.0.0\nprotocol websockets" in text
