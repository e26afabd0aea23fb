"""One error root: every exception class of the quiz is a refusal or a failure of QuizError."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import client.errors
from protocol.errors import FailureError, QuizError, RefusalError

# speech/ sits beside protocol/ (one layer, independent): its SpeechError may not import it.
PACKAGES = ("protocol", "client", "scorer", "serve", "broker", "web", "cli", "tui")


def _defined_errors() -> dict[str, list[type[BaseException]]]:
    """Every exception class defined in the packages, by name."""
    found: dict[str, list[type[BaseException]]] = {}
    for name in PACKAGES:
        package = importlib.import_module(name)
        for module_info in pkgutil.iter_modules(package.__path__, f"{name}."):
            if module_info.name.endswith(".__main__"):  # runs the command line
                continue
            module = importlib.import_module(module_info.name)
            for _, cls in inspect.getmembers(module, inspect.isclass):
                if issubclass(cls, BaseException) and cls.__module__ == module.__name__:
                    found.setdefault(cls.__name__, []).append(cls)
    return found


def test_every_error_is_a_refusal_or_a_failure_of_one_root() -> None:
    errors = [cls for classes in _defined_errors().values() for cls in classes]
    assert len(errors) >= 20, errors
    kinds = {cls: [kind for kind in (RefusalError, FailureError) if issubclass(cls, kind)]
             for cls in errors if cls not in (QuizError, RefusalError, FailureError)}
    # a refused login is both: refused, and still a broker out of reach to those who catch it
    both = {client.errors.LoginRefusedError}
    assert {cls: found for cls, found in kinds.items()
            if len(found) != (2 if cls in both else 1)} == {}


def test_error_names_are_unique() -> None:
    assert {name: c for name, c in _defined_errors().items() if len(c) > 1} == {}


def test_the_clients_catch_the_one_root() -> None:
    assert client.errors.QuizError is QuizError
