"""Dry run and publish: replay recent tickets through both sets; publish a checked, fresh draft."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from doorstep.domain.dispatch import Decision, Facts, NoRoute, Rule, RuleEngine
from doorstep.domain.dispatch_checks import set_errors, set_warnings
from doorstep.domain.errors import Conflict, InvalidInput, NotFound
from doorstep.domain.policy import Actor, Operation, authorize
from doorstep.services import event_log
from doorstep.services.deps import Deps
from doorstep.services.dispatch_rules.drafts import MAX_NOTE_CHARS, refuse, rule_scope
from doorstep.services.dispatch_rules.engine import current_engine, known, rule_from
from doorstep.services.dispatch_rules.reading import problems, set_view
from doorstep.services.dispatch_rules.views import DryRun, PublishResult, RoutingChange, RuleSetView
from doorstep.services.oversight import region_scope
from doorstep.store import dispatch_rules as store
from doorstep.store.db import transaction
from doorstep.store.tickets import catalog as ticket_catalog

DRY_RUN_DAYS = 30
DRY_RUN_LIMIT = 200_000
DRY_RUN_CHANGES_SHOWN = 100
_DRY_RUN_CHUNK = 5_000


def _compare(
    before: RuleEngine,
    after: RuleEngine,
    rows: Sequence[store.RecentTicketRow],
    units: dict[int, str],
    changes: list[RoutingChange],
    counts: dict[str, int],
) -> None:
    for row in rows:
        facts = Facts(
            kind=row.kind,
            category=row.category_code,
            region_code=row.region_code,
            description=row.description,
            urgency=row.urgency,
        )
        try:
            old: Decision = before.decide(facts)
            new: Decision = after.decide(facts)
        except NoRoute:
            counts["unroutable"] += 1
            continue
        counts["examined"] += 1
        counts["review_before"] += old.needs_review
        counts["review_after"] += new.needs_review
        if (old.lead_unit, old.basis, old.suggested_unit) == (
            new.lead_unit,
            new.basis,
            new.suggested_unit,
        ):
            continue
        counts["changed"] += 1
        if len(changes) < DRY_RUN_CHANGES_SHOWN:
            changes.append(
                RoutingChange(
                    number=row.number,
                    category_code=row.category_code,
                    region_code=row.region_code,
                    before_unit=units.get(old.lead_unit, "?"),
                    after_unit=units.get(new.lead_unit, "?"),
                    before_basis=old.basis,
                    after_basis=new.basis,
                    before_rule=old.rule_no,
                    after_rule=new.rule_no,
                )
            )


async def dry_run(deps: Deps, actor: Actor, days: int = DRY_RUN_DAYS) -> DryRun:
    """Replay recent tickets of the actor's region through the published set and the draft."""
    authorize(actor, Operation.DISPATCH_RULES_READ)
    if not 1 <= days <= 90:
        raise InvalidInput("dispatch_rules.days_invalid", limit=90)
    assert actor.staff_id is not None
    since = datetime.now(UTC) - timedelta(days=days)
    scope = region_scope(actor)
    async with deps.pool.acquire() as conn:
        draft = await store.draft_of(conn, actor.staff_id)
        if draft is None:
            raise NotFound("dispatch_rules.no_draft")
        _set_id, before = await current_engine(deps, conn)
        draft_rules = [rule_from(r) for r in await store.rules_of(conn, draft.id)]
        facts = await known(conn)
        after = RuleEngine(draft_rules, await ticket_catalog.fallbacks(conn))
        units = await ticket_catalog.unit_names(conn)
        total = await store.count_recent(conn, since, scope)
        changes: list[RoutingChange] = []
        counts = {
            "examined": 0,
            "changed": 0,
            "review_before": 0,
            "review_after": 0,
            "unroutable": 0,
        }
        async with conn.transaction(readonly=True):
            async for rows in store.recent_tickets(
                conn, since, scope, DRY_RUN_LIMIT, _DRY_RUN_CHUNK
            ):
                _compare(before, after, rows, units, changes, counts)
                await asyncio.sleep(0)  # let other requests run between chunks
    return DryRun(
        since=since,
        tickets_in_period=total,
        examined=counts["examined"],
        changed=counts["changed"],
        to_review_before=counts["review_before"],
        to_review_after=counts["review_after"],
        changes=tuple(changes),
        errors=problems(set_errors(draft_rules, facts)),
        warnings=problems(set_warnings(draft_rules, facts)),
    )


def _changed(base: Sequence[Rule], draft: Sequence[Rule]) -> tuple[list[Rule], list[Rule]]:
    """(rules added or changed in the draft, rules of the base removed or changed)."""
    old = {r.rule_no: r for r in base}
    new = {r.rule_no: r for r in draft}
    added = [r for n, r in new.items() if n not in old or not old[n].same_content(r)]
    removed = [r for n, r in old.items() if n not in new or not new[n].same_content(r)]
    return added, removed


async def publish(deps: Deps, actor: Actor, note: str = "") -> PublishResult:
    authorize(actor, Operation.DISPATCH_RULES_READ)
    assert actor.staff_id is not None
    note = note.strip()
    if len(note) > MAX_NOTE_CHARS:
        raise InvalidInput("dispatch_rule.note_too_long", limit=MAX_NOTE_CHARS)
    async with transaction(deps.pool) as conn:
        draft = await store.lock_draft_of(conn, actor.staff_id)
        if draft is None:
            raise NotFound("dispatch_rules.no_draft")
        current = await store.published_id(conn)
        if current is not None:
            await store.lock_rule_set(conn, current)
            current = await store.published_id(conn)
        if draft.base_id != current:
            raise Conflict("dispatch_rules.stale_draft")
        draft_rules = [rule_from(r) for r in await store.rules_of(conn, draft.id)]
        base_rules = (
            [rule_from(r) for r in await store.rules_of(conn, current)]
            if current is not None
            else []
        )
        added, removed = _changed(base_rules, draft_rules)
        if not added and not removed:
            raise Conflict("dispatch_rules.nothing_to_publish")
        # every rule the draft adds, changes or drops must be within the actor's regions
        for rule in (*added, *removed):
            authorize(actor, Operation.DISPATCH_RULES_MANAGE, rule_scope(rule))
        facts = await known(conn)
        refuse(set_errors(draft_rules, facts))
        warnings = set_warnings(draft_rules, facts)
        stored: list[dict[str, Any]] = [
            {"rule_no": w.rule_no, "code": w.code, "params": dict(w.params)} for w in warnings
        ]
        await store.publish(conn, draft.id, current, actor.staff_id, note, stored)
        changed = sorted({r.rule_no for r in (*added, *removed)})
        await event_log.by_staff(
            conn,
            actor,
            "dispatch_rules.published",
            data={
                "rule_set": draft.id,
                "previous": current,
                "changed_rules": changed,
                "warnings": len(warnings),
            },
        )
        row = await store.rule_set(conn, draft.id)
        assert row is not None
        view = await set_view(conn, row)
    return PublishResult(rule_set=view, warnings=view.warnings, changed_rules=tuple(changed))


async def history(deps: Deps, actor: Actor, limit: int = 20) -> list[RuleSetView]:
    authorize(actor, Operation.DISPATCH_RULES_READ)
    async with deps.pool.acquire() as conn:
        rows = await store.history(conn, max(1, min(limit, 100)))
        return [await set_view(conn, r) for r in rows]
