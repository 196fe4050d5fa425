"""What the tests of the precompiled paths share: a spy on a path's `answer` that notes whether
it answered, and can make it decline every request so that strawberry answers, the reference."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import pytest


@dataclass
class Served:
    """One entry per request that reached the precompiled path: True when it answered. With
    `bypass` set, the path declines every request: strawberry answers, the reference."""

    seen: list[bool] = field(default_factory=list)
    bypass: bool = False


def spy_on(monkeypatch: pytest.MonkeyPatch, path: ModuleType) -> Served:
    """`path.answer` watched (and, with `bypass`, declining) for the test's length."""
    served = Served()
    real = path.answer

    async def spy(*args: Any, **kwargs: Any) -> Any:
        result = None if served.bypass else await real(*args, **kwargs)
        served.seen.append(result is not None)
        return result

    monkeypatch.setattr(path, "answer", spy)
    return served
