"""Measure fakeopenai against in-memory floors, and beside the tools users pick instead, in one table.

Run: `python benchmarks/run.py` (`--quick` for fewer repeats, `--only NAME` for
some rows, `--processes N` for the median of N fresh processes in the per-call
and stream rows: 3 unless told; `--together` starts them at once, as `pytest -n N` starts
its workers). Every figure is a median over repeated rounds; each ratio divides
a figure by its floor, measured in the same process and run, rounds
interleaved so that a busy machine slows both alike. Targets (issue 7) are
printed beside the figures with a pass or FAIL mark.

Floor of the per-call rows: the same `openai` SDK call through an in-memory
`MockTransport` (of `httpx2` or `httpx`, whichever the installed SDK is built
on) that returns the bytes the fake would send — what the call costs with no
server at all. The other rows say what their floor is under the table.

`openai-responses` and `pytest-httpserver` are measured too when they import;
`benchmarks/setup-alternatives.sh` builds a venv where both do. The table is
Markdown, so it pastes into docs/performance.md as it is.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import importlib
import json
import logging
import os
import platform
import socketserver
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, NamedTuple

import openai
from openai.types.chat import ChatCompletionMessageParam

from fakeopenai import MEMORY_BASE_URL, FakeOpenAI
from fakeopenai._transports.sync_socket import make_socket_transport

HELLO: list[ChatCompletionMessageParam] = [{"role": "user", "content": "Hello"}]
ANSWER = "Hello! How can I help you today?"
ENABLE_ALTERNATIVES = "bash benchmarks/setup-alternatives.sh, then .bench-venv/bin/python benchmarks/run.py"


def sdk_httpx() -> ModuleType:
    """The HTTP package the installed `openai` SDK is built on: `httpx2` (SDK 3.x) or `httpx` (before)."""
    return importlib.import_module(openai.DefaultHttpxClient.__mro__[1].__module__.split(".")[0])


httpx = sdk_httpx()


# ---------------------------------------------------------------- timing helpers


def median_seconds(action: Callable[[], Any], *, calls: int, rounds: int) -> float:
    """Median over `rounds` of the mean time per call of `action`."""
    action()
    samples = []
    for _ in range(rounds):
        began = time.perf_counter()
        for _ in range(calls):
            action()
        samples.append((time.perf_counter() - began) / calls)
    return statistics.median(samples)


class Pair(NamedTuple):
    """A figure, its floor, and the median of their per-round ratios."""

    figure: float
    floor: float
    ratio: float

    @classmethod
    def of(cls, figures: list[float], floors: list[float]) -> Pair:
        """The medians of the rounds' figures and floors, and the median of the rounds' own ratios."""
        ratio = statistics.median(f / g for f, g in zip(figures, floors, strict=True))
        return cls(statistics.median(figures), statistics.median(floors), ratio)


def median_pair(
    measured: Callable[[], Any],
    floor: Callable[[], Any],
    *,
    calls: int,
    rounds: int,
    between: Callable[[], Any] = lambda: None,
) -> Pair:
    """Like `median_seconds` for an action and its floor, their rounds interleaved.

    The ratio is the median of the rounds' own ratios: a round times both back to
    back, so a load that comes and goes on the machine slows both alike.
    `between` runs, untimed, before each round.
    """
    measured()
    floor()
    figures: list[float] = []
    floors: list[float] = []
    for _ in range(rounds):
        between()
        for action, out in ((measured, figures), (floor, floors)):
            began = time.perf_counter()
            for _ in range(calls):
                action()
            out.append((time.perf_counter() - began) / calls)
    return Pair.of(figures, floors)


class Canned(NamedTuple):
    """A response exactly as the fake sends it: status 200, these headers, this body."""

    headers: list[tuple[bytes, bytes]]
    body: bytes


def mock_client(canned: Canned, base_url: str) -> openai.OpenAI:
    """An SDK client whose transport answers every request with `canned`, in memory: the floor.

    `base_url` is that of the client it is the floor for, so that the SDK sends the very same
    request: it parses the URL on every call, and an IP address costs it more than a host name.
    """

    def handler(request: Any) -> Any:
        return httpx.Response(200, headers=canned.headers, content=canned.body)

    http_client = httpx.Client(transport=httpx.MockTransport(handler))
    return openai.OpenAI(base_url=base_url, api_key="sk-floor", http_client=http_client, max_retries=0)


def create(client: openai.OpenAI) -> Any:
    """The call every per-call row makes."""
    return client.chat.completions.create(model="gpt-4o", messages=HELLO)


def consume(client: openai.OpenAI) -> int:
    """Stream an answer to its last chunk; the number of chunks."""
    stream = client.chat.completions.create(model="gpt-4o", messages=HELLO, stream=True)
    return sum(1 for _ in stream)


def canned(fake: FakeOpenAI, *, stream: bool = False) -> Canned:
    """What the fake sends for `create` (or its streamed form, as scripted): headers and body, to answer floors with."""
    if not stream:
        fake.chat.respond_with_message(ANSWER)
    client = httpx.Client(transport=fake.transports(httpx)[0], headers={"authorization": f"Bearer {fake.api_key}"})
    body = {"model": "gpt-4o", "messages": HELLO, "stream": stream}
    response = client.post(f"{MEMORY_BASE_URL}/chat/completions", json=body)
    assert response.status_code == 200, response.text
    return Canned(response.headers.raw, response.content)


def script_stream(fake: FakeOpenAI, chunks: int) -> None:
    """Script an answer that streams as exactly `chunks` chunks (role, contents, finish)."""
    pieces = [f" w{i}" for i in range(chunks - 2)]
    fake.chat.respond_with_message("".join(pieces), chunks=pieces, always=True)


def sse_events(fake: FakeOpenAI, chunks: int) -> list[Any]:
    """The events of a `chunks`-chunk stream, `"[DONE]"` last, as the fake sends them."""
    script_stream(fake, chunks)
    assert consume(fake.client(memory=True, max_retries=0)) == chunks
    events = list(fake.chat.calls.last.response)
    fake.reset()
    return events


# ---------------------------------------------------------------- the table


@dataclass
class Row:
    """One line of the table."""

    measure: str
    figure: str
    floor: str = "—"
    ratio: float | None = None
    target: str = "—"
    ok: bool | None = None

    def cells(self) -> list[str]:
        ratio = "—" if self.ratio is None else f"{self.ratio:.2f}×"
        mark = "" if self.ok is None else ("pass" if self.ok else "**FAIL**")
        return [self.measure, self.figure, self.floor, ratio, self.target, mark]


def duration(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} µs" if seconds < 1e-4 else f"{seconds * 1e6:.0f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.2f} ms" if seconds < 1e-2 else f"{seconds * 1e3:.1f} ms"
    return f"{seconds:.2f} s"


def size(count: float) -> str:
    sign = "-" if count < 0 else ""
    count = abs(count)
    if count < 1024 * 1024:
        return f"{sign}{count / 1024:.1f} KiB"
    return f"{sign}{count / 1024 / 1024:.1f} MiB"


def against(
    measure: str, figure: float, floor: float, ratio: float | None = None, *, limit: float | None = None
) -> Row:
    """A row whose figure and floor are durations (ratio: figure / floor unless given); `limit`: the target ratio."""
    ratio = figure / floor if ratio is None else ratio
    target = "—" if limit is None else f"≤ {limit:g}× floor"
    return Row(measure, duration(figure), duration(floor), ratio, target, None if limit is None else ratio <= limit)


@dataclass
class Settings:
    """How many repeats each measurement makes."""

    calls: int
    rounds: int
    stream_rounds: int
    fixture_tests: int
    fixture_runs: int
    cold_runs: int
    memory_requests: int
    validation_calls: int

    @classmethod
    def make(cls, quick: bool) -> Settings:
        if quick:
            return cls(50, 5, 5, 100, 2, 3, 2000, 200)
        return cls(200, 15, 15, 300, 5, 7, 10_000, 1000)


# ---------------------------------------------------------------- per call, over a socket and without one


class FreshClients:
    """A new client for every round, as every test makes its own; connected (one untimed call) before the round.

    Over a socket each new connection is served by a new thread, and where the
    system runs that thread, beside the test's own or on another CPU, moves the
    figure by a tenth or more of the floor on a small VM. One client for a
    whole run draws that lot once; a client per round samples it as a test
    suite does.
    """

    def __init__(self, make: Callable[[], openai.OpenAI]) -> None:
        self._make = make
        self.current: openai.OpenAI | None = None

    def next(self) -> None:
        """Close the round's client and connect a new one."""
        self.close()
        self.current = self._make()
        create(self.current)

    def call(self) -> Any:
        """The measured call, from this round's client."""
        assert self.current is not None
        return create(self.current)

    def close(self) -> None:
        """Close the current client, if any."""
        if self.current is not None:
            self.current.close()
            self.current = None


