"""Dispatch rules as versioned data: read, edit a draft, dry-run it, publish it.

A supervisor edits a personal draft copied from the published set; every saved rule is checked
at once (an invalid rule is refused with its reason). A dry run replays the last 30 days of
tickets of the supervisor's region through both sets and lists what would go elsewhere. Publish
checks the whole set again, refuses it if anything is invalid or the draft is stale (someone
published since it was copied), and otherwise publishes it with its warnings: rules that can
never match, rules hidden behind earlier ones, units that do not serve what a rule sends them.
Published sets never change; each ticket names the set, rule and version that routed it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from doorstep.domain.dispatch import (
    Basis,
    Decision,
    Facts,
    Known,
    NoRoute,
    Problem,
    Rule,
    RuleEngine,
    rule_errors,
    set_errors,
    set_warnings,
)
from doorstep.domain.errors import Conflict, InvalidInput, NotFound
from doorstep.domain.policy import Actor, Operation, Role, Target, authorize
from doorstep.services.deps import Deps
from doorstep.store import dispatch_rules as store
from doorstep.store import events
from doorstep.store import tickets as ticket_store
from doorstep.store.db import Connection, Queryable, transaction
from doorstep.store.dispatch_rules import RuleRow, RuleSetRow
from doorstep.store.rows import Json

ENGINE_TTL_SECONDS = 30.0
DRY_RUN_DAYS = 30
DRY_RUN_LIMIT = 200_000
DRY_RUN_CHANGES_SHOWN = 100
_DRY_RUN_CHUNK = 5_000
MAX_NOTE_CHARS = 500


@dataclass(frozen=True)
class RuleView:
    rule_no: int
    version: int
    priority: int
    kinds: tuple[str, ...]
    categories: tuple[str, ...]
    region_prefixes: tuple[str, ...]
    keywords: tuple[str, ...]
    urgencies: tuple[str, ...]
    lead_unit_code: str
    lead_unit_name: str
    assisting_unit_codes: tuple[str, ...]
    deadline_profile: str | None
    note: str

    @property
    def is_guess(self) -> bool:
        return bool(self.keywords) and not self.categories


@dataclass(frozen=True)
class ProblemView:
    rule_no: int | None
    code: str
    params: Mapping[str, object]


@dataclass(frozen=True)
class RuleSetView:
    id: int
    status: str
    base_id: int | None
    note: str
    published_at: datetime | None
    rules: tuple[RuleView, ...]
    warnings: tuple[ProblemView, ...] = ()
    # a draft copied from a set that is no longer the published one
    stale: bool = False
    # the published set's warnings as the catalog stands now (units stop serving what a rule
    # sends them, categories are retired): the stored `warnings` are those of publication
    current_warnings: tuple[ProblemView, ...] = ()


@dataclass(frozen=True)
class RuleInput:
    priority: int
    lead_unit_code: str
    rule_no: int | None = None
    kinds: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    region_prefixes: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    urgencies: tuple[str, ...] = ()
    assisting_unit_codes: tuple[str, ...] = ()
    deadline_profile: str | None = None
    note: str = ""


@dataclass(frozen=True)
class RoutingChange:
    number: str
    category_code: str
    region_code: str
    before_unit: str
    after_unit: str
    before_basis: Basis
    after_basis: Basis
    before_rule: int | None
    after_rule: int | None


@dataclass(frozen=True)
class DryRun:
    since: datetime
    tickets_in_period: int
    examined: int
    changed: int
    to_review_before: int
    to_review_after: int
    changes: tuple[RoutingChange, ...]
    errors: tuple[ProblemView, ...]
    warnings: tuple[ProblemView, ...]


@dataclass(frozen=True)
class PublishResult:
    rule_set: RuleSetView
    warnings: tuple[ProblemView, ...]
    changed_rules: tuple[int, ...] = field(default_factory=tuple)


# --- the engine every submission uses -----------------------------------------------------------


@dataclass
class _Cached:
    # the entry holds its pool: while it does, no other pool can get the same id()
    pool: Any
    set_id: int | None
    catalog_version: int
    loaded: float
    engine: RuleEngine


_ENGINES: dict[int, _Cached] = {}


def rule_from(row: RuleRow) -> Rule:
    return Rule(
        rule_no=row.rule_no,
        version=row.version,
        priority=row.priority,
        lead_unit=row.lead_unit_id,
        kinds=tuple(row.kinds),
        categories=tuple(row.categories),
        region_prefixes=tuple(row.region_prefixes),
        keywords=tuple(row.keywords),
        urgencies=tuple(row.urgencies),
        assisting_units=tuple(row.assisting_unit_ids),
        deadline_profile=row.deadline_profile,
    )


async def current_engine(deps: Deps, db: Queryable) -> tuple[int | None, RuleEngine]:
    """The published set, compiled with the fallback units; rebuilt when another set is
    published or the catalog changes (both checked on every call, one query of two indexed
    look-ups), and at least every 30 s as a backstop."""
    set_id, version = await store.engine_key(db)
    cached = _ENGINES.get(id(deps.pool))
    now = time.monotonic()
    if (
        cached is None
        or cached.pool is not deps.pool
        or cached.set_id != set_id
        or cached.catalog_version != version
        or now - cached.loaded > ENGINE_TTL_SECONDS
    ):
        rules = [rule_from(r) for r in await store.rules_of(db, set_id)] if set_id else []
        cached = _Cached(
            deps.pool, set_id, version, now, RuleEngine(rules, await ticket_store.fallbacks(db))
        )
        _ENGINES[id(deps.pool)] = cached
    return cached.set_id, cached.engine


async def known(db: Queryable) -> Known:
    categories = await ticket_store.categories(db, active_only=False)
    served: dict[int, list[tuple[str, str]]] = {}
    for row in await ticket_store.service_areas(db):
        served.setdefault(row["unit_id"], []).append((row["category_code"], row["region_prefix"]))
    return Known(
        categories=frozenset(c["code"] for c in categories),
        active_categories=frozenset(c["code"] for c in categories if c["active"]),
        units=frozenset(await ticket_store.unit_ids(db)),
        regions=frozenset(await ticket_store.region_codes(db)),
        served=served,
    )


# --- reading --------------------------------------------------------------------------------------


def _view(row: RuleRow) -> RuleView:
    return RuleView(
        rule_no=row.rule_no,
        version=row.version,
        priority=row.priority,
        kinds=tuple(row.kinds),
        categories=tuple(row.categories),
        region_prefixes=tuple(row.region_prefixes),
        keywords=tuple(row.keywords),
        urgencies=tuple(row.urgencies),
        lead_unit_code=row.lead_unit_code,
        lead_unit_name=row.lead_unit_name,
        assisting_unit_codes=tuple(row.assisting_unit_codes),
        deadline_profile=row.deadline_profile,
        note=row.note,
    )


def problems(found: Sequence[Problem]) -> tuple[ProblemView, ...]:
    return tuple(ProblemView(p.rule_no, p.code, dict(p.params)) for p in found)


def _stored_problem(w: Mapping[str, Json]) -> ProblemView:
    """A warning as publishing stored it."""
    rule_no, code, params = w.get("rule_no"), w["code"], w.get("params", {})
    assert rule_no is None or isinstance(rule_no, int)
    assert isinstance(code, str) and isinstance(params, dict)
    return ProblemView(rule_no, code, params)


async def _set_view(
    db: Queryable, row: RuleSetRow, warnings: Sequence[ProblemView] | None = None
) -> RuleSetView:
    rows = await store.rules_of(db, row.id)
    rules = tuple(_view(r) for r in rows)
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
        return await _set_view(conn, row)


async def my_draft(deps: Deps, actor: Actor) -> RuleSetView | None:
    authorize(actor, Operation.DISPATCH_RULES_READ)
    if actor.staff_id is None:
        return None
    async with deps.pool.acquire() as conn:
        row = await store.draft_of(conn, actor.staff_id)
        if row is None:
            return None
        rules = [rule_from(r) for r in await store.rules_of(conn, row.id)]
        return await _set_view(conn, row, problems(set_warnings(rules, await known(conn))))


# --- editing the draft ---------------------------------------------------------------------


def _scope(rule: Rule | RuleView | RuleInput) -> Target:
    """What a rule touches, for authorization: the regions it routes (all of them if none)."""
    return Target(regions=tuple(rule.region_prefixes) or ("",))


def _clean_input(data: RuleInput) -> RuleInput:
    def strip(values: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(v.strip() for v in values)

    note = data.note.strip()
    if len(note) > MAX_NOTE_CHARS:
        raise InvalidInput("dispatch_rule.note_too_long", limit=MAX_NOTE_CHARS)
    return RuleInput(
        priority=data.priority,
        lead_unit_code=data.lead_unit_code.strip(),
        rule_no=data.rule_no,
        kinds=strip(data.kinds),
        categories=strip(data.categories),
        region_prefixes=strip(data.region_prefixes),
        keywords=strip(data.keywords),
        urgencies=strip(data.urgencies),
        assisting_unit_codes=strip(data.assisting_unit_codes),
        deadline_profile=data.deadline_profile,
        note=note,
    )


def _refuse(problems: Sequence[Problem]) -> None:
    if problems:
        first = problems[0]
        raise InvalidInput(
            f"dispatch_rule.{first.code}",
            rule=first.rule_no or "",
            **{k: v for k, v in first.params.items() if k != "rule"},
        )


async def _draft_for_edit(conn: Connection, actor: Actor) -> RuleSetRow:
    assert actor.staff_id is not None
    draft = await store.lock_draft_of(conn, actor.staff_id)
    if draft is None:
        base = await store.published_id(conn)
        await store.create_draft(conn, actor.staff_id, base)
        draft = await store.lock_draft_of(conn, actor.staff_id)
        assert draft is not None
    return draft


async def _unit_ids(conn: Connection, codes: Sequence[str]) -> list[int]:
    ids = []
    for code in codes:
        unit = await ticket_store.unit_by_code(conn, code)
        if unit is None:
            raise InvalidInput("dispatch_rule.unit_unknown", rule="", value=code[:40])
        ids.append(unit["id"])
    return ids


async def save_rule(deps: Deps, actor: Actor, data: RuleInput) -> RuleSetView:
    """Add a rule to the actor's draft, or change one (by rule number)."""
    data = _clean_input(data)
    authorize(actor, Operation.DISPATCH_RULES_MANAGE, _scope(data))
    async with transaction(deps.pool) as conn:
        draft = await _draft_for_edit(conn, actor)
        base_row = None
        if data.rule_no is not None:
            existing = await store.rule_in(conn, draft.id, data.rule_no)
            if existing is None:
                raise NotFound("dispatch_rule.not_found", rule=data.rule_no)
            # the rule as it stands must be the actor's to change too
            authorize(actor, Operation.DISPATCH_RULES_MANAGE, _scope(_view(existing)))
            base_row = await store.rule_in(conn, draft.base_id, data.rule_no)
            rule_no = data.rule_no
        else:
            rule_no = await store.next_rule_no(conn)
        lead = await _unit_ids(conn, [data.lead_unit_code])
        assisting = await _unit_ids(conn, data.assisting_unit_codes)
        rule = Rule(
            rule_no=rule_no,
            version=1,
            priority=data.priority,
            lead_unit=lead[0],
            kinds=data.kinds,
            categories=data.categories,
            region_prefixes=data.region_prefixes,
            keywords=data.keywords,
            urgencies=data.urgencies,
            assisting_units=tuple(assisting),
            deadline_profile=data.deadline_profile,
        )
        facts = await known(conn)
        _refuse(rule_errors(rule, facts))
        others = [
            rule_from(r) for r in await store.rules_of(conn, draft.id) if r.rule_no != rule_no
        ]
        clash = next((o for o in others if o.priority == rule.priority), None)
        if clash is not None:
            raise InvalidInput(
                "dispatch_rule.priority_duplicate",
                rule=rule_no,
                priority=rule.priority,
                rules=f"{clash.rule_no}, {rule_no}",
            )
        version = 1
        if base_row is not None:
            base = rule_from(base_row)
            version = base.version if base.same_content(rule) else base.version + 1
        await store.upsert_rule(
            conn,
            draft.id,
            {
                "rule_no": rule_no,
                "version": version,
                "priority": rule.priority,
                "kinds": list(rule.kinds),
                "categories": list(rule.categories),
                "region_prefixes": list(rule.region_prefixes),
                "keywords": list(rule.keywords),
                "urgencies": list(rule.urgencies),
                "lead_unit_id": rule.lead_unit,
                "assisting_unit_ids": list(rule.assisting_units),
                "deadline_profile": rule.deadline_profile,
                "note": data.note,
            },
        )
        rules = [*others, rule]
        view = await _set_view(conn, draft, problems(set_warnings(rules, facts)))
    return view


