"""A control of the apps that sends one change and then hands over to its screen does it through
`useAction` (shared/busy.js), not by writing `run(async () => { await gql(...); onDone(); })`
again: one place says what happens between the tap and the screen reading again."""

from __future__ import annotations

import re
from pathlib import Path

WEB = Path(__file__).resolve().parents[2] / "doorstep" / "web"
HAND_WRITTEN = re.compile(r"run\(async \(\) => \{\s*await gql\([^;]*\);\s*onDone\(\);\s*\}\)")


def test_one_change_then_done_goes_through_use_action() -> None:
    found = [
        f"{path.relative_to(WEB)}"
        for path in sorted(WEB.rglob("*.js"))
        if "vendor" not in path.parts and HAND_WRITTEN.search(path.read_text(encoding="utf-8"))
    ]
    assert found == []
