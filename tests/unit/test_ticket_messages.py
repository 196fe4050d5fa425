"""Every ticket message a reader can be shown exists in the three catalogs and renders with the
parameters the code gives it. (The catalog extractor finds errors, SMS templates and labels;
ticket timeline events and dispatch explanations are found here.)"""

from __future__ import annotations

import ast
import itertools
from pathlib import Path
from typing import Any

import pytest

from doorstep.domain.dispatch import Basis
from doorstep.domain.dispatch_checks import WARNING_CODES
from doorstep.graphql.tickets.types import _EVENT_PARAMS, explanation
from doorstep.i18n import LANGUAGES, _catalog, translate
from doorstep.services import ticket_clock

ROOT = Path(__file__).resolve().parents[2] / "doorstep"
TICKET_MODULES = [
    *sorted((ROOT / "services" / "tickets").glob("*.py")),
    ROOT / "services" / "ticket_clock.py",
]


def _event_kinds() -> set[str]:
    """Literal kinds given to `record_event(conn, row, "<kind>", ...)` and
    `append_event(kind=...)`."""
    kinds: set[str] = set()
    for path in TICKET_MODULES:
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "attr", getattr(node.func, "id", None))
            if (
                name == "record_event"
                and len(node.args) >= 3
                and isinstance(node.args[2], ast.Constant)
            ):
                kinds.add(str(node.args[2].value))
            if name == "append_event":
                for keyword in node.keywords:
                    if keyword.arg == "kind" and isinstance(keyword.value, ast.Constant):
                        kinds.add(str(keyword.value.value))
    kinds |= {kind for kind, _template, _who in ticket_clock._ALERTS.values()}
    return kinds


def test_the_event_kinds_are_found() -> None:
    kinds = _event_kinds()
    assert {
        "ticket.submitted",
        "ticket.dispatched",
        "ticket.resolved",
        "ticket.reopened",
        "ticket.closed_unconfirmed",
        "ticket.handle_overdue",
    } <= kinds
    assert len(kinds) >= 20


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_ticket_event_has_a_title(language: str) -> None:
    messages = _catalog(language)
    params: dict[str, Any] = {name: "x" for name in _EVENT_PARAMS if name != "from"}
    params["from_unit"] = "x"
    kinds = sorted(_event_kinds())
    assert kinds, "no ticket event found in the code"
    for kind in kinds:
        assert (None, f"event.{kind}") in messages, (language, kind)
        assert "{" not in translate(f"event.{kind}", language, **params), (language, kind)


@pytest.mark.parametrize(
    ("language", "key"),
    list(
        itertools.product(
            LANGUAGES,
            [
                *(f"dispatch.reason.{b.value}" for b in Basis),
                "dispatch.reason.supervisor",
                "dispatch.reason.return_limit",
            ],
        )
    ),
)
def test_every_dispatch_explanation_renders(language: str, key: str) -> None:
    assert (None, key) in _catalog(language)
    text = explanation(key, {"category": "噪音", "unit": "某单位"}, language, False)
    assert "{" not in text and "某单位" in text


@pytest.mark.parametrize("language", LANGUAGES)
def test_rule_warnings_render(language: str) -> None:
    for code in WARNING_CODES:
        text = translate(
            f"dispatch_warning.{code}",
            language,
            rule="7",
            by="1, 2",
            prefixes="110199",
            categories="old",
            regions="110105",
        )
        assert "{" not in text and "7" in text, (language, code)


def test_citizen_texts_have_plain_variants_for_keypad_phones() -> None:
    for template in (
        "sms.ticket_received",
        "sms.ticket_extended",
        "sms.ticket_follow_up",
        "sms.ticket_follow_up_again",
    ):
        plain = template.replace("sms.", "sms.plain.", 1)
        for language in LANGUAGES:
            text = translate(
                plain,
                language,
                number="2000000017",
                unit="永安里社区",
                due="12-31",
                reason="已处理",
                phone="12345",
            )
            assert "2000000017" in text and "12345" in text, (plain, language)
    # the follow-up asks for 1 or 2, in every language
    for language in LANGUAGES:
        text = translate("sms.ticket_follow_up", language, number="2000000017", reason="x")
        assert "1" in text.replace("2000000017", "") and "2" in text.replace("2000000017", "")
