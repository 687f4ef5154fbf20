"""The pytest plugin: one fake server per test session (per xdist worker), reset for every test.

Settings, most specific first: the `fakeopenai` marker on a test, the command
line (`--fakeopenai-…`), the ini file (`fakeopenai_…`), the defaults.

Cassettes are switched on per test by the marker (`cassette=True` for
`cassettes/<module>/<test>.yaml` beside the test file, or `cassette="name"`)
or for many tests by overriding the `fakeopenai_config` fixture. The record
mode and the upstream are chosen, first found wins, from: the command line
(`--openai-record-mode`, `--openai-upstream`), the environment
(`FAKEOPENAI_RECORD_MODE`, `FAKEOPENAI_UPSTREAM`), the marker, the
`fakeopenai_config` fixture, the ini file (`fakeopenai_record_mode`,
`fakeopenai_upstream`), then the defaults (`none`, `https://api.openai.com/v1`).
The real key for recording is `FAKEOPENAI_UPSTREAM_API_KEY`, else
`OPENAI_API_KEY` as it was when pytest started.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Generator, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from ._errors import ConfigurationError
from ._fake import DEFAULT_API_KEY, FakeOpenAI
from ._guard import RealApiGuard
from ._recording.cassette import RecordingsLeftOut
from ._recording.credentials import Secret
from ._recording.tape import DEFAULT_UPSTREAM, RECORD_MODES, Cassette, check_record_mode, upstream_key_from

_GUARD = RealApiGuard()
_FAKE_URLS: set[str] = set()
_CALL_REPORT = pytest.StashKey[pytest.TestReport]()
_SESSION_START = pytest.StashKey[float]()
_UPSTREAM_KEY = pytest.StashKey[Secret | None]()
_ENVIRONMENT = pytest.StashKey[dict[str, str]]()
_START_INPUT = "fakeopenai_session_start"
_SWITCHES = {
    "validate": "check every request against the API's schemas and rules (default: on)",
    "teardown_check": "fail a test that made invalid or unmatched requests or left scripted answers unused (default: on)",
    "block_real_api": "refuse requests from the test process to the real OpenAI API while the fake is in use (default: on)",
}
_RUN_SETTINGS = {
    "record_mode": (
        "FAKEOPENAI_RECORD_MODE",
        "when cassettes record: none (replay only, the default), once, new_episodes or all",
    ),
    "upstream": ("FAKEOPENAI_UPSTREAM", f"the API that recordings are made against (default: {DEFAULT_UPSTREAM})"),
}
_CASSETTE_KEYS = (
    "cassette",
    "record_mode",
    "upstream",
    "match_ignore",
    "allow_playback_repeats",
    "redact",
    "replay_pacing",
)
_MARKER_KEYS = (*_SWITCHES, *_CASSETTE_KEYS)


def pytest_addoption(parser: pytest.Parser) -> None:
    """Register the `fakeopenai` options and ini keys."""
    group = parser.getgroup("fakeopenai", "fake OpenAI API (fakeopenai)")
    for name, help_text in _SWITCHES.items():
        flag = "--fakeopenai-" + name.replace("_", "-")
        group.addoption(flag, choices=("on", "off"), default=None, dest=f"fakeopenai_{name}", help=help_text)
        parser.addini(f"fakeopenai_{name}", help_text, type="bool", default=True)
    group.addoption(
        "--openai-record-mode",
        "--fakeopenai-record-mode",
        choices=RECORD_MODES,
        default=None,
        dest="fakeopenai_record_mode",
        help=_RUN_SETTINGS["record_mode"][1]
        + "; beats FAKEOPENAI_RECORD_MODE, the marker, the fakeopenai_config fixture and the ini file "
        + "(cassettes go to the fakeopenai_cassette_dir fixture's directory)",
    )
    group.addoption(
        "--openai-upstream",
        "--fakeopenai-upstream",
        default=None,
        dest="fakeopenai_upstream",
        metavar="URL",
        help=_RUN_SETTINGS["upstream"][1] + "; beats FAKEOPENAI_UPSTREAM, the marker and the ini file",
    )
    for name, (_, help_text) in _RUN_SETTINGS.items():
        parser.addini(f"fakeopenai_{name}", help_text, default=None)
    parser.addini(
        "fakeopenai_match_ignore",
        "request body fields that cassette matching leaves out, e.g. user metadata seed",
        type="args",
        default=[],
    )


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker; capture the real API key and the run's start before any test changes them."""
    config.addinivalue_line(
        "markers",
        "fakeopenai(validate=True, teardown_check=True, block_real_api=True): settings of the fake OpenAI API for "
        "this test; teardown_check=False lets a test leave invalid requests or unused scripts on purpose; "
        "block_real_api=False lets the test process reach api.openai.com. Cassettes: "
        "cassette=True|'name', record_mode='none'|'once'|'new_episodes'|'all', match_ignore=[...], "
        "allow_playback_repeats=False, redact=callable, replay_pacing=False, upstream=URL.",
    )
    workerinput = getattr(config, "workerinput", None)
    start = float(workerinput[_START_INPUT]) if workerinput and _START_INPUT in workerinput else time.time()
    config.stash[_SESSION_START] = start
    config.stash[_UPSTREAM_KEY] = upstream_key_from(os.environ, DEFAULT_API_KEY)
    environment = {
        name: os.environ[variable] for name, (variable, _) in _RUN_SETTINGS.items() if os.environ.get(variable)
    }
    config.stash[_ENVIRONMENT] = environment
    try:
        if "record_mode" in environment:
            check_record_mode(environment["record_mode"], "FAKEOPENAI_RECORD_MODE")
        ini_mode = config.getini("fakeopenai_record_mode")
        if ini_mode:
            check_record_mode(ini_mode, "The ini key fakeopenai_record_mode")
    except ValueError as exc:
        raise pytest.UsageError(str(exc)) from None


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """Give every xdist worker the controller's start time, so `once` agrees across workers."""
    node.workerinput[_START_INPUT] = node.config.stash[_SESSION_START]


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Remember how the test body ended, so teardown checks stay quiet after a failure."""
    report = yield
    if report.when == "call":
        item.stash[_CALL_REPORT] = report
        fake = getattr(item, "funcargs", {}).get("fake_openai")
        if report.failed and isinstance(fake, FakeOpenAI) and (fake.state.blocked or fake.state.errors):
            report.sections.append(("fakeopenai", fake.report() or ""))
    return report


def _marker_kwargs(request: pytest.FixtureRequest) -> dict[str, Any]:
    kwargs: dict[str, Any] = {}
    for marker in reversed(list(request.node.iter_markers("fakeopenai"))):
        kwargs.update(marker.kwargs)
    unknown = sorted(set(kwargs) - set(_MARKER_KEYS))
    if unknown:
        raise ConfigurationError(
            f"Unknown keyword(s) {', '.join(unknown)} on the fakeopenai marker; valid ones are: {', '.join(_MARKER_KEYS)}."
        )
    return kwargs


def _setting(request: pytest.FixtureRequest, name: str) -> bool:
    kwargs = _marker_kwargs(request)
    if name in kwargs:
        return bool(kwargs[name])
    option = request.config.getoption(f"fakeopenai_{name}")
    if option is not None:
        return bool(option == "on")
    return bool(request.config.getini(f"fakeopenai_{name}"))


def _run_setting(
    request: pytest.FixtureRequest, name: str, marker: Mapping[str, Any], config: Mapping[str, Any]
) -> tuple[Any, str]:
    """A run-level setting and where it came from: command line, environment, marker, fixture, ini file."""
    option = request.config.getoption(f"fakeopenai_{name}")
    if option is not None:
        return option, f"--openai-{name.replace('_', '-')}"
    environment = request.config.stash[_ENVIRONMENT]
    if name in environment:
        return environment[name], _RUN_SETTINGS[name][0]
    if marker.get(name) is not None:
        return marker[name], f"the fakeopenai marker's {name}"
    if config.get(name) is not None:
        return config[name], f"fakeopenai_config()[{name!r}]"
    ini = request.config.getini(f"fakeopenai_{name}")
    if ini:
        return ini, f"the ini key fakeopenai_{name}"
    return None, "the default"


def _test_name(node: pytest.Item) -> str:
    cls = getattr(node, "cls", None)
    name = f"{cls.__name__}.{node.name}" if cls is not None else node.name
    return re.sub(r'[\\/:*?"<>|\s]+', "_", name)


def _cassette_path(value: Any, directory: Path, name: str) -> Path | None:
    if value is None or value is False:
        return None
    if value is True:
        return directory / f"{name}.yaml"
    if not isinstance(value, (str, os.PathLike)):
        raise ConfigurationError(f"cassette={value!r}: give True (this test's own cassette) or a name or path.")
    path = Path(value)
    if path.suffix not in (".yaml", ".yml"):
        path = path.with_name(path.name + ".yaml")
    return path if path.is_absolute() else directory / path


@pytest.fixture
def fakeopenai_config() -> dict[str, Any]:
    """Cassette settings for the tests in its scope; override it (in a conftest or module) to return e.g.
    `{"cassette": True, "match_ignore": ["user"]}`. Takes the marker's cassette keywords; the marker wins."""
    return {}


