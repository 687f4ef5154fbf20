"""Token counting, truncation and chunking approximate OpenAI's tokenizers and stay self-consistent."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fakeopenai._simulation.tokens import count_tokens, split_into_chunks, truncate_to_tokens


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", 0),
        ("Hello", 1),
        ("Hello, world!", 4),
        ("The quick brown fox jumps over the lazy dog.", 10),
        ("line one\nline two", 5),
        ("I'm sure they'll come", 6),
        ("12345", 2),
        ("   ", 1),
        ("\n\n", 1),
    ],
)
def test_counts_match_cl100k_on_simple_text(text: str, expected: int) -> None:
    assert count_tokens(text) == expected


def test_chunks_follow_word_boundaries() -> None:
    assert split_into_chunks("Hello, world!") == ["Hello", ",", " world", "!"]
    assert split_into_chunks("a  b") == ["a", " ", " b"]
    assert split_into_chunks("2024 items") == ["202", "4", " items"]


def test_long_words_split_into_small_pieces() -> None:
    word = "pneumonoultramicroscopicsilicovolcanoconiosis"
    pieces = split_into_chunks(word)
    assert "".join(pieces) == word
    assert len(pieces) == count_tokens(word)
    assert all(2 <= len(piece) <= 5 for piece in pieces)
    assert 8 <= len(pieces) <= 15


def test_cjk_characters_count_one_each() -> None:
    assert count_tokens("你好世界") == 4
    assert split_into_chunks("hi 你好") == ["hi", " ", "你", "好"]


def test_english_prose_ratio_is_plausible() -> None:
    prose = (
        "Tokenizers used by large language models usually split English text into pieces that average "
        "about four characters, so a paragraph like this one should come out at roughly one token for "
        "every four or five characters, punctuation included."
    )
    ratio = len(prose) / count_tokens(prose)
    assert 3.5 <= ratio <= 6.5


@pytest.mark.parametrize("limit", [0, 1, 2, 3, 4, 10, 1000])
def test_truncate_respects_limit(limit: int) -> None:
    text = "Hello, world! This is a fairly ordinary sentence, with internationalization thrown in."
    prefix = truncate_to_tokens(text, limit)
    assert text.startswith(prefix)
    assert count_tokens(prefix) <= limit
    if limit >= count_tokens(text):
        assert prefix == text
    else:
        assert prefix == "".join(split_into_chunks(text)[:limit])


def test_truncate_examples() -> None:
    assert truncate_to_tokens("Hello, world!", 2) == "Hello,"
    assert truncate_to_tokens("Hello, world!", 0) == ""
    assert truncate_to_tokens("Hello, world!", -5) == ""
    assert truncate_to_tokens("", 3) == ""


def test_fast_enough() -> None:
    text = "The quick brown fox jumps over the lazy dog, again and again. " * 4
    start = time.perf_counter()
    for _ in range(1000):
        count_tokens(text)
        truncate_to_tokens(text, 20)
    assert (time.perf_counter() - start) / 1000 < 0.0005


_TEXT = st.one_of(
    st.text(max_size=200),
    st.text(alphabet=st.sampled_from(list("ab cd,.'\n\t123_-你")), max_size=200),
)


@settings(max_examples=400, deadline=None)
@given(text=_TEXT)
def test_chunks_concatenate_back(text: str) -> None:
    chunks = split_into_chunks(text)
    assert "".join(chunks) == text
    assert all(chunks)
    assert count_tokens(text) == len(chunks)


@settings(max_examples=400, deadline=None)
@given(text=_TEXT, limit=st.integers(0, 60))
def test_truncate_is_a_bounded_prefix(text: str, limit: int) -> None:
    prefix = truncate_to_tokens(text, limit)
    assert text.startswith(prefix)
    assert count_tokens(prefix) <= limit
    assert truncate_to_tokens(text, limit + 1).startswith(prefix)
    if count_tokens(text) <= limit:
        assert prefix == text
