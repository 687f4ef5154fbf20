"""Malformed and invalid requests get the real API's 4xx errors, and the server stays up."""

from __future__ import annotations

import socket
from typing import Any

import httpx
import openai
import pytest
import requests

from fakeopenai import FakeOpenAI

pytestmark = pytest.mark.fakeopenai(teardown_check=False)

AUTH = {"Authorization": "Bearer sk-test"}
VALID = {"model": "gpt-4o", "messages": [{"role": "user", "content": "Hi"}]}


def post(fake: FakeOpenAI, body: Any = None, *, path: str = "/chat/completions", **kwargs: Any) -> httpx.Response:
    headers = {**AUTH, **kwargs.pop("headers", {})}
    if body is not None:
        kwargs["json"] = body
    return httpx.post(fake.base_url + path, headers=headers, **kwargs)


def error_of(response: httpx.Response) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"message", "type", "param", "code"}
    return body["error"]  # type: ignore[no-any-return]


def assert_still_serving(fake: FakeOpenAI) -> None:
    response = post(fake, VALID)
    assert response.status_code == 200, response.text
    assert response.json()["object"] == "chat.completion"


def test_malformed_json(fake_openai: FakeOpenAI) -> None:
    response = post(
        fake_openai, content=b'{"model": "gpt-4o", "messages": [', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert error_of(response)["message"].startswith("We could not parse the JSON body of your request.")
    assert_still_serving(fake_openai)


@pytest.mark.parametrize(
    "content",
    [
        b'{"model": "gpt-4o"} {"messages": []}',  # two objects, brace to brace
        b'{"model": "gpt-4o", "messages": []}}',
        b'{"model": "gpt-4o", "messages": [}',
        b'{"model": "gpt-4o"}\n}',
    ],
)
def test_json_with_extra_or_missing_braces(fake_openai: FakeOpenAI, content: bytes) -> None:
    response = post(fake_openai, content=content, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert error_of(response)["message"].startswith("We could not parse the JSON body of your request.")


def test_json_body_padded_with_whitespace(fake_openai: FakeOpenAI) -> None:
    content = b'\r\n  {"model": "gpt-4o", "messages": [{"role": "user", "content": "Hi"}]}\n\n'
    response = post(fake_openai, content=content, headers={"Content-Type": "application/json"})
    assert response.status_code == 200, response.text
    assert fake_openai.chat.calls.last.request.model == "gpt-4o"


def test_invalid_utf8(fake_openai: FakeOpenAI) -> None:
    response = post(fake_openai, content=b'{"model": "\xff\xfe"}', headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert error_of(response)["type"] == "invalid_request_error"
    assert_still_serving(fake_openai)


def test_json_that_is_not_an_object(fake_openai: FakeOpenAI) -> None:
    response = post(fake_openai, [1, 2, 3])
    assert response.status_code == 400
    assert_still_serving(fake_openai)


def test_wrong_content_type(fake_openai: FakeOpenAI) -> None:
    response = post(fake_openai, content=b"model=gpt-4o", headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 400
    assert "Content-Type" in error_of(response)["message"]
    assert_still_serving(fake_openai)


def test_unknown_path(fake_openai: FakeOpenAI) -> None:
    response = post(fake_openai, VALID, path="/chat/completionz")
    assert response.status_code == 404
    assert error_of(response)["message"] == "Invalid URL (POST /v1/chat/completionz)"
    assert fake_openai.calls.last.unmatched
    assert_still_serving(fake_openai)


def test_oversize_body_is_413() -> None:
    with FakeOpenAI(max_body_bytes=1000) as fake:
        response = post(fake, {**VALID, "user": "x" * 5000})
        assert response.status_code == 413
        assert error_of(response)["code"] == "request_too_large"
        assert_still_serving(fake)
        fake.reset()


@pytest.mark.parametrize("header", [None, "sk-test", "Bearer", "Basic abc"])
def test_missing_or_malformed_authorization_is_401(fake_openai: FakeOpenAI, header: str | None) -> None:
    headers = {"Authorization": header} if header is not None else {}
    response = httpx.post(fake_openai.base_url + "/chat/completions", json=VALID, headers=headers)
    assert response.status_code == 401
    assert error_of(response)["message"].startswith("You didn't provide an API key.")


def test_wrong_key_is_401_and_never_echoed_in_full() -> None:
    with FakeOpenAI(api_key="sk-right-key-000") as fake:
        with pytest.raises(openai.AuthenticationError) as caught:
            openai.OpenAI(base_url=fake.base_url, api_key="sk-wrong-key-123456", max_retries=0).chat.completions.create(
                model="gpt-4o", messages=[{"role": "user", "content": "Hi"}]
            )
        assert caught.value.code == "invalid_api_key"
        assert "sk-wrong-key-123456" not in str(caught.value)
        assert "3456" in caught.value.message
        fake.reset()


@pytest.mark.parametrize(
    ("change", "status", "param", "code", "message"),
    [
        (
            {"temperature": 3},
            400,
            "temperature",
            "decimal_above_max_value",
            "Invalid 'temperature': decimal above maximum value.",
        ),
        ({"n": 0}, 400, "n", "integer_below_min_value", "Invalid 'n': integer below minimum value."),
        ({"frobnicate": True}, 400, "frobnicate", "unknown_parameter", "Unknown parameter: 'frobnicate'."),
        ({"temperature": "hot"}, 400, "temperature", "invalid_type", "Invalid type for 'temperature'"),
        (
            {"messages": [{"role": "robot", "content": "Hi"}]},
            400,
            "messages[0].role",
            "invalid_value",
            "Invalid value: 'robot'.",
        ),
        ({"model": None}, 400, "model", "invalid_type", "Invalid type for 'model'"),
    ],
)
def test_schema_violations(
    fake_openai: FakeOpenAI, change: dict[str, Any], status: int, param: str, code: str, message: str
) -> None:
    response = post(fake_openai, {**VALID, **change})
    assert response.status_code == status
    error = error_of(response)
    assert (error["param"], error["code"], error["type"]) == (param, code, "invalid_request_error")
    assert error["message"].startswith(message), error["message"]
    assert fake_openai.calls.last.problems[0].json_path == "$." + param.replace(".[", "[")


def test_missing_required_parameter(fake_openai: FakeOpenAI) -> None:
    response = post(fake_openai, {"model": "gpt-4o"})
    error = error_of(response)
    assert error["message"] == "Missing required parameter: 'messages'."
    assert (error["param"], error["code"]) == ("messages", "missing_required_parameter")


def test_function_name_must_match_pattern(fake_openai: FakeOpenAI) -> None:
    tool = {"type": "function", "function": {"name": "get weather!", "parameters": {"type": "object"}}}
    error = error_of(post(fake_openai, {**VALID, "tools": [tool]}))
    assert error["param"] == "tools[0].function.name"
    assert "does not match pattern" in error["message"]


def test_sdk_raises_bad_request_for_invalid_requests(fake_openai: FakeOpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        openai.OpenAI().chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": "Hi"}], temperature=3
        )
    assert caught.value.param == "temperature"


def test_tool_message_must_answer_an_earlier_tool_call(fake_openai: FakeOpenAI) -> None:
    body = {
        **VALID,
        "messages": [{"role": "user", "content": "Hi"}, {"role": "tool", "tool_call_id": "call_1", "content": "x"}],
    }
    error = error_of(post(fake_openai, body))
    assert error["param"] == "messages.[1].role"
    assert "must be a response to a preceeding message with 'tool_calls'" in error["message"]


def test_tool_message_after_a_plain_message_answers_nothing(fake_openai: FakeOpenAI) -> None:
    asked = {
        "role": "assistant",
        "tool_calls": [{"id": "call_a", "type": "function", "function": {"name": "f", "arguments": "{}"}}],
    }
    answered = {"role": "tool", "tool_call_id": "call_a", "content": "x"}
    plain = {"role": "assistant", "content": "Done."}
    body = {**VALID, "messages": [*VALID["messages"], asked, answered, plain, answered]}  # type: ignore[list-item]
    error = error_of(post(fake_openai, body))
    assert error["param"] == "messages.[4].role"
    assert "must be a response to a preceeding message with 'tool_calls'" in error["message"]
    assert post(fake_openai, {**VALID, "messages": [*VALID["messages"], asked, answered, plain]}).status_code == 200  # type: ignore[list-item]


def test_tool_call_id_must_exist(fake_openai: FakeOpenAI) -> None:
    asked = {
        "role": "assistant",
        "tool_calls": [{"id": "call_a", "type": "function", "function": {"name": "f", "arguments": "{}"}}],
    }
    body = {
        **VALID,
        "messages": [*VALID["messages"], asked, {"role": "tool", "tool_call_id": "call_b", "content": "x"}],
    }  # type: ignore[list-item]
    error = error_of(post(fake_openai, body))
    assert (
        error["message"]
        == "Invalid parameter: 'tool_call_id' of 'call_b' not found in 'tool_calls' of previous message."
    )


def test_tool_calls_must_all_be_answered(fake_openai: FakeOpenAI) -> None:
    asked = {
        "role": "assistant",
        "tool_calls": [{"id": "call_a", "type": "function", "function": {"name": "f", "arguments": "{}"}}],
    }
    body = {**VALID, "messages": [*VALID["messages"], asked, {"role": "user", "content": "and?"}]}  # type: ignore[list-item]
    error = error_of(post(fake_openai, body))
    assert "did not have response messages: call_a" in error["message"]


def test_stream_options_need_stream(fake_openai: FakeOpenAI) -> None:
    error = error_of(post(fake_openai, {**VALID, "stream_options": {"include_usage": True}}))
    assert error["message"] == "The 'stream_options' parameter is only allowed when 'stream' is enabled."
    assert error["param"] == "stream_options"


def test_strict_schema_needs_additional_properties_false(fake_openai: FakeOpenAI) -> None:
    schema = {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]}
    body = {
        **VALID,
        "response_format": {"type": "json_schema", "json_schema": {"name": "out", "schema": schema, "strict": True}},
    }
    error = error_of(post(fake_openai, body))
    assert error["message"] == (
        "Invalid schema for response_format 'out': In context=(), "
        "'additionalProperties' is required to be supplied and to be false."
    )


def test_strict_tool_needs_every_property_required(fake_openai: FakeOpenAI) -> None:
    parameters = {
        "type": "object",
        "properties": {"city": {"type": "string"}, "unit": {"type": "string"}},
        "required": ["city"],
        "additionalProperties": False,
    }
    tool = {"type": "function", "function": {"name": "get_weather", "parameters": parameters, "strict": True}}
    error = error_of(post(fake_openai, {**VALID, "tools": [tool]}))
    assert error["param"] == "tools[0].function.parameters"
    assert error["message"].endswith("Missing 'unit'.")


def test_nested_strict_schema_names_its_context(fake_openai: FakeOpenAI) -> None:
    inner = {"type": "object", "properties": {"x": {"type": "number"}}, "required": ["x"]}
    schema = {"type": "object", "properties": {"point": inner}, "required": ["point"], "additionalProperties": False}
    body = {
        **VALID,
        "response_format": {"type": "json_schema", "json_schema": {"name": "out", "schema": schema, "strict": True}},
    }
    assert "In context=('properties', 'point')" in error_of(post(fake_openai, body))["message"]


@pytest.mark.parametrize(
    ("schema", "context"),
    [
        (
            {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "object", "properties": {}}]}},
            "('items', 'anyOf', '1')",
        ),
        (
            {
                "type": "object",
                "properties": {"a": {"$ref": "#/$defs/thing"}},
                "required": ["a"],
                "additionalProperties": False,
                "$defs": {"thing": {"type": "object", "properties": {"q": {"type": "string"}}, "required": ["q"]}},
            },
            "('$defs', 'thing')",
        ),
    ],
)
def test_strict_schema_rules_reach_items_unions_and_definitions(
    fake_openai: FakeOpenAI, schema: dict[str, Any], context: str
) -> None:
    body = {
        **VALID,
        "response_format": {"type": "json_schema", "json_schema": {"name": "out", "schema": schema, "strict": True}},
    }
    error = error_of(post(fake_openai, body))
    assert error["code"] == "invalid_json_schema"
    assert f"In context={context}, 'additionalProperties' is required" in error["message"]