@pytest.fixture
def fakeopenai_cassette_dir(request: pytest.FixtureRequest) -> Path:
    """Where this test's cassettes live: `cassettes/<test module>/` beside the test file."""
    path = Path(request.node.path)
    return path.parent / "cassettes" / path.stem


def _open_cassette(request: pytest.FixtureRequest, config: Mapping[str, Any], directory: Path) -> Cassette | None:
    unknown = sorted(set(config) - set(_CASSETTE_KEYS))
    if unknown:
        raise ConfigurationError(
            f"Unknown key(s) {', '.join(unknown)} in fakeopenai_config; valid ones are: {', '.join(_CASSETTE_KEYS)}."
        )
    marker = _marker_kwargs(request)

    def pick(name: str, default: Any) -> Any:
        if name in marker:
            return marker[name]
        return config.get(name, default)

    path = _cassette_path(pick("cassette", None), directory, _test_name(request.node))
    if path is None:
        return None
    mode, source = _run_setting(request, "record_mode", marker, config)
    try:
        record_mode = check_record_mode(mode or "none", f"The record mode from {source},")
    except ValueError as exc:
        raise ConfigurationError(str(exc)) from None
    upstream, _ = _run_setting(request, "upstream", marker, config)
    ignore = pick("match_ignore", None)
    if ignore is None:
        ignore = request.config.getini("fakeopenai_match_ignore")
    if isinstance(ignore, str):
        ignore = [ignore]
    start = request.config.stash[_SESSION_START]
    fresh = not path.exists() or path.stat().st_mtime >= start
    return Cassette(
        path,
        record_mode=record_mode,
        upstream=str(upstream or DEFAULT_UPSTREAM),
        upstream_api_key=request.config.stash[_UPSTREAM_KEY],
        match_ignore=list(ignore),
        allow_playback_repeats=bool(pick("allow_playback_repeats", False)),
        redact=pick("redact", ()) or (),
        replay_pacing=pick("replay_pacing", False),
        fresh=fresh,
    )


