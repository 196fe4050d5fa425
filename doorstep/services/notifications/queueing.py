"""Queueing a notification: the outbox row is written in the caller's transaction."""

from __future__ import annotations

from typing import Any

from doorstep.notify.sms_text import check_identifiers
from doorstep.store.db import Connection
from doorstep.store.outbox import delivery as store


async def queue(
    conn: Connection,
    *,
    citizen_id: int | None,
    phone: str,
    kind: str,
    template: str,
    params: dict[str, Any],
    language: str,
    urgent: bool = False,
    extend_code: str | None = None,
) -> int:
    """Write the outbox row inside the caller's transaction; enqueue after commit.

    An identifier that could never be sent (a malformed number or code) is refused here, in the
    caller's transaction, rather than failing later in a worker. `extend_code` marks an SMS
    that asks a question (domain.sms_reply.question_code): the reply comes back with it.
    """
    check_identifiers(params)
    return await store.insert(
        conn,
        citizen_id=citizen_id,
        phone=phone,
        kind=kind,
        template=template,
        params=params,
        language=language,
        urgent=urgent,
        extend_code=extend_code,
    )
