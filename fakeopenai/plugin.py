"""The pytest plugin: one fake server per test session (per xdist worker), reset for every test.

Settings, most specific first: the `fakeopenai` marker on a test, the command
line (`--fakeopenai-…`), the ini file (`fakeopenai_…`), the defaults.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ._fake import FakeOpenAI

_CALL_REPORT = pytest.StashKey[pytest.TestReport]()
_SWITCHES = {
    "validate": "check every request against the API's schemas and rules (default: on)",
    "teardown_check": "fail a test that made invalid or unmatched requests or left scripted answers unused (default: on)",
}


def pytest_addoption(parser: pytest.Parser) -> None:
    """Register the `fakeopenai` options and ini keys."""
    group = parser.getgroup("fakeopenai", "fake OpenAI API (fakeopenai)")
    for name, help_text in _SWITCHES.items():
        flag = "--fakeopenai-" + name.replace("_", "-")
        group.addoption(flag, choices=("on", "off"), default=None, dest=f"fakeopenai_{name}", help=help_text)
        parser.addini(f"fakeopenai_{name}", help_text, type="bool", default=True)


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker."""
    config.addinivalue_line(
        "markers",
        "fakeopenai(validate=True, teardown_check=True): settings of the fake OpenAI API for this test; "
        "teardown_check=False lets a test leave invalid requests or unused scripts on purpose.",
    )


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[pytest.TestReport]:
    """Remember how the test body ended, so teardown checks stay quiet after a failure."""
    report: pytest.TestReport = yield
    if report.when == "call":
        item.stash[_CALL_REPORT] = report
    return report


def _setting(request: pytest.FixtureRequest, name: str) -> bool:
    marker = request.node.get_closest_marker("fakeopenai")
    if marker is not None and name in marker.kwargs:
        return bool(marker.kwargs[name])
    option = request.config.getoption(f"fakeopenai_{name}")
    if option is not None:
        return option == "on"
    return bool(request.config.getini(f"fakeopenai_{name}"))


@pytest.fixture(scope="session")
def fake_openai_server() -> Iterator[FakeOpenAI]:
    """The session's fake server, started once; most tests want `fake_openai` instead."""
    fake = FakeOpenAI()
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture
def fake_openai(
    fake_openai_server: FakeOpenAI, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[FakeOpenAI]:
    """The fake OpenAI API, reset for this test, with `OPENAI_BASE_URL` and `OPENAI_API_KEY` pointing at it."""
    fake = fake_openai_server
    fake.reset()
    fake.state.settings.validate = _setting(request, "validate")
    for name, value in fake.environ().items():
        monkeypatch.setenv(name, value)
    yield fake
    report = request.node.stash.get(_CALL_REPORT, None)
    test_failed = report is None or report.failed
    try:
        if not test_failed and _setting(request, "teardown_check"):
            fake.check()
    finally:
        fake.reset()
        fake.state.settings.validate = True
