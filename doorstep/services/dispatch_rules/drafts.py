"""Editing a supervisor's draft: every saved rule is checked at once, an invalid one refused."""

from __future__ import annotations

from collections.abc import Sequence

from doorstep.domain.dispatch import Rule
from doorstep.domain.dispatch_checks import Problem, rule_errors, set_warnings
from doorstep.domain.errors import InvalidInput, NotFound
from doorstep.domain.policy import Actor, Operation, Target, authorize
from doorstep.services.deps import Deps
from doorstep.services.dispatch_rules.engine import known, rule_from
from doorstep.services.dispatch_rules.reading import problems, set_view
from doorstep.services.dispatch_rules.views import RuleInput, RuleSetView, RuleView
from doorstep.store import dispatch_rules as store
from doorstep.store.db import Connection, transaction
from doorstep.store.dispatch_rules import RuleSetRow
from doorstep.store.tickets import catalog as ticket_catalog

MAX_NOTE_CHARS = 500


def rule_scope(rule: Rule | RuleView | RuleInput) -> Target:
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


def refuse(problems: Sequence[Problem]) -> None:
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
        unit = await ticket_catalog.unit_by_code(conn, code)
        if unit is None:
            raise InvalidInput("dispatch_rule.unit_unknown", rule="", value=code[:40])
        ids.append(unit.id)
    return ids


async def save_rule(deps: Deps, actor: Actor, data: RuleInput) -> RuleSetView:
    """Add a rule to the actor's draft, or change one (by rule number)."""
    data = _clean_input(data)
    authorize(actor, Operation.DISPATCH_RULES_MANAGE, rule_scope(data))
    async with transaction(deps.pool) as conn:
        draft = await _draft_for_edit(conn, actor)
        base_row = None
        if data.rule_no is not None:
            existing = await store.rule_in(conn, draft.id, data.rule_no)
            if existing is None:
                raise NotFound("dispatch_rule.not_found", rule=data.rule_no)
            # the rule as it stands must be the actor's to change too
            authorize(actor, Operation.DISPATCH_RULES_MANAGE, rule_scope(existing))
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
        refuse(rule_errors(rule, facts))
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
        view = await set_view(conn, draft, problems(set_warnings(rules, facts)))
    return view


async def remove_rule(deps: Deps, actor: Actor, rule_no: int) -> RuleSetView:
    authorize(actor, Operation.DISPATCH_RULES_READ)
    async with transaction(deps.pool) as conn:
        draft = await _draft_for_edit(conn, actor)
        existing = await store.rule_in(conn, draft.id, rule_no)
        if existing is None:
            raise NotFound("dispatch_rule.not_found", rule=rule_no)
        authorize(actor, Operation.DISPATCH_RULES_MANAGE, rule_scope(existing))
        await store.delete_rule(conn, draft.id, rule_no)
        rules = [rule_from(r) for r in await store.rules_of(conn, draft.id)]
        view = await set_view(conn, draft, problems(set_warnings(rules, await known(conn))))
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
