"""Request-body validation: the real API's error texts, real-world valid bodies, every shipped schema."""

from __future__ import annotations

import copy
import importlib.util
import json
import random
import sys
import warnings
from collections.abc import Callable, Iterator
from email.parser import BytesParser
from email.policy import HTTP
from pathlib import Path
from typing import Any

import jsonschema
import openai
import pytest
from sdk_shapes import SDK_HTTPX

from fakeopenai._validation.bodies import Problem, UploadedFile, has_schema, validate_body

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / "fakeopenai" / "schemas"
CHAT = "chat.completions.create"
BASE: dict[str, Any] = {"model": "gpt-4o", "messages": [{"role": "user", "content": "Hi"}]}
WEATHER_TOOL: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather for a city.",
        "strict": True,
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string"},
                "options": {
                    "type": "object",
                    "properties": {"unit": {"enum": ["c", "f"]}, "days": {"type": "integer"}},
                },
            },
            "required": ["city"],
            "additionalProperties": False,
        },
    },
}


def chat(**changes: Any) -> dict[str, Any]:
    """A valid chat body with `changes` applied (a value of `...` removes the key)."""
    body = {**copy.deepcopy(BASE), **changes}
    return {k: v for k, v in body.items() if v is not ...}


def first(operation: str, body: object, **kwargs: Any) -> Problem:
    problems = validate_body(operation, body, **kwargs)
    assert problems, f"expected {body!r} to be invalid"
    return problems[0]


# --- chat.completions.create: every error form -----------------------------

