import openai

from fakeopenai import FakeOpenAI


# --8<-- [start:code]
def publish(comment: str) -> str:
    """The code under test: publish a comment unless moderation flags it."""
    result = openai.OpenAI().moderations.create(model="omni-moderation-latest", input=comment).results[0]
    if result.flagged:
        flagged = sorted(name for name, value in result.categories.model_dump(by_alias=True).items() if value)
        return "rejected: " + ", ".join(flagged)
    return "published"


# --8<-- [end:code]


# --8<-- [start:flag]
def test_publish(fake_openai: FakeOpenAI) -> None:
    fake_openai.moderations.flag("idiot", "harassment")

    assert publish("Have a nice day!") == "published"
    assert publish("You are an idiot.") == "rejected: harassment"


# --8<-- [end:flag]


# --8<-- [start:several]
def test_several_categories_and_a_score(fake_openai: FakeOpenAI) -> None:
    fake_openai.moderations.flag("I will hurt you", "violence", "harassment/threatening", score=0.97)

    assert publish("I will hurt you.") == "rejected: harassment/threatening, violence"
    result = fake_openai.moderations.calls.last.response["results"][0]
    assert result["category_scores"]["violence"] == 0.97


# --8<-- [end:several]


# --8<-- [start:image]
def test_an_image_is_moderated_with_its_text(fake_openai: FakeOpenAI) -> None:
    fake_openai.moderations.flag("gore.png", "violence/graphic")

    result = (
        openai.OpenAI()
        .moderations.create(
            model="omni-moderation-latest",
            input=[
                {"type": "text", "text": "look at this"},
                {"type": "image_url", "image_url": {"url": "https://example.com/gore.png"}},
            ],
        )
        .results[0]
    )

    assert result.flagged and result.categories.violence_graphic
    assert result.category_applied_input_types.violence_graphic == ["text", "image"]
    assert result.category_applied_input_types.hate == ["text"]


# --8<-- [end:image]
