"""`fakeopenai serve` as other languages use it: a separate process, raw HTTP clients, script files, the control API."""

from __future__ import annotations

import json
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests
from serving import HELLO, KEY, Served, chat, run_cli

from fakeopenai import FakeOpenAI
from fakeopenai._cli import _parser, beyond_loopback_warning
from fakeopenai._scripting.files import ENDPOINTS, OPTIONS, _endpoint_factories
from fakeopenai._scripting.vocabulary import ScriptOptions

JSON_WITH_KEY = ("-H", "Authorization: Bearer sk-any", "-H", "Content-Type: application/json")
CONTROL_AUTH = {"Authorization": f"Bearer {KEY}"}
"""With --api-key, the control API needs the key too."""
WEATHER_TOOL = {
    "type": "function",
    "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}},
}


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    server = Served("--api-key", KEY)
    yield server
    code, stderr = server.stop()
    assert code == 0, stderr


@pytest.fixture
def serve(served: Served) -> Iterator[Served]:
    """The shared server, reset before the test and checked after it."""
    httpx.post(served.control + "/reset", headers=CONTROL_AUTH).raise_for_status()
    served.log_lines()
    yield served
    report = httpx.get(served.control + "/report", headers=CONTROL_AUTH).json()["report"]
    assert report is None, report


def script(server: Served | FakeOpenAI, *entries: dict[str, Any]) -> None:
    control = server.control if isinstance(server, Served) else server.url + "/_fakeopenai"
    response = httpx.post(control + "/scripts", json={"scripts": list(entries)}, headers=CONTROL_AUTH)
    assert response.status_code == 200, response.text


def calls(server: Served) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = httpx.get(server.control + "/calls", headers=CONTROL_AUTH).json()["data"]
    return data


# --- clients: httpx, requests, curl ------------------------------------------------------------------------------


def test_httpx_gets_the_scripted_answer_and_the_log_has_every_field(serve: Served) -> None:
    script(serve, {"endpoint": "chat", "message": "Hi from serve", "model": "gpt-4o"})

    response = chat(serve.base_url, temperature=0.5)

    assert response.status_code == 200
    assert response.json()["choices"][0]["message"]["content"] == "Hi from serve"
    (call,) = calls(serve)
    assert call["method"] == "POST" and call["path"] == "/v1/chat/completions"
    assert call["operation"] == "chat.completions.create"
    assert call["status"] == 200 and call["answered_by"] == "script" and call["problems"] == []
    assert call["body"] == {"model": "gpt-4o", "messages": HELLO, "temperature": 0.5}
    assert call["response"]["choices"][0]["message"]["content"] == "Hi from serve"
    assert call["headers"]["authorization"] == "Bearer sk-…", "the key never leaves the server whole"
    assert serve.next_api_line() == "200 POST /v1/chat/completions gpt-4o [script]"


def test_requests_streams_the_scripted_chunks(serve: Served) -> None:
    script(serve, {"message": "Hello there", "chunks": ["Hel", "lo ", "there"]})

    with requests.post(
        serve.base_url + "/chat/completions",
        json={"model": "gpt-4o", "messages": HELLO, "stream": True},
        headers={"Authorization": f"Bearer {KEY}"},
        stream=True,
        timeout=10,
    ) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        data = [line[6:] for line in response.iter_lines(decode_unicode=True) if line.startswith("data: ")]

    assert data[-1] == "[DONE]"
    deltas = [json.loads(d)["choices"][0]["delta"].get("content") for d in data[:-1] if json.loads(d)["choices"]]
    assert [d for d in deltas if d] == ["Hel", "lo ", "there"]
    (call,) = calls(serve)
    assert call["response"][-1] == "[DONE]" and len(call["response"]) == len(data)
    assert serve.next_api_line() == "200 POST /v1/chat/completions gpt-4o stream [script]"


