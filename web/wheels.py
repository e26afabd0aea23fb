"""The wheels terminal players install `quiz` from: built from this project's source once.

`quiz serve` hands out, under /wheels/, the project's wheel and the wheels of its locked
dependencies (requirements.lock), as `pip wheel` makes them for this machine. They are built
on the first request, not at startup (a minute at worst, with the package index or pip's
cache), and kept in the data folder, in a folder named by a digest of the source, the lock
and this Python, so a changed source is built again and an unchanged one never.

The project's wheel is pure Python: `pip install http://HOST:PORT/wheels/<its name>` works
on any computer with Python 3.11+, which then takes the dependencies from its package index
(PyPI). Some dependencies are compiled: the wheels of /wheels/ alone
(`pip install --no-index --find-links http://HOST:PORT/wheels/ vocab-quiz`) install only
on a computer with this machine's operating system, processor and Python version.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import shutil
import sys
import sysconfig
import time
import tomllib
from pathlib import Path

from protocol.errors import FailureError

log = logging.getLogger(__name__)

# The project's source, when `quiz` runs from it (an editable install, `make run`); an
# installed wheel has no pyproject.toml there, and then nothing is built.
SOURCE = Path(__file__).resolve().parent.parent
LOCK = "requirements.lock"
# The build took 5 s on the development machine with the dependencies in pip's reach; one
# that takes longer than this is stuck (an index that does not answer) and is given up.
BUILD_TIMEOUT_SECONDS = 600.0
# What a failed build reports of pip's output: its last lines say why.
ERROR_LINES = 3


class WheelsError(FailureError, RuntimeError):
    """The wheels could not be built."""


def project(source: Path = SOURCE) -> tuple[str, str, list[str]] | None:
    """The project's name, version and top-level packages, or None when there is no source."""
    try:
        meta = tomllib.loads((source / "pyproject.toml").read_text(encoding="utf-8"))
        packages = meta["tool"]["setuptools"]["packages"]
        return meta["project"]["name"], meta["project"]["version"], \
            [name for name in packages if "." not in name]
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return None


def project_wheel(source: Path = SOURCE) -> str | None:
    """The file name of the project's (pure Python) wheel, or None when it cannot be built."""
    found = project(source)
    if found is None:
        return None
    name, version, _ = found
    return f"{name.replace('-', '_')}-{version}-py3-none-any.whl"


def _inputs(source: Path, packages: list[str]) -> list[Path]:
    """The files a build reads: pyproject, README, the lock, every file of the packages."""
    files = [source / name for name in ("pyproject.toml", "README.md", LOCK)
             if (source / name).is_file()]
    for package in packages:
        files += sorted(path for path in (source / package).rglob("*") if path.is_file()
                        and "__pycache__" not in path.parts and path.suffix != ".pyc")
    return files


def digest(source: Path, packages: list[str]) -> str:
    """What names a build: the source's files, and the Python and platform it is built for."""
    sha = hashlib.sha256(f"{sys.implementation.cache_tag} {sysconfig.get_platform()}".encode())
    for path in _inputs(source, packages):
        sha.update(str(path.relative_to(source)).encode() + b"\0" + path.read_bytes() + b"\0")
    return sha.hexdigest()[:16]


def index_page(names: list[str]) -> bytes:
    """The page pip reads with --find-links: a link to each wheel."""
    links = "".join(f'<a href="{name}">{name}</a><br>\n' for name in sorted(names))
    return (f"<!doctype html>\n<title>quiz: wheels for pip</title>\n{links}").encode()


class Wheelhouse:
    """The wheels of /wheels/, built once on first use and kept in `folder`."""

    def __init__(self, folder: Path, source: Path = SOURCE) -> None:
        self.folder = folder
        self.source = source
        self._lock = asyncio.Lock()
        self._files: dict[str, Path] | None = None

    async def files(self) -> dict[str, Path]:
        """Each wheel's file name and path; built first if need be (WheelsError: it failed)."""
        async with self._lock:  # a class asking at once: one build, everyone waits for it
            if self._files is None:
                self._files = await self._built()
            return self._files

    async def _built(self) -> dict[str, Path]:
        found = project(self.source)
        if found is None:
            raise WheelsError("this quiz server was not installed from the project's source")
        built = self.folder / await asyncio.to_thread(digest, self.source, found[2])
        wheels = await asyncio.to_thread(_listing, built)
        if wheels is None:
            await self._build(built, found[2])
            wheels = await asyncio.to_thread(_listing, built) or {}
        return wheels

    async def _build(self, built: Path, packages: list[str]) -> None:
        work = self.folder / f"{built.name}.building-{os.getpid()}"
        started = time.monotonic()
        log.warning("building the wheels terminal players install (first request), with "
                    "pip wheel into %s: a minute at most", built)
        try:
            src = await asyncio.to_thread(self._copy_source, work / "src", packages)
            lock = ["-c", str(src / LOCK)] if (src / LOCK).is_file() else []
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "pip", "wheel", "--quiet", "--disable-pip-version-check",
                "-w", str(work / "wheels"), *lock, str(src),
                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
            try:
                async with asyncio.timeout(BUILD_TIMEOUT_SECONDS):
                    _, err = await process.communicate()
            except TimeoutError:
                process.kill()
                await process.wait()
                raise WheelsError(f"pip wheel took over {BUILD_TIMEOUT_SECONDS:.0f} s") from None
            if process.returncode != 0:
                why = " / ".join(err.decode(errors="replace").strip().splitlines()[-ERROR_LINES:])
                raise WheelsError(f"pip wheel failed: {why}")
            count = await asyncio.to_thread(_keep, work / "wheels", built)
        finally:
            await asyncio.to_thread(shutil.rmtree, work, ignore_errors=True)
        log.warning("wheels ready: %d files in %s, built in %.0f s",
                    count, built, time.monotonic() - started)

    def _copy_source(self, src: Path, packages: list[str]) -> Path:
        """A copy of what the build reads: pip builds in the tree it is given, writing there."""
        shutil.rmtree(src.parent, ignore_errors=True)  # a build killed halfway
        for path in _inputs(self.source, packages):
            target = src / path.relative_to(self.source)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
        return src


def _listing(built: Path) -> dict[str, Path] | None:
    """Each wheel of a complete build by file name; None when the build is not complete."""
    if not (built / ".complete").exists():
        return None
    return {path.name: path for path in built.glob("*.whl")}


def _keep(wheels: Path, built: Path) -> int:
    """Move a finished build where it is kept, marked complete; how many wheels it holds."""
    shutil.rmtree(built, ignore_errors=True)
    wheels.rename(built)
    (built / ".complete").touch()
    return len(list(built.glob("*.whl")))
