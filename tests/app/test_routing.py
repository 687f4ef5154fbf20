"""The router picks the route werkzeug's `Map(strict_slashes=False)` would, for every path.

werkzeug's matcher is the oracle: the fake's rules are written in its syntax, and
the fake answered through it before it had a router of its own.
"""

from __future__ import annotations

import itertools
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule

from fakeopenai import FakeOpenAI
from fakeopenai._app.routing import Router
from fakeopenai.endpoints import Route, all_routes

ROUTES = all_routes()
ROUTER = Router(ROUTES)
ORACLE = Map([Rule(r.rule, endpoint=r, methods=[r.method]) for r in ROUTES], strict_slashes=False).bind("fake", "/")
METHODS = ["GET", "POST", "DELETE", "HEAD", "PUT", "OPTIONS", "get", "post"]
IDS = ["abc", "file-abc", "runs", "messages", "ft:gpt-4o:org::x1", ".", "..", "a b", "é", "a%2Fb", "a?b", "x" * 300]


def werkzeug_match(method: str, path: str) -> tuple[Route | None, dict[str, str]]:
    try:
        route, args = ORACLE.match(path, method=method)
    except HTTPException:  # not found, wrong method, or a redirect to a merged-slashes path
        return None, {}
    return route, dict(args)


def filled(rule: str, value: str) -> str:
    return re.sub(r"<(?:path:)?(\w+)>", value, rule)


def variants(path: str) -> list[str]:
    """The path as a client might mangle it: slashes added, doubled, missing."""
    slashes = [i for i, char in enumerate(path) if char == "/"]
    doubled = [path[:i] + "/" + path[i:] for i in slashes]
    return [path, path + "/", path + "//", path.lstrip("/"), "/" + path, *doubled, path + "/extra", path[:-1]]


CORPUS = sorted(
    {
        (method, variant)
        for route in ROUTES
        for value in IDS
        for variant in variants(filled(route.rule, value))
        for method in METHODS
    }
    | {(method, path) for method in METHODS for path in ["", "/", "//", "/v1", "/v1/", "/nope", "/v1/models/a/b/c/"]}
)


def test_every_rule_and_its_mangled_forms_route_as_werkzeug_routes_them() -> None:
    differences = [
        (method, path, ROUTER.match(method, path), werkzeug_match(method, path))
        for method, path in CORPUS
        if ROUTER.match(method, path) != werkzeug_match(method, path)
    ]
    assert len(CORPUS) > 10_000
    assert not differences, differences[:5]


segments = st.lists(
    st.sampled_from(sorted({part for r in ROUTES for part in r.rule.split("/") if "<" not in part} | set(IDS) | {""})),
    min_size=0,
    max_size=9,
)


@settings(max_examples=3000, deadline=None)
@given(method=st.sampled_from(METHODS), parts=segments, leading=st.sampled_from(["/", "", "//"]))
def test_any_path_made_of_the_rules_segments_routes_as_werkzeug_routes_it(
    method: str, parts: list[str], leading: str
) -> None:
    path = leading + "/".join(parts)
    assert ROUTER.match(method, path) == werkzeug_match(method, path)


def test_where_several_rules_match_the_one_with_literals_further_left_wins_as_in_werkzeug() -> None:
    rules = ["/a/<x>/c", "/a/b/<y>", "/a/<x>/<z>", "/<w>/b/c", "/<w>/<x>/c", "/a/b"]
    routes = [Route("GET", rule, rule, simulate=lambda ctx: None) for rule in rules]  # type: ignore[arg-type, return-value]
    router = Router(reversed(routes))
    oracle = Map([Rule(r.rule, endpoint=r, methods=["GET"]) for r in routes], strict_slashes=False).bind("f", "/")
    paths = ["/" + "/".join(parts) for n in (2, 3) for parts in itertools.product("abcd", repeat=n)]
    for path in paths:
        try:
            expected = oracle.match(path, method="GET")
        except HTTPException:
            expected = (None, {})
        assert router.match("GET", path) == expected, path


@pytest.mark.parametrize(
    ("method", "path", "rule", "args"),
    [
        ("POST", "/v1/threads/runs", "/v1/threads/runs", {}),
        ("GET", "/v1/threads/runs", "/v1/threads/<thread_id>", {"thread_id": "runs"}),
        ("GET", "/v1/files/file-1/", "/v1/files/<file_id>", {"file_id": "file-1"}),
        ("HEAD", "/v1/models", "/v1/models", {}),
        ("GET", "/v1/models/ft:gpt-4o:org/x/", "/v1/models/<path:model>", {"model": "ft:gpt-4o:org/x/"}),
        ("GET", "/v1/files//content", None, {}),
        ("OPTIONS", "/v1/files/file-1", None, {}),
    ],
)
def test_literals_slashes_and_methods(method: str, path: str, rule: str | None, args: dict[str, str]) -> None:
    route, found = ROUTER.match(method, path)
    assert (route.rule if route else None, found) == (rule, args)


@pytest.mark.parametrize(
    "rule", ["/v1/things/<path:rest>/more", "/v1/<int:n>", "/v1/things/x<name>", "/v1/<a>/<path:b>"]
)
def test_a_rule_the_router_cannot_match_as_werkzeug_would_is_refused_when_built(rule: str) -> None:
    route = Route("GET", rule, "things.get", simulate=lambda ctx: None)  # type: ignore[arg-type, return-value]
    with pytest.raises(ValueError, match="argument"):
        Router([route])


def test_the_app_answers_path_arguments_without_importing_werkzeug() -> None:
    import subprocess
    import sys

    code = (
        "import sys, openai\n"
        "from fakeopenai import FakeOpenAI\n"
        "with FakeOpenAI() as fake:\n"
        "    client = fake.client()\n"
        "    print(client.models.retrieve('gpt-4o-mini').id)\n"
        "    print('werkzeug' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["gpt-4o-mini", "False"]


@pytest.mark.filterwarnings("ignore:.*deprecated:DeprecationWarning")  # the SDK deprecates Assistants
def test_ids_reach_the_endpoint_through_a_real_socket(fake_openai: FakeOpenAI) -> None:
    client = fake_openai.client()
    thread = client.beta.threads.create()
    message = client.beta.threads.messages.create(thread.id, role="user", content="Hi")
    fetched = client.beta.threads.messages.retrieve(message.id, thread_id=thread.id)
    assert (fetched.id, fetched.thread_id) == (message.id, thread.id)
    assert fake_openai.calls.last.path == f"/v1/threads/{thread.id}/messages/{message.id}"
