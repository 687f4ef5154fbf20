"""Cassettes in the pytest plugin, run inside pytest with `pytester`; the upstream is a local fake on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytester_runs import run
from sdk_shapes import SDK_LINE

from fakeopenai import FakeOpenAI
from fakeopenai._recording.cassette import parse

SECRET_HEADERS = ("authorization", "api-key", "openai-organization", "openai-project", "cookie", "set-cookie")

SUITE = """
import openai, pytest

pytestmark = pytest.mark.fakeopenai(cassette=True)

def ask(text, **extra):
    return openai.OpenAI(max_retries=0, organization="org-acme", project="proj_1").chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": text}], **extra
    )

def test_plain(fake_openai):
    assert ask("plain").choices[0].message.content
    assert fake_openai.chat.calls.last.answered_by == "cassette"

def test_stream(fake_openai):
    chunks = list(ask("stream", stream=True, stream_options={"include_usage": True}))
    assert chunks[-1].usage.total_tokens > 0

@pytest.mark.fakeopenai(cassette="shared")
def test_shared_a(fake_openai):
    ask("shared a")

@pytest.mark.fakeopenai(cassette="shared")
def test_shared_b(fake_openai):
    ask("shared b")

class TestGroup:
    def test_in_class(self, fake_openai):
        ask("in class")

@pytest.mark.fakeopenai(cassette=False)
def test_without_cassette(fake_openai):
    assert fake_openai.cassette is None
    assert fake_openai.chat.calls == [] and ask("simulated").choices[0].message.content
