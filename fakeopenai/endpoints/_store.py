"""Stored resources (files, batches, threads, …): a thread-safe table per kind, and list pagination."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from .._app.state import State
from .._errors import ApiError

Resource = dict[str, Any]


class Table:
    """The resources of one kind, by id, in creation order."""

    def __init__(self) -> None:
        self._rows: dict[str, Resource] = {}
        self.lock = threading.RLock()

    def put(self, resource: Resource) -> Resource:
        """Insert or replace a resource (keyed by its `id`)."""
        with self.lock:
            self._rows[resource["id"]] = resource
        return resource

    def get(self, resource_id: str) -> Resource | None:
        """The resource with this id, or None."""
        with self.lock:
            return self._rows.get(resource_id)

    def pop(self, resource_id: str) -> Resource | None:
        """Remove and return the resource with this id, or None."""
        with self.lock:
            return self._rows.pop(resource_id, None)

    def rows(self, where: Callable[[Resource], bool] | None = None) -> list[Resource]:
        """A snapshot of the resources, oldest first, optionally filtered."""
        with self.lock:
            rows = list(self._rows.values())
        return rows if where is None else [r for r in rows if where(r)]

    @contextmanager
    def editing(self, resource_id: str) -> Iterator[Resource | None]:
        """Hold the table's lock while a resource is read and changed."""
        with self.lock:
            yield self._rows.get(resource_id)

    def __len__(self) -> int:
        with self.lock:
            return len(self._rows)


_TABLES_LOCK = threading.Lock()


def table(state: State, kind: str) -> Table:
    """The table of `kind` in this server's state, created on first use (and gone after a reset)."""
    key = f"table:{kind}"
    with _TABLES_LOCK:
        found = state.resources.get(key)
        if found is None:
            found = state.resources[key] = Table()
    return found


def not_found(message: str, param: str | None = None) -> ApiError:
    """The API's 404 for an unknown id."""
    return ApiError(404, message, param=param)


def paginate(
    rows: list[Resource],
    query: Mapping[str, str],
    *,
    default_limit: int = 20,
    max_limit: int = 100,
    default_order: str = "desc",
    order_key: str = "created_at",
) -> dict[str, Any] | ApiError:
    """A cursor-paginated `list` object, as the API's list endpoints return (`after`, `before`, `limit`, `order`)."""
    try:
        limit = int(query.get("limit", default_limit))
    except ValueError:
        return ApiError(
            400,
            "Invalid type for 'limit': expected an integer, but got a string instead.",
            param="limit",
            code="invalid_type",
        )
    if not 1 <= limit <= max_limit:
        return ApiError(
            400,
            f"Invalid 'limit': integer {'below minimum' if limit < 1 else 'above maximum'} value. "
            f"Expected a value {'>= 1' if limit < 1 else f'<= {max_limit}'}, but got {limit} instead.",
            param="limit",
            code="integer_below_min_value" if limit < 1 else "integer_above_max_value",
        )
    order = query.get("order", default_order)
    if order not in ("asc", "desc"):
        return ApiError(
            400,
            f"Invalid value: '{order}'. Supported values are: 'asc' and 'desc'.",
            param="order",
            code="invalid_value",
        )
    ordered = sorted(enumerate(rows), key=lambda pair: (pair[1].get(order_key, 0), pair[0]), reverse=order == "desc")
    items = [row for _, row in ordered]
    ids = [row["id"] for row in items]
    start, end = 0, len(items)
    if query.get("after") in ids:
        start = ids.index(query["after"]) + 1
    if query.get("before") in ids:
        end = ids.index(query["before"])
    if "before" in query and "after" not in query:
        page = items[max(start, end - limit) : end]
        has_more = end - limit > start
    else:
        page = items[start:end][:limit]
        has_more = start + len(page) < end
    return {
        "object": "list",
        "data": page,
        "first_id": page[0]["id"] if page else None,
        "last_id": page[-1]["id"] if page else None,
        "has_more": has_more,
    }
