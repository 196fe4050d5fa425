"""Services that find people (服务找人): rules as versioned data, evaluated set-based in SQL;
offers that explain themselves and can be accepted, dismissed or appealed; welfare visits.

- The rules cron (`evaluate_all`) runs every published rule over all citizens in one SQL
  statement per rule (no per-citizen loop), creating each offer once.
- `notify_new_offers` reaches the citizen (and an agent whose delegation covers the offer)
  through the notification outbox with the plain-language reason; a welfare-check finding
  becomes a visit for the citizen's community unit instead.
- Accepting is one step: a pre-filled application through `applications.submit_application`,
  in the same transaction as the offer's change.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import asyncpg

from doorstep.domain.calendar import SHANGHAI, local_date
from doorstep.domain.delegation import Theme, covers, moves_money, theme_of_bundle
from doorstep.domain.errors import Conflict, InvalidInput, NotFound
from doorstep.domain.policy import Actor, Operation, Role, Target, authorize
from doorstep.domain.rules import (
    OPT_OUT_CATEGORIES,
    WELFARE_OUTCOMES,
    Category,
    RuleDefinition,
    RuleInvalid,
    RuleKind,
    parse_rule,
    render_explanation,
    to_json,
)
from doorstep.domain.vault import FIELDS, FactType
from doorstep.i18n import translate
from doorstep.services import applications, citizen_sms, notifications
from doorstep.services.deps import Deps
from doorstep.store import applications as app_store
from doorstep.store import catalog as catalog_store
from doorstep.store import events
from doorstep.store import proactive as store
from doorstep.store import vault as vault_store
from doorstep.store.db import Connection, transaction

log = logging.getLogger(__name__)

MAX_REASON_CHARS = 500
NOTIFY_BATCH = 200
# rules evaluated side by side (the worker's pool holds 5 connections; 2 cores here)
EVALUATION_CONCURRENCY = 2
WELFARE_DUE_DAYS = 1  # a visit is due the next day (same day is not always possible)


def today_local() -> date:
    return local_date(datetime.now().astimezone())


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


def _text(texts: dict[str, str], language: str) -> str:
    return texts.get(language) or texts.get("zh_Hans") or next(iter(texts.values()), "")


def explain(
    explanation: dict[str, str], evidence: dict[str, Any], found_at: datetime, language: str
) -> str:
    """The plain-language reason, from the rule version's template and the offer's values."""
    return render_explanation(
        _text(explanation, language),
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
class OfferView:
    id: int
    citizen_id: int
    rule_code: str
    rule_version: int
    kind: RuleKind
    category: Category
    title: dict[str, str]
    explanation: dict[str, str]
    evidence: list[Evidence]
    raw_evidence: dict[str, Any]
    status: str
    status_reason: str | None
    bundle_code: str | None
    owner_unit_name: str
    created_at: datetime
    expires_at: datetime
    decided_at: datetime | None
    application_number: str | None
    appeal_status: str | None
    appeal_reason: str | None
    appeal_note: str | None

    def reason(self, language: str) -> str:
        return explain(self.explanation, self.raw_evidence, self.created_at, language)

    def title_in(self, language: str) -> str:
        return _text(self.title, language)


async def _unit_names(db: Any, rows: list[Any]) -> dict[int, tuple[str, str]]:
    ids = {
        entry["unit"]
        for r in rows
        for entry in (r["evidence"] or {}).values()
        if isinstance(entry, dict) and entry.get("unit") is not None
    }
    if not ids:
        return {}
    found = await catalog_store.units_by_ids(db, sorted(ids))
    return {u.id: (u.code, u.name) for u in found}


def _evidence(raw: dict[str, Any], units: dict[int, tuple[str, str]]) -> list[Evidence]:
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


def _offer(row: Any, units: dict[int, tuple[str, str]]) -> OfferView:
    return OfferView(
        id=row["id"],
        citizen_id=row["citizen_id"],
        rule_code=row["rule_code"],
        rule_version=row["rule_version"],
        kind=RuleKind(row["kind"]),
        category=Category(row["category"]),
        title=row["title"],
        explanation=row["explanation"],
        evidence=_evidence(row["evidence"], units),
        raw_evidence=row["evidence"],
        status=row["status"],
        status_reason=row["status_reason"],
        bundle_code=row["bundle_code"],
        owner_unit_name=row["owner_unit_name"],
        created_at=row["created_at"],
        expires_at=row["expires_at"],
        decided_at=row["decided_at"],
        application_number=row["application_number"],
        appeal_status=row["appeal_status"],
        appeal_reason=row["appeal_reason"],
        appeal_note=row["appeal_note"],
    )


# --- rules: read, dry-run, publish ------------------------------------------------------------


@dataclass(frozen=True)
class RuleVersionView:
    code: str
    version: int
    kind: RuleKind
    category: Category
    bundle_code: str | None
    owner_unit_code: str
    owner_unit_name: str
    condition: dict[str, Any]
    title: dict[str, str]
    explanation: dict[str, str]
    valid_days: int
    fact_keys: list[str]
    published_at: datetime
    published_by: str | None
    current: bool


def _version(row: Any) -> RuleVersionView:
    return RuleVersionView(
        code=row["code"],
        version=row["version"],
        kind=RuleKind(row["kind"]),
        category=Category(row["category"]),
        bundle_code=row["bundle_code"],
        owner_unit_code=row["owner_unit_code"],
        owner_unit_name=row["owner_unit_name"],
        condition=row["condition"],
        title=row["title"],
        explanation=row["explanation"],
        valid_days=row["valid_days"],
        fact_keys=list(row["fact_keys"]),
        published_at=row["published_at"],
        published_by=row["published_by"] if "published_by" in row.keys() else None,
        current=row["current_version"] == row["version"],
    )


async def list_rules(deps: Deps, actor: Actor) -> list[RuleVersionView]:
    """Every rule with all its versions, newest first."""
    authorize(actor, Operation.RULE_READ)
    async with deps.pool.acquire() as conn:
        rules = await store.all_rules(conn)
        rows = await store.rule_versions(conn, [r["id"] for r in rules])
    return [_version(r) for r in rows]


@dataclass(frozen=True)
class Checked:
    rule: RuleDefinition
    owner: asyncpg.Record
    record: dict[str, Any]  # shaped like a store.published_rules row, for the SQL builders


async def _check(deps: Deps, conn: Connection, raw: dict[str, Any]) -> Checked:
    """Parse and check a rule against the catalogue: RuleInvalid with the reason."""
    rule = parse_rule(raw)
    owner = await vault_store.unit_by_code(conn, rule.owner_unit_code)
    if owner is None:
        raise RuleInvalid("rule.owner_unknown", path="owner_unit_code", unit=rule.owner_unit_code)
    if (
        rule.bundle_code is not None
        and await catalog_store.bundle_by_code(conn, rule.bundle_code) is None
    ):
        raise RuleInvalid("rule.bundle_unknown", path="bundle_code", bundle=rule.bundle_code)
    record = {
        "condition": to_json(rule.condition),
        "owner_region_code": owner["region_code"],
        "category": rule.category.value,
    }
    return Checked(rule, owner, record)


@dataclass(frozen=True)
class DryRun:
    code: str
    matched: int
    gain: int
    lose: int
    keep: int
    current_version: int | None


async def dry_run_rule(deps: Deps, actor: Actor, raw: dict[str, Any]) -> DryRun:
    """How many people a rule change would newly offer (gain) and whose open offer would lapse
    (lose), before it is published. Counts only: no personal data leaves."""
    async with transaction(deps.pool) as conn:
        checked = await _check(deps, conn, raw)
        authorize(
            actor,
            Operation.RULE_DRY_RUN,
            Target.unit(checked.owner["id"], checked.owner["region_code"]),
        )
        current = await store.rule_by_code(conn, checked.rule.code)
        await _tune(conn)
        row = await store.dry_run(
            conn, checked.record, current["rule_id"] if current else None, today_local()
        )
    return DryRun(
        checked.rule.code,
        row["matched"],
        row["gain"],
        row["lose"],
        row["keep"],
        current["version"] if current else None,
    )


async def publish_rule(deps: Deps, actor: Actor, raw: dict[str, Any]) -> RuleVersionView:
    """A new version of a rule (or a new rule), in force from now: the next evaluation uses
    it. Offers made by earlier versions keep the version that made them."""
    async with transaction(deps.pool) as conn:
        checked = await _check(deps, conn, raw)
        rule = checked.rule
        authorize(
            actor,
            Operation.RULE_PUBLISH,
            Target.unit(checked.owner["id"], checked.owner["region_code"]),
        )
        locked = await store.lock_rule(conn, rule.code)
        assert locked is not None
        version = await store.next_version(conn, locked["id"])
        await store.insert_version(
            conn,
            rule_id=locked["id"],
            version=version,
            rule=rule,
            condition=to_json(rule.condition),
            owner_unit_id=checked.owner["id"],
            staff_id=actor.staff_id,
        )
        await events.append(
            conn,
            kind="rule.published",
            actor_kind="staff",
            actor_id=actor.staff_id,
            data={"code": rule.code, "version": version},
        )
        rows = await store.rule_versions(conn, [locked["id"]])
    return next(_version(r) for r in rows if r["version"] == version)


# --- evaluation (the rules cron) ---------------------------------------------------------------


@dataclass(frozen=True)
class RuleRun:
    code: str
    version: int
    created: int
    lapsed: int
    seconds: float


@dataclass(frozen=True)
class Evaluation:
    rules: list[RuleRun]
    expired: int
    seconds: float

    @property
    def created(self) -> int:
        return sum(r.created for r in self.rules)


async def _tune(conn: Connection) -> None:
    """Big set-based statements: room to hash a million rows in memory, and a plan made for
    the actual parameters (a cached generic plan could not use the evaluation date)."""
    await conn.execute("set local work_mem = '64MB'")
    await conn.execute("set local plan_cache_mode = force_custom_plan")


async def evaluate_all(
    deps: Deps, as_of: date | None = None, *, concurrency: int = EVALUATION_CONCURRENCY
) -> Evaluation:
    """Every published rule over every citizen, one transaction per rule, `concurrency`
    rules at a time (PostgreSQL runs an INSERT ... SELECT on one core; rules touch disjoint
    offers, so they may run side by side). Offers are made once (the partial unique index
    holds across concurrent runs); open offers the rule no longer finds lapse; unanswered
    offers past their date expire."""
    day = as_of or today_local()
    started = time.perf_counter()
    rules = await store.published_rules(deps.pool)
    gate = asyncio.Semaphore(max(1, concurrency))

    async def run(rule: asyncpg.Record) -> RuleRun:
        async with gate:
            began = time.perf_counter()
            async with transaction(deps.pool) as conn:
                await _tune(conn)
                lapsed = await store.lapse_offers(conn, rule, day)
                created = await store.insert_offers(conn, rule, day)
            return RuleRun(
                rule["code"], rule["version"], created, lapsed, time.perf_counter() - began
            )

    runs = list(await asyncio.gather(*(run(rule) for rule in rules)))
    async with transaction(deps.pool) as conn:
        expired = await store.expire_offers(conn)
    return Evaluation(runs, expired, time.perf_counter() - started)


async def run_rules_now(deps: Deps, actor: Actor) -> Evaluation:
    """An administrator runs the rules now (the cron does it every few minutes)."""
    authorize(actor, Operation.RULES_RUN)
    result = await evaluate_all(deps)
    await notify_new_offers(deps)
    return result


# --- reaching people ---------------------------------------------------------------------------


async def notify_new_offers(deps: Deps, *, batch: int = NOTIFY_BATCH, max_batches: int = 25) -> int:
    """Tell people of new offers, a batch per transaction (SKIP LOCKED lets several workers
    share a backlog). Returns how many offers were handled."""
    handled = 0
    for _ in range(max_batches):
        async with transaction(deps.pool) as conn:
            rows = await store.claim_unnotified(conn, batch)
            outbox_ids: list[int] = []
            for row in rows:
                outbox_ids += await _reach(deps, conn, row)
            ids = [r["id"] for r in rows]
            await store.record_offer_uses(conn, ids)
            await store.mark_notified(conn, ids)
        await deps.after_commit(outbox_ids)
        handled += len(rows)
        if len(rows) < batch:
            break
    return handled


async def _reach(deps: Deps, conn: Connection, row: Any) -> list[int]:
    if row["kind"] == RuleKind.WELFARE_CHECK:
        return await _assign_visit(conn, row)
    contact = await app_store.citizen_contact(conn, row["citizen_id"])
    assert contact is not None
    template = "sms.offer" if row["kind"] == RuleKind.OFFER else "sms.risk_alert"
    owner_phone = await conn.fetchval("select phone from units where id = $1", row["owner_unit_id"])
    params = {
        "item": _text(row["title"], contact["language"]),
        "reason": explain(
            row["explanation"], row["evidence"], row["created_at"], contact["language"]
        ),
    }
    ids = [
        await citizen_sms.queue(
            conn,
            contact,
            kind=f"offer.{row['kind']}",
            template=template,
            params=params,
            call_phone=owner_phone or deps.settings.support_phone,
        )
    ]
    await events.append(
        conn,
        kind="offer.created",
        actor_kind="system",
        actor_id=None,
        citizen_id=row["citizen_id"],
        data={"offer": row["id"], "rule": row["rule_code"], "version": row["rule_version"]},
    )
    bundle = await conn.fetchval(
        "select bundle_code from offer_rule_versions where rule_id = $1 and version = $2",
        row["rule_id"],
        row["rule_version"],
    )
    for agent in await store.active_agents(conn, row["citizen_id"]):
        if covers({Theme(t) for t in agent["themes"]}, theme_of_bundle(bundle or "")):
            ids.append(
                await notifications.queue(
                    conn,
                    citizen_id=agent["id"],
                    phone=agent["phone"],
                    kind="offer.for_principal",
                    template="sms.offer_for_principal",
                    params={"item": _text(row["title"], agent["language"])},
                    language=agent["language"],
                )
            )
    return ids


async def _assign_visit(conn: Connection, row: Any) -> list[int]:
    unit_id = await store.community_unit_for(conn, row["region_code"], row["owner_unit_id"])
    due = today_local() + timedelta(days=WELFARE_DUE_DAYS)
    check_id = await store.insert_welfare_check(
        conn, opportunity_id=row["id"], citizen_id=row["citizen_id"], unit_id=unit_id, due_on=due
    )
    if check_id is None:
        return []
    await vault_store.record_use(
        conn,
        citizen_id=row["citizen_id"],
        unit_id=unit_id,
        purpose="welfare_check",
        items=[{"kind": "fact", "key": k} for k in row["evidence"] if not FIELDS[k].virtual],
        opportunity_id=row["id"],
    )
    await events.append(
        conn,
        kind="welfare_check.assigned",
        actor_kind="system",
        actor_id=None,
        citizen_id=row["citizen_id"],
        data={"check": check_id, "rule": row["rule_code"], "unit": unit_id},
    )
    reason = explain(row["explanation"], row["evidence"], row["created_at"], "zh_Hans")
    return [
        await notifications.queue(
            conn,
            citizen_id=None,
            phone=phone,
            kind="welfare_check.assigned",
            template="sms.welfare_check",
            params={"reason": reason, "due": due.strftime("%m-%d")},
            language="zh_Hans",
            urgent=True,
        )
        for phone in await vault_store.unit_staff_phones(conn, unit_id)
    ]


# --- the citizen's side ------------------------------------------------------------------------


async def my_offers(
    deps: Deps, actor: Actor, statuses: list[str] | None = None, limit: int = 50
) -> list[OfferView]:
    citizen_id = actor.subject_citizen_id
    authorize(actor, Operation.OFFER_LIST, Target(citizen_id=citizen_id))
    assert citizen_id is not None
    async with deps.pool.acquire() as conn:
        rows = await store.offers_of(conn, citizen_id, statuses, max(1, min(limit, 100)))
        if actor.role is Role.AGENT and actor.grant is not None:
            themes = actor.grant.themes
            rows = [r for r in rows if covers(themes, theme_of_bundle(r["bundle_code"] or ""))]
            if rows and actor.agent_citizen_id is not None:
                await app_store.record_personal_data_read(
                    conn,
                    citizen_id=citizen_id,
                    reader_kind="agent",
                    reader_id=actor.agent_citizen_id,
                    what="offers",
                    purpose="offers for principal",
                )
        units = await _unit_names(conn, rows)
    return [_offer(r, units) for r in rows]


def offer_target(row: Any) -> Target:
    """What responding to an offer touches, for the policy: the citizen and its bundle."""
    bundle = row["bundle_code"] or ""
    return Target(
        citizen_id=row["citizen_id"], theme=theme_of_bundle(bundle), moves_money=moves_money(bundle)
    )


async def load_offer(db: Any, offer_id: int) -> Any:
    """An offer a citizen may respond to (not a welfare visit), not yet authorized."""
    row = await store.offer_by_id(db, offer_id)
    if row is None or row["kind"] == RuleKind.WELFARE_CHECK:
        raise NotFound("offer.not_found")
    return row


async def _load_for(deps: Deps, actor: Actor, offer_id: int) -> Any:
    row = await load_offer(deps.pool, offer_id)
    authorize(actor, Operation.OFFER_RESPOND, offer_target(row))
    return row


def must_be_open(row: Any) -> None:
    if row["status"] == "expired" or (row["status"] == "open" and row["past_expiry"]):
        raise Conflict("offer.expired")
    if row["status"] != "open":
        raise Conflict("offer.not_open", status=row["status"])


async def reload_offer(deps: Deps, offer_id: int) -> OfferView:
    async with deps.pool.acquire() as conn:
        row = await store.offer_by_id(conn, offer_id)
        assert row is not None
        units = await _unit_names(conn, [row])
    return _offer(row, units)


def acceptance(row: Any, actor: Actor) -> tuple[applications.SubmitInput, applications.OnSubmitted]:
    """Accepting an offer: the pre-filled form, and what marks the offer accepted inside the
    submission's transaction (refused there when it is no longer open)."""
    offer_id = row["id"]

    async def mark(conn: Connection, application_id: int) -> None:
        locked = await store.offer_by_id(conn, offer_id, lock=True)
        assert locked is not None
        must_be_open(locked)
        await store.set_offer_status(conn, offer_id, "accepted", application_id=application_id)
        await events.append(
            conn,
            kind="offer.accepted",
            actor_kind="citizen",
            actor_id=actor.agent_citizen_id or actor.citizen_id,
            citizen_id=row["citizen_id"],
            data={"offer": offer_id, "rule": row["rule_code"], "version": row["rule_version"]},
        )

    data = applications.SubmitInput(
        bundle_code=row["bundle_code"],
        form={"offer": {"id": offer_id, "rule": row["rule_code"], "version": row["rule_version"]}},
    )
    return data, mark


