"""Scripts as data: the vocabulary of `fakeopenai serve --script` and `POST /_fakeopenai/scripts`.

A script is one entry or a list of entries (or `{"scripts": [...]}`); each entry
names one answer and the options of the Python scripting API::

    - endpoint: chat               # optional; any model-turn endpoint when absent
      message: "Hi"
      times: 2
      model: gpt-4o
    - tool_call: {name: get_weather, arguments: {city: Paris}}
    - error: {status: 429, message: Slow down., headers: {Retry-After: "1"}}

Every entry maps onto a `Scripting` verb (`respond_with_message`, …); nothing
here answers requests itself. Entries are checked, then tried on a throwaway
state, before any is registered: a script registers whole, or not at all.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._app.state import Settings, State
from .._errors import ConfigurationError
from ..endpoints import operations
from .script import ToolCall
from .vocabulary import Scripting, ScriptOptions

ANSWER_KEYS = ("message", "tool_call", "tool_calls", "json", "refusal", "error", "dropped_connection")
"""The keys that say what an entry answers; each entry has exactly one."""

_MESSAGE_KEYS = ("chunks", "finish_reason")
_TOOL_CALL_KEYS = ("name", "arguments", "id")
_ERROR_KEYS = ("status", "message", "type", "code", "param", "headers")

_TURN = frozenset(ANSWER_KEYS)
_TEXT = frozenset({"message", "json", "error", "dropped_connection"})
_ERRORS = frozenset({"error", "dropped_connection"})


class ScriptFileError(ConfigurationError):
    """A script (file or control-API body) that does not follow the vocabulary; the message names the entry."""

    def __init__(self, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.param = param
        """Where in the script the problem is, e.g. `[2].times`."""


# --- endpoints ------------------------------------------------------------------------------------------------


def _endpoint_factories() -> dict[str, tuple[Callable[[State], Scripting[Any]], frozenset[str]]]:
    """Each `endpoint:` name, how to build its scripting namespace (as `FakeOpenAI` does) and what it can answer."""
    from ..endpoints._assistants_scripting import AssistantsScripting, ThreadsScripting
    from ..endpoints._audio_scripting import AudioScripting
    from ..endpoints._batches_scripting import BatchesScripting
    from ..endpoints._embeddings_scripting import EmbeddingsScripting
    from ..endpoints._evals_scripting import EvalsScripting
    from ..endpoints._files_scripting import FilesScripting
    from ..endpoints._fine_tuning_scripting import FineTuningScripting
    from ..endpoints._images_scripting import ImagesScripting
    from ..endpoints._models_scripting import ModelsScripting
    from ..endpoints._moderations_scripting import ModerationsScripting
    from ..endpoints._responses_scripting import ResponsesScripting
    from ..endpoints._runs_scripting import RunsScripting

    return {
        "chat": (lambda s: Scripting(s, frozenset({"chat.completions.create"})), _TURN),
        "responses": (lambda s: ResponsesScripting(s, operations("responses.")), _TURN),
        "completions": (lambda s: Scripting(s, operations("completions.")), _TURN),
        "runs": (RunsScripting, _TURN),
        "audio": (lambda s: AudioScripting(s, operations("audio.")), _TEXT),
        "embeddings": (lambda s: EmbeddingsScripting(s, operations("embeddings.")), _ERRORS),
        "moderations": (lambda s: ModerationsScripting(s, operations("moderations.")), _ERRORS),
        "images": (lambda s: ImagesScripting(s, operations("images.")), _ERRORS),
        "models": (lambda s: ModelsScripting(s, operations("models.")), _ERRORS),
        "files": (FilesScripting, _ERRORS),
        "fine_tuning": (FineTuningScripting, _ERRORS),
        "batches": (BatchesScripting, _ERRORS),
        "assistants": (AssistantsScripting, _ERRORS),
        "threads": (ThreadsScripting, _ERRORS),
        "evals": (EvalsScripting, _ERRORS),
    }


ENDPOINTS: tuple[str, ...] = (
    "chat",
    "responses",
    "completions",
    "runs",
    "audio",
    "embeddings",
    "moderations",
    "images",
    "models",
    "files",
    "fine_tuning",
    "batches",
    "assistants",
    "threads",
    "evals",
)
"""The names an entry's `endpoint:` may take: the scripting namespaces of `FakeOpenAI` (`fake.chat`, …)."""


def scripting_for(state: State, endpoint: str | None) -> Scripting[Any]:
    """The scripting namespace an entry registers on: `fake.<endpoint>`, or the fake itself for None."""
    if endpoint is None:
        return Scripting(state, None)
    return _endpoint_factories()[endpoint][0](state)


