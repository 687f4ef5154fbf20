"""How an answer travels: latency, pacing, and the ways a real connection misbehaves."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from .incoming import DropConnection

MALFORMED_EVENT = b'data: {"id": "chatcmpl-broken", "choices": [\n\n'
"""An event whose JSON is cut short, as a broken proxy or upstream might send."""


@dataclass(frozen=True)
class Delivery:
    """Latency, pacing and faults applied to one answer on the wire."""

    delay: float = 0.0
    """Seconds before the first byte (headers included)."""
    event_delay: float = 0.0
    """Seconds between two stream events."""
    cut_after: int | None = None
    """Drop the connection after this many stream events: no `[DONE]`, no clean end."""
    stall_after: int | None = None
    """Stop sending after this many stream events, holding the connection open until `stall_for` passes."""
    stall_for: float = 60.0
    """How long a stall lasts before the connection drops (it also ends when the fake is reset)."""
    malformed_after: int | None = None
    """Send an event that is not valid JSON after this many stream events."""
    drop: bool = False
    """Close the connection without answering at all."""
    bytes_per_second: int | None = None
    """Send a non-streamed body this slowly."""

    def wrap(self, body: Iterable[bytes], *, streaming: bool, wake: threading.Event) -> Iterator[bytes]:
        """The body as this delivery sends it; `wake` ends waits early (on reset)."""
        if self.delay:
            wake.wait(self.delay)
        if self.drop:
            raise DropConnection
        if streaming:
            yield from self._events(body, wake)
        elif self.bytes_per_second:
            yield from self._slowly(b"".join(body), self.bytes_per_second, wake)
        else:
            yield from body

    def _events(self, events: Iterable[bytes], wake: threading.Event) -> Iterator[bytes]:
        # The next event is drawn only once it will be sent: drawing it logs it in the call's response.
        pending = iter(events)
        sent = 0
        while True:
            if sent == self.cut_after:
                raise DropConnection
            if sent == self.stall_after:
                wake.wait(self.stall_for)
                raise DropConnection
            event = next(pending, None)
            if event is None:
                return
            if sent == self.malformed_after:
                yield MALFORMED_EVENT
            if sent and self.event_delay:
                wake.wait(self.event_delay)
            yield event
            sent += 1

    @staticmethod
    def _slowly(content: bytes, rate: int, wake: threading.Event) -> Iterator[bytes]:
        piece = max(1, rate // 20)
        for start in range(0, len(content), piece):
            if start:
                wake.wait(piece / rate)
            yield content[start : start + piece]