def bench_call(fake: FakeOpenAI, make_client: Callable[[], openai.OpenAI], *, calls: int, rounds: int) -> Pair:
    """Per-call latency of a non-streaming create to the fake, a new client each round: (fake, floor, ratio)."""
    probe = make_client()
    floor = mock_client(canned(fake), str(probe.base_url))
    probe.close()
    clients = FreshClients(make_client)

    def next_test() -> None:  # between rounds, as the fixture resets between tests
        fake.reset()
        fake.chat.respond_with_message(ANSWER, always=True)
        clients.next()

    next_test()
    try:
        return median_pair(clients.call, lambda: create(floor), calls=calls, rounds=rounds, between=next_test)
    finally:
        clients.close()
        fake.reset()


def bench_async_call(
    fake: FakeOpenAI, make_client: Callable[[], openai.AsyncOpenAI], *, calls: int, rounds: int
) -> Pair:
    """`bench_call` for an `openai.AsyncOpenAI` client, on one asyncio event loop; the floor is async too."""

    async def handler(request: Any) -> Any:
        return httpx.Response(200, headers=answer.headers, content=answer.body)

    async def create_async(client: openai.AsyncOpenAI) -> Any:
        return await client.chat.completions.create(model="gpt-4o", messages=HELLO)

    async def timed(client: openai.AsyncOpenAI) -> float:
        began = time.perf_counter()
        for _ in range(calls):
            await create_async(client)
        return (time.perf_counter() - began) / calls

    async def measure() -> Pair:
        client = make_client()
        http_client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
        floor = openai.AsyncOpenAI(base_url=client.base_url, api_key="sk-floor", http_client=http_client, max_retries=0)
        await create_async(floor)
        figures: list[float] = []
        floors: list[float] = []
        for _ in range(rounds):
            fake.reset()  # as the fixture resets between tests, and each test makes its own client
            fake.chat.respond_with_message(ANSWER, always=True)
            await client.close()
            client = make_client()
            await create_async(client)
            figures.append(await timed(client))
            floors.append(await timed(floor))
        await client.close()
        return Pair.of(figures, floors)

    answer = canned(fake)
    try:
        return asyncio.run(measure())
    finally:
        fake.reset()


