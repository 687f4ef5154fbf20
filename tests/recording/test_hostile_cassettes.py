"""Damaged and hostile cassettes: each is refused when it is loaded, with the file and the interaction named.

A cassette cut short, corrupted, or built to exhaust memory (a gzip bomb, a YAML alias bomb) must never replay
half an answer, crash the process or grow it by gigabytes. Loading either gives whole interactions or raises
`CassetteError`.
"""

from __future__ import annotations

import gzip
import json
import struct
import subprocess
import sys
import textwrap
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fakeopenai import CassetteError, FakeOpenAI
from fakeopenai._recording.cassette import MAX_BODY_BYTES, MAX_CASSETTE_BYTES, Interaction, dumps, header, load

URI = "https://api.openai.com/v1/chat/completions"
QUESTION = {"model": "gpt-4o", "messages": [{"role": "user", "content": "Hello"}]}
ANSWER = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "created": 1,
    "model": "gpt-4o",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hi there, how can I help?"}}],
}
STREAM = (
    'data: {"id":"chatcmpl-2","choices":[{"index":0,"delta":{"content":"Hi"}}]}\n\n'
    'data: {"id":"chatcmpl-2","choices":[{"index":0,"delta":{"content":" there"}}]}\n\n'
    "data: [DONE]\n\n"
)


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI().start()
    yield server
    server.stop()


def interaction(body: bytes, content_type: str = "application/json", request: dict[str, Any] = QUESTION) -> Interaction:
    return Interaction(
        method="POST",
        uri=URI,
        request_headers={"content-type": ["application/json"]},
        request_body=json.dumps(request).encode(),
        status=200,
        reason="OK",
        response_headers={"content-type": [content_type]},
        response_body=body,
    )


def vcrpy_text(response_body: Any, headers: dict[str, list[str]], request_body: Any = None) -> str:
    """A cassette as vcrpy writes it (keys sorted, bytes as `!!binary`)."""
    document = {
        "interactions": [
            {
                "request": {
                    "body": json.dumps(QUESTION) if request_body is None else request_body,
                    "headers": {"Content-Type": ["application/json"]},
                    "method": "POST",
                    "uri": URI,
                },
                "response": {
                    "body": {"string": response_body},
                    "headers": headers,
                    "status": {"code": 200, "message": "OK"},
                },
            }
        ],
        "version": 1,
    }
    return str(yaml.safe_dump(document))


def post(fake: FakeOpenAI, body: dict[str, Any] = QUESTION) -> httpx.Response:
    return httpx.post(fake.base_url + "/chat/completions", json=body, headers={"Authorization": "Bearer x"})


def refused(fake: FakeOpenAI, path: Path) -> str:
    """The error the cassette is refused with, once the test has tried to replay from it."""
    with pytest.raises(CassetteError) as caught, fake.use_cassette(path):
        post(fake)  # before the fix, this replayed what was left of the answer
    return str(caught.value)


def cut(text: str, marker: str, keep: int) -> str:
    """`text` cut `keep` characters after the start of `marker`, as a full disk or a killed copy leaves it."""
    return text[: text.index(marker) + keep]


def gzipped_json() -> bytes:
    return gzip.compress(json.dumps(ANSWER).encode())


# --- cut short ----------------------------------------------------------------------------------------------------


def test_a_json_body_cut_in_the_middle_is_refused_with_file_and_interaction(tmp_path: Path, fake: FakeOpenAI) -> None:
    path = tmp_path / "cut_body.yaml"
    half = json.dumps(ANSWER, indent=2).encode()[:90]
    path.write_text(dumps([interaction(json.dumps(ANSWER).encode()), interaction(half, request={"n": 2})]))
    message = refused(fake, path)
    assert str(path) in message
    assert f"interaction #1 (POST {URI})" in message
    assert "response body is not valid JSON" in message
    assert "interaction #0" not in message


@pytest.mark.parametrize(
    ("marker", "keep", "problem"),
    [
        pytest.param('"content": "Hi there', 12, "ends before `version: 1`", id="mid-JSON-body"),
        pytest.param("    status:", 8, "ends before `version: 1`", id="mid-response"),
        pytest.param("version: 1", 9, "ends before `version: 1`", id="mid-version"),
        pytest.param("version: 1", 5, "not valid YAML", id="mid-version-key"),
    ],
)
def test_a_file_cut_mid_yaml_is_refused(
    tmp_path: Path, fake: FakeOpenAI, marker: str, keep: int, problem: str
) -> None:
    path = tmp_path / "cut_file.yaml"
    path.write_text(cut(dumps([interaction(json.dumps(ANSWER).encode())]), marker, keep))
    message = refused(fake, path)
    assert str(path) in message and problem in message


