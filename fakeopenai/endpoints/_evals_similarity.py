"""Text similarity metrics of the `text_similarity` grader, computed for real on word tokens.

`cosine` compares bags of words (the real grader compares embeddings); the
others follow their usual definitions: BLEU (up to 4-grams, with a brevity
penalty and smoothing), Google BLEU, METEOR (exact matches, fragmentation
penalty), ROUGE-1…5 and ROUGE-L (F-measures), and a fuzzy ratio of the strings.
"""

from __future__ import annotations

import difflib
import itertools
import math
import re
from collections import Counter
from collections.abc import Callable

_WORD = re.compile(r"\w+", re.UNICODE)


def words(text: str) -> list[str]:
    """Lower-cased word tokens."""
    return _WORD.findall(text.lower())


def _ngrams(tokens: list[str], n: int) -> Counter[tuple[str, ...]]:
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def _f1(overlap: int, hypothesis: int, reference: int) -> float:
    if overlap == 0 or hypothesis == 0 or reference == 0:
        return 0.0
    precision, recall = overlap / hypothesis, overlap / reference
    return 2 * precision * recall / (precision + recall)


def fuzzy_match(output: str, reference: str) -> float:
    """Similarity of the two strings, from 0 to 1 (matching characters over total length)."""
    if not output and not reference:
        return 1.0
    return difflib.SequenceMatcher(None, output, reference, autojunk=False).ratio()


def bleu(output: str, reference: str) -> float:
    """Sentence BLEU with up to 4-grams, a brevity penalty, and epsilon smoothing of empty orders."""
    hyp, ref = words(output), words(reference)
    if not hyp or not ref:
        return 0.0
    orders = min(4, len(hyp), len(ref))
    logs = []
    for n in range(1, orders + 1):
        hyp_grams, ref_grams = _ngrams(hyp, n), _ngrams(ref, n)
        matches = sum((hyp_grams & ref_grams).values())
        total = max(1, sum(hyp_grams.values()))
        logs.append(math.log((matches or 0.1) / total))
    penalty = 1.0 if len(hyp) >= len(ref) else math.exp(1 - len(ref) / len(hyp))
    return penalty * math.exp(sum(logs) / orders)


def gleu(output: str, reference: str) -> float:
    """Google BLEU: n-gram (1–4) matches over the larger of the two n-gram counts."""
    hyp, ref = words(output), words(reference)
    matches = hyp_total = ref_total = 0
    for n in range(1, 5):
        hyp_grams, ref_grams = _ngrams(hyp, n), _ngrams(ref, n)
        matches += sum((hyp_grams & ref_grams).values())
        hyp_total += sum(hyp_grams.values())
        ref_total += sum(ref_grams.values())
    return matches / max(hyp_total, ref_total) if max(hyp_total, ref_total) else 0.0


def meteor(output: str, reference: str) -> float:
    """METEOR with exact word matches: a recall-weighted F-mean less a fragmentation penalty."""
    hyp, ref = words(output), words(reference)
    used = [False] * len(ref)
    alignment: list[int] = []
    for word in hyp:
        position = next((i for i, w in enumerate(ref) if w == word and not used[i]), None)
        if position is not None:
            used[position] = True
            alignment.append(position)
    matches = len(alignment)
    if matches == 0:
        return 0.0
    precision, recall = matches / len(hyp), matches / len(ref)
    fmean = 10 * precision * recall / (recall + 9 * precision)
    chunks = 1 + sum(1 for a, b in itertools.pairwise(alignment) if b != a + 1)
    return fmean * (1 - 0.5 * (chunks / matches) ** 3)


def rouge_n(n: int) -> Callable[[str, str], float]:
    """ROUGE-n: the F-measure of shared n-grams."""

    def score(output: str, reference: str) -> float:
        hyp_grams, ref_grams = _ngrams(words(output), n), _ngrams(words(reference), n)
        overlap = sum((hyp_grams & ref_grams).values())
        return _f1(overlap, sum(hyp_grams.values()), sum(ref_grams.values()))

    return score


def rouge_l(output: str, reference: str) -> float:
    """ROUGE-L: the F-measure of the longest common subsequence of words."""
    hyp, ref = words(output), words(reference)
    previous = [0] * (len(ref) + 1)
    for word in hyp:
        current = [0]
        for j, other in enumerate(ref):
            current.append(previous[j] + 1 if word == other else max(previous[j + 1], current[j]))
        previous = current
    return _f1(previous[-1], len(hyp), len(ref))


def cosine(output: str, reference: str) -> float:
    """Cosine similarity of the two bags of words."""
    a, b = Counter(words(output)), Counter(words(reference))
    dot = sum(a[w] * b[w] for w in a)
    norm = math.sqrt(sum(v * v for v in a.values())) * math.sqrt(sum(v * v for v in b.values()))
    return dot / norm if norm else 0.0


METRICS: dict[str, Callable[[str, str], float]] = {
    "fuzzy_match": fuzzy_match,
    "bleu": bleu,
    "gleu": gleu,
    "meteor": meteor,
    "cosine": cosine,
    "rouge_l": rouge_l,
    **{f"rouge_{n}": rouge_n(n) for n in range(1, 6)},
}
"""Each `evaluation_metric` the API accepts, by name."""