def test_curl_scripts_over_the_control_api_and_calls_the_api() -> None:
    curl = shutil.which("curl")
    assert curl is not None, "curl is not installed"
    server = Served()
    try:
        entry = json.dumps({"error": {"status": 429, "message": "Slow down.", "headers": {"Retry-After": "1"}}})
        added = subprocess.run(
            [
                curl,
                "-sS",
                "-X",
                "POST",
                server.control + "/scripts",
                "-H",
                "Content-Type: application/json",
                "-d",
                entry,
            ],
            capture_output=True,
            text=True,
            timeout=20,
            check=True,
        )
        assert json.loads(added.stdout)["added"] == 1
        body = json.dumps({"model": "gpt-4o", "messages": HELLO})
        answered = subprocess.run(
            [curl, "-sS", "-i", server.base_url + "/chat/completions", "-d", body, *JSON_WITH_KEY],
            capture_output=True,
            text=True,
            timeout=20,
            check=True,
        )
        head, _, content = answered.stdout.replace("\r\n", "\n").partition("\n\n")
        assert head.startswith("HTTP/1.1 429 Too Many Requests")
        assert re.search(r"^retry-after: 1$", head, re.IGNORECASE | re.MULTILINE)
        assert json.loads(content)["error"] == {
            "message": "Slow down.",
            "type": "requests",
            "param": None,
            "code": "rate_limit_exceeded",
        }
        assert server.next_line() == "200 POST /_fakeopenai/scripts [control]"
        assert server.next_line() == "429 POST /v1/chat/completions gpt-4o [script]"
    finally:
        code, stderr = server.stop()
    assert code == 0, stderr


def test_a_wrong_key_is_refused_and_logged_and_the_control_api_needs_the_key(serve: Served) -> None:
    response = chat(serve.base_url, key="sk-wrong-key")

    assert response.status_code == 401 and response.json()["error"]["code"] == "invalid_api_key"
    (call,) = calls(serve)
    assert call["status"] == 401 and call["answered_by"] == "error"
    assert httpx.get(serve.control + "/health").json() == {"status": "ok"}
    assert httpx.get(serve.control + "/report").json()["error"]["code"] == "invalid_control_token"
    assert "Invalid requests" in httpx.get(serve.control + "/report", headers=CONTROL_AUTH).json()["report"]
    httpx.post(serve.control + "/reset", headers=CONTROL_AUTH).raise_for_status()


def test_invalid_requests_show_in_the_log_and_the_report_until_reset(serve: Served) -> None:
    response = httpx.post(
        serve.base_url + "/chat/completions", json={"model": "gpt-4o"}, headers={"Authorization": f"Bearer {KEY}"}
    )

    assert response.status_code == 400
    (call,) = calls(serve)
    assert call["problems"][0]["param"] == "messages" and call["problems"][0]["json_path"] == "$.messages"
    report = httpx.get(serve.control + "/report", headers=CONTROL_AUTH).json()["report"]
    assert "Invalid requests" in report and "messages" in report
    assert httpx.post(serve.control + "/reset", headers=CONTROL_AUTH).json() == {"reset": True}
    assert calls(serve) == [] and httpx.get(serve.control + "/report", headers=CONTROL_AUTH).json() == {"report": None}


def test_the_python_sdk_streams_a_scripted_tool_call_from_serve(serve: Served) -> None:
    import openai

    script(serve, {"endpoint": "chat", "tool_call": {"name": "get_weather", "arguments": {"city": "Paris"}}})
    client = openai.OpenAI(base_url=serve.base_url, api_key=KEY, max_retries=0)

    stream = client.chat.completions.create(
        model="gpt-4o",
        messages=HELLO,  # type: ignore[arg-type]
        tools=[WEATHER_TOOL],  # type: ignore[list-item]
        stream=True,
    )
    arguments = "".join(
        call.function.arguments or ""
        for chunk in stream
        for choice in chunk.choices
        for call in choice.delta.tool_calls or []
        if call.function is not None
    )

    assert json.loads(arguments) == {"city": "Paris"}


# --- the script vocabulary over the control API --------------------------------------------------------------


