"""The once-only vault (一次采集、多次使用): documents and facts with their source, who used
them for what, application forms that ask only for what is missing, and "this is wrong"."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from doorstep.domain import pii
from doorstep.domain.calendar import SHANGHAI, local_date
from doorstep.domain.case_numbers import make_case_number, normalize_case_number
from doorstep.domain.delegation import moves_money, theme_of_bundle
from doorstep.domain.errors import Conflict, InvalidInput, NotFound
from doorstep.domain.identity import validate_resident_id
from doorstep.domain.policy import Actor, Operation, Role, Target, authorize
from doorstep.domain.vault import (
    FACTS,
    CleanDocument,
    DocumentType,
    clean_document,
    fact_value_json,
    mask_document_number,
    material_source,
    parse_fact_value,
)
from doorstep.domain.vault import DocumentInput as DocumentInput  # re-exported for forms
from doorstep.services import file_refs, notifications
from doorstep.services.catalog import Bundle
from doorstep.services.deps import Deps
from doorstep.services.identity import binding
from doorstep.store import applications as app_store
from doorstep.store import events
from doorstep.store import proactive as offer_store
from doorstep.store import vault as store
from doorstep.store.db import Connection, transaction
from doorstep.store.vault import CorrectionRow, DocumentRow, UnitCorrectionRow

CORRECTION_PREFIX = "30"  # 10 applications, 20 tickets (domain.case_numbers), 30 corrections
DOCUMENT_PURPOSE = b"vault_document"
MAX_DOCUMENTS_PER_REQUEST = 10
MAX_FACTS_PER_REQUEST = 100
MAX_NOTE_CHARS = 500


def today_local() -> date:
    return local_date(datetime.now().astimezone())


# --- views -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """Where a vault item came from: a unit, or the citizen (with an application)."""

    unit_code: str | None
    unit_name: str | None
    application_number: str | None = None


@dataclass(frozen=True)
class DocumentView:
    id: int
    doc_type: str
    number_masked: str | None
    issuer: str
    valid_until: date | None
    file_ref: str | None
    file_sha256: str | None
    source: Source
    created_at: datetime


@dataclass(frozen=True)
class FactView:
    key: str
    value: bool | int | date | str | None
    source: Source
    as_of: datetime
    open_correction: str | None  # the number of an open "this is wrong" flag


@dataclass(frozen=True)
class UseView:
    id: int
    unit_name: str | None
    purpose: str
    items: list[dict[str, Any]]
    application_number: str | None
    bundle_name: str | None
    rule_code: str | None
    rule_version: int | None
    rule_title: dict[str, str] | None
    at: datetime


@dataclass(frozen=True)
class CorrectionView:
    id: int
    number: str
    citizen_id: int
    fact_key: str
    unit_code: str
    unit_name: str
    flagged_value: Any
    note: str
    status: str
    corrected_value: Any
    resolution_note: str | None
    rerun: dict[str, Any] | None
    created_at: datetime
    resolved_at: datetime | None
    citizen_name: str | None = None
    citizen_resident_id_masked: str | None = None


@dataclass(frozen=True)
class VaultView:
    documents: list[DocumentView]
    facts: list[FactView]
    corrections: list[CorrectionView]


def _document(row: DocumentRow) -> DocumentView:
    return DocumentView(
        id=row.id,
        doc_type=row.doc_type,
        number_masked=row.number_masked,
        issuer=row.issuer,
        valid_until=row.valid_until,
        file_ref=row.file_ref,
        file_sha256=row.file_sha256,
        source=Source(row.unit_code, row.unit_name, row.application_number),
        created_at=row.created_at,
    )


def _correction(row: CorrectionRow) -> CorrectionView:
    return CorrectionView(
        id=row.id,
        number=row.number,
        citizen_id=row.citizen_id,
        fact_key=row.fact_key,
        unit_code=row.unit_code,
        unit_name=row.unit_name,
        flagged_value=row.flagged_value,
        note=row.note,
        status=row.status,
        corrected_value=row.corrected_value,
        resolution_note=row.resolution_note,
        rerun=row.rerun,
        created_at=row.created_at,
        resolved_at=row.resolved_at,
        citizen_name=row.citizen_name if isinstance(row, UnitCorrectionRow) else None,
        citizen_resident_id_masked=(
            row.citizen_resident_id_masked if isinstance(row, UnitCorrectionRow) else None
        ),
    )


# --- the citizen's own vault -------------------------------------------------------------------


async def my_vault(deps: Deps, actor: Actor) -> VaultView:
    authorize(actor, Operation.VAULT_READ, Target(citizen_id=actor.citizen_id))
    assert actor.citizen_id is not None
    async with deps.pool.acquire() as conn:
        documents = await store.documents_of(conn, actor.citizen_id)
        facts = await store.facts_of(conn, actor.citizen_id)
        corrections = await store.corrections_of_citizen(conn, actor.citizen_id)
    open_by_key = {c.fact_key: c.number for c in corrections if c.status == "open"}
    return VaultView(
        documents=[_document(r) for r in documents],
        facts=[
            FactView(
                key=r.key,
                value=store.fact_value(r),
                source=Source(r.unit_code, r.unit_name),
                as_of=r.as_of,
                open_correction=open_by_key.get(r.key),
            )
            for r in facts
        ],
        corrections=[_correction(r) for r in corrections],
    )


async def my_vault_uses(
    deps: Deps, actor: Actor, *, limit: int = 50, before_id: int | None = None
) -> list[UseView]:
    authorize(actor, Operation.VAULT_READ, Target(citizen_id=actor.citizen_id))
    assert actor.citizen_id is not None
    rows = await store.uses_of(deps.pool, actor.citizen_id, max(1, min(limit, 200)), before_id)
    return [
        UseView(
            id=r.id,
            unit_name=r.unit_name,
            purpose=r.purpose,
            items=r.used_items,
            application_number=r.application_number,
            bundle_name=r.bundle_name,
            rule_code=r.rule_code,
            rule_version=r.rule_version,
            rule_title=r.rule_title,
            at=r.created_at,
        )
        for r in rows
    ]


def clean_documents(documents: Sequence[DocumentInput]) -> list[CleanDocument]:
    if len(documents) > MAX_DOCUMENTS_PER_REQUEST:
        raise InvalidInput("vault.too_many_documents", limit=MAX_DOCUMENTS_PER_REQUEST)
    today = today_local()
    return [clean_document(d, today) for d in documents]


async def store_documents(
    deps: Deps, conn: Connection, citizen_id: int, documents: Sequence[CleanDocument]
) -> list[int]:
    """Keep what the citizen provided in their vault (source: themselves)."""
    ids = []
    for doc in documents:
        await file_refs.check_reference(conn, citizen_id, doc.file_ref, doc.file_sha256)
        if doc.doc_type is DocumentType.RESIDENT_ID_CARD and doc.number is not None:
            # an ID card in the vault is the account's own, proved ID, never another's
            await binding.require_verified(deps, conn, citizen_id, doc.number)
        enc = index = masked = None
        if doc.number is not None:
            enc = pii.encrypt(doc.number, deps.settings.data_key, purpose=DOCUMENT_PURPOSE)
            index = pii.blind_index(f"{doc.doc_type.value}:{doc.number}", deps.settings.index_key)
            masked = mask_document_number(doc.number)
        ids.append(
            await store.upsert_document(
                conn,
                citizen_id=citizen_id,
                doc_type=doc.doc_type.value,
                number_enc=enc,
                number_index=index,
                number_masked=masked,
                issuer=doc.issuer,
                valid_until=doc.valid_until,
                file_ref=doc.file_ref,
                file_sha256=doc.file_sha256,
                source_unit_id=None,
                source_application_id=None,
            )
        )
    return ids


async def add_document(deps: Deps, actor: Actor, document: DocumentInput) -> DocumentView:
    """The citizen puts a document in their vault, to be reused by every later form."""
    authorize(actor, Operation.VAULT_WRITE, Target(citizen_id=actor.citizen_id))
    assert actor.citizen_id is not None
    clean = clean_documents([document])
    async with transaction(deps.pool) as conn:
        [doc_id] = await store_documents(deps, conn, actor.citizen_id, clean)
        await events.append(
            conn,
            kind="vault.document_added",
            actor_kind="citizen",
            actor_id=actor.citizen_id,
            citizen_id=actor.citizen_id,
            data={"type": clean[0].doc_type.value},
        )
        rows = await store.documents_of(conn, actor.citizen_id)
    return next(_document(r) for r in rows if r.id == doc_id)


# --- application forms: held or missing --------------------------------------------------------


@dataclass(frozen=True)
class MaterialState:
    code: str
    name: str
    required: bool
    item_names: tuple[str, ...]
    unit_ids: tuple[int, ...]
    held: bool
    document: DocumentView | None = None
    fact_key: str | None = None
    fact_source: Source | None = None


@dataclass(frozen=True)
class FormView:
    bundle_code: str
    bundle_name: str
    materials: list[MaterialState]

    @property
    def missing_required(self) -> int:
        return sum(1 for m in self.materials if m.required and not m.held)


async def _material_states(
    conn: Connection, citizen_id: int, bundle: Bundle, today: date
) -> list[MaterialState]:
    """Each material of the bundle once (the one form), and whether the vault holds it."""
    documents: dict[str, DocumentView] = {}
    for row in await store.documents_of(conn, citizen_id, today):
        documents.setdefault(row.doc_type, _document(row))
    fact_rows = {r.key: r for r in await store.facts_of(conn, citizen_id)}
    order: list[str] = []
    merged: dict[str, dict[str, Any]] = {}
    for item in bundle.items:
        for material in item.materials:
            entry = merged.get(material.code)
            if entry is None:
                order.append(material.code)
                entry = merged[material.code] = {
                    "name": material.name,
                    "required": False,
                    "items": [],
                    "units": [],
                }
            entry["required"] = entry["required"] or material.required
            entry["items"].append(item.name)
            if item.unit.id not in entry["units"]:
                entry["units"].append(item.unit.id)
    states = []
    for code in order:
        entry = merged[code]
        common: dict[str, Any] = {
            "code": code,
            "name": entry["name"],
            "required": entry["required"],
            "item_names": tuple(entry["items"]),
            "unit_ids": tuple(entry["units"]),
        }
        source = material_source(code)
        if source is not None and source[0] == "document" and source[1] in documents:
            states.append(MaterialState(**common, held=True, document=documents[source[1]]))
            continue
        if source is not None and source[0] == "fact":
            hit = next(
                (
                    fact_rows[k]
                    for k in source[1].split("|")
                    if k in fact_rows and fact_rows[k].flag is True
                ),
                None,
            )
            if hit is not None:
                states.append(
                    MaterialState(
                        **common,
                        held=True,
                        fact_key=hit.key,
                        fact_source=Source(hit.unit_code, hit.unit_name),
                    )
                )
                continue
        states.append(MaterialState(**common, held=False))
    return states


async def application_form(deps: Deps, actor: Actor, bundle_code: str) -> FormView:
    """What applying for a bundle would take: every material once, held (and from where) or
    missing. Nothing is used yet, so nothing is logged."""
    citizen_id = actor.subject_citizen_id
    authorize(
        actor,
        Operation.APPLICATION_FORM_READ,
        Target(
            citizen_id=citizen_id,
            theme=theme_of_bundle(bundle_code),
            moves_money=moves_money(bundle_code),
        ),
    )
    assert citizen_id is not None
    bundle = await deps.catalog.get(deps, bundle_code)
    if bundle is None:
        raise NotFound("bundle.unknown", bundle=bundle_code[:40])
    async with deps.pool.acquire() as conn:
        states = await _material_states(conn, citizen_id, bundle, today_local())
        if actor.role is Role.AGENT and actor.agent_citizen_id is not None:
            await app_store.record_personal_data_read(
                conn,
                citizen_id=citizen_id,
                reader_kind="agent",
                reader_id=actor.agent_citizen_id,
                what="vault",
                purpose=f"application form {bundle.code}",
            )
    return FormView(bundle.code, bundle.name, states)


@dataclass
class Prefill:
    """What the vault supplies to one application; `log_uses` once the application exists."""

    citizen_id: int
    states: list[MaterialState]
    provided_document_ids: list[int] = field(default_factory=list)

    @property
    def material_codes(self) -> set[str]:
        return {m.code for m in self.states if m.held}

    @property
    def missing(self) -> list[str]:
        return [m.code for m in self.states if m.required and not m.held]

    def form_json(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for m in self.states:
            if m.document is not None:
                out.append(
                    {
                        "material": m.code,
                        "document_id": m.document.id,
                        "type": m.document.doc_type,
                        "source": m.document.source.unit_code or "citizen",
                    }
                )
            elif m.fact_key is not None:
                out.append(
                    {
                        "material": m.code,
                        "fact": m.fact_key,
                        "source": m.fact_source.unit_code if m.fact_source else None,
                    }
                )
        return out

    async def log_uses(self, conn: Connection, application_id: int) -> None:
        """One use per receiving unit: which vault items it got for this application."""
        await store.link_documents_to_application(conn, self.provided_document_ids, application_id)
        per_unit: dict[int, list[dict[str, Any]]] = {}
        for m in self.states:
            if m.document is not None:
                item: dict[str, Any] = {
                    "kind": "document",
                    "type": m.document.doc_type,
                    "id": m.document.id,
                    "material": m.code,
                }
            elif m.fact_key is not None:
                item = {"kind": "fact", "key": m.fact_key, "material": m.code}
            else:
                continue
            for unit_id in m.unit_ids:
                if item not in per_unit.setdefault(unit_id, []):
                    per_unit[unit_id].append(item)
        for unit_id, items in per_unit.items():
            await store.record_use(
                conn,
                citizen_id=self.citizen_id,
                unit_id=unit_id,
                purpose="application",
                items=items,
                application_id=application_id,
            )


async def prefill(
    deps: Deps,
    conn: Connection,
    citizen_id: int,
    bundle: Bundle,
    documents: Sequence[DocumentInput] = (),
) -> Prefill:
    """Inside the submission's transaction: keep the documents the citizen provided, then
    take from the vault everything it holds for the bundle. A wrong document refuses the
    whole submission (InvalidInput), so nothing is half-written."""
    provided = await store_documents(deps, conn, citizen_id, clean_documents(documents))
    states = await _material_states(conn, citizen_id, bundle, today_local())
    return Prefill(citizen_id=citizen_id, states=states, provided_document_ids=provided)


# --- facts from units --------------------------------------------------------------------------


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
            await offer_store.rerun_for_citizen(conn, citizen.id, changed_keys, today)
            if changed_keys
            else {}
        )
        await events.append(
            conn,
            kind="vault.facts_recorded",
            actor_kind="staff",
            actor_id=actor.staff_id,
            citizen_id=citizen.id,
            data={"unit": source.code, "keys": changed_keys},
        )
    return RecordResult(changed=len(changed_keys), rerun=rerun)


# --- "this data is wrong" ----------------------------------------------------------------------


def _clean_note(note: str, code: str = "vault.note_invalid") -> str:
    text = " ".join(note.split())
    if not text or len(text) > MAX_NOTE_CHARS:
        raise InvalidInput(code, limit=MAX_NOTE_CHARS)
    return text


async def flag_fact(deps: Deps, actor: Actor, key: str, note: str) -> CorrectionView:
    """The citizen says a fact is wrong: a correction goes to the unit that owns it."""
    authorize(actor, Operation.FACT_FLAG, Target(citizen_id=actor.citizen_id))
    assert actor.citizen_id is not None
    text = _clean_note(note)
    if key not in FACTS:
        raise InvalidInput("vault.fact_key_unknown", key=key[:60])
    async with transaction(deps.pool) as conn:
        fact = await store.fact_for_update(conn, actor.citizen_id, key)
        if fact is None:
            raise NotFound("vault.fact_not_found")
        number = make_case_number(CORRECTION_PREFIX, await store.next_correction_serial(conn))
        correction_id = await store.insert_correction(
            conn,
            number=number,
            citizen_id=actor.citizen_id,
            fact_key=key,
            unit_id=fact.source_unit_id,
            flagged_value=fact_value_json(store.fact_value(fact)),
            note=text,
        )
        if correction_id is None:
            raise Conflict("correction.already_open")
        await events.append(
            conn,
            kind="vault.fact_flagged",
            actor_kind="citizen",
            actor_id=actor.citizen_id,
            citizen_id=actor.citizen_id,
            data={"key": key, "number": number, "unit": fact.unit_code},
        )
        outbox_ids = [
            await notifications.queue(
                conn,
                citizen_id=None,
                phone=phone,
                kind="vault.correction_requested",
                template="sms.correction_requested",
                params={"number": number},
                language="zh_Hans",
            )
            for phone in await store.unit_staff_phones(conn, fact.source_unit_id)
        ]
        row = await store.correction_by_number(conn, number)
    await deps.after_commit(outbox_ids)
    assert row is not None
    return _correction(row)


async def _visible_units(deps: Deps, actor: Actor) -> list[int]:
    if actor.role is Role.SUPERVISOR and actor.region_code:
        return await app_store.units_in_region(deps.pool, actor.region_code)
    if actor.role is Role.ADMIN:
        return await app_store.units_in_region(deps.pool, "")
    return [actor.unit_id] if actor.unit_id is not None else []


async def unit_corrections(
    deps: Deps, actor: Actor, statuses: list[str] | None = None, limit: int = 50
) -> list[CorrectionView]:
    """The corrections waiting on the actor's unit (supervisors: their region). Staff see the
    citizen's name and masked ID: the read is recorded."""
    authorize(actor, Operation.CORRECTION_QUEUE_READ)
    units = await _visible_units(deps, actor)
    wanted = statuses or ["open"]
    async with transaction(deps.pool) as conn:
        rows = await store.corrections_of_units(conn, units, wanted, max(1, min(limit, 200)))
        await offer_store.record_reads(
            conn,
            sorted({r.citizen_id for r in rows}),
            actor.staff_id or 0,
            "vault_fact",
            "handle data correction",
        )
    return [_correction(r) for r in rows]


