"""Assistants through the official SDK, sync and async: CRUD, pagination, 404s, seeding, isolation."""

from __future__ import annotations

import re

import httpx
import openai
import pytest
from openai.types.beta import Assistant, AssistantDeleted

from fakeopenai import FakeOpenAI
from fakeopenai._errors import ConfigurationError

pytestmark = pytest.mark.filterwarnings("ignore:.*deprecated:DeprecationWarning")  # the SDK deprecates Assistants

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather in a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}


def test_create_retrieve_update_delete(fake_openai: FakeOpenAI) -> None:
    client = openai.OpenAI()
    created = client.beta.assistants.create(
        model="gpt-4o",
        name="Weather bot",
        instructions="Answer about the weather.",
        tools=[WEATHER, {"type": "file_search"}, {"type": "code_interpreter"}],
        metadata={"team": "search"},
    )
    assert created.id.startswith("asst_") and len(created.id) == 29
    assert (created.object, created.model, created.name) == ("assistant", "gpt-4o", "Weather bot")
    assert created.metadata == {"team": "search"}
    assert created.temperature == 1.0 and created.response_format == "auto"
    function = created.tools[0]
    assert function.type == "function" and function.function.strict is False
    assert created.tools[1].type == "file_search"

    raw = client.beta.assistants.with_raw_response.retrieve(created.id).http_response.json()
    assert Assistant.model_validate(raw).model_extra == {}
    assert Assistant.model_validate(raw) == created

    updated = client.beta.assistants.update(created.id, name="Renamed", metadata={"team": "core"})
    assert updated.name == "Renamed" and updated.metadata == {"team": "core"}
    assert updated.instructions == "Answer about the weather."  # untouched fields stay
    assert client.beta.assistants.retrieve(created.id).name == "Renamed"

    gone = client.beta.assistants.delete(created.id)
    assert gone == AssistantDeleted(id=created.id, object="assistant.deleted", deleted=True)
    with pytest.raises(openai.NotFoundError) as caught:
        client.beta.assistants.retrieve(created.id)
    assert caught.value.body == {
        "message": f"No assistant found with id '{created.id}'.",
        "type": "invalid_request_error",
        "param": None,
        "code": None,
    }


def test_unknown_ids_answer_the_real_404(fake_openai: FakeOpenAI) -> None:
    client = openai.OpenAI()
    for call in (
        lambda: client.beta.assistants.retrieve("asst_x"),
        lambda: client.beta.assistants.update("asst_x", name="n"),
        lambda: client.beta.assistants.delete("asst_x"),
    ):
        with pytest.raises(openai.NotFoundError, match=re.escape("No assistant found with id 'asst_x'.")):
            call()


def test_list_paginates_newest_first_and_auto_paginates(fake_openai: FakeOpenAI) -> None:
    client = openai.OpenAI()
    ids = [client.beta.assistants.create(model="gpt-4o", name=f"a{i}").id for i in range(5)]

    page = client.beta.assistants.list(limit=2)
    assert [a.id for a in page.data] == ids[::-1][:2]
    assert page.has_more is True and page.first_id == ids[4] and page.last_id == ids[3]
    assert [a.id for a in client.beta.assistants.list(limit=2)] == ids[::-1]  # the SDK follows `after`
    assert [a.id for a in client.beta.assistants.list(order="asc", limit=3)] == ids
    assert [a.id for a in client.beta.assistants.list(order="asc", after=ids[1]).data] == ids[2:]
    assert len([c for c in fake_openai.calls if c.operation == "beta.assistants.list"]) == 1 + 3 + 2 + 1


def test_bad_limit_and_bad_temperature(fake_openai: FakeOpenAI) -> None:
    client = openai.OpenAI()
    with pytest.raises(openai.BadRequestError, match="above maximum"):
        client.beta.assistants.list(limit=101)
    with pytest.raises(openai.BadRequestError) as caught:
        client.beta.assistants.create(model="gpt-4o", temperature=5)
    assert caught.value.body["param"] == "temperature"
    fake_openai.reset()  # the invalid requests were on purpose


