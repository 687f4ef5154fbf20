"""`FakeOpenAI`: the handle a test holds — server, scripts, request log and checks."""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from types import ModuleType, TracebackType
from typing import TYPE_CHECKING, Any

from ._app.app import App, framing_error_body
from ._app.hosts import HostCheck
from ._app.report import build_report
from ._app.state import Settings, State
from ._app.views import ChatRequest, RequestView
from ._errors import ServerError, UnmetExpectations
from ._http.server import LoopbackServer
from ._recording.cassette import Redactor
from ._recording.credentials import Secret
from ._recording.tape import DEFAULT_UPSTREAM, Cassette, RecordMode, upstream_key_from
from ._scripting.vocabulary import Scripting
from ._transports.memory import MEMORY_BASE_URL, make_transports
from ._transports.sync_socket import make_socket_transport
from .endpoints import operations
from .endpoints._assistants_scripting import AssistantsScripting, ThreadsScripting
from .endpoints._audio_scripting import AudioScripting
from .endpoints._batches_scripting import BatchesScripting
from .endpoints._completions_request import CompletionRequest
from .endpoints._embeddings_scripting import EmbeddingsScripting
from .endpoints._evals_scripting import EvalsScripting
from .endpoints._files_scripting import FilesScripting
from .endpoints._fine_tuning_scripting import FineTuningScripting
from .endpoints._images_scripting import ImagesScripting
from .endpoints._models_scripting import ModelsScripting
from .endpoints._moderations_scripting import ModerationsScripting
from .endpoints._responses_scripting import ResponsesScripting
from .endpoints._runs_scripting import RunsScripting

if TYPE_CHECKING:
    import openai

DEFAULT_API_KEY = "sk-fakeopenai-test-key"
"""The API key the fake hands to clients (any bearer token is accepted unless `api_key` is set)."""