ERRORS: list[tuple[str, dict[str, Any], str, str | None, str | None]] = [
    ("unknown top-level", chat(foo=1), "Unknown parameter: 'foo'.", "foo", "unknown_parameter"),
    (
        "unknown nested",
        chat(messages=[{"role": "user", "content": "Hi", "foo": 1}]),
        "Unknown parameter: 'messages[0].foo'.",
        "messages[0].foo",
        "unknown_parameter",
    ),
    (
        "missing messages",
        chat(messages=...),
        "Missing required parameter: 'messages'.",
        "messages",
        "missing_required_parameter",
    ),
    ("missing model", chat(model=...), "you must provide a model parameter", None, None),
    (
        "missing content in the chosen role",
        chat(messages=[{"role": "system", "content": "Be brief."}, {"role": "user"}]),
        "Missing required parameter: 'messages[1].content'.",
        "messages[1].content",
        "missing_required_parameter",
    ),
    (
        "missing role",
        chat(messages=[{"content": "Hi"}]),
        "Missing required parameter: 'messages[0].role'.",
        "messages[0].role",
        "missing_required_parameter",
    ),
    (
        "wrong type",
        chat(temperature="hot"),
        "Invalid type for 'temperature': expected a decimal, but got a string instead.",
        "temperature",
        "invalid_type",
    ),
    (
        "decimal for an integer",
        chat(n=1.5),
        "Invalid type for 'n': expected an integer, but got a decimal number instead.",
        "n",
        "invalid_type",
    ),
    (
        "union type",
        chat(stop=5),
        "Invalid type for 'stop': expected one of a string or array of strings, but got an integer instead.",
        "stop",
        "invalid_type",
    ),
    (
        "content type",
        chat(messages=[{"role": "user", "content": {"text": "Hi"}}]),
        "Invalid type for 'messages[0].content': expected one of a string or array of objects, but got an object instead.",
        "messages[0].content",
        "invalid_type",
    ),
    (
        "messages not an array",
        chat(messages="Hi"),
        "Invalid type for 'messages': expected an array of objects, but got a string instead.",
        "messages",
        "invalid_type",
    ),
    (
        "message not an object",
        chat(messages=[7]),
        "Invalid type for 'messages[0]': expected an object, but got an integer instead.",
        "messages[0]",
        "invalid_type",
    ),
    (
        "enum type",
        chat(reasoning_effort=1),
        "Invalid type for 'reasoning_effort': expected one of 'none', 'minimal', 'low', 'medium', 'high', 'xhigh', or 'max', but got an integer instead.",
        "reasoning_effort",
        "invalid_type",
    ),
    (
        "temperature above max",
        chat(temperature=3),
        "Invalid 'temperature': decimal above maximum value. Expected a value <= 2, but got 3 instead.",
        "temperature",
        "decimal_above_max_value",
    ),
    (
        "penalty below min",
        chat(presence_penalty=-2.5),
        "Invalid 'presence_penalty': decimal below minimum value. Expected a value >= -2, but got -2.5 instead.",
        "presence_penalty",
        "decimal_below_min_value",
    ),
    (
        "n below min",
        chat(n=0),
        "Invalid 'n': integer below minimum value. Expected a value >= 1, but got 0 instead.",
        "n",
        "integer_below_min_value",
    ),
    (
        "top_logprobs above max",
        chat(top_logprobs=21),
        "Invalid 'top_logprobs': integer above maximum value. Expected a value <= 20, but got 21 instead.",
        "top_logprobs",
        "integer_above_max_value",
    ),
    (
        "logit_bias value",
        chat(logit_bias={"50256": -101}),
        "Invalid 'logit_bias.50256': integer below minimum value. Expected a value >= -100, but got -101 instead.",
        "logit_bias.50256",
        "integer_below_min_value",
    ),
    (
        "invalid role",
        chat(messages=[{"role": "robot", "content": "Hi"}]),
        "Invalid value: 'robot'. Supported values are: 'system', 'assistant', 'user', 'function', 'tool', and 'developer'.",
        "messages[0].role",
        "invalid_value",
    ),
    (
        "invalid tool_choice string",
        chat(tools=[WEATHER_TOOL], tool_choice="always"),
        "Invalid value: 'always'. Supported values are: 'none', 'auto', and 'required'.",
        "tool_choice",
        "invalid_value",
    ),
    (
        "tool_choice of the wrong type",
        chat(tool_choice=7),
        "Invalid type for 'tool_choice': expected one of a string or an object, but got an integer instead.",
        "tool_choice",
        "invalid_type",
    ),
    (
        "named tool_choice without a name",
        chat(tools=[WEATHER_TOOL], tool_choice={"type": "function", "function": {}}),
        "Missing required parameter: 'tool_choice.function.name'.",
        "tool_choice.function.name",
        "missing_required_parameter",
    ),
    (
        "invalid content part type",
        chat(messages=[{"role": "user", "content": [{"type": "text", "text": "Hi"}, {"type": "video", "video": "x"}]}]),
        "Invalid value: 'video'. Supported values are: 'text', 'image_url', 'input_audio', and 'file'.",
        "messages[0].content[1].type",
        "invalid_value",
    ),
    (
        "invalid response_format type",
        chat(response_format={"type": "xml"}),
        "Invalid value: 'xml'. Supported values are: 'json_object', 'json_schema', and 'text'.",
        "response_format.type",
        "invalid_value",
    ),
    (
        "json_schema without its schema",
        chat(response_format={"type": "json_schema"}),
        "Missing required parameter: 'response_format.json_schema'.",
        "response_format.json_schema",
        "missing_required_parameter",
    ),
    (
        "tool without function",
        chat(tools=[{"type": "function"}]),
        "Missing required parameter: 'tools[0].function'.",
        "tools[0].function",
        "missing_required_parameter",
    ),
    (
        "function name pattern",
        chat(tools=[{"type": "function", "function": {"name": "get weather"}}]),
        "Invalid 'tools[0].function.name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.",
        "tools[0].function.name",
        "invalid_value",
    ),
    (
        "function name length",
        chat(tools=[{"type": "function", "function": {"name": "f" * 70}}]),
        "Invalid 'tools[0].function.name': string too long. Expected a string with maximum length 64, but got a string with length 70 instead.",
        "tools[0].function.name",
        "string_above_max_length",
    ),
    (
        "empty messages",
        chat(messages=[]),
        "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.",
        "messages",
        "empty_array",
    ),
    (
        "too many tools",
        chat(tools=[WEATHER_TOOL] * 129),
        "Invalid 'tools': array too long. Expected an array with maximum length 128, but got an array with length 129 instead.",
        "tools",
        "array_above_max_length",
    ),
    (
        "too many stop sequences",
        chat(stop=["a", "b", "c", "d", "e"]),
        "Invalid 'stop': array too long. Expected an array with maximum length 4, but got an array with length 5 instead.",
        "stop",
        "array_above_max_length",
    ),
    (
        "too many metadata keys",
        chat(metadata={f"k{i}": "v" for i in range(17)}),
        "Invalid 'metadata': too many properties. Expected an object with at most 16 properties, but got an object with 17 properties instead.",
        "metadata",
        "object_above_max_properties",
    ),
    (
        "metadata value too long",
        chat(metadata={"note": "x" * 513}),
        "Invalid 'metadata.note': string too long. Expected a string with maximum length 512, but got a string with length 513 instead.",
        "metadata.note",
        "string_above_max_length",
    ),
    (
        "nested unknown in stream_options",
        chat(stream=True, stream_options={"include_usage": True, "bogus": 1}),
        "Unknown parameter: 'stream_options.bogus'.",
        "stream_options.bogus",
        "unknown_parameter",
    ),
    (
        "stream not a boolean",
        chat(stream="yes"),
        "Invalid type for 'stream': expected a boolean, but got a string instead.",
        "stream",
        "invalid_type",
    ),
]


