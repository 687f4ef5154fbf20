"""Hostile input never breaks the server, and never gets a lie back.

A running `FakeOpenAI`, over a real socket, gets on every route it serves (and
on paths it does not): arbitrary bytes, truncated and deeply nested JSON,
invalid UTF-8, wrong and missing content types, broken multipart forms,
schema-shaped bodies with random mutations, huge and malformed request heads,
oversize bodies, half-sent requests and connections cut at every stage.

Every answer is well formed: a failure is an OpenAI error `{"error": {"message",
"type", "param", "code"}}` with a 4xx status (never a 500, never a traceback),
and a success is the JSON (or event stream) it claims to be. After each input
the server answers a normal request on the same connection (so it read exactly
the bytes it was sent), and `state.errors` (exceptions raised inside the
server) stays empty.

Each test prints how many inputs it sent: `pytest tests/http/test_fuzz.py -rP` (or
`-s` without xdist) shows the counts. `FAKEOPENAI_FUZZ_SCALE=10` runs ten
times as many examples.
"""

from __future__ import annotations

import http.client
import itertools
import json
import os
import re
import socket
import struct
import threading
import time
import traceback
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote_to_bytes

import httpx
import openai
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fakeopenai import FakeOpenAI
from fakeopenai._app.strict_json import MAX_JSON_DEPTH
from fakeopenai._http.server import MAX_HEAD_BYTES
from fakeopenai._simulation.fabricate import fabricate_json
from fakeopenai._validation.bodies import has_schema
from fakeopenai.endpoints import Route

pytestmark = pytest.mark.filterwarnings("ignore:.*deprecated:DeprecationWarning")  # the SDK deprecates Assistants

SCALE = float(os.environ.get("FAKEOPENAI_FUZZ_SCALE", "1"))
KEY = "sk-fuzz"
SMALL_LIMIT = 2048
SCHEMAS = resources.files("fakeopenai") / "schemas"


def fuzz_settings(examples: int) -> settings:
    return settings(
        max_examples=max(1, int(examples * SCALE)),
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        print_blob=True,
    )


# --- the wire ---------------------------------------------------------------------------------------------------


class Sent:
    """How many inputs each test sent (printed at its end)."""

    count = 0
    lock = threading.Lock()

    @classmethod
    def one(cls) -> None:
        with cls.lock:
            cls.count += 1


@pytest.fixture(scope="module", autouse=True)
def count_all_inputs() -> Iterator[None]:
    began = time.perf_counter()
    yield
    print(f"fuzz inputs sent by this module (in this process): {Sent.count} in {time.perf_counter() - began:.1f} s")


@pytest.fixture(autouse=True)
def count_inputs() -> Iterator[None]:
    before = Sent.count
    began = time.perf_counter()
    yield
    print(f"fuzz inputs sent: {Sent.count - before} in {time.perf_counter() - began:.1f} s")


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes
    closes: bool

    def json(self) -> Any:
        return json.loads(self.body)


def port_of(fake: FakeOpenAI) -> int:
    return int(fake.url.rsplit(":", 1)[1])


def head(method: str, target: str, headers: list[tuple[str, str]]) -> bytes:
    lines = [f"{method} {target} HTTP/1.1", "Host: 127.0.0.1", *(f"{name}: {value}" for name, value in headers)]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def request(
    method: str, target: str, body: bytes | None = None, *, content_type: str | None = None, auth: str | None = KEY
) -> bytes:
    headers = []
    if auth is not None:
        headers.append(("Authorization", f"Bearer {auth}"))
    headers.append(("OpenAI-Beta", "assistants=v2"))
    if content_type is not None:
        headers.append(("Content-Type", content_type))
    if body is not None:
        headers.append(("Content-Length", str(len(body))))
    return head(method, target, headers) + (body or b"")


NORMAL = request("GET", "/v1/models")


def read_reply(sock: socket.socket, method: str = "GET") -> Reply:
    response = http.client.HTTPResponse(sock, method=method)
    try:
        response.begin()
        body = response.read()
    finally:
        response.close()
    return Reply(response.status, response.headers, body, bool(response.will_close))


def exchange(fake: FakeOpenAI, data: bytes, method: str = "GET", *, follow_up: bool = True) -> Reply:
    """Send `data` on a fresh connection and read the answer; then, unless the server closes it, prove the
    connection still works by a normal request on it."""
    Sent.one()
    with socket.create_connection(("127.0.0.1", port_of(fake)), timeout=30) as sock:
        sock.sendall(data)
        reply = read_reply(sock, method)
        if follow_up and not reply.closes:
            sock.sendall(NORMAL)
            follow = read_reply(sock)
            assert follow.status == 200 and follow.json()["object"] == "list", "the connection is out of step"
    return reply