def test_a_stream_cut_mid_event_is_refused(tmp_path: Path, fake: FakeOpenAI) -> None:
    path = tmp_path / "cut_stream.yaml"
    text = dumps([interaction(STREAM.encode(), "text/event-stream")])
    # The file ends inside the stream's last event, and a hand-added `version: 1` hides the cut from YAML.
    path.write_text(cut(text, '" there"', 4) + "\nversion: 1\n")
    message = refused(fake, path)
    assert f"{path}, interaction #0 (POST {URI})" in message
    assert "stream" in message


def test_a_request_body_that_claims_json_but_is_cut_is_refused(tmp_path: Path, fake: FakeOpenAI) -> None:
    path = tmp_path / "cut_request.yaml"
    path.write_text(vcrpy_text(json.dumps(ANSWER), {"Content-Type": ["application/json"]}, '{"model": "gpt-4o", "mes'))
    message = refused(fake, path)
    assert f"{path}, interaction #0 (POST {URI})" in message
    assert "request body is not valid JSON" in message


def test_a_gzip_body_cut_short_is_refused_not_a_bare_eof_error(tmp_path: Path, fake: FakeOpenAI) -> None:
    path = tmp_path / "cut_gzip.yaml"
    packed = gzipped_json()
    path.write_text(vcrpy_text(packed[: len(packed) - 12], {"Content-Encoding": ["gzip"], "Content-Type": ["application/json"]}))
    message = refused(fake, path)
    assert f"{path}, interaction #0 (POST {URI})" in message
    assert "gzip" in message and "cut short" in message


def test_a_corrupt_gzip_body_is_refused_with_file_and_interaction(tmp_path: Path, fake: FakeOpenAI) -> None:
    path = tmp_path / "corrupt_gzip.yaml"
    packed = bytearray(gzipped_json())
    packed[20:30] = b"\xff" * 10
    path.write_text(vcrpy_text(bytes(packed), {"Content-Encoding": ["gzip"], "Content-Type": ["application/json"]}))
    message = refused(fake, path)
    assert f"{path}, interaction #0 (POST {URI})" in message
    assert "gzip" in message


def test_whole_vcrpy_cassettes_with_gzip_and_deflate_bodies_still_replay(tmp_path: Path, fake: FakeOpenAI) -> None:
    raw_deflate = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    for encoding, packed in [
        ("gzip", gzipped_json()),
        ("deflate", zlib.compress(json.dumps(ANSWER).encode())),
        ("deflate", raw_deflate.compress(json.dumps(ANSWER).encode()) + raw_deflate.flush()),
        ("gzip", gzip.compress(json.dumps(ANSWER).encode()[:40]) + gzip.compress(json.dumps(ANSWER).encode()[40:])),
    ]:
        path = tmp_path / f"whole_{encoding}_{len(packed)}.yaml"
        path.write_text(vcrpy_text(packed, {"Content-Encoding": [encoding], "Content-Type": ["application/json"]}))
        with fake.use_cassette(path):
            assert post(fake).json() == ANSWER


# --- bombs --------------------------------------------------------------------------------------------------------


def gzip_bomb(gibibytes: int) -> bytes:
    """A gzip stream of `gibibytes` GiB of zeros, about 1 MB per GiB, built without holding the zeros."""
    chunk = bytes(1 << 20)
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    # After a full flush the packer forgets what came before, so every further MiB packs to the same bytes.
    first = packer.compress(chunk) + packer.flush(zlib.Z_FULL_FLUSH)
    block = packer.compress(chunk) + packer.flush(zlib.Z_FULL_FLUSH)
    end = packer.flush()
    count = gibibytes << 10
    crc = 0
    for _ in range(count):
        crc = zlib.crc32(chunk, crc)
    return first + block * (count - 1) + end[:-8] + struct.pack("<II", crc, (count << 20) & 0xFFFFFFFF)


