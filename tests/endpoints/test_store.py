"""Cursor pagination of stored resources, as the API's list endpoints do it."""

from __future__ import annotations

from typing import Any

from fakeopenai._errors import ApiError
from fakeopenai.endpoints._store import paginate

ROWS = [{"id": f"r{i}", "created_at": i} for i in range(10)]


def page(**query: str) -> dict[str, Any]:
    result = paginate(ROWS, query)
    assert not isinstance(result, ApiError)
    return result


def ids(result: dict[str, Any]) -> list[str]:
    return [row["id"] for row in result["data"]]


def test_newest_first_by_default_with_cursors() -> None:
    first = page(limit="3")
    assert ids(first) == ["r9", "r8", "r7"] and first["has_more"] is True
    assert (first["first_id"], first["last_id"]) == ("r9", "r7")
    second = page(limit="3", after="r7")
    assert ids(second) == ["r6", "r5", "r4"]
    last = page(limit="5", after="r4")
    assert ids(last) == ["r3", "r2", "r1", "r0"] and last["has_more"] is False


def test_ascending_and_before() -> None:
    assert ids(page(order="asc", limit="2")) == ["r0", "r1"]
    before = page(order="asc", limit="2", before="r5")
    assert ids(before) == ["r3", "r4"] and before["has_more"] is True
    assert page(order="asc", limit="9", before="r2")["has_more"] is False


def test_bad_limit_and_order_are_api_errors() -> None:
    for query, code in (
        ({"limit": "0"}, "integer_below_min_value"),
        ({"limit": "101"}, "integer_above_max_value"),
        ({"limit": "x"}, "invalid_type"),
        ({"order": "up"}, "invalid_value"),
    ):
        error = paginate(ROWS, query)
        assert isinstance(error, ApiError) and error.status == 400 and error.code == code


def test_empty_list() -> None:
    assert paginate([], {}) == {"object": "list", "data": [], "first_id": None, "last_id": None, "has_more": False}