"""


@pytest.fixture
def upstream(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeOpenAI]:
    for name in ("FAKEOPENAI_RECORD_MODE", "FAKEOPENAI_UPSTREAM", "OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("FAKEOPENAI_UPSTREAM_API_KEY", "upstream-plugin-test-key")
    with FakeOpenAI() as server:
        yield server
        server.reset()


def test_record_once_then_replay_without_the_network(pytester: pytest.Pytester, upstream: FakeOpenAI) -> None:
    pytester.makepyfile(test_suite=SUITE)
    directory = pytester.path / "cassettes" / "test_suite"

    missing = run(pytester)
    missing.assert_outcomes(passed=1, failed=5)
    miss = f"no recorded answer for POST /v1/chat/completions in the cassette {directory}/test_plain.yaml"
    hint = "The cassette file does not exist: record it with --openai-record-mode=once."
    if SDK_LINE >= 3:  # openai 3.x puts the API's message in the error's text
        lines = [f"E * openai.BadRequestError: Error code: 400 - fakeopenai: {miss} (record mode 'none').", f"E * {hint}"]
    else:  # openai 2.x puts the whole error body there
        lines = [f"E * openai.BadRequestError: Error code: 400 - *fakeopenai: {miss} (record mode 'none').\\n{hint}*"]
    missing.stdout.fnmatch_lines(lines)
    assert upstream.calls.call_count == 0 and not directory.exists()

    recording = run(pytester, "--openai-record-mode=once", f"--openai-upstream={upstream.base_url}")
    recording.assert_outcomes(passed=6)
    recorded_calls = upstream.calls.call_count
    assert recorded_calls == 5
    assert sorted(p.name for p in directory.iterdir()) == [
        "TestGroup.test_in_class.yaml",
        "shared.yaml",
        "test_plain.yaml",
        "test_stream.yaml",
    ]
    assert len(parse((directory / "shared.yaml").read_text(), "shared")) == 2
    assert upstream.calls.last.headers["authorization"] == "Bearer upstream-plugin-test-key"
    for path in directory.iterdir():
        text = path.read_text().lower()
        assert not [h for h in SECRET_HEADERS if f"{h}:" in text], path
        assert "upstream-plugin-test-key" not in text and "org-acme" not in text

    replay = run(pytester)
    replay.assert_outcomes(passed=6)
    assert upstream.calls.call_count == recorded_calls

    before = {p.name: p.read_text() for p in directory.iterdir()}
    again = run(
        pytester, "test_suite.py::test_plain", "--openai-record-mode=all", f"--openai-upstream={upstream.base_url}"
    )
    again.assert_outcomes(passed=1)
    after = {p.name: p.read_text() for p in directory.iterdir()}
    assert [name for name in before if before[name] != after[name]] == ["test_plain.yaml"]
    assert upstream.calls.call_count == recorded_calls + 1


def test_recording_under_xdist_keeps_every_interaction(pytester: pytest.Pytester, upstream: FakeOpenAI) -> None:
    pytester.makepyfile(
        test_parallel="""
        import openai, pytest

        def ask(text):
            return openai.OpenAI(max_retries=0).chat.completions.create(
                model="gpt-4o-mini", messages=[{"role": "user", "content": text}]
            )

        @pytest.mark.parametrize("n", range(8))
        @pytest.mark.fakeopenai(cassette=True)
        def test_own(fake_openai, n):
            ask(f"own {n}")

        @pytest.mark.parametrize("n", range(8))
        @pytest.mark.fakeopenai(cassette="together")
        def test_shared(fake_openai, n):
            ask(f"shared {n}")
            ask(f"shared {n}, again")
        """
    )
    directory = pytester.path / "cassettes" / "test_parallel"
    recording = pytester.runpytest_subprocess(
        "-n", "4", "-p", "xdist", "--openai-record-mode=once", f"--openai-upstream={upstream.base_url}"
    )
    recording.assert_outcomes(passed=16)
    assert sorted(p.name for p in directory.iterdir()) == sorted(
        [f"test_own[{n}].yaml" for n in range(8)] + ["together.yaml"]
    )
    shared = parse((directory / "together.yaml").read_text(), "together")
    assert len(shared) == 16
    assert len({i.request_body for i in shared}) == 16
    calls = upstream.calls.call_count

    replay = run(pytester)
    replay.assert_outcomes(passed=16)
    assert upstream.calls.call_count == calls


def test_a_key_in_a_recording_fails_the_test_and_a_redactor_fixes_it(
    pytester: pytest.Pytester, upstream: FakeOpenAI
) -> None:
    leaked = "sk-proj-" + "Zx9" * 16
    upstream.chat.respond_with_message(f"Here is a key: {leaked}", always=True)
    pytester.makepyfile(
        test_leak=f"""
        import openai, pytest

        def hide(document):
            text = __import__("json").dumps(document).replace({leaked!r}, "sk-REDACTED")
            return __import__("json").loads(text)

        def ask():
            openai.OpenAI(max_retries=0).chat.completions.create(
                model="gpt-4o-mini", messages=[{{"role": "user", "content": "key?"}}]
            )

        @pytest.mark.fakeopenai(cassette=True)
        def test_leaks(fake_openai):
            ask()

        @pytest.mark.fakeopenai(cassette=True, redact=hide)
        def test_redacted(fake_openai):
            ask()
        """
    )
    result = run(pytester, "--openai-record-mode=once", f"--openai-upstream={upstream.base_url}")
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(
        ["fakeopenai: recording #0 POST /v1/chat/completions was left out of the cassette *test_leaks.yaml*"
         "OpenAI API key (sk-p…x9) in the response body*"]
    )
    assert leaked not in result.stdout.str()
    directory = pytester.path / "cassettes" / "test_leak"
    assert [p.name for p in directory.iterdir()] == ["test_redacted.yaml"]
    assert "sk-REDACTED" in (directory / "test_redacted.yaml").read_text()


PRECEDENCE = """
# In-process runs forget the modules first imported during them: import the clients here, once, so that
# httpx's lazily imported httpcore stays one module (its exceptions must stay the classes httpx maps).
import httpcore  # noqa: F401
import openai  # noqa: F401
import pytest

def show(fake_openai, label):
    print(f"{label}:", fake_openai.cassette.record_mode, fake_openai.cassette.upstream)

@pytest.mark.fakeopenai(cassette=True, record_mode="new_episodes")
def test_marked(fake_openai):
    show(fake_openai, "MARKED")

@pytest.mark.fakeopenai(cassette="named/deeper")
def test_plain(fake_openai, fakeopenai_cassette_dir):
    assert fake_openai.cassette.path == fakeopenai_cassette_dir / "named" / "deeper.yaml"
    show(fake_openai, "PLAIN")
"""

CONFIGURED = """
# In-process runs forget the modules first imported during them: import the clients here, once, so that
# httpx's lazily imported httpcore stays one module (its exceptions must stay the classes httpx maps).
import httpcore  # noqa: F401
import openai  # noqa: F401
import pytest

@pytest.fixture
def fakeopenai_config():
    return {"cassette": True, "record_mode": "all", "match_ignore": ["user"]}

