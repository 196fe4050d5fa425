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


def test_a_catalog_version_row_is_written_once() -> None:
    """Items and bundles list their versions through one row (admin_catalog.js VersionRow):
    name and code, number and state, first day, and the new-version button."""
    source = (WEB / "counter" / "screens" / "admin_catalog.js").read_text(encoding="utf-8")
    assert source.count("${state(v)}") == 1
    assert source.count("t('admin.new_version')") == 1


def test_an_admin_tab_closes_its_form_and_reads_again_by_one_hook() -> None:
    """Units, staff, the catalog and the calendar close a form and read the tab again through
    admin_parts.js useEditing, not each with its own `done`."""
    by_hand = re.compile(r"set\w+\((?:null|false)\);\s*read\(\);")
    screens = WEB / "counter" / "screens"
    found = [p.name for p in sorted(screens.glob("admin*.js")) if by_hand.search(p.read_text())]
    assert found == ["admin_parts.js"]