async def accept_offer(
    deps: Deps, actor: Actor, offer_id: int
) -> tuple[OfferView, applications.ApplicationView]:
    """Accept in one step: the application for the offer's bundle, pre-filled from the vault,
    and the offer marked accepted, in one transaction (either both or neither). An agent's
    acceptance of an offer that moves money goes through services.confirmations instead."""
    row = await _load_for(deps, actor, offer_id)
    must_be_open(row)
    data, mark = acceptance(row, actor)
    view = await applications.submit_application(deps, actor, data, on_submitted=mark)
    return await reload_offer(deps, offer_id), view


async def dismiss_offer(deps: Deps, actor: Actor, offer_id: int) -> OfferView:
    """Not interested: the rule will not offer it again."""
    await _load_for(deps, actor, offer_id)
    async with transaction(deps.pool) as conn:
        row = await store.offer_by_id(conn, offer_id, lock=True)
        assert row is not None
        if row["status"] != "open":
            raise Conflict("offer.not_open", status=row["status"])
        await store.set_offer_status(conn, offer_id, "dismissed", reason="citizen")
        await events.append(
            conn,
            kind="offer.dismissed",
            actor_kind="citizen",
            actor_id=actor.agent_citizen_id or actor.citizen_id,
            citizen_id=row["citizen_id"],
            data={"offer": offer_id, "rule": row["rule_code"]},
        )
    return await reload_offer(deps, offer_id)


