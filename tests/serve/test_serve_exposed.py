"""A fake reachable beyond loopback: the control API needs a token, the Host header is checked, the URL printed works.

The servers here listen on 0.0.0.0, the "beyond loopback" path, but every request goes to 127.0.0.1: other Host
headers are sent over that same connection, as a browser fooled by DNS rebinding would send them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from serving import Served, run_cli

from fakeopenai import FakeOpenAI
from fakeopenai import _cli as cli

KEY = "sk-exposed-test"
API = {"Authorization": f"Bearer {KEY}"}
ENV_TOKEN = "control-token-from-the-environment"


def get(url: str, host: str | None = None, key: str | None = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    if host is not None:
        headers["Host"] = host
    return httpx.get(url, headers=headers, timeout=10)


@pytest.fixture(scope="module")
def exposed() -> Iterator[tuple[Served, str]]:
    """`serve --host 0.0.0.0 --api-key KEY`, and the control token it made up and printed."""
    server = Served("--host", "0.0.0.0", "--api-key", KEY, env={"FAKEOPENAI_CONTROL_TOKEN": ""})
    line = server.next_line()
    match = re.fullmatch(r"control token: (\S{20,})", line)
    assert match, line
    yield server, match.group(1)
    code, stderr = server.stop()
    assert code == 0, stderr


# --- the control API ---------------------------------------------------------------------------------------------


def test_beyond_loopback_the_control_api_needs_the_printed_token(exposed: tuple[Served, str]) -> None:
    server, token = exposed
    server.log_lines()

    refused = [get(server.control + "/calls"), get(server.control + "/calls", key=KEY)]
    reset = httpx.post(server.control + "/reset", headers=API, timeout=10)
    allowed = get(server.control + "/calls", key=token)

    for response in [*refused, reset]:
        assert response.status_code == 401
        error = response.json()["error"]
        assert set(error) == {"message", "type", "param", "code"} and error["code"] == "invalid_control_token"
        assert "control token" in error["message"]
    assert allowed.status_code == 200 and allowed.json()["object"] == "list"
    assert get(server.control + "/health").json() == {"status": "ok"}
    assert get(server.base_url + "/models", key=KEY).status_code == 200
    assert get(server.base_url + "/models", key=token).status_code == 401  # the token is not an API key
    assert [server.next_line() for _ in range(4)] == [
        "401 GET /_fakeopenai/calls [control]",
        "401 GET /_fakeopenai/calls [control]",
        "401 POST /_fakeopenai/reset [control]",
        "200 GET /_fakeopenai/calls [control]",
    ]


def test_with_an_api_key_on_loopback_the_control_api_needs_the_key() -> None:
    with FakeOpenAI(api_key=KEY) as fake:
        fake.chat.respond_with_message("Hi")
        refused = httpx.get(fake.url + "/_fakeopenai/scripts", timeout=10)
        wrong = httpx.get(fake.url + "/_fakeopenai/scripts", headers={"Authorization": "Bearer sk-other"}, timeout=10)
        listed = httpx.get(fake.url + "/_fakeopenai/scripts", headers=API, timeout=10)

        assert refused.status_code == wrong.status_code == 401
        assert "API key (--api-key)" in refused.json()["error"]["message"]
        assert [entry["description"] for entry in listed.json()["data"]] == [fake.state.scripts.entries()[0].describe()]
        fake.reset()  # the Python side reaches the state directly, with no key


# --- the Host header ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "host", ["localhost:{port}", "127.0.0.1:{port}", "127.0.0.1", "[::1]:{port}", "LOCALHOST.:{port}", "app.localhost"]
)
def test_the_fixture_answers_to_loopback_names(fake_openai: FakeOpenAI, host: str) -> None:
    port = fake_openai.url.rsplit(":", 1)[1]

    assert get(fake_openai.base_url + "/models", host.format(port=port), key="sk-x").status_code == 200


@pytest.mark.parametrize("host", ["evil.example:{port}", "127.0.0.1.nip.io:{port}", "localhost.evil.example"])
def test_the_fixture_refuses_a_rebound_name_and_the_test_hears_of_it(fake_openai: FakeOpenAI, host: str) -> None:
    port = fake_openai.url.rsplit(":", 1)[1]
    sent = host.format(port=port)

    api = get(fake_openai.base_url + "/models", sent, key="sk-x")
    control = get(fake_openai.url + "/_fakeopenai/calls", sent)

    for response in (api, control):
        assert response.status_code == 421
        assert response.json()["error"]["code"] == "misdirected_request"
        assert repr(sent) in response.json()["error"]["message"]
    assert "--allowed-host" in (fake_openai.report() or "")
    assert fake_openai.client(memory=True).models.list().data  # the no-socket mode sends its own Host
    fake_openai.reset()


def test_beyond_loopback_the_host_header_is_checked_and_logged(exposed: tuple[Served, str]) -> None:
    server, token = exposed
    server.log_lines()
    port = server.url.rsplit(":", 1)[1]

    rebound = get(server.base_url + "/models", f"evil.example:{port}", key=KEY)
    control = get(server.control + "/calls", f"evil.example:{port}", key=token)
    by_address = get(server.base_url + "/models", f"192.0.2.7:{port}", key=KEY)
    by_service_name = get(server.base_url + "/models", "fakeopenai:8080", key=KEY)

    assert rebound.status_code == control.status_code == 421
    assert by_address.status_code == by_service_name.status_code == 200
    assert server.next_line().startswith(
        "421 GET /v1/models [error]  This server does not answer to the host 'evil.example:"
    )
    assert server.next_line() == "421 GET /_fakeopenai/calls [control]"


def test_allowed_hosts_and_the_token_from_the_environment() -> None:
    options = ("--host", "0.0.0.0", "--api-key", KEY, "--allowed-host", ".corp.example")
    server = Served(*options, env={"FAKEOPENAI_CONTROL_TOKEN": ENV_TOKEN})
    try:
        subdomain = get(server.base_url + "/models", "fake.corp.example:443", key=KEY)
        domain = get(server.base_url + "/models", "corp.example", key=KEY)
        other = get(server.base_url + "/models", "corp.example.evil.example", key=KEY)
        control = get(server.control + "/report", key=ENV_TOKEN)

        assert subdomain.status_code == domain.status_code == 200 and other.status_code == 421
        assert "corp.example.evil.example" in control.json()["report"]
        assert server.next_line().startswith("200 GET /v1/models"), "the token is not printed when it is given"
    finally:
        code, stderr = server.stop()
    assert code == 0 and ENV_TOKEN not in stderr


# --- what is printed ---------------------------------------------------------------------------------------------


def test_the_printed_urls_can_be_reached(exposed: tuple[Served, str]) -> None:
    server, _ = exposed
    port = int(server.url.rsplit(":", 1)[1])

    assert server.base_url == f"http://127.0.0.1:{port}/v1"
    assert get(server.base_url + "/models", key=KEY).status_code == 200
    expected = [f"other machines: {url}" for url in cli.base_urls("0.0.0.0", port)[1]]
    assert [line for line in server.errors if line.startswith("other machines: ")] == expected
    assert any("beyond loopback" in line for line in server.errors)


@pytest.mark.parametrize(
    ("host", "first"),
    [
        ("0.0.0.0", "http://127.0.0.1:8000/v1"),
        ("::", "http://[::1]:8000/v1"),
        ("[::]", "http://[::1]:8000/v1"),
        ("127.0.0.1", "http://127.0.0.1:8000/v1"),
        ("::1", "http://[::1]:8000/v1"),
        ("192.168.1.20", "http://192.168.1.20:8000/v1"),
        ("myhost.example", "http://myhost.example:8000/v1"),
    ],
)
def test_base_urls(host: str, first: str) -> None:
    url, others = cli.base_urls(host, 8000)

    assert url == first
    assert all(not cli._is_loopback(other.split("//")[1].rsplit(":", 1)[0]) for other in others)
    if host not in ("0.0.0.0", "::", "[::]"):
        assert others == []


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.0.0.2", True),
        ("localhost", True),
        ("LOCALHOST.", True),
        ("::1", True),
        ("[::1]", True),
        ("::ffff:127.0.0.1", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.20", False),
        ("::ffff:10.0.0.1", False),
        ("myhost.example", False),
        ("localhost.evil.example", False),
    ],
)
def test_is_loopback(host: str, loopback: bool) -> None:
    assert cli._is_loopback(host) is loopback


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--host", "0.0.0.0"], "--host 0.0.0.0 lets other machines reach the server, so its API needs a key"),
        (["--allowed-host", "http://fake/"], "--allowed-host 'http://fake/' is not a host name"),
    ],
)
def test_beyond_loopback_needs_an_api_key(capsys: pytest.CaptureFixture[str], args: list[str], message: str) -> None:
    code, out, err = run_cli(capsys, "serve", *args)

    assert code == 2 and out == "" and message in err


@pytest.mark.parametrize(
    ("value", "allowed"),
    [
        (None, True),
        ("localhost:1", True),
        ("a.localhost", True),
        ("10.0.0.5:80", True),
        ("[fd00::2]:80", True),
        ("fakeopenai:8000", True),
        ("myhost.example", True),
        ("api.corp.example", True),
        ("corp.example", True),
        ("evil.example", False),
        ("corp.example.evil.example", False),
        ("xcorp.example", False),
    ],
)
def test_host_check(value: str | None, allowed: bool) -> None:
    from fakeopenai._app.hosts import HostCheck

    check = HostCheck(["myhost.example", ".corp.example"])

    assert check.allows(value) is allowed