def test_configured(fake_openai):
    assert fake_openai.cassette.rules.ignore == ("user",)
    print("CONFIGURED:", fake_openai.cassette.record_mode, fake_openai.cassette.upstream)
"""


@pytest.mark.parametrize(
    ("args", "environment", "ini", "expected"),
    [
        ((), {}, "", {"MARKED": "new_episodes", "PLAIN": "none", "CONFIGURED": "all"}),
        ((), {}, "fakeopenai_record_mode = once", {"MARKED": "new_episodes", "PLAIN": "once", "CONFIGURED": "all"}),
        ((), {"FAKEOPENAI_RECORD_MODE": "none"}, "", {"MARKED": "none", "PLAIN": "none", "CONFIGURED": "none"}),
        (("--openai-record-mode=all",), {"FAKEOPENAI_RECORD_MODE": "none"}, "", {"MARKED": "all", "PLAIN": "all"}),
    ],
)
def test_record_mode_precedence(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    args: tuple[str, ...],
    environment: dict[str, str],
    ini: str,
    expected: dict[str, str],
) -> None:
    monkeypatch.delenv("FAKEOPENAI_RECORD_MODE", raising=False)
    monkeypatch.delenv("FAKEOPENAI_UPSTREAM", raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    pytester.makeini(f"[pytest]\n{ini}\nfakeopenai_upstream = http://127.0.0.1:1/from-ini\n")
    pytester.makepyfile(test_precedence=PRECEDENCE, test_configured=CONFIGURED)
    result = run(pytester, "-s", *args)
    result.assert_outcomes(passed=3)
    for label, mode in expected.items():
        result.stdout.fnmatch_lines([f"*{label}: {mode} http://127.0.0.1:1/from-ini"])


def test_upstream_from_the_environment_beats_the_ini(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKEOPENAI_UPSTREAM", "http://127.0.0.1:2/v1/")
    pytester.makeini("[pytest]\nfakeopenai_upstream = http://127.0.0.1:1/from-ini\n")
    pytester.makepyfile(test_precedence=PRECEDENCE)
    result = run(pytester, "-s")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*MARKED: new_episodes http://127.0.0.1:2/v1"])
    cli = run(pytester, "-s", "--openai-upstream=http://127.0.0.1:3/v1")
    cli.stdout.fnmatch_lines(["*MARKED: new_episodes http://127.0.0.1:3/v1"])


def test_invalid_record_modes_list_the_valid_ones(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FAKEOPENAI_RECORD_MODE", raising=False)
    pytester.makepyfile(
        test_bad="""
        import pytest

        @pytest.mark.fakeopenai(cassette=True, record_mode="sometimes")
        def test_bad_marker(fake_openai):
            pass

        @pytest.mark.fakeopenai(casette=True)
        def test_misspelt(fake_openai):
            pass
        """
    )
    valid = "'none', 'once', 'new_episodes', 'all'"
    marker = run(pytester)
    marker.assert_outcomes(errors=2)
    marker.stdout.fnmatch_lines(
        [
            f"*The record mode from the fakeopenai marker's record_mode, 'sometimes' is not a record mode; use one of {valid}.",
            "*Unknown keyword(s) casette on the fakeopenai marker; valid ones are: validate, teardown_check, block_real_api, cassette*",
        ]
    )

    monkeypatch.setenv("FAKEOPENAI_RECORD_MODE", "always")
    environment = run(pytester)
    assert environment.ret == pytest.ExitCode.USAGE_ERROR
    environment.stderr.fnmatch_lines([f"*FAKEOPENAI_RECORD_MODE 'always' is not a record mode; use one of {valid}."])

    monkeypatch.delenv("FAKEOPENAI_RECORD_MODE")
    pytester.makeini("[pytest]\nfakeopenai_record_mode = sometimes\n")
    ini = run(pytester)
    assert ini.ret == pytest.ExitCode.USAGE_ERROR
    ini.stderr.fnmatch_lines([f"*fakeopenai_record_mode 'sometimes' is not a record mode; use one of {valid}."])

    cli = run(pytester, "--openai-record-mode=sometimes")
    assert cli.ret == pytest.ExitCode.USAGE_ERROR
    cli.stderr.fnmatch_lines(["*invalid choice: 'sometimes' (choose from *none*once*new_episodes*all*)"])
