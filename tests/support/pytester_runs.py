"""pytest run inside pytest (`pytester`), lean."""

from __future__ import annotations

import pytest

_UNNEEDED_PLUGINS = ("asyncio", "cacheprovider", "randomly", "xdist", "hypothesispytest", "anyio")


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    """Run pytest in this process, without the plugins these runs do not need (each would be imported afresh)."""
    disabled = [arg for name in _UNNEEDED_PLUGINS for arg in ("-p", f"no:{name}")]
    return pytester.runpytest_inprocess(*disabled, *args)
