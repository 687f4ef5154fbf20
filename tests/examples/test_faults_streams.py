import time

import httpx
import openai

from fakeopenai import FakeOpenAI


# --8<-- [start:cut]
def stream_answer(question: str) -> str:
    """Stream the answer; if the connection breaks mid-way, start again once."""
    client = openai.OpenAI(max_retries=0)
    for attempt in (1, 2):
        pieces = []
        try:
            stream = client.chat.completions.create(
                model="gpt-4o", messages=[{"role": "user", "content": question}], stream=True
            )
            for chunk in stream:
                if chunk.choices and chunk.choices[0].delta.content:
                    pieces.append(chunk.choices[0].delta.content)
            return "".join(pieces)
        except (openai.APIConnectionError, httpx.TransportError):  # openai 2.x lets httpx's own error through
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def test_a_stream_cut_mid_way_is_started_again(fake_openai: FakeOpenAI) -> None:
    fake_openai.chat.respond_with_message("The answer is 42.", chunks=["The ", "answer ", "is ", "42."], cut_after=3)
    fake_openai.chat.respond_with_message("The answer is 42.")

    assert stream_answer("What is the answer?") == "The answer is 42."

    cut, whole = fake_openai.chat.calls
    assert len(cut.response) == 3  # the events sent before the cut: role, "The ", "answer "
    assert whole.response[-1] == "[DONE]"


# --8<-- [end:cut]


# --8<-- [start:stall]
def stream_until_silence(question: str, patience: float) -> tuple[str, bool]:
    """Stream the answer; give up when nothing arrives for `patience` seconds. The text, and whether it is whole."""
    client = openai.OpenAI(max_retries=0, timeout=openai.Timeout(30.0, read=patience))
    pieces = []
    try:
        stream = client.chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": question}], stream=True
        )
        for chunk in stream:
            if chunk.choices and chunk.choices[0].delta.content:
                pieces.append(chunk.choices[0].delta.content)
    except (openai.APITimeoutError, httpx.TimeoutException):  # openai 2.x lets httpx's own error through
        return "".join(pieces), False
    return "".join(pieces), True


def test_a_stalled_stream_trips_the_read_timeout(fake_openai: FakeOpenAI) -> None:
    fake_openai.chat.respond_with_message("Once upon a time", chunks=["Once ", "upon ", "a time"], stall_after=3)

    began = time.perf_counter()
    text, whole = stream_until_silence("Tell me a story.", patience=0.3)

    assert (text, whole) == ("Once upon ", False)  # what arrived before the stream went quiet
    assert time.perf_counter() - began < 2  # the stall lasts 60 s unless the client gives up (or the test ends)


# --8<-- [end:stall]


# --8<-- [start:slow]
def test_a_slow_but_steady_stream_is_not_a_stall(fake_openai: FakeOpenAI) -> None:
    fake_openai.chat.respond_with_message("Once upon a time", chunks=["Once ", "upon ", "a time"], event_delay=0.1)

    assert stream_until_silence("Tell me a story.", patience=0.5) == ("Once upon a time", True)


# --8<-- [end:slow]


# --8<-- [start:malformed]
def test_a_malformed_event(fake_openai: FakeOpenAI) -> None:
    fake_openai.chat.respond_with_message("Hello!", malformed_after=2)  # an event whose JSON is cut short

    try:
        stream_answer("Hi")
    except ValueError as error:  # the SDK cannot parse it: the code under test must cope, or fail loudly
        assert "Expecting" in str(error) or "JSON" in str(error)
    else:
        raise AssertionError("a malformed event went unnoticed")


# --8<-- [end:malformed]