async def appeal_offer(deps: Deps, actor: Actor, offer_id: int, reason: str) -> OfferView:
    """ "This is not right": a person at the rule's unit reviews the offer and its data."""
    text = " ".join(reason.split())
    if not text or len(text) > MAX_REASON_CHARS:
        raise InvalidInput("offer.reason_invalid", limit=MAX_REASON_CHARS)
    await _load_for(deps, actor, offer_id)
    async with transaction(deps.pool) as conn:
        row = await store.offer_by_id(conn, offer_id, lock=True)
        assert row is not None
        if row["status"] != "open":
            raise Conflict("offer.not_open", status=row["status"])
        await store.set_offer_status(conn, offer_id, "appealed", reason="citizen")
        appeal_id = await store.insert_appeal(
            conn,
            opportunity_id=offer_id,
            citizen_id=row["citizen_id"],
            unit_id=row["owner_unit_id"],
            reason=text,
        )
        await events.append(
            conn,
            kind="offer.appealed",
            actor_kind="citizen",
            actor_id=actor.agent_citizen_id or actor.citizen_id,
            citizen_id=row["citizen_id"],
            data={"offer": offer_id, "appeal": appeal_id, "rule": row["rule_code"]},
        )
        outbox_ids = [
            await notifications.queue(
                conn,
                citizen_id=None,
                phone=phone,
                kind="offer.appeal_received",
                template="sms.appeal_received",
                params={"item": _text(row["title"], "zh_Hans")},
                language="zh_Hans",
            )
            for phone in await vault_store.unit_staff_phones(conn, row["owner_unit_id"])
        ]
    await deps.after_commit(outbox_ids)
    return await reload_offer(deps, offer_id)


