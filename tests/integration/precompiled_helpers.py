"""What the tests of the precompiled paths share: a spy on a path's `answer` that notes whether
it answered, and can make it decline every request so that strawberry answers, the reference."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import pytest


@dataclass
class Served:
    """One entry per request that reached the precompiled path: True when it answered; and in
    `inside`, one per list the executor's compiled fields were asked for, when watched. With
    `bypass` set, both decline every request: strawberry answers, the reference."""

    seen: list[bool] = field(default_factory=list)
    bypass: bool = False
    inside: list[bool] = field(default_factory=list)


def spy_on(
    monkeypatch: pytest.MonkeyPatch, path: ModuleType, inside: ModuleType | None = None
) -> Served:
    """`path.answer` watched (and, with `bypass`, declining) for the test's length, and
    `inside.answer` too (the executor's compiled list) when given."""
    served = Served()

    def watch(module: ModuleType, seen: list[bool]) -> None:
        real = module.answer

        async def spy(*args: Any, **kwargs: Any) -> Any:
            result = None if served.bypass else await real(*args, **kwargs)
            seen.append(result is not None)
            return result

        monkeypatch.setattr(module, "answer", spy)

    watch(path, served.seen)
    if inside is not None:
        watch(inside, served.inside)
    return served