def own_client(base_url: str, api_key: str) -> openai.OpenAI:
    """A client as application code builds it: the SDK's default httpx transport."""
    return openai.OpenAI(base_url=base_url, api_key=api_key, max_retries=0)


def lean_client(base_url: str, port: int) -> openai.OpenAI:
    """A client on fakeopenai's own socket transport, as `fake.client()` builds it."""
    transport = make_socket_transport(httpx, "127.0.0.1", port)
    http_client = openai.DefaultHttpxClient(transport=transport)
    return openai.OpenAI(base_url=base_url, api_key="sk-bare", http_client=http_client, max_retries=0)


class _BareHandler(socketserver.StreamRequestHandler):
    """Reads each request of a keep-alive connection and sends the server's one canned reply."""

    server: _BareServer
    disable_nagle_algorithm = True

    def handle(self) -> None:
        while self.rfile.readline():
            length = 0
            while (line := self.rfile.readline()) not in (b"\r\n", b""):
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            self.rfile.read(length)
            self.wfile.write(self.server.reply)


class _BareServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    reply = b""


def bench_bare_socket(
    answer: Canned, make_client: Callable[[str, int], openai.OpenAI], *, calls: int, rounds: int
) -> Pair:
    """The same call to the barest keep-alive HTTP server on 127.0.0.1 sending the same bytes: (bare, floor, ratio).

    No routing, no parsing past the headers, no WSGI: what the socket alone costs the SDK.
    """
    server = _BareServer(("127.0.0.1", 0), _BareHandler)
    head = b"".join(b"%s: %s\r\n" % pair for pair in answer.headers)
    server.reply = b"HTTP/1.1 200 OK\r\n%s\r\n%s" % (head, answer.body)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    port = server.server_address[1]
    base_url = f"http://127.0.0.1:{port}/v1"
    clients = FreshClients(lambda: make_client(base_url, port))
    clients.next()
    floor = mock_client(answer, base_url)
    try:
        return median_pair(clients.call, lambda: create(floor), calls=calls, rounds=rounds, between=clients.next)
    finally:
        clients.close()
        server.shutdown()
        server.server_close()
        thread.join()


def bench_stream(fake: FakeOpenAI, *, rounds: int, chunks: int = 1000, memory: bool = False) -> Pair:
    """Time to the last chunk of a 1,000-chunk stream, over the socket or not: (fake, floor, ratio)."""
    script_stream(fake, chunks)
    client = fake.client(memory=memory, max_retries=0)
    floor = mock_client(canned(fake, stream=True), str(client.base_url))
    assert consume(client) == consume(floor) == chunks
    result = median_pair(lambda: consume(client), lambda: consume(floor), calls=1, rounds=rounds)
    fake.reset()
    return result


# ---------------------------------------------------------------- fixture cost, in a pytest subprocess

FIXTURE_CONFTEST = """
import json, os, time

import pytest

@pytest.fixture(scope="session")
def client(fake_openai_server):
    return fake_openai_server.client(memory=True, max_retries=0)

@pytest.fixture
def empty_config():
    return {}

@pytest.fixture
def empty_dir(request):
    return request.node.path.parent

@pytest.fixture
def empty(client, request, monkeypatch, empty_config, empty_dir):
    # fake_openai's shape (the same fixtures requested), doing nothing: what pytest alone charges for it
    yield client

_durations = {}

@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item, nextitem):
    began = time.perf_counter()
    try:
        return (yield)
    finally:
        _durations[item.name] = time.perf_counter() - began

def pytest_sessionfinish(session):
    with open(os.environ["FAKEOPENAI_BENCH_OUT"], "w") as out:
        json.dump(_durations, out)
"""

FIXTURE_TEST = """
def test_plain_{n}(client):
    assert client.chat.completions.create(model="gpt-4o", messages=[{{"role": "user", "content": "Hi"}}]).id


def test_fixture_{n}(fake_openai, client):
    assert client.chat.completions.create(model="gpt-4o", messages=[{{"role": "user", "content": "Hi"}}]).id


def test_empty_{n}(empty, client):
    assert client.chat.completions.create(model="gpt-4o", messages=[{{"role": "user", "content": "Hi"}}]).id
"""


