"""Reads the data-sharing list governs: a unit's clerk reading a resident's vault for a service
item (refused and recorded outside the list), and a citizen's view of each item of their data:
who owns it, who may use it and for what, and who did (uses, staff reads, refused attempts)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from doorstep.domain import pii
from doorstep.domain.errors import Forbidden, InvalidInput, NotFound
from doorstep.domain.identity import validate_resident_id
from doorstep.domain.policy import Actor, Operation, authorize, authorize_subject
from doorstep.domain.sharing import (
    Action,
    Purpose,
    SubjectKind,
    decide,
    known_subject,
    subject_ref,
)
from doorstep.services import acting, sharing
from doorstep.services.deps import Deps
from doorstep.services.sharing import EntryView, Named
from doorstep.store import sharing as store
from doorstep.store import vault as vault_store
from doorstep.store.db import Connection, transaction
from doorstep.store.vault import FactValue

MAX_KEYS = 50


@dataclass(frozen=True)
class SharedItem:
    kind: str
    key: str
    value: FactValue | None  # facts
    number_masked: str | None  # documents
    source: Named | None
    as_of: datetime | None


@dataclass(frozen=True)
class ResidentData:
    purpose: str
    items: list[SharedItem]


def _purpose(item_code: str | None, bundle_code: str | None) -> tuple[Purpose, str]:
    item = (item_code or "").strip()[:64] or None
    bundle = (bundle_code or "").strip()[:64] or None
    if item is None and bundle is None:
        raise InvalidInput("sharing.purpose_required")
    label = f"item:{item}" if item else f"bundle:{bundle}"
    return Purpose(item=item, bundle=bundle), label


async def read_resident_data(
    deps: Deps,
    actor: Actor,
    resident_id: str,
    *,
    item_code: str | None = None,
    bundle_code: str | None = None,
    keys: Sequence[tuple[str, str]] | None = None,
) -> ResidentData:
    """A clerk reads what their unit may read of a resident's vault for a service item (or
    bundle): the asked items (kind, key), or all it may. Any asked item outside the list, or
    nothing the unit may read at all, refuses the whole read, and the attempt is recorded."""
    authorize(actor, Operation.RESIDENT_DATA_READ)
    purpose, label = _purpose(item_code, bundle_code)
    if keys is not None and not 0 < len(keys) <= MAX_KEYS:
        raise InvalidInput("sharing.keys_count", limit=MAX_KEYS)
    try:
        resident = validate_resident_id(resident_id)
    except ValueError as exc:
        raise InvalidInput(exc.args[0]) from None
    if actor.unit_id is None or actor.staff_id is None:
        raise Forbidden("auth.forbidden")
    unit = await store.unit_by_id(deps.pool, actor.unit_id)
    assert unit is not None
    index = pii.blind_index(resident, deps.settings.index_key)
    in_force = await sharing.list_in_force(deps.pool)
    wanted = list(keys) if keys is not None else None
    if wanted is not None:
        for kind, key in wanted:
            if kind not in (SubjectKind.FACT, SubjectKind.DOCUMENT):
                raise InvalidInput("sharing.kind_invalid", kind=kind[:20])
            if not known_subject(kind, key):
                raise InvalidInput("sharing.subject_unknown", key=key[:60])
    refusal: str | None = None
    async with transaction(deps.pool) as conn:
        citizen = await vault_store.citizen_by_index(conn, index)
        if citizen is None:
            raise NotFound("citizen.not_found")
        if wanted is None:
            allowed = [
                (e.kind.value, e.key)
                for e in sharing.entries_of(in_force)
                if decide(in_force, unit.code, e.kind, e.key, Action.READ, purpose) is None
            ]
            refused_keys: list[tuple[str, str]] = []
            if not allowed:
                refusal = "sharing.read_not_allowed"
        else:
            codes = {
                (k, key): decide(in_force, unit.code, k, key, Action.READ, purpose)
                for k, key in wanted
            }
            refused_keys = [s for s, code in codes.items() if code is not None]
            allowed = [s for s, code in codes.items() if code is None]
            if refused_keys:
                refusal = next(c for c in codes.values() if c is not None)
        items: list[SharedItem] = []
        if refusal is None:
            items = await _items(conn, citizen.id, allowed)
        # what was seen (the items the resident holds), or what was asked and refused
        seen = list(dict.fromkeys((i.kind, i.key) for i in items))
        await store.record_subject_read(
            conn,
            citizen_id=citizen.id,
            staff_id=actor.staff_id,
            purpose=label,
            subjects=[subject_ref(k, key) for k, key in (refused_keys if refusal else seen)],
            refused=refusal is not None,
        )
    if refusal is not None:
        # the refused attempt is committed above: the citizen sees it in their log
        key = (refused_keys[0][1] if refused_keys else "") if wanted is not None else ""
        raise Forbidden(refusal, key=key, owner="-")
    return ResidentData(purpose=label, items=items)


async def _items(
    conn: Connection, citizen_id: int, allowed: list[tuple[str, str]]
) -> list[SharedItem]:
    fact_keys = [k for kind, k in allowed if kind == SubjectKind.FACT]
    doc_types = {k for kind, k in allowed if kind == SubjectKind.DOCUMENT}
    out: list[SharedItem] = []
    for f in await vault_store.facts_of(conn, citizen_id, fact_keys) if fact_keys else []:
        out.append(
            SharedItem(
                kind="fact",
                key=f.key,
                value=vault_store.fact_value(f),
                number_masked=None,
                source=Named(f.unit_code, f.unit_name),
                as_of=f.as_of,
            )
        )
    for d in await vault_store.documents_of(conn, citizen_id) if doc_types else []:
        if d.doc_type in doc_types:
            out.append(
                SharedItem(
                    kind="document",
                    key=d.doc_type,
                    value=None,
                    number_masked=d.number_masked,
                    source=Named(d.unit_code, d.unit_name or d.unit_code) if d.unit_code else None,
                    as_of=d.created_at,
                )
            )
    return out


# --- the citizen's view ------------------------------------------------------------------------


@dataclass(frozen=True)
class UseEntry:
    unit_name: str | None
    purpose: str
    application_number: str | None
    refused: bool
    at: datetime


@dataclass(frozen=True)
class MyItem:
    kind: str
    key: str
    entry: EntryView | None  # None: the list in force does not name it
    used: list[UseEntry]


@dataclass(frozen=True)
class MySharing:
    version: int | None
    effective_from: date | None
    items: list[MyItem]


MAX_LOG_ROWS = 500


async def my_data_sharing(deps: Deps, actor: Actor) -> MySharing:
    """For each item of the citizen's vault: the owner, who may use it for what and why, and
    who used it (applications, offers, corrections) or read it (staff, refused reads too).
    An agent whose delegation allows it sees the principal's, and the read is recorded."""
    citizen_id = authorize_subject(actor, Operation.MY_DATA_SHARING_READ)
    async with deps.pool.acquire() as conn:
        await acting.record_read(deps, conn, actor, what="data_sharing", purpose="review_log")
        facts = await vault_store.facts_of(conn, citizen_id)
        documents = await vault_store.documents_of(conn, citizen_id)
        in_force = await sharing.list_in_force(conn)
        described = await sharing.describe(conn, in_force) if in_force is not None else []
        uses = await store.unit_uses(conn, citizen_id, MAX_LOG_ROWS)
        reads = await store.subject_reads(conn, citizen_id, MAX_LOG_ROWS)
    by_subject = {(e.kind, e.key): e for e in described}
    held = [("fact", f.key) for f in facts] + sorted({("document", d.doc_type) for d in documents})
    used: dict[tuple[str, str], list[UseEntry]] = {}
    for u in uses:
        for item in u.used_items:
            kind = str(item.get("kind", ""))
            key = str(item.get("type") if kind == "document" else item.get("key"))
            used.setdefault((kind, key), []).append(
                UseEntry(u.unit_name, u.purpose, u.application_number, False, u.created_at)
            )
    for r in reads:
        for ref in r.subjects:
            kind, _sep, key = ref.partition(":")
            used.setdefault((kind, key), []).append(
                UseEntry(r.unit_name, r.purpose, None, r.refused, r.created_at)
            )
    return MySharing(
        version=in_force.version if in_force else None,
        effective_from=in_force.effective_from if in_force else None,
        items=[
            MyItem(
                kind=kind,
                key=key,
                entry=by_subject.get((kind, key)),
                used=sorted(used.get((kind, key), []), key=lambda e: e.at, reverse=True),
            )
            for kind, key in held
        ],
    )
