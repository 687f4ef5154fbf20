"""Models: list, retrieve and delete through the official SDK, and the model store other endpoints consult."""

from __future__ import annotations

import httpx
import openai
import pytest
from openai.types import Model, ModelDeleted
from sdk_shapes import api_message

from fakeopenai import FakeOpenAI
from fakeopenai.endpoints._models_store import add_model, find_model

# The API reports each model's `shutdown_date`; openai 2.x's `Model` predates the field and keeps it as an extra.
LATER_FIELDS = set() if "shutdown_date" in Model.model_fields else {"shutdown_date"}


def test_list_has_current_models_with_owners(fake_openai: FakeOpenAI) -> None:
    models = openai.OpenAI().models.list()

    ids = [m.id for m in models]
    for expected in (
        "gpt-4o",
        "gpt-4o-mini",
        "gpt-3.5-turbo-instruct",
        "text-embedding-3-small",
        "omni-moderation-latest",
    ):
        assert expected in ids
    assert len(ids) == len(set(ids)) > 50
    assert all(m.object == "model" and m.owned_by and m.created > 1_600_000_000 for m in models)
    raw = fake_openai.models.calls.last.response
    assert raw["object"] == "list" and set(raw) == {"object", "data"}
    for item in raw["data"]:
        assert set(Model.model_validate(item).model_extra or {}) == LATER_FIELDS


def test_list_leaves_out_retired_and_unlisted_models(fake_openai: FakeOpenAI) -> None:
    ids = {m.id for m in openai.OpenAI().models.list()}
    assert "gpt-3.5-turbo" not in ids  # shut down 2026-10-23, before the catalogue date
    assert "text-davinci-003" not in ids
    assert "text-moderation-latest" not in ids  # accepted by moderations, never listed


async def test_async_list_and_retrieve(fake_openai: FakeOpenAI) -> None:
    client = openai.AsyncOpenAI()
    ids = [m.id async for m in client.models.list()]
    model = await client.models.retrieve("text-embedding-3-large")
    assert "text-embedding-3-large" in ids
    assert (model.id, model.owned_by) == ("text-embedding-3-large", "system")


def test_retrieve_reports_the_shutdown_date(fake_openai: FakeOpenAI) -> None:
    model = openai.OpenAI().models.retrieve("gpt-4o")
    assert model.shutdown_date == "2027-01-14"
    assert openai.OpenAI().models.retrieve("gpt-5.5").shutdown_date is None
    assert set(Model.model_validate(fake_openai.models.calls[0].response).model_extra or {}) == LATER_FIELDS


def test_unknown_model_is_404_model_not_found(fake_openai: FakeOpenAI) -> None:
    with pytest.raises(openai.NotFoundError) as caught:
        openai.OpenAI().models.retrieve("gpt-imaginary")
    assert caught.value.code == "model_not_found"
    assert api_message(caught.value).endswith("The model `gpt-imaginary` does not exist or you do not have access to it.")
    assert caught.value.body == {
        "message": "The model `gpt-imaginary` does not exist or you do not have access to it.",
        "type": "invalid_request_error",
        "param": None,
        "code": "model_not_found",
    }


def test_retired_model_is_404_deprecated(fake_openai: FakeOpenAI) -> None:
    with pytest.raises(openai.NotFoundError) as caught:
        openai.OpenAI().models.retrieve("text-davinci-003")
    assert caught.value.code == "model_not_found"
    assert "The model `text-davinci-003` has been deprecated" in caught.value.message


def test_added_fine_tuned_model_is_listed_retrieved_and_deleted(fake_openai: FakeOpenAI) -> None:
    fake_openai.models.add("ft:gpt-4o-mini-2024-07-18:acme::abc123")
    client = openai.OpenAI()

    assert "ft:gpt-4o-mini-2024-07-18:acme::abc123" in [m.id for m in client.models.list()]
    model = client.models.retrieve("ft:gpt-4o-mini-2024-07-18:acme::abc123")
    deleted = client.models.delete("ft:gpt-4o-mini-2024-07-18:acme::abc123")

    assert model.owned_by == "org-fakeopenai"
    assert (deleted.id, deleted.deleted, deleted.object) == ("ft:gpt-4o-mini-2024-07-18:acme::abc123", True, "model")
    assert ModelDeleted.model_validate(fake_openai.models.calls.last.response).model_extra == {}
    assert "ft:gpt-4o-mini-2024-07-18:acme::abc123" not in fake_openai.models
    with pytest.raises(openai.NotFoundError):
        client.models.retrieve("ft:gpt-4o-mini-2024-07-18:acme::abc123")
    with pytest.raises(openai.NotFoundError):
        client.models.delete("ft:gpt-4o-mini-2024-07-18:acme::abc123")


