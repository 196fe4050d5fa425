"""The README's table of citizen journeys by channel names tests that prove each cell: every
file and test it names must exist, so a renamed or removed test cannot leave the table
claiming what nothing proves."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CITED = re.compile(r"`((?:integration|unit|e2e|browser)/[\w/]+\.py)(?:::(\w+))?`|`::(\w+)`")


def _section() -> str:
    readme = (ROOT / "README.md").read_text()
    start = readme.index("## Citizen journeys by channel")
    return readme[start : readme.index("\n## ", start + 1)]


def test_every_test_the_journey_table_names_exists() -> None:
    cited = 0
    last: str | None = None
    for match in CITED.finditer(_section()):
        path, test, continued = match.groups()
        last = path or last
        assert last is not None, match.group()
        source = ROOT / "tests" / last
        assert source.is_file(), last
        name = test or continued
        if name:
            assert re.search(rf"^(async )?def {name}\(", source.read_text(), re.M), (last, name)
        cited += 1
    assert cited > 40