LOAD_AND_MEASURE = """
import resource, sys, time
resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))
from pathlib import Path
from fakeopenai._recording.cassette import CassetteError, load
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.monotonic()
try:
    load(Path(sys.argv[1]))
    outcome = "loaded"
except CassetteError as exc:
    outcome = str(exc)
except BaseException as exc:
    outcome = f"{type(exc).__name__}: {exc}"
grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
print(f"{time.monotonic() - started:.2f} {grown * 1024}")
print(outcome)
"""


def load_in_subprocess(path: Path) -> tuple[float, int, str]:
    """Load `path` in a fresh process held to 3 GiB: (seconds, bytes the process grew by, the error)."""
    result = subprocess.run(
        [sys.executable, "-c", LOAD_AND_MEASURE, str(path)], capture_output=True, text=True, timeout=60
    )
    figures, _, outcome = result.stdout.partition("\n")
    assert figures, result.stderr
    seconds, grown = figures.split()
    return float(seconds), int(grown), outcome


def test_a_gzip_bomb_is_refused_without_inflating_it(tmp_path: Path) -> None:
    path = tmp_path / "gzip_bomb.yaml"
    path.write_text(vcrpy_text(gzip_bomb(1), {"Content-Encoding": ["gzip"], "Content-Type": ["application/json"]}))
    assert path.stat().st_size < 2 << 20
    seconds, grown, outcome = load_in_subprocess(path)
    assert f"{path}, interaction #0 (POST {URI})" in outcome
    assert f"more than {MAX_BODY_BYTES >> 20} MiB" in outcome
    assert grown < 3 * MAX_BODY_BYTES, f"the process grew by {grown >> 20} MiB"
    assert seconds < 10


def test_many_small_bombs_are_refused_by_the_bound_on_the_whole_cassette(tmp_path: Path) -> None:
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    one = packer.compress(bytes(MAX_BODY_BYTES - 1024)) + packer.flush()
    entries = [
        {
            "request": {"body": None, "headers": {}, "method": "GET", "uri": f"https://api.openai.com/v1/files/{n}"},
            "response": {
                "body": {"string": one},
                "headers": {"Content-Encoding": ["gzip"], "Content-Type": ["application/octet-stream"]},
                "status": {"code": 200, "message": "OK"},
            },
        }
        for n in range(8)
    ]
    path = tmp_path / "many_bombs.yaml"
    path.write_text(yaml.safe_dump({"interactions": entries, "version": 1}))
    assert path.stat().st_size < 2 << 20
    seconds, grown, outcome = load_in_subprocess(path)
    assert str(path) in outcome and "interaction #" in outcome
    assert "all bodies of the cassette" in outcome
    assert grown < 6 * MAX_BODY_BYTES, f"the process grew by {grown >> 20} MiB"
    assert seconds < 20


def alias_bomb(where: str) -> str:
    """A dozen KB of YAML that names about 3 billion strings through nested aliases."""
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * 9) + "]" for n in range(1, 10)]
    headers = "{x: *a9}" if where == "headers" else "{}"
    body = "*a9" if where == "body" else "''"
    return "\n".join(lines) + textwrap.dedent(
        f"""
        interactions:
        - request: {{method: POST, uri: '{URI}', body: null}}
          response: {{status: {{code: 200, message: OK}}, headers: {headers}, body: {{string: {body}}}}}
        version: 1
        """
    )


@pytest.mark.parametrize("where", ["body", "headers"])
def test_a_yaml_alias_bomb_is_refused_at_once(tmp_path: Path, where: str) -> None:
    path = tmp_path / "alias_bomb.yaml"
    path.write_text(alias_bomb(where))
    seconds, grown, outcome = load_in_subprocess(path)
    assert str(path) in outcome and "anchored on line 1" in outcome and "alias" in outcome, outcome
    assert seconds < 2 and grown < 64 << 20


def test_a_file_beyond_the_size_bound_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("wb") as handle:
        handle.truncate(MAX_CASSETTE_BYTES + 1)
    seconds, grown, outcome = load_in_subprocess(path)
    assert str(path) in outcome and f"{MAX_CASSETTE_BYTES >> 20} MiB" in outcome, outcome
    assert grown < 64 << 20 and seconds < 2


# --- the wrong shape ----------------------------------------------------------------------------------------------


