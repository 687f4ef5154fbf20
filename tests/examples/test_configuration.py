import openai
import pytest

from fakeopenai import FakeOpenAI


# --8<-- [start:validate]
@pytest.mark.fakeopenai(validate=False)
def test_a_parameter_the_schemas_do_not_know_yet(fake_openai: FakeOpenAI) -> None:
    reply = openai.OpenAI().chat.completions.create(
        model="gpt-4o",
        messages=[{"role": "user", "content": "Hi"}],
        extra_body={"brand_new_option": True},  # sent as is, not checked
    )

    assert reply.choices[0].message.content
    fake_openai.chat.calls.assert_called_with(brand_new_option=True)


# --8<-- [end:validate]


# --8<-- [start:teardown]
@pytest.mark.fakeopenai(teardown_check=False)
class TestScriptsThatMayGoUnused:
    def test_only_one_branch_asks(self, fake_openai: FakeOpenAI) -> None:
        fake_openai.chat.respond_with_message("yes")
        fake_openai.chat.respond_with_message("no", model="gpt-4o")  # not used: fine here

        reply = openai.OpenAI().chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "Shall we?"}]
        )

        assert reply.choices[0].message.content == "yes"


# --8<-- [end:teardown]


@pytest.mark.fakeopenai(teardown_check=False)
class TestMarkersCombine:
    @pytest.mark.fakeopenai(validate=False)
    def test_the_class_and_the_test_marker_both_apply(self, fake_openai: FakeOpenAI) -> None:
        fake_openai.chat.respond_with_message("unused", model="gpt-4o")
        openai.OpenAI().chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "Hi"}], temperature=7
        )
