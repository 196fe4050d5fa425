"""The rules as versioned data: read, dry-run over all citizens, publish."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from doorstep.domain.calendar import today_local
from doorstep.domain.policy import Actor, Operation, Target, authorize
from doorstep.domain.rules import (
    RuleDefinition,
    RuleInvalid,
    parse_rule,
    to_json,
)
from doorstep.services import event_log, sharing
from doorstep.services.deps import Deps
from doorstep.store import catalog as catalog_store
from doorstep.store import vault as vault_store
from doorstep.store.db import Connection, transaction
from doorstep.store.proactive import evaluation as proactive_evaluation
from doorstep.store.proactive import rules as proactive_rules
from doorstep.store.proactive.rows import RuleVersionRow
from doorstep.store.vault import UnitRefRow

# --- rules: read, dry-run, publish ------------------------------------------------------------


# a version of a rule as its readers see it: the store's row, with its owning unit and who
# published it (the version in force is the one its rule's current_version names)
RuleVersionView = RuleVersionRow


async def list_rules(deps: Deps, actor: Actor) -> list[RuleVersionView]:
    """Every rule with all its versions, newest first."""
    authorize(actor, Operation.RULE_READ)
    async with deps.pool.acquire() as conn:
        rules = await proactive_rules.all_rules(conn)
        rows = await proactive_rules.rule_versions(conn, [r.id for r in rules])
    return rows


@dataclass(frozen=True)
class Checked:
    rule: RuleDefinition
    owner: UnitRefRow


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
    return Checked(rule, owner)


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
            Target.unit(checked.owner.id, checked.owner.region_code),
        )
        current = await proactive_rules.rule_by_code(conn, checked.rule.code)
        await tune(conn)
        row = await proactive_evaluation.dry_run(
            conn,
            condition=to_json(checked.rule.condition),
            owner_region_code=checked.owner.region_code,
            category_code=checked.rule.category.value,
            rule_id=current.rule_id if current else None,
            as_of=today_local(),
        )
    return DryRun(
        checked.rule.code,
        row.matched,
        row.gain,
        row.lose,
        row.keep,
        current.version if current else None,
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
            Target.unit(checked.owner.id, checked.owner.region_code),
        )
        # the rule reads facts for its unit: the data-sharing list must allow each
        await sharing.require_rule_reads(
            conn, rule.owner_unit_code, rule.fact_keys, rule.bundle_code
        )
        locked = await proactive_rules.lock_rule(conn, rule.code)
        assert locked is not None
        version = await proactive_rules.next_version(conn, locked.id)
        await proactive_rules.insert_version(
            conn,
            rule_id=locked.id,
            version=version,
            rule=rule,
            condition=to_json(rule.condition),
            owner_unit_id=checked.owner.id,
            staff_id=actor.staff_id,
        )
        await event_log.by_staff(
            conn, actor, "rule.published", data={"code": rule.code, "version": version}
        )
        rows = await proactive_rules.rule_versions(conn, [locked.id])
    return next(r for r in rows if r.version == version)


async def tune(conn: Connection) -> None:
    """Big set-based statements: room to hash a million rows in memory, and a plan made for
    the actual parameters (a cached generic plan could not use the evaluation date)."""
    await conn.execute("set local work_mem = '64MB'")
    await conn.execute("set local plan_cache_mode = force_custom_plan")
