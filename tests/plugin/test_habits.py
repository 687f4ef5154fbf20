"""fakeopenai next to the testing habits people already have: anyio, respx, pytest-recording, unittest."""

from __future__ import annotations

import pytest
from sdk_shapes import SDK_HTTPX

HELLO = '[{"role": "user", "content": "Hi"}]'
# respx mocks `httpx`: openai 3.x (on httpx2) reaches the fake untouched, 2.x (on httpx) only where it is let through.
LET_THE_FAKE_THROUGH = "respx.route(url__startswith=fake_openai.url).pass_through()" if SDK_HTTPX.__name__ == "httpx" else ""


def test_anyio_respx_and_pytest_recording_alongside(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
        import pytest
        from werkzeug.serving import make_server
        import threading

        @pytest.fixture
        def anyio_backend():
            return "asyncio"

        @pytest.fixture(scope="module")
        def vcr_config():
            return {"match_on": ["method", "path"]}  # the local weather server's port changes between runs

        @pytest.fixture(scope="session")
        def weather_url():
            def app(environ, start_response):
                start_response("200 OK", [("Content-Type", "application/json")])
                return [b'{"celsius": 21}']
            server = make_server("127.0.0.1", 0, app)
            threading.Thread(target=server.serve_forever, daemon=True).start()
            yield f"http://127.0.0.1:{server.server_port}/paris"
            server.shutdown()
        """
    )
    pytester.makepyfile(
        f"""
        import httpx, openai, pytest, respx

        @pytest.mark.anyio
        async def test_anyio(fake_openai):
            fake_openai.chat.respond_with_message("anyio")
            reply = await openai.AsyncOpenAI().chat.completions.create(model="gpt-4o", messages={HELLO})
            assert reply.choices[0].message.content == "anyio"

        @respx.mock
        def test_respx_mocks_other_apis_only(fake_openai):
            {LET_THE_FAKE_THROUGH}
            route = respx.get("https://weather.example/paris").mock(return_value=httpx.Response(200, json={{"t": 21}}))
            fake_openai.chat.respond_with_message("21 degrees")
            assert httpx.get("https://weather.example/paris").json() == {{"t": 21}}
            reply = openai.OpenAI().chat.completions.create(model="gpt-4o", messages={HELLO})
            assert reply.choices[0].message.content == "21 degrees" and route.called

        @pytest.mark.vcr
        def test_vcr_records_other_apis_not_the_fake(fake_openai, weather_url):
            fake_openai.chat.respond_with_message("vcr")
            assert httpx.get(weather_url).json() == {{"celsius": 21}}
            reply = openai.OpenAI().chat.completions.create(model="gpt-4o", messages={HELLO})
            assert reply.choices[0].message.content == "vcr"
        """
    )
    pytester.runpytest_subprocess("--record-mode=once", "-p", "no:cacheprovider").assert_outcomes(passed=3)
    [cassette] = pytester.path.glob("cassettes/**/test_vcr_records_other_apis_not_the_fake.yaml")
    text = cassette.read_text()
    assert "/paris" in text and "chat/completions" not in text
    replay = pytester.runpytest_subprocess("--record-mode=none", "-p", "no:cacheprovider")
    replay.assert_outcomes(passed=3)


def test_unittest_testcase_with_the_context_manager(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import unittest
        import openai
        from fakeopenai import FakeOpenAI

        class WeatherTest(unittest.TestCase):
            def setUp(self):
                self.fake = FakeOpenAI().start()
                self.addCleanup(self.fake.stop)
                self.client = openai.OpenAI(base_url=self.fake.base_url, api_key="any")

            def test_answer(self):
                self.fake.chat.respond_with_message("sunny")
                reply = self.client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "?"}])
                self.assertEqual(reply.choices[0].message.content, "sunny")
                self.fake.check()

        if __name__ == "__main__":
            unittest.main()
        """
    )
    result = pytester.run(
        __import__("sys").executable, "-m", "unittest", "-v", "test_unittest_testcase_with_the_context_manager.py"
    )
    assert result.ret == 0
    result.stderr.fnmatch_lines(["*test_answer*ok*", "OK"])