class FakeOpenAI(Scripting[RequestView]):
    """A fake OpenAI API served over real HTTP on 127.0.0.1.

    Use it as a context manager outside pytest:

    ```python
    with FakeOpenAI() as fake:
        fake.chat.respond_with_message("Hello!")
        client = openai.OpenAI(base_url=fake.base_url, api_key="any")
    ```

    Answers scripted on the fake itself (`fake.respond_with_message`) serve any
    endpoint that generates a model turn; `fake.chat.…` only chat completions.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        validate: bool = True,
        api_key: str | None = None,
        max_body_bytes: int = 64 * 1024 * 1024,
        clock: Callable[[], float] | None = None,
    ) -> None:
        settings = Settings(validate=validate, api_key=api_key, max_body_bytes=max_body_bytes)
        self.state = State(settings) if clock is None else State(settings, clock)
        super().__init__(self.state, None)
        self.app = App(self.state)
        """The WSGI application, usable without a socket."""
        self.chat: Scripting[ChatRequest] = Scripting(self.state, frozenset({"chat.completions.create"}))
        """Chat completions: scripts that answer only `POST /v1/chat/completions`, and its calls."""
        self.responses = ResponsesScripting(self.state, operations("responses."))
        """The Responses API: scripts that answer only `POST /v1/responses`, and its calls."""
        self.completions: Scripting[CompletionRequest] = Scripting(self.state, operations("completions."))
        """Legacy completions (`POST /v1/completions`)."""
        self.embeddings = EmbeddingsScripting(self.state, operations("embeddings."))
        """Embeddings (`POST /v1/embeddings`)."""
        self.moderations = ModerationsScripting(self.state, operations("moderations."))
        """Moderations (`POST /v1/moderations`)."""
        self.images = ImagesScripting(self.state, operations("images."))
        """Images: generations, edits and variations."""
        self.audio = AudioScripting(self.state, operations("audio."))
        """Audio: speech, transcriptions and translations."""
        self.models = ModelsScripting(self.state, operations("models."))
        """Models: list, retrieve, delete."""
        self.files = FilesScripting(self.state)
        """Files and uploads: seed and read stored files, script errors."""
        self.fine_tuning = FineTuningScripting(self.state)
        """Fine-tuning jobs: drive them through their statuses, make them fail."""
        self.batches = BatchesScripting(self.state)
        """Batches: run, advance or expire them."""
        self.assistants = AssistantsScripting(self.state)
        """Assistants: seed and read them."""
        self.threads = ThreadsScripting(self.state)
        """Threads and their messages: seed and read them."""
        self.runs = RunsScripting(self.state)
        """Assistants runs: scripts that answer only runs; hold, advance, expire or fail them."""
        self.evals = EvalsScripting(self.state)
        """Evals and their runs: hold, advance or fail runs; read output items."""
        self.app.hosts = HostCheck((host,))
        self._server = LoopbackServer(self.app.respond_from_network, host, port, framing_error_body)
        self._running = False
        self._no_proxy: tuple[tuple[str | None, str | None, str], tuple[str, str]] | None = None

    @property
    def url(self) -> str:
        """The server's root URL, e.g. `http://127.0.0.1:51234`."""
        host = self._server.host
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{self._server.port}"

    @property
    def base_url(self) -> str:
        """The URL to give an OpenAI client as `base_url`, e.g. `http://127.0.0.1:51234/v1`."""
        return self.url + "/v1"

    @property
    def api_key(self) -> str:
        """A key the fake accepts."""
        return self.state.settings.api_key or DEFAULT_API_KEY

    def start(self) -> FakeOpenAI:
        """Start serving; returns the fake itself."""
        if not self._running:
            self._server.start()
            self._running = True
        return self

    def stop(self) -> None:
        """Stop serving."""
        if self._running:
            self._server.stop()
            self._running = False

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if exc_type is None:
                self.check()
        finally:
            self.stop()

    def reset(self) -> None:
        """Forget scripts, calls, resources and server errors: a clean slate for the next test."""
        self.state.reset()

    def report(self) -> str | None:
        """What went wrong so far (invalid or unmatched requests, unused scripts, server errors), or None."""
        return build_report(self.state)

    def check(self) -> None:
        """Raise `UnmetExpectations` (or `ServerError`) if anything went wrong so far."""
        __tracebackhide__ = True
        report = self.report()
        if report is None:
            return
        if self.state.errors:
            raise ServerError(report) from self.state.errors[0]
        raise UnmetExpectations(report)

    @property
    def cassette(self) -> Cassette | None:
        """The cassette answering requests now, if any."""
        tape = self.state.tape
        return tape if isinstance(tape, Cassette) else None

    @contextmanager
    def use_cassette(
        self,
        path: str | os.PathLike[str],
        *,
        record_mode: RecordMode = "none",
        upstream: str = DEFAULT_UPSTREAM,
        upstream_api_key: str | None = None,
        match_ignore: Sequence[str] = (),
        allow_playback_repeats: bool = False,
        redact: Redactor | Sequence[Redactor] = (),
        replay_pacing: bool | float = False,
    ) -> Iterator[Cassette]:
        """Answer from the cassette at `path` (after scripts) during the block, recording as `record_mode` allows.

        The real key for recording is `upstream_api_key`, else `FAKEOPENAI_UPSTREAM_API_KEY`, else
        `OPENAI_API_KEY` unless it is the fake's own. What was recorded is saved when the block ends.
        """
        __tracebackhide__ = True
        key = Secret.of(upstream_api_key) or upstream_key_from(os.environ, self.api_key)
        del upstream_api_key  # only the masked `key` stays in this frame, which a traceback may show
        cassette = Cassette(
            path,
            record_mode=record_mode,
            upstream=upstream,
            upstream_api_key=key,
            match_ignore=match_ignore,
            allow_playback_repeats=allow_playback_repeats,
            redact=redact,
            replay_pacing=replay_pacing,
        )
        self.state.tape = cassette
        try:
            yield cassette
        finally:
            self.state.tape = None
            cassette.save()

    def environ(self) -> dict[str, str]:
        """The environment variables that point unmodified OpenAI clients at the fake, past any proxy.

        `OPENAI_BASE_URL` and `OPENAI_API_KEY`; and `NO_PROXY` and `no_proxy` as they are now (either
        one's value if the other is unset) with the fake's addresses added, so that a client behind
        `HTTP_PROXY`/`HTTPS_PROXY`/`ALL_PROXY` sends the fake's traffic to the fake, not to the proxy.
        """
        key = (os.environ.get("NO_PROXY"), os.environ.get("no_proxy"), self.url)
        if self._no_proxy is None or self._no_proxy[0] != key:
            upper, lower, url = key
            own = ["127.0.0.1", "localhost", "::1", self._server.host, url.removeprefix("http://")]
            values = []
            for current in (upper if upper is not None else lower, lower if lower is not None else upper):
                entries = [entry.strip() for entry in (current or "").split(",") if entry.strip()]
                values.append(",".join(entries + [entry for entry in dict.fromkeys(own) if entry not in entries]))
            self._no_proxy = (key, (values[0], values[1]))  # a test run asks the same for every test
        no_proxy = self._no_proxy[1]
        return {
            "OPENAI_BASE_URL": self.base_url,
            "OPENAI_API_KEY": self.api_key,
            "NO_PROXY": no_proxy[0],
            "no_proxy": no_proxy[1],
        }

    @contextmanager
    def patched_environ(self) -> Iterator[None]:
        """Set the variables of `environ()` for the duration of the block, then restore them."""
        saved = {name: os.environ.get(name) for name in self.environ()}
        os.environ.update(self.environ())
        try:
            yield
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value

    def client(self, *, memory: bool = False, **kwargs: Any) -> openai.OpenAI:
        """An `openai.OpenAI` client pointed at the fake; other keyword arguments go to `openai.OpenAI`.

        It speaks HTTP/1.1 to the fake's server over a real socket through fakeopenai's own lean
        transport (httpx's default one spends about 0.3 ms per request in pure Python); pass your own
        `http_client` for another. With `memory=True` it skips the socket entirely.
        """
        import openai

        httpx = _sdk_httpx()
        if memory:
            kwargs.setdefault("http_client", openai.DefaultHttpxClient(transport=self.transports(httpx)[0]))
            return openai.OpenAI(base_url=MEMORY_BASE_URL, api_key=self.api_key, **kwargs)
        if "http_client" not in kwargs:
            transport = make_socket_transport(httpx, self._server.host, self._server.port)
            kwargs["http_client"] = openai.DefaultHttpxClient(transport=transport)
        return openai.OpenAI(base_url=self.base_url, api_key=self.api_key, **kwargs)

    def async_client(self, *, memory: bool = False, **kwargs: Any) -> openai.AsyncOpenAI:
        """An `openai.AsyncOpenAI` client pointed at the fake; other keyword arguments go to `openai.AsyncOpenAI`.

        It speaks HTTP/1.1 to the fake's server over a real socket through fakeopenai's own lean
        async transport, built on anyio (httpx's default one spends about 0.3 ms per request in pure
        Python); pass your own `http_client` for another. With `memory=True` it skips the socket entirely.
        """
        import openai

        from ._transports.async_socket import make_async_socket_transport

        httpx = _sdk_httpx()
        if memory:
            kwargs.setdefault("http_client", openai.DefaultAsyncHttpxClient(transport=self.transports(httpx)[1]))
            return openai.AsyncOpenAI(base_url=MEMORY_BASE_URL, api_key=self.api_key, **kwargs)
        if "http_client" not in kwargs:
            transport = make_async_socket_transport(httpx, self._server.host, self._server.port)
            kwargs["http_client"] = openai.DefaultAsyncHttpxClient(transport=transport)
        return openai.AsyncOpenAI(base_url=self.base_url, api_key=self.api_key, **kwargs)

    def transports(self, httpx_module: ModuleType | None = None) -> tuple[Any, Any]:
        """A sync and an async httpx transport that reach the fake in-process, with no socket.

        For clients built on `httpx` (the default) or on `httpx2` (pass the module). Use them with
        `base_url=fakeopenai.MEMORY_BASE_URL`, e.g. `httpx.Client(transport=sync, base_url=MEMORY_BASE_URL)`.
        """
        return make_transports(httpx_module or importlib.import_module("httpx"), self.app)


def _sdk_httpx() -> ModuleType:
    """The HTTP package the installed `openai` SDK is built on (`httpx2` in 3.x, `httpx` before)."""
    import openai

    base = openai.DefaultHttpxClient.__mro__[1].__module__.split(".")[0]
    return importlib.import_module(base)
