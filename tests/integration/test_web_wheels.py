"""The wheels under /wheels/ (web/wheels.py): what is served, what is refused, kept once built.

No pip here: a build is put in the data folder by hand, as a finished build leaves it (a
folder named by the source's digest, marked complete), so these tests take milliseconds;
tests/e2e/test_install_wheels.py builds for real and installs from it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.test_web_server import get
from web import wheels as wheelhouse
from web.server import BrokerForBrowsers, WebBoard

WHEEL = "tiny-1.0-py3-none-any.whl"
PYPROJECT = """[project]
name = "tiny"
version = "1.0"
[tool.setuptools]
packages = ["tiny"]
"""


def tiny_source(root: Path) -> Path:
    (root / "tiny").mkdir(parents=True)
    (root / "tiny" / "__init__.py").write_text("")
    (root / "pyproject.toml").write_text(PYPROJECT)
    return root


def built_by_hand(source: Path, data: Path) -> Path:
    """The data folder as a finished build of `source` leaves it."""
    built = data / wheelhouse.digest(source, ["tiny"])
    built.mkdir(parents=True)
    (built / WHEEL).write_bytes(b"PK wheel bytes")
    (built / ".complete").touch()
    (data / "secret.txt").write_text("not for students")
    return built


def board(data: Path, source: Path) -> WebBoard:
    return WebBoard(BrokerForBrowsers(ws_port=11884), "127.0.0.1", 0,
                    wheelhouse.Wheelhouse(data, source))


async def test_a_kept_build_is_served_and_nothing_else_of_the_folder(tmp_path: Path) -> None:
    source = tiny_source(tmp_path / "src")
    built_by_hand(source, tmp_path / "data")
    async with board(tmp_path / "data", source) as running:
        status, headers, body = await get(running, "/wheels/")
        assert status == 200 and headers["content-type"].startswith("text/html")
        assert f'<a href="{WHEEL}">' in body.decode()
        status, headers, body = await get(running, f"/wheels/{WHEEL}")
        assert (status, headers["content-type"], body) == (
            200, "application/octet-stream", b"PK wheel bytes")
        for target in ("/wheels/.complete", "/wheels/../secret.txt", "/wheels/%2e%2e/secret.txt",
                       "/wheels/nothing.whl"):
            status, _, body = await get(running, target)
            assert status == 404 and b"not for students" not in body, target
    assert wheelhouse.project_wheel(source) == WHEEL


async def test_a_server_without_the_source_says_so_and_builds_nothing(tmp_path: Path) -> None:
    async with board(tmp_path / "data", tmp_path / "no-source") as running:
        status, _, body = await get(running, "/wheels/")
    assert status == 503
    assert b"not installed from the project's source" in body
    assert not (tmp_path / "data").exists()
    assert wheelhouse.project_wheel(tmp_path / "no-source") is None


@pytest.mark.parametrize("change", ["tiny/__init__.py", "pyproject.toml"])
def test_a_changed_source_is_another_build(tmp_path: Path, change: str) -> None:
    source = tiny_source(tmp_path / "src")
    before = wheelhouse.digest(source, ["tiny"])
    assert wheelhouse.digest(source, ["tiny"]) == before
    (source / change).write_text((source / change).read_text() + "\n# changed\n")
    assert wheelhouse.digest(source, ["tiny"]) != before
