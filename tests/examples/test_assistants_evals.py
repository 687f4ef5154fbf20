import openai
import pytest

from fakeopenai import FakeOpenAI

pytestmark = pytest.mark.filterwarnings("ignore:The Evals API is deprecated:DeprecationWarning")

# --8<-- [start:code]
QUESTIONS = [
    {"item": {"question": "Capital of France?", "answer": "Paris"}},
    {"item": {"question": "Capital of Italy?", "answer": "Rome"}},
]


def evaluate_prompt(prompt: str) -> float:
    """Run an eval of `prompt` on gpt-4o; the share of items that passed."""
    client = openai.OpenAI()
    evaluation = client.evals.create(
        name="Capitals",
        data_source_config={
            "type": "custom",
            "item_schema": {
                "type": "object",
                "properties": {"question": {"type": "string"}, "answer": {"type": "string"}},
            },
            "include_sample_schema": True,
        },
        testing_criteria=[
            {
                "type": "string_check",
                "name": "exact",
                "input": "{{sample.output_text}}",
                "reference": "{{item.answer}}",
                "operation": "ilike",
            },
            {
                "type": "label_model",
                "name": "polite",
                "model": "gpt-4o-mini",
                "input": [{"role": "user", "content": "Is this polite? {{sample.output_text}}"}],
                "labels": ["polite", "rude"],
                "passing_labels": ["polite"],
            },
        ],
    )
    run = client.evals.runs.create(
        evaluation.id,
        data_source={
            "type": "completions",
            "model": "gpt-4o",
            "input_messages": {
                "type": "template",
                "template": [
                    {"role": "developer", "content": prompt},
                    {"role": "user", "content": "{{item.question}}"},
                ],
            },
            "source": {"type": "file_content", "content": QUESTIONS},
        },
    )
    while run.status in ("queued", "in_progress"):
        run = client.evals.runs.retrieve(run.id, eval_id=evaluation.id)
    return run.result_counts.passed / run.result_counts.total


# --8<-- [end:code]


# --8<-- [start:test]
def test_the_eval_grades_each_answer(fake_openai: FakeOpenAI) -> None:
    # Per item: the sample (gpt-4o), then the model grader (gpt-4o-mini).
    fake_openai.chat.respond_with_message("Paris.", model="gpt-4o")
    fake_openai.chat.respond_with_json({"label": "polite"}, model="gpt-4o-mini")
    fake_openai.chat.respond_with_message("Milan!", model="gpt-4o")
    fake_openai.chat.respond_with_json({"label": "rude"}, model="gpt-4o-mini")

    assert evaluate_prompt("Answer with the city only.") == 0.5

    [run] = fake_openai.evals.runs()
    assert run["per_testing_criteria_results"] == [
        {"testing_criteria": "exact", "passed": 1, "failed": 1},
        {"testing_criteria": "polite", "passed": 1, "failed": 1},
    ]
    first, second = fake_openai.evals.output_items(run["id"])
    assert first["status"] == "pass" and second["status"] == "fail"
    assert first["sample"]["input"][0] == {"role": "developer", "content": "Answer with the city only."}


# --8<-- [end:test]
