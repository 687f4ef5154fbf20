"""Cassettes through `FakeOpenAI.use_cassette`: record against a second local fake acting as the real API, replay.

Every exchange goes over real sockets on 127.0.0.1: the client (the `openai`
SDK or httpx) talks to the fake under test, which records through to an
upstream fake; nothing here reaches any other address.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
import yaml

from fakeopenai import Cassette, CassetteError, FakeOpenAI
from fakeopenai._app.incoming import Incoming
from fakeopenai._http.server import LoopbackServer
from fakeopenai._recording.cassette import Interaction, body_data, dumps, parse

HELLO = [{"role": "user", "content": "Hello"}]
UPSTREAM_KEY = "upstream-test-key-0001"


class Upstream:
    """A second fake on 127.0.0.1 standing in for the real API.

    It can add response headers (as the real API adds `Set-Cookie` or
    `openai-organization`), hold a stream after its first event until `gate`
    is set, or break a stream off after its first event.
    """

    def __init__(self) -> None:
        self.fake = FakeOpenAI()
        self.extra_headers: list[tuple[str, str]] = []
        self.gate: threading.Event | None = None
        self.waited_out = False
        self.break_stream = False
        self._server = LoopbackServer(self._app, "127.0.0.1", 0)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.port}/v1"

    def _app(self, incoming: Incoming, start_response: Any) -> Iterable[bytes]:
        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            return start_response(status, headers + self.extra_headers, exc_info)

        return self._body(self.fake.app.respond(incoming, start))

    def _body(self, body: Iterable[bytes]) -> Iterator[bytes]:
        for number, chunk in enumerate(_one_event_each(body)):
            yield chunk
            if number == 0 and self.break_stream and chunk.startswith(b"data:"):
                raise ConnectionAbortedError("upstream broke off")
            if number == 0 and self.gate is not None:
                self.waited_out = not self.gate.wait(10)

    @property
    def calls(self) -> Any:
        return self.fake.calls


def _one_event_each(body: Iterable[bytes]) -> Iterator[bytes]:
    """The fake sends ready streams in blocks; a real upstream sends event by event."""
    for block in body:
        if not block.startswith((b"data:", b"event:")):
            yield block
            continue
        for event in block.split(b"\n\n"):
            if event:
                yield event + b"\n\n"


@pytest.fixture
def upstream() -> Iterator[Upstream]:
    up = Upstream()
    up._server.start()
    yield up
    up._server.stop()


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI().start()
    yield server
    server.stop()


def use(fake: FakeOpenAI, path: Path, upstream: Upstream, mode: str = "none", **options: Any) -> Any:
    return fake.use_cassette(
        path,
        record_mode=mode,
        upstream=upstream.base_url,
        upstream_api_key=UPSTREAM_KEY,
        **options,  # type: ignore[arg-type]
    )


def post(fake: FakeOpenAI, body: dict[str, Any] | bytes, **headers: str) -> httpx.Response:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return httpx.post(
        fake.base_url + "/chat/completions",
        content=content,
        headers={"Authorization": "Bearer x", "Content-Type": "application/json", **headers},
    )


def stream_bytes(fake: FakeOpenAI, body: dict[str, Any]) -> bytes:
    with httpx.stream(
        "POST", fake.base_url + "/chat/completions", json=body, headers={"Authorization": "Bearer x"}
    ) as response:
        assert response.status_code == 200
        return b"".join(response.iter_bytes())


def chat(content: str = "Hello", **extra: Any) -> dict[str, Any]:
    return {"model": "gpt-4o", "messages": [{"role": "user", "content": content}], **extra}


def test_replay_gives_the_client_the_recorded_bytes_and_events(
    tmp_path: Path, upstream: Upstream, fake: FakeOpenAI
) -> None:
    upstream.fake.chat.respond_with_message("Bonjour, ça va ? 👋", always=True)
    path = tmp_path / "session.yaml"
    client = fake.client(max_retries=0)

    with use(fake, path, upstream, "once"):
        recorded_json = post(fake, chat()).content
        recorded_stream = stream_bytes(fake, chat(stream=True))
        recorded_chunks = [
            c.model_dump() for c in client.chat.completions.create(model="gpt-4o", messages=HELLO, stream=True)
        ]
    upstream_calls = upstream.calls.call_count
    assert upstream_calls == 3

    with use(fake, path, upstream) as cassette:
        assert post(fake, chat()).content == recorded_json
        assert stream_bytes(fake, chat(stream=True)) == recorded_stream
        replayed = [c.model_dump() for c in client.chat.completions.create(model="gpt-4o", messages=HELLO, stream=True)]
        assert cassette.recorded == []
    assert replayed == recorded_chunks
    assert upstream.calls.call_count == upstream_calls
    assert [c.answered_by for c in fake.calls[-3:]] == ["cassette"] * 3
    assert fake.calls[-1].response[-1] == "[DONE]"

    text = path.read_text()
    assert "!!binary" not in text and "gzip" not in text
    assert '    "content": "Hello"' in text
    assert "Bonjour, ça va ? 👋" in text
    events = [e for e in recorded_stream.split(b"\n\n") if e]
    assert text.count("data: ") == 2 * len(events)
    assert fake.report() is None


def test_none_never_calls_upstream_and_a_miss_names_cassette_mode_request_and_diff(
    tmp_path: Path, upstream: Upstream, fake: FakeOpenAI
) -> None:
    path = tmp_path / "recorded.yaml"
    with use(fake, path, upstream, "once"):
        post(fake, chat("What is the capital of France?", temperature=0.2))
    before = upstream.calls.call_count

    with use(fake, path, upstream):
        with pytest.raises(openai.BadRequestError) as caught:
            fake.client(max_retries=0).chat.completions.create(
                model="gpt-4o", messages=[{"role": "user", "content": "What is the capital of Spain?"}], temperature=0.7
            )
    assert upstream.calls.call_count == before
    error = caught.value
    assert error.code == "cassette_miss"
    message = str(error.body["message"])  # type: ignore[index]
    assert str(path) in message and "record mode 'none'" in message
    assert "POST /v1/chat/completions" in message
    assert (
        'body.messages[0].content: recorded "What is the capital of France?", sent "What is the capital of Spain?"'
        in message
    )
    assert "body.temperature: recorded 0.2, sent 0.7" in message
    assert fake.calls.last.unmatched is not None and "body.temperature" in fake.calls.last.unmatched
    report = fake.report()
    assert report is not None and "Requests nothing could answer" in report and str(path) in report

    fake.reset()
    with use(fake, tmp_path / "missing.yaml", upstream):
        response = post(fake, chat())
    assert response.status_code == 400
    assert "does not exist: record it with --openai-record-mode=once" in response.json()["error"]["message"]
    assert not (tmp_path / "missing.yaml").exists()
    fake.reset()


def test_once_records_a_new_cassette_then_only_replays(tmp_path: Path, upstream: Upstream, fake: FakeOpenAI) -> None:
    path = tmp_path / "once.yaml"
    with use(fake, path, upstream, "once"):
        post(fake, chat("one"))
        post(fake, chat("one"))
    assert upstream.calls.call_count == 2
    assert len(parse(path.read_text(), "x")) == 2

    with use(fake, path, upstream, "once"):
        assert post(fake, chat("one")).status_code == 200
        assert post(fake, chat("two")).json()["error"]["code"] == "cassette_miss"
    assert upstream.calls.call_count == 2
    assert len(parse(path.read_text(), "x")) == 2
    fake.reset()


def test_new_episodes_replays_what_it_has_and_appends_the_rest(
    tmp_path: Path, upstream: Upstream, fake: FakeOpenAI
) -> None:
    path = tmp_path / "episodes.yaml"
    upstream.fake.chat.respond_with_message("first answer")
    with use(fake, path, upstream, "new_episodes"):
        post(fake, chat("one"))
    upstream.fake.chat.respond_with_message("second answer")
    with use(fake, path, upstream, "new_episodes") as cassette:
        assert post(fake, chat("one")).json()["choices"][0]["message"]["content"] == "first answer"
        assert post(fake, chat("two")).json()["choices"][0]["message"]["content"] == "second answer"
        assert len(cassette.recorded) == 1
    assert upstream.calls.call_count == 2
    stored = parse(path.read_text(), "x")
    assert [json.loads(i.request_body or b"")["messages"][0]["content"] for i in stored] == ["one", "two"]


def test_all_records_everything_again_and_keeps_other_recordings(
    tmp_path: Path, upstream: Upstream, fake: FakeOpenAI
) -> None:
    path = tmp_path / "all.yaml"
    upstream.fake.chat.respond_with("old one", "old two")
    with use(fake, path, upstream, "once"):
        post(fake, chat("one"))
        post(fake, chat("two"))
    upstream.fake.chat.respond_with_message("new one")
    with use(fake, path, upstream, "all"):
        assert post(fake, chat("one")).json()["choices"][0]["message"]["content"] == "new one"
    assert upstream.calls.call_count == 3
    stored = parse(path.read_text(), "x")
    answers = {
        json.loads(i.request_body or b"")["messages"][0]["content"]: json.loads(i.response_body)["choices"][0][
            "message"
        ]["content"]
        for i in stored
    }
    assert answers == {"two": "old two", "one": "new one"}


def test_secret_headers_never_reach_the_file(tmp_path: Path, upstream: Upstream, fake: FakeOpenAI) -> None:
    upstream.extra_headers = [
        ("Set-Cookie", "__cf_bm=abc123; path=/"),
        ("openai-organization", "org-acme"),
        ("openai-project", "proj_secret"),
        ("x-ratelimit-remaining-requests", "499"),
    ]
    path = tmp_path / "headers.yaml"
    client = fake.client(
        max_retries=0,
        organization="org-acme",
        project="proj_secret",
        default_headers={"Cookie": "session=s3cr3t", "api-key": "azure-key-value"},
    )
    with use(fake, path, upstream, "once"):
        reply = client.chat.completions.with_raw_response.create(model="gpt-4o", messages=HELLO)
        list(client.chat.completions.create(model="gpt-4o", messages=HELLO, stream=True))
    assert reply.headers["x-ratelimit-remaining-requests"] == "499"
    sent = upstream.calls.last.headers
    assert sent["authorization"] == f"Bearer {UPSTREAM_KEY}"
    assert sent["openai-organization"] == "org-acme"

    text = path.read_text().lower()
    for name in ("authorization", "api-key", "openai-organization", "openai-project", "cookie", "set-cookie"):
        assert f"{name}:" not in text, name
    for value in (UPSTREAM_KEY, "bearer", "org-acme", "proj_secret", "s3cr3t", "azure-key-value", "abc123"):
        assert value.lower() not in text, value
    assert "x-ratelimit-remaining-requests" in text


def test_a_key_in_a_body_is_refused_and_the_old_cassette_kept(
    tmp_path: Path, upstream: Upstream, fake: FakeOpenAI
) -> None:
    path = tmp_path / "keys.yaml"
    with use(fake, path, upstream, "once"):
        post(fake, chat("harmless"))
    before = path.read_bytes()

    leaked = "sk-proj-" + "A1b2C3d4" * 6
    upstream.fake.chat.respond_with_message(f"Your key is {leaked}")
    with pytest.raises(CassetteError) as caught, use(fake, path, upstream, "new_episodes"):
        post(fake, chat("what is my key?"))
    message = str(caught.value)
    assert "recording #0 POST /v1/chat/completions was left out of the cassette" in message
    assert "OpenAI API key (sk-p…d4) in the response body" in message
    assert leaked not in message
    assert path.read_bytes() == before

    upstream.fake.chat.respond_with_message(f"The key you sent was {UPSTREAM_KEY}")
    with pytest.raises(CassetteError, match="the upstream API key"), use(fake, path, upstream, "new_episodes"):
        post(fake, chat("echo"))
    assert path.read_bytes() == before
    assert list(tmp_path.glob(".*.tmp")) == []


def test_redactors_rewrite_bodies_and_redacted_recordings_still_match(
    tmp_path: Path, upstream: Upstream, fake: FakeOpenAI
) -> None:
    def hide_user(document: Any) -> Any:
        if isinstance(document, dict) and "user" in document:
            return {**document, "user": "REDACTED"}
        return document

    def hide_ids(document: Any) -> Any:
        if isinstance(document, dict) and str(document.get("id", "")).startswith("chatcmpl-"):
            return {**document, "id": "chatcmpl-REDACTED"}
        return document

    path = tmp_path / "redacted.yaml"
    with use(fake, path, upstream, "once", redact=[hide_user, hide_ids]):
        post(fake, chat(user="alice@example.com"))
        stream_bytes(fake, chat(user="alice@example.com", stream=True))
    text = path.read_text()
    assert "alice@example.com" not in text
    assert '"user": "REDACTED"' in text
    assert "chatcmpl-REDACTED" in text and text.count('"id":"chatcmpl-REDACTED"') > 3

    with use(fake, path, upstream, redact=[hide_user, hide_ids]):
        assert post(fake, chat(user="alice@example.com")).json()["id"] == "chatcmpl-REDACTED"
        assert b"chatcmpl-REDACTED" in stream_bytes(fake, chat(user="alice@example.com", stream=True))
    assert fake.report() is None


def test_matching_ignores_key_order_whitespace_and_chosen_fields(
    tmp_path: Path, upstream: Upstream, fake: FakeOpenAI
) -> None:
    path = tmp_path / "ignore.yaml"
    recorded = chat(user="run-1", seed=1, metadata={"trace": "t-1", "team": "a"}, temperature=1.0)
    with use(fake, path, upstream, "once"):
        post(fake, recorded)

    spelled_differently = (
        b'{ "temperature" : 1, "metadata": {"team": "a", "trace": "t-2"},\n "seed": 2, "user": "run-2",'
        b'  "messages": [{"content": "Hello", "role": "user"}], "model": "gpt-4o" }'
    )
    with use(fake, path, upstream, match_ignore=["user", "seed", "metadata.trace"]):
        assert post(fake, spelled_differently).status_code == 200
        changed_team = chat(user="run-3", seed=3, metadata={"trace": "t-3", "team": "b"}, temperature=1)
        miss = post(fake, changed_team).json()["error"]["message"]
    assert 'body.metadata.team: recorded "a", sent "b"' in miss
    assert "trace" not in miss and "seed" not in miss
    fake.reset()


def test_repeated_identical_requests_replay_in_order(tmp_path: Path, upstream: Upstream, fake: FakeOpenAI) -> None:
    path = tmp_path / "repeats.yaml"
    upstream.fake.chat.respond_with("first", "second")
    with use(fake, path, upstream, "once"):
        post(fake, chat())
        post(fake, chat())

    def content(response: httpx.Response) -> str:
        return str(response.json()["choices"][0]["message"]["content"])

    with use(fake, path, upstream):
        assert [content(post(fake, chat())) for _ in range(2)] == ["first", "second"]
        third = post(fake, chat()).json()["error"]["message"]
    assert "2 recording(s) of this request, all replayed already" in third
    fake.reset()
    with use(fake, path, upstream, allow_playback_repeats=True):
        assert [content(post(fake, chat())) for _ in range(3)] == ["first", "second", "second"]


def test_a_script_wins_over_the_cassette(tmp_path: Path, upstream: Upstream, fake: FakeOpenAI) -> None:
    path = tmp_path / "inject.yaml"
    upstream.fake.chat.respond_with("answer one", "answer two")
    with use(fake, path, upstream, "once"):
        post(fake, chat("one"))
        post(fake, chat("two"))

    client = fake.client(max_retries=0)
    with use(fake, path, upstream):
        fake.chat.respond_with_error(429, user_message="two")
        first = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "one"}])
        with pytest.raises(openai.RateLimitError):
            client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "two"}])
    assert first.choices[0].message.content == "answer one"
    assert [c.answered_by for c in fake.calls[-2:]] == ["cassette", "script"]


def test_streams_reach_the_client_as_they_arrive_while_recording(
    tmp_path: Path, upstream: Upstream, fake: FakeOpenAI
) -> None:
    upstream.gate = threading.Event()
    upstream.fake.chat.respond_with_message("one two three", chunks=["one", " two", " three"])
    path = tmp_path / "live.yaml"
    with use(fake, path, upstream, "once") as cassette:
        with httpx.stream(
            "POST", fake.base_url + "/chat/completions", json=chat(stream=True), headers={"Authorization": "Bearer x"}
        ) as response:
            lines = response.iter_lines()
            first = next(line for line in lines if line)
            assert cassette.recorded == []
            upstream.gate.set()
            rest = [line for line in lines if line]
        assert not upstream.waited_out
    assert json.loads(first.removeprefix("data: "))["choices"][0]["delta"]["role"] == "assistant"
    assert rest[-1] == "data: [DONE]"
    (stored,) = parse(path.read_text(), "x")
    assert [e.data for e in stored.events()] == [first.removeprefix("data: ")] + [
        r.removeprefix("data: ") for r in rest
    ]
    assert stored.event_times is not None and len(stored.event_times) == len(rest) + 1


def test_a_stream_broken_off_upstream_is_not_recorded(tmp_path: Path, upstream: Upstream, fake: FakeOpenAI) -> None:
    upstream.break_stream = True
    path = tmp_path / "broken.yaml"
    with use(fake, path, upstream, "once") as cassette:
        body = stream_bytes(fake, chat(stream=True))
        assert cassette.recorded == []
    assert body.count(b"data: ") == 1
    assert not path.exists()
    report = fake.report()
    assert report is not None and "broke off after 1 events" in report and "Nothing was recorded" in report


def test_replay_pacing_reproduces_the_recorded_timing(tmp_path: Path, fake: FakeOpenAI) -> None:
    path = tmp_path / "paced.yaml"
    path.write_text(
        textwrap.dedent(
            """\
            interactions:
            - request:
                method: POST
                uri: https://api.openai.com/v1/chat/completions
                headers: {}
                body: '{"model": "gpt-4o", "stream": true, "messages": [{"role": "user", "content": "Hello"}]}'
              response:
                status: {code: 200, message: OK}
                headers:
                  Content-Type: [text/event-stream]
                body:
                  string: "data: {\\"a\\": 1}\\n\\ndata: {\\"a\\": 2}\\n\\ndata: [DONE]\\n\\n"
                fakeopenai:
                  event_times: [0.0, 0.4, 0.4]
            version: 1
            """
        )
    )
    timings = {}
    for pacing in (False, True):
        with fake.use_cassette(path, replay_pacing=pacing):
            started = time.monotonic()
            body = stream_bytes(fake, chat(stream=True))
            timings[pacing] = time.monotonic() - started
        assert body == b'data: {"a": 1}\n\ndata: {"a": 2}\n\ndata: [DONE]\n\n'
    assert timings[True] >= 0.35 > timings[False]


def test_two_writers_sharing_a_cassette_lose_nothing(tmp_path: Path, upstream: Upstream) -> None:
    path = tmp_path / "shared.yaml"
    with FakeOpenAI() as first, FakeOpenAI() as second:
        with use(first, path, upstream, "new_episodes"), use(second, path, upstream, "new_episodes"):
            post(first, chat("from the first"))
            post(second, chat("from the second"))
            post(first, chat("from both"))
            post(second, chat("from both"))
    stored = parse(path.read_text(), "x")
    asked = sorted(json.loads(i.request_body or b"")["messages"][0]["content"] for i in stored)
    assert asked == ["from both", "from the first", "from the second"]


def test_a_writer_killed_mid_write_leaves_the_previous_cassette_whole(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    writer = textwrap.dedent(
        f"""
        import itertools, sys
        from pathlib import Path
        from fakeopenai._recording.cassette import Interaction, save, locked

        def interaction(n, size):
            return Interaction("POST", "https://api.openai.com/v1/chat/completions", {{}},
                               b'{{"model": "m", "n": %d}}' % n, 200, "OK",
                               {{"Content-Type": ["application/json"]}}, b'{{"text": "%s"}}' % (b"x" * size))

        path = Path({str(path)!r})
        for round in itertools.count():
            count = 300 if round % 2 else 200
            batch = [interaction(n, 2000) for n in range(count)]
            with locked(path):
                save(path, batch)
            if round == 0:
                print("ready", flush=True)
        """
    )
    process = subprocess.Popen([sys.executable, "-c", writer], stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None and process.stdout.readline().strip() == "ready"
    time.sleep(0.4)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()

    stored = parse(path.read_text(), str(path))
    assert len(stored) in (200, 300)
    assert all(json.loads(i.response_body)["text"] == "x" * 2000 for i in stored)
    from fakeopenai._recording.cassette import locked, save

    with locked(path):
        save(path, stored[:1])
    assert [p.name for p in tmp_path.iterdir()] == ["big.yaml"]


def test_invalid_record_mode_lists_the_valid_ones(tmp_path: Path) -> None:
    with pytest.raises(
        ValueError, match="'sometimes' is not a record mode; use one of 'none', 'once', 'new_episodes', 'all'"
    ):
        Cassette(tmp_path / "x.yaml", record_mode="sometimes")  # type: ignore[arg-type]


def test_recording_without_a_key_or_an_upstream_fails_clearly(tmp_path: Path, fake: FakeOpenAI) -> None:
    with fake.use_cassette(tmp_path / "nokey.yaml", record_mode="once", upstream="http://127.0.0.1:9/v1") as cassette:
        cassette._upstream_key = None
        response = post(fake, chat())
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "upstream_api_key_missing"
    assert "FAKEOPENAI_UPSTREAM_API_KEY" in str(fake.calls.last.unmatched)

    with fake.use_cassette(
        tmp_path / "down.yaml", record_mode="once", upstream="http://127.0.0.1:9/v1", upstream_api_key="key-0001"
    ):
        response = post(fake, chat())
    assert response.status_code == 502
    assert "http://127.0.0.1:9/v1/chat/completions could not be reached" in response.json()["error"]["message"]
    assert not (tmp_path / "down.yaml").exists()
    fake.reset()


def test_binary_bodies_are_the_only_base64(tmp_path: Path) -> None:
    audio = bytes(range(256))
    interaction = Interaction(
        "POST",
        "https://api.openai.com/v1/audio/speech",
        {"Content-Type": ["application/json"]},
        b'{"model": "tts-1", "input": "hi", "voice": "alloy"}',
        200,
        "OK",
        {"Content-Type": ["audio/mpeg"]},
        audio,
    )
    text = dumps([interaction])
    assert "!!binary" in text and '"input": "hi"' in text
    (back,) = parse(text, "x")
    assert back.response_body == audio
    assert yaml.safe_load(text)["interactions"][0]["response"]["body"]["string"] == audio


def test_multipart_bodies_match_as_form_fields_not_bytes() -> None:
    def form(boundary: str) -> tuple[bytes, str]:
        body = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="model"\r\n\r\nwhisper-1\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.wav"\r\n'
            f"Content-Type: audio/wav\r\n\r\nRIFF....\r\n--{boundary}--\r\n"
        ).encode()
        return body, f"multipart/form-data; boundary={boundary}"

    one, two = body_data(*form("aaa")), body_data(*form("bbb"))
    assert one == two
    assert one["form"] == {"model": ["whisper-1"]} and one["files"]["file"][0]["filename"] == "a.wav"