def _pytest_durations(directory: Path) -> dict[str, float]:
    """Each test's time (its setup, call and teardown) in one pytest run in a fresh process."""
    out = directory / "durations.json"
    env = {**os.environ, "FAKEOPENAI_BENCH_OUT": str(out)}
    for name in ("OPENAI_BASE_URL", "OPENAI_API_KEY", "PYTEST_ADDOPTS"):
        env.pop(name, None)
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_generated.py"]
    done = subprocess.run(command, cwd=directory, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")
    durations: dict[str, float] = json.loads(out.read_text())
    return durations


def bench_fixture(*, tests: int, runs: int) -> dict[str, float]:
    """Per-test cost of `fake_openai`, and of an empty fixture of its shape, over the same test without either.

    One generated file holds `tests` triples of the same test (one no-socket call):
    without a fixture, with `fake_openai`, with an empty fixture that requests
    what `fake_openai` requests. The three of a triple run one after the other,
    so at the same moment of a busy machine; each figure is the median (or mean)
    over triples of the difference. The first and last triples (which start and
    stop the session's server) are left out.
    """
    fixture, empty, plain = [], [], []
    with tempfile.TemporaryDirectory() as name:
        directory = Path(name)
        (directory / "pytest.ini").write_text("[pytest]\n")
        (directory / "conftest.py").write_text(FIXTURE_CONFTEST)
        (directory / "test_generated.py").write_text("".join(FIXTURE_TEST.format(n=n) for n in range(tests)))
        for _ in range(runs):
            durations = _pytest_durations(directory)
            for n in range(1, tests - 1):
                without = durations[f"test_plain_{n}"]
                fixture.append(durations[f"test_fixture_{n}"] - without)
                empty.append(durations[f"test_empty_{n}"] - without)
                plain.append(without)
    return {
        "fixture": statistics.median(fixture),
        "fixture_mean": statistics.fmean(fixture),
        "empty": statistics.median(empty),
        "plain": statistics.median(plain),
    }


# ---------------------------------------------------------------- cold start, in fresh processes

COLD_START = """
import json, time
import openai, pytest, {httpx}  # the user's own imports, and pytest's: not counted
body = {body!r}
transport = {httpx}.MockTransport(lambda r: {httpx}.Response(200, content=body, headers={{"content-type": "application/json"}}))
mocked = openai.OpenAI(api_key="sk-cold", base_url="http://floor.invalid/v1", max_retries=0,
                       http_client={httpx}.Client(transport=transport))
began = time.perf_counter()
assert mocked.chat.completions.create(model="gpt-4o", messages=[{{"role": "user", "content": "Hello"}}]).id
sdk = time.perf_counter() - began  # the SDK's own first call (lazy imports, models): not counted
client = openai.OpenAI(api_key="sk-cold", base_url="http://127.0.0.1:9/v1", max_retries=0)  # the user's: not counted
began = time.perf_counter()
import fakeopenai.plugin
from fakeopenai import MEMORY_BASE_URL, FakeOpenAI
imported = time.perf_counter()
fake = FakeOpenAI().start()
started = time.perf_counter()
answer = client.with_options(base_url=fake.base_url).chat.completions.create(
    model="gpt-4o", messages=[{{"role": "user", "content": "Hello"}}]
)
done = time.perf_counter()
assert answer.choices[0].message.content and fake.report() is None
fake.stop()
print(json.dumps({{"import": imported - began, "start": started - imported, "request": done - started, "sdk": sdk}}))
"""


def _fresh(code: str, env: dict[str, str]) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        check=False,
        cwd=tempfile.gettempdir(),
        env=env,
    )
    if done.returncode != 0:
        raise RuntimeError(f"a cold-start process failed:\n{done.stderr}")
    result: dict[str, float] = json.loads(done.stdout)
    return result


def bench_cold_start(body: bytes, *, runs: int) -> dict[str, float]:
    """Medians over fresh processes: the fake's {import, start, request, total}, and the SDK's own first call.

    Not counted: `import openai`, `import pytest`, building the SDK client, and
    the SDK's own first call (made first, through MockTransport). The modules'
    bytecode is compiled by a first, uncounted process, into a cache of its own,
    as installing a package compiles it: with PYTHONDONTWRITEBYTECODE set (as on
    this project's machines) every process would otherwise compile fakeopenai
    from source, which no installed copy does.
    """
    code = COLD_START.format(httpx=httpx.__name__, body=body)
    with tempfile.TemporaryDirectory() as bytecode:
        env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = bytecode
        _fresh(code, env)
        runs_seen = [_fresh(code, env) for _ in range(runs)]
    medians = {key: statistics.median(run[key] for run in runs_seen) for key in runs_seen[0]}
    medians["total"] = statistics.median(run["import"] + run["start"] + run["request"] for run in runs_seen)
    return medians


# ---------------------------------------------------------------- validation of a large request


