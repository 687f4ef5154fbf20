"""The documentation builds, and every line of Python it shows is a test that runs.

Pages show code only by including files of `tests/examples/` (pymdownx.snippets,
`--8<-- "tests/examples/test_x.py:section"`); those files are ordinary tests, so
an example that stops working fails the suite.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import fakeopenai

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
EXAMPLES = ROOT / "tests" / "examples"
PYTHON = {"python", "py", "python3", "pycon"}
FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`]*)$")
INCLUDE = re.compile(r'^--8<--\s+"(?P<path>[^":]+)(?::(?P<section>[\w-]+))?"$')


@dataclass(frozen=True)
class Block:
    page: str
    line: int
    language: str
    text: str


def pages() -> list[Path]:
    return sorted(DOCS.glob("**/*.md"))


def code_blocks(page: Path) -> list[Block]:
    """The fenced code blocks of a page, with the line each starts on."""
    blocks = []
    lines = page.read_text(encoding="utf-8").splitlines()
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if opening is None:
            index += 1
            continue
        fence, start = opening["fence"], index
        language = (opening["info"].split() or [""])[0].lstrip(".").lower()
        body = []
        index += 1
        while index < len(lines) and not lines[index].strip().startswith(fence):
            body.append(lines[index])
            index += 1
        blocks.append(Block(str(page.relative_to(ROOT)), start + 1, language, "\n".join(body)))
        index += 1
    return blocks


def python_blocks() -> list[Block]:
    return [block for page in pages() for block in code_blocks(page) if block.language in PYTHON]


def includes() -> list[tuple[Block, str, str | None]]:
    """Every snippet include in a Python block: (block, path, section)."""
    found = []
    for block in python_blocks():
        for line in block.text.splitlines():
            match = INCLUDE.match(line.strip())
            if match:
                found.append((block, match["path"], match["section"]))
    return found


def test_docs_have_python_examples() -> None:
    assert len(python_blocks()) > 20, "the parser found too few code blocks: is it still reading the pages?"


def test_every_python_block_is_an_included_example() -> None:
    untested = [
        f"{block.page}:{block.line}"
        for block in python_blocks()
        if not all(INCLUDE.match(line.strip()) for line in block.text.splitlines() if line.strip())
    ]
    assert not untested, (
        "These Python blocks hold code that no test runs. Put the code in a test under tests/examples/ "
        '(with "# --8<-- [start:name]" / "# --8<-- [end:name]" around the part to show) and include it with '
        '--8<-- "tests/examples/test_x.py:name":\n  ' + "\n  ".join(untested)
    )


def test_every_include_names_an_existing_example_and_section() -> None:
    problems = []
    for block, path, section in includes():
        where = f"{block.page}:{block.line}"
        file = ROOT / path
        if not path.startswith("tests/examples/test_") or not path.endswith(".py"):
            problems.append(f"{where}: {path} is not a test file under tests/examples/, so nothing runs it")
        elif not file.is_file():
            problems.append(f"{where}: {path} does not exist")
        elif section is not None:
            text = file.read_text(encoding="utf-8")
            for marker in (f"# --8<-- [start:{section}]", f"# --8<-- [end:{section}]"):
                if text.count(marker) != 1:
                    problems.append(f"{where}: {path} needs exactly one line {marker!r}")
    assert not problems, "\n".join(problems)


def test_every_example_is_shown_in_the_docs() -> None:
    shown = {path for _, path, _ in includes()}
    examples = {str(file.relative_to(ROOT)) for file in EXAMPLES.glob("test_*.py")}
    assert examples - shown == set(), "examples that no page includes"


def test_reference_documents_every_public_name() -> None:
    reference = (DOCS / "reference.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^::: fakeopenai\.(\w+)", reference, re.MULTILINE))
    assert set(fakeopenai.__all__) - documented == set(), "public names missing from docs/reference.md"
    assert documented - set(fakeopenai.__all__) == set(), "docs/reference.md documents names that are not public"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    return subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=300, env=env)


def test_options_named_in_the_docs_exist() -> None:
    text = "\n".join(page.read_text(encoding="utf-8") for page in pages())
    pytest_help = run("-m", "pytest", "--help").stdout
    serve_help = run("-m", "fakeopenai._cli", "serve", "--help").stdout
    named = set(re.findall(r"(?<![\w-])(--fakeopenai-[a-z-]+|fakeopenai_[a-z_]+)", text))
    missing = sorted(name for name in named if name not in pytest_help)
    serve_page = (DOCS / "outside-pytest.md").read_text(encoding="utf-8")
    serve_options = set(re.findall(r"`(--[a-z][a-z-]+)", serve_page))
    missing += sorted(f"fakeopenai serve {option}" for option in serve_options if option not in serve_help)
    assert named and serve_options
    assert not missing, "options the docs name but the code does not have: " + ", ".join(missing)


def test_mkdocs_build_strict(tmp_path: Path) -> None:
    result = run(
        "-m", "mkdocs", "build", "--strict", "--config-file", str(ROOT / "mkdocs.yml"), "--site-dir", str(tmp_path)
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "index.html").is_file()
    assert "--8&lt;--" not in (tmp_path / "quickstart" / "index.html").read_text(encoding="utf-8")
