"""One module per resource group; each declares its `ROUTES`."""

from __future__ import annotations

from . import chat
from ._route import Route


def all_routes() -> list[Route]:
    """Every route the fake serves."""
    return [*chat.ROUTES]


__all__ = ["Route", "all_routes"]