async def remove_rule(deps: Deps, actor: Actor, rule_no: int) -> RuleSetView:
    authorize(actor, Operation.DISPATCH_RULES_READ)
    async with transaction(deps.pool) as conn:
        draft = await _draft_for_edit(conn, actor)
        existing = await store.rule_in(conn, draft.id, rule_no)
        if existing is None:
            raise NotFound("dispatch_rule.not_found", rule=rule_no)
        authorize(actor, Operation.DISPATCH_RULES_MANAGE, _scope(_view(existing)))
        await store.delete_rule(conn, draft.id, rule_no)
        rules = [rule_from(r) for r in await store.rules_of(conn, draft.id)]
        view = await _set_view(conn, draft, problems(set_warnings(rules, await known(conn))))
    return view


async def discard_draft(deps: Deps, actor: Actor) -> bool:
    authorize(actor, Operation.DISPATCH_RULES_READ)
    assert actor.staff_id is not None
    async with transaction(deps.pool) as conn:
        draft = await store.lock_draft_of(conn, actor.staff_id)
        if draft is None:
            return False
        await store.discard(conn, draft.id)
    return True


# --- dry run and publish -------------------------------------------------------------------


def _region_scope(actor: Actor) -> str:
    if actor.role is Role.ADMIN:
        return ""
    return actor.region_code or "-"  # a supervisor without a region sees nothing


