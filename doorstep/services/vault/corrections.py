""" "This data is wrong": a citizen flags a fact; its owning unit resolves the correction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from doorstep.domain.calendar import today_local
from doorstep.domain.case_numbers import make_case_number, parse_case_number
from doorstep.domain.errors import Conflict, InvalidInput, NotFound
from doorstep.domain.policy import Actor, Operation, authorize_own
from doorstep.domain.sharing import Action, SubjectKind
from doorstep.domain.vault import FACTS, fact_value_json, parse_fact_value
from doorstep.services import event_log, notifications, privacy, sharing
from doorstep.services.deps import Deps
from doorstep.services.oversight import (
    authorized_units,
    citizen_at_unit,
    require_open,
)
from doorstep.services.vault.views import CorrectionView, correction_view
from doorstep.store import applications as app_store
from doorstep.store import staff_phones
from doorstep.store import vault as store
from doorstep.store import vault_corrections as corrections_store
from doorstep.store.db import transaction
from doorstep.store.proactive import evaluation as proactive_evaluation

CORRECTION_PREFIX = "30"  # 10 applications, 20 tickets (domain.case_numbers), 30 corrections
MAX_NOTE_CHARS = 500


def _clean_note(note: str, code: str = "vault.note_invalid") -> str:
    text = " ".join(note.split())
    if not text or len(text) > MAX_NOTE_CHARS:
        raise InvalidInput(code, limit=MAX_NOTE_CHARS)
    return text


async def flag_fact(deps: Deps, actor: Actor, key: str, note: str) -> CorrectionView:
    """The citizen says a fact is wrong: a correction goes to the unit that owns it."""
    citizen_id = authorize_own(actor, Operation.FACT_FLAG)
    text = _clean_note(note)
    if key not in FACTS:
        raise InvalidInput("vault.fact_key_unknown", key=key[:60])
    async with transaction(deps.pool) as conn:
        fact = await store.fact_for_update(conn, citizen_id, key)
        if fact is None:
            raise NotFound("vault.fact_not_found")
        # the owner on the list answers it (the unit that stated it, when the key is unlisted)
        owner_id = await sharing.owner_unit_id(conn, SubjectKind.FACT, key)
        unit_id = owner_id if owner_id is not None else fact.source_unit_id
        number = make_case_number(
            CORRECTION_PREFIX, await corrections_store.next_correction_serial(conn)
        )
        correction_id = await corrections_store.insert_correction(
            conn,
            number=number,
            citizen_id=citizen_id,
            fact_key=key,
            unit_id=unit_id,
            flagged_value=fact_value_json(store.fact_value(fact)),
            note=text,
        )
        if correction_id is None:
            raise Conflict("correction.already_open")
        await event_log.by_citizen(
            conn,
            citizen_id,
            "vault.fact_flagged",
            {"key": key, "number": number, "unit_id": unit_id},
        )
        outbox_ids = await notifications.queue_for_staff(
            conn,
            await staff_phones.unit_staff_phones(conn, unit_id),
            kind="vault.correction_requested",
            template="sms.correction_requested",
            params={"number": number},
        )
        row = await corrections_store.correction_by_number(conn, number)
    await deps.after_commit(outbox_ids)
    assert row is not None
    return correction_view(row)


async def unit_corrections(
    deps: Deps, actor: Actor, statuses: list[str] | None = None, limit: int = 50
) -> list[CorrectionView]:
    """The corrections waiting on the actor's unit (supervisors: their region). Staff see the
    citizen's name and masked ID: the read is recorded."""
    units = await authorized_units(deps, actor, Operation.CORRECTION_QUEUE_READ)
    wanted = statuses or ["open"]
    async with transaction(deps.pool) as conn:
        rows = await corrections_store.corrections_of_units(
            conn, units, wanted, max(1, min(limit, 200))
        )
        await privacy.record_staff_reads(
            conn, actor, rows, what="vault_fact", purpose="handle_correction"
        )
    return [correction_view(r) for r in rows]


def parse_correction_number(raw: str) -> str:
    return parse_case_number(raw, CORRECTION_PREFIX, "correction.number_invalid")


async def resolve_correction(
    deps: Deps, actor: Actor, raw_number: str, *, corrected: bool, value: Any, note: str
) -> CorrectionView:
    """The owning unit answers: the corrected value (the rules that read it re-run for the
    citizen at once) or the value confirmed as right, with a note the citizen sees."""
    number = parse_correction_number(raw_number)
    text = _clean_note(note)
    today = today_local()
    async with transaction(deps.pool) as conn:
        row = require_open(
            actor,
            Operation.CORRECTION_RESOLVE,
            await corrections_store.correction_by_number(conn, number, lock=True),
            citizen_at_unit,
            open_status="open",
            not_found="correction.not_found",
            closed="correction.closed",
        )
        # only the owner on the list in force corrects (the list may have changed since)
        await sharing.require(
            conn,
            await sharing.list_in_force(conn, today),
            row.unit_code,
            SubjectKind.FACT,
            row.fact_key,
            Action.CORRECT,
        )
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
            rerun = await proactive_evaluation.rerun_for_citizen(
                conn,
                row.citizen_id,
                [row.fact_key],
                today,
                await sharing.rules_allowed(conn, today),
            )
        await corrections_store.resolve_correction(
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
        await event_log.by_staff(
            conn,
            actor,
            "vault.correction_resolved",
            row.citizen_id,
            {"number": number, "key": row.fact_key, "corrected": corrected},
        )
        contact = await app_store.citizen_contact(conn, row.citizen_id)
        assert contact is not None
        outbox_id = await notifications.queue(
            conn,
            citizen_id=contact.id,
            phone=contact.phone,
            kind="vault.correction_resolved",
            template="sms.correction_corrected" if corrected else "sms.correction_confirmed",
            params={"number": number, "reason": text},
            language=contact.language,
        )
        done = await corrections_store.correction_by_number(conn, number)
    await deps.after_commit([outbox_id])
    assert done is not None
    return correction_view(done)
