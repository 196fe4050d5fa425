""" "Who looked at my data": every read of a citizen's personal data by staff or agents."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from doorstep.domain.identity import mask_phone
from doorstep.domain.policy import Actor, Operation, authorize_subject
from doorstep.mirror import GIVEN, mirror
from doorstep.services import acting
from doorstep.services.deps import Deps
from doorstep.store import delegation as store
from doorstep.store import sharing as sharing_store
from doorstep.store.db import Connection, Queryable
from doorstep.store.delegation import DataReadRow
from doorstep.store.proactive import reads as staff_reads

# the codes readers record (what, purpose); shown through the catalogs' data_what.* and
# data_purpose.* texts; anything else recorded is shown as written
READ_WHAT = (
    "offers",
    "offer",
    "welfare_check",
    "escort_booking",
    "vault_fact",
    "application",
    "applications",
    "application_updates",
    "identity",
    "delegation",
    "data_access_log",
    "data_sharing",
    "vault",
    "ticket",
    "tickets",
    "material_file",
    "escort_bookings",
    "escort_slots",
    "priority",
)
READ_PURPOSES = (
    "handle_application",
    "check_materials",
    "follow_progress",
    "review_log",
    "assisted_application",
    "in_person_consent",
    "handle_ticket",
    "identity_review",
    "arrange_escort",
    "check_priority",
    "review_offers",
    "fill_form",
    "review_appeal",
    "home_visit",
    "accompanied_visit",
    "handle_correction",
)
# purposes reads were recorded with as English text before they had codes: the code each is
# shown as now (rows are never rewritten: the log is what was recorded)
_OLD_PURPOSES = {
    "offers for principal": "review_offers",
    "review offer appeal": "review_appeal",
    "home visit": "home_visit",
    "accompanied visit": "accompanied_visit",
    "handle data correction": "handle_correction",
}
_OLD_PURPOSE_PREFIXES = (("application form ", "fill_form"),)


def purpose_code(recorded: str) -> str:
    """The purpose code of a recorded read: itself, or the code of an old free text."""
    if recorded in _OLD_PURPOSES:
        return _OLD_PURPOSES[recorded]
    for prefix, code in _OLD_PURPOSE_PREFIXES:
        if recorded.startswith(prefix):
            return code
    return recorded


async def record_staff_read(
    db: Queryable, actor: Actor, citizen_id: int, *, what: str, purpose: str
) -> None:
    """A staff member read a citizen's personal data: recorded, for the citizen to see."""
    await store.record_read(
        db,
        citizen_id=citizen_id,
        reader_kind="staff",
        reader_id=actor.staff_id or 0,
        what=what,
        purpose=purpose,
    )


class OfCitizen(Protocol):
    """A row about one citizen (a queue's, a roster's)."""

    @property
    def citizen_id(self) -> int: ...


async def record_staff_reads(
    conn: Connection, actor: Actor, rows: Iterable[OfCitizen], *, what: str, purpose: str
) -> None:
    """A staff member read a list of rows: one read recorded for each citizen they show."""
    citizen_ids = sorted({r.citizen_id for r in rows})
    await staff_reads.record_reads(conn, citizen_ids, actor.staff_id or 0, what, purpose)


@dataclass(frozen=True)
class AccessEntry:
    id: int
    reader_kind: str  # staff or agent
    reader_name: str | None
    reader_unit: str | None  # staff: their unit
    reader_phone_masked: str | None  # agents: their number, masked
    what: str
    purpose: str
    at: datetime
    refused: bool = False  # outside the data-sharing list: refused, and recorded
    # a read for a service item or bundle ("item:<code>"): its name
    purpose_name: str | None = None


# the name of an item or bundle read for is given: read for the whole page at once
_entry = mirror(
    AccessEntry,
    DataReadRow,
    reader_unit="unit_name",
    reader_phone_masked=lambda r: mask_phone(r.reader_phone) if r.reader_phone else None,
    at="created_at",
    purpose=lambda r: purpose_code(r.purpose),
    purpose_name=GIVEN,
)


async def data_access_log(
    deps: Deps, actor: Actor, *, limit: int = 50, before_id: int | None = None
) -> list[AccessEntry]:
    """The citizen's (or, for their agent, the principal's) log, newest first."""
    citizen_id = authorize_subject(actor, Operation.DATA_ACCESS_LOG_READ)
    limit = max(1, min(limit, 200))
    async with deps.pool.acquire() as conn:
        rows = await store.data_reads(conn, citizen_id, limit, before_id)
        await acting.record_read(deps, conn, actor, what="data_access_log", purpose="review_log")
        refs = {r.purpose for r in rows if r.purpose.startswith(("item:", "bundle:"))}
        names = (
            await sharing_store.names_of(
                conn,
                [p.removeprefix("item:") for p in refs if p.startswith("item:")],
                [p.removeprefix("bundle:") for p in refs if p.startswith("bundle:")],
            )
            if refs
            else {}
        )
    return [_entry(r, purpose_name=names.get(r.purpose)) for r in rows]