# --- options --------------------------------------------------------------------------------------------------


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _describe(value: object) -> str:
    kinds = {str: "a string", bool: "a boolean", int: "a number", float: "a number", list: "a list", dict: "a mapping"}
    kind = "null" if value is None else kinds.get(type(value), type(value).__name__)
    try:
        shown = json.dumps(value, default=str)
    except (TypeError, ValueError):
        return kind
    return f"{shown} ({kind})" if len(shown) <= 60 else kind


_STRING = (lambda v: isinstance(v, str), "a string")
_WHOLE = (_is_int, "a whole number")
_NUMBER = (_is_number, "a number")
_OPTIONS: dict[str, tuple[Callable[[object], bool], str]] = {
    "model": _STRING,
    "user_message": (
        lambda v: isinstance(v, str) or (isinstance(v, dict) and set(v) == {"regex"} and isinstance(v["regex"], str)),
        'a string, or {"regex": "pattern"}',
    ),
    "tool": _STRING,
    "times": _WHOLE,
    "always": (lambda v: v is True or v is False, "true or false"),
    "rate": _NUMBER,
    "seed": _WHOLE,
    "delay": _NUMBER,
    "event_delay": _NUMBER,
    "cut_after": _WHOLE,
    "stall_after": _WHOLE,
    "stall_for": _NUMBER,
    "malformed_after": _WHOLE,
    "bytes_per_second": _WHOLE,
}
OPTIONS: tuple[str, ...] = tuple(_OPTIONS)
"""The options an entry may carry: every `ScriptOptions` key except `when` (a Python predicate)."""


# --- entries --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScriptEntry:
    """One checked entry: which scripting namespace, which verb, and its arguments."""

    index: int
    """Position in the script, from 0."""
    endpoint: str | None
    verb: str
    """The `Scripting` method, e.g. `respond_with_message`."""
    args: tuple[Any, ...] = ()
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    origin: str = ""
    """Where it came from, for reports: `answers.yaml:7`, or `POST /_fakeopenai/scripts [0]`."""

    def apply(self, state: State) -> None:
        """Register the entry on `state` through the Python scripting API."""
        getattr(scripting_for(state, self.endpoint), self.verb)(*self.args, **self.kwargs)