@dataclass(frozen=True)
class CategoryChoice:
    category: Category
    opted_out: bool
    may_opt_out: bool


async def offer_categories(deps: Deps, actor: Actor) -> list[CategoryChoice]:
    authorize(actor, Operation.OFFER_LIST, Target(citizen_id=actor.citizen_id))
    assert actor.citizen_id is not None
    chosen = set(await store.opt_outs(deps.pool, actor.citizen_id))
    return [CategoryChoice(c, c.value in chosen, c in OPT_OUT_CATEGORIES) for c in Category]


async def set_opt_out(
    deps: Deps, actor: Actor, category: str, opted_out: bool
) -> list[CategoryChoice]:
    """Stop (or resume) offers of a category; stopping closes its open offers."""
    authorize(actor, Operation.OFFER_OPT_OUT, Target(citizen_id=actor.citizen_id))
    assert actor.citizen_id is not None
    try:
        chosen = Category(category)
    except ValueError:
        raise InvalidInput("offer.category_unknown", category=category[:40]) from None
    if chosen not in OPT_OUT_CATEGORIES:
        raise InvalidInput("offer.category_required", category=chosen.value)
    async with transaction(deps.pool) as conn:
        closed = await store.set_opt_out(conn, actor.citizen_id, chosen.value, opted_out)
        await events.append(
            conn,
            kind="offer.opt_out" if opted_out else "offer.opt_in",
            actor_kind="citizen",
            actor_id=actor.citizen_id,
            citizen_id=actor.citizen_id,
            data={"category": chosen.value, "closed": closed},
        )
    return await offer_categories(deps, actor)


