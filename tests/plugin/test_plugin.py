"""The pytest plugin, run inside pytest with `pytester`."""

from __future__ import annotations

import subprocess
import sys

import pytest

HELLO = '[{"role": "user", "content": "Hello"}]'


def test_fixture_sets_environment_and_resets_between_tests(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        f"""
        import os, openai

        def test_one(fake_openai):
            assert os.environ["OPENAI_BASE_URL"] == fake_openai.base_url
            fake_openai.chat.respond_with_message("first")
            assert openai.OpenAI().chat.completions.create(model="m", messages={HELLO}).choices[0].message.content == "first"

        def test_two(fake_openai):
            assert fake_openai.calls.call_count == 0
            reply = openai.OpenAI().chat.completions.create(model="m", messages={HELLO})
            assert reply.choices[0].message.content != "first"
        """
    )
    pytester.runpytest_subprocess("-p", "no:randomly").assert_outcomes(passed=2)


def test_unused_script_fails_at_teardown_with_nearest_requests(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        f"""
        import openai

        def test_unused(fake_openai):
            fake_openai.chat.respond_with_message("for gpt-4o", model="gpt-4o")
            openai.OpenAI().chat.completions.create(model="gpt-4o-mini", messages={HELLO})
        """
    )
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*Scripted answers that were never used:*",
            "*Message 'for gpt-4o' for chat.completions.create where model='gpt-4o'*test_unused_script*.py:4*",
            "*model is 'gpt-4o-mini', not 'gpt-4o'*",
        ]
    )


def test_teardown_is_quiet_when_the_test_already_failed(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_fails(fake_openai):
            fake_openai.chat.respond_with_message("unused")
            assert 1 == 2
        """
    )
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(failed=1)
    result.stdout.no_fnmatch_line("*never used*")


def test_marker_switches_the_teardown_check_off(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.fakeopenai(teardown_check=False)
        def test_unused(fake_openai):
            fake_openai.chat.respond_with_message("unused")
        """
    )
    pytester.runpytest_subprocess("--strict-markers").assert_outcomes(passed=1)


@pytest.mark.parametrize(
    ("args", "ini", "expected"),
    [
        ((), "", "errors=1"),
        (("--fakeopenai-teardown-check=off",), "", "passed"),
        ((), "fakeopenai_teardown_check = false", "passed"),
        (("--fakeopenai-teardown-check=on",), "fakeopenai_teardown_check = false", "errors=1"),
    ],
)
def test_command_line_overrides_ini(pytester: pytest.Pytester, args: tuple[str, ...], ini: str, expected: str) -> None:
    pytester.makeini(f"[pytest]\n{ini}\n")
    pytester.makepyfile(
        """
        def test_unused(fake_openai):
            fake_openai.chat.respond_with_message("unused")
        """
    )
    result = pytester.runpytest_subprocess(*args)
    if expected == "passed":
        result.assert_outcomes(passed=1)
    else:
        result.assert_outcomes(passed=1, errors=1)


def test_validation_can_be_switched_off(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        f"""
        import openai, pytest

        @pytest.mark.fakeopenai(validate=False)
        def test_lenient(fake_openai):
            reply = openai.OpenAI().chat.completions.create(model="m", messages={HELLO}, temperature=7)
            assert reply.choices[0].message.content

        def test_strict_again(fake_openai):
            with pytest.raises(openai.BadRequestError):
                openai.OpenAI().chat.completions.create(model="m", messages={HELLO}, temperature=7)
            fake_openai.reset()
        """
    )
    pytester.runpytest_subprocess().assert_outcomes(passed=2)


def test_invalid_option_value_lists_the_choices(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_x(): pass")
    result = pytester.runpytest_subprocess("--fakeopenai-validate=maybe")
    assert result.ret != 0
    result.stderr.fnmatch_lines(["*invalid choice: 'maybe' (choose from *on*off*)*"])


def test_help_lists_the_group_and_marker(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess("--help")
    result.stdout.fnmatch_lines(
        ["*fake OpenAI API (fakeopenai)*", "*--fakeopenai-validate*", "*fakeopenai_teardown_check*"]
    )
    markers = pytester.runpytest_subprocess("--markers")
    markers.stdout.fnmatch_lines(["*@pytest.mark.fakeopenai(validate=True, teardown_check=True, block_real_api=True)*"])


def test_server_errors_are_reported(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        f"""
        import openai, pytest

        def boom(request):
            raise ValueError("predicate exploded")

        def test_crash(fake_openai):
            fake_openai.chat.respond_with_message("x", when=boom, always=True)
            with pytest.raises(openai.InternalServerError):
                openai.OpenAI(max_retries=0).chat.completions.create(model="m", messages={HELLO})
        """
    )
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*ServerError*", "*ValueError: predicate exploded*"])


def test_works_under_xdist_with_a_server_per_worker(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        f"""
        import os, openai, pytest

        @pytest.mark.parametrize("i", range(8))
        def test_many(fake_openai, i, tmp_path_factory):
            fake_openai.chat.respond_with_message(f"answer {{i}}")
            reply = openai.OpenAI().chat.completions.create(model="m", messages={HELLO})
            assert reply.choices[0].message.content == f"answer {{i}}"
            worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
            (tmp_path_factory.getbasetemp().parent / f"{{worker}}-{{i}}").write_text(fake_openai.base_url)
        """
    )
    result = pytester.runpytest_subprocess("-n", "2", "-p", "xdist")
    result.assert_outcomes(passed=8)
    urls = {p.read_text() for p in pytester.path.parent.glob("**/gw*-*") if p.is_file()}
    assert len(urls) == 2, urls


def test_importing_the_plugin_leaves_werkzeug_and_httpx_for_first_use() -> None:
    """pytest imports the plugin at every start; routing, multipart forms and recording import their libraries later."""
    code = (
        "import sys, openai\n"
        "before = set(sys.modules)\n"
        "import fakeopenai.plugin\n"
        "print(sorted(m for m in ('werkzeug', 'httpx') if m in sys.modules and m not in before))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]", result.stdout