@pytest.mark.parametrize(
    ("body", "message", "param", "code"), [case[1:] for case in ERRORS], ids=[case[0] for case in ERRORS]
)
def test_chat_errors_use_the_api_wording(
    body: dict[str, Any], message: str, param: str | None, code: str | None
) -> None:
    problem = first(CHAT, body)
    assert (problem.message, problem.param, problem.code) == (message, param, code)


def test_problem_carries_a_json_path() -> None:
    assert first(CHAT, chat(messages=[{"role": "user", "content": "Hi", "foo": 1}])).json_path == "$.messages[0].foo"
    assert first(CHAT, [BASE]).json_path == "$"


def test_property_name_too_long_is_shortened_in_the_message_only() -> None:
    key = "k" * 70
    problem = first(CHAT, chat(metadata={key: "v"}))
    assert problem.code == "property_name_above_max_length"
    assert problem.param == f"metadata.{key}"
    assert "'metadata.kkk...kkk'" in problem.message


def test_required_parameters_are_reported_first_model_before_messages() -> None:
    problems = validate_body(CHAT, {"foo": 1})
    assert [p.code for p in problems] == [None, "missing_required_parameter", "unknown_parameter"]
    assert problems[1].param == "messages"


def test_problems_follow_the_api_order_of_parameters() -> None:
    problems = validate_body(CHAT, chat(stop=5, n=0, temperature="x"))
    assert [p.param for p in problems] == ["n", "temperature", "stop"]


def test_null_is_accepted_where_the_sdk_allows_it() -> None:
    assert validate_body(CHAT, chat(temperature=None, stop=None, n=None, metadata=None, stream=None)) == []


def test_a_body_that_is_not_an_object() -> None:
    problem = first(CHAT, ["not", "an", "object"])
    assert problem.message == "Invalid body: expected an object, but got an array instead."
    assert problem.code == "invalid_type"


# --- chat.completions.create: valid bodies of real-world shape -------------

VALID_CHATS: dict[str, dict[str, Any]] = {
    "tool round trip": chat(
        messages=[
            {"role": "system", "content": "You are a weather bot."},
            {"role": "user", "content": "Weather in Paris?", "name": "ana"},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "call_1",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "call_1", "content": "sunny"},
            {"role": "assistant", "content": "It is sunny."},
        ],
        tools=[WEATHER_TOOL],
        tool_choice={"type": "function", "function": {"name": "get_weather"}},
        parallel_tool_calls=False,
    ),
    "image parts": chat(
        messages=[
            {"role": "developer", "content": [{"type": "text", "text": "Describe images."}]},
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "What is this?"},
                    {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA", "detail": "low"}},
                ],
            },
        ],
        max_completion_tokens=300,
    ),
    "json schema": chat(
        response_format={
            "type": "json_schema",
            "json_schema": {
                "name": "answer",
                "strict": True,
                "schema": {
                    "type": "object",
                    "properties": {"a": {"type": "string"}},
                    "required": ["a"],
                    "additionalProperties": False,
                },
            },
        },
        seed=7,
    ),
    "json mode": chat(response_format={"type": "json_object"}),
    "streaming": chat(
        stream=True,
        stream_options={"include_usage": True},
        n=2,
        temperature=0.7,
        top_p=1,
        stop=["\n"],
        logprobs=True,
        top_logprobs=5,
    ),
    "stream false": chat(
        stream=False, max_tokens=16, logit_bias={"50256": -100}, user="u-1", metadata={"run": "1"}, store=True
    ),
    "legacy functions": chat(functions=[{"name": "f", "parameters": {"type": "object"}}], function_call={"name": "f"}),
    "integral decimal": chat(n=2.0, temperature=1),
}


@pytest.mark.parametrize("body", VALID_CHATS.values(), ids=VALID_CHATS.keys())
def test_real_world_chat_bodies_are_valid(body: dict[str, Any]) -> None:
    assert validate_body(CHAT, body) == []
    assert jsonschema.Draft202012Validator(_schema(CHAT)).is_valid(body)


# --- bodies the SDK itself sends -------------------------------------------

FILE = ("photo.png", b"\x89PNG....", "image/png")
AUDIO = ("speech.mp3", b"ID3....", "audio/mpeg")

