"""A finished response as the typed event stream the API sends while it generates it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._app.responses import SseEvent, compact_json
from .._simulation.tokens import split_into_chunks
from ._responses_wire import Rendered

_FINAL_EVENTS = {"completed": "response.completed", "incomplete": "response.incomplete", "failed": "response.failed"}


def in_flight(body: Mapping[str, Any], status: str) -> dict[str, Any]:
    """The response as it looks before it is done: no output and no usage yet."""
    return {
        **body,
        "status": status,
        "completed_at": None,
        "error": None,
        "incomplete_details": None,
        "output": [],
        "usage": None,
    }


class _Events:
    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def add(self, kind: str, **fields: Any) -> None:
        self.events.append({"type": kind, "sequence_number": len(self.events), **fields})


def events_of(rendered: Rendered, *, queued: bool = False) -> list[dict[str, Any]]:
    """Every event of the stream, in order, numbered from 0."""
    body = rendered.body
    out = _Events()
    out.add("response.created", response=in_flight(body, "queued" if queued else "in_progress"))
    if queued:
        out.add("response.queued", response=in_flight(body, "queued"))
    out.add("response.in_progress", response=in_flight(body, "in_progress"))
    for index, item in enumerate(body["output"]):
        out.add("response.output_item.added", output_index=index, item=_opening(item))
        if item["type"] == "message":
            for content_index, part in enumerate(item["content"]):
                _part_events(out, rendered, index, content_index, item["id"], part)
        elif item["type"] == "function_call":
            where = {"item_id": item["id"], "output_index": index}
            for fragment in split_into_chunks(item["arguments"]):
                out.add("response.function_call_arguments.delta", **where, delta=fragment)
            out.add("response.function_call_arguments.done", **where, name=item["name"], arguments=item["arguments"])
        elif item["type"] == "reasoning":
            _summary_events(out, index, item)
        out.add("response.output_item.done", output_index=index, item=item)
    out.add(_FINAL_EVENTS.get(body["status"], "response.completed"), response=body)
    return out.events


def to_sse(events: list[dict[str, Any]]) -> list[SseEvent]:
    """The events framed as the API frames them: an `event:` line named after the type, then the data."""
    return [SseEvent(compact_json(event), event=event["type"]) for event in events]


def _opening(item: Mapping[str, Any]) -> dict[str, Any]:
    if item["type"] == "message":
        return {**item, "status": "in_progress", "content": []}
    if item["type"] == "function_call":
        return {**item, "status": "in_progress", "arguments": ""}
    if item["type"] == "reasoning":
        return {**item, "summary": []}
    return dict(item)


def _part_events(
    out: _Events, rendered: Rendered, index: int, content_index: int, item_id: str, part: Mapping[str, Any]
) -> None:
    where = {"item_id": item_id, "output_index": index, "content_index": content_index}
    if part["type"] == "output_text":
        out.add("response.content_part.added", **where, part={**part, "logprobs": [], "text": ""})
        pieces = rendered.pieces.get((index, content_index)) or [(p, []) for p in split_into_chunks(part["text"])]
        for piece, logprobs in pieces:
            if piece:
                out.add("response.output_text.delta", **where, delta=piece, logprobs=_without_bytes(logprobs))
        out.add("response.output_text.done", **where, text=part["text"], logprobs=_without_bytes(part["logprobs"]))
    else:
        out.add("response.content_part.added", **where, part={"type": "refusal", "refusal": ""})
        for piece in split_into_chunks(part["refusal"]):
            out.add("response.refusal.delta", **where, delta=piece)
        out.add("response.refusal.done", **where, refusal=part["refusal"])
    out.add("response.content_part.done", **where, part=part)


def _without_bytes(logprobs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Logprobs as text events carry them: without the `bytes` the output part has."""
    return [
        {
            "token": entry["token"],
            "logprob": entry["logprob"],
            "top_logprobs": [{"token": top["token"], "logprob": top["logprob"]} for top in entry["top_logprobs"]],
        }
        for entry in logprobs
    ]


def _summary_events(out: _Events, index: int, item: Mapping[str, Any]) -> None:
    for summary_index, summary in enumerate(item["summary"]):
        where = {"item_id": item["id"], "output_index": index, "summary_index": summary_index}
        out.add("response.reasoning_summary_part.added", **where, part={"type": "summary_text", "text": ""})
        for piece in split_into_chunks(summary["text"]):
            out.add("response.reasoning_summary_text.delta", **where, delta=piece)
        out.add("response.reasoning_summary_text.done", **where, text=summary["text"])
        out.add("response.reasoning_summary_part.done", **where, part=summary)
