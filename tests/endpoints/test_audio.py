"""Audio through the official `openai` SDK, sync and async: speech, transcriptions, translations, streams."""

from __future__ import annotations

import base64
import io
import json
import struct
import wave

import httpx
import openai
import pydantic
import pytest
from openai.types.audio import (
    Transcription,
    TranscriptionDiarized,
    TranscriptionStreamEvent,
    TranscriptionVerbose,
    TranslationVerbose,
)
from sdk_shapes import warns_if_sdk_deprecates

from fakeopenai import FakeOpenAI

EVENTS: pydantic.TypeAdapter[TranscriptionStreamEvent] = pydantic.TypeAdapter(TranscriptionStreamEvent)
SENTENCE = "The quick brown fox jumped over the lazy dog."


def speak(text: str = SENTENCE, **options: object) -> bytes:
    """Speech from the fake, as WAV unless asked otherwise."""
    request = {"model": "gpt-4o-mini-tts", "voice": "alloy", "input": text, "response_format": "wav", **options}
    return openai.OpenAI().audio.speech.create(**request).read()  # type: ignore[arg-type]


def wav_seconds(data: bytes) -> float:
    with wave.open(io.BytesIO(data)) as file:
        assert (file.getnchannels(), file.getsampwidth(), file.getframerate()) == (1, 2, 24000)
        return file.getnframes() / file.getframerate()


def sse_events(text: str) -> list[dict[str, object]]:
    return [json.loads(line[6:]) for line in text.splitlines() if line.startswith("data: ")]


def test_speech_as_wav_lasts_in_proportion_to_the_text_and_speed(fake_openai: FakeOpenAI) -> None:
    short, long = wav_seconds(speak("Hello there.")), wav_seconds(speak("Hello there. " * 6))
    assert 0.5 < short < 2 and 5 * short < long < 7 * short
    fast = wav_seconds(speak("Hello there. " * 6, speed=2.0))
    assert fast == pytest.approx(long / 2, rel=0.02)
    assert speak("Hello there.") == speak("Hello there.")  # deterministic
    call = fake_openai.audio.calls.last
    assert call.request.input == "Hello there." and call.request.speed == 1.0


def test_pcm_is_the_wav_samples_without_header(fake_openai: FakeOpenAI) -> None:
    wav = speak("Testing one two.")
    pcm = speak("Testing one two.", response_format="pcm")
    with wave.open(io.BytesIO(wav)) as file:
        assert file.readframes(file.getnframes()) == pcm


@pytest.mark.parametrize(
    ("response_format", "content_type", "magic"),
    [
        ("mp3", "audio/mpeg", b"\xff\xfb"),
        ("opus", "audio/opus", b"OggS"),
        ("aac", "audio/aac", b"\xff\xf1"),
        ("flac", "audio/flac", b"fLaC"),
        ("wav", "audio/wav", b"RIFF"),
    ],
)
def test_speech_formats_have_their_content_type_and_header(
    fake_openai: FakeOpenAI, response_format: str, content_type: str, magic: bytes
) -> None:
    response = openai.OpenAI().audio.speech.create(
        model="tts-1",
        voice="nova",
        input="Hi there",
        response_format=response_format,  # type: ignore[arg-type]
    )
    assert response.response.headers["content-type"] == content_type
    assert response.read().startswith(magic)