SDK_CALLS: dict[str, Callable[[openai.OpenAI], object]] = {
    "chat.completions.create": lambda c: c.chat.completions.create(
        model="gpt-4o",
        messages=[{"role": "user", "content": "Hi"}],
        tools=[WEATHER_TOOL],
        stream=True,
        stream_options={"include_usage": True},
    ),
    "chat.completions.update": lambda c: c.chat.completions.update("chatcmpl-1", metadata={"a": "b"}),
    "completions.create": lambda c: c.completions.create(
        model="gpt-3.5-turbo-instruct", prompt=["Say hi", "Say bye"], max_tokens=5, echo=True
    ),
    "embeddings.create": lambda c: c.embeddings.create(
        model="text-embedding-3-small", input=["a", "b"], dimensions=256
    ),
    "moderations.create": lambda c: c.moderations.create(
        model="omni-moderation-latest",
        input=[{"type": "text", "text": "hi"}, {"type": "image_url", "image_url": {"url": "https://x/y.png"}}],
    ),
    "images.generate": lambda c: c.images.generate(
        model="gpt-image-1", prompt="a red dot", n=2, size="1024x1024", quality="low"
    ),
    "images.edit": lambda c: c.images.edit(
        image=[FILE, FILE], mask=FILE, prompt="add a hat", n=1, input_fidelity="high"
    ),
    "images.create_variation": lambda c: c.images.create_variation(image=FILE, n=2, response_format="b64_json"),
    "audio.speech.create": lambda c: c.audio.speech.create(
        model="gpt-4o-mini-tts", voice="alloy", input="Hello", speed=1.5
    ),
    "audio.transcriptions.create": lambda c: c.audio.transcriptions.create(
        model="whisper-1",
        file=AUDIO,
        temperature=0.2,
        timestamp_granularities=["word", "segment"],
        response_format="verbose_json",
    ),
    "audio.translations.create": lambda c: c.audio.translations.create(
        model="whisper-1", file=AUDIO, prompt="hi", temperature=0
    ),
    "responses.create": lambda c: c.responses.create(
        model="gpt-5",
        input=[
            {"role": "user", "content": [{"type": "input_text", "text": "Weather?"}]},
            {"type": "function_call", "call_id": "c1", "name": "get_weather", "arguments": "{}"},
            {"type": "function_call_output", "call_id": "c1", "output": "sunny"},
        ],
        tools=[
            {"type": "function", "name": "get_weather", "parameters": {"type": "object"}, "strict": True},
            {"type": "web_search"},
        ],
        reasoning={"effort": "low"},
        text={"format": {"type": "json_schema", "name": "out", "schema": {"type": "object"}}},
        stream=True,
    ),
    "files.create": lambda c: c.files.create(
        file=("data.jsonl", b"{}\n", "application/jsonl"),
        purpose="batch",
        expires_after={"anchor": "created_at", "seconds": 7200},
    ),
    "uploads.create": lambda c: c.uploads.create(
        bytes=100, filename="a.jsonl", mime_type="text/jsonl", purpose="fine-tune"
    ),
    "uploads.parts.create": lambda c: c.uploads.parts.create("upload_1", data=b"chunk"),
    "batches.create": lambda c: c.batches.create(
        input_file_id="file-1", endpoint="/v1/chat/completions", completion_window="24h", metadata={"a": "b"}
    ),
    "fine_tuning.jobs.create": lambda c: c.fine_tuning.jobs.create(
        model="gpt-4o-mini",
        training_file="file-1",
        method={"type": "supervised", "supervised": {"hyperparameters": {"n_epochs": 3, "batch_size": "auto"}}},
    ),
    "beta.assistants.create": lambda c: c.beta.assistants.create(
        model="gpt-4o",
        name="helper",
        tools=[
            {"type": "code_interpreter"},
            {"type": "file_search", "file_search": {"max_num_results": 5}},
            WEATHER_TOOL,
        ],
        temperature=1,
    ),
    "beta.assistants.update": lambda c: c.beta.assistants.update("asst_1", instructions="Be brief.", top_p=0.5),
    "beta.threads.create": lambda c: c.beta.threads.create(
        messages=[
            {
                "role": "user",
                "content": "Hi",
                "attachments": [{"file_id": "file-1", "tools": [{"type": "file_search"}]}],
            }
        ]
    ),
    "beta.threads.update": lambda c: c.beta.threads.update("thread_1", metadata={"a": "b"}),
    "beta.threads.messages.create": lambda c: c.beta.threads.messages.create(
        "thread_1",
        role="user",
        content=[{"type": "text", "text": "Hi"}, {"type": "image_url", "image_url": {"url": "https://x/y.png"}}],
    ),
    "beta.threads.messages.update": lambda c: c.beta.threads.messages.update(
        "msg_1", thread_id="thread_1", metadata={"a": "b"}
    ),
    "beta.threads.runs.create": lambda c: c.beta.threads.runs.create(
        "thread_1",
        assistant_id="asst_1",
        additional_messages=[{"role": "user", "content": "More"}],
        truncation_strategy={"type": "last_messages", "last_messages": 3},
    ),
    "beta.threads.runs.update": lambda c: c.beta.threads.runs.update(
        "run_1", thread_id="thread_1", metadata={"a": "b"}
    ),
    "beta.threads.runs.submit_tool_outputs": lambda c: c.beta.threads.runs.submit_tool_outputs(
        "run_1", thread_id="thread_1", tool_outputs=[{"tool_call_id": "call_1", "output": "sunny"}]
    ),
    "beta.threads.create_and_run": lambda c: c.beta.threads.create_and_run(
        assistant_id="asst_1", thread={"messages": [{"role": "user", "content": "Hi"}]}, max_prompt_tokens=1000
    ),
    "evals.create": lambda c: c.evals.create(
        data_source_config={"type": "custom", "item_schema": {"type": "object"}, "include_sample_schema": True},
        testing_criteria=[
            {
                "type": "string_check",
                "name": "match",
                "input": "{{sample.output_text}}",
                "reference": "{{item.answer}}",
                "operation": "eq",
            }
        ],
    ),
    "evals.update": lambda c: c.evals.update("eval_1", name="renamed"),
    "evals.runs.create": lambda c: c.evals.runs.create(
        "eval_1", data_source={"type": "jsonl", "source": {"type": "file_id", "id": "file-1"}}, name="run"
    ),
    "vector_stores.create": lambda c: c.vector_stores.create(
        name="docs", file_ids=["file-1"], expires_after={"anchor": "last_active_at", "days": 7}
    ),
    "vector_stores.update": lambda c: c.vector_stores.update("vs_1", name="renamed"),
    "vector_stores.files.create": lambda c: c.vector_stores.files.create(
        "vs_1", file_id="file-1", attributes={"lang": "en", "year": 2024}
    ),
    "vector_stores.file_batches.create": lambda c: c.vector_stores.file_batches.create(
        "vs_1", file_ids=["file-1", "file-2"]
    ),
    "conversations.create": lambda c: c.conversations.create(
        items=[{"type": "message", "role": "user", "content": "Hi"}], metadata={"a": "b"}
    ),
    "containers.create": lambda c: c.containers.create(name="box", memory_limit="4g"),
}


