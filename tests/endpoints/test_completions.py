"""Legacy completions through the official SDK, sync and async, streamed and not, scripted and simulated."""

from __future__ import annotations

import itertools
from typing import Any

import openai
import pytest
from openai.types import Completion
from openai.types.completion_choice import Logprobs

from fakeopenai import FakeOpenAI, Message
from fakeopenai._simulation.tokens import count_tokens

MODEL = "gpt-3.5-turbo-instruct"


def assert_sdk_accepts(body: dict[str, Any]) -> Completion:
    completion = Completion.model_validate(body)
    assert completion.model_extra == {}
    for choice in completion.choices:
        assert choice.model_extra == {}
        if choice.logprobs is not None:
            assert choice.logprobs.model_extra == {}
    assert completion.usage is not None and completion.usage.model_extra == {}
    return completion


def test_simulated_completion(fake_openai: FakeOpenAI) -> None:
    completion = openai.OpenAI().completions.create(model=MODEL, prompt="Write a tagline for an ice cream shop.")

    choice = completion.choices[0]
    assert completion.object == "text_completion" and completion.id.startswith("cmpl-")
    assert completion.model == MODEL
    assert choice.index == 0 and choice.logprobs is None
    assert choice.finish_reason == "length"  # max_tokens defaults to 16 on this endpoint
    assert count_tokens(choice.text) == 16
    assert completion.usage is not None
    assert completion.usage.prompt_tokens == count_tokens("Write a tagline for an ice cream shop.")
    assert completion.usage.completion_tokens == 16
    assert completion.usage.total_tokens == completion.usage.prompt_tokens + 16
    assert_sdk_accepts(fake_openai.completions.calls.last.response)


async def test_async_client(fake_openai: FakeOpenAI) -> None:
    completion = await openai.AsyncOpenAI().completions.create(model="davinci-002", prompt="Hello", max_tokens=4)
    assert count_tokens(completion.choices[0].text) == 4
    assert completion.model == "davinci-002"


def test_same_request_same_answer(fake_openai: FakeOpenAI) -> None:
    client = openai.OpenAI()
    first = client.completions.create(model=MODEL, prompt="Once upon a time", max_tokens=30)
    second = client.completions.create(model=MODEL, prompt="Once upon a time", max_tokens=30)
    other = client.completions.create(model=MODEL, prompt="In a galaxy far away", max_tokens=30)
    assert first.choices[0].text == second.choices[0].text != other.choices[0].text


def test_long_enough_max_tokens_stops_naturally(fake_openai: FakeOpenAI) -> None:
    completion = openai.OpenAI().completions.create(model=MODEL, prompt="Hi", max_tokens=500)
    assert completion.choices[0].finish_reason == "stop"
    assert 0 < count_tokens(completion.choices[0].text) < 500


def test_choices_per_prompt_are_numbered_as_the_api_numbers_them(fake_openai: FakeOpenAI) -> None:
    completion = openai.OpenAI().completions.create(model=MODEL, prompt=["Red", "Green", "Blue"], n=2, echo=True)

    assert [c.index for c in completion.choices] == [0, 1, 2, 3, 4, 5]
    assert [c.text.split(" ")[0] for c in completion.choices] == ["Red", "Red", "Green", "Green", "Blue", "Blue"]
    assert completion.choices[0].text != completion.choices[1].text
    assert completion.usage is not None and completion.usage.prompt_tokens == 3
    assert completion.usage.completion_tokens == 6 * 16


def test_token_array_prompts(fake_openai: FakeOpenAI) -> None:
    client = openai.OpenAI()
    one = client.completions.create(model=MODEL, prompt=[1, 2, 3, 4], max_tokens=5)
    many = client.completions.create(model=MODEL, prompt=[[1, 2], [3, 4, 5]], max_tokens=5)

    assert len(one.choices) == 1 and one.usage is not None and one.usage.prompt_tokens == 4
    assert len(many.choices) == 2 and many.usage is not None and many.usage.prompt_tokens == 5
    assert fake_openai.completions.calls.last.request.prompts[1].token_ids == (3, 4, 5)


