"""No key reaches a cassette: every byte written is scanned, decoded; the upstream sits on 127.0.0.1 (a second fake)."""

from __future__ import annotations

import base64
import json
import pickle
import random
import string
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from fakeopenai import CassetteError, FakeOpenAI
from fakeopenai._app.incoming import Incoming
from fakeopenai._http.server import LoopbackServer
from fakeopenai._recording.cassette import parse
from fakeopenai._recording.credentials import Secret, scan

UPSTREAM_KEY = "upstream-test-key-0001"
GITHUB = "ghp_" + "aB3dE5gH7jK9mN1pQ3rS5tU7vW9xY1zA2bC4"
AWS = "AKIA" + "QWERTYUIOP234567"
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
AZURE = "0123456789abcdef0123456789abcdef"


@pytest.fixture
def upstream() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


def use(fake: FakeOpenAI, path: Path, upstream: FakeOpenAI, key: str = UPSTREAM_KEY, mode: str = "once") -> Any:
    return fake.use_cassette(path, record_mode=mode, upstream=upstream.base_url, upstream_api_key=key)  # type: ignore[arg-type]


def ask(fake: FakeOpenAI, content: str = "Hello") -> httpx.Response:
    return httpx.post(
        fake.base_url + "/chat/completions",
        json={"model": "gpt-4o", "messages": [{"role": "user", "content": content}]},
        headers={"Authorization": "Bearer x"},
    )


def written(path: Path) -> str:
    """Every byte the cassette holds, decoded: its text, and each request and response body."""
    text = path.read_text(encoding="utf-8")
    parts = [text]
    for interaction in parse(text, str(path)):
        parts += [interaction.uri, (interaction.request_body or b"").decode("latin-1")]
        parts.append(interaction.response_body.decode("latin-1"))
    return "\n".join(parts)


@pytest.mark.parametrize(
    ("token", "named"),
    [
        (GITHUB, "GitHub Token"),
        (AWS, "AWS Access Key"),
        (JWT, "JSON Web Token"),
        (f'"api_key": "{AZURE}"', "Azure OpenAI key"),
        ("sk-svcacct-" + "Q1w2E3r4T5y6" * 3, "OpenAI API key"),
    ],
)
def test_common_token_shapes_in_an_answer_are_left_out(
    tmp_path: Path, upstream: FakeOpenAI, fake: FakeOpenAI, token: str, named: str
) -> None:
    path = tmp_path / "shapes.yaml"
    upstream.chat.respond_with_message("harmless")
    upstream.chat.respond_with_message(f"Use this: {token}")
    with pytest.raises(CassetteError) as caught, use(fake, path, upstream):
        assert ask(fake, "first").status_code == 200
        assert ask(fake, "second").status_code == 200
    message = str(caught.value)
    assert named in message and "#1 POST /v1/chat/completions" in message and token not in message
    stored = parse(path.read_text(), str(path))
    assert [json.loads(i.request_body or b"")["messages"][0]["content"] for i in stored] == ["first"]
    assert token not in written(path)


def test_a_key_in_a_binary_multipart_upload_is_seen(tmp_path: Path, upstream: FakeOpenAI, fake: FakeOpenAI) -> None:
    path = tmp_path / "upload.yaml"
    content = b"\xff\xfe\x00binary " + GITHUB.encode() + b" \x00\xff"
    with pytest.raises(CassetteError, match="GitHub Token"), use(fake, path, upstream):
        uploaded = fake.client(max_retries=0).files.create(file=("notes.bin", content), purpose="assistants")
        assert uploaded.bytes == len(content)
    assert not path.exists()


def test_a_key_in_a_binary_answer_is_seen(tmp_path: Path, fake: FakeOpenAI) -> None:
    audio = b"ID3\xff\xfb\x90" + AWS.encode() + b"\x00" * 64

    def speech(incoming: Incoming, start_response: Any) -> Iterable[bytes]:
        start_response("200 OK", [("Content-Type", "audio/mpeg"), ("Content-Length", str(len(audio)))])
        return [audio]

    server = LoopbackServer(speech, "127.0.0.1", 0)
    server.start()
    path = tmp_path / "speech.yaml"
    try:
        upstream = f"http://127.0.0.1:{server.port}/v1"
        with (
            pytest.raises(CassetteError, match="AWS Access Key"),
            fake.use_cassette(path, record_mode="once", upstream=upstream, upstream_api_key=UPSTREAM_KEY),
        ):
            answer = fake.client(max_retries=0).audio.speech.create(model="tts-1", voice="alloy", input="Hi")
            assert answer.read() == audio
    finally:
        server.stop()
    assert not path.exists()


def test_query_credentials_are_neither_forwarded_nor_written(
    tmp_path: Path, upstream: FakeOpenAI, fake: FakeOpenAI
) -> None:
    path = tmp_path / "query.yaml"
    leaked = "sk-proj-" + "Zq7" * 12
    with use(fake, path, upstream):
        response = httpx.get(
            fake.base_url + "/models", params={"api-key": leaked}, headers={"Authorization": "Bearer x"}
        )
        assert response.status_code == 200
    assert upstream.calls.last.path == "/v1/models" and dict(upstream.calls.last.query) == {}
    assert leaked not in written(path)
    with use(fake, path, upstream, mode="none"):
        replayed = httpx.get(
            fake.base_url + "/models", params={"api-key": leaked}, headers={"Authorization": "Bearer x"}
        )
    assert replayed.status_code == 200 and fake.calls.last.answered_by == "cassette"