def large_chat_body() -> dict[str, Any]:
    """A valid chat request of 20 messages (4 tool round trips) and 10 tools (half of them strict)."""
    tools = []
    for i in range(10):
        parameters: dict[str, Any] = {
            "type": "object",
            "properties": {
                "city": {"type": "string", "description": "A city name."},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
                "days": {"type": "integer", "minimum": 1, "maximum": 14},
                "hourly": {"type": "boolean"},
                "fields": {"type": "array", "items": {"type": "string"}},
            },
            "required": ["city", "unit", "days", "hourly", "fields"],
            "additionalProperties": False,
        }
        function: dict[str, Any] = {"name": f"tool_{i}", "description": f"Tool number {i}.", "parameters": parameters}
        if i % 2 == 0:
            function["strict"] = True
        tools.append({"type": "function", "function": function})
    messages: list[dict[str, Any]] = [{"role": "system", "content": "You are a weather assistant. " * 10}]
    for turn in range(4):
        call_id = f"call_{turn}"
        arguments = json.dumps({"city": "Paris", "unit": "celsius", "days": 3, "hourly": False, "fields": ["t"]})
        messages += [
            {"role": "user", "content": f"Question {turn}: what is the weather in Paris? " * 4},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {"id": call_id, "type": "function", "function": {"name": f"tool_{turn}", "arguments": arguments}}
                ],
            },
            {"role": "tool", "tool_call_id": call_id, "content": json.dumps({"temperature": 21, "sky": "clear"})},
            {"role": "assistant", "content": f"Answer {turn}: it is 21 °C and clear."},
        ]
    messages += [{"role": "user", "content": "Thanks."}, {"role": "assistant", "content": "You are welcome."}]
    messages.append({"role": "user", "content": "And tomorrow?"})
    assert len(messages) == 20, len(messages)
    return {"model": "gpt-4o", "messages": messages, "tools": tools, "tool_choice": "auto", "temperature": 0.2}


def bench_validation(*, calls: int, rounds: int) -> Pair:
    """Schema validation plus the chat checks of one large request, against `json.loads` of it: (validate, floor, ratio)."""
    from fakeopenai._app.views import ChatRequest
    from fakeopenai._validation.bodies import validate_body
    from fakeopenai.endpoints._chat_checks import check_chat_request

    raw = json.dumps(large_chat_body()).encode()
    body = json.loads(raw)

    def validate() -> None:
        problems = validate_body("chat.completions.create", body) or check_chat_request(ChatRequest(body))
        assert not problems, problems

    return median_pair(validate, lambda: json.loads(raw), calls=calls, rounds=rounds)


# ---------------------------------------------------------------- cassette replay


def bench_cassette(*, quick: bool) -> dict[int, tuple[float, float, float]]:
    """For 20 and 2,000 interactions (benchmarks/bench_cassette.py): {count: (load, answer, request over HTTP)}.

    Each measure of bench_cassette.py is taken for both sizes in turn, a few
    times over, and the median kept, so that both sizes meet the same load.
    """
    sys.path.insert(0, str(Path(__file__).parent))
    cassettes: Any = importlib.import_module("bench_cassette")
    turns = 1 if quick else 3
    if quick:
        cassettes.LOAD_REPEATS, cassettes.ANSWER_REPEATS, cassettes.HTTP_REPEATS = 3, 300, 60
    samples: dict[int, list[tuple[float, float, float]]] = {count: [] for count in cassettes.SIZES}
    with tempfile.TemporaryDirectory() as directory:
        paths = {count: Path(directory) / f"cassette_{count}.yaml" for count in cassettes.SIZES}
        for count, path in paths.items():
            cassettes.save(path, [cassettes.interaction(n) for n in range(count)])
        for _ in range(turns):
            for count, path in paths.items():
                samples[count].append(
                    (cassettes.load_time(path), cassettes.answer_time(path, count), cassettes.http_time(path, count))
                )
    return {
        count: (
            statistics.median(t[0] for t in taken),
            statistics.median(t[1] for t in taken),
            statistics.median(t[2] for t in taken),
        )
        for count, taken in samples.items()
    }


# ---------------------------------------------------------------- memory over a session


def rss() -> int:
    """Resident memory of this process, in bytes (0 where /proc is missing)."""
    try:
        return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def bench_memory_use(fake: FakeOpenAI, *, requests: int) -> dict[str, int]:
    """Python heap (tracemalloc) and RSS: at baseline, after `requests` no-socket calls, after `fake.reset()`."""
    fake.reset()
    client = fake.client(memory=True, max_retries=0)
    tracemalloc.start()
    try:
        for _ in range(100):
            create(client)
        fake.reset()
        gc.collect()
        heap, resident = {"baseline": tracemalloc.get_traced_memory()[0]}, {"baseline": rss()}
        for _ in range(requests):
            create(client)
        gc.collect()
        assert len(fake.calls) == requests
        heap["after"], resident["after"] = tracemalloc.get_traced_memory()[0], rss()
        fake.reset()
        gc.collect()
        heap["cleared"], resident["cleared"] = tracemalloc.get_traced_memory()[0], rss()
    finally:
        tracemalloc.stop()
    return {**heap, **{"rss_" + key: value for key, value in resident.items()}}


