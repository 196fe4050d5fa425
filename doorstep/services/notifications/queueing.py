"""Queueing a notification: the outbox row is written in the caller's transaction."""

from __future__ import annotations

from typing import Any, Protocol

from doorstep.notify.sms_text import check_identifiers
from doorstep.store.db import Connection
from doorstep.store.outbox import delivery as store

# staff SMS (reminders, escalations) are written in the staff's working language
STAFF_LANGUAGE = "zh_Hans"


class Recipient(Protocol):
    """Whom a citizen's SMS reaches (each store's citizen row has these)."""

    @property
    def id(self) -> int: ...
    @property
    def phone(self) -> str: ...
    @property
    def language(self) -> str: ...


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
    return await queue_message(
        conn,
        store.NewMessage(citizen_id, phone, kind, template, params, language, urgent, extend_code),
    )


async def queue_message(conn: Connection, message: store.NewMessage) -> int:
    """`queue` for an outbox row built already."""
    check_identifiers(message.params)
    return await store.insert(conn, message)


async def queue_for_staff(
    conn: Connection,
    phones: list[str],
    *,
    kind: str,
    template: str,
    params: dict[str, Any],
    urgent: bool = False,
) -> list[int]:
    """One SMS to each staff phone (no citizen: the outbox row is the staff member's), in the
    staff's language; the outbox ids to enqueue after commit."""
    return [
        await queue_message(
            conn, store.NewMessage(None, phone, kind, template, params, STAFF_LANGUAGE, urgent)
        )
        for phone in phones
    ]
