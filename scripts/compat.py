"""Run the test suite against the newest and the oldest supported releases of what fakeopenai works with.

CI installs the pinned versions in `constraints.txt`; this script checks the
rest of the supported range, outside CI's time budget. Each row gets a fresh
virtualenv under `.compat/<row>/`, the project with its test extras, the
versions the row names, and then the README's test command:

    python scripts/compat.py                      # every row
    python scripts/compat.py --only newest oldest
    python scripts/compat.py --python python3.13 --only newest
    python scripts/compat.py --refresh-constraints  # rewrite constraints.txt from the newest allowed releases

Rows:

- `newest`: the newest release of everything pyproject allows (openai 3.x on httpx2).
- `newest-openai2`: the same with the newest openai 2.x, the SDK line built on httpx.
- `oldest`: the lower bound of every core dependency in pyproject (werkzeug,
  jsonschema, vcrpy, httpx, anyio, pyyaml, detect-secrets) and of the test
  runners and packages the tests lean on (pytest, pytest-xdist,
  pytest-asyncio, httpx2, pydantic), with the oldest supported openai 3.x.
- `oldest-openai2`: those lower bounds with the oldest supported openai 2.x.

One test is deselected in every row: `test_shipped_schemas_match_the_generator`
compares the schemas shipped in `fakeopenai/schemas/` with what the generator
makes from the installed SDK, and so passes only with the SDK pinned in
`constraints.txt`, which generated them.

It prints one line per row and exits 1 if any row failed. It reaches PyPI
through pip as configured on this machine and nothing else.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENVS = ROOT / ".compat"
CONSTRAINTS = ROOT / "constraints.txt"

OLDEST_OPENAI_3 = "3.57.0"
"""The oldest supported release of the SDK line built on httpx2: the one the shipped schemas were generated from.

The suite checks the fake's answers against the SDK's own types, so it needs an SDK that knows every event
and field the fake sends; openai 3.0.0 fails 34 of its tests, 2.0.0 fails 144."""
OLDEST_OPENAI_2 = "2.45.0"
"""The oldest supported release of the SDK line built on httpx: 2.44 lacks `cache_write_tokens`, which the fake reports."""
CORE = ("werkzeug", "jsonschema", "vcrpy", "httpx", "anyio", "pyyaml", "detect-secrets")
"""The runtime dependencies whose lower bounds the `oldest` rows install."""
TEST_CORE = ("pytest", "pytest-xdist", "pytest-asyncio", "httpx2", "pydantic")
"""The test extras whose lower bounds the `oldest` rows install as well."""
SHOWN = ("openai", "httpx", "httpx2", "vcrpy", "pytest", "werkzeug", "pydantic", "jsonschema")
GENERATOR_TEST = "tests/validation/test_validation.py::test_shipped_schemas_match_the_generator"


@dataclass(frozen=True)
class Row:
    """One environment to test: its name and what pip installs beside `-e .[test]`."""

    name: str
    pins: tuple[str, ...]
    upgrade: bool = False


def lower_bounds(names: tuple[str, ...]) -> list[str]:
    """`name==X` for each `name>=X` that pyproject declares, in its dependencies or its test extras."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    pins = []
    for name in names:
        match = re.search(rf'"{re.escape(name)}(?:\[[^\]]*\])?>=([0-9][^",;]*)"', text, re.IGNORECASE)
        if match is None:
            raise SystemExit(f"pyproject.toml declares no lower bound for {name}.")
        pins.append(f"{name}=={match.group(1)}")
    return pins


def rows() -> list[Row]:
    """Every row of the matrix."""
    oldest = (*CORE, *TEST_CORE)
    return [
        Row("newest", ("openai",), upgrade=True),
        Row("newest-openai2", ("openai<3",), upgrade=True),
        Row("oldest", (*lower_bounds(oldest), f"openai=={OLDEST_OPENAI_3}")),
        Row("oldest-openai2", (*lower_bounds(oldest), f"openai=={OLDEST_OPENAI_2}")),
    ]


def run(command: list[str], log: Path) -> int:
    """Run `command` in the project's folder, its output appended to `log`; its exit code."""
    with log.open("a", encoding="utf-8") as out:
        out.write(f"$ {' '.join(command)}\n")
        out.flush()
        return subprocess.run(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, check=False).returncode


def make_venv(name: str, log: Path, interpreter: str = sys.executable) -> Path:
    """A fresh virtualenv `.compat/<name>` made by `interpreter`, with a current pip; its python."""
    venv = VENVS / name
    if run([interpreter, "-m", "venv", "--clear", str(venv)], log) != 0:
        raise SystemExit(f"Could not create {venv}; see {log}.")
    python = venv / "bin" / "python"
    run([str(python), "-m", "pip", "install", "--quiet", "--upgrade", "pip"], log)
    return python


