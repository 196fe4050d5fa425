"""Finding people: the rules cron (`evaluate_all`: one set-based statement per rule, each
offer created once) and reaching whom it found (`notify_new_offers`)."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import date, timedelta

from doorstep.domain.calendar import today_local
from doorstep.domain.delegation import Theme, covers, theme_of_bundle
from doorstep.domain.policy import Actor, Operation, authorize
from doorstep.domain.rules import RuleKind
from doorstep.domain.sms_reply import QuestionKind, question_code
from doorstep.domain.vault import FIELDS
from doorstep.services import citizen_sms, event_log, notifications, sharing
from doorstep.services.deps import Deps
from doorstep.services.proactive.rules import tune
from doorstep.services.proactive.views import explain, text_in
from doorstep.store import applications as app_store
from doorstep.store import staff_phones
from doorstep.store import vault as vault_store
from doorstep.store.db import Connection, transaction
from doorstep.store.proactive import evaluation as proactive_evaluation
from doorstep.store.proactive import reaching as proactive_reaching
from doorstep.store.proactive import rules as proactive_rules
from doorstep.store.proactive.rows import RuleRow, UnnotifiedOfferRow

NOTIFY_BATCH = 200
# rules evaluated side by side (the worker's pool holds 5 connections; 2 cores here)
EVALUATION_CONCURRENCY = 2
WELFARE_DUE_DAYS = 1  # a visit is due the next day (same day is not always possible)
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
    # a rule runs only while the data-sharing list lets its unit read what it tests
    allowed = await sharing.rules_allowed(deps.pool, day)
    rules = [r for r in await proactive_rules.published_rules(deps.pool) if allowed(r)]
    gate = asyncio.Semaphore(max(1, concurrency))

    async def run(rule: RuleRow) -> RuleRun:
        async with gate:
            began = time.perf_counter()
            async with transaction(deps.pool) as conn:
                await tune(conn)
                lapsed = await proactive_evaluation.lapse_offers(conn, rule, day)
                created = await proactive_evaluation.insert_offers(conn, rule, day)
            return RuleRun(rule.code, rule.version, created, lapsed, time.perf_counter() - began)

    runs = list(await asyncio.gather(*(run(rule) for rule in rules)))
    async with transaction(deps.pool) as conn:
        expired = await proactive_evaluation.expire_offers(conn)
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
            rows = await proactive_reaching.claim_unnotified(conn, batch)
            outbox_ids: list[int] = []
            for row in rows:
                outbox_ids += await _reach(deps, conn, row)
            ids = [r.id for r in rows]
            await proactive_reaching.record_offer_uses(conn, ids)
            await proactive_reaching.mark_notified(conn, ids)
        await deps.after_commit(outbox_ids)
        handled += len(rows)
        if len(rows) < batch:
            break
    return handled


async def _found(conn: Connection, row: UnnotifiedOfferRow, kind: str, **more: int) -> None:
    """What was done for a finding, in the citizen's event log: no one acted."""
    await event_log.by_system(conn, kind, {"rule": row.rule_code, **more}, row.citizen_id)


async def _reach(deps: Deps, conn: Connection, row: UnnotifiedOfferRow) -> list[int]:
    if row.kind == RuleKind.WELFARE_CHECK:
        return await _assign_visit(conn, row)
    contact = await app_store.citizen_contact(conn, row.citizen_id)
    assert contact is not None
    template = "sms.offer" if row.kind == RuleKind.OFFER else "sms.risk_alert"
    owner_phone = await conn.fetchval("select phone from units where id = $1", row.owner_unit_id)
    params = {
        "item": text_in(row.title, contact.language),
        "reason": explain(row.explanation, row.evidence, row.created_at, contact.language),
    }
    ids = [
        await citizen_sms.queue(
            conn,
            contact,
            kind=f"offer.{row.kind}",
            template=template,
            params=params,
            call_phone=owner_phone or deps.settings.support_phone,
            # an offer asks "reply 1 to apply" (services.sms_offers answers it)
            extend_code=(
                question_code(QuestionKind.OFFER, row.id) if row.kind == RuleKind.OFFER else None
            ),
        )
    ]
    await _found(conn, row, "offer.created", offer=row.id, version=row.rule_version)
    bundle = await conn.fetchval(
        "select bundle_code from offer_rule_versions where rule_id = $1 and version = $2",
        row.rule_id,
        row.rule_version,
    )
    for agent in await proactive_reaching.active_agents(conn, row.citizen_id):
        if covers({Theme(t) for t in agent.themes}, theme_of_bundle(bundle or "")):
            ids.append(
                await notifications.queue(
                    conn,
                    citizen_id=agent.id,
                    phone=agent.phone,
                    kind="offer.for_principal",
                    template="sms.offer_for_principal",
                    params={"item": text_in(row.title, agent.language)},
                    language=agent.language,
                )
            )
    return ids


async def _assign_visit(conn: Connection, row: UnnotifiedOfferRow) -> list[int]:
    unit_id = await proactive_reaching.community_unit_for(conn, row.region_code, row.owner_unit_id)
    due = today_local() + timedelta(days=WELFARE_DUE_DAYS)
    check_id = await proactive_reaching.insert_welfare_check(
        conn, opportunity_id=row.id, citizen_id=row.citizen_id, unit_id=unit_id, due_on=due
    )
    if check_id is None:
        return []
    await vault_store.record_use(
        conn,
        citizen_id=row.citizen_id,
        unit_id=unit_id,
        purpose="welfare_check",
        items=[{"kind": "fact", "key": k} for k in row.evidence if not FIELDS[k].virtual],
        opportunity_id=row.id,
    )
    await _found(conn, row, "welfare_check.assigned", check=check_id, unit=unit_id)
    reason = explain(row.explanation, row.evidence, row.created_at, "zh_Hans")
    return await notifications.queue_for_staff(
        conn,
        await staff_phones.unit_staff_phones(conn, unit_id),
        kind="welfare_check.assigned",
        template="sms.welfare_check",
        params={"reason": reason, "due": due.strftime("%m-%d")},
        urgent=True,
    )
