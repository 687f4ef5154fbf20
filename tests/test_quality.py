"""The package (and the benchmarks beside it) type-checks under `mypy --strict` and passes `ruff`."""

from __future__ import annotations

import re
import subprocess
import sys
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_mypy_strict() -> None:
    result = run("mypy", "--no-incremental", "fakeopenai", "benchmarks")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff() -> None:
    result = run("ruff", "check", "fakeopenai", "tests", "scripts", "benchmarks")
    assert result.returncode == 0, result.stdout + result.stderr


def test_public_names_are_exactly_all() -> None:
    import fakeopenai

    public = {name for name in vars(fakeopenai) if not name.startswith(("_", "@"))}
    modules = {"endpoints", "plugin", "annotations"}
    assert public - modules == set(fakeopenai.__all__)


def test_exported_classes_say_they_come_from_the_package() -> None:
    import fakeopenai

    exported = [getattr(fakeopenai, name) for name in fakeopenai.__all__]
    classes = [value for value in exported if isinstance(value, type) and not isinstance(value, types.GenericAlias)]
    assert len(classes) > 15
    assert [c.__qualname__ for c in classes if c.__module__ != "fakeopenai"] == []
    assert repr(fakeopenai.ConfigurationError("x")) == "ConfigurationError('x')"
    assert str(fakeopenai.FakeOpenAI).startswith("<class 'fakeopenai.FakeOpenAI'")


def test_the_app_layer_imports_nothing_from_the_socket_layer() -> None:
    app_layer = sorted((ROOT / "fakeopenai" / "_app").glob("*.py"))
    assert len(app_layer) > 5
    socket_import = re.compile(r"^\s*(?:from|import)\s+[.\w]*\b_http\b", re.MULTILINE)
    reaching = [path.name for path in app_layer if socket_import.search(path.read_text(encoding="utf-8"))]
    assert reaching == [], "the app answers any carrier (socket, no-socket transport, batch line): keep it free of _http"
