import math

import openai

from fakeopenai import FakeOpenAI


# --8<-- [start:code]
def search(query: str, documents: list[str]) -> list[str]:
    """The code under test: documents ranked by cosine similarity to the query."""
    response = openai.OpenAI().embeddings.create(model="text-embedding-3-small", input=[query, *documents])
    query_vector, *document_vectors = [item.embedding for item in response.data]

    def similarity(vector: list[float]) -> float:
        # The vectors have unit length, so the dot product is the cosine similarity.
        return sum(q * d for q, d in zip(query_vector, vector, strict=True))

    ranked = sorted(zip(documents, document_vectors, strict=True), key=lambda pair: similarity(pair[1]), reverse=True)
    return [document for document, _ in ranked]


# --8<-- [end:code]


# --8<-- [start:simulated]
def test_search_ranks_the_related_document_first(fake_openai: FakeOpenAI) -> None:
    documents = [
        "Our office is closed on public holidays.",
        "To reset your password, open Settings and choose Security.",
        "Invoices are sent on the first day of each month.",
    ]

    assert search("How do I reset my password?", documents)[0] == documents[1]


# --8<-- [end:simulated]


# --8<-- [start:pin]
def test_search_with_pinned_vectors(fake_openai: FakeOpenAI) -> None:
    def axis(i: int) -> list[float]:
        return [1.0 if j == i else 0.0 for j in range(1536)]

    diagonal = [x / math.sqrt(2) for x in (1.0, 1.0)] + [0.0] * 1534
    fake_openai.embeddings.pin("query", diagonal)
    fake_openai.embeddings.pin("close", axis(0))
    fake_openai.embeddings.pin("far", axis(5))

    assert search("query", ["far", "close"]) == ["close", "far"]


# --8<-- [end:pin]


# --8<-- [start:dimensions]
def test_shortened_vectors(fake_openai: FakeOpenAI) -> None:
    response = openai.OpenAI().embeddings.create(
        model="text-embedding-3-large", input="a long document", dimensions=256
    )
    vector = response.data[0].embedding

    assert len(vector) == 256
    assert math.isclose(math.sqrt(sum(x * x for x in vector)), 1.0, abs_tol=1e-6)


# --8<-- [end:dimensions]