def test_echo_with_no_new_tokens_returns_the_prompt_with_its_logprobs(fake_openai: FakeOpenAI) -> None:
    completion = openai.OpenAI().completions.create(
        model=MODEL, prompt="The quick brown fox", echo=True, max_tokens=0, logprobs=1
    )

    choice = completion.choices[0]
    assert choice.text == "The quick brown fox"
    assert choice.logprobs is not None
    assert choice.logprobs.tokens == ["The", " quick", " brown", " fox"]
    assert choice.logprobs.token_logprobs is not None and choice.logprobs.token_logprobs[0] is None
    assert choice.logprobs.text_offset == [0, 3, 9, 15]
    # The API sends null for the first echoed token, which the SDK's type leaves undeclared (and parses as None).
    raw = fake_openai.completions.calls.last.response["choices"][0]["logprobs"]
    assert raw["token_logprobs"][0] is None and raw["top_logprobs"][0] is None


def test_logprobs_object(fake_openai: FakeOpenAI) -> None:
    prompt = "Name a color:"
    completion = openai.OpenAI().completions.create(model=MODEL, prompt=prompt, logprobs=3, max_tokens=8)

    choice = completion.choices[0]
    logprobs: Logprobs | None = choice.logprobs
    assert logprobs is not None and logprobs.tokens and logprobs.token_logprobs and logprobs.top_logprobs
    assert "".join(logprobs.tokens) == choice.text
    assert len(logprobs.tokens) == len(logprobs.token_logprobs) == len(logprobs.top_logprobs) == 8
    assert logprobs.text_offset is not None and logprobs.text_offset[0] == len(prompt)
    assert [b - a for a, b in itertools.pairwise(logprobs.text_offset)] == [len(t) for t in logprobs.tokens[:-1]]
    for token, value, top in zip(logprobs.tokens, logprobs.token_logprobs, logprobs.top_logprobs, strict=True):
        assert top[token] == value == max(top.values())
        assert len(top) == 3 and value is not None and -2.5 <= value <= 0
    assert_sdk_accepts(fake_openai.completions.calls.last.response)


def test_stop_sequence_cuts_the_text(fake_openai: FakeOpenAI) -> None:
    completion = openai.OpenAI().completions.create(model=MODEL, prompt="Hi", max_tokens=200, stop=["e", "E"])
    assert completion.choices[0].finish_reason == "stop"
    assert "e" not in completion.choices[0].text.lower()


def test_best_of_returns_n_and_bills_every_candidate(fake_openai: FakeOpenAI) -> None:
    completion = openai.OpenAI().completions.create(model=MODEL, prompt="Hi", best_of=3, n=2, max_tokens=5)
    assert len(completion.choices) == 2
    assert completion.usage is not None and completion.usage.completion_tokens == 15


def test_stream_matches_the_whole_answer(fake_openai: FakeOpenAI) -> None:
    client = openai.OpenAI()
    whole = client.completions.create(model=MODEL, prompt="Tell me a story", max_tokens=20)
    chunks = list(
        client.completions.create(
            model=MODEL, prompt="Tell me a story", max_tokens=20, stream=True, stream_options={"include_usage": True}
        )
    )

    text = "".join(c.choices[0].text for c in chunks if c.choices)
    assert text == whole.choices[0].text
    assert all(c.object == "text_completion" and c.id == chunks[0].id for c in chunks)
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "length"
    assert chunks[-1].choices == [] and chunks[-1].usage == whole.usage
    assert all(c.usage is None for c in chunks[:-1])
    assert fake_openai.completions.calls.last.response[-1] == "[DONE]"
    raw_chunks = fake_openai.completions.calls.last.response[:-1]
    assert_sdk_accepts(raw_chunks[-1])
    for chunk in raw_chunks[:-1]:
        assert set(chunk) == {"id", "object", "created", "model", "choices", "usage"}
        assert set(chunk["choices"][0]) == {"text", "index", "logprobs", "finish_reason"}
        if chunk["choices"][0]["finish_reason"] is not None:  # the SDK's type does not declare the null ones
            Completion.model_validate(chunk)


def test_stream_of_several_choices_interleaves_them(fake_openai: FakeOpenAI) -> None:
    chunks = list(openai.OpenAI().completions.create(model=MODEL, prompt="Hi", n=2, max_tokens=4, stream=True))
    indexes = [c.choices[0].index for c in chunks]
    assert indexes[:4] == [0, 1, 0, 1]
    finals = {c.choices[0].index: c.choices[0].finish_reason for c in chunks if c.choices[0].finish_reason}
    assert finals == {0: "length", 1: "length"}
    assert not any(c.usage for c in chunks)


def test_stream_with_echo_and_logprobs(fake_openai: FakeOpenAI) -> None:
    chunks = list(
        openai.OpenAI().completions.create(model=MODEL, prompt="Hello there", echo=True, logprobs=1, stream=True)
    )
    first = chunks[0].choices[0]
    assert first.text == "Hello there"
    assert first.logprobs is not None and first.logprobs.tokens == ["Hello", " there"]
    offsets = [c.choices[0].logprobs.text_offset[0] for c in chunks[1:-1]]  # type: ignore[union-attr,index]
    assert offsets[0] == len("Hello there") and offsets == sorted(offsets)


