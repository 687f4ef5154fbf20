"""The examples of a fine-tuning file, checked as a job validates them (status `validating_files`).

Supervised jobs train on chat examples (`{"messages": [...]}`, or `{"prompt",
"completion"}` for babbage-002 and davinci-002); DPO jobs on preference
examples (`{"input": {"messages": [...]}, "preferred_output": [...],
"non_preferred_output": [...]}`); reinforcement jobs on `{"messages": [...]}`
prompts plus any fields the grader reads.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._app.strict_json import loads as loads_json
from .._simulation.tokens import count_tokens

MIN_TRAINING_EXAMPLES = 10
_ROLES = frozenset({"system", "developer", "user", "assistant", "tool", "function"})


def read_examples(content: bytes) -> list[Any]:
    """The parsed lines of a JSONL file (blank lines skipped; unparsable lines as None)."""
    examples: list[Any] = []
    for line in content.decode("utf-8", "replace").splitlines():
        if line.strip():
            try:
                examples.append(loads_json(line))
            except ValueError:
                examples.append(None)
    return examples


def dataset_problem(examples: list[Any], method: str, *, legacy: bool, minimum: int) -> str | None:
    """Why these examples cannot train with `method`, in the API's words; None if they can."""
    for number, example in enumerate(examples, start=1):
        problem = _example_problem(example, method, legacy=legacy)
        if problem is not None:
            return f"Invalid file format. Example {number}: {problem}."
    if len(examples) < minimum:
        return f"Training file has {len(examples)} example(s), but must have at least {minimum} examples"
    return None


def _example_problem(example: Any, method: str, *, legacy: bool) -> str | None:
    if not isinstance(example, Mapping):
        return "the line is not a JSON object"
    if legacy:
        if not isinstance(example.get("prompt"), str) or not isinstance(example.get("completion"), str):
            return 'an example must have a string "prompt" and a string "completion"'
        return None
    if method == "dpo":
        return _preference_problem(example)
    return _messages_problem(example.get("messages"), need_assistant=method == "supervised")


def _messages_problem(messages: Any, *, need_assistant: bool) -> str | None:
    if not isinstance(messages, list) or not messages:
        return '"messages" must be a non-empty list of messages'
    for number, message in enumerate(messages, start=1):
        if not isinstance(message, Mapping):
            return f"message {number} is not an object"
        role = message.get("role")
        if role not in _ROLES:
            return f"message {number} has an unrecognized role: {role!r}"
        has_calls = bool(message.get("tool_calls") or message.get("function_call"))
        if message.get("content") in (None, "", []) and not (role == "assistant" and has_calls):
            return f"message {number} has no content"
    if need_assistant and not any(m.get("role") == "assistant" for m in messages):
        return "an example must contain at least one assistant message"
    return None


def _preference_problem(example: Mapping[str, Any]) -> str | None:
    source = example.get("input")
    if not isinstance(source, Mapping):
        return '"input" must be an object with "messages"'
    problem = _messages_problem(source.get("messages"), need_assistant=False)
    if problem is not None:
        return f"in input, {problem}"
    for key in ("preferred_output", "non_preferred_output"):
        output = example.get(key)
        if not isinstance(output, list) or len(output) != 1 or not isinstance(output[0], Mapping):
            return f'"{key}" must be a list holding one assistant message'
        if output[0].get("role") != "assistant":
            return f'"{key}" must be a list holding one assistant message'
    return None


def count_example_tokens(examples: list[Any]) -> int:
    """The tokens of the text in the examples (one epoch's worth of training tokens)."""
    total = 0
    for example in examples:
        total += count_tokens(" ".join(_texts(example)))
    return total


def _texts(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping):
        return [text for item in value.values() for text in _texts(item)]
    if isinstance(value, list):
        return [text for item in value for text in _texts(item)]
    return []