def entry(**response: Any) -> dict[str, Any]:
    return {
        "request": {"method": "POST", "uri": URI, "headers": {}, "body": json.dumps(QUESTION)},
        "response": {"status": {"code": 200, "message": "OK"}, "headers": {}, "body": {"string": "{}"}, **response},
    }


WRONG_SHAPES: list[tuple[str, Any, str]] = [
    ("top-level-list", [entry()], "a mapping with `interactions`"),
    ("interactions-mapping", {"interactions": {"a": 1}, "version": 1}, "a mapping with `interactions`"),
    ("no-version", {"interactions": [entry()]}, "ends before `version: 1`"),
    ("other-version", {"interactions": [entry()], "version": 2}, "version 2"),
    ("interaction-list", {"interactions": [[1, 2]], "version": 1}, "interaction #0: it is not a mapping"),
    ("no-request", {"interactions": [{"response": entry()["response"]}], "version": 1}, "interaction #0: it has no `request`"),
    ("no-response", {"interactions": [{"request": entry()["request"]}], "version": 1}, f"interaction #0 (POST {URI}): it has no `response`"),
    ("no-uri", {"interactions": [{"request": {"method": "POST"}, "response": {}}], "version": 1}, "interaction #0: its request has no `uri`"),
    ("status-text", {"interactions": [entry(status={"code": "OK"})], "version": 1}, "status 'OK' is not"),
    ("status-low", {"interactions": [entry(status={"code": 42})], "version": 1}, "status 42 is not"),
    ("status-high", {"interactions": [entry(status={"code": 700})], "version": 1}, "status 700 is not"),
    ("status-bool", {"interactions": [entry(status={"code": True})], "version": 1}, "status True is not"),
    ("headers-list", {"interactions": [entry(headers=["a", "b"])], "version": 1}, "response headers are not a mapping"),
    ("header-mapping", {"interactions": [entry(headers={"x-a": {"b": 1}})], "version": 1}, "response header 'x-a'"),
    ("body-nested", {"interactions": [entry(body={"string": [["a"]]})], "version": 1}, "response body"),
    ("body-not-mapping", {"interactions": [entry(body="{}")], "version": 1}, "response body"),
    ("event-times", {"interactions": [entry(fakeopenai={"event_times": ["soon"]})], "version": 1}, "event_times"),
    ("json-style", {"interactions": [entry(fakeopenai={"json": "fancy"})], "version": 1}, "'fancy'"),
    ("encoding", {"interactions": [entry(headers={"content-encoding": ["zz"]})], "version": 1}, "'zz'"),
]


@pytest.mark.parametrize(("document", "problem"), [pytest.param(d, p, id=i) for i, d, p in WRONG_SHAPES])
def test_a_cassette_of_the_wrong_shape_is_refused_naming_the_entry(tmp_path: Path, document: Any, problem: str) -> None:
    path = tmp_path / "shape.yaml"
    path.write_text(yaml.safe_dump(document))
    with pytest.raises(CassetteError) as caught:
        load(path)
    assert str(path) in str(caught.value)
    assert problem in str(caught.value)


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        pytest.param(b"interactions: []\nversion: 1\n# caf\xe9\n", "line 3", id="latin-1"),
        pytest.param(b"interactions: [\x00\x01\x02]\nversion: 1\n", "not valid YAML", id="control-bytes"),
        pytest.param(bytes(range(256)) * 4, "not UTF-8", id="binary"),
        pytest.param(
            b"interactions:\n- request: {method: GET, uri: 'https://api.openai.com/v1/models', body: "
            + b"!!python/object/new:_io.BytesIO {state: " + b"[" * 900 + b"]" * 900 + b"}}\nversion: 1\n",
            "nests its YAML too deeply",
            id="deep-nesting",
        ),
    ],
)
def test_non_utf8_and_binary_junk_is_refused_naming_the_file(tmp_path: Path, content: bytes, problem: str) -> None:
    path = tmp_path / "junk.yaml"
    path.write_bytes(content)
    with pytest.raises(CassetteError) as caught:
        load(path)
    assert str(path) in str(caught.value) and problem in str(caught.value)


# --- fuzz ---------------------------------------------------------------------------------------------------------