def test_userinfo_in_the_upstream_is_never_sent_nor_written(
    tmp_path: Path, upstream: FakeOpenAI, fake: FakeOpenAI
) -> None:
    path = tmp_path / "userinfo.yaml"
    with_userinfo = upstream.base_url.replace("http://", "http://someone:hunter2-password@")
    with fake.use_cassette(path, record_mode="once", upstream=with_userinfo, upstream_api_key=UPSTREAM_KEY):
        assert ask(fake).status_code == 200
    assert upstream.chat.calls.last.headers["authorization"] == f"Bearer {UPSTREAM_KEY}"
    text = written(path)
    assert "hunter2" not in text and "someone" not in text and "@127.0.0.1" not in text


@pytest.mark.parametrize("echo", ["raw", "base64"])
def test_a_short_real_key_is_searched_raw_and_base64(
    tmp_path: Path, upstream: FakeOpenAI, fake: FakeOpenAI, echo: str
) -> None:
    key = "Kq7z9"
    shown = key if echo == "raw" else base64.b64encode(b"user:" + key.encode()).decode()
    path = tmp_path / "short.yaml"
    upstream.chat.respond_with_message(f"The credential was {shown}.")
    with pytest.raises(CassetteError, match="the upstream API key"), use(fake, path, upstream, key=key):
        assert ask(fake).status_code == 200
    assert not path.exists()


def test_a_key_shorter_than_four_characters_is_refused_before_recording(
    tmp_path: Path, upstream: FakeOpenAI, fake: FakeOpenAI
) -> None:
    path = tmp_path / "tiny.yaml"
    with use(fake, path, upstream, key="k1"):
        response = ask(fake)
    assert response.status_code == 401 and response.json()["error"]["code"] == "upstream_api_key_too_short"
    assert "at least 4 characters" in response.json()["error"]["message"]
    assert upstream.chat.calls == [] and not path.exists()
    fake.reset()


def test_a_lone_surrogate_is_written_faithfully_and_replays(
    tmp_path: Path, upstream: FakeOpenAI, fake: FakeOpenAI
) -> None:
    path = tmp_path / "surrogate.yaml"
    body = b'{"model": "gpt-4o", "messages": [{"role": "user", "content": "half an emoji: \\ud83d"}]}'
    upstream.chat.respond_with_message("half back: \ud83d")
    headers = {"Authorization": "Bearer x", "Content-Type": "application/json"}
    with use(fake, path, upstream):
        recorded = httpx.post(fake.base_url + "/chat/completions", content=body, headers=headers)
    assert recorded.status_code == 200
    with use(fake, path, upstream, mode="none"):
        replayed = httpx.post(fake.base_url + "/chat/completions", content=body, headers=headers)
    assert replayed.status_code == 200 and fake.calls.last.answered_by == "cassette"
    assert replayed.content == recorded.content
    assert json.loads(replayed.content)["choices"][0]["message"]["content"] == "half back: \ud83d"


def test_secret_masks_itself_and_is_never_pickled() -> None:
    secret = Secret("sk-proj-" + "x" * 40)
    assert "xxxxx" not in repr(secret) and "xxxxx" not in str(secret) and "xxxxx" not in f"{secret!r} {secret}"
    assert secret.reveal() == "sk-proj-" + "x" * 40
    with pytest.raises(TypeError):
        pickle.dumps(secret)


def _random_ids(rng: random.Random) -> Iterator[str]:
    alnum = string.ascii_letters + string.digits
    for _ in range(2000):
        yield "chatcmpl-" + "".join(rng.choices(alnum, k=29))
        yield "resp_" + "".join(rng.choices("0123456789abcdef", k=48))
        yield "file-" + "".join(rng.choices(alnum, k=22))
        yield "call_" + "".join(rng.choices(alnum, k=24))
        yield "msg_" + "".join(rng.choices("0123456789abcdef", k=48))
        yield "req_" + "".join(rng.choices("0123456789abcdef", k=32))
        yield "".join(rng.choices("0123456789abcdef", k=32))
    floats = bytes(rng.getrandbits(8) for _ in range(1536 * 4 * 50))
    yield base64.b64encode(floats).decode()


def test_no_false_positives_on_ids_embeddings_and_the_repo_cassettes() -> None:
    rng = random.Random(16)
    assert scan((("an id", text) for text in _random_ids(rng)), [Secret(UPSTREAM_KEY)]) == []
    root = Path(__file__).parents[2]
    cassettes = [p for p in root.rglob("*.yaml") if "cassettes" in p.parts and ".venv" not in p.parts]
    assert cassettes
    for cassette in cassettes:
        assert scan([(str(cassette), cassette.read_text(encoding="utf-8"))]) == [], cassette


def test_every_endpoint_the_simulator_answers_records_without_a_refusal(
    tmp_path: Path, upstream: FakeOpenAI, fake: FakeOpenAI
) -> None:
    path = tmp_path / "simulated.yaml"
    client = fake.client(max_retries=0)
    with use(fake, path, upstream):
        client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "Hi"}])
        list(client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "Hi"}], stream=True))
        list(client.responses.create(model="gpt-4o", input="Hi", stream=True))
        client.embeddings.create(model="text-embedding-3-small", input=["a", "b"], encoding_format="base64")
        client.images.generate(model="gpt-image-1", prompt="a cat")
        client.audio.speech.create(model="tts-1", voice="alloy", input="Hi")
        client.files.create(file=("a.jsonl", b'{"a": 1}\n'), purpose="assistants")
        client.models.list()
    assert len(parse(path.read_text(), str(path))) == 8