def assert_well_formed(reply: Reply, *, must_fail: bool = False) -> None:
    """A failure is an OpenAI error with a 4xx status; a success is what its content type says."""
    assert b"Traceback (most recent call last)" not in reply.body
    if must_fail or reply.status >= 400:
        assert 400 <= reply.status < 500, f"status {reply.status}: {reply.body[:300]!r}"
        assert reply.headers.get_content_type() == "application/json"
        error = reply.json()
        assert list(error) == ["error"], error
        assert list(error["error"]) == ["message", "type", "param", "code"], error
        assert isinstance(error["error"]["message"], str) and error["error"]["message"]
        assert isinstance(error["error"]["type"], str)
        assert error["error"]["param"] is None or isinstance(error["error"]["param"], str)
        assert error["error"]["code"] is None or isinstance(error["error"]["code"], str)
        return
    assert 200 <= reply.status < 300, reply.status
    kind = reply.headers.get_content_type()
    if kind == "application/json":
        reply.json()
    elif kind == "text/event-stream":
        for line in reply.body.decode("utf-8").splitlines():
            if line.startswith("data: ") and line != "data: [DONE]":
                json.loads(line[6:])


def assert_no_server_errors(fake: FakeOpenAI) -> None:
    errors = list(fake.state.errors)
    fake.state.errors.clear()
    assert not errors, "raised inside the server:\n" + "".join(traceback.format_exception(errors[0]))


# --- the servers ------------------------------------------------------------------------------------------------


def tiny_png(side: int = 4) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x80\x40\x20\xff" * side for _ in range(side))
    header = struct.pack(">IIBBBBB", side, side, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def tiny_wav(seconds: float = 0.3, rate: int = 8000) -> bytes:
    frames = b"".join(struct.pack("<h", (n * 700) % 8000 - 4000) for n in range(int(seconds * rate)))
    return (
        b"RIFF"
        + struct.pack("<I", 36 + len(frames))
        + b"WAVEfmt "
        + struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16)
        + b"data"
        + struct.pack("<I", len(frames))
        + frames
    )


TRAINING = b"".join(
    json.dumps({"messages": [{"role": "user", "content": f"q{n}"}, {"role": "assistant", "content": f"a{n}"}]}).encode()
    + b"\n"
    for n in range(10)
)
BATCH_LINE = {
    "custom_id": "one",
    "method": "POST",
    "url": "/v1/chat/completions",
    "body": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hi"}]},
}


def seed(fake: FakeOpenAI) -> dict[str, dict[str, str]]:
    """Create one resource of each kind; the ids that fill each route's path arguments."""
    client = fake.client(max_retries=0)
    batch_file = client.files.create(file=("in.jsonl", json.dumps(BATCH_LINE).encode() + b"\n"), purpose="batch")
    batch = client.batches.create(input_file_id=batch_file.id, endpoint="/v1/chat/completions", completion_window="24h")
    training = client.files.create(file=("train.jsonl", TRAINING), purpose="fine-tune")
    job = client.fine_tuning.jobs.create(model="gpt-4o-mini", training_file=training.id)
    assistant = client.beta.assistants.create(model="gpt-4o")
    thread = client.beta.threads.create(messages=[{"role": "user", "content": "Hi"}])
    message = client.beta.threads.messages.list(thread.id).data[0]
    run = client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id, poll_interval_ms=1)
    steps = client.beta.threads.runs.steps.list(run.id, thread_id=thread.id).data
    response = client.responses.create(model="gpt-4o", input="Hi")
    evaluation = client.evals.create(
        name="fuzz",
        data_source_config={"type": "custom", "item_schema": {"type": "object"}, "include_sample_schema": True},
        testing_criteria=[
            {
                "type": "string_check",
                "name": "x",
                "input": "{{sample.output_text}}",
                "reference": "a",
                "operation": "eq",
            }
        ],
    )
    eval_run = client.evals.runs.create(
        evaluation.id,
        data_source={
            "type": "completions",
            "model": "gpt-4o",
            "input_messages": {"type": "template", "template": [{"role": "user", "content": "Hi"}]},
            "source": {"type": "file_content", "content": [{"item": {"q": "a"}}]},
        },
    )
    items = client.evals.runs.output_items.list(eval_run.id, eval_id=evaluation.id).data
    upload = client.uploads.create(bytes=3, filename="a.txt", mime_type="text/plain", purpose="assistants")
    image = client.images.generate(model="dall-e-2", prompt="a cat", response_format="url", size="256x256")
    common = {
        "assistant_id": assistant.id,
        "batch_id": batch.id,
        "engine": "gpt-4o-mini",
        "rest": "ft-abc123",
        "eval_id": evaluation.id,
        "output_item_id": items[0].id if items else "outputitem_abc",
        "file_id": training.id,
        "job_id": job.id,
        "name": (image.data or [])[0].url.rsplit("/", 1)[-1] if image.data and image.data[0].url else "x.png",
        "model": "gpt-4o",
        "response_id": response.id,
        "thread_id": thread.id,
        "message_id": message.id,
        "step_id": steps[0].id if steps else "step_abc",
        "upload_id": upload.id,
    }
    return {"evals": {**common, "run_id": eval_run.id}, "threads": {**common, "run_id": run.id}}


@dataclass
class Servers:
    fake: FakeOpenAI
    small: FakeOpenAI
    ids: dict[str, dict[str, str]]

    def real_args(self, route: Route) -> dict[str, str]:
        return self.ids["evals" if route.rule.startswith("/v1/evals") else "threads"]


