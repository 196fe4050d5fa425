"""优先办: whether a citizen's work is served first, and why (policy: domain/priority.py).

Decided when an application or a ticket is made, from proven data only, and kept on it; the
citizen reads their own standing (with each ground's source) and asks the owning unit to
correct a fact through the vault's correction path (services.vault.flag_fact)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from doorstep.domain.calendar import today_local
from doorstep.domain.policy import Actor, Operation, Target, authorize
from doorstep.domain.priority import (
    DISABILITY_DOCUMENT,
    FACT_KEYS,
    DocumentEvidence,
    Evidence,
    FactEvidence,
    Ground,
    grounds,
    reason_of,
)
from doorstep.services import acting
from doorstep.services.deps import Deps
from doorstep.store import priority as store
from doorstep.store import vault as vault_store
from doorstep.store.db import Queryable


@dataclass(frozen=True)
class Standing:
    grounds: tuple[Ground, ...]

    @property
    def has_priority(self) -> bool:
        return bool(self.grounds)

    @property
    def reason(self) -> str | None:
        found = reason_of(self.grounds)
        return found.value if found else None


async def evidence_of(db: Queryable, citizen_id: int, today: date) -> Evidence:
    facts = await vault_store.facts_of(db, citizen_id, list(FACT_KEYS))
    documents = await vault_store.documents_of(db, citizen_id, today)
    return evidence_from(await store.proven_birth_date(db, citizen_id), facts, documents)


def evidence_from(
    proven_birth_date: date | None,
    facts: Sequence[vault_store.FactRow],
    documents: Sequence[vault_store.DocumentRow],
) -> Evidence:
    """The evidence in rows already read: the vault's facts (any keys) and its documents
    valid today (`documents_of` with today), the birth date of the proved resident ID."""
    return Evidence(
        birth_date=proven_birth_date,
        facts={
            f.key: FactEvidence(vault_store.fact_value(f), f.unit_code, f.unit_name)
            for f in facts
            if f.key in FACT_KEYS
        },
        documents=[
            DocumentEvidence(d.doc_type, d.unit_code, d.unit_name, d.valid_until)
            for d in documents
            if d.doc_type == DISABILITY_DOCUMENT
        ],
    )


async def standing_in(db: Queryable, citizen_id: int, today: date) -> Standing:
    """The citizen's priority now (no authorization: the caller's transaction decides)."""
    return standing_from(await evidence_of(db, citizen_id, today), today)


def standing_from(evidence: Evidence, today: date) -> Standing:
    return Standing(tuple(grounds(evidence, today)))


async def my_standing(deps: Deps, actor: Actor, today: date | None = None) -> Standing:
    """The signed-in citizen's own priority, or their principal's when acting for one."""
    citizen_id = actor.subject_citizen_id
    authorize(actor, Operation.PRIORITY_READ, Target(citizen_id=citizen_id))
    assert citizen_id is not None
    async with deps.pool.acquire() as conn:
        found = await standing_in(conn, citizen_id, today or today_local())
        await acting.record_read(deps, conn, actor, what="priority", purpose="check_priority")
    return found