def test_every_answer_kind_maps_to_the_python_api(fake_openai: FakeOpenAI) -> None:
    script(
        fake_openai,
        {"message": "plain", "finish_reason": "length"},
        {"tool_calls": [{"name": "a", "arguments": {"x": 1}, "id": "call_1"}, {"name": "b", "arguments": "{}"}]},
        {"json": {"answer": 42}},
        {"refusal": "I can't help with that."},
        {"error": 503},
        {"dropped_connection": True},
    )
    client = fake_openai.client(max_retries=0)
    tools = [{"type": "function", "function": {"name": name}} for name in ("a", "b")]

    def ask() -> Any:
        reply = client.chat.completions.create(model="gpt-4o", messages=HELLO, tools=tools)  # type: ignore[arg-type]
        return reply.choices[0]

    first = ask()
    assert (first.message.content, first.finish_reason) == ("plain", "length")
    calls_made = ask().message.tool_calls
    assert [(c.id, c.function.name, c.function.arguments) for c in calls_made] == [  # type: ignore[union-attr]
        ("call_1", "a", '{"x": 1}'),
        (calls_made[1].id, "b", "{}"),  # type: ignore[index]
    ]
    assert json.loads(ask().message.content) == {"answer": 42}
    assert ask().message.refusal == "I can't help with that."
    import openai

    with pytest.raises(openai.InternalServerError) as caught:
        ask()
    assert caught.value.status_code == 503
    with pytest.raises(openai.APIConnectionError):
        ask()


def test_options_choose_the_requests_an_entry_answers(fake_openai: FakeOpenAI) -> None:
    script(
        fake_openai,
        {"message": "weather", "tool": "get_weather", "always": True},
        {"message": "regex", "user_message": {"regex": "^Bon(jour|soir)$"}, "times": 2},
        {"message": "mini", "model": "gpt-4o-mini", "endpoint": "chat"},
    )
    client = fake_openai.client()

    def ask(text: str, model: str = "gpt-4o", **extra: Any) -> str | None:
        messages = [{"role": "user", "content": text}]
        reply = client.chat.completions.create(model=model, messages=messages, **extra)  # type: ignore[arg-type]
        return reply.choices[0].message.content

    assert ask("Bonsoir") == "regex" and ask("Bonjour") == "regex"
    assert ask("Hi", model="gpt-4o-mini") == "mini"
    assert ask("Hi", tools=[WEATHER_TOOL]) == "weather" and ask("Hi again", tools=[WEATHER_TOOL]) == "weather"
    assert ask("Bonjour") != "regex", "times: 2 answers twice, then steps aside"
    origins = [e.origin for e in fake_openai.state.scripts.entries()]
    assert origins == [f"POST /_fakeopenai/scripts [{i}]" for i in range(3)]


def test_delivery_options_reach_the_wire(fake_openai: FakeOpenAI) -> None:
    script(fake_openai, {"message": "one two three four five six", "cut_after": 2}, {"message": "late", "delay": 0.3})
    body = {"model": "gpt-4o", "messages": HELLO, "stream": True}
    headers = {"Authorization": "Bearer k"}
    events: list[str] = []

    with pytest.raises(httpx.RemoteProtocolError):
        with httpx.stream("POST", fake_openai.base_url + "/chat/completions", json=body, headers=headers) as stream:
            for line in stream.iter_lines():
                events += [line] if line.startswith("data: ") else []
    started = time.monotonic()
    late = chat(fake_openai.base_url, key="k")

    assert len(events) == 2
    assert time.monotonic() - started >= 0.3
    assert late.json()["choices"][0]["message"]["content"] == "late"


def test_endpoint_scopes_an_entry_to_one_scripting_namespace(fake_openai: FakeOpenAI) -> None:
    script(
        fake_openai,
        {"endpoint": "responses", "message": "from responses"},
        {"endpoint": "embeddings", "error": {"status": 400, "message": "No.", "param": "input", "code": "bad"}},
    )
    client = fake_openai.client(max_retries=0)
    import openai

    assert client.chat.completions.create(model="gpt-4o", messages=HELLO).choices[0].message.content != (  # type: ignore[arg-type]
        "from responses"
    )
    assert client.responses.create(model="gpt-4o", input="Hi").output_text == "from responses"
    with pytest.raises(openai.BadRequestError) as caught:
        client.embeddings.create(model="text-embedding-3-small", input="x")
    assert caught.value.body == {"message": "No.", "type": "invalid_request_error", "param": "input", "code": "bad"}


