import openai

from fakeopenai import FakeOpenAI

QUESTIONS = [f"Question {n}?" for n in range(20)]


# --8<-- [start:chaos]
def answer_all(questions: list[str]) -> list[str]:
    """Answer every question, leaning on the SDK's retries when the API has a bad moment."""
    client = openai.OpenAI(max_retries=5)
    answers = []
    for question in questions:
        reply = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": question}])
        answers.append(reply.choices[0].message.content or "")
    return answers


def test_every_question_is_answered_despite_failures(fake_openai: FakeOpenAI) -> None:
    # About one request in four fails; retry-after-ms keeps the SDK's waits (and the test) short.
    fake_openai.chat.respond_with_error(503, rate=0.25, seed=7, headers={"retry-after-ms": "5"}, always=True)

    answers = answer_all(QUESTIONS)

    assert len(answers) == 20 and all(answers)
    statuses = [call.status for call in fake_openai.chat.calls]
    assert statuses.count(200) == 20
    assert statuses.count(503) > 0  # failures did happen, and were retried


# --8<-- [end:chaos]


# --8<-- [start:seeded]
def test_the_same_seed_fails_the_same_requests(fake_openai: FakeOpenAI) -> None:
    def statuses(seed: int) -> list[int | None]:
        fake_openai.reset()
        fake_openai.chat.respond_with_error(503, rate=0.25, seed=seed, headers={"retry-after-ms": "5"}, always=True)
        answer_all(QUESTIONS)
        return [call.status for call in fake_openai.chat.calls]

    assert statuses(seed=7) == statuses(seed=7)  # a failing chaos run can be replayed exactly
    assert statuses(seed=7) != statuses(seed=8)


# --8<-- [end:seeded]
