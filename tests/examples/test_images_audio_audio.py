import io
import wave

import openai
import pytest

from fakeopenai import FakeOpenAI


# --8<-- [start:speech]
def read_aloud(text: str) -> bytes:
    """The code under test: text to a WAV file."""
    response = openai.OpenAI().audio.speech.create(
        model="gpt-4o-mini-tts", voice="coral", input=text, response_format="wav"
    )
    return response.read()


def test_speech_is_a_wav_as_long_as_the_text(fake_openai: FakeOpenAI) -> None:
    short, long = read_aloud("Hi."), read_aloud("Hello, and welcome to the show. " * 5)

    def seconds(audio: bytes) -> float:
        with wave.open(io.BytesIO(audio)) as file:  # 24 kHz, 16-bit, mono
            return file.getnframes() / file.getframerate()

    assert seconds(long) > 10 * seconds(short)


# --8<-- [end:speech]


# --8<-- [start:round-trip]
def transcribe(name: str, audio: bytes) -> str:
    """The code under test: a recording to text."""
    return openai.OpenAI().audio.transcriptions.create(model="gpt-4o-transcribe", file=(name, audio)).text


def test_what_the_fake_said_transcribes_back(fake_openai: FakeOpenAI) -> None:
    audio = read_aloud("Meet me at noon.")

    assert transcribe("reply.wav", audio) == "Meet me at noon."


# --8<-- [end:round-trip]


# --8<-- [start:transcribe-as]
def test_script_what_a_recording_says(fake_openai: FakeOpenAI) -> None:
    fake_openai.audio.transcribe_as("Please call me back.")

    assert transcribe("voicemail.mp3", b"ID3" + bytes(16_000)) == "Please call me back."
    upload = fake_openai.audio.calls.last.request.file
    assert upload is not None and upload.filename == "voicemail.mp3"


# --8<-- [end:transcribe-as]


# --8<-- [start:timestamps]
def test_word_timestamps(fake_openai: FakeOpenAI) -> None:
    audio = read_aloud("One small step.")
    result = openai.OpenAI().audio.transcriptions.create(
        model="whisper-1",
        file=("step.wav", audio),
        response_format="verbose_json",
        timestamp_granularities=["word"],
    )

    assert [word.word for word in result.words or []] == ["One", "small", "step"]
    assert result.words[-1].end == pytest.approx(result.duration)  # type: ignore[index]


# --8<-- [end:timestamps]


# --8<-- [start:stream]
def test_streamed_transcript(fake_openai: FakeOpenAI) -> None:
    fake_openai.audio.transcribe_as("Hello there.", chunks=["Hello", " there."])
    stream = openai.OpenAI().audio.transcriptions.create(
        model="gpt-4o-mini-transcribe", file=("hi.wav", read_aloud("hi")), stream=True
    )

    events = [(event.type, getattr(event, "delta", None)) for event in stream]

    assert events == [
        ("transcript.text.delta", "Hello"),
        ("transcript.text.delta", " there."),
        ("transcript.text.done", None),
    ]


# --8<-- [end:stream]
