"""The staff's side: the appeals to decide and the welfare visits to make."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from doorstep.domain.calendar import SHANGHAI, today_local
from doorstep.domain.errors import InvalidInput
from doorstep.domain.policy import Actor, Operation, authorize
from doorstep.domain.rules import WELFARE_OUTCOMES
from doorstep.services import citizen_sms, event_log, privacy
from doorstep.services.deps import Deps
from doorstep.services.oversight import citizen_at_unit, require_open, visible_units
from doorstep.services.proactive.views import (
    MAX_REASON_CHARS,
    OfferSnapshot,
    snapshot_of,
    text_in,
    unit_names,
)
from doorstep.store import applications as app_store
from doorstep.store import vault as vault_store
from doorstep.store.db import Connection, transaction
from doorstep.store.proactive import appeals as proactive_appeals
from doorstep.store.proactive import offers as proactive_offers
from doorstep.store.proactive import welfare_checks as proactive_welfare_checks
from doorstep.store.proactive.rows import AppealRow as AppealRow
from doorstep.store.proactive.rows import CheckRow as CheckRow

# --- staff: appeals and visits -----------------------------------------------------------------


_Work = TypeVar("_Work", AppealRow, CheckRow)


@dataclass(frozen=True)
class StaffWork(Generic[_Work]):
    """An appeal or a visit as staff read it: its row (with the citizen's name beside it) and
    the offer it is about, the evidence naming the units it came from."""

    row: _Work
    offer: OfferSnapshot


AppealView = StaffWork[AppealRow]
WelfareCheckView = StaffWork[CheckRow]


async def _work(conn: Connection, row: _Work) -> StaffWork[_Work]:
    return StaffWork(row, snapshot_of(row, await unit_names(conn, [row])))


@dataclass(frozen=True)
class _Queue(Generic[_Work]):
    """A queue of staff work: who may read it and who may finish its work, its rows by unit
    (statuses, at most how many), the status of open work (what it shows when no status is
    asked for), how each citizen's read is recorded, and the refusals of work not found or no
    longer open."""

    operation: Operation
    finish: Operation
    rows_of: Callable[[Connection, list[int], list[str], int], Awaitable[list[_Work]]]
    open_status: str
    read: tuple[str, str]  # what, purpose
    not_found: str
    closed: str


_APPEALS = _Queue(
    Operation.APPEAL_QUEUE_READ,
    Operation.APPEAL_DECIDE,
    proactive_appeals.appeals_of_units,
    "pending",
    ("offer", "review_appeal"),
    "appeal.not_found",
    "appeal.decided",
)
_VISITS = _Queue(
    Operation.WELFARE_QUEUE_READ,
    Operation.WELFARE_CHECK_COMPLETE,
    proactive_welfare_checks.checks_of_units,
    "open",
    ("welfare_check", "home_visit"),
    "welfare.not_found",
    "welfare.done",
)


def _open_work(actor: Actor, queue: _Queue[_Work], row: _Work | None) -> _Work:
    """The work (read under lock) the actor finishes: found, theirs to finish, still open."""
    return require_open(
        actor,
        queue.finish,
        row,
        citizen_at_unit,
        open_status=queue.open_status,
        not_found=queue.not_found,
        closed=queue.closed,
    )


async def _queue(
    deps: Deps, actor: Actor, queue: _Queue[_Work], statuses: list[str] | None, limit: int
) -> list[StaffWork[_Work]]:
    """The work of the units the actor oversees, each citizen's read recorded, with the names
    of the units the offers' evidence cites."""
    authorize(actor, queue.operation)
    units = await visible_units(deps, actor)
    async with transaction(deps.pool) as conn:
        rows = await queue.rows_of(
            conn, units, statuses or [queue.open_status], max(1, min(limit, 200))
        )
        what, purpose = queue.read
        await privacy.record_staff_reads(conn, actor, rows, what=what, purpose=purpose)
        names = await unit_names(conn, rows)
    return [StaffWork(r, snapshot_of(r, names)) for r in rows]


async def appeal_queue(
    deps: Deps, actor: Actor, statuses: list[str] | None = None, limit: int = 50
) -> list[AppealView]:
    """Appeals waiting on the actor's unit (supervisors: their region). Reading them shows the
    citizen's data, so each read is recorded."""
    return await _queue(deps, actor, _APPEALS, statuses, limit)


async def decide_appeal(
    deps: Deps, actor: Actor, appeal_id: int, *, uphold: bool, note: str
) -> AppealView:
    """Uphold: the offer is withdrawn (and not made again). Reject: it is open again, with the
    reviewer's note, for its full period. The citizen is told either way."""
    text = " ".join(note.split())
    if not text or len(text) > MAX_REASON_CHARS:
        raise InvalidInput("offer.reason_invalid", limit=MAX_REASON_CHARS)
    async with transaction(deps.pool) as conn:
        row = _open_work(
            actor, _APPEALS, await proactive_appeals.appeal_for_update(conn, appeal_id)
        )
        status = "upheld" if uphold else "rejected"
        await proactive_appeals.decide_appeal(
            conn, appeal_id, status=status, staff_id=actor.staff_id, note=text
        )
        valid_days = await conn.fetchval(
            "select valid_days from offer_rule_versions v join opportunities p on "
            "p.rule_id = v.rule_id and p.rule_version = v.version where p.id = $1",
            row.opportunity_id,
        )
        if uphold:
            await proactive_offers.set_offer_status(
                conn, row.opportunity_id, "withdrawn", reason="appeal_upheld"
            )
        else:
            await proactive_offers.set_offer_status(
                conn,
                row.opportunity_id,
                "open",
                reason="appeal_rejected",
                expires_in_days=valid_days,
            )
        await event_log.by_staff(
            conn,
            actor,
            f"offer.appeal_{status}",
            row.citizen_id,
            {"offer": row.opportunity_id, "appeal": appeal_id},
        )
        contact = await app_store.citizen_contact(conn, row.citizen_id)
        assert contact is not None
        outbox_id = await citizen_sms.queue(
            conn,
            contact,
            kind="offer.appeal_decided",
            template="sms.appeal_upheld" if uphold else "sms.appeal_rejected",
            params={"item": text_in(row.title, contact.language), "reason": text},
            call_phone=deps.settings.support_phone,
        )
        done = await proactive_appeals.appeal_for_update(conn, appeal_id)
        assert done is not None
        view = await _work(conn, done)
    await deps.after_commit([outbox_id])
    return view


async def welfare_checks(
    deps: Deps, actor: Actor, statuses: list[str] | None = None, limit: int = 50
) -> list[WelfareCheckView]:
    """Visits for the actor's community unit (supervisors: their region); reads recorded."""
    return await _queue(deps, actor, _VISITS, statuses, limit)


async def complete_welfare_check(
    deps: Deps, actor: Actor, check_id: int, *, outcome: str, note: str | None
) -> WelfareCheckView:
    """The visit is done. Seeing the person is a sign of life: it becomes the citizen's
    latest activity (so the rule stops finding them); not reaching them leaves the finding
    standing, and the next evaluation raises a new visit."""
    if outcome not in WELFARE_OUTCOMES:
        raise InvalidInput("welfare.outcome_invalid")
    text = " ".join((note or "").split()) or None
    if text is not None and len(text) > MAX_REASON_CHARS:
        raise InvalidInput("offer.reason_invalid", limit=MAX_REASON_CHARS)
    async with transaction(deps.pool) as conn:
        row = _open_work(
            actor, _VISITS, await proactive_welfare_checks.check_for_update(conn, check_id)
        )
        await proactive_welfare_checks.finish_check(
            conn, check_id, outcome=outcome, note=text, staff_id=actor.staff_id
        )
        await proactive_offers.set_offer_status(
            conn, row.opportunity_id, "resolved", reason=outcome
        )
        if outcome != "not_reached":
            await vault_store.put_fact(
                conn,
                citizen_id=row.citizen_id,
                key="activity.last_seen",
                value=today_local(),
                source_unit_id=row.unit_id,
                as_of=datetime.now(SHANGHAI),
            )
        await event_log.by_staff(
            conn,
            actor,
            "welfare_check.done",
            row.citizen_id,
            {"check": check_id, "outcome": outcome},
        )
        done = await proactive_welfare_checks.check_for_update(conn, check_id)
        assert done is not None
        return await _work(conn, done)
