"""The digest: a citizen's waiting updates about one application go out as one SMS."""

from __future__ import annotations

import logging

from doorstep.config import SmsSettings
from doorstep.notify.sms_text import FittedSms, digest_line, fit_sms
from doorstep.store.db import Connection
from doorstep.store.outbox import policy as store
from doorstep.store.outbox.rows import OutboxRow, SiblingRow

log = logging.getLogger(__name__)


def digest_number(row: OutboxRow, sms: SmsSettings) -> str | None:
    """The application a citizen's non-urgent update is about, if it may join a digest."""
    params = row.params
    # a question is asked in its own words, with its own extend code: never folded in a digest
    if (
        row.urgent
        or row.citizen_id is None
        or sms.digest_seconds <= 0
        or row.extend_code is not None
        or not isinstance(params, dict)
        or row.template == "sms.digest"
    ):
        return None
    number = params.get("number")
    return str(number) if number else None


async def gather_digest(
    conn: Connection, row: OutboxRow, sign_name: str, sms: SmsSettings
) -> FittedSms | None:
    """Gather the application's other waiting updates into this row's SMS, if there are any."""
    number = digest_number(row, sms)
    if number is None:
        return None
    siblings = await store.lock_siblings(conn, row.id, row.phone, number)
    members: list[OutboxRow | SiblingRow] = sorted(
        [row, *await store.merged_rows(conn, row.id), *siblings], key=lambda r: r.id
    )
    if len(members) < 2:
        return None
    latest = members[-1]
    params = {
        "number": number,
        "count": str(len(members)),
        "latest": digest_line(latest.kind, latest.template, latest.params, row.language),
    }
    try:
        fitted = fit_sms(
            "sms.digest",
            params,
            row.language,
            sign_name=sign_name,
            param_limit=sms.param_limit,
            max_parts=sms.max_parts,
        )
    except (KeyError, IndexError, ValueError):
        log.exception("outbox row %s: digest cannot be rendered; sending alone", row.id)
        return None
    if siblings:
        ids = [s.id for s in siblings]
        await store.merge(conn, row.id, ids)
        for sibling in siblings:
            await store.record_decision(
                conn,
                sibling.id,
                sibling.citizen_id,
                decision="merged",
                reason="digest",
                detail={"into": row.id},
            )
        await store.record_decision(
            conn,
            row.id,
            row.citizen_id,
            decision="digest",
            reason="digest",
            detail={"count": len(members), "merged": ids},
        )
    return fitted