# ---------------------------------------------------------------- the alternatives


def bench_openai_responses(answer: Canned, stream: Canned, events: list[Any], *, calls: int, rounds: int) -> list[Row]:
    """openai-responses: its respx router answers the call with the same JSON, and streams the same chunks."""
    try:
        import openai_responses  # type: ignore[import-not-found, unused-ignore]
        from openai.types.chat import ChatCompletionChunk
        from openai_responses.streaming import EventStream  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        return [Row("openai-responses (respx)", "not installed", target=f"to measure it: {ENABLE_ALTERNATIVES}")]
    if httpx.__name__ != "httpx":
        return [Row("openai-responses (respx)", f"cannot mock this SDK (built on {httpx.__name__})")]
    # Never leaves the process; if respx missed a request it would be refused by 127.0.0.1:9, not sent anywhere.
    base_url = "http://127.0.0.1:9/v1"
    mock = openai_responses.OpenAIMock(base_url=base_url)
    chunks = [ChatCompletionChunk.model_validate(e) for e in events if e != "[DONE]"]

    class Chunks(EventStream):  # type: ignore[misc, type-arg, unused-ignore]
        def generate(self) -> Iterator[ChatCompletionChunk]:
            yield from chunks

    client = openai.OpenAI(base_url=base_url, api_key="sk-alternative", max_retries=0)
    floor = mock_client(answer, base_url)
    stream_floor = mock_client(stream, base_url)
    with mock.router:
        mock.chat.completions.create.response = json.loads(answer.body)
        assert create(client).choices[0].message.content == ANSWER
        call = median_pair(lambda: create(client), lambda: create(floor), calls=calls, rounds=rounds)
        mock.chat.completions.create.response = lambda request: httpx.Response(200, content=Chunks())
        assert consume(client) == consume(stream_floor) == len(events) - 1
        streamed = median_pair(lambda: consume(client), lambda: consume(stream_floor), calls=1, rounds=rounds)
    return [
        against("openai-responses (respx): non-streaming call", *call),
        against("openai-responses (respx): 1,000-chunk stream", *streamed),
    ]


def bench_httpserver(answer: Canned, stream: Canned, events: list[Any], *, calls: int, rounds: int) -> list[Row]:
    """pytest-httpserver: its werkzeug server on 127.0.0.1 serves the same JSON and SSE bytes."""
    try:
        from pytest_httpserver import HTTPServer  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        return [Row("pytest-httpserver (werkzeug)", "not installed", target=f"to measure it: {ENABLE_ALTERNATIVES}")]
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    werkzeug_log = logging.getLogger("werkzeug")
    level = werkzeug_log.level
    werkzeug_log.setLevel(logging.WARNING)  # no access log on stderr (under pytest it would be captured)
    try:
        base_url = server.url_for("/v1")
        client = openai.OpenAI(base_url=base_url, api_key="sk-alternative", max_retries=0)
        floor = mock_client(answer, base_url)
        stream_floor = mock_client(stream, base_url)
        server.expect_request("/v1/chat/completions", method="POST").respond_with_data(
            answer.body, content_type="application/json"
        )
        assert create(client).choices[0].message.content == ANSWER
        call = median_pair(lambda: create(client), lambda: create(floor), calls=calls, rounds=rounds)
        server.clear()
        server.expect_request("/v1/chat/completions", method="POST").respond_with_data(
            stream.body, content_type="text/event-stream"
        )
        assert consume(client) == consume(stream_floor) == len(events) - 1
        streamed = median_pair(lambda: consume(client), lambda: consume(stream_floor), calls=1, rounds=rounds)
        server.check_assertions()
    finally:
        werkzeug_log.setLevel(level)
        server.clear()
        server.stop()
    return [
        against("pytest-httpserver (werkzeug): non-streaming call", *call),
        against("pytest-httpserver (werkzeug): 1,000-chunk stream", *streamed),
    ]


# ---------------------------------------------------------------- the rows, in table order


def rows_socket(fake: FakeOpenAI, s: Settings) -> list[Row]:
    kwargs = {"calls": s.calls, "rounds": s.rounds}
    fixture = bench_call(fake, lambda: fake.client(max_retries=0), **kwargs)
    own = bench_call(fake, lambda: own_client(fake.base_url, fake.api_key), **kwargs)
    answer = canned(fake)
    fake.reset()
    bare_lean = bench_bare_socket(answer, lean_client, **kwargs)
    bare_own = bench_bare_socket(answer, lambda url, port: own_client(url, "sk-bare"), **kwargs)
    return [
        against("chat.completions.create, non-streaming, socket (`fake.client()`)", *fixture, limit=1.5),
        against("(reference) the same call from your own `openai.OpenAI()` (httpx's transport)", *own),
        against("(reference) `fake.client()`'s transport to a bare keep-alive server", *bare_lean),
        against("(reference) httpx's transport to a bare keep-alive server", *bare_own),
    ]