# --- staff: appeals and visits -----------------------------------------------------------------


async def _visible_units(deps: Deps, actor: Actor) -> list[int]:
    if actor.role is Role.SUPERVISOR and actor.region_code:
        return await app_store.units_in_region(deps.pool, actor.region_code)
    if actor.role is Role.ADMIN:
        return await app_store.units_in_region(deps.pool, "")
    return [actor.unit_id] if actor.unit_id is not None else []


@dataclass(frozen=True)
class AppealView:
    id: int
    offer_id: int
    status: str
    reason: str
    decision_note: str | None
    unit_name: str
    citizen_name: str | None
    citizen_resident_id_masked: str | None
    rule_code: str
    rule_version: int
    title: dict[str, str]
    explanation: dict[str, str]
    evidence: list[Evidence]
    raw_evidence: dict[str, Any]
    offer_created_at: datetime
    created_at: datetime
    decided_at: datetime | None


def _appeal(row: Any, units: dict[int, tuple[str, str]]) -> AppealView:
    return AppealView(
        id=row["id"],
        offer_id=row["opportunity_id"],
        status=row["status"],
        reason=row["reason"],
        decision_note=row["decision_note"],
        unit_name=row["unit_name"],
        citizen_name=row["citizen_name"],
        citizen_resident_id_masked=row["citizen_resident_id_masked"],
        rule_code=row["rule_code"],
        rule_version=row["rule_version"],
        title=row["title"],
        explanation=row["explanation"],
        evidence=_evidence(row["evidence"], units),
        raw_evidence=row["evidence"],
        offer_created_at=row["offer_created_at"],
        created_at=row["created_at"],
        decided_at=row["decided_at"],
    )


