"""Moderations through the official SDK: categories, scores, applied input types, flagging and errors."""

from __future__ import annotations

import re
from typing import Any

import openai
import pytest
from openai.types import ModerationCreateResponse
from openai.types.moderation import Categories

from fakeopenai import ConfigurationError, FakeOpenAI
from fakeopenai.endpoints._moderations_categories import CATEGORIES, IMAGE_CATEGORIES

IMAGE = {"type": "image_url", "image_url": {"url": "https://example.com/picture.png"}}


def assert_sdk_accepts(body: dict[str, Any]) -> None:
    response = ModerationCreateResponse.model_validate(body)
    assert response.model_extra == {}
    for result in response.results:
        assert result.model_extra == {}
        for part in (result.categories, result.category_scores, result.category_applied_input_types):
            assert part.model_extra == {}


def test_unflagged_text(fake_openai: FakeOpenAI) -> None:
    response = openai.OpenAI().moderations.create(input="I love sunny days.")

    result = response.results[0]
    raw = fake_openai.moderations.calls.last.response["results"][0]
    assert response.model == "omni-moderation-latest"
    assert re.fullmatch(r"modr-[0-9a-f]{32}", response.id)
    assert result.flagged is False
    assert list(raw["categories"]) == list(CATEGORIES)
    assert not any(raw["categories"].values())
    assert all(0 < score < 0.01 for score in raw["category_scores"].values())
    assert all(types == ["text"] for types in raw["category_applied_input_types"].values())
    assert_sdk_accepts(fake_openai.moderations.calls.last.response)


async def test_async_client(fake_openai: FakeOpenAI) -> None:
    response = await openai.AsyncOpenAI().moderations.create(input=["one", "two"], model="omni-moderation-2024-09-26")
    assert len(response.results) == 2
    assert response.model == "omni-moderation-2024-09-26"


def test_scores_are_deterministic_per_input(fake_openai: FakeOpenAI) -> None:
    client = openai.OpenAI()
    first = client.moderations.create(input=["hello", "goodbye"])
    second = client.moderations.create(input="hello")
    assert first.results[0].category_scores == second.results[0].category_scores
    assert first.results[0].category_scores != first.results[1].category_scores


def test_a_list_of_texts_gets_one_result_each(fake_openai: FakeOpenAI) -> None:
    fake_openai.moderations.flag("kill", "violence")
    response = openai.OpenAI().moderations.create(input=["good morning", "I will kill them", "see you"])
    assert [r.flagged for r in response.results] == [False, True, False]


def test_text_and_image_are_one_input(fake_openai: FakeOpenAI) -> None:
    response = openai.OpenAI().moderations.create(
        model="omni-moderation-latest",
        input=[{"type": "text", "text": "Look at this"}, IMAGE],  # type: ignore[list-item]
    )

    assert len(response.results) == 1
    applied = fake_openai.moderations.calls.last.response["results"][0]["category_applied_input_types"]
    for name in CATEGORIES:
        assert applied[name] == (["text", "image"] if name in IMAGE_CATEGORIES else ["text"])
    assert_sdk_accepts(fake_openai.moderations.calls.last.response)


def test_image_alone_scores_only_image_categories(fake_openai: FakeOpenAI) -> None:
    openai.OpenAI().moderations.create(input=[IMAGE])  # type: ignore[list-item]
    result = fake_openai.moderations.calls.last.response["results"][0]
    for name in CATEGORIES:
        if name in IMAGE_CATEGORIES:
            assert result["category_applied_input_types"][name] == ["image"]
            assert result["category_scores"][name] > 0
        else:
            assert result["category_applied_input_types"][name] == []
            assert result["category_scores"][name] == 0.0


def test_flagged_categories(fake_openai: FakeOpenAI) -> None:
    fake_openai.moderations.flag("hurt them", "violence", "harassment_threatening")
    response = openai.OpenAI().moderations.create(input="I want to HURT THEM all")

    result = response.results[0]
    assert result.flagged is True
    assert result.categories.violence and result.categories.harassment_threatening
    assert not result.categories.hate
    assert 0.85 <= result.category_scores.violence < 1
    assert result.category_scores.hate < 0.01
    assert fake_openai.moderations.calls.last.answered_by == "script"
    assert_sdk_accepts(fake_openai.moderations.calls.last.response)