@pytest.fixture(scope="module")
def servers() -> Iterator[Servers]:
    fake = FakeOpenAI().start()
    small = FakeOpenAI(max_body_bytes=SMALL_LIMIT).start()
    try:
        ids = seed(fake)
        assert_no_server_errors(fake)
        yield Servers(fake, small, ids)
        assert_no_server_errors(fake)
        assert_no_server_errors(small)
    finally:
        for server in (fake, small):
            server.reset()
            server.stop()


ROUTES = FakeOpenAI().app.routes
ARGUMENT = re.compile(r"<(?:(\w+):)?(\w+)>")
UNKNOWN_PATHS = ["/", "/v1", "/v1/", "/v2/chat/completions", "/v1/chat/completion", "/v1/files/x/y/z", "/../etc/passwd"]


# --- strategies -------------------------------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
hostile_text = st.text(max_size=40) | st.sampled_from(["..", "%", "\x00", "é", "a/b", " ", "?", "#", "x" * 3000])


@st.composite
def segments(draw: st.DrawFn, converter: str | None, real: str) -> str:
    value = draw(st.sampled_from([real, real, "abc_123", "file-abc123", ""]) | hostile_text)
    return quote(value, safe="/" if converter == "path" else "")


@st.composite
def targets(draw: st.DrawFn, servers: Servers) -> tuple[Route | None, str, str]:
    """The route aimed at (None for an unknown path), the method and the request target, path arguments filled."""
    if draw(st.integers(0, 9)) == 0:
        path = draw(st.sampled_from(UNKNOWN_PATHS) | st.text(max_size=30).map(lambda t: "/v1/zz/" + quote(t)))
        return None, draw(st.sampled_from(["GET", "POST", "DELETE", "PUT", "PATCH"])), path
    route = draw(st.sampled_from(ROUTES))
    real = servers.real_args(route)
    path = ARGUMENT.sub(lambda m: draw(segments(m.group(1), real.get(m.group(2), "x"))), route.rule)
    if draw(st.integers(0, 4)) == 0:
        query = draw(
            st.lists(st.tuples(st.sampled_from(["limit", "after", "before", "order", "x"]), hostile_text), max_size=3)
        )
        path += "?" + "&".join(f"{quote(k)}={quote(v)}" for k, v in query)
    method = route.method if draw(st.integers(0, 9)) else draw(st.sampled_from(["GET", "POST", "DELETE", "PUT"]))
    return route, method, path


def deep(depth: int, closed: bool) -> bytes:
    return b"[" * depth + (b"]" * depth if closed else b"")


VALID_CHAT = {"model": "gpt-4o", "messages": [{"role": "user", "content": "Hi"}]}

bad_json_bodies = st.one_of(
    st.binary(max_size=600),
    st.builds(
        lambda doc, cut: doc[: cut % max(1, len(doc))],
        json_values.map(lambda v: json.dumps({"a": v}).encode()),
        st.integers(0, 10_000),
    ),
    st.builds(
        lambda garbage: b'{"model": "' + garbage + b'"}',
        st.binary(min_size=1, max_size=8).filter(lambda b: not _utf8(b)),
    ),
    json_values.filter(lambda v: not isinstance(v, dict)).map(lambda v: json.dumps(v).encode()),
    st.sampled_from([100_000, 5_000, MAX_JSON_DEPTH + 1]).flatmap(
        lambda n: st.sampled_from(
            [deep(n, False), deep(n, True), b'{"a":' * n, b'{"model":"gpt-4o","x":' + deep(n, True) + b"}"]
        )
    ),
    st.sampled_from([b"", b"{", b"null", b"\xef\xbb\xbf{}", b"{}" * 3, b'{"a":1}garbage', b"\x00" * 64]),
)


def _utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def served_by(servers: Servers, method: str, target: str) -> Route | None:
    """The route the server will pick: it decodes the path first, so `%2F` in an id is a slash to it."""
    path = unquote_to_bytes(target.partition("?")[0]).decode("latin-1")
    return servers.fake.app.router.match(method, path)[0]


def json_object(body: bytes) -> bool:
    try:
        value = json.loads(body)
    except (ValueError, RecursionError):
        return False
    return isinstance(value, dict) and not re.search(rb"[\[{]{%d}" % (MAX_JSON_DEPTH + 1), body)


content_types = (
    st.sampled_from(
        [
            "application/json",
            "application/json; charset=utf-8",
            "APPLICATION/JSON",
            "application/vnd.api+json",
            "text/plain",
            "",
            "multipart/form-data",
            "multipart/form-data; boundary=zz",
            "application/x-www-form-urlencoded",
            "\xff\xfe; ;;=",
        ]
    )
    | st.none()
)


# --- multipart --------------------------------------------------------------------------------------------------

Part = tuple[str, "str | bytes | tuple[str, str, bytes]"]
BOUNDARY = "fuzzb0undary"