def rows_no_socket(fake: FakeOpenAI, s: Settings) -> list[Row]:
    pair = bench_call(fake, lambda: fake.client(memory=True, max_retries=0), calls=s.calls, rounds=s.rounds)
    return [against("chat.completions.create, non-streaming, no-socket", *pair, limit=1.15)]


def rows_async(fake: FakeOpenAI, s: Settings) -> list[Row]:
    kwargs = {"calls": s.calls, "rounds": s.rounds}
    socket = bench_async_call(fake, lambda: fake.async_client(max_retries=0), **kwargs)
    memory = bench_async_call(fake, lambda: fake.async_client(memory=True, max_retries=0), **kwargs)
    return [
        against("the same call from `openai.AsyncOpenAI`, socket (`fake.async_client()`)", *socket, limit=1.5),
        against("the same call from `openai.AsyncOpenAI`, no-socket", *memory, limit=1.15),
    ]


def rows_stream(fake: FakeOpenAI, s: Settings) -> list[Row]:
    pair = bench_stream(fake, rounds=s.stream_rounds)
    return [against("1,000-chunk stream, time to last chunk, socket", *pair, limit=1.5)]


def rows_no_socket_stream(fake: FakeOpenAI, s: Settings) -> list[Row]:
    pair = bench_stream(fake, rounds=s.stream_rounds, memory=True)
    return [against("1,000-chunk stream, time to last chunk, no-socket", *pair, limit=1.15)]


def rows_fixture(fake: FakeOpenAI, s: Settings) -> list[Row]:
    f = bench_fixture(tests=s.fixture_tests, runs=s.fixture_runs)
    label = f"fixture cost per test (mean {duration(f['fixture_mean'])}; the test alone: {duration(f['plain'])})"
    ratio = f["fixture"] / f["empty"] if f["empty"] > 0 else None
    return [Row(label, duration(f["fixture"]), duration(f["empty"]), ratio, "< 1 ms", f["fixture"] < 1e-3)]


def rows_cold_start(fake: FakeOpenAI, s: Settings) -> list[Row]:
    cold = bench_cold_start(canned(fake).body, runs=s.cold_runs)
    fake.reset()
    parts = f"import {duration(cold['import'])} + start {duration(cold['start'])} + request {duration(cold['request'])}"
    label = f"cold start: plugin import + first validated answer ({parts})"
    return [Row(label, duration(cold["total"]), duration(cold["sdk"]), None, "< 300 ms", cold["total"] < 0.3)]


def rows_validation(fake: FakeOpenAI, s: Settings) -> list[Row]:
    pair = bench_validation(calls=s.validation_calls, rounds=s.rounds)
    return [against("validation of a 20-message, 10-tool chat request", *pair)]


def rows_cassette(fake: FakeOpenAI, s: Settings) -> list[Row]:
    results = bench_cassette(quick=s.calls < 200)
    (small, (s_load, s_answer, s_http)), (large, (l_load, l_answer, l_http)) = sorted(results.items())
    return [
        Row(f"cassette replay, {small:,} interactions, per request over HTTP", duration(s_http)),
        against(f"cassette replay, {large:,} interactions, per request over HTTP", l_http, s_http),
        against(f"cassette lookup in-process, {large:,} vs {small:,} interactions", l_answer, s_answer),
        against(f"cassette load (once), {large:,} vs {small:,} interactions", l_load, s_load),
    ]


def rows_memory(fake: FakeOpenAI, s: Settings) -> list[Row]:
    n = s.memory_requests
    m = bench_memory_use(fake, requests=n)
    grown, left = m["after"] - m["baseline"], m["cleared"] - m["baseline"]
    rss_note = (
        f"RSS {size(m['rss_after'] - m['rss_baseline'])}, after reset {size(m['rss_cleared'] - m['rss_baseline'])}"
    )
    return [
        Row(f"memory after {n:,} requests (Python heap; {rss_note})", f"+{size(grown)}", f"{size(grown / n)}/request"),
        Row(
            "memory after `fake.reset()`, over baseline",
            size(left),
            target="back to baseline (< 1% of growth)",
            ok=left < 0.01 * grown,
        ),
    ]


def rows_alternatives(fake: FakeOpenAI, s: Settings) -> list[Row]:
    answer = canned(fake)
    events = sse_events(fake, 1000)
    script_stream(fake, 1000)
    stream = canned(fake, stream=True)
    fake.reset()
    kwargs = {"calls": s.calls, "rounds": s.rounds}
    return bench_openai_responses(answer, stream, events, **kwargs) + bench_httpserver(answer, stream, events, **kwargs)


SECTIONS: dict[str, Callable[[FakeOpenAI, Settings], list[Row]]] = {
    "socket": rows_socket,
    "no-socket": rows_no_socket,
    "async": rows_async,
    "stream": rows_stream,
    "no-socket-stream": rows_no_socket_stream,
    "fixture": rows_fixture,
    "cold-start": rows_cold_start,
    "validation": rows_validation,
    "cassette": rows_cassette,
    "memory": rows_memory,
    "alternatives": rows_alternatives,
}

