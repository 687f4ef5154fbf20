"""A refused save keeps the good recordings and tells which one was left out; the real key never reaches output.

pytest runs inside pytest (`pytester`) and `fakeopenai serve` in a subprocess; the upstream is a second local fake.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pytester_runs import run
from serving import Served, chat

from fakeopenai import FakeOpenAI
from fakeopenai._recording.cassette import CassetteError, parse

REAL_KEY = "sk-proj-RealUpstreamKey" + "Zz8" * 10
ASIDE_KEY = "key-" + "0001"
LEAKED = "ghp_" + "LeakedToken0123456789abcdefghijklmnop"


@pytest.fixture
def upstream() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


def say(base_url: str, text: str, **body: Any) -> httpx.Response:
    return chat(base_url, messages=[{"role": "user", "content": text}], **body)


def contents(path: Path) -> list[str]:
    return [str(i.request.body["messages"][0]["content"]) for i in parse(path.read_text(), str(path))]


SUITE = """
import logging, openai, pytest

def ask(text):
    return openai.OpenAI(max_retries=0).chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": text}]
    )

@pytest.mark.fakeopenai(cassette=True)
def test_two_recordings(fake_openai):
    logging.getLogger("app").warning("recording two requests")
    assert ask("good").choices[0].message.content == "fine"
    assert ask("bad").choices[0].message.content.startswith("here: ")
"""


@pytest.mark.parametrize("flags", [["--tb=long", "--showlocals"], ["--tb=native", "-l"]])
def test_a_refused_recording_fails_the_test_keeps_the_good_one_and_never_shows_the_key(
    pytester: pytest.Pytester, upstream: FakeOpenAI, monkeypatch: pytest.MonkeyPatch, flags: list[str]
) -> None:
    monkeypatch.setenv("FAKEOPENAI_UPSTREAM_API_KEY", REAL_KEY)
    upstream.chat.respond_with_message("fine")
    upstream.chat.respond_with_message(f"here: {LEAKED} and {REAL_KEY}")
    pytester.makepyfile(test_refused=SUITE)
    result = run(
        pytester,
        *flags,
        "-rA",
        "--log-level=DEBUG",
        "--openai-record-mode=once",
        f"--openai-upstream={upstream.base_url}",
    )

    result.assert_outcomes(passed=1, errors=1)
    lines = result.outlines + result.errlines
    for line in lines:
        assert REAL_KEY not in line and LEAKED not in line, line
        assert REAL_KEY[8:24] not in line, line
    refusal = [line for line in lines if "left out of the cassette" in line]
    assert refusal and "#1 POST /v1/chat/completions" in refusal[0], "\n".join(lines)
    assert "GitHub Token (ghp_…" in refusal[0] and "the upstream API key" in refusal[0]
    cassette = pytester.path / "cassettes" / "test_refused" / "test_two_recordings.yaml"
    assert contents(cassette) == ["good"]


def _serve(cassette: Path, upstream: FakeOpenAI, *extra: str) -> Served:
    return Served(
        "--cassette",
        str(cassette),
        "--record-mode",
        "new_episodes",
        "--upstream",
        upstream.base_url,
        *extra,
        env={"FAKEOPENAI_UPSTREAM_API_KEY": REAL_KEY},
    )


def test_serve_keeps_recording_after_a_refusal_at_reset_and_saves_the_good_ones_at_sigterm(
    tmp_path: Path, upstream: FakeOpenAI
) -> None:
    cassette = tmp_path / "serve.yaml"
    upstream.chat.respond_with("one", f"leak {LEAKED}", "three", f"leak {LEAKED} again", "five")
    server = _serve(cassette, upstream)
    try:
        for content in ("first", "second"):
            assert say(server.base_url, content).status_code == 200
        reset = httpx.post(server.control + "/reset", timeout=10)
        assert reset.status_code == 200, reset.text
        left_out = reset.json()["left_out"]
        assert len(left_out) == 1 and "#1 POST /v1/chat/completions" in left_out[0] and LEAKED not in left_out[0]
        assert contents(cassette) == ["first"]

        for content in ("third", "fourth", "fifth"):
            answer = say(server.base_url, content)
            assert answer.status_code == 200 and server.next_api_line().endswith("[cassette]")
    finally:
        code, stderr = server.stop(signal.SIGTERM)
    assert code == 0, stderr
    assert "Traceback" not in stderr and LEAKED not in stderr and REAL_KEY not in stderr
    refusals = [line for line in stderr.splitlines() if "left out of the cassette" in line]
    assert len(refusals) == 2 and "#1 POST /v1/chat/completions" in refusals[1], stderr
    assert contents(cassette) == ["first", "third", "fifth"]


def test_serve_redaction_options_rewrite_what_is_recorded(tmp_path: Path, upstream: FakeOpenAI) -> None:
    cassette = tmp_path / "redacted.yaml"
    upstream.chat.respond_with_message(f"token {LEAKED}", always=True)
    server = _serve(cassette, upstream, "--redact", r"ghp_[A-Za-z0-9]+", "--redact-json-key", "user")
    try:
        assert say(server.base_url, "hi", user="alice@example.com").status_code == 200
    finally:
        code, stderr = server.stop(signal.SIGTERM)
    assert code == 0 and "left out" not in stderr, stderr
    text = cassette.read_text()
    assert LEAKED not in text and "alice@example.com" not in text
    assert "token REDACTED" in text and '"user": "REDACTED"' in text

    player = Served("--cassette", str(cassette), "--redact-json-key", "user")
    try:
        replayed = say(player.base_url, "hi", user="bob@example.com")
        assert replayed.status_code == 200 and replayed.json()["choices"][0]["message"]["content"] == "token REDACTED"
    finally:
        code, stderr = player.stop()
    assert code == 0, stderr


def test_recordings_are_set_aside_when_the_cassette_on_disk_is_damaged(tmp_path: Path, upstream: FakeOpenAI) -> None:
    path = tmp_path / "shared.yaml"
    with FakeOpenAI() as fake, pytest.raises(CassetteError) as refused:
        with fake.use_cassette(path, record_mode="new_episodes", upstream=upstream.base_url, upstream_api_key=ASIDE_KEY):
            assert say(fake.base_url, "kept aside").status_code == 200
            path.write_text("interactions:\n- request: {method: POST\n", encoding="utf-8")  # another writer, cut short

    aside = tmp_path / f"shared.unsaved-{os.getpid()}.yaml"
    assert str(aside) in str(refused.value) and str(path) in str(refused.value)
    assert ASIDE_KEY not in str(refused.getrepr(showlocals=True, style="long"))
    assert contents(aside) == ["kept aside"]
    assert path.read_text(encoding="utf-8").startswith("interactions:\n- request: {method: POST")
