"""Row types of `store.proactive`: rules and their versions, offers, appeals and visits."""

from __future__ import annotations

from datetime import date, datetime

from doorstep.store.rows import Json, Row

# a rule version's condition, title and explanation, and an offer's evidence, as jsonb gives them
JsonObject = dict[str, Json]
Texts = dict[str, str]  # by language


class RuleRow(Row):
    """The current (or a listed) version of a rule, with its owning unit."""

    rule_id: int
    code: str
    current_version: int | None
    version: int
    kind: str
    category: str
    bundle_code: str | None
    owner_unit_id: int
    condition: JsonObject
    title: Texts
    explanation: Texts
    valid_days: int
    fact_keys: list[str]
    published_at: datetime
    owner_unit_code: str
    owner_unit_name: str
    owner_region_code: str


class RuleVersionRow(RuleRow):
    published_by: str | None


class RuleRefRow(Row):
    id: int
    code: str
    current_version: int | None


class DryRunRow(Row):
    matched: int
    gain: int
    lose: int
    keep: int


class UnnotifiedOfferRow(Row):
    """An open offer nobody was told of yet, with its rule's texts and the citizen's contact."""

    id: int
    citizen_id: int
    kind: str
    category: str
    evidence: JsonObject
    created_at: datetime
    expires_at: datetime
    rule_id: int
    rule_version: int
    title: Texts
    explanation: Texts
    owner_unit_id: int
    rule_code: str
    phone: str
    language: str
    region_code: str | None
    elder_mode: bool


class ActiveAgentRow(Row):
    id: int
    phone: str
    language: str
    themes: list[str]


class OfferRow(Row):
    """An offer as its citizen sees it: the rule version's texts, its appeal if any."""

    id: int
    citizen_id: int
    rule_id: int
    rule_version: int
    kind: str
    category: str
    evidence: JsonObject
    status: str
    status_reason: str | None
    created_at: datetime
    expires_at: datetime
    decided_at: datetime | None
    application_id: int | None
    rule_code: str
    title: Texts
    explanation: Texts
    bundle_code: str | None
    owner_unit_id: int
    valid_days: int
    owner_region_code: str
    owner_unit_name: str
    application_number: str | None
    appeal_id: int | None
    appeal_status: str | None
    appeal_note: str | None
    appeal_reason: str | None


class OfferByIdRow(OfferRow):
    past_expiry: bool


class OfferSnapshotRow(Row):
    """The offer's columns beside an appeal's or a visit's own."""

    evidence: JsonObject
    rule_version: int
    offer_created_at: datetime
    rule_code: str
    title: Texts
    explanation: Texts


class AppealRow(OfferSnapshotRow):
    id: int
    opportunity_id: int
    citizen_id: int
    unit_id: int
    reason: str
    status: str
    decision_note: str | None
    created_at: datetime
    decided_at: datetime | None
    unit_code: str
    unit_name: str
    unit_region_code: str
    citizen_name: str | None
    citizen_resident_id_masked: str | None


class CheckRow(OfferSnapshotRow):
    """A welfare check (a visit by the community) with whom to visit."""

    id: int
    opportunity_id: int
    citizen_id: int
    unit_id: int
    status: str
    due_on: date
    outcome: str | None
    note: str | None
    created_at: datetime
    done_at: datetime | None
    unit_code: str
    unit_name: str
    unit_region_code: str
    citizen_name: str | None
    citizen_phone: str
    citizen_region_code: str | None