async def appeal_queue(
    deps: Deps, actor: Actor, statuses: list[str] | None = None, limit: int = 50
) -> list[AppealView]:
    """Appeals waiting on the actor's unit (supervisors: their region). Reading them shows the
    citizen's data, so each read is recorded."""
    authorize(actor, Operation.APPEAL_QUEUE_READ)
    units = await _visible_units(deps, actor)
    async with transaction(deps.pool) as conn:
        rows = await store.appeals_of_units(
            conn, units, statuses or ["pending"], max(1, min(limit, 200))
        )
        await store.record_reads(
            conn,
            sorted({r["citizen_id"] for r in rows}),
            actor.staff_id or 0,
            "offer",
            "review offer appeal",
        )
        names = await _unit_names(conn, rows)
    return [_appeal(r, names) for r in rows]


async def decide_appeal(
    deps: Deps, actor: Actor, appeal_id: int, *, uphold: bool, note: str
) -> AppealView:
    """Uphold: the offer is withdrawn (and not made again). Reject: it is open again, with the
    reviewer's note, for its full period. The citizen is told either way."""
    text = " ".join(note.split())
    if not text or len(text) > MAX_REASON_CHARS:
        raise InvalidInput("offer.reason_invalid", limit=MAX_REASON_CHARS)
    async with transaction(deps.pool) as conn:
        row = await store.appeal_for_update(conn, appeal_id)
        if row is None:
            raise NotFound("appeal.not_found")
        authorize(
            actor,
            Operation.APPEAL_DECIDE,
            Target(citizen_id=row["citizen_id"], units={row["unit_id"]: row["unit_region_code"]}),
        )
        if row["status"] != "pending":
            raise Conflict("appeal.decided")
        status = "upheld" if uphold else "rejected"
        await store.decide_appeal(
            conn, appeal_id, status=status, staff_id=actor.staff_id, note=text
        )
        valid_days = await conn.fetchval(
            "select valid_days from offer_rule_versions v join opportunities p on "
            "p.rule_id = v.rule_id and p.rule_version = v.version where p.id = $1",
            row["opportunity_id"],
        )
        if uphold:
            await store.set_offer_status(
                conn, row["opportunity_id"], "withdrawn", reason="appeal_upheld"
            )
        else:
            await store.set_offer_status(
                conn,
                row["opportunity_id"],
                "open",
                reason="appeal_rejected",
                expires_in_days=valid_days,
            )
        await events.append(
            conn,
            kind=f"offer.appeal_{status}",
            actor_kind="staff",
            actor_id=actor.staff_id,
            citizen_id=row["citizen_id"],
            data={"offer": row["opportunity_id"], "appeal": appeal_id},
        )
        contact = await app_store.citizen_contact(conn, row["citizen_id"])
        assert contact is not None
        outbox_id = await citizen_sms.queue(
            conn,
            contact,
            kind="offer.appeal_decided",
            template="sms.appeal_upheld" if uphold else "sms.appeal_rejected",
            params={"item": _text(row["title"], contact["language"]), "reason": text},
            call_phone=deps.settings.support_phone,
        )
        done = await store.appeal_for_update(conn, appeal_id)
        names = await _unit_names(conn, [done])
    await deps.after_commit([outbox_id])
    return _appeal(done, names)