def test_flac_holds_the_same_samples(fake_openai: FakeOpenAI) -> None:
    flac = speak("Lossless please.", response_format="flac")
    pcm = speak("Lossless please.", response_format="pcm")
    packed = int.from_bytes(flac[18:26], "big")
    assert (packed >> 44, ((packed >> 36) & 0x1F) + 1, packed & ((1 << 36) - 1)) == (24000, 16, len(pcm) // 2)
    first_frame = flac[42:]
    assert first_frame[:2] == b"\xff\xf8"
    (block,) = struct.unpack(">H", first_frame[5:7])
    samples = first_frame[9 : 9 + 2 * (block + 1)]
    little = b"".join(samples[i + 1 : i + 2] + samples[i : i + 1] for i in range(0, len(samples), 2))
    assert little == pcm[: len(little)]


def test_mp3_is_a_run_of_frames_as_long_as_the_speech(fake_openai: FakeOpenAI) -> None:
    mp3 = speak("A longer sentence for the ear.", response_format="mp3")
    seconds = wav_seconds(speak("A longer sentence for the ear."))
    assert len(mp3) % 384 == 0 and mp3[::384] == b"\xff" * (len(mp3) // 384)
    assert len(mp3) // 384 * 0.024 == pytest.approx(seconds, abs=0.03)


def test_speech_streamed_as_server_sent_events(fake_openai: FakeOpenAI) -> None:
    client = openai.OpenAI()
    text = "Stream this, please. " * 20
    with client.audio.speech.with_streaming_response.create(
        model="gpt-4o-mini-tts", voice="coral", input=text, response_format="pcm", stream_format="sse"
    ) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        events = sse_events(response.text())

    assert [e["type"] for e in events[:-1]] == ["speech.audio.delta"] * (len(events) - 1) and len(events) > 2
    audio = b"".join(base64.b64decode(str(e["audio"])) for e in events[:-1])
    assert audio == speak(text, response_format="pcm", voice="coral")
    done = events[-1]
    assert done["type"] == "speech.audio.done"
    usage = done["usage"]
    assert isinstance(usage, dict) and usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"]


@pytest.mark.parametrize(
    ("options", "status", "message"),
    [
        ({"voice": "bob"}, 400, "Invalid value: 'bob'. Supported values are: 'alloy', 'ash', 'ballad'"),
        ({"model": "tts-1", "voice": "marin"}, 400, "Invalid value: 'marin'."),
        ({"model": "tts-1", "stream_format": "sse"}, 400, "stream_format 'sse' is not supported for model 'tts-1'"),
        ({"model": "tts-9"}, 404, "The model `tts-9` does not exist or you do not have access to it."),
        ({"speed": 5}, 400, "Invalid 'speed'"),
    ],
)
def test_speech_requests_the_api_refuses(
    fake_openai: FakeOpenAI, options: dict[str, object], status: int, message: str
) -> None:
    with pytest.raises(openai.APIStatusError) as caught:
        speak(**options)
    assert caught.value.status_code == status and message in caught.value.message
    fake_openai.reset()


async def test_async_speech_and_transcription(fake_openai: FakeOpenAI) -> None:
    client = openai.AsyncOpenAI()
    response = await client.audio.speech.create(
        model="gpt-4o-mini-tts", voice="sage", input="Async hello.", response_format="wav"
    )
    wav = await response.aread()
    result = await client.audio.transcriptions.create(model="gpt-4o-mini-transcribe", file=("hello.wav", wav))
    assert result.text == "Async hello."

    stream = await client.audio.transcriptions.create(model="gpt-4o-transcribe", file=("hello.wav", wav), stream=True)
    events = [event async for event in stream]
    assert events[-1].type == "transcript.text.done" and events[-1].text == "Async hello."


def test_speech_from_the_fake_transcribes_back_to_its_text(fake_openai: FakeOpenAI) -> None:
    for response_format, name in (("wav", "a.wav"), ("mp3", "a.mp3"), ("flac", "a.flac"), ("opus", "a.ogg")):
        audio = speak(SENTENCE, response_format=response_format)
        result = openai.OpenAI().audio.transcriptions.create(model="whisper-1", file=(name, audio))
        assert result.text == SENTENCE
        assert result.usage is not None and result.usage.type == "duration" and result.usage.seconds >= 1
    body = fake_openai.audio.calls.last.response
    assert Transcription.model_validate(body).model_extra == {}


def test_any_other_recording_gets_a_deterministic_transcript(fake_openai: FakeOpenAI) -> None:
    client = openai.OpenAI()
    recording = b"ID3\x03\x00" + bytes(40_000)
    first = client.audio.transcriptions.create(model="gpt-4o-transcribe", file=("memo.mp3", recording))
    again = client.audio.transcriptions.create(model="gpt-4o-transcribe", file=("memo.mp3", recording))
    assert first.text and first.text == again.text
    assert first.usage is not None and first.usage.type == "tokens"
    assert first.usage.total_tokens == first.usage.input_tokens + first.usage.output_tokens
    upload = fake_openai.audio.calls.last.request.file
    assert upload is not None and upload.filename == "memo.mp3" and upload.content == recording


def test_verbose_json_has_words_and_segments_over_the_duration(fake_openai: FakeOpenAI) -> None:
    wav = speak(SENTENCE + " It was not amused.")
    result = openai.OpenAI().audio.transcriptions.create(
        model="whisper-1",
        file=("fox.wav", wav),
        response_format="verbose_json",
        timestamp_granularities=["word", "segment"],
    )

    assert result.duration == pytest.approx(wav_seconds(wav), abs=0.001) and result.language == "english"
    assert result.model_extra == {"task": "transcribe"}  # sent by the API, missing from the SDK's type
    assert result.words is not None and [w.word for w in result.words][:3] == ["The", "quick", "brown"]
    assert all(a.end == pytest.approx(b.start) for a, b in zip(result.words, result.words[1:], strict=False))
    assert result.words[-1].end == pytest.approx(result.duration, abs=0.01)
    assert result.segments is not None and [s.text for s in result.segments] == [" " + SENTENCE, " It was not amused."]
    assert result.segments[0].tokens and result.usage is not None
    only_words = openai.OpenAI().audio.transcriptions.create(
        model="whisper-1", file=("fox.wav", wav), response_format="verbose_json", timestamp_granularities=["word"]
    )
    assert only_words.words and only_words.segments is None
    assert TranscriptionVerbose.model_validate(fake_openai.audio.calls.last.response).words


def test_text_srt_and_vtt_formats(fake_openai: FakeOpenAI) -> None:
    wav = speak("First sentence. Second one!")
    client = openai.OpenAI()
    seconds = wav_seconds(wav)

    def transcribe(response_format: str) -> str:
        return client.audio.transcriptions.create(
            model="whisper-1", file=("s.wav", wav), response_format=response_format
        )  # type: ignore[call-overload, no-any-return]

    assert transcribe("text") == "First sentence. Second one!\n"
    srt = transcribe("srt")
    assert srt.startswith("1\n00:00:00,000 --> 00:00:0") and "\n\n2\n" in srt and srt.rstrip().endswith("Second one!")
    end = srt.strip().splitlines()[-2].split(" --> ")[1]
    assert end == f"00:00:0{int(seconds)},{round(seconds * 1000) % 1000:03d}"
    vtt = transcribe("vtt")
    assert vtt.startswith("WEBVTT\n\n00:00:00.000 --> ") and "First sentence." in vtt


def test_streamed_transcription_events(fake_openai: FakeOpenAI) -> None:
    wav = speak(SENTENCE)
    stream = openai.OpenAI().audio.transcriptions.create(
        model="gpt-4o-transcribe", file=("fox.wav", wav), stream=True, include=["logprobs"]
    )
    events = list(stream)

    deltas = [e for e in events if e.type == "transcript.text.delta"]
    assert len(deltas) > 5 and "".join(d.delta for d in deltas) == SENTENCE
    assert all(d.logprobs for d in deltas)
    done = events[-1]
    assert done.type == "transcript.text.done" and done.text == SENTENCE
    assert done.usage is not None and done.usage.output_tokens > 0
    assert all(e.model_extra == {} for e in events)
    assert [EVENTS.validate_python(e).type for e in fake_openai.audio.calls.last.response] == [e.type for e in events]


def test_whisper_ignores_stream(fake_openai: FakeOpenAI) -> None:
    response = openai.OpenAI().audio.transcriptions.with_raw_response.create(
        model="whisper-1", file=("a.wav", speak("Hi there.")), stream=True
    )
    assert response.headers["content-type"] == "application/json"
    assert json.loads(response.http_response.read())["text"] == "Hi there."


def test_diarized_json_labels_speakers(fake_openai: FakeOpenAI) -> None:
    wav = speak("Thanks for calling. How can I help? I need a refund.")
    result = openai.OpenAI().audio.transcriptions.create(
        model="gpt-4o-transcribe-diarize",
        file=("call.wav", wav),
        response_format="diarized_json",
        extra_body={"known_speaker_names": ["agent", "customer"]},
    )
    assert isinstance(result, TranscriptionDiarized) and result.model_extra == {}
    assert [s.speaker for s in result.segments] == ["agent", "customer", "agent"]
    assert result.text.splitlines()[0] == "agent: Thanks for calling."
    assert result.segments[-1].end == pytest.approx(result.duration, abs=0.01)


@pytest.mark.parametrize(
    ("options", "message", "param"),
    [
        (
            {"model": "gpt-4o-transcribe", "response_format": "verbose_json"},
            "response_format 'verbose_json' is not compatible with model 'gpt-4o-transcribe'. Use 'json' or 'text' instead.",
            "response_format",
        ),
        (
            {"model": "gpt-4o-mini-transcribe", "response_format": "srt"},
            "response_format 'srt' is not compatible with model 'gpt-4o-mini-transcribe'. Use 'json' or 'text' instead.",
            "response_format",
        ),
        (
            {"model": "gpt-4o-transcribe", "timestamp_granularities": ["word"]},
            "timestamp_granularities is not supported with model 'gpt-4o-transcribe'",
            "timestamp_granularities",
        ),
        (
            {"model": "whisper-1", "timestamp_granularities": ["word"]},
            "timestamp_granularities requires response_format 'verbose_json'",
            "timestamp_granularities",
        ),
        ({"model": "whisper-1", "include": ["logprobs"]}, "include[] 'logprobs' is only supported", "include"),
        (
            {"model": "gpt-4o-transcribe-diarize", "prompt": "names"},
            "prompt is not supported with model 'gpt-4o-transcribe-diarize'",
            "prompt",
        ),
        (
            {"file": ("notes.txt", b"hello")},
            "Invalid file format. Supported formats: ['flac', 'm4a', 'mp3', 'mp4', 'mpeg', 'mpga', 'oga', 'ogg', 'wav', 'webm']",
            None,
        ),
        ({"file": ("a.wav", b"definitely not audio")}, "Audio file might be corrupted or unsupported", "file"),
        ({"file": ("a.wav", b"RIFF\x24\x00\x00\x00WAVEfmt ")}, "Audio file might be corrupted or unsupported", "file"),
    ],
)
def test_transcription_requests_the_api_refuses(
    fake_openai: FakeOpenAI, options: dict[str, object], message: str, param: str | None
) -> None:
    request = {"model": "whisper-1", "file": ("a.wav", speak("Hello.")), **options}
    with pytest.raises(openai.BadRequestError) as caught:
        openai.OpenAI().audio.transcriptions.create(**request)  # type: ignore[call-overload]
    assert isinstance(caught.value.body, dict)
    assert message in caught.value.body["message"] and caught.value.body["param"] == param
    fake_openai.reset()


def test_too_short_and_unknown_model(fake_openai: FakeOpenAI) -> None:
    client = openai.OpenAI()
    tiny = io.BytesIO()
    with wave.open(tiny, "wb") as file:
        file.setnchannels(1)
        file.setsampwidth(2)
        file.setframerate(24000)
        file.writeframes(bytes(200))
    with pytest.raises(openai.BadRequestError) as caught:
        client.audio.transcriptions.create(model="whisper-1", file=("t.wav", tiny.getvalue()))
    assert caught.value.code == "audio_too_short"
    with pytest.raises(openai.NotFoundError):
        client.audio.transcriptions.create(model="whisper-2", file=("t.wav", speak("x")))
    fake_openai.reset()


def test_uploads_over_25_mb_are_refused_with_413(fake_openai: FakeOpenAI) -> None:
    huge = b"ID3\x03\x00" + bytes(26_214_400)
    with pytest.raises(openai.APIStatusError) as caught:
        openai.OpenAI(max_retries=0).audio.transcriptions.create(model="whisper-1", file=("long.mp3", huge))
    assert caught.value.status_code == 413
    assert isinstance(caught.value.body, dict) and caught.value.body["type"] == "server_error"
    assert caught.value.body["message"].startswith("Maximum content size limit (26214400) exceeded (")
    fake_openai.reset()


def test_translations(fake_openai: FakeOpenAI) -> None:
    client = openai.OpenAI()
    wav = speak("Guten Tag. Wie geht es?")
    with warns_if_sdk_deprecates(client.audio.translations.create):
        result = client.audio.translations.create(
            model="whisper-1", file=("de.wav", wav), response_format="verbose_json"
        )
    assert isinstance(result, TranslationVerbose) and result.language == "english"
    assert result.model_extra == {"task": "translate"}
    with warns_if_sdk_deprecates(client.audio.translations.create), pytest.raises(openai.BadRequestError) as caught:
        client.audio.translations.create(model="gpt-4o-transcribe", file=("de.wav", wav))
    assert "does not support translations" in caught.value.message
    fake_openai.reset()


def test_transcribe_as_scripts_what_the_recording_says(fake_openai: FakeOpenAI) -> None:
    fake_openai.audio.transcribe_as("Call me back tomorrow.", chunks=["Call me", " back", " tomorrow."], times=3)
    client = openai.OpenAI()
    recording = ("voicemail.wav", speak("something else entirely"))

    assert client.audio.transcriptions.create(model="whisper-1", file=recording).text == "Call me back tomorrow."
    verbose = client.audio.transcriptions.create(model="whisper-1", file=recording, response_format="verbose_json")
    assert verbose.segments is not None and verbose.segments[0].text == " Call me back tomorrow."
    deltas = [
        e.delta
        for e in client.audio.transcriptions.create(model="gpt-4o-transcribe", file=recording, stream=True)
        if e.type == "transcript.text.delta"
    ]
    assert deltas == ["Call me", " back", " tomorrow."]
    assert [c.answered_by for c in fake_openai.audio.calls[-3:]] == ["script"] * 3
    assert client.audio.speech.create(
        model="tts-1", voice="echo", input="unscripted"
    ).read()  # transcribe_as leaves speech alone


def test_scripted_errors_and_spoken_text(fake_openai: FakeOpenAI) -> None:
    fake_openai.audio.respond_with_error(503)
    fake_openai.audio.respond_with_message("Scripted words.", user_message="say")
    client = openai.OpenAI(max_retries=0)

    with pytest.raises(openai.InternalServerError):
        client.audio.speech.create(model="tts-1", voice="alloy", input="x")
    spoken = client.audio.speech.create(
        model="gpt-4o-mini-tts", voice="alloy", input="say something", response_format="wav"
    ).read()
    assert client.audio.transcriptions.create(model="whisper-1", file=("s.wav", spoken)).text == "Scripted words."


def test_bad_multipart_bodies_get_the_apis_errors(fake_openai: FakeOpenAI) -> None:
    url = fake_openai.base_url + "/audio/transcriptions"
    auth = {"Authorization": f"Bearer {fake_openai.api_key}"}

    no_file = httpx.post(url, headers=auth, data={"model": "whisper-1"}, files={"other": ("a.wav", b"RIFF")})
    assert no_file.status_code == 400
    assert no_file.json()["error"] == {
        "message": "Missing required parameter: 'file'.",
        "type": "invalid_request_error",
        "param": "file",
        "code": "missing_required_parameter",
    }

    request = httpx.Request(
        "POST", url, headers=auth, files={"file": ("a.wav", speak("x"))}, data={"model": "whisper-1"}
    )
    body = request.read()
    truncated = httpx.post(
        url, headers={**auth, "Content-Type": request.headers["Content-Type"]}, content=body[: len(body) // 2]
    )
    assert truncated.status_code == 400 and "multipart" in truncated.json()["error"]["message"]

    wrong_type = httpx.post(url, headers=auth, json={"model": "whisper-1", "file": "a.wav"})
    assert wrong_type.status_code == 400
    assert wrong_type.json()["error"]["message"].startswith(
        "Invalid Content-Type header (application/json), expected multipart/form-data."
    )
    fake_openai.reset()