def test_strict_schema_with_malformed_keywords_is_answered(fake_openai: FakeOpenAI) -> None:
    parameters = {"type": "object", "properties": [], "anyOf": 3, "$defs": ["x"], "additionalProperties": False}
    tool = {"type": "function", "function": {"name": "odd", "parameters": parameters, "strict": True}}
    response = post(fake_openai, {**VALID, "tools": [tool]})
    assert response.status_code == 200, response.text
    assert not fake_openai.state.errors


def test_json_object_mode_needs_the_word_json(fake_openai: FakeOpenAI) -> None:
    error = error_of(post(fake_openai, {**VALID, "response_format": {"type": "json_object"}}))
    assert error["param"] == "messages" and "must contain the word 'json'" in error["message"]


def test_tool_choice_needs_tools(fake_openai: FakeOpenAI) -> None:
    error = error_of(post(fake_openai, {**VALID, "tool_choice": "auto"}))
    assert error["param"] == "tool_choice"


def test_requests_library_and_abrupt_disconnects(fake_openai: FakeOpenAI) -> None:
    response = requests.post(fake_openai.base_url + "/chat/completions", data=b"{", headers=AUTH, timeout=5)
    assert response.status_code == 400
    with socket.create_connection(("127.0.0.1", int(fake_openai.url.rsplit(":", 1)[1]))) as raw:
        raw.sendall(b'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\n{"mod')
    with socket.create_connection(("127.0.0.1", int(fake_openai.url.rsplit(":", 1)[1]))) as raw:
        raw.sendall(b"\x00\x01garbage\r\n\r\n")
        raw.recv(1024)
    assert_still_serving(fake_openai)


def test_invalid_requests_fail_the_test_at_teardown(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import openai, pytest

        def test_bad(fake_openai):
            with pytest.raises(openai.BadRequestError):
                openai.OpenAI().chat.completions.create(
                    model="gpt-4o", messages=[{"role": "user", "content": "Hi"}], temperature=3)
        """
    )
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        ["*Invalid requests*", "*at $.temperature: Invalid 'temperature': decimal above maximum value*"]
    )
