"""One module per resource group; each public module declares its `ROUTES`."""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from ._route import Route


@cache
def all_routes() -> tuple[Route, ...]:
    """Every route the fake serves, gathered from the public modules of this package."""
    routes: list[Route] = []
    for module in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if not module.name.startswith("_"):
            routes += importlib.import_module(f"{__name__}.{module.name}").ROUTES
    return tuple(routes)


@cache
def operations(prefix: str) -> frozenset[str]:
    """The operations served whose names start with `prefix` (`"responses."`, …)."""
    return frozenset(route.operation for route in all_routes() if route.operation.startswith(prefix))


__all__ = ["Route", "all_routes", "operations"]
