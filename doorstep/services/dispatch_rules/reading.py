"""Reading rule sets: the published one, a supervisor's draft, with their problems."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from doorstep.domain.dispatch_checks import Problem, set_warnings
from doorstep.domain.policy import Actor, Operation, authorize
from doorstep.services.deps import Deps
from doorstep.services.dispatch_rules.engine import known, rule_from
from doorstep.services.dispatch_rules.views import ProblemView, RuleSetView
from doorstep.store import dispatch_rules as store
from doorstep.store.db import Queryable
from doorstep.store.dispatch_rules import RuleSetRow
from doorstep.store.rows import Json


def problems(found: Sequence[Problem]) -> tuple[ProblemView, ...]:
    return tuple(ProblemView(p.rule_no, p.code, dict(p.params)) for p in found)


def _stored_problem(w: Mapping[str, Json]) -> ProblemView:
    """A warning as publishing stored it."""
    rule_no, code, params = w.get("rule_no"), w["code"], w.get("params", {})
    assert rule_no is None or isinstance(rule_no, int)
    assert isinstance(code, str) and isinstance(params, dict)
    return ProblemView(rule_no, code, params)


async def set_view(
    db: Queryable, row: RuleSetRow, warnings: Sequence[ProblemView] | None = None
) -> RuleSetView:
    rows = await store.rules_of(db, row.id)
    rules = tuple(rows)
    stale = False
    if row.status == "draft":
        stale = row.base_id != await store.published_id(db)
    if warnings is None:
        warnings = tuple(_stored_problem(w) for w in row.warnings)
    current: tuple[ProblemView, ...] = tuple(warnings)
    if row.status == "published":
        current = problems(set_warnings([rule_from(r) for r in rows], await known(db)))
    elif row.status != "draft":
        current = ()
    return RuleSetView(
        id=row.id,
        status=row.status,
        base_id=row.base_id,
        note=row.note,
        published_at=row.published_at,
        rules=rules,
        warnings=tuple(warnings),
        stale=stale,
        current_warnings=current,
    )


async def rule_set(deps: Deps, actor: Actor, set_id: int | None = None) -> RuleSetView | None:
    """A published (or superseded) set; the published one when no id is given."""
    authorize(actor, Operation.DISPATCH_RULES_READ)
    async with deps.pool.acquire() as conn:
        wanted = set_id if set_id is not None else await store.published_id(conn)
        row = await store.rule_set(conn, wanted) if wanted is not None else None
        if row is None or row.status not in ("published", "superseded"):
            return None
        return await set_view(conn, row)


async def my_draft(deps: Deps, actor: Actor) -> RuleSetView | None:
    authorize(actor, Operation.DISPATCH_RULES_READ)
    if actor.staff_id is None:
        return None
    async with deps.pool.acquire() as conn:
        row = await store.draft_of(conn, actor.staff_id)
        if row is None:
            return None
        rules = [rule_from(r) for r in await store.rules_of(conn, row.id)]
        return await set_view(conn, row, problems(set_warnings(rules, await known(conn))))