@dataclass(frozen=True)
class WelfareCheckView:
    id: int
    offer_id: int
    status: str
    due_on: date
    outcome: str | None
    note: str | None
    unit_name: str
    citizen_name: str | None
    citizen_phone: str
    rule_code: str
    rule_version: int
    title: dict[str, str]
    explanation: dict[str, str]
    evidence: list[Evidence]
    raw_evidence: dict[str, Any]
    offer_created_at: datetime
    created_at: datetime
    done_at: datetime | None


def _check_view(row: Any, units: dict[int, tuple[str, str]]) -> WelfareCheckView:
    return WelfareCheckView(
        id=row["id"],
        offer_id=row["opportunity_id"],
        status=row["status"],
        due_on=row["due_on"],
        outcome=row["outcome"],
        note=row["note"],
        unit_name=row["unit_name"],
        citizen_name=row["citizen_name"],
        citizen_phone=row["citizen_phone"],
        rule_code=row["rule_code"],
        rule_version=row["rule_version"],
        title=row["title"],
        explanation=row["explanation"],
        evidence=_evidence(row["evidence"], units),
        raw_evidence=row["evidence"],
        offer_created_at=row["offer_created_at"],
        created_at=row["created_at"],
        done_at=row["done_at"],
    )


async def welfare_checks(
    deps: Deps, actor: Actor, statuses: list[str] | None = None, limit: int = 50
) -> list[WelfareCheckView]:
    """Visits for the actor's community unit (supervisors: their region); reads recorded."""
    authorize(actor, Operation.WELFARE_QUEUE_READ)
    units = await _visible_units(deps, actor)
    async with transaction(deps.pool) as conn:
        rows = await store.checks_of_units(
            conn, units, statuses or ["open"], max(1, min(limit, 200))
        )
        await store.record_reads(
            conn,
            sorted({r["citizen_id"] for r in rows}),
            actor.staff_id or 0,
            "welfare_check",
            "home visit",
        )
        names = await _unit_names(conn, rows)
    return [_check_view(r, names) for r in rows]


