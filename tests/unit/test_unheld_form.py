"""An empty vault's form is made once per bundle object and handed out as a fresh list; a
bundle the catalog made anew gets its own; a vault that holds anything is never served it."""

from __future__ import annotations

from datetime import date

from doorstep.services.catalog import Bundle, Item, Material, Unit
from doorstep.services.vault import forms
from doorstep.services.vault.forms import Holdings


def _bundle() -> Bundle:
    unit = Unit(1, "cy-psb", "公安分局", "bureau", "110105", None)
    item = Item(
        1,
        "birth-registration",
        "出生户口登记",
        "",
        (Material("birth-certificate", "出生医学证明", True), Material("hukou", "户口簿", False)),
        30,
        5,
        unit,
    )
    return Bundle(1, "newborn", "新生儿出生一件事", "", False, (item,))


async def test_an_empty_vaults_form_is_made_once_per_bundle() -> None:
    bundle, empty, today = _bundle(), Holdings([], []), date(2026, 12, 7)
    first = await forms._material_states(None, empty, bundle, today)  # type: ignore[arg-type]
    second = await forms._material_states(None, empty, bundle, today)  # type: ignore[arg-type]
    assert first == second == forms._states(None, empty, bundle)
    assert [s.code for s in first] == ["birth-certificate", "hukou"]
    assert not any(s.held for s in first)
    assert first is not second  # each caller its own list
    assert all(a is b for a, b in zip(first, second, strict=True))  # made once
    anew = await forms._material_states(None, empty, _bundle(), today)  # type: ignore[arg-type]
    assert anew == first and anew[0] is not first[0]  # a new catalog's bundle: made again