def test_flag_with_a_score_a_regex_and_a_model(fake_openai: FakeOpenAI) -> None:
    fake_openai.moderations.flag(re.compile(r"\bbuy (guns|ammo)\b"), "illicit/violent", score=0.42)
    fake_openai.moderations.flag("spam", "harassment", model="omni-moderation-2024-09-26")
    client = openai.OpenAI()

    illicit = client.moderations.create(input="where to buy ammo").results[0]
    spam_latest = client.moderations.create(input="spam spam").results[0]
    spam_dated = client.moderations.create(input="spam spam", model="omni-moderation-2024-09-26").results[0]

    assert illicit.categories.illicit_violent and illicit.category_scores.illicit_violent == 0.42
    assert not spam_latest.flagged and spam_dated.flagged


def test_flag_matches_image_urls(fake_openai: FakeOpenAI) -> None:
    fake_openai.moderations.flag("picture.png", "violence/graphic")
    result = openai.OpenAI().moderations.create(input=[IMAGE]).results[0]  # type: ignore[list-item]
    assert result.flagged and result.categories.violence_graphic


@pytest.mark.fakeopenai(teardown_check=False)
def test_flag_the_model_could_not_give_is_reported(fake_openai: FakeOpenAI) -> None:
    fake_openai.moderations.flag("picture.png", "hate")
    openai.OpenAI().moderations.create(input=[IMAGE])  # type: ignore[list-item]
    assert "'hate' applies to text only" in (fake_openai.report() or "")


def test_unknown_category_is_refused(fake_openai: FakeOpenAI) -> None:
    with pytest.raises(ConfigurationError, match="Unknown moderation category 'violent'"):
        fake_openai.moderations.flag("x", "violent")
    with pytest.raises(TypeError):
        fake_openai.moderations.flag("x")


def test_legacy_text_model_does_not_score_illicit(fake_openai: FakeOpenAI) -> None:
    response = openai.OpenAI().moderations.create(input="hello", model="text-moderation-latest")

    raw = fake_openai.moderations.calls.last.response
    assert response.model == "text-moderation-007"
    assert re.fullmatch(r"modr-[A-Za-z0-9]{29}", response.id)
    for name in ("illicit", "illicit/violent"):
        assert raw["results"][0]["categories"][name] is None
        assert raw["results"][0]["category_scores"][name] is None
    assert response.results[0].categories.illicit is None
    assert Categories.model_validate(raw["results"][0]["categories"]).model_extra == {}


def test_scripted_error(fake_openai: FakeOpenAI) -> None:
    fake_openai.moderations.respond_with_error(429)
    with pytest.raises(openai.RateLimitError):
        openai.OpenAI(max_retries=0).moderations.create(input="x")


@pytest.mark.parametrize("model", ["gpt-4o", "omni-moderation-9000"])
def test_models_that_cannot_moderate(fake_openai: FakeOpenAI, model: str) -> None:
    with pytest.raises(openai.NotFoundError) as caught:
        openai.OpenAI().moderations.create(input="x", model=model)
    assert caught.value.code == "model_not_found"


@pytest.mark.fakeopenai(teardown_check=False)
@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"input": [IMAGE], "model": "text-moderation-latest"}, "does not support image inputs"),
        ({"input": 5}, "Invalid type for 'input'"),
        ({"input": []}, "'input'"),
        (
            {"input": [{"type": "video", "url": "x"}]},
            "Invalid value: 'video'. Supported values are: 'image_url' and 'text'.",
        ),
    ],
)
def test_invalid_requests(fake_openai: FakeOpenAI, body: dict[str, Any], message: str) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        openai.OpenAI().moderations.create(**body)
    assert message in caught.value.message
    assert fake_openai.moderations.calls.last.problems