def versions(python: Path) -> str:
    """The installed versions of the packages the matrix is about, as `name version` pairs."""
    listing = subprocess.run(
        [str(python), "-m", "pip", "list", "--format=freeze"], capture_output=True, text=True, check=False
    ).stdout
    found = dict(line.lower().split("==", 1) for line in listing.splitlines() if "==" in line)
    version = subprocess.run(
        [str(python), "-c", "import platform; print(platform.python_version())"], capture_output=True, text=True
    ).stdout.strip()
    return ", ".join([f"Python {version}", *(f"{name} {found[name]}" for name in SHOWN if name in found)])


def test_row(row: Row, pytest_args: list[str], interpreter: str) -> tuple[bool, str]:
    """Install and test one row with `interpreter`; whether it passed, and its summary line."""
    log = VENVS / f"{row.name}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text("", encoding="utf-8")
    python = make_venv(row.name, log, interpreter)
    install = [str(python), "-m", "pip", "install", "--quiet", "-e", ".[test]", *row.pins]
    if row.upgrade:
        install[4:4] = ["--upgrade", "--upgrade-strategy", "eager"]
    if run(install, log) != 0:
        return False, f"install failed; see {log}"
    started = time.monotonic()
    code = run(
        [str(python), "-m", "pytest", "-n", "2", "-p", "no:cacheprovider", "--deselect", GENERATOR_TEST, *pytest_args],
        log,
    )
    lines = [
        line for line in log.read_text(encoding="utf-8").splitlines() if re.search(r"\b(passed|failed|error)", line)
    ]
    summary = lines[-1].strip("= ") if lines else f"exit {code}"
    return code == 0, f"{summary} [{time.monotonic() - started:.0f} s] ({versions(python)})"


def schema_generator_pins() -> list[str]:
    """`openai==X` and `pydantic==Y`: the versions that generated the shipped schemas, which the constraints keep."""
    schema = json.loads((ROOT / "fakeopenai" / "schemas" / "chat.completions.create.json").read_text(encoding="utf-8"))
    return [
        f"{name}=={version}" for name, version in re.findall(r"(openai|pydantic) ([0-9][^,\s]*)", schema["x-generator"])
    ]


def refresh_constraints() -> int:
    """Rewrite constraints.txt from a fresh install of the newest releases pyproject allows.

    openai and pydantic stay at the versions that generated the shipped schemas
    (regenerate them first, with `python scripts/generate_schemas.py`, to move them).
    """
    log = VENVS / "constraints.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text("", encoding="utf-8")
    python = make_venv("constraints", log)
    if run([str(python), "-m", "pip", "install", "--quiet", "-e", ".[test]", *schema_generator_pins()], log) != 0:
        print(f"install failed; see {log}", file=sys.stderr)
        return 1
    frozen = subprocess.run(
        [str(python), "-m", "pip", "freeze", "--exclude-editable"], capture_output=True, text=True, check=True
    ).stdout
    header = (
        '# The versions the README\'s commands and CI install: `pip install -c constraints.txt -e ".[test]"`.\n'
        "# Refreshed on purpose with `python scripts/compat.py --refresh-constraints`, then the whole suite;\n"
        f"# made with Python {sys.version_info.major}.{sys.version_info.minor}.\n"
    )
    CONSTRAINTS.write_text(header + frozen, encoding="utf-8")
    print(f"wrote {CONSTRAINTS.relative_to(ROOT)} ({len(frozen.splitlines())} pins); now run the whole suite")
    return 0


def main(argv: list[str] | None = None) -> int:
    """The command line: test the rows asked for, or refresh the constraints."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", metavar="ROW", help="the rows to run (default: all)")
    parser.add_argument("--python", default=sys.executable, help="the Python to make the virtualenvs with")
    parser.add_argument("--refresh-constraints", action="store_true", help="rewrite constraints.txt and stop")
    parser.add_argument("pytest_args", nargs="*", help="passed to pytest after `--`")
    args = parser.parse_args(argv)
    if args.refresh_constraints:
        return refresh_constraints()
    selected = rows()
    if args.only:
        unknown = set(args.only) - {row.name for row in selected}
        if unknown:
            parser.error(
                f"unknown row(s) {', '.join(sorted(unknown))}; the rows are {', '.join(r.name for r in selected)}"
            )
        selected = [row for row in selected if row.name in args.only]
    failed = 0
    for row in selected:
        passed, summary = test_row(row, args.pytest_args, args.python)
        failed += not passed
        print(f"{'PASS' if passed else 'FAIL'} {row.name}: {summary}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