def _parse_multipart(content_type: str, payload: bytes) -> dict[str, Any]:
    message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + payload)
    form: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        data = part.get_payload(decode=True)
        filename = part.get_filename()
        value: object = UploadedFile(filename, part.get_content_type(), len(data)) if filename else data.decode()
        if name in form:
            form[name] = [*(form[name] if isinstance(form[name], list) else [form[name]]), value]
        else:
            form[name] = [value] if str(name).endswith("[]") else value
    return form


def _capture(call: Callable[[openai.OpenAI], object]) -> tuple[dict[str, Any], bool]:
    """The body `call` sends, and whether it was a multipart form."""
    sent: list[Any] = []

    def answer(request: Any) -> Any:
        sent.append(request)
        return SDK_HTTPX.Response(
            400, json={"error": {"message": "captured", "type": "invalid_request_error", "param": None, "code": None}}
        )

    client = openai.OpenAI(
        api_key="sk-test",
        base_url="http://fake/v1",
        max_retries=0,
        http_client=SDK_HTTPX.Client(transport=SDK_HTTPX.MockTransport(answer)),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        with pytest.raises(openai.BadRequestError):
            call(client)
    content_type = sent[0].headers["content-type"]
    if content_type.startswith("multipart/form-data"):
        return _parse_multipart(content_type, sent[0].content), True
    return json.loads(sent[0].content), False


@pytest.mark.parametrize("operation", SDK_CALLS)
def test_bodies_the_sdk_sends_are_valid(operation: str) -> None:
    body, multipart = _capture(SDK_CALLS[operation])
    assert validate_body(operation, body, from_form=multipart) == []
    if not multipart:
        assert jsonschema.Draft202012Validator(_schema(operation)).is_valid(body)


@pytest.mark.parametrize("operation", SDK_CALLS)
def test_an_unknown_parameter_is_rejected_everywhere(operation: str) -> None:
    body, multipart = _capture(SDK_CALLS[operation])
    body["bogus_parameter"] = "1"
    problem = first(operation, body, from_form=multipart)
    assert (problem.param, problem.code) == ("bogus_parameter", "unknown_parameter")


INVALID: list[tuple[str, dict[str, Any], str, str]] = [
    ("completions.create", {"model": "m", "prompt": "x", "best_of": 21}, "best_of", "integer_above_max_value"),
    ("embeddings.create", {"model": "m", "input": []}, "input", "empty_array"),
    ("embeddings.create", {"model": "m", "input": "x", "encoding_format": "hex"}, "encoding_format", "invalid_value"),
    ("moderations.create", {"input": [{"type": "video", "video": "x"}]}, "input[0].type", "invalid_value"),
    ("images.generate", {"prompt": "x", "n": 11}, "n", "integer_above_max_value"),
    ("images.generate", {"prompt": ""}, "prompt", "empty_string"),
    (
        "audio.speech.create",
        {"model": "tts-1", "voice": "alloy", "input": "x", "speed": 5},
        "speed",
        "decimal_above_max_value",
    ),
    (
        "audio.speech.create",
        {"model": "tts-1", "voice": "alloy", "input": "x" * 4097},
        "input",
        "string_above_max_length",
    ),
    (
        "responses.create",
        {"model": "gpt-5", "input": [{"role": "user", "content": [{"type": "input_txt", "text": "x"}]}]},
        "input[0].content[0].type",
        "invalid_value",
    ),
    (
        "responses.create",
        {"model": "gpt-5", "input": [{"type": "function_call_output", "call_id": "c"}]},
        "input[0].output",
        "missing_required_parameter",
    ),
    (
        "responses.create",
        {"model": "gpt-5", "input": "x", "stream_options": {"include_usage": True}},
        "stream_options.include_usage",
        "unknown_parameter",
    ),
    (
        "responses.create",
        {"model": "gpt-5", "input": "x", "max_output_tokens": 8},
        "max_output_tokens",
        "integer_below_min_value",
    ),
    (
        "uploads.create",
        {
            "bytes": 1,
            "filename": "a",
            "mime_type": "text/plain",
            "purpose": "batch",
            "expires_after": {"anchor": "created_at", "seconds": 60},
        },
        "expires_after.seconds",
        "integer_below_min_value",
    ),
    (
        "batches.create",
        {"input_file_id": "f", "endpoint": "/v1/chat/completions", "completion_window": "1h"},
        "completion_window",
        "invalid_value",
    ),
    (
        "fine_tuning.jobs.create",
        {"model": "m", "training_file": "f", "hyperparameters": {"batch_size": 300}},
        "hyperparameters.batch_size",
        "integer_above_max_value",
    ),
    ("fine_tuning.jobs.create", {"model": "m", "training_file": "f", "suffix": ""}, "suffix", "empty_string"),
    (
        "beta.assistants.create",
        {"model": "m", "tools": [{"type": "file_search", "file_search": {"max_num_results": 51}}]},
        "tools[0].file_search.max_num_results",
        "integer_above_max_value",
    ),
    ("beta.assistants.update", {"name": "n" * 257}, "name", "string_above_max_length"),
    ("beta.threads.create", {"messages": [{"role": "system", "content": "x"}]}, "messages[0].role", "invalid_value"),
    (
        "beta.threads.update",
        {"tool_resources": {"file_search": {"vector_store_ids": ["a", "b"]}}},
        "tool_resources.file_search.vector_store_ids",
        "array_above_max_length",
    ),
    ("beta.threads.messages.create", {"role": "user", "content": []}, "content", "empty_array"),
    ("beta.threads.messages.update", {"metadata": {"k": 1}}, "metadata.k", "invalid_type"),
    (
        "beta.threads.runs.create",
        {"assistant_id": "a", "max_prompt_tokens": 100},
        "max_prompt_tokens",
        "integer_below_min_value",
    ),
    ("beta.threads.runs.update", {"metadata": "x"}, "metadata", "invalid_type"),
    (
        "beta.threads.runs.submit_tool_outputs",
        {"tool_outputs": [{"tool_call_id": "c", "output": 5}]},
        "tool_outputs[0].output",
        "invalid_type",
    ),
    (
        "beta.threads.create_and_run",
        {"assistant_id": "a", "temperature": 2.5},
        "temperature",
        "decimal_above_max_value",
    ),
    (
        "evals.create",
        {
            "data_source_config": {"type": "custom", "item_schema": {}},
            "testing_criteria": [
                {"type": "string_check", "name": "n", "input": "i", "reference": "r", "operation": "equals"}
            ],
        },
        "testing_criteria[0].operation",
        "invalid_value",
    ),
    ("evals.update", {"name": 5}, "name", "invalid_type"),
    ("evals.runs.create", {"data_source": {"type": "csv"}}, "data_source.type", "invalid_value"),
    (
        "vector_stores.create",
        {"chunking_strategy": {"type": "static", "static": {"max_chunk_size_tokens": 50, "chunk_overlap_tokens": 0}}},
        "chunking_strategy.static.max_chunk_size_tokens",
        "integer_below_min_value",
    ),
    (
        "vector_stores.update",
        {"expires_after": {"anchor": "last_active_at", "days": 400}},
        "expires_after.days",
        "integer_above_max_value",
    ),
    (
        "vector_stores.files.create",
        {"file_id": "f", "attributes": {"k": "v" * 513}},
        "attributes.k",
        "string_above_max_length",
    ),
    ("vector_stores.file_batches.create", {"file_ids": []}, "file_ids", "empty_array"),
    ("chat.completions.update", {}, "metadata", "missing_required_parameter"),
    (
        "conversations.create",
        {"items": [{"type": "message", "role": "user", "content": "x"}] * 21},
        "items",
        "array_above_max_length",
    ),
    ("containers.create", {}, "name", "missing_required_parameter"),
]


@pytest.mark.parametrize(
    ("operation", "body", "param", "code"), INVALID, ids=[f"{case[0]}:{case[3]}" for case in INVALID]
)
def test_invalid_bodies_of_other_operations(operation: str, body: dict[str, Any], param: str, code: str) -> None:
    problem = first(operation, body)
    assert (problem.param, problem.code) == (param, code)
    assert not jsonschema.Draft202012Validator(_schema(operation)).is_valid(body)


# --- multipart forms -------------------------------------------------------

PNG = UploadedFile("photo.png", "image/png", 1024)
MP3 = UploadedFile("speech.mp3", "audio/mpeg", 2048)


def test_form_values_are_converted_to_the_schema_types() -> None:
    form = {
        "file": MP3,
        "model": "whisper-1",
        "temperature": "0.5",
        "timestamp_granularities[]": ["word"],
        "stream": "false",
    }
    assert validate_body("audio.transcriptions.create", form, from_form=True) == []


def test_form_nested_fields_use_brackets() -> None:
    form = {
        "file": PNG,
        "purpose": "assistants",
        "expires_after[anchor]": "created_at",
        "expires_after[seconds]": "100",
    }
    problem = first("files.create", form, from_form=True)
    assert (problem.param, problem.code) == ("expires_after.seconds", "integer_below_min_value")


def test_form_value_that_cannot_be_converted() -> None:
    problem = first("images.create_variation", {"image": PNG, "n": "2.5"}, from_form=True)
    assert (
        problem.message
        == "Invalid type for 'n': expected an integer, but got a string value that could not be converted into an integer."
    )
    assert problem.code == "invalid_type"


def test_form_file_lists_and_single_files() -> None:
    assert validate_body("images.edit", {"image[]": [PNG, PNG], "mask": PNG, "prompt": "hat"}, from_form=True) == []
    assert validate_body("images.edit", {"image": PNG, "prompt": "hat", "n": "1"}, from_form=True) == []


def test_form_field_that_needs_a_file() -> None:
    problem = first("files.create", {"file": "not a file", "purpose": "batch"}, from_form=True)
    assert problem.message == "Invalid type for 'file': expected a file, but got a string instead."


def test_form_enum_and_missing_file() -> None:
    problems = validate_body(
        "audio.translations.create", {"model": "whisper-1", "response_format": "xml"}, from_form=True
    )
    assert [(p.param, p.code) for p in problems] == [
        ("file", "missing_required_parameter"),
        ("response_format", "invalid_value"),
    ]


# --- every shipped schema --------------------------------------------------


def _schema(operation: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((SCHEMAS / f"{operation}.json").read_text(encoding="utf-8"))
    return loaded


def _operations() -> list[str]:
    return sorted(path.name.removesuffix(".json") for path in SCHEMAS.glob("*.json"))


def test_the_listed_operations_have_schemas() -> None:
    wanted = [
        "chat.completions.create",
        "completions.create",
        "embeddings.create",
        "moderations.create",
        "images.generate",
        "images.edit",
        "images.create_variation",
        "audio.speech.create",
        "audio.transcriptions.create",
        "audio.translations.create",
        "responses.create",
        "files.create",
        "uploads.create",
        "fine_tuning.jobs.create",
        "batches.create",
        "beta.assistants.create",
        "beta.assistants.update",
        "beta.threads.create",
        "beta.threads.update",
        "beta.threads.messages.create",
        "beta.threads.messages.update",
        "beta.threads.runs.create",
        "beta.threads.runs.update",
        "beta.threads.runs.submit_tool_outputs",
        "beta.threads.create_and_run",
        "evals.create",
        "evals.update",
        "evals.runs.create",
        "vector_stores.create",
        "chat.completions.update",
    ]
    assert [op for op in wanted if not has_schema(op)] == []
    assert not has_schema("chat.completions.nope")
    with pytest.raises(KeyError):
        validate_body("chat.completions.nope", {})


@pytest.mark.parametrize("operation", _operations())
def test_every_schema_is_valid_draft_2020_12(operation: str) -> None:
    jsonschema.Draft202012Validator.check_schema(_schema(operation))


def _example(node: Any, defs: dict[str, Any]) -> Any:
    """A small valid instance of `node`: required keys only, first branch of each union."""
    if "$ref" in node:
        return _example(defs[node["$ref"].rsplit("/", 1)[1]], defs)
    if "anyOf" in node:
        return _example(next((b for b in node["anyOf"] if b != {"type": "null"}), node["anyOf"][0]), defs)
    if "const" in node:
        return node["const"]
    if "enum" in node:
        return node["enum"][0]
    if node.get("format") == "binary":
        return PNG
    kind = node.get("type", "object")
    kind = next((k for k in kind if k != "null"), "null") if isinstance(kind, list) else kind
    if kind == "object":
        return {key: _example(node["properties"][key], defs) for key in node.get("required", [])}
    if kind == "array":
        return [_example(node.get("items", {}), defs) for _ in range(node.get("minItems", 0))]
    if kind in ("integer", "number"):
        low = node.get("minimum", node.get("exclusiveMinimum", 0) + 1)
        return min(low, node.get("maximum", low))
    return {"string": "x" * max(1, node.get("minLength", 1)), "boolean": True, "null": None}[kind]


def _examples() -> Iterator[tuple[str, dict[str, Any]]]:
    for operation in _operations():
        schema = _schema(operation)
        yield operation, _example(schema, schema.get("$defs", {}))


@pytest.mark.parametrize(("operation", "body"), list(_examples()), ids=_operations())
def test_every_operation_accepts_its_minimal_body_and_rejects_changes(operation: str, body: dict[str, Any]) -> None:
    assert validate_body(operation, body) == []
    if not _has_file(body):
        assert jsonschema.Draft202012Validator(_schema(operation)).is_valid(body)
    assert first(operation, {**body, "zz_unknown": 1}).code == "unknown_parameter"
    for key in body:
        problem = first(operation, {k: v for k, v in body.items() if k != key})
        assert problem.code in ("missing_required_parameter", None)


def _has_file(value: object) -> bool:
    if isinstance(value, dict):
        return any(_has_file(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_file(v) for v in value)
    return isinstance(value, UploadedFile)


MUTANTS = [None, True, 0, -1, 2.5, 300, "", "x", "user", "text", [], {}, ["a"], {"type": "text"}]


def _mutations(body: Any, rng: random.Random) -> Any:
    """`body` with one value replaced, one key dropped or one key added, somewhere."""
    mutated = copy.deepcopy(body)
    containers = [c for c in _objects_and_arrays(mutated) if c]
    if not containers:
        return mutated
    target = rng.choice(containers)
    key = rng.choice(list(target) if isinstance(target, dict) else range(len(target)))
    roll = rng.random()
    if roll < 0.2 and isinstance(target, dict):
        del target[key]
    elif roll < 0.3 and isinstance(target, dict):
        target["zz_unknown"] = 1
    else:
        target[key] = copy.deepcopy(rng.choice(MUTANTS))
    return mutated


def _objects_and_arrays(value: Any) -> Iterator[Any]:
    if isinstance(value, (dict, list)):
        yield value
        for item in value.values() if isinstance(value, dict) else value:
            yield from _objects_and_arrays(item)


@pytest.mark.parametrize(
    "operation", ["chat.completions.create", "responses.create", "beta.assistants.create", "evals.create"]
)
def test_verdicts_agree_with_jsonschema_on_mutated_bodies(operation: str) -> None:
    body, _ = _capture(SDK_CALLS[operation])
    validator = jsonschema.Draft202012Validator(_schema(operation))
    rng = random.Random(operation)
    for _ in range(150):
        mutated = _mutations(_mutations(body, rng), rng)
        problems = validate_body(operation, mutated)
        assert (problems == []) == validator.is_valid(mutated), mutated
        assert all(p.message != "The request body is invalid." for p in problems), mutated


def test_shipped_schemas_match_the_generator(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("generate_schemas", ROOT / "scripts" / "generate_schemas.py")
    assert spec is not None and spec.loader is not None
    generator = importlib.util.module_from_spec(spec)
    sys.modules["generate_schemas"] = generator
    try:
        spec.loader.exec_module(generator)
        shipped_with = _schema(CHAT)["x-generator"]
        assert shipped_with == generator.GENERATOR, (
            f"The schemas were generated by {shipped_with}, but this environment has {generator.GENERATOR}: "
            "install the versions pinned in the test extras, or regenerate with `python scripts/generate_schemas.py`."
        )
        assert generator.main(["generate_schemas.py", str(tmp_path)]) == 0
    finally:
        del sys.modules["generate_schemas"]
    fresh = {path.name: path.read_text(encoding="utf-8") for path in tmp_path.glob("*.json")}
    shipped = {path.name: path.read_text(encoding="utf-8") for path in SCHEMAS.glob("*.json")}
    assert sorted(fresh) == sorted(shipped), "run `python scripts/generate_schemas.py`"
    assert [name for name in fresh if fresh[name] != shipped[name]] == [], "run `python scripts/generate_schemas.py`"


def test_subclasses_of_uploaded_file_validate_as_files() -> None:
    from fakeopenai._app.multipart import FilePart

    part = FilePart("a.jsonl", "application/jsonl", 2, b"{}")
    assert validate_body("files.create", {"file": part, "purpose": "batch"}, from_form=True) == []
