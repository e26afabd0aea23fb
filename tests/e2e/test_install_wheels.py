"""A terminal player installs `quiz` from what `quiz serve` hands out, and joins (issue 23).

`quiz serve` prints the install line (the project's wheel under /wheels/) and builds the
wheels on the first request for them (web/wheels.py). A fresh virtual environment, with
pip's own settings and this machine's pip configuration ignored (`--isolated`) and no
package index (`--no-index`), installs from the server alone: the project's wheel by the
address printed, its locked dependencies from /wheels/ (built for this machine, as they
would be for a classroom computer like the server). Then `quiz --help` runs, and the
installed `quiz join` joins a quiz of the server.
"""

from __future__ import annotations

import re
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import free_port
from tests.e2e.cli import quiz
from tests.e2e.test_web_board import serving
from web.join import public_hosts
from web.wheels import project_wheel

# Building the wheels (pip wheel, dependencies from pip's cache or the index), a venv and
# an install: well under a minute here, bounded for a loaded 2-core machine.
pytestmark = pytest.mark.timeout(600)
PIP_SECONDS = 300
INSTALL = re.compile(r"^players in a terminal install quiz with: pip install (\S+)$", re.M)


def test_a_fresh_environment_installs_quiz_from_the_server_and_joins(tmp_path: Path) -> None:
    port, ws_port, web_port = free_port(), free_port(), free_port()
    broker = f"mqtt://127.0.0.1:{port}"
    with serving(port, ws_port, web_port, tmp_path / "data" / "quiz.db") as printed:
        wheel = INSTALL.search(printed)
        assert wheel is not None, printed
        url = wheel.group(1)
        assert url == f"http://127.0.0.1:{web_port}/wheels/{project_wheel()}"
        index = f"http://127.0.0.1:{web_port}/wheels/"
        with urllib.request.urlopen(index, timeout=PIP_SECONDS) as page:
            listing = page.read().decode()
        assert project_wheel() in listing and "msgspec-" in listing
        built = list((tmp_path / "data" / "wheels").glob("*/.complete"))
        assert len(built) == 1  # kept in the data folder, beside the database

        venv = tmp_path / "student"
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True,
                       timeout=PIP_SECONDS)
        subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "--isolated", "install",
                        "--quiet", "--no-index", "--find-links", index, url],
                       check=True, timeout=PIP_SECONDS)
        student = venv / "bin" / "quiz"
        helped = subprocess.run([str(student), "--help"], capture_output=True, text=True,
                                timeout=60, check=True)
        assert "join" in helped.stdout and "play" in helped.stdout

        # the host's broker is not the default: `quiz create` names it for players, with
        # no account (QUIZ_BROKER here; a host logs in on Mosquitto)
        created = quiz("create", home=tmp_path / "teacher",
                       broker=f"mqtt://teacher:s3cret@127.0.0.1:{port}")
        code = re.search(r"^quiz (\w+) created", created.out, re.M).group(1)  # type: ignore[union-attr]
        assert f"players join with: quiz play {code} --name NAME --broker {broker}\n" \
            in created.out, created.out
        assert "s3cret" not in created.out and "teacher@" not in created.out.split("\n", 2)[2]
        joined = subprocess.run(
            [str(student), "join", code, "--name", "sam", "--broker", broker, "--json"],
            capture_output=True, text=True, timeout=60, check=False,
            env={"PATH": "/usr/bin:/bin", "QUIZ_HOME": str(tmp_path / "sam")})
        assert joined.returncode == 0, joined.stderr
        assert '"name": "sam"' in joined.stdout or '"sam"' in joined.stdout, joined.stdout


def test_quiz_serve_names_the_player_page_at_an_address_others_can_use(tmp_path: Path) -> None:
    port, ws_port, web_port = free_port(), free_port(), free_port()
    every = "0.0.0.0"  # noqa: S104 - what a teacher types for the classroom network
    with serving(port, ws_port, web_port, tmp_path / "quiz.db", "--host", every) as printed:
        host = public_hosts(every)[0]
        assert f"players on phones: http://{host}:{web_port}/play" in printed, printed
        assert f"pip install http://{host}:{web_port}/wheels/" in printed
        assert every not in printed
