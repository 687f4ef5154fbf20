import openai

from fakeopenai import FakeOpenAI


# --8<-- [start:code]
def fine_tuned_models() -> list[str]:
    """The code under test: the organization's fine-tuned models, newest first."""
    models = openai.OpenAI().models.list()
    mine = [m for m in models if m.id.startswith("ft:")]
    return [m.id for m in sorted(mine, key=lambda m: m.created, reverse=True)]


# --8<-- [end:code]


# --8<-- [start:add]
def test_fine_tuned_models(fake_openai: FakeOpenAI) -> None:
    fake_openai.models.add("ft:gpt-4o-mini-2024-07-18:acme::older", created=1_700_000_000)
    fake_openai.models.add("ft:gpt-4o-mini-2024-07-18:acme::newer", created=1_750_000_000)

    assert fine_tuned_models() == [
        "ft:gpt-4o-mini-2024-07-18:acme::newer",
        "ft:gpt-4o-mini-2024-07-18:acme::older",
    ]


# --8<-- [end:add]


# --8<-- [start:delete]
def test_delete_a_fine_tuned_model(fake_openai: FakeOpenAI) -> None:
    fake_openai.models.add("ft:davinci-002:acme::retire-me")
    client = openai.OpenAI()

    deleted = client.models.delete("ft:davinci-002:acme::retire-me")

    assert deleted.deleted is True
    assert "ft:davinci-002:acme::retire-me" not in fake_openai.models
    assert fine_tuned_models() == []


# --8<-- [end:delete]


# --8<-- [start:remove]
def test_code_survives_a_missing_model(fake_openai: FakeOpenAI) -> None:
    fake_openai.models.remove("gpt-3.5-turbo-instruct")

    try:
        openai.OpenAI().completions.create(model="gpt-3.5-turbo-instruct", prompt="Hi")
    except openai.NotFoundError as error:
        assert error.code == "model_not_found"
    else:
        raise AssertionError("expected a 404")


# --8<-- [end:remove]