SPREAD = ("socket", "no-socket", "async", "stream", "no-socket-stream")
"""The rows `--processes` measures in several fresh processes: a process's luck (memory layout, hash seed, where
the system runs the server thread) moves them by a few hundredths, more than the rounds within one process do."""


def in_processes(name: str, processes: int, quick: bool, *, together: bool = False) -> list[Row]:
    """Section `name` measured in `processes` fresh processes; for each row, the process with the median ratio.

    The processes run one after another, or with `together` all at once, as `pytest -n N` runs its
    workers. The row's label says how many processes ran, and how, and the range of their ratios.
    """
    command = [sys.executable, __file__, "--only", name, "--rows-json", *(["--quick"] if quick else [])]
    runs = [[Row(**fields) for fields in json.loads(output)] for output in outputs(command, processes, together)]
    combined = []
    how = f"{processes} processes at once" if together else f"{processes} processes"
    for measured in zip(*runs, strict=True):
        ranked = sorted(measured, key=lambda row: row.ratio if row.ratio is not None else 0.0)
        middle = ranked[len(ranked) // 2]  # of an even number, the higher of the middle two
        low, high = ranked[0].ratio, ranked[-1].ratio
        spread = f"; {how}: {low:.2f}–{high:.2f}×" if low is not None and high is not None else ""
        combined.append(Row(**{**asdict(middle), "measure": f"{middle.measure} (median{spread})"}))
    return combined


def outputs(command: list[str], processes: int, together: bool) -> list[str]:
    """What `processes` runs of `command` print: one after another, or all started at once."""

    def start() -> subprocess.Popen[str]:
        return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def finished(process: subprocess.Popen[str]) -> str:
        out, err = process.communicate()
        if process.returncode != 0:
            raise RuntimeError(f"a benchmark process failed:\n{err}")
        return out

    if together:
        return [finished(process) for process in [start() for _ in range(processes)]]
    return [finished(start()) for _ in range(processes)]


FLOORS = """\
Floors:
- per-call and stream rows, and the alternatives: the same SDK call through an in-memory MockTransport
  returning the same bytes; ratio = median of the per-round ratios.
- fixture: an empty fixture requesting what `fake_openai` requests; both are times over the same test
  without a fixture, in `python -m pytest -q -p no:cacheprovider`.
- cold start: the SDK's own first call through MockTransport, made (and not counted) first in the same
  fresh process.
- validation: `json.loads` of the same body.
- cassette: the same measure at 20 interactions.
- memory: per request kept in the log."""


def environment() -> str:
    versions = []
    for name in ("openai", httpx.__name__, "werkzeug", "openai_responses", "respx", "pytest_httpserver"):
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        version = getattr(module, "__version__", None)
        if version is None:
            from importlib.metadata import PackageNotFoundError
            from importlib.metadata import version as dist_version

            try:
                version = dist_version(name.replace("_", "-"))
            except PackageNotFoundError:
                version = "?"
        versions.append(f"{name} {version}")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (
        f"Python {platform.python_version()}, {', '.join(versions)}; "
        f"{os.cpu_count()} CPUs, load average {load:.2f} at the start."
    )


def main() -> None:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer repeats, rougher figures")
    parser.add_argument(
        "--processes",
        type=int,
        default=3,
        metavar="N",
        help=f"measure the rows {', '.join(SPREAD)} in N fresh processes and show the median one "
        "(default 3; odd N is best; 1 measures them in this process)",
    )
    parser.add_argument(
        "--together",
        action="store_true",
        help="start those N processes at once, as `pytest -n N` runs its workers, rather than one after "
        "another: each then shares the machine with the others, as in a parallel test run",
    )
    parser.add_argument("--rows-json", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--only",
        action="append",
        metavar="NAME",
        help=f"only these rows (repeat, or separate with commas): {', '.join(SECTIONS)}",
    )
    args = parser.parse_args()
    names = [n.strip() for given in args.only or [",".join(SECTIONS)] for n in given.split(",") if n.strip()]
    unknown = [n for n in names if n not in SECTIONS]
    if unknown:
        parser.error(f"unknown row(s) {', '.join(unknown)}; choose from {', '.join(SECTIONS)}")
    settings = Settings.make(args.quick)
    if args.rows_json:  # one process of `--processes`: its rows, for the parent to combine
        with FakeOpenAI() as fake:
            rows = [row for name in names for row in SECTIONS[name](fake, settings)]
        print(json.dumps([asdict(row) for row in rows]))
        return

    print(environment())
    print()
    header = ["measure", "figure", "floor", "ratio", "target", ""]
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join(["---", "--:", "--:", "--:", "---", "---"]) + "|")
    with FakeOpenAI() as fake:
        for name in SECTIONS:
            if name in names:
                spread = args.processes > 1 and name in SPREAD
                rows = (
                    in_processes(name, args.processes, args.quick, together=args.together)
                    if spread
                    else SECTIONS[name](fake, settings)
                )
                for row in rows:
                    print("| " + " | ".join(row.cells()) + " |", flush=True)
    print()
    print(FLOORS)


if __name__ == "__main__":
    main()
