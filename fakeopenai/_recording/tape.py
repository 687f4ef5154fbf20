"""The cassette as the fake's `Tape`: replay recorded answers, or record them through to the real API.

Record modes, as vcrpy defines them:

- `none`: replay only; a request with no recording is refused (HTTP 400,
  code `cassette_miss`) and fails the test. Never touches the network.
- `once`: replay a cassette that existed before this run; record a new one
  (every request goes upstream; tests sharing it during the run all add to it).
- `new_episodes`: replay what is recorded, record what is not.
- `all`: record everything again; recordings of other requests are kept.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NoReturn, get_args
from urllib.parse import urlencode

from .._app.responses import EventStream, RawResponse, Response, SseEvent
from .._app.state import Context
from .._errors import ApiError
from . import cassette as _cassette
from .cassette import CassetteError, Interaction, RecordingsLeftOut, Redactor
from .credentials import MIN_KNOWN_LENGTH, Secret, clean_url, url_credentials, without_credentials
from .matching import MatchRules, RequestData, api_path, closest

if TYPE_CHECKING:
    import httpx

RecordMode = Literal["none", "once", "new_episodes", "all"]
"""When a cassette records: `none` (never; the default), `once`, `new_episodes` or `all`, as in vcrpy."""

RECORD_MODES: tuple[str, ...] = get_args(RecordMode)
DEFAULT_UPSTREAM = "https://api.openai.com/v1"
UPSTREAM_KEY_VARIABLE = "FAKEOPENAI_UPSTREAM_API_KEY"

_HOP_BY_HOP = frozenset(
    {
        "host",
        "content-length",
        "connection",
        "keep-alive",
        "transfer-encoding",
        "te",
        "trailer",
        "upgrade",
        "proxy-authorization",
        "proxy-connection",
        "authorization",
        "api-key",
        "accept-encoding",
        "cookie",
    }
)
_CLIENT_HEADERS = frozenset({"openai-processing-ms", "retry-after", "retry-after-ms"})
_CLIENT_PREFIXES = ("x-ratelimit-",)


def check_record_mode(value: object, where: str = "record_mode") -> RecordMode:
    """`value` as a record mode; a clear error listing the valid ones otherwise."""
    if value in RECORD_MODES:
        return value  # type: ignore[return-value]
    valid = ", ".join(repr(m) for m in RECORD_MODES)
    raise ValueError(f"{where} {value!r} is not a record mode; use one of {valid}.")


def upstream_key_from(environ: Mapping[str, str], fake_key: str | None = None) -> Secret | None:
    """The real API key: `FAKEOPENAI_UPSTREAM_API_KEY`, else `OPENAI_API_KEY` unless it is the fake's own."""
    __tracebackhide__ = True
    explicit = environ.get(UPSTREAM_KEY_VARIABLE)
    if explicit:
        return Secret(explicit)
    key = environ.get("OPENAI_API_KEY")
    return Secret(key) if key and key != fake_key else None