def test_scripted_text_answers_every_choice(fake_openai: FakeOpenAI) -> None:
    fake_openai.completions.respond_with_message(" Paris.")
    completion = openai.OpenAI().completions.create(
        model=MODEL, prompt=["Capital of France:", "Capital of France?"], n=2
    )
    assert [c.text for c in completion.choices] == [" Paris."] * 4
    assert [c.finish_reason for c in completion.choices] == ["stop"] * 4
    assert completion.usage is not None and completion.usage.completion_tokens == 4 * count_tokens(" Paris.")
    assert fake_openai.completions.calls.last.answered_by == "script"


def test_scripted_text_streams_in_the_scripted_chunks(fake_openai: FakeOpenAI) -> None:
    fake_openai.completions.respond_with_message(" Paris is the capital.", chunks=[" Paris", " is the capital."])
    chunks = list(openai.OpenAI().completions.create(model=MODEL, prompt="Capital?", max_tokens=50, stream=True))
    assert [c.choices[0].text for c in chunks] == [" Paris", " is the capital.", ""]
    assert chunks[-1].choices[0].finish_reason == "stop"


def test_answers_scripted_on_the_fake_itself_apply(fake_openai: FakeOpenAI) -> None:
    fake_openai.respond_with_message("42", user_message="meaning of life")
    completion = openai.OpenAI().completions.create(model=MODEL, prompt="The meaning of life is")
    assert completion.choices[0].text == "42"


def test_scripted_error(fake_openai: FakeOpenAI) -> None:
    fake_openai.completions.respond_with_error(429, headers={"Retry-After": "1"})
    with pytest.raises(openai.RateLimitError):
        openai.OpenAI(max_retries=0).completions.create(model=MODEL, prompt="Hi")


@pytest.mark.fakeopenai(teardown_check=False)
def test_scripted_text_the_api_could_not_give_is_reported(fake_openai: FakeOpenAI) -> None:
    fake_openai.completions.respond_with(Message(content="one two three four five six"))
    openai.OpenAI().completions.create(model=MODEL, prompt="Count:", max_tokens=3, stop=["four"])
    report = fake_openai.report() or ""
    assert "more than max_tokens=3" in report
    assert "contains the stop sequence 'four'" in report


@pytest.mark.parametrize(
    ("model", "status", "message"),
    [
        ("gpt-4o", 404, "This is a chat model and not supported in the v1/completions endpoint."),
        ("gpt-unknown", 404, "The model `gpt-unknown` does not exist or you do not have access to it."),
        ("text-davinci-003", 404, "The model `text-davinci-003` has been deprecated"),
    ],
)
def test_models_that_cannot_complete(fake_openai: FakeOpenAI, model: str, status: int, message: str) -> None:
    with pytest.raises(openai.APIStatusError) as caught:
        openai.OpenAI().completions.create(model=model, prompt="Hi")
    assert caught.value.status_code == status
    assert message in caught.value.message


@pytest.mark.fakeopenai(teardown_check=False)
@pytest.mark.parametrize(
    ("body", "param", "message"),
    [
        ({"prompt": "Hi", "stream_options": {"include_usage": True}}, "stream_options", "only allowed when 'stream'"),
        ({"prompt": "Hi", "n": 3, "best_of": 2}, "best_of", "best_of must be greater than or equal to n"),
        ({"prompt": "Hi", "best_of": 2, "stream": True}, "best_of", "Cannot stream results with best_of > 1"),
        ({"prompt": "word " * 4090, "max_tokens": 20}, None, "maximum context length is 4096 tokens"),
        ({"prompt": 12}, "prompt", ""),
        ({"prompt": "Hi", "logprobs": 6}, "logprobs", ""),
        ({"prompt": "Hi", "stop": ["a", "b", "c", "d", "e"]}, "stop", ""),
        ({"prompt": "Hi", "extra_body": {"frequency": 1}}, "frequency", "Unknown parameter: 'frequency'."),
    ],
)
def test_invalid_requests(fake_openai: FakeOpenAI, body: dict[str, Any], param: str | None, message: str) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        openai.OpenAI().completions.create(model=MODEL, **body)
    assert caught.value.param == param
    assert message in caught.value.message
    assert fake_openai.completions.calls.last.problems