# A cassette as fakeopenai writes it (a JSON answer, a stream), and an interaction as vcrpy writes it (gzip).
GOOD_TEXT = (
    dumps(
        [
            interaction(json.dumps(ANSWER, separators=(",", ":")).encode()),
            interaction(STREAM.encode(), "text/event-stream", {"n": 2, "stream": True}),
        ]
    ).removesuffix("version: 1\n")
    + vcrpy_text(gzipped_json(), {"Content-Encoding": ["gzip"], "Content-Type": ["application/json"]}).removeprefix(
        "interactions:\n"
    )
)


def claims_json(content_type: str) -> bool:
    kind = content_type.split(";")[0].strip().lower()
    return kind == "application/json" or kind.endswith("+json")


def sound(item: Interaction) -> bool:
    """Whether every body of `item` is whole: JSON that parses, a stream whose every event is JSON or [DONE].

    A body is JSON only when its content type says so: a damaged header makes it text (an empty body, as a 204's,
    is whole too).
    """
    if item.is_stream:
        return item.response_body.endswith(b"\n") and all(
            e.data == "[DONE]" or json.loads(e.data) is not None for e in item.events()
        )
    if item.response_body and claims_json(item.content_type):
        json.loads(item.response_body)
    if item.request_body and claims_json(header(item.request_headers, "content-type") or ""):
        json.loads(item.request_body)
    return True


@pytest.fixture(scope="module")
def fuzz_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def test_the_fuzz_base_cassette_is_whole(fuzz_dir: Path) -> None:
    path = fuzz_dir / "base.yaml"
    path.write_text(GOOD_TEXT)
    loaded = load(path)
    assert len(loaded) == 3 and all(sound(i) for i in loaded)
    assert json.loads(loaded[2].response_body) == ANSWER


COUNTER = iter(range(1 << 30))


def load_bytes(directory: Path, content: bytes) -> tuple[Interaction, ...]:
    path = directory / f"case_{next(COUNTER)}.yaml"
    path.write_bytes(content)
    try:
        return load(path)
    finally:
        path.unlink()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.integers(min_value=0, max_value=len(GOOD_TEXT.encode()) - 2))
def test_a_cassette_cut_anywhere_loads_whole_or_is_refused(fuzz_dir: Path, offset: int) -> None:
    original = load_bytes(fuzz_dir, GOOD_TEXT.encode())
    try:
        loaded = load_bytes(fuzz_dir, GOOD_TEXT.encode()[:offset])
    except CassetteError:
        return
    assert loaded == original[: len(loaded)]


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.integers(min_value=0, max_value=len(GOOD_TEXT.encode()) - 1), st.integers(0, 255)), min_size=1, max_size=4))
def test_a_cassette_with_bytes_flipped_loads_whole_or_is_refused(fuzz_dir: Path, flips: list[tuple[int, int]]) -> None:
    content = bytearray(GOOD_TEXT.encode())
    for offset, value in flips:
        content[offset] = value
    try:
        loaded = load_bytes(fuzz_dir, bytes(content))
    except CassetteError:
        return
    assert all(sound(item) for item in loaded)



@pytest.mark.parametrize(
    "tag",
    ["!!python/object/apply:os.system [\"touch {marker}\"]", "!!python/name:os.system", "!!python/object/new:os.stat"],
)
def test_a_python_tag_that_would_run_code_is_refused(tmp_path: Path, tag: str) -> None:
    marker = tmp_path / "ran"
    path = tmp_path / "evil.yaml"
    path.write_text(
        "interactions:\n- request: {method: POST, uri: '" + URI + "', headers: {}, body: "
        + tag.format(marker=marker)
        + "}\n  response: {status: {code: 200, message: OK}, headers: {}, body: {string: '{}'}}\nversion: 1\n",
        encoding="utf-8",
    )
    with pytest.raises(CassetteError, match=r"evil\.yaml"):
        load(path)
    assert not marker.exists()


def test_the_python_tags_vcrpy_wrote_for_request_bodies_still_load(tmp_path: Path) -> None:
    path = tmp_path / "old.yaml"
    body = "!!python/object/new:_io.BytesIO {state: [!!binary 'eyJhIjogMX0=', 0, null]}"
    path.write_text(
        "interactions:\n- request: {method: !!python/str POST, uri: '" + URI + "', headers: {}, body: " + body
        + "}\n  response: {status: {code: 200, message: OK}, headers: {}, body: {string: '{}'}}\nversion: 1\n",
        encoding="utf-8",
    )
    (interaction,) = load(path)
    assert interaction.method == "POST" and interaction.request_body == b'{"a": 1}'
