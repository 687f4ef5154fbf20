"""Approximate token counting and splitting, modelled on OpenAI's tokenizers.

The real tokenizers (cl100k_base, o200k_base) first cut text with a regular
expression into "pre-tokens" (words with their leading space, runs of at most
three digits, punctuation runs, whitespace runs) and then merge bytes inside
each pre-token.  This module reproduces the first step and approximates the
second: a short pre-token is one token, a long one is cut into pieces of about
four characters, and each CJK character is a token of its own.
"""

from __future__ import annotations

import re

__all__ = ["count_tokens", "split_into_chunks", "truncate_to_tokens"]

# cl100k_base's pre-tokenizer, with \p{L} spelled [^\W\d_] and \p{N} spelled \d
# because the stdlib `re` module has no Unicode property classes.
_PRE_TOKEN = re.compile(
    r"""'(?:[sS]|[tT]|[rR][eE]|[vV][eE]|[mM]|[lL][lL]|[dD])"""
    r"""|(?:[^\r\n\w]|_)?[^\W\d_]+"""
    r"""|\d{1,3}"""
    r"""| ?(?:[^\s\w]|_)+[\r\n]*"""
    r"""|\s*[\r\n]+"""
    r"""|\s+(?!\S)"""
    r"""|\s+"""
)
_CJK = re.compile(r"[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]")

_LONGEST_SINGLE_TOKEN = 10
_PIECE_LENGTH = 4


def _split_long(pre_token: str) -> list[str]:
    size = len(pre_token)
    count = -(-size // _PIECE_LENGTH)
    bounds = [size * i // count for i in range(count + 1)]
    return [pre_token[bounds[i] : bounds[i + 1]] for i in range(count)]


def _split_cjk(pre_token: str) -> list[str]:
    pieces: list[str] = []
    run = ""
    for char in pre_token:
        if _CJK.match(char):
            if run:
                pieces.extend(_pieces(run, cjk=False))
                run = ""
            pieces.append(char)
        else:
            run += char
    if run:
        pieces.extend(_pieces(run, cjk=False))
    return pieces


def _pieces(pre_token: str, *, cjk: bool) -> list[str]:
    if cjk and _CJK.search(pre_token):
        return _split_cjk(pre_token)
    if len(pre_token) <= _LONGEST_SINGLE_TOKEN:
        return [pre_token]
    return _split_long(pre_token)


def split_into_chunks(text: str) -> list[str]:
    """Split text into the token-sized pieces a streamed answer sends one per chunk (concatenation == text)."""
    cjk = _CJK.search(text) is not None
    chunks: list[str] = []
    for pre_token in _PRE_TOKEN.findall(text):
        if len(pre_token) <= _LONGEST_SINGLE_TOKEN and not cjk:
            chunks.append(pre_token)
        else:
            chunks.extend(_pieces(pre_token, cjk=cjk))
    return chunks


_COUNTED: dict[str, int] = {}
"""Counts of texts seen lately: tests send the same prompts again and again."""
_COUNTED_TEXTS = 4096
_COUNTED_LONGEST = 4096


def count_tokens(text: str) -> int:
    """Approximate tokens the way OpenAI's tokenizers split text (words, punctuation, whitespace runs); 0 for ''."""
    if not text:
        return 0
    known = _COUNTED.get(text)
    if known is not None:
        return known
    cjk = _CJK.search(text) is not None
    total = 0
    for pre_token in _PRE_TOKEN.findall(text):
        if len(pre_token) <= _LONGEST_SINGLE_TOKEN and not cjk:
            total += 1
        else:
            total += len(_pieces(pre_token, cjk=cjk))
    if len(text) <= _COUNTED_LONGEST:
        if len(_COUNTED) >= _COUNTED_TEXTS:
            _COUNTED.clear()
        _COUNTED[text] = total
    return total


def truncate_to_tokens(text: str, max_tokens: int) -> str:
    """The longest prefix of text that has at most max_tokens tokens."""
    if max_tokens <= 0:
        return ""
    chunks = split_into_chunks(text)
    if len(chunks) <= max_tokens:
        return text
    keep = max_tokens
    prefix = "".join(chunks[:keep])
    # Cutting can change how the tail of the prefix splits, so re-check.
    while keep > 0 and count_tokens(prefix) > max_tokens:
        keep -= 1
        prefix = "".join(chunks[:keep])
    return prefix
