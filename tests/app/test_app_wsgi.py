"""The WSGI app through werkzeug's test client: no socket at all."""

from __future__ import annotations

from werkzeug.test import Client

from fakeopenai import FakeOpenAI

AUTH = {"Authorization": "Bearer k"}
BODY = {"model": "gpt-4o", "messages": [{"role": "user", "content": "Hi"}]}


def test_app_answers_without_a_server() -> None:
    fake = FakeOpenAI()
    fake.chat.respond_with_message("no socket needed")
    response = Client(fake.app).post("/v1/chat/completions", json=BODY, headers=AUTH)
    assert response.status_code == 200
    assert response.json["choices"][0]["message"]["content"] == "no socket needed"  # type: ignore[index]
    assert response.headers["x-request-id"].startswith("req_")
    assert fake.chat.calls.last.answered_by == "script"


def test_app_streams_server_sent_events() -> None:
    fake = FakeOpenAI()
    fake.chat.respond_with_message("ab", chunks=["a", "b"])
    response = Client(fake.app).post("/v1/chat/completions", json={**BODY, "stream": True}, headers=AUTH)
    events = [line for line in response.get_data(as_text=True).split("\n\n") if line]
    assert response.mimetype == "text/event-stream"
    assert events[-1] == "data: [DONE]"
    assert len(events) == 5
    assert fake.chat.calls.last.response[-1] == "[DONE]"


def test_app_refuses_invalid_bodies_and_unknown_paths() -> None:
    fake = FakeOpenAI()
    client = Client(fake.app)
    bad = client.post("/v1/chat/completions", json={**BODY, "n": 0}, headers=AUTH)
    assert bad.status_code == 400 and bad.json["error"]["code"] == "integer_below_min_value"  # type: ignore[index]
    missing = client.get("/v1/nowhere", headers=AUTH)
    assert missing.status_code == 404
    assert missing.json == {  # type: ignore[comparison-overlap]
        "error": {
            "message": "Invalid URL (GET /v1/nowhere)",
            "type": "invalid_request_error",
            "param": None,
            "code": None,
        }
    }
    assert [c.status for c in fake.calls] == [400, 404]