class Cassette:
    """A cassette file in use by a fake: answers from it, records into it, then saves it.

    Give it to a fake with `FakeOpenAI.use_cassette(path)` or the `fakeopenai(cassette=…)` marker.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        record_mode: RecordMode = "none",
        upstream: str = DEFAULT_UPSTREAM,
        upstream_api_key: str | Secret | None = None,
        match_ignore: Sequence[str] = (),
        allow_playback_repeats: bool = False,
        redact: Redactor | Sequence[Redactor] = (),
        replay_pacing: bool | float = False,
        fresh: bool | None = None,
    ) -> None:
        """Open the cassette at `path` (it need not exist yet).

        `fresh` says, for `once`, whether the file counts as new (recordable);
        by default, whether it is missing now.
        """
        # Rebound first, so that a traceback through here shows the key and the upstream's user:password@ masked.
        upstream_api_key, known, upstream = Secret.of(upstream_api_key), url_credentials(upstream), clean_url(upstream)
        self.path = Path(path)
        """Where the cassette is stored."""
        self.record_mode: RecordMode = check_record_mode(record_mode)
        """The record mode in force."""
        self.upstream = upstream.rstrip("/")
        """The API that recordings are made against, e.g. `https://api.openai.com/v1`."""
        self.rules = MatchRules(tuple(match_ignore))
        """What matching compares."""
        self.allow_playback_repeats = allow_playback_repeats
        """Whether a recording may answer again once every matching one was replayed."""
        self.redactors: tuple[Redactor, ...] = (redact,) if callable(redact) else tuple(redact)
        """Applied to each JSON document written, and to requests before matching."""
        self.pacing = 1.0 if replay_pacing is True else float(replay_pacing or 0.0)
        """How replay paces recorded stream events: 0 at once, 1 as recorded, 0.5 twice as fast."""
        self._upstream_key = upstream_api_key
        self._known = [*known, *([upstream_api_key] if upstream_api_key else [])]
        self._loaded: tuple[Interaction, ...] = _cassette.load(self.path)
        fresh = not self.path.exists() if fresh is None else fresh
        self._replays = self.record_mode != "all"
        self._records = self.record_mode in ("new_episodes", "all") or (self.record_mode == "once" and fresh)
        self._index: dict[str, list[int]] = {}
        for number, interaction in enumerate(self._loaded):
            key = self._recorded_key(interaction)
            self._index.setdefault(key, []).append(number)
        self._plays: dict[str, int] = {}
        self.recorded: list[Interaction] = []
        """Interactions recorded during this use, in the order they completed."""
        self._lock = threading.Lock()
        self._client: httpx.Client | None = None

    @property
    def records(self) -> bool:
        """Whether a request it has no answer for goes on to the upstream and is recorded."""
        return self._records

    @property
    def interactions(self) -> tuple[Interaction, ...]:
        """The interactions loaded from the file."""
        return self._loaded

    def __repr__(self) -> str:
        return f"<Cassette {str(self.path)!r} record_mode={self.record_mode!r} loaded={len(self._loaded)}>"

    # --- answering ----------------------------------------------------------------------------------------------

    def answer(self, ctx: Context) -> Response | None:
        """The recorded answer to this request, or one recorded now from the upstream; an error on a miss."""
        request = self._request_of(ctx)
        key = self.rules.key(request)
        if self._replays:
            with self._lock:
                found = self._take(key)
            if found is not None:
                return self._replay(found)
        if not self._records:
            explanation = self._miss(request, key)
            ctx.call.unmatched = explanation.replace("\n", "\n      ")
            return ApiError(400, explanation, code="cassette_miss")
        return self._forward(ctx)

    def _request_of(self, ctx: Context) -> RequestData:
        headers = ctx.call.headers if ctx.call is not None else {}
        body = _cassette.body_data(ctx.raw_body, headers.get("content-type", ""))
        if self.redactors and body is not None and not isinstance(body, str):
            body = _cassette.redacted(body, self.redactors)
        method = ctx.call.method if ctx.call is not None else "POST"
        path = ctx.call.path if ctx.call is not None else ""
        query = tuple(sorted(without_credentials(ctx.query.items())))
        return RequestData(method.upper(), api_path(path), query, body)

    def _take(self, key: str) -> Interaction | None:
        numbers = self._index.get(key)
        if not numbers:
            return None
        played = self._plays.get(key, 0)
        if played < len(numbers):
            self._plays[key] = played + 1
            return self._loaded[numbers[played]]
        return self._loaded[numbers[-1]] if self.allow_playback_repeats else None

    def _replay(self, interaction: Interaction) -> Response:
        headers = _client_headers(interaction.response_headers)
        if interaction.is_stream and interaction.status == 200:
            return EventStream(self._paced(interaction), headers=headers, live=self.pacing > 0)
        return RawResponse(interaction.response_body, interaction.content_type, interaction.status, headers)

    def _paced(self, interaction: Interaction) -> Iterator[SseEvent]:
        events = interaction.events()
        times = interaction.event_times
        pace = self.pacing if times is not None and len(times) == len(events) else 0.0
        previous = 0.0
        for number, event in enumerate(events):
            if pace and times is not None:
                time.sleep(max(0.0, times[number] - previous) * pace)
                previous = times[number]
            yield event

    def _miss(self, request: RequestData, key: str) -> str:
        lines = [
            f"fakeopenai: no recorded answer for {request.describe()} in the cassette {self.path} "
            f"(record mode {self.record_mode!r})."
        ]
        if self._index.get(key):
            count = len(self._index[key])
            lines.append(
                f"The cassette has {count} recording(s) of this request, all replayed already in this test; "
                "record more with --openai-record-mode=new_episodes, or allow repeats (allow_playback_repeats=True)."
            )
        elif not self.path.exists():
            lines.append("The cassette file does not exist: record it with --openai-record-mode=once.")
        elif not self._loaded:
            lines.append("The cassette holds no interactions.")
        else:
            lines.append("Closest recorded requests, and how they differ from this one:")
            for number, differences in closest(request, [i.request for i in self._loaded], self.rules):
                lines.append(f"  #{number} {self._loaded[number].request.describe()}")
                lines += [f"      {line}" for line in differences[:10]]
            lines.append(
                "If the change is intended, record it with --openai-record-mode=new_episodes; if a field varies "
                "from run to run, leave it out of matching with match_ignore=[...]."
            )
        return "\n".join(lines)

    # --- recording ----------------------------------------------------------------------------------------------

    def _forward(self, ctx: Context) -> Response:
        call = ctx.call
        key = self._upstream_key
        if not key:
            message = (
                f"fakeopenai: cannot record {call.method} {call.path} into {self.path} (record mode "
                f"{self.record_mode!r}): no real API key. Set {UPSTREAM_KEY_VARIABLE} (or OPENAI_API_KEY before "
                "pytest starts)."
            )
            call.unmatched = message
            return ApiError(401, message, code="upstream_api_key_missing")
        if len(key) < MIN_KNOWN_LENGTH:
            message = (
                f"fakeopenai: cannot record {call.method} {call.path} into {self.path}: the real API key is "
                f"{len(key)} character(s) long, and recording needs at least {MIN_KNOWN_LENGTH} characters, so that the key "
                f"can be searched for before anything is written. Set {UPSTREAM_KEY_VARIABLE} to the real key."
            )
            call.unmatched = message
            return ApiError(401, message, code="upstream_api_key_too_short")
        url = self._upstream_url(call.path, ctx.query)
        headers = {k: v for k, v in call.headers.items() if k.lower() not in _HOP_BY_HOP}
        import httpx  # imported on first use: only recording needs it, and it takes ~20 ms to import

        client = self._http()
        try:
            request = client.build_request(call.method, url, content=ctx.raw_body or None, headers=headers)
            response = client.send(request, stream=True, auth=self._authorize)
        except httpx.HTTPError as exc:
            message = (
                f"fakeopenai: the upstream {url} could not be reached while recording: {exc or type(exc).__name__}"
            )
            call.unmatched = message
            return ApiError(502, message, type="server_error", code="upstream_unreachable")
        sent = {k: [v] for k, v in headers.items()}
        content_type = response.headers.get("content-type", "")
        stream = content_type.split(";")[0].strip().lower() == "text/event-stream"
        if stream and response.status_code == 200:
            return EventStream(
                self._tee(response, call.method, url, sent, ctx.raw_body),
                headers=_client_headers(_multi(response)),
                live=True,
            )
        try:
            body = response.read()
        except httpx.HTTPError as exc:
            message = f"fakeopenai: the upstream {url} broke off its answer while recording: {exc}"
            call.unmatched = message
            return ApiError(502, message, type="server_error", code="upstream_unreachable")
        finally:
            response.close()
        interaction = self._interaction(response, call.method, url, sent, ctx.raw_body, body, None)
        self._keep(interaction)
        return RawResponse(
            body, content_type or "application/json", response.status_code, _client_headers(_multi(response))
        )

    def _tee(
        self, response: httpx.Response, method: str, url: str, sent: dict[str, list[str]], raw_body: bytes
    ) -> Iterator[SseEvent]:
        """Pass each event on as it arrives from upstream, and keep the whole stream once it ended."""
        import httpx

        parser = _cassette.SseParser()
        events: list[SseEvent] = []
        times: list[float] = []
        started = time.monotonic()
        try:
            try:
                for chunk in response.iter_bytes():
                    for event in parser.feed(chunk):
                        events.append(event)
                        times.append(time.monotonic() - started)
                        yield event
            except httpx.HTTPError as exc:
                raise CassetteError(
                    f"The upstream stream from {url} broke off after {len(events)} events while recording into "
                    f"{self.path}: {exc}. Nothing was recorded for this request."
                ) from exc
            for event in parser.close():
                events.append(event)
                times.append(time.monotonic() - started)
                yield event
        finally:
            response.close()
        body = _cassette.render_sse(events).encode()
        self._keep(self._interaction(response, method, url, sent, raw_body, body, tuple(times)))

    def _interaction(
        self,
        response: httpx.Response,
        method: str,
        url: str,
        sent: dict[str, list[str]],
        raw_body: bytes,
        body: bytes,
        times: tuple[float, ...] | None,
    ) -> Interaction:
        headers = _multi(response)
        for name in [k for k in headers if k.lower() in ("content-encoding", "content-length", "transfer-encoding")]:
            del headers[name]
        return Interaction(
            method=method.upper(),
            uri=url,
            request_headers=sent,
            request_body=raw_body or None,
            status=response.status_code,
            reason=response.reason_phrase,
            response_headers=headers,
            response_body=body,
            event_times=times,
        )

    def _authorize(self, request: httpx.Request) -> httpx.Request:
        """The one place the real key is revealed: the Authorization header of the request sent upstream."""
        __tracebackhide__ = True
        if self._upstream_key is not None:
            request.headers["authorization"] = "Bearer " + self._upstream_key.reveal()
        return request

    def _keep(self, interaction: Interaction) -> None:
        with self._lock:
            self.recorded.append(interaction)

    def _upstream_url(self, path: str, query: Mapping[str, str]) -> str:
        rest = path[3:] if path.startswith("/v1/") else path
        url = self.upstream + rest
        kept = without_credentials(query.items())
        return url + ("?" + urlencode(kept) if kept else "")

    def _http(self) -> httpx.Client:
        import httpx

        with self._lock:
            if self._client is None:
                self._client = httpx.Client(timeout=httpx.Timeout(600.0, connect=15.0), follow_redirects=False)
            return self._client

    # --- saving -------------------------------------------------------------------------------------------------

    def _set_aside(
        self, kept: list[Interaction], documents: dict[int, dict[str, Any]], damaged: CassetteError
    ) -> NoReturn:
        """Write the new recordings beside a cassette that cannot be read, which is left as it is, and say so."""
        __tracebackhide__ = True
        aside = self.path.with_name(f"{self.path.stem}.unsaved-{os.getpid()}{self.path.suffix}")
        _cassette.write_atomically(aside, _cassette.dump_documents([documents[id(i)] for i in kept]))
        with self._lock:
            self.recorded = [i for i in self.recorded if id(i) not in documents]
        raise CassetteError(
            f"{damaged}\nThe {len(kept)} new recording(s) could not be merged into it and were written to {aside} "
            "instead: once the cassette is mended or deleted, move them into it (or rename the file to its name)."
        ) from None

    def save(self) -> bool:
        """Write what was recorded, merged with the file as it is now; True if the file was written.

        Nothing is written when nothing was recorded. Tests sharing the cassette
        (even from other processes) never lose each other's recordings. A
        recording that holds what looks like a credential is left out, the others
        are written, and then `RecordingsLeftOut` names each one left out.
        """
        __tracebackhide__ = True
        with self._lock:
            recorded = list(self.recorded)
            client, self._client = self._client, None
        if client is not None:
            client.close()
        if not recorded:
            return False
        documents: dict[int, dict[str, Any]] = {}
        refused = self._screen(recorded, "recording #{number}", documents)
        kept = [i for i in recorded if id(i) in documents]
        if kept:
            with _cassette.locked(self.path):
                try:
                    on_disk = list(_cassette.load(self.path))
                except CassetteError as damaged:
                    self._set_aside(kept, documents, damaged)
                merged = self._merge(on_disk, kept)
                refused += self._screen(merged, "interaction #{number} already in the cassette,", documents)
                written = [documents[id(i)] for i in merged if id(i) in documents]
                _cassette.write_atomically(self.path, _cassette.dump_documents(written))
        with self._lock:
            self.recorded = self.recorded[len(recorded) :]
        if refused:
            raise RecordingsLeftOut(refused)
        return bool(kept)

    def _screen(self, interactions: list[Interaction], label: str, documents: dict[int, dict[str, Any]]) -> list[str]:
        __tracebackhide__ = True
        return _cassette.screen_all(self.path, interactions, label, documents, self.redactors, self._known)

    def _merge(self, on_disk: list[Interaction], recorded: list[Interaction]) -> list[Interaction]:
        key = self._recorded_key
        if self.record_mode == "all":
            fresh = {key(i) for i in recorded}
            return [i for i in on_disk if key(i) not in fresh] + recorded
        loaded: dict[str, int] = {}
        for interaction in self._loaded:
            loaded[key(interaction)] = loaded.get(key(interaction), 0) + 1
        disk: dict[str, int] = {}
        for interaction in on_disk:
            disk[key(interaction)] = disk.get(key(interaction), 0) + 1
        by_key: dict[str, list[Interaction]] = {}
        for interaction in recorded:
            by_key.setdefault(key(interaction), []).append(interaction)
        added = []
        for k, mine in by_key.items():
            missing = loaded.get(k, 0) + len(mine) - disk.get(k, 0)
            if missing > 0:
                added += mine[len(mine) - missing :]
        order = {id(i): n for n, i in enumerate(recorded)}
        return on_disk + sorted(added, key=lambda i: order[id(i)])

    def _recorded_key(self, interaction: Interaction) -> str:
        request = interaction.request
        body = request.body
        if self.redactors and body is not None and not isinstance(body, str):
            body = _cassette.redacted(body, self.redactors)
        query = tuple(without_credentials(request.query))
        return self.rules.key(RequestData(request.method, request.path, query, body))


def _multi(response: httpx.Response) -> dict[str, list[str]]:
    headers: dict[str, list[str]] = {}
    for name, value in response.headers.multi_items():
        headers.setdefault(name, []).append(value)
    return headers


def _client_headers(headers: Mapping[str, Sequence[str]]) -> dict[str, str]:
    """The upstream headers worth passing to the client (rate limits, timing); the app adds its own ids."""
    return {
        k: v[0]
        for k, v in headers.items()
        if v and (k.lower() in _CLIENT_HEADERS or k.lower().startswith(_CLIENT_PREFIXES))
    }
