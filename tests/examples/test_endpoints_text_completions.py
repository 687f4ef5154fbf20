import openai

from fakeopenai import FakeOpenAI


# --8<-- [start:code]
def complete_line(prefix: str) -> str:
    """The code under test: finish the current line of a document."""
    client = openai.OpenAI()
    completion = client.completions.create(model="gpt-3.5-turbo-instruct", prompt=prefix, max_tokens=32, stop=["\n"])
    return prefix + completion.choices[0].text


# --8<-- [end:code]


# --8<-- [start:scripted]
def test_complete_line(fake_openai: FakeOpenAI) -> None:
    fake_openai.completions.respond_with_message(" world!")

    assert complete_line("Hello,") == "Hello, world!"
    fake_openai.completions.calls.assert_called_once_with(prompt="Hello,", stop=["\n"])


# --8<-- [end:scripted]


# --8<-- [start:simulated]
def test_complete_line_with_the_simulator(fake_openai: FakeOpenAI) -> None:
    line = complete_line("Dear customer,")

    assert line.startswith("Dear customer, ") and "\n" not in line
    assert line == complete_line("Dear customer,")  # same request, same answer


# --8<-- [end:simulated]


# --8<-- [start:logprobs]
def prompt_logprob(text: str) -> float:
    """How likely the model finds a text: the classic echo + logprobs trick."""
    completion = openai.OpenAI().completions.create(
        model="davinci-002", prompt=text, echo=True, max_tokens=0, logprobs=0
    )
    logprobs = completion.choices[0].logprobs
    assert logprobs is not None and logprobs.token_logprobs is not None
    return sum(value for value in logprobs.token_logprobs[1:])  # the first token has none


def test_prompt_logprob(fake_openai: FakeOpenAI) -> None:
    score = prompt_logprob("The cat sat on the mat.")

    assert score < 0
    assert fake_openai.completions.calls.last.response["choices"][0]["text"] == "The cat sat on the mat."


# --8<-- [end:logprobs]


# --8<-- [start:stream]
def test_streamed_choices(fake_openai: FakeOpenAI) -> None:
    stream = openai.OpenAI().completions.create(
        model="gpt-3.5-turbo-instruct", prompt=["Roses are", "Violets are"], max_tokens=5, stream=True
    )
    texts = ["", ""]
    for chunk in stream:
        choice = chunk.choices[0]
        texts[choice.index] += choice.text  # chunks of both prompts arrive interleaved

    assert all(texts)


# --8<-- [end:stream]