BAD_SCRIPTS = [
    ({"mesage": "Hi"}, "entry 0: unknown key 'mesage' (did you mean 'message'?)", "[0].mesage"),
    ({"message": "Hi", "refusal": "No"}, "entry 0: an entry needs exactly one answer", "[0]"),
    ({"times": 2}, "it has none", "[0]"),
    ({"scripts": [{"message": "ok"}, {"message": "Hi", "times": "2"}]}, 'entry 1: times must be a whole number, not "2"', "[1].times"),
    ({"message": "Hi", "times": 0}, "entry 0: times must be at least 1", "[0]"),
    ({"message": "Hi", "rate": 1.5}, "entry 0: rate must be above 0 and at most 1", "[0]"),
    ({"message": "Hi", "chunks": ["H"]}, "entry 0: The chunks of a scripted message must join", "[0]"),
    ({"message": "Hi", "when": "x"}, "a Python predicate", "[0].when"),
    ({"endpoint": "chats", "message": "Hi"}, 'endpoint is "chats" (a string); use one of chat,', "[0].endpoint"),
    ({"endpoint": "files", "message": "Hi"}, "endpoint 'files' cannot answer with 'message'; script error or dropped_connection", "[0].message"),
    ({"endpoint": "audio", "tool_call": {"name": "f"}}, "script message or json or error or dropped_connection", "[0].tool_call"),
    ({"tool_call": {"arguments": {}}}, "entry 0: tool_call needs a name.", "[0].tool_call.name"),
    ({"tool_call": {"name": "f", "args": {}}}, "tool_call has unknown key 'args'", "[0].tool_call"),
    ({"tool_calls": []}, "tool_calls must be a non-empty list", "[0].tool_calls"),
    ({"tool_calls": [{"name": "f", "arguments": 3}]}, "tool_calls[0].arguments must be a mapping or a JSON string", "[0].tool_calls[0].arguments"),
    ({"error": {"status": 200}}, "error.status must be an HTTP error status (400-599), not 200", "[0].error.status"),
    ({"error": {"status": 429, "headers": {"Retry-After": [1]}}}, "error.headers must map header names", "[0].error.headers"),
    ({"error": 429, "chunks": ["a"]}, "'chunks' goes with a message answer, not 'error'", "[0].chunks"),
    ({"dropped_connection": False}, "dropped_connection must be true, not false", "[0].dropped_connection"),
    ({"message": "Hi", "user_message": {"regex": "("}}, "user_message regex '(' is invalid", "[0].user_message"),
    ({"message": "Hi", "times": 2, "always": True}, "give times or always, not both", "[0].always"),
    ({"scripts": {"message": "Hi"}}, "scripts must be a list of entries", "scripts"),
    ({"scripts": [], "extra": 1}, "a script with a scripts list has no other keys; found extra", None),
    ({"scripts": ["Hi"]}, 'entry 0: an entry is a mapping like {message: Hi}, not "Hi" (a string)', "[0]"),
]  # fmt: skip


@pytest.mark.parametrize(("body", "message", "param"), BAD_SCRIPTS)
def test_bad_control_scripts_get_an_openai_shaped_400_and_register_nothing(
    fake_openai: FakeOpenAI, body: dict[str, Any], message: str, param: str | None
) -> None:
    response = httpx.post(fake_openai.url + "/_fakeopenai/scripts", json=body)

    assert response.status_code == 400
    error = response.json()["error"]
    assert message in error["message"]
    assert (error["type"], error["code"], error["param"]) == ("invalid_request_error", "invalid_script", param)
    assert fake_openai.state.scripts.entries() == []
    assert fake_openai.calls == [], "control requests stay out of the request log"


def test_control_bodies_that_are_not_json_objects_are_refused(fake_openai: FakeOpenAI) -> None:
    url = fake_openai.url + "/_fakeopenai/scripts"
    not_json = httpx.post(url, content=b"message: Hi", headers={"Content-Type": "application/json"})
    wrong_type = httpx.post(url, content=b"{}", headers={"Content-Type": "text/yaml"})

    assert not_json.status_code == 400 and "could not parse the JSON body" in not_json.json()["error"]["message"]
    assert wrong_type.status_code == 400 and "Invalid Content-Type header" in wrong_type.json()["error"]["message"]
    assert fake_openai.state.scripts.entries() == []


def test_scripts_list_shows_use_counts(fake_openai: FakeOpenAI) -> None:
    script(fake_openai, {"message": "a", "times": 2}, {"error": 500, "always": True, "model": "gpt-nope"})
    fake_openai.client().chat.completions.create(model="gpt-4o", messages=HELLO)  # type: ignore[arg-type]

    listed = httpx.get(fake_openai.url + "/_fakeopenai/scripts").json()["data"]

    assert [(s["times"], s["used"], s["exhausted"]) for s in listed] == [(2, 1, False), (None, 0, False)]
    assert "HTTP 500" in listed[1]["description"] and listed[0]["operations"] is None
    fake_openai.reset()