class _Entry:
    """Reads one raw entry, raising `ScriptFileError`s that name it."""

    def __init__(self, raw: Mapping[str, Any], index: int, where: str) -> None:
        self.raw = raw
        self.index = index
        self.where = where

    def fail(self, message: str, key: str | None = None) -> ScriptFileError:
        param = f"[{self.index}]" + (f".{key}" if key else "")
        return ScriptFileError(f"{self.where}: {message}", param)

    def read(self, origin: str) -> ScriptEntry:
        unknown = [key for key in self.raw if key not in _ALL_KEYS]
        if unknown:
            key = str(unknown[0])
            close = difflib.get_close_matches(key, _ALL_KEYS, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            if key == "when":
                hint = " (a Python predicate: use model, user_message or tool in a script)"
            raise self.fail(
                f"unknown key {key!r}{hint}. An entry has one answer ({', '.join(ANSWER_KEYS)}), "
                f"optionally endpoint, and options ({', '.join(OPTIONS)}).",
                key,
            )
        answers = [key for key in ANSWER_KEYS if key in self.raw]
        if len(answers) != 1:
            found = f"it has {', '.join(answers)}" if answers else "it has none"
            raise self.fail(f"an entry needs exactly one answer of {', '.join(ANSWER_KEYS)}; {found}.")
        kind = answers[0]
        endpoint = self._endpoint(kind)
        for key in (*_MESSAGE_KEYS,):
            if key in self.raw and kind != "message":
                raise self.fail(f"{key!r} goes with a message answer, not {kind!r}.", key)
        verb, args, kwargs = getattr(self, "_" + kind)(self.raw[kind])
        return ScriptEntry(self.index, endpoint, verb, args, {**kwargs, **self._options()}, origin)

    def _endpoint(self, kind: str) -> str | None:
        if "endpoint" not in self.raw:
            return None
        endpoint = self.raw["endpoint"]
        if endpoint not in ENDPOINTS:
            raise self.fail(f"endpoint is {_describe(endpoint)}; use one of {', '.join(ENDPOINTS)}.", "endpoint")
        allowed = _endpoint_factories()[endpoint][1]
        if kind not in allowed:
            can = " or ".join(key for key in ANSWER_KEYS if key in allowed)
            raise self.fail(f"endpoint {endpoint!r} cannot answer with {kind!r}; script {can} for it.", kind)
        return str(endpoint)

    def _options(self) -> ScriptOptions:
        options: dict[str, Any] = {}
        for name, (valid, wanted) in _OPTIONS.items():
            if name not in self.raw:
                continue
            value = self.raw[name]
            if not valid(value):
                raise self.fail(f"{name} must be {wanted}, not {_describe(value)}.", name)
            if name == "user_message" and isinstance(value, dict):
                try:
                    value = re.compile(value["regex"])
                except re.error as error:
                    raise self.fail(f"user_message regex {value['regex']!r} is invalid: {error}.", name) from None
            options[name] = value
        if "times" in options and "always" in options:
            raise self.fail("give times or always, not both.", "always")
        return options  # type: ignore[return-value]

    def _string(self, value: object, key: str) -> str:
        if not isinstance(value, str):
            raise self.fail(f"{key} must be a string, not {_describe(value)}.", key)
        return value

    def _json_value(self, value: object, key: str) -> None:
        try:
            json.dumps(value, allow_nan=False)
        except (TypeError, ValueError):
            raise self.fail(f"{key} must be plain JSON data, not {_describe(value)}.", key) from None

    def _message(self, value: object) -> tuple[str, tuple[Any, ...], dict[str, Any]]:
        kwargs: dict[str, Any] = {}
        if "chunks" in self.raw:
            chunks = self.raw["chunks"]
            if not isinstance(chunks, list) or not all(isinstance(c, str) for c in chunks):
                raise self.fail(f"chunks must be a list of strings, not {_describe(chunks)}.", "chunks")
            kwargs["chunks"] = chunks
        if "finish_reason" in self.raw:
            kwargs["finish_reason"] = self._string(self.raw["finish_reason"], "finish_reason")
        return "respond_with_message", (self._string(value, "message"),), kwargs

    def _tool(self, value: object, key: str) -> ToolCall:
        if not isinstance(value, dict):
            raise self.fail(
                f'{key} must be a mapping like {{"name": "f", "arguments": {{}}}}, not {_describe(value)}.', key
            )
        unknown = sorted(set(value) - set(_TOOL_CALL_KEYS), key=str)
        if unknown:
            raise self.fail(f"{key} has unknown key {unknown[0]!r}; a tool call has {', '.join(_TOOL_CALL_KEYS)}.", key)
        if "name" not in value:
            raise self.fail(f"{key} needs a name.", f"{key}.name")
        name = self._string(value["name"], f"{key}.name")
        arguments = value.get("arguments", {})
        if not isinstance(arguments, (dict, str)):
            raise self.fail(
                f"{key}.arguments must be a mapping or a JSON string, not {_describe(arguments)}.", f"{key}.arguments"
            )
        self._json_value(arguments, f"{key}.arguments")
        call_id = self._string(value["id"], f"{key}.id") if "id" in value else None
        return ToolCall(name, arguments, call_id)

    def _tool_call(self, value: object) -> tuple[str, tuple[Any, ...], dict[str, Any]]:
        call = self._tool(value, "tool_call")
        return "respond_with_tool_call", (call.name, call.arguments), {"id": call.id}

    def _tool_calls(self, value: object) -> tuple[str, tuple[Any, ...], dict[str, Any]]:
        if not isinstance(value, list) or not value:
            raise self.fail(f"tool_calls must be a non-empty list of tool calls, not {_describe(value)}.", "tool_calls")
        return "respond_with_tool_calls", tuple(self._tool(v, f"tool_calls[{i}]") for i, v in enumerate(value)), {}

    def _json(self, value: object) -> tuple[str, tuple[Any, ...], dict[str, Any]]:
        self._json_value(value, "json")
        return "respond_with_json", (value,), {}

    def _refusal(self, value: object) -> tuple[str, tuple[Any, ...], dict[str, Any]]:
        return "respond_with_refusal", (self._string(value, "refusal"),), {}

    def _dropped_connection(self, value: object) -> tuple[str, tuple[Any, ...], dict[str, Any]]:
        if value is not True:
            raise self.fail(f"dropped_connection must be true, not {_describe(value)}.", "dropped_connection")
        return "respond_with_dropped_connection", (), {}

    def _error(self, value: object) -> tuple[str, tuple[Any, ...], dict[str, Any]]:
        if _is_int(value):
            value = {"status": value}
        if not isinstance(value, dict):
            raise self.fail(
                f'error must be a status or a mapping like {{"status": 429}}, not {_describe(value)}.', "error"
            )
        unknown = sorted(set(value) - set(_ERROR_KEYS), key=str)
        if unknown:
            raise self.fail(f"error has unknown key {unknown[0]!r}; an error has {', '.join(_ERROR_KEYS)}.", "error")
        status = value.get("status")
        if not isinstance(status, int) or isinstance(status, bool) or not 400 <= status <= 599:
            raise self.fail(
                f"error.status must be an HTTP error status (400-599), not {_describe(status)}.", "error.status"
            )
        kwargs: dict[str, Any] = {}
        for name in ("type", "code", "param"):
            if name in value:
                kwargs[name] = self._string(value[name], f"error.{name}")
        message = self._string(value["message"], "error.message") if "message" in value else None
        headers = value.get("headers", {})
        if not isinstance(headers, dict) or not all(
            isinstance(k, str) and (isinstance(v, str) or _is_number(v)) for k, v in headers.items()
        ):
            raise self.fail(
                f"error.headers must map header names to strings or numbers, not {_describe(headers)}.",
                "error.headers",
            )
        kwargs["headers"] = {k: str(v) for k, v in headers.items()}
        return "respond_with_error", (status, message), kwargs


_ALL_KEYS: tuple[str, ...] = ("endpoint", *ANSWER_KEYS, *_MESSAGE_KEYS, *OPTIONS)


def parse_scripts(
    data: object, *, source: str | None = None, lines: Sequence[int] | None = None, origin: str | None = None
) -> list[ScriptEntry]:
    """Check a script (an entry, a list of entries, or `{"scripts": [...]}`) and return its entries.

    `source` names a file for messages (`answers.yaml:7: entry 2: …`), `lines` gives
    each entry's line in it. Raises `ScriptFileError` naming the first entry at fault.
    """
    prefix = f"{source}: " if source else ""
    if isinstance(data, dict) and "scripts" in data:
        if len(data) != 1:
            others = sorted(str(key) for key in data if key != "scripts")
            raise ScriptFileError(f"{prefix}a script with a scripts list has no other keys; found {', '.join(others)}.")
        data = data["scripts"]
        if not isinstance(data, list):
            raise ScriptFileError(f"{prefix}scripts must be a list of entries, not {_describe(data)}.", "scripts")
    raw_entries = data if isinstance(data, list) else [data]
    if not isinstance(data, (list, dict)):
        raise ScriptFileError(f"{prefix}a script is an entry (a mapping) or a list of entries, not {_describe(data)}.")
    entries, wheres = [], []
    for index, raw in enumerate(raw_entries):
        line = lines[index] if lines is not None and index < len(lines) else None
        where = f"{source}:{line}: entry {index}" if source and line else f"{prefix}entry {index}"
        entry = _Entry(raw if isinstance(raw, dict) else {}, index, where)
        if not isinstance(raw, dict):
            raise entry.fail(f"an entry is a mapping like {{message: Hi}}, not {_describe(raw)}.")
        if source:
            label = f"{source}:{line}" if line else f"{source} entry {index}"
        else:
            label = f"{origin or 'script'} [{index}]"
        entries.append(entry.read(label))
        wheres.append(where)
    _try(entries, wheres)
    return entries


def _try(entries: Sequence[ScriptEntry], wheres: Sequence[str]) -> None:
    """Register the entries on a throwaway state, so the Python API's own checks name the entry at fault."""
    scratch = State(Settings())
    for entry, where in zip(entries, wheres, strict=True):
        try:
            entry.apply(scratch)
        except (TypeError, ValueError, ConfigurationError) as error:
            raise ScriptFileError(f"{where}: {error}", f"[{entry.index}]") from None


_REGISTERING = threading.Lock()


def register(entries: Sequence[ScriptEntry], state: State) -> None:
    """Register checked entries on `state`, in order; each keeps its `origin` for reports."""
    with _REGISTERING:
        for entry in entries:
            known = {id(e) for e in state.scripts.entries()}
            entry.apply(state)
            for added in state.scripts.entries():
                if id(added) not in known:
                    added.origin = entry.origin


def load_script_file(path: str | os.PathLike[str]) -> list[ScriptEntry]:
    """Read and check a script file: JSON when it ends in `.json`, YAML otherwise."""
    import yaml

    file = Path(path)
    name = str(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as error:
        raise ScriptFileError(f"{name}: cannot read the script file: {error.strerror or error}.") from None
    lines: list[int] | None = None
    if file.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except ValueError as error:
            raise ScriptFileError(f"{name}: not valid JSON: {error}.") from None
    else:
        try:
            data = yaml.safe_load(text)
            root = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.YAMLError as error:
            raise ScriptFileError(f"{name}: not valid YAML: {error}") from None
        if isinstance(root, yaml.MappingNode) and isinstance(data, dict) and list(data) == ["scripts"]:
            root = root.value[0][1]
        if isinstance(root, yaml.SequenceNode):
            lines = [node.start_mark.line + 1 for node in root.value]
    if data is None:
        return []
    return parse_scripts(data, source=name, lines=lines)