@pytest.fixture(scope="session")
def fake_openai_server() -> Iterator[FakeOpenAI]:
    """The session's fake server, started once; most tests want `fake_openai` instead."""
    fake = FakeOpenAI()
    fake.start()
    _FAKE_URLS.add(fake.url)
    try:
        yield fake
    finally:
        _FAKE_URLS.discard(fake.url)
        fake.stop()


@pytest.hookimpl(optionalhook=True)
def pytest_recording_configure(config: pytest.Config, vcr: Any) -> None:
    """Under pytest-recording, let requests to the fake through: vcrpy neither records nor replays them."""
    previous = vcr.before_record_request

    def skip_the_fake(request: Any) -> Any:
        if any(str(request.uri).startswith(url + "/") for url in _FAKE_URLS):
            return None
        return previous(request) if previous is not None else request

    vcr.before_record_request = skip_the_fake


@pytest.fixture
def fake_openai(
    fake_openai_server: FakeOpenAI,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    fakeopenai_config: dict[str, Any],
    fakeopenai_cassette_dir: Path,
) -> Iterator[FakeOpenAI]:
    """The fake OpenAI API, reset for this test, with `OPENAI_BASE_URL` and `OPENAI_API_KEY` pointing at it.

    With a cassette switched on (marker or `fakeopenai_config`), it answers from
    the cassette after the test's own scripts, records through to the upstream
    as the record mode allows, and saves the cassette when the test ends.
    """
    fake = fake_openai_server
    fake.reset()
    fake.state.settings.validate = _setting(request, "validate")
    cassette = _open_cassette(request, fakeopenai_config, fakeopenai_cassette_dir)
    fake.state.tape = cassette
    for name, value in fake.environ().items():
        monkeypatch.setenv(name, value)
    if _setting(request, "block_real_api"):
        _GUARD.arm(fake.state.blocked.append)
    try:
        yield fake
    finally:
        _GUARD.disarm()
    __tracebackhide__ = True
    report = request.node.stash.get(_CALL_REPORT, None)
    test_failed = report is None or report.failed
    left_out: str | None = None
    try:
        if cassette is not None:
            fake.state.tape = None
            try:
                cassette.save()
            except RecordingsLeftOut as refused:
                left_out = str(refused)
    finally:
        try:
            if not test_failed and _setting(request, "teardown_check"):
                fake.check()
        finally:
            fake.reset()
            fake.state.settings.validate = True
    if left_out is not None:
        # Raised here, at the plugin's edge, with masked text only and no traceback: no frame's locals are shown.
        pytest.fail(left_out, pytrace=False)