def form(parts: list[Part], boundary: str = BOUNDARY, *, closed: bool = True) -> bytes:
    out = []
    for name, value in parts:
        out.append(f"--{boundary}\r\n".encode())
        if isinstance(value, tuple):
            filename, kind, content = value
            out.append(
                f'Content-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                f"Content-Type: {kind}\r\n\r\n".encode("utf-8", "surrogatepass")
            )
            out.append(content + b"\r\n")
        else:
            out.append(f'Content-Disposition: form-data; name="{name}"\r\n\r\n'.encode("utf-8", "surrogatepass"))
            out.append((value if isinstance(value, bytes) else value.encode("utf-8", "surrogatepass")) + b"\r\n")
    if closed:
        out.append(f"--{boundary}--\r\n".encode())
    return b"".join(out)


VALID_FORMS: dict[str, list[list[Part]]] = {
    "files.create": [
        [("purpose", "fine-tune"), ("file", ("train.jsonl", "application/jsonl", TRAINING))],
        [("purpose", "batch"), ("file", ("in.jsonl", "application/jsonl", json.dumps(BATCH_LINE).encode()))],
        [
            ("purpose", "assistants"),
            ("file", ("notes.txt", "text/plain", b"hello")),
            ("expires_after[anchor]", "created_at"),
            ("expires_after[seconds]", "3600"),
        ],
        [
            ("purpose", "user_data"),
            ("file", ("notes.txt", "text/plain", b"hello")),
            ("expires_after", json.dumps({"anchor": "created_at", "seconds": 3600})),
        ],
    ],
    "audio.transcriptions.create": [
        [
            ("model", "whisper-1"),
            ("file", ("a.wav", "audio/wav", tiny_wav())),
            ("response_format", "verbose_json"),
            ("timestamp_granularities[]", "word"),
        ],
        [("model", "gpt-4o-transcribe"), ("file", ("a.wav", "audio/wav", tiny_wav())), ("stream", "true")],
    ],
    "audio.translations.create": [
        [("model", "whisper-1"), ("file", ("a.wav", "audio/wav", tiny_wav())), ("response_format", "srt")]
    ],
    "images.edit": [
        [
            ("model", "dall-e-2"),
            ("prompt", "a hat"),
            ("image", ("a.png", "image/png", tiny_png())),
            ("size", "256x256"),
        ],
        [
            ("model", "gpt-image-1"),
            ("prompt", "a hat"),
            ("image[]", ("a.png", "image/png", tiny_png())),
            ("image[]", ("b.png", "image/png", tiny_png())),
        ],
    ],
    "images.create_variation": [
        [("model", "dall-e-2"), ("image", ("a.png", "image/png", tiny_png())), ("n", "2"), ("size", "256x256")]
    ],
    "uploads.parts.create": [[("data", ("blob", "application/octet-stream", b"abc"))]],
}
MULTIPART_ROUTES = [route for route in ROUTES if route.body == "multipart"]
JSON_ROUTES = [route for route in ROUTES if route.body == "json"]


@st.composite
def multipart_bodies(draw: st.DrawFn, operation: str) -> tuple[bytes, str, bool]:
    """A form body, its content type, and whether it is broken (so must be refused)."""
    parts = list(draw(st.sampled_from(VALID_FORMS[operation])))
    kind = f"multipart/form-data; boundary={BOUNDARY}"
    mutation = draw(st.integers(0, 12))
    if mutation == 0:
        return form(parts), kind, False
    if mutation == 1:
        return form(parts), "multipart/form-data", True
    if mutation == 2:
        return form(parts), "multipart/form-data; boundary=other", True
    if mutation == 3:
        body = form(parts)
        return body[: draw(st.integers(0, len(body) - len(BOUNDARY) - 8))], kind, True
    if mutation == 4:
        return form(parts, closed=False), kind, True
    if mutation == 5:
        header = f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="x"\r\nX-Big: {"h" * 100_000}\r\n\r\nv\r\n'
        return header.encode() + form(parts), kind, False
    if mutation == 6:
        return form(parts + [(f"f{n}", "v") for n in range(draw(st.integers(100, 3000)))]), kind, False
    if mutation == 7:
        return form([*parts, ("a" + "[x]" * draw(st.integers(1, 20000)), "v")]), kind, False
    if mutation == 8:
        key = draw(st.sampled_from(["expires_after", "chunking_strategy", "timestamp_granularities", "n", "stream"]))
        value = draw(st.sampled_from([deep(100_000, True), deep(MAX_JSON_DEPTH - 2, True), b"\xff\xfe", b"{", b"[]"]))
        return form([*parts, (key, value)]), kind, False
    if mutation == 9:
        name = draw(st.text(max_size=20))
        value = draw(st.binary(max_size=200))
        return form([*parts, (name, value)]), kind, False
    if mutation == 12:
        nameless = draw(st.sampled_from(["form-data", 'form-data; filename="a.txt"', 'form-data; name="\r"']))
        return form(parts).replace(b'form-data; name="', f"{nameless}\r\nX-Was: ".encode(), 1), kind, True
    if mutation == 10:
        garbage = draw(st.binary(max_size=400))
        return f"--{BOUNDARY}\r\n".encode() + garbage, kind, True
    content = draw(
        st.sampled_from([deep(100_000, True) + b"\n", deep(MAX_JSON_DEPTH, True) + b"\n", b"\xff\n{", b"{}\n" * 3])
    )
    return (
        form(
            [
                ("purpose", draw(st.sampled_from(["fine-tune", "batch", "evals"]))),
                ("file", ("x.jsonl", "application/jsonl", content)),
            ]
        ),
        kind,
        False,
    )