def test_control_reset_in_pytest_keeps_the_cassette(fake_openai: FakeOpenAI, tmp_path: Path) -> None:
    with fake_openai.use_cassette(tmp_path / "kept.yaml") as cassette:
        httpx.post(fake_openai.url + "/_fakeopenai/reset").raise_for_status()
        assert fake_openai.cassette is cassette


# --- script files ---------------------------------------------------------------------------------------------


def test_a_yaml_script_file_answers_and_comes_back_on_reset(tmp_path: Path) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text(
        "# what the model says\n"
        "- endpoint: chat\n"
        "  message: Bonjour\n"
        "  user_message: French\n"
        "- tool_call: {name: get_weather, arguments: {city: Paris}}\n"
        "- error: {status: 429, headers: {Retry-After: 2}}\n"
        "  model: gpt-4o-mini\n"
        "  always: true\n",
        encoding="utf-8",
    )
    server = Served("--script", str(answers), "--quiet")
    try:
        for _ in range(2):
            french = chat(server.base_url, messages=[{"role": "user", "content": "In French"}])
            assert french.json()["choices"][0]["message"]["content"] == "Bonjour"
            call = chat(server.base_url, tools=[WEATHER_TOOL]).json()["choices"][0]["message"]["tool_calls"][0][
                "function"
            ]
            assert (call["name"], json.loads(call["arguments"])) == ("get_weather", {"city": "Paris"})
            limited = chat(server.base_url, model="gpt-4o-mini")
            assert limited.status_code == 429 and limited.headers["retry-after"] == "2"
            assert httpx.get(server.control + "/report").json()["report"] is None
            origins = [s["origin"] for s in httpx.get(server.control + "/scripts").json()["data"]]
            assert origins == [f"{answers}:2", f"{answers}:5", f"{answers}:6"]
            httpx.post(server.control + "/reset").raise_for_status()
        assert server.log_lines() == [], "--quiet prints the base URL only"
    finally:
        code, stderr = server.stop(signal.SIGTERM)
    assert code == 0, stderr
    assert "stopped" in stderr and "found problems" not in stderr


def test_a_json_script_file_takes_the_same_vocabulary(tmp_path: Path) -> None:
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps({"scripts": [{"json": {"ok": True}, "times": 1}]}), encoding="utf-8")
    server = Served("--script", str(answers))
    try:
        content = chat(server.base_url).json()["choices"][0]["message"]["content"]
        assert json.loads(content) == {"ok": True}
    finally:
        code, stderr = server.stop()
    assert code == 0, stderr


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("bad.yaml", "- message: Hi\n- message: Hi\n  times: '2'\n", 'bad.yaml:2: entry 1: times must be a whole number, not "2"'),
        ("bad.yaml", "- message: Hi\n  oops: [\n", "bad.yaml: not valid YAML"),
        ("bad.json", '[{"message": "Hi",}]', "bad.json: not valid JSON"),
        ("bad.json", '[{"message": "Hi"}, {"error": {"status": 42}}]', "bad.json: entry 1: error.status must be"),
        ("bad.yaml", "message: Hi\n", None),
    ],
)  # fmt: skip
def test_a_bad_script_file_stops_the_server_before_it_starts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, text: str, message: str | None
) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    if message is None:  # one entry, not a list: fine; a missing file is not
        path = tmp_path / "missing.yaml"
        message = "missing.yaml: cannot read the script file: No such file or directory."

    code, out, err = run_cli(capsys, "serve", "--script", str(path))

    assert code == 2 and out == ""
    assert err.startswith("fakeopenai serve: error: ") and message in err, err


# --- cassettes ------------------------------------------------------------------------------------------------