def parse_correction_number(raw: str) -> str:
    try:
        number = normalize_case_number(raw)
    except ValueError:
        raise InvalidInput("correction.number_invalid") from None
    if not number.startswith(CORRECTION_PREFIX):
        raise InvalidInput("correction.number_invalid")
    return number


async def resolve_correction(
    deps: Deps, actor: Actor, raw_number: str, *, corrected: bool, value: Any, note: str
) -> CorrectionView:
    """The owning unit answers: the corrected value (the rules that read it re-run for the
    citizen at once) or the value confirmed as right, with a note the citizen sees."""
    number = parse_correction_number(raw_number)
    text = _clean_note(note)
    today = today_local()
    async with transaction(deps.pool) as conn:
        row = await store.correction_by_number(conn, number, lock=True)
        if row is None:
            raise NotFound("correction.not_found")
        authorize(
            actor,
            Operation.CORRECTION_RESOLVE,
            Target(citizen_id=row.citizen_id, units={row.unit_id: row.unit_region_code}),
        )
        if row.status != "open":
            raise Conflict("correction.closed")
        rerun: dict[str, Any] | None = None
        new_value = None
        if corrected:
            if value is None:
                raise InvalidInput("vault.fact_value_invalid", key=row.fact_key, kind="-")
            parsed = parse_fact_value(row.fact_key, value)
            new_value = fact_value_json(parsed)
            await store.put_fact(
                conn,
                citizen_id=row.citizen_id,
                key=row.fact_key,
                value=parsed,
                source_unit_id=row.unit_id,
                as_of=datetime.now().astimezone(),
                replaced_by="correction",
                correction_id=row.id,
            )
            rerun = await offer_store.rerun_for_citizen(conn, row.citizen_id, [row.fact_key], today)
        await store.resolve_correction(
            conn,
            row.id,
            status="corrected" if corrected else "confirmed",
            corrected_value=new_value,
            note=text,
            staff_id=actor.staff_id,
            rerun=rerun,
        )
        await store.record_use(
            conn,
            citizen_id=row.citizen_id,
            unit_id=row.unit_id,
            purpose="correction",
            items=[{"kind": "fact", "key": row.fact_key}],
        )
        await events.append(
            conn,
            kind="vault.correction_resolved",
            actor_kind="staff",
            actor_id=actor.staff_id,
            citizen_id=row.citizen_id,
            data={"number": number, "key": row.fact_key, "corrected": corrected},
        )
        contact = await app_store.citizen_contact(conn, row.citizen_id)
        assert contact is not None
        outbox_id = await notifications.queue(
            conn,
            citizen_id=contact["id"],
            phone=contact["phone"],
            kind="vault.correction_resolved",
            template="sms.correction_corrected" if corrected else "sms.correction_confirmed",
            params={"number": number, "reason": text},
            language=contact["language"],
        )
        done = await store.correction_by_number(conn, number)
    await deps.after_commit([outbox_id])
    assert done is not None
    return _correction(done)


def as_of_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, SHANGHAI)