# --- schema-shaped bodies ----------------------------------------------------------------------------------------

MODELS = {
    "audio.speech.create": "tts-1",
    "embeddings.create": "text-embedding-3-small",
    "engines.embeddings.create": "text-embedding-3-small",
    "moderations.create": "omni-moderation-latest",
    "images.generate": "dall-e-2",
    "completions.create": "gpt-3.5-turbo-instruct",
    "engines.completions.create": "gpt-3.5-turbo-instruct",
    "fine_tuning.jobs.create": "gpt-4o-mini",
}
_fabricated: dict[tuple[str, int], Any] = {}


def fabricated(operation: str, number: int) -> Any:
    """A body that fits the operation's request schema (cached: fabricating the big schemas takes a while)."""
    key = (operation, number)
    if key not in _fabricated:
        schema = json.loads((SCHEMAS / f"{operation}.json").read_text(encoding="utf-8"))
        _fabricated[key] = fabricate_json(schema, f"fuzz-{number}")
    return json.loads(json.dumps(_fabricated[key]))


def mutate(body: Any, draw: st.DrawFn) -> Any:
    """Replace, drop or add one field somewhere in the body."""
    holder, key = None, None
    node = body
    while isinstance(node, (dict, list)) and node and draw(st.integers(0, 2)):
        holder = node
        key = draw(st.sampled_from(sorted(node))) if isinstance(node, dict) else draw(st.integers(0, len(node) - 1))
        node = node[key]
    if holder is None:
        if isinstance(body, dict):
            body[draw(st.text(max_size=8))] = draw(json_values)
        return body
    action = draw(st.integers(0, 2))
    if action == 0:
        holder[key] = draw(json_values)  # type: ignore[index]
    elif action == 1:
        del holder[key]  # type: ignore[arg-type]
    elif isinstance(holder, dict):
        holder[draw(st.text(max_size=8))] = draw(json_values)
    return body


@st.composite
def shaped_bodies(draw: st.DrawFn, servers: Servers, route: Route) -> bytes:
    body = fabricated(route.operation, draw(st.integers(0, 7)))
    if isinstance(body, dict):
        if "model" in body:
            body["model"] = MODELS.get(route.operation, "gpt-4o")
        ids = servers.real_args(route)
        for name, real in (
            ("assistant_id", ids["assistant_id"]),
            ("input_file_id", ids["file_id"]),
            ("training_file", ids["file_id"]),
        ):
            if name in body:
                body[name] = real
        for _ in range(draw(st.integers(0, 3))):
            body = mutate(body, draw)
    return json.dumps(body).encode()


# --- the tests --------------------------------------------------------------------------------------------------

GARBAGE = [
    (b"\x00\xff garbage \xfe", "application/json"),
    (b'{"model": "gpt-4o", "messages": [{"role": "us', "application/json"),
    (b'{"model": "\xff\xfe"}', "application/json"),
    (b"[" * 100_000, "application/json"),
    (b'{"model": "gpt-4o"}', "text/plain"),
    (b"", None),
    (form([("purpose", "batch")])[:-10], f"multipart/form-data; boundary={BOUNDARY}"),
    (form([("purpose", "batch")]), "multipart/form-data"),
]


@pytest.mark.parametrize("route", ROUTES, ids=[f"{r.method} {r.rule}" for r in ROUTES])
def test_every_route_refuses_garbage(servers: Servers, route: Route) -> None:
    """Each kind of broken body, on each route: refused with a 4xx if the route reads a body, and never a crash."""
    target = ARGUMENT.sub(lambda m: servers.real_args(route).get(m.group(2), "x"), route.rule)
    for body, content_type in GARBAGE:
        reply = exchange(servers.fake, request(route.method, target, body, content_type=content_type), route.method)
        assert_no_server_errors(servers.fake)
        assert_well_formed(reply, must_fail=route.body != "none")
    for unknown in ("/v1/" + route.rule.rsplit("/", 1)[-1] + "-nope", "/v2" + target):
        reply = exchange(servers.fake, request(route.method, unknown, b"{}", content_type="application/json"))
        assert reply.status == 404
        assert_well_formed(reply)


@fuzz_settings(800)
@given(data=st.data())
def test_hostile_bodies_on_every_route(servers: Servers, data: st.DataObject) -> None:
    aimed, method, target = data.draw(targets(servers), label="target")
    auth = data.draw(st.sampled_from([KEY, KEY, KEY, KEY, None, "", "\xff"]), label="auth")
    content_type = data.draw(content_types, label="content type")
    form_ok = False
    if aimed is not None and aimed.body == "multipart" and data.draw(st.booleans()):
        body, content_type, broken = data.draw(multipart_bodies(aimed.operation), label="form")
        form_ok = not broken
    else:
        body = data.draw(bad_json_bodies, label="body")
    route = served_by(servers, method, target)
    must_fail = route is None or (route.auth and auth in (None, ""))
    if route is not None and route.body == "json":
        kind = (content_type or "").split(";")[0].strip().lower()
        json_type = kind in ("", "application/json") or kind.endswith("+json")
        must_fail = must_fail or not json_type or not json_object(body)
    elif route is not None and route.body == "multipart":
        must_fail = must_fail or not (form_ok and route is aimed)
    reply = exchange(servers.fake, request(method, target, body, content_type=content_type, auth=auth), method)
    assert_no_server_errors(servers.fake)
    assert_well_formed(reply, must_fail=must_fail)