def test_serve_records_a_cassette_then_replays_it_without_the_upstream(tmp_path: Path) -> None:
    cassette = tmp_path / "session.yaml"
    env = {"FAKEOPENAI_UPSTREAM_API_KEY": "sk-upstream-secret"}
    with FakeOpenAI() as upstream:
        upstream.chat.respond_with_message("Recorded answer.")
        recorder = Served(
            "--cassette", str(cassette), "--record-mode", "once", "--upstream", upstream.base_url, env=env
        )
        try:
            assert chat(recorder.base_url).json()["choices"][0]["message"]["content"] == "Recorded answer."
            assert recorder.next_api_line() == "200 POST /v1/chat/completions gpt-4o [cassette]"
        finally:
            code, stderr = recorder.stop()
        assert upstream.chat.calls.last.headers["authorization"] == "Bearer sk-upstream-secret"
    assert code == 0 and f"saved the recordings in {cassette}" in stderr, stderr
    assert "sk-upstream-secret" not in cassette.read_text(encoding="utf-8")

    player = Served("--cassette", str(cassette))
    try:
        for _ in range(2):  # a reset starts the cassette over
            assert chat(player.base_url).json()["choices"][0]["message"]["content"] == "Recorded answer."
            missed = chat(player.base_url)
            assert missed.status_code == 400 and missed.json()["error"]["code"] == "cassette_miss"
            httpx.post(player.control + "/reset").raise_for_status()
    finally:
        code, stderr = player.stop()
    assert code == 0, stderr


# --- the command ----------------------------------------------------------------------------------------------


def test_help_names_every_option_with_its_default(capsys: pytest.CaptureFixture[str]) -> None:
    serve_parser = _parser()._subparsers._group_actions[0].choices["serve"]  # type: ignore[union-attr]
    options = [a for a in serve_parser._actions if a.option_strings and a.dest != "help"]

    code, text, _ = run_cli(capsys, "serve", "--help")

    assert code == 0 and len(options) >= 10
    for action in options:
        assert action.option_strings[0] in text
        assert action.help and "(default: " in action.help, f"{action.option_strings[0]} does not say its default"
    for path in ("/_fakeopenai/scripts", "/_fakeopenai/calls", "/_fakeopenai/reset", "/_fakeopenai/report"):
        assert path in text
    assert all(option in text for option in OPTIONS)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--record-mode", "once"], "--record-mode needs --cassette PATH."),
        (["--upstream", "http://127.0.0.1:1/v1"], "--upstream needs --cassette PATH."),
        (["--port", "70000"], "--port 70000 is not a port number"),
    ],
)
def test_options_that_need_each_other_are_checked(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, out, err = run_cli(capsys, "serve", *args)

    assert code == 2 and out == "" and message in err


def test_a_taken_port_is_a_clear_error(fake_openai: FakeOpenAI, capsys: pytest.CaptureFixture[str]) -> None:
    port = fake_openai.url.rsplit(":", 1)[1]

    code, out, err = run_cli(capsys, "serve", "--port", port)

    assert code == 2 and out == ""
    assert (
        err
        == f"fakeopenai serve: error: Port {port} on 127.0.0.1 is already in use. Pass port=0 to let the system choose a free port, or stop the program that holds it.\n"
    )


def test_ctrl_c_stops_the_server_cleanly() -> None:
    server = Served()
    assert chat(server.base_url).status_code == 200

    code, stderr = server.stop(signal.SIGINT)

    assert code == 0 and "Traceback" not in stderr
    assert stderr.endswith("fakeopenai: stopped after 1 request(s).")
    assert "warning" not in stderr
    with pytest.raises(httpx.ConnectError):
        httpx.get(server.control + "/health", timeout=2)


@pytest.mark.parametrize(
    ("host", "warns"),
    [
        ("127.0.0.1", False),
        ("127.0.0.2", False),
        ("localhost", False),
        ("::1", False),
        ("[::1]", False),
        ("0.0.0.0", True),
        ("::", True),
        ("192.168.1.20", True),
        ("myhost.example", True),
    ],
)
def test_the_warning_beyond_loopback(host: str, warns: bool) -> None:
    warning = beyond_loopback_warning(host)

    assert (warning is not None) == warns
    if warning is not None:
        assert host in warning and "other machines can reach this server" in warning


# --- the vocabulary stays in step with the Python API ---------------------------------------------------------


def test_script_options_are_every_python_option_but_when() -> None:
    assert set(OPTIONS) | {"when"} == set(ScriptOptions.__annotations__)


def test_endpoints_build_the_same_namespaces_as_fake_openai() -> None:
    fake = FakeOpenAI()
    factories = _endpoint_factories()
    assert tuple(factories) == ENDPOINTS
    for name, (factory, _) in factories.items():
        ours, theirs = factory(fake.state), getattr(fake, name)
        assert type(ours) is type(theirs), name
        assert ours._operations == theirs._operations, name
