"""The readable report of what went wrong in a test: invalid, unmatched, unused, crashed."""

from __future__ import annotations

import json
import traceback
from typing import Any

from .._scripting.script import Scripted
from .journal import Call
from .state import State


def _request_line(call: Call[Any]) -> str:
    body = json.dumps(call.body, default=repr)  # a form body holds `FilePart`s
    if len(body) > 300:
        body = body[:300] + "…"
    return f"{call.describe()}\n      body: {body}"


def build_report(state: State) -> str | None:
    """What the test should be told at teardown, or None if all is well."""
    calls = state.journal.all()
    sections = []
    invalid = [c for c in calls if c.problems]
    if invalid:
        lines = ["Invalid requests (the client got HTTP 4xx):"]
        for call in invalid:
            lines.append(f"  {_request_line(call)}")
            for problem in call.problems:
                lines.append(f"      at {problem.json_path}: {problem.message}")
        sections.append("\n".join(lines))
    unmatched = [c for c in calls if c.unmatched]
    if unmatched:
        lines = ["Requests nothing could answer:"]
        lines += [f"  {_request_line(c)}\n      {c.unmatched}" for c in unmatched]
        sections.append("\n".join(lines))
    impossible = [c for c in calls if c.notes]
    if impossible:
        lines = ["Scripted answers the real API could not have given:"]
        for call in impossible:
            lines.append(f"  {_request_line(call)}")
            lines += [f"      {note}" for note in call.notes]
        sections.append("\n".join(lines))
    unused = state.scripts.unused()
    if unused:
        sections.append(_unused_section(unused, calls))
    if state.blocked:
        hosts = ", ".join(sorted(set(state.blocked)))
        sections.append(
            f"Requests to the real OpenAI API were blocked ({len(state.blocked)}, to {hosts}): some client in this "
            "test does not use OPENAI_BASE_URL. Build it with OpenAI() (no base_url), or pass base_url=fake.base_url."
        )
    if state.errors:
        lines = ["Errors raised inside the fake server (the client got HTTP 500):"]
        for error in state.errors:
            lines.append("".join(traceback.format_exception(type(error), error, error.__traceback__)).rstrip())
        sections.append("\n".join(lines))
    if not sections:
        return None
    return "fakeopenai found problems in this test:\n\n" + "\n\n".join(sections)


def _unused_section(unused: list[Scripted], calls: list[Call[Any]]) -> str:
    lines = ["Scripted answers that were never used:"]
    lines += [f"  - {entry.describe()}" for entry in unused]
    fallbacks = [c for c in calls if c.answered_by == "simulator"]
    if fallbacks:
        lines.append("  Requests answered by the simulator instead, and why each script did not match:")
        for call in fallbacks[-5:]:
            lines.append(f"    {call.describe()}")
            for entry in unused:
                reasons = explain_mismatch(entry, call)
                lines.append(f"      {entry.origin}: {reasons}")
    elif not calls:
        lines.append("  No request reached the fake at all: does the code under test use OPENAI_BASE_URL?")
    return "\n".join(lines)


def explain_mismatch(entry: Scripted, call: Call[Any]) -> str:
    """Why a scripted answer did not apply to a call, in words."""
    if entry.operations is not None and call.operation not in entry.operations:
        return f"scripted for {', '.join(sorted(entry.operations))}, not {call.operation}"
    reasons = entry.match.mismatches(call.request)
    return "; ".join(reasons) or "it was already used up when this request came"