@fuzz_settings(400)
@given(data=st.data())
def test_schema_shaped_bodies_with_mutations(servers: Servers, data: st.DataObject) -> None:
    route = data.draw(st.sampled_from([r for r in JSON_ROUTES if has_schema(r.operation)]), label="route")
    real = servers.real_args(route)
    target = ARGUMENT.sub(lambda m: real.get(m.group(2), "x"), route.rule)
    body = data.draw(shaped_bodies(servers, route), label="body")
    reply = exchange(servers.fake, request(route.method, target, body, content_type="application/json"), route.method)
    assert_no_server_errors(servers.fake)
    assert_well_formed(reply)


@fuzz_settings(250)
@given(data=st.data())
def test_broken_multipart_forms(servers: Servers, data: st.DataObject) -> None:
    route = data.draw(st.sampled_from(MULTIPART_ROUTES), label="route")
    target = ARGUMENT.sub(lambda m: servers.real_args(route).get(m.group(2), "x"), route.rule)
    body, content_type, broken = data.draw(multipart_bodies(route.operation), label="form")
    reply = exchange(servers.fake, request("POST", target, body, content_type=content_type), "POST")
    assert_no_server_errors(servers.fake)
    assert_well_formed(reply, must_fail=broken)


header_names = st.text(
    st.characters(min_codepoint=33, max_codepoint=255, exclude_characters=":"), min_size=1, max_size=20
)
header_values = st.text(st.characters(min_codepoint=0, max_codepoint=255, exclude_characters="\r\n"), max_size=60)


@fuzz_settings(300)
@given(
    method=st.sampled_from(["GET", "POST", "DELETE", "HEAD", "OPTIONS", "X\xff"]),
    path=st.sampled_from(["/v1/models", "/v1/chat/completions", "/v1/files", "/nowhere"]),
    extra=st.lists(st.tuples(header_names, header_values), max_size=6),
    body=st.binary(max_size=100),
)
def test_odd_methods_and_headers(
    servers: Servers, method: str, path: str, extra: list[tuple[str, str]], body: bytes
) -> None:
    headers = [("Authorization", f"Bearer {KEY}"), *extra]
    names = {name.lower() for name, _ in extra}
    if "content-length" in names or "transfer-encoding" in names or "expect" in names:
        headers = [(n, v) for n, v in headers if n.lower() not in ("content-length", "transfer-encoding", "expect")]
    data = head(method, path, [*headers, ("Content-Length", str(len(body)))]) + body
    reply = exchange(servers.fake, data, method)
    assert_no_server_errors(servers.fake)
    if method == "HEAD":  # the head a GET would get, without the content
        assert reply.status < 500 and reply.body == b""
    else:
        assert_well_formed(reply)


@fuzz_settings(150)
@given(
    route=st.sampled_from([r for r in ROUTES if r.body != "none"]),
    size=st.integers(SMALL_LIMIT + 1, SMALL_LIMIT * 8),
    chunked=st.booleans(),
)
def test_oversize_bodies_are_413(servers: Servers, route: Route, size: int, chunked: bool) -> None:
    target = ARGUMENT.sub("x", route.rule)
    body = b'{"model": "' + b"x" * size + b'"}'
    if chunked:
        framed = b"".join(b"%x\r\n%s\r\n" % (len(piece), piece) for piece in (body[:1000], body[1000:])) + b"0\r\n\r\n"
        data = (
            head(
                route.method,
                target,
                [
                    ("Authorization", f"Bearer {KEY}"),
                    ("Content-Type", "application/json"),
                    ("Transfer-Encoding", "chunked"),
                ],
            )
            + framed
        )
    else:
        data = request(route.method, target, body, content_type="application/json")
    reply = exchange(servers.small, data, route.method)
    assert_no_server_errors(servers.small)
    assert reply.status == 413, reply.body
    assert_well_formed(reply)
    assert reply.json()["error"]["code"] == "request_too_large"
    assert reply.closes