def test_added_model_keeps_owner_and_creation_time(fake_openai: FakeOpenAI) -> None:
    fake_openai.models.add("ft:davinci-002:acme::x1", owned_by="org-acme", created=1_700_000_000)
    model = openai.OpenAI().models.retrieve("ft:davinci-002:acme::x1")
    assert (model.owned_by, model.created) == ("org-acme", 1_700_000_000)
    assert fake_openai.models.ids[-1] == "ft:davinci-002:acme::x1"


def test_deleting_a_base_model_is_refused(fake_openai: FakeOpenAI) -> None:
    with pytest.raises(openai.PermissionDeniedError) as caught:
        openai.OpenAI().models.delete("gpt-4o")
    assert caught.value.status_code == 403
    assert "gpt-4o" in caught.value.message
    assert "gpt-4o" in fake_openai.models


def test_removed_model_is_unknown_everywhere(fake_openai: FakeOpenAI) -> None:
    fake_openai.models.remove("gpt-3.5-turbo-instruct")
    client = openai.OpenAI()
    assert "gpt-3.5-turbo-instruct" not in [m.id for m in client.models.list()]
    with pytest.raises(openai.NotFoundError) as caught:
        client.completions.create(model="gpt-3.5-turbo-instruct", prompt="Hi")
    assert caught.value.code == "model_not_found"
    with pytest.raises(KeyError):
        fake_openai.models.remove("gpt-3.5-turbo-instruct")


def test_fine_tuned_models_take_the_kind_of_their_base(fake_openai: FakeOpenAI) -> None:
    fake_openai.models.add("ft:davinci-002:acme::legacy1")
    fake_openai.models.add("ft:gpt-4o-mini-2024-07-18:acme::chat1")
    client = openai.OpenAI()

    completion = client.completions.create(model="ft:davinci-002:acme::legacy1", prompt="Hi", max_tokens=3)
    with pytest.raises(openai.NotFoundError) as caught:
        client.completions.create(model="ft:gpt-4o-mini-2024-07-18:acme::chat1", prompt="Hi")

    assert completion.model == "ft:davinci-002:acme::legacy1"
    assert "This is a chat model" in caught.value.message


def test_other_endpoints_can_add_models(fake_openai: FakeOpenAI) -> None:
    added = add_model(fake_openai.state, "ft:gpt-4.1-2025-04-14:personal:support:9xyz", "org-F4k3")
    model = openai.OpenAI().models.retrieve(added.id)
    assert model.owned_by == "org-F4k3"
    assert find_model(fake_openai.state, added.id) == added


def test_reset_restores_the_default_catalogue(fake_openai: FakeOpenAI) -> None:
    fake_openai.models.add("ft:davinci-002:acme::gone")
    fake_openai.models.remove("gpt-4o")
    fake_openai.reset()
    assert "gpt-4o" in fake_openai.models
    assert "ft:davinci-002:acme::gone" not in fake_openai.models


def test_model_ids_with_colons_reach_the_route(fake_openai: FakeOpenAI) -> None:
    fake_openai.models.add("ft:gpt-4o-mini-2024-07-18:acme:my-suffix:abc")
    response = httpx.get(
        f"{fake_openai.base_url}/models/ft:gpt-4o-mini-2024-07-18:acme:my-suffix:abc",
        headers={"Authorization": "Bearer sk-test"},
    )
    assert response.status_code == 200
    assert response.json()["id"] == "ft:gpt-4o-mini-2024-07-18:acme:my-suffix:abc"


def test_scripted_error_answers_the_list(fake_openai: FakeOpenAI) -> None:
    fake_openai.models.respond_with_error(503)
    with pytest.raises(openai.InternalServerError):
        openai.OpenAI(max_retries=0).models.list()
    assert [call.answered_by for call in fake_openai.models.calls] == ["script"]