def _compare(
    before: RuleEngine,
    after: RuleEngine,
    rows: Sequence[asyncpg.Record],
    units: dict[int, str],
    changes: list[RoutingChange],
    counts: dict[str, int],
) -> None:
    for row in rows:
        facts = Facts(
            kind=row["kind"],
            category=row["category_code"],
            region_code=row["region_code"],
            description=row["description"],
            urgency=row["urgency"],
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
                    number=row["number"],
                    category_code=row["category_code"],
                    region_code=row["region_code"],
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
    scope = _region_scope(actor)
    async with deps.pool.acquire() as conn:
        draft = await store.draft_of(conn, actor.staff_id)
        if draft is None:
            raise NotFound("dispatch_rules.no_draft")
        _set_id, before = await current_engine(deps, conn)
        draft_rules = [rule_from(r) for r in await store.rules_of(conn, draft.id)]
        facts = await known(conn)
        after = RuleEngine(draft_rules, await ticket_store.fallbacks(conn))
        units = {r["id"]: r["name"] for r in await conn.fetch("select id, name from units")}
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
            cursor = await conn.cursor(
                """select number, kind, category_code, region_code, description, urgency
                   from tickets where created_at >= $1 and region_code like $2 || '%'
                   order by created_at desc""",
                since,
                scope,
            )
            seen = 0
            while seen < DRY_RUN_LIMIT:
                rows = await cursor.fetch(min(_DRY_RUN_CHUNK, DRY_RUN_LIMIT - seen))
                if not rows:
                    break
                seen += len(rows)
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
            authorize(actor, Operation.DISPATCH_RULES_MANAGE, _scope(rule))
        facts = await known(conn)
        _refuse(set_errors(draft_rules, facts))
        warnings = set_warnings(draft_rules, facts)
        stored: list[dict[str, Any]] = [
            {"rule_no": w.rule_no, "code": w.code, "params": dict(w.params)} for w in warnings
        ]
        await store.publish(conn, draft.id, current, actor.staff_id, note, stored)
        changed = sorted({r.rule_no for r in (*added, *removed)})
        await events.append(
            conn,
            kind="dispatch_rules.published",
            actor_kind="staff",
            actor_id=actor.staff_id,
            data={
                "rule_set": draft.id,
                "previous": current,
                "changed_rules": changed,
                "warnings": len(warnings),
            },
        )
        row = await store.rule_set(conn, draft.id)
        assert row is not None
        view = await _set_view(conn, row)
    return PublishResult(rule_set=view, warnings=view.warnings, changed_rules=tuple(changed))


async def history(deps: Deps, actor: Actor, limit: int = 20) -> list[RuleSetView]:
    authorize(actor, Operation.DISPATCH_RULES_READ)
    async with deps.pool.acquire() as conn:
        rows = await store.history(conn, max(1, min(limit, 100)))
        return [await _set_view(conn, r) for r in rows]
