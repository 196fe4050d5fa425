"""Facts stated by their owning units, each with its source and its date."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from doorstep.domain import pii
from doorstep.domain.calendar import SHANGHAI, today_local
from doorstep.domain.errors import InvalidInput, NotFound
from doorstep.domain.identity import validate_resident_id
from doorstep.domain.policy import Actor, Operation, Role, Target, authorize
from doorstep.domain.sharing import Action, SubjectKind
from doorstep.domain.vault import parse_fact_value
from doorstep.services import event_log, sharing
from doorstep.services.deps import Deps
from doorstep.store import vault as store
from doorstep.store.db import transaction
from doorstep.store.proactive import evaluation as offer_store

MAX_FACTS_PER_REQUEST = 100


@dataclass(frozen=True)
class FactInput:
    key: str
    value: Any
    as_of: datetime | None = None


@dataclass(frozen=True)
class RecordResult:
    changed: int
    rerun: dict[str, dict[str, int]]


def _as_of(value: datetime | None, today: date) -> datetime:
    if value is None:
        return datetime.now().astimezone()
    if value.tzinfo is None:
        value = value.replace(tzinfo=SHANGHAI)
    if value > datetime.now().astimezone() or value.year < 1900:
        raise InvalidInput("vault.as_of_invalid")
    return value


async def record_facts(
    deps: Deps,
    actor: Actor,
    resident_id: str,
    facts: Sequence[FactInput],
    *,
    source_unit_code: str | None = None,
) -> RecordResult:
    """A unit states facts about a resident (by ID number). The source is the clerk's own unit;
    an administrator (the data-sharing exchange) names it. The rules that read the changed
    facts re-run for that citizen at once."""
    if not facts or len(facts) > MAX_FACTS_PER_REQUEST:
        raise InvalidInput("vault.facts_count", limit=MAX_FACTS_PER_REQUEST)
    try:
        resident = validate_resident_id(resident_id)
    except ValueError as exc:
        raise InvalidInput(exc.args[0]) from None
    today = today_local()
    parsed = [(f.key, parse_fact_value(f.key, f.value), _as_of(f.as_of, today)) for f in facts]
    if len({k for k, _v, _a in parsed}) != len(parsed):
        raise InvalidInput("vault.fact_repeated")
    code = source_unit_code or None
    if code is None and actor.role is not Role.ADMIN and actor.unit_id is not None:
        source = await store.unit_by_id(deps.pool, actor.unit_id)
    elif code is None:
        # refuse those who may record nothing before asking them for a source
        authorize(actor, Operation.VAULT_FACT_RECORD, Target())
        raise InvalidInput("vault.source_required")
    else:
        source = await store.unit_by_code(deps.pool, code[:64])
    if source is None:
        raise InvalidInput("vault.source_unknown", unit=(code or "")[:40])
    authorize(actor, Operation.VAULT_FACT_RECORD, Target.unit(source.id, source.region_code))
    # 数据共享责任清单: only the unit that owns a fact states it
    in_force = await sharing.list_in_force(deps.pool, today)
    for key, _value, _when in parsed:
        await sharing.require(deps.pool, in_force, source.code, SubjectKind.FACT, key, Action.STATE)
    index = pii.blind_index(resident, deps.settings.index_key)
    async with transaction(deps.pool) as conn:
        citizen = await store.citizen_by_index(conn, index)
        if citizen is None:
            raise NotFound("citizen.not_found")
        changed_keys = []
        for key, value, as_of in parsed:
            if await store.put_fact(
                conn,
                citizen_id=citizen.id,
                key=key,
                value=value,
                source_unit_id=source.id,
                as_of=as_of,
            ):
                changed_keys.append(key)
        rerun = (
            await offer_store.rerun_for_citizen(
                conn, citizen.id, changed_keys, today, await sharing.rules_allowed(conn, today)
            )
            if changed_keys
            else {}
        )
        await event_log.by_staff(
            conn,
            actor,
            "vault.facts_recorded",
            citizen.id,
            {"unit": source.code, "keys": changed_keys},
        )
    return RecordResult(changed=len(changed_keys), rerun=rerun)


def as_of_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, SHANGHAI)