def test_the_beta_header_is_required(fake_openai: FakeOpenAI) -> None:
    headers = {"Authorization": f"Bearer {fake_openai.api_key}"}
    answer = httpx.get(f"{fake_openai.base_url}/assistants", headers=headers)
    assert answer.status_code == 400
    assert answer.json()["error"]["message"] == (
        "You must provide the 'OpenAI-Beta' header to access the Assistants API. "
        "Please try again by setting the header 'OpenAI-Beta: assistants=v2'."
    )
    old = httpx.get(f"{fake_openai.base_url}/assistants", headers={**headers, "OpenAI-Beta": "assistants=v1"})
    assert "The v1 Assistants API has been deprecated" in old.json()["error"]["message"]
    ok = httpx.get(f"{fake_openai.base_url}/assistants", headers={**headers, "OpenAI-Beta": "assistants=v2"})
    assert ok.status_code == 200 and ok.json()["data"] == []


def test_seed_and_read_what_the_code_stored(fake_openai: FakeOpenAI) -> None:
    seeded = fake_openai.assistants.add(id="asst_abc123", model="gpt-4o-mini", instructions="Be brief.")
    assert seeded["id"] == "asst_abc123"

    client = openai.OpenAI()
    assert client.beta.assistants.retrieve("asst_abc123").instructions == "Be brief."
    made = client.beta.assistants.create(model="gpt-4o", name="Made by the code")

    assert [a["id"] for a in fake_openai.assistants.all()] == ["asst_abc123", made.id]
    stored = fake_openai.assistants.get(made.id)
    assert stored is not None and stored["name"] == "Made by the code"
    assert fake_openai.assistants.get("asst_nope") is None
    assert fake_openai.assistants.calls.call_count == 2
    with pytest.raises(ConfigurationError, match="Cannot seed this assistant"):
        fake_openai.assistants.add(model="gpt-4o", temperature=9)


def test_scripted_error(fake_openai: FakeOpenAI) -> None:
    fake_openai.assistants.respond_with_error(429, headers={"Retry-After": "0"})
    client = openai.OpenAI(max_retries=0)
    with pytest.raises(openai.RateLimitError):
        client.beta.assistants.create(model="gpt-4o")
    assert client.beta.assistants.create(model="gpt-4o").id.startswith("asst_")


async def test_async_crud_and_auto_pagination(fake_openai: FakeOpenAI) -> None:
    client = openai.AsyncOpenAI()
    ids = [(await client.beta.assistants.create(model="gpt-4o", name=f"n{i}")).id for i in range(3)]
    listed = [a.id async for a in client.beta.assistants.list(limit=1, order="asc")]
    assert listed == ids
    updated = await client.beta.assistants.update(ids[0], tools=[WEATHER])
    assert updated.tools[0].type == "function"
    assert (await client.beta.assistants.delete(ids[0])).deleted is True
    with pytest.raises(openai.NotFoundError):
        await client.beta.assistants.retrieve(ids[0])


def test_state_never_leaks_between_tests(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import openai
        import pytest

        pytestmark = pytest.mark.filterwarnings("ignore:.*deprecated:DeprecationWarning")
        CREATED = []

        def test_first(fake_openai):
            client = openai.OpenAI()
            CREATED.append(client.beta.assistants.create(model="gpt-4o").id)
            CREATED.append(client.beta.threads.create(messages=[{"role": "user", "content": "hi"}]).id)

        def test_second(fake_openai):
            client = openai.OpenAI()
            assert client.beta.assistants.list().data == []
            with pytest.raises(openai.NotFoundError):
                client.beta.threads.retrieve(CREATED[1])
            # ids restart after the reset: the same request gets the same id again
            assert client.beta.assistants.create(model="gpt-4o").id == CREATED[0]
        """
    )
    result = pytester.runpytest_inprocess("-p", "no:asyncio", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)
