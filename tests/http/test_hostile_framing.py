"""Request framing a hostile client controls: chunked bodies, conflicting lengths, odd codings, bad header names,
non-JSON numbers, scripted headers that would inject lines, and floods of idle connections.

Every case goes over a raw socket to a running fake. After each, the server answers a normal request and
`state.errors` stays empty. `FAKEOPENAI_FUZZ_SCALE=10` runs ten times as many fuzz inputs and connections.
"""

from __future__ import annotations

import http.client
import json
import os
import resource
import socket
import struct
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import fakeopenai._http.server
from fakeopenai import ConfigurationError, FakeOpenAI, Fault
from fakeopenai._http.server import MAX_CONNECTIONS, LoopbackServer

SCALE = float(os.environ.get("FAKEOPENAI_FUZZ_SCALE", "1"))
KEY = "sk-framing"
CHAT = json.dumps({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hi"}]}).encode()
BAD_JSON = "We could not parse the JSON body of your request."


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI(api_key=KEY).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(autouse=True)
def healthy_after(request: pytest.FixtureRequest) -> Iterator[None]:
    """After each test, a normal request on a fresh connection works and nothing was raised inside the server."""
    yield
    if "fake" not in request.fixturenames:
        return
    server: FakeOpenAI = request.getfixturevalue("fake")
    assert_healthy(server)
    server.reset()


def port_of(fake: FakeOpenAI) -> int:
    return int(fake.url.rsplit(":", 1)[1])


def head(target: str = "/v1/chat/completions", *headers: str, method: str = "POST", version: str = "1.1") -> bytes:
    lines = [f"{method} {target} HTTP/{version}", "Host: 127.0.0.1", f"Authorization: Bearer {KEY}", *headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def chunked(*chunks: bytes) -> bytes:
    return b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for chunk in chunks) + b"0\r\n\r\n"


CHUNKED_HEAD = head("/v1/chat/completions", "Content-Type: application/json", "Transfer-Encoding: chunked")
NORMAL = head("/v1/models", method="GET")


def read_all(sock: socket.socket, timeout: float = 5) -> bytes:
    """Everything the server sends until it closes the connection (or `timeout` passes)."""
    sock.settimeout(timeout)
    data = b""
    try:
        while more := sock.recv(65536):
            data += more
    except (TimeoutError, ConnectionResetError):
        pass
    return data


def responses(data: bytes) -> list[tuple[int, dict[str, str], bytes]]:
    """The responses in `data` (Content-Length framed, as every error is): status, headers, body."""
    found = []
    while data:
        raw_head, _, data = data.partition(b"\r\n\r\n")
        status_line, *lines = raw_head.decode("latin-1").split("\r\n")
        headers = {name.lower(): value.strip() for name, _, value in (line.partition(":") for line in lines)}
        length = int(headers.get("content-length", "0"))
        found.append((int(status_line.split()[1]), headers, data[:length]))
        data = data[length:]
    return found


def send(fake: FakeOpenAI, data: bytes, timeout: float = 5) -> list[tuple[int, dict[str, str], bytes]]:
    """Send `data` on a fresh connection, half-close it, and read every response until the server closes."""
    with socket.create_connection(("127.0.0.1", port_of(fake)), timeout=5) as sock:
        try:
            sock.sendall(data)
            sock.shutdown(socket.SHUT_WR)
        except OSError:  # the server refused the request and closed before it was all sent
            pass
        return responses(read_all(sock, timeout))


def refused(fake: FakeOpenAI, data: bytes, status: int = 400) -> str:
    """Send `data`: it must get exactly one OpenAI-shaped error with `status`, and the connection closed."""
    with socket.create_connection(("127.0.0.1", port_of(fake)), timeout=5) as sock:
        sock.sendall(data)
        answers = responses(read_all(sock))  # the server closes the connection, or this times out
    assert len(answers) == 1, answers
    got, headers, body = answers[0]
    assert got == status, body
    assert headers["connection"] == "close"
    error = json.loads(body)["error"]
    assert list(error) == ["message", "type", "param", "code"]
    return str(error["message"])


def assert_healthy(fake: FakeOpenAI) -> None:
    with socket.create_connection(("127.0.0.1", port_of(fake)), timeout=10) as sock:
        sock.sendall(NORMAL)
        sock.settimeout(10)
        data = b""
        while b'"object":"list"' not in data and (more := sock.recv(65536)):
            data += more
    assert data.startswith(b"HTTP/1.1 200 "), data[:200]
    errors = list(fake.state.errors)
    fake.state.errors.clear()
    assert not errors, "raised inside the server:\n" + "".join(traceback.format_exception(errors[0]))


# --- chunked bodies -----------------------------------------------------------------------------------------------

CRASH = """
import socket, sys, time
from fakeopenai import FakeOpenAI

with FakeOpenAI(api_key="k") as fake:
    port = int(fake.url.rsplit(":", 1)[1])
    for size in (b"10000000", b"FFFFFFFFFFFF", b"7FFFFFFF", b"FFFFFFF"):
        sock = socket.create_connection(("127.0.0.1", port))
        sock.sendall(
            b"POST /v1/chat/completions HTTP/1.1\\r\\nHost: x\\r\\nAuthorization: Bearer k\\r\\n"
            b"Content-Type: application/json\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n" + size + b"\\r\\n{\\"a\\":"
        )
        time.sleep(0.1)
        sock.close()
    time.sleep(0.3)
    reply = fake.client(max_retries=0).models.list()
    print("alive", len(reply.data), len(fake.state.errors), len(fake.chat.calls), flush=True)
    fake.reset()
"""


def test_a_huge_chunk_size_then_an_early_close_does_not_kill_the_process() -> None:
    """The process died with SIGSEGV: werkzeug's `DechunkedInput.readinto` reported more bytes than it filled."""
    done = subprocess.run([sys.executable, "-c", CRASH], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, f"exit {done.returncode}: {done.stderr[-2000:]}"
    alive, models, errors, calls = done.stdout.split()
    assert (alive, errors, calls) == ("alive", "0", "4") and int(models) > 0, done.stdout


def test_a_chunked_body_with_extensions_and_trailers_is_read_exactly(fake: FakeOpenAI) -> None:
    pieces = [CHAT[:7], CHAT[7:8], CHAT[8:]]  # boundaries anywhere, even mid-token
    extensions = [b";name=value;flag", b' ;ext="q"', b""]
    data = b"".join(b"%X%s\r\n%s\r\n" % (len(p), e, p) for p, e in zip(pieces, extensions, strict=True))
    data += b"0\r\nX-Trailer: yes\r\nAnother: 1\r\n\r\n"
    answers = send(fake, CHUNKED_HEAD + data + NORMAL)
    assert [status for status, _, _ in answers] == [200, 200]
    assert fake.chat.calls[0].request.body == json.loads(CHAT)


def test_a_chunk_claiming_more_than_the_body_limit_gets_413_without_reading_it_all() -> None:
    with FakeOpenAI(api_key=KEY, max_body_bytes=4096) as small:
        with socket.create_connection(("127.0.0.1", port_of(small)), timeout=5) as sock:
            sock.sendall(CHUNKED_HEAD + b"10000000\r\n" + b"x" * 4097)  # the limit and a byte: all it reads
            answers = responses(read_all(sock))
        assert [(status, headers["connection"]) for status, headers, _ in answers] == [(413, "close")]
        assert_healthy(small)
        small.reset()


MALFORMED = {
    "not-hex": b"zz\r\n{}\r\n0\r\n\r\n",
    "negative": b"-2\r\n{}\r\n0\r\n\r\n",
    "plus-sign": b"+2\r\n{}\r\n0\r\n\r\n",
    "0x-prefix": b"0x2\r\n{}\r\n0\r\n\r\n",
    "leading-space": b" 2\r\n{}\r\n0\r\n\r\n",
    "underscore": b"0_2\r\n{}\r\n0\r\n\r\n",
    "seventeen-digits": b"00000000000000002\r\n{}\r\n0\r\n\r\n",
    "huge-hex": b"F" * 100_000 + b"\r\n",
    "bare-lf-size-line": b"2\n{}\r\n0\r\n\r\n",
    "no-crlf-after-data": b"2\r\n{}XX0\r\n\r\n",
    "data-longer-than-size": b"1\r\n{}\r\n0\r\n\r\n",
    "control-in-extension": b"2;\x01\r\n{}\r\n0\r\n\r\n",
    "bad-trailer": b"2\r\n{}\r\n0\r\nno colon here\r\n\r\n",
    "huge-trailers": b"2\r\n{}\r\n0\r\n" + b"X-T: " + b"a" * 3000 + b"\r\n" * 1 + (b"X-T: a\r\n" * 20_000) + b"\r\n",
    "empty-size-line": b"\r\n{}\r\n0\r\n\r\n",
}


@pytest.mark.parametrize("framing", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_chunked_framing_gets_400_and_the_connection_closed(fake: FakeOpenAI, framing: bytes) -> None:
    message = refused(fake, CHUNKED_HEAD + framing + NORMAL)
    assert message.startswith("The request body could not be read (")


@pytest.mark.parametrize("size", [b"10000000", b"FFFFFFFFFFFF", b"FFFFFFFFFFFFFFFF", b"7fffffff;x=y"])
def test_a_huge_chunk_size_then_a_close_at_every_stage(fake: FakeOpenAI, size: bytes) -> None:
    """The client claims a huge chunk, sends some of it (or none, or half the size line) and goes away."""
    port = port_of(fake)
    whole = CHUNKED_HEAD + size + b"\r\n" + CHAT
    for cut in range(len(CHUNKED_HEAD) - 3, len(whole) + 1):
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall(whole[:cut])
            if cut % 2:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close with RST
    time.sleep(0.2)
    assert_healthy(fake)


def test_a_connection_cut_at_every_byte_of_a_chunked_request(fake: FakeOpenAI) -> None:
    whole = CHUNKED_HEAD + b"5;a=b\r\n" + CHAT[:5] + b"\r\n" + b"%x\r\n" % (len(CHAT) - 5) + CHAT[5:] + b"\r\n"
    whole += b"0\r\nX-Trailer: 1\r\n\r\n"
    port = port_of(fake)
    for cut in range(len(CHUNKED_HEAD), len(whole)):
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall(whole[:cut])
    time.sleep(0.2)
    assert_healthy(fake)


SIZES = st.one_of(
    st.sampled_from([0x10000000, 0xFFFFFFFFFFFF, 0xFFFFFFFF, 0x7FFFFFFF, 0, 1, 2]).map(lambda n: b"%x" % n),
    st.integers(0, 300).map(lambda n: b"%x" % n),
    st.text("0123456789abcdefABCDEF", min_size=1, max_size=40).map(str.encode),
    st.binary(max_size=12),
)
CHUNK = st.tuples(
    SIZES,
    st.sampled_from([b"", b";x", b";name=value", b";" + b"e" * 5000, b" ;q=\"v\""]),
    st.sampled_from([b"\r\n", b"\n", b"\r", b""]),
    st.binary(max_size=300),
    st.sampled_from([b"\r\n", b"", b"\n", b"XX"]),
)


@settings(
    max_examples=max(1, int(150 * SCALE)), deadline=None, database=None, suppress_health_check=list(HealthCheck)
)
@given(chunks=st.lists(CHUNK, max_size=4), end=st.sampled_from([b"0\r\n\r\n", b"0\r\nA: b\r\n\r\n", b"0\r\n", b""]))
def test_fuzzed_chunked_framing_never_harms_the_server(
    fake: FakeOpenAI, chunks: list[tuple[bytes, bytes, bytes, bytes, bytes]], end: bytes
) -> None:
    data = CHUNKED_HEAD + b"".join(b"".join(chunk) for chunk in chunks) + end
    for status, _, body in send(fake, data, timeout=3):
        assert 200 <= status < 300 or (400 <= status < 500 and list(json.loads(body)) == ["error"]), body
    assert_healthy(fake)
    fake.reset()


# --- lengths, codings and header names ----------------------------------------------------------------------------


def test_content_length_with_transfer_encoding_is_refused_not_smuggled(fake: FakeOpenAI) -> None:
    smuggled = head("/v1/models", method="GET")
    outer = head("/v1/chat/completions", "Content-Type: application/json", f"Content-Length: {5 + len(smuggled)}")
    outer = outer[:-2] + b"Transfer-Encoding: chunked\r\n\r\n"
    message = refused(fake, outer + b"0\r\n\r\n" + smuggled)
    assert "both a Content-Length and a Transfer-Encoding" in message
    assert len(fake.state.journal.all()) == 0, "no request may run"


@pytest.mark.parametrize(
    ("coding", "status"),
    [
        ("xchunked", 400),
        ("chunkedx", 400),
        ("gzip", 400),
        ("identity", 400),
        ("", 400),
        ("chunked, chunked", 400),
        ("chunked, gzip", 400),
        ("gzip, chunked", 501),
        ("deflate,chunked", 501),
    ],
)
def test_a_transfer_coding_other_than_chunked_is_refused(fake: FakeOpenAI, coding: str, status: int) -> None:
    message = refused(fake, head("/v1/models", f"Transfer-Encoding: {coding}", method="GET") + b"0\r\n\r\n", status)
    assert "chunked" in message
    assert len(fake.state.journal.all()) == 0


@pytest.mark.parametrize("coding", ["chunked", " Chunked ", "CHUNKED"])
def test_exactly_chunked_in_any_case_is_accepted(fake: FakeOpenAI, coding: str) -> None:
    data = head("/v1/chat/completions", "Content-Type: application/json", f"Transfer-Encoding: {coding}")
    assert [status for status, _, _ in send(fake, data + chunked(CHAT) + NORMAL)] == [200, 200]


def test_transfer_encoding_in_an_http_1_0_request_is_refused(fake: FakeOpenAI) -> None:
    data = head("/v1/chat/completions", "Transfer-Encoding: chunked", version="1.0")
    assert "HTTP/1.0" in refused(fake, data + chunked(CHAT))


@pytest.mark.parametrize(
    "lengths", [["5", "6"], ["5, 6"], ["+5"], ["-5"], ["5 5"], ["0x5"], ["\u00b2"]], ids=repr
)
def test_conflicting_or_non_digit_content_lengths_are_refused(fake: FakeOpenAI, lengths: list[str]) -> None:
    data = head("/v1/chat/completions", *(f"Content-Length: {value}" for value in lengths))
    refused(fake, data + CHAT)
    assert len(fake.state.journal.all()) == 0


@pytest.mark.parametrize(
    "line", ["X Bad: 1", "X-Bad : 1", " X-Bad: 1", "X(Bad): 1", "X@Bad: 1", "X\x00Bad: 1", "Bad\x7f: 1", ": empty"]
)
def test_a_header_name_that_is_not_a_token_is_refused(fake: FakeOpenAI, line: str) -> None:
    assert "header name must be a token" in refused(fake, head("/v1/models", line, method="GET"))
    assert len(fake.state.journal.all()) == 0


# --- JSON numbers -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_not_json(fake: FakeOpenAI, constant: str) -> None:
    body = CHAT[:-1] + b',"temperature":' + constant.encode() + b"}"
    data = head("/v1/chat/completions", "Content-Type: application/json", f"Content-Length: {len(body)}") + body
    answers = send(fake, data)
    assert [status for status, _, _ in answers] == [400]
    assert json.loads(answers[0][2])["error"]["message"].startswith(BAD_JSON)


# --- scripted headers ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "named"),
    [
        ({"Retry-After": "1\r\nX-Injected: yes"}, "Retry-After"),
        ({"X-Note": "a\nb"}, "X-Note"),
        ({"X-Note": "a\x00b"}, "X-Note"),
        ({"X-Injected: yes\r\nX-Note": "1"}, "X-Injected"),
        ({"Bad Name": "1"}, "Bad Name"),
        ({"Content-Length": "5"}, "Content-Length"),
        ({"transfer-encoding": "chunked"}, "transfer-encoding"),
        ({"Connection": "keep-alive"}, "Connection"),
    ],
)
def test_a_scripted_header_that_would_break_framing_is_refused_when_registered(
    fake: FakeOpenAI, headers: dict[str, str], named: str
) -> None:
    with pytest.raises(ConfigurationError, match=named.split()[0]):
        fake.chat.respond_with_error(429, headers=headers)
    with pytest.raises(ConfigurationError, match=named.split()[0]):
        Fault(503, headers=headers)
    assert fake.state.scripts.entries() == []


def test_a_scripted_header_that_is_fine_is_sent(fake: FakeOpenAI) -> None:
    fake.chat.respond_with_error(429, headers={"Retry-After": "0", "X-Note": "tab\tand spaces"})
    data = head("/v1/chat/completions", "Content-Type: application/json", f"Content-Length: {len(CHAT)}") + CHAT
    [(status, headers, _)] = send(fake, data)
    assert (status, headers["retry-after"], headers["x-note"]) == (429, "0", "tab\tand spaces")


def test_the_server_never_writes_an_injected_or_duplicate_framing_header() -> None:
    """Defense in depth: whatever headers an app hands the server, it writes no extra line and one framing."""

    def app(incoming: object, start_response: object) -> list[bytes]:
        assert callable(start_response)
        start_response(
            "200 OK",
            [
                ("Content-Length", "2"),
                ("X-Evil", "1\r\nX-Injected: yes"),
                ("X-Null", "a\x00b"),
                ("Bad Name", "1"),
                ("Content-Length", "1000"),
                ("Transfer-Encoding", "chunked"),
                ("X-Fine", "ok"),
            ],
        )
        return [b"ok"]

    server = LoopbackServer(app)
    server.start()
    try:
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n" * 2)
            sock.shutdown(socket.SHUT_WR)
            answers = responses(read_all(sock))
    finally:
        server.stop()
    assert len(answers) == 2
    for status, headers, body in answers:
        assert (status, body) == (200, b"ok")
        assert set(headers) == {"content-length", "x-fine"}, headers


# --- connection floods --------------------------------------------------------------------------------------------


def flood_size() -> int:
    """2,000 idle connections at CI scale (more under FAKEOPENAI_FUZZ_SCALE), as the descriptor limit allows."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    room = soft - 300 if soft != resource.RLIM_INFINITY else 1 << 20
    return max(MAX_CONNECTIONS + 50, min(int(2000 * SCALE), room // 2))


def open_idle(port: int, count: int, first_bytes: bytes = b"") -> list[socket.socket]:
    socks = []
    for _ in range(count):
        sock = socket.socket()
        sock.setblocking(False)
        try:
            sock.connect(("127.0.0.1", port))
        except BlockingIOError:
            pass
        socks.append(sock)
    if first_bytes:
        time.sleep(0.05)
        for sock in socks:
            try:
                sock.send(first_bytes)
            except OSError:
                pass
    return socks


def test_idle_connections_cannot_starve_a_real_client(fake: FakeOpenAI) -> None:
    """A flood of connections that send nothing, or half a request head, holds up no one: the oldest of those
    waiting for a head make room for new clients, while a request in progress is never cut."""
    port = port_of(fake)
    threads_before = threading.active_count()
    mid_request = socket.create_connection(("127.0.0.1", port), timeout=10)
    mid_request.sendall(CHUNKED_HEAD + b"%x\r\n" % len(CHAT) + CHAT[:10])
    count = flood_size()
    flood = open_idle(port, count // 2) + open_idle(port, count - count // 2, b"POST /v1/chat/comp")
    try:
        began = time.perf_counter()
        reply = fake.client(max_retries=0, timeout=10).models.list()
        took = time.perf_counter() - began
        print(f"a fresh SDK call after {count} idle connections took {took:.2f} s")
        assert reply.data and took < 2
        assert threading.active_count() - threads_before <= MAX_CONNECTIONS + 5, "one thread per idle connection"

        mid_request.sendall(CHAT[10:] + b"\r\n0\r\n\r\n")
        answer = http.client.HTTPResponse(mid_request, method="POST")
        answer.begin()
        assert answer.status == 200 and json.loads(answer.read())["object"] == "chat.completion"

        oldest = flood[0]
        oldest.setblocking(True)
        oldest.settimeout(5)
        assert oldest.recv(100) == b"", "the oldest idle connection was closed to make room"
    finally:
        mid_request.close()
        for sock in flood:
            sock.close()


def test_a_request_head_must_arrive_within_the_head_timeout(fake: FakeOpenAI, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fakeopenai._http.server, "HEAD_TIMEOUT_SECONDS", 0.5)
    port = port_of(fake)
    with (
        socket.create_connection(("127.0.0.1", port), timeout=5) as slow,
        socket.create_connection(("127.0.0.1", port), timeout=5) as idle,
    ):
        slow.sendall(b"GET /v1/models HTTP/1.1\r\nHost: x\r\n")
        began = time.perf_counter()
        read_all(slow, timeout=5)
        assert time.perf_counter() - began < 3, "the slow head was not cut off"
        idle.sendall(NORMAL)  # an idle keep-alive connection may wait longer than a head may take
        assert read_all(idle, timeout=1).startswith(b"HTTP/1.1 200 ")