@fuzz_settings(200)
@given(
    chunks=st.lists(st.binary(max_size=30), max_size=4),
    trailer=st.binary(max_size=20),
    route=st.sampled_from(["/v1/chat/completions", "/v1/models", "/v1/files", "/nowhere"]),
)
def test_malformed_chunked_bodies(servers: Servers, chunks: list[bytes], trailer: bytes, route: str) -> None:
    framed = b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in chunks) + trailer
    method = "GET" if route == "/v1/models" else "POST"
    data = (
        head(
            method,
            route,
            [
                ("Authorization", f"Bearer {KEY}"),
                ("Content-Type", "application/json"),
                ("Transfer-Encoding", "chunked"),
            ],
        )
        + framed
    )
    Sent.one()
    with socket.create_connection(("127.0.0.1", port_of(servers.fake)), timeout=30) as sock:
        sock.sendall(data)
        sock.shutdown(socket.SHUT_WR)  # a chunked body that never ends would be waited for, as any server would
        reply = read_reply(sock, method)
    assert_no_server_errors(servers.fake)
    assert_well_formed(reply)


# --- deep JSON ----------------------------------------------------------------------------------------------------


def post_json(fake: FakeOpenAI, body: bytes, path: str = "/v1/chat/completions") -> Reply:
    follow_up = fake.state.tape is None  # with a cassette, the follow-up request would be a cassette miss
    return exchange(fake, request("POST", path, body, content_type="application/json"), "POST", follow_up=follow_up)


def chat_with_default(value: bytes) -> bytes:
    """A valid chat request that carries `value` where the schema takes anything (a tool's parameter default)."""
    return (
        b'{"model": "gpt-4o", "messages": [{"role": "user", "content": "Hi"}], "tools": [{"type": "function", '
        b'"function": {"name": "f", "parameters": {"type": "object", "properties": {}, "default": ' + value + b"}}}]}"
    )


def nested_schema(levels: int) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string"}
    for _ in range(levels):
        schema = {"type": "object", "properties": {"a": schema}, "required": ["a"], "additionalProperties": False}
    return schema


@pytest.mark.parametrize(
    "body",
    [
        deep(100_000, False),
        deep(100_000, True),
        b'{"a":' * 100_000,
        b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
        chat_with_default(deep(5_000, True)),
        chat_with_default(deep(MAX_JSON_DEPTH, True)),
    ],
    ids=["open-arrays", "closed-arrays", "open-objects", "closed-objects", "deep-in-a-valid-body", "just-too-deep"],
)
def test_very_deep_json_is_the_normal_parse_error(servers: Servers, body: bytes) -> None:
    reply = post_json(servers.fake, body)
    assert_no_server_errors(servers.fake)
    assert_well_formed(reply, must_fail=True)
    assert reply.status == 400
    assert reply.json()["error"]["message"].startswith("We could not parse the JSON body of your request.")


def test_deep_but_parseable_bodies_pass_validation_simulation_and_cassettes(servers: Servers, tmp_path: Path) -> None:
    fake = servers.fake
    deepest = chat_with_default(deep(MAX_JSON_DEPTH - 6, True))
    strict = json.dumps(
        {
            **VALID_CHAT,
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": "deep", "strict": True, "schema": nested_schema(MAX_JSON_DEPTH // 2 - 3)},
            },
        }
    ).encode()
    tool = json.dumps(
        {**VALID_CHAT, "tools": [{"type": "function", "function": {"name": "f", "parameters": nested_schema(60)}}]}
    ).encode()
    for body in (deepest, strict, tool):
        assert_well_formed(post_json(fake, body))
    assert_no_server_errors(fake)

    upstream = FakeOpenAI().start()
    try:
        cassette = tmp_path / "deep.yaml"
        with fake.use_cassette(cassette, record_mode="all", upstream=upstream.base_url, upstream_api_key=KEY):
            recorded = [post_json(fake, body) for body in (deepest, strict, tool)]
        with fake.use_cassette(cassette, record_mode="none"):
            replayed = [post_json(fake, body) for body in (deepest, strict, tool)]
            missed = post_json(fake, chat_with_default(b"[" * 100 + b"1" + b"]" * 100))
        assert [r.status for r in recorded] == [r.status for r in replayed] == [200, 200, 200]
        assert [r.json() for r in recorded] == [r.json() for r in replayed]
        assert missed.status == 400 and missed.json()["error"]["code"] == "cassette_miss"
        assert_no_server_errors(fake)
        assert_no_server_errors(upstream)
    finally:
        upstream.reset()
        upstream.stop()


# --- heads ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        b"GET /v1/models?" + b"q" * (MAX_HEAD_BYTES + 10) + b" HTTP/1.1\r\n\r\n",
        b"GET /v1/models HTTP/1.1\r\nX-Big: " + b"v" * (MAX_HEAD_BYTES + 10) + b"\r\n\r\n",
        b"GET /v1/models HTTP/1.1\r\n" + b"X-Many: 0123456789\r\n" * (MAX_HEAD_BYTES // 20 + 10) + b"\r\n",
    ],
    ids=["request-line", "one-header", "many-headers"],
)
def test_huge_heads_are_431(servers: Servers, data: bytes) -> None:
    reply = exchange(servers.fake, data)
    assert reply.status == 431
    assert_well_formed(reply)
    assert reply.closes
    assert exchange(servers.fake, NORMAL).status == 200


