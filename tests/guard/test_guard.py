"""While the fixture is active, the test process cannot reach the real OpenAI API."""

from __future__ import annotations

import socket

import pytest


def test_a_request_to_the_real_api_fails_the_test_clearly(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import openai, pytest

        def test_hard_coded_base_url(fake_openai):
            client = openai.OpenAI(base_url="https://api.openai.com/v1", max_retries=0)
            client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "Hi"}])

        def test_swallowed_error(fake_openai):
            client = openai.OpenAI(base_url="https://api.openai.com/v1", max_retries=0)
            with pytest.raises(openai.APIConnectionError):
                client.models.list()

        @pytest.mark.fakeopenai(block_real_api=False)
        def test_opted_out(fake_openai):
            import socket
            socket.getaddrinfo  # the real lookup is in place: nothing is blocked
            assert fake_openai.state.blocked == []
        """
    )
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(failed=1, passed=2, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*fakeopenai blocked a request to the real OpenAI API (api.openai.com)*",
            "*Requests to the real OpenAI API were blocked (1, to api.openai.com)*",
        ]
    )


def test_the_guard_lets_other_hosts_through_and_disarms(fake_openai: object) -> None:
    assert socket.getaddrinfo("127.0.0.1", 80)
    with pytest.raises(socket.gaierror, match="fakeopenai blocked"):
        socket.getaddrinfo("api.openai.com", 443)
    fake_openai.state.blocked.clear()  # type: ignore[attr-defined]
