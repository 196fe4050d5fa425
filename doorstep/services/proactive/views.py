"""What an offer looks like to its readers, explained in their language, and the evidence it
rests on."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from doorstep.domain.calendar import local_date
from doorstep.domain.rules import Category, RuleKind, render_explanation
from doorstep.domain.vault import FIELDS, FactType
from doorstep.i18n import translate
from doorstep.mirror import GIVEN, mirror
from doorstep.store import catalog as catalog_store
from doorstep.store.db import Queryable
from doorstep.store.proactive.rows import OfferRow, OfferSnapshotRow

MAX_REASON_CHARS = 500


# --- explaining offers -------------------------------------------------------------------------


def show_value(field: str, value: Any, language: str) -> str:
    """A fact value as a person reads it."""
    if value is None:
        return translate("offer_value.none", language)
    spec = FIELDS.get(field)
    if isinstance(value, bool):
        return translate("offer_value.yes" if value else "offer_value.no", language)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if spec is not None and spec.type is FactType.TEXT and spec.choices:
        return translate(f"fact_choice.{value}", language)
    return str(value)


def text_in(texts: dict[str, str], language: str) -> str:
    return texts.get(language) or texts.get("zh_Hans") or next(iter(texts.values()), "")


def explain(
    explanation: dict[str, str], evidence: dict[str, Any], found_at: datetime, language: str
) -> str:
    """The plain-language reason, from the rule version's template and the offer's values."""
    return render_explanation(
        text_in(explanation, language),
        evidence,
        local_date(found_at),
        lambda field, value: show_value(field, value, language),
    )


@dataclass(frozen=True)
class Evidence:
    field: str
    value: Any
    unit_code: str | None
    unit_name: str | None
    as_of: datetime | None


@dataclass(frozen=True)
class OfferSnapshot:
    """What an offer said when it was made: its rule, title, reason and evidence. An offer is
    one; an appeal or a welfare visit carries the offer's, for the staff deciding on it."""

    rule_code: str
    rule_version: int
    title: dict[str, str]
    explanation: dict[str, str]
    evidence: list[Evidence]
    raw_evidence: dict[str, Any]
    created_at: datetime

    def reason(self, language: str) -> str:
        return explain(self.explanation, self.raw_evidence, self.created_at, language)

    def title_in(self, language: str) -> str:
        return text_in(self.title, language)


@dataclass(frozen=True)
class OfferView(OfferSnapshot):
    id: int
    citizen_id: int
    kind: RuleKind
    category: Category
    status: str
    status_reason: str | None
    bundle_code: str | None
    owner_unit_name: str
    expires_at: datetime
    decided_at: datetime | None
    application_number: str | None
    appeal_status: str | None
    appeal_reason: str | None
    appeal_note: str | None


async def unit_names(
    db: Queryable, rows: Sequence[OfferRow | OfferSnapshotRow]
) -> dict[int, tuple[str, str]]:
    ids: set[int] = set()
    for r in rows:
        for entry in (r.evidence or {}).values():
            unit = entry.get("unit") if isinstance(entry, dict) else None
            if isinstance(unit, int):  # a unit's id, as the evaluation wrote it
                ids.add(unit)
    if not ids:
        return {}
    found = await catalog_store.units_by_ids(db, sorted(ids))
    return {u.id: (u.code, u.name) for u in found}


def evidence_of(raw: dict[str, Any], units: dict[int, tuple[str, str]]) -> list[Evidence]:
    out = []
    for name, entry in raw.items():
        entry = entry if isinstance(entry, dict) else {}
        unit = units.get(entry.get("unit") or 0)
        at = entry.get("at")
        out.append(
            Evidence(
                field=name,
                value=entry.get("v"),
                unit_code=unit[0] if unit else None,
                unit_name=unit[1] if unit else None,
                as_of=datetime.fromisoformat(at) if isinstance(at, str) else None,
            )
        )
    return out


# the evidence is given with the units it names (their names read beforehand)
_snapshot = mirror(
    OfferSnapshot,
    OfferSnapshotRow,
    evidence=GIVEN,
    raw_evidence=lambda r: r.evidence,
    created_at="offer_created_at",
)
_offer = mirror(OfferView, OfferRow, evidence=GIVEN, raw_evidence=lambda r: r.evidence)


def snapshot_of(row: OfferSnapshotRow, units: dict[int, tuple[str, str]]) -> OfferSnapshot:
    """From a row of an appeal or a visit, with the offer's columns beside its own."""
    return _snapshot(row, evidence=evidence_of(row.evidence, units))


def offer_of(row: OfferRow, units: dict[int, tuple[str, str]]) -> OfferView:
    return _offer(row, evidence=evidence_of(row.evidence, units))