@pytest.mark.parametrize(
    ("data", "status"),
    [
        (b"\x00\x01garbage\r\n\r\n", 400),
        (b"GET /v1/models\r\n\r\n", 400),
        (b"GET /v1/models HTTP/1.1\r\nno colon here\r\n\r\n", 400),
        (b"GET /v1/models HTTP/1.1\r\n : empty name\r\n\r\n", 400),
        (b"POST /v1/chat/completions HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400),
        (b"POST /v1/chat/completions HTTP/1.1\r\nContent-Length: 1_0\r\n\r\n{}", 400),
        (b"POST /v1/chat/completions HTTP/1.1\r\nContent-Length: +2\r\n\r\n{}", 400),
        (b"POST /v1/chat/completions HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}", 400),
        (b"GET /v1/models HTTP/2.0\r\n\r\n", 505),
    ],
)
def test_malformed_heads(servers: Servers, data: bytes, status: int) -> None:
    reply = exchange(servers.fake, data)
    assert reply.status == status
    assert reply.closes
    error = reply.json()["error"]
    assert list(error) == ["message", "type", "param", "code"] and error["type"] == "invalid_request_error"
    assert_no_server_errors(servers.fake)


# --- slow and vanishing clients -----------------------------------------------------------------------------------


def chat(fake: FakeOpenAI, **kwargs: Any) -> Any:
    client = fake.client(max_retries=0, timeout=5)
    return client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "Hi"}], **kwargs)


def test_half_sent_requests_block_nobody(servers: Servers) -> None:
    """Slow-loris clients hold connections open; everyone else is served at once meanwhile."""
    fake = servers.fake
    partials = [
        b"GET /v1/mod",
        b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthoriza",
        request("POST", "/v1/chat/completions", b"x" * 500, content_type="application/json")[:-480],
        head("POST", "/v1/files", [("Authorization", f"Bearer {KEY}"), ("Transfer-Encoding", "chunked")]) + b"10\r\nab",
    ]
    lorises = []
    try:
        for partial in itertools.islice(itertools.cycle(partials), 40):
            sock = socket.create_connection(("127.0.0.1", port_of(fake)), timeout=5)
            sock.sendall(partial)
            lorises.append(sock)
            Sent.one()
        began = time.perf_counter()
        for _ in range(20):
            Sent.one()
            assert chat(fake).choices[0].message.content
        assert "".join(c.choices[0].delta.content or "" for c in chat(fake, stream=True) if c.choices)
        assert time.perf_counter() - began < 5, "requests waited behind half-open connections"
        for sock in lorises[::2]:  # a trickle of bytes does not disturb anyone either
            sock.sendall(b"a")
        assert chat(fake).choices[0].message.content
    finally:
        for sock in lorises:
            sock.close()
    time.sleep(0.2)
    assert_no_server_errors(fake)
    assert chat(fake).choices[0].message.content


def reset_connection(sock: socket.socket) -> None:
    """Close with a TCP reset rather than a clean FIN."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


@pytest.mark.parametrize("abort", [socket.socket.close, reset_connection], ids=["fin", "rst"])
def test_connections_cut_mid_head_mid_body_and_mid_stream(abort: Any) -> None:
    with FakeOpenAI() as fake:
        port = port_of(fake)
        body = json.dumps(VALID_CHAT).encode()
        cuts = [
            b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Le",
            request("POST", "/v1/chat/completions", body, content_type="application/json")[:-10],
            request(
                "POST",
                "/v1/files",
                form(VALID_FORMS["files.create"][0]),
                content_type=f"multipart/form-data; boundary={BOUNDARY}",
            )[:-300],
        ]
        for cut in cuts:
            Sent.one()
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            sock.sendall(cut)
            abort(sock)

        fake.chat.respond_with_message("word " * 400, event_delay=0.002, times=2)
        fake.chat.respond_with_message("delayed", delay=0.3)
        stream_body = json.dumps({**VALID_CHAT, "stream": True}).encode()
        for wait_for in (b"data: ", b"data: ", None):  # mid-stream twice, then before the delayed first byte
            Sent.one()
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            sock.sendall(request("POST", "/v1/chat/completions", stream_body, content_type="application/json"))
            if wait_for is not None:
                received = b""
                while wait_for not in received:
                    received += sock.recv(4096)
            abort(sock)
        time.sleep(0.3)  # the abandoned streams run into the closed sockets

        assert chat(fake).choices[0].message.content
        assert_no_server_errors(fake)
        streamed = [c for c in fake.chat.calls if c.request.stream]
        assert len(streamed) == 3 and all(c.status == 200 for c in streamed)
        fake.reset()


def test_client_leaving_a_stalled_stream(servers: Servers) -> None:
    """A stalled stream whose client gave up holds its thread until reset, and nobody else."""
    with FakeOpenAI() as fake:
        fake.chat.respond_with_message("one two three", stall_after=1, stall_for=30)
        with pytest.raises((httpx.ReadTimeout, openai.APITimeoutError)):
            for _ in fake.client(max_retries=0, timeout=0.3).chat.completions.create(
                model="gpt-4o", messages=[{"role": "user", "content": "Hi"}], stream=True
            ):
                pass
        Sent.one()
        began = time.perf_counter()
        assert chat(fake).choices[0].message.content
        assert time.perf_counter() - began < 2
        fake.reset()  # ends the stall
        assert_no_server_errors(fake)