async def complete_welfare_check(
    deps: Deps, actor: Actor, check_id: int, *, outcome: str, note: str | None
) -> WelfareCheckView:
    """The visit is done. Seeing the person is a sign of life: it becomes the citizen's
    latest activity (so the rule stops finding them); not reaching them leaves the finding
    standing, and the next evaluation raises a new visit."""
    if outcome not in WELFARE_OUTCOMES:
        raise InvalidInput("welfare.outcome_invalid")
    text = " ".join((note or "").split()) or None
    if text is not None and len(text) > MAX_REASON_CHARS:
        raise InvalidInput("offer.reason_invalid", limit=MAX_REASON_CHARS)
    async with transaction(deps.pool) as conn:
        row = await store.check_for_update(conn, check_id)
        if row is None:
            raise NotFound("welfare.not_found")
        authorize(
            actor,
            Operation.WELFARE_CHECK_COMPLETE,
            Target(citizen_id=row["citizen_id"], units={row["unit_id"]: row["unit_region_code"]}),
        )
        if row["status"] != "open":
            raise Conflict("welfare.done")
        await store.finish_check(
            conn, check_id, outcome=outcome, note=text, staff_id=actor.staff_id
        )
        await store.set_offer_status(conn, row["opportunity_id"], "resolved", reason=outcome)
        if outcome != "not_reached":
            await vault_store.put_fact(
                conn,
                citizen_id=row["citizen_id"],
                key="activity.last_seen",
                value=today_local(),
                source_unit_id=row["unit_id"],
                as_of=datetime.now(SHANGHAI),
            )
        await events.append(
            conn,
            kind="welfare_check.done",
            actor_kind="staff",
            actor_id=actor.staff_id,
            citizen_id=row["citizen_id"],
            data={"check": check_id, "outcome": outcome},
        )
        done = await store.check_for_update(conn, check_id)
        names = await _unit_names(conn, [done])
    return _check_view(done, names)
