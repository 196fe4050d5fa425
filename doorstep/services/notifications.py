"""Notifications: queue in the caller's transaction; deliver from a worker, at least once."""

from __future__ import annotations

import logging
from typing import Any

from doorstep.notify.channels import Channel, DeliveryResult
from doorstep.notify.sms_text import render_sms
from doorstep.services.deps import Deps
from doorstep.store import outbox as store
from doorstep.store.db import Connection, transaction

log = logging.getLogger(__name__)


async def queue(conn: Connection, *, citizen_id: int | None, phone: str, kind: str,
                template: str, params: dict[str, Any], language: str, urgent: bool = False
                ) -> int:
    """Write the outbox row inside the caller's transaction; enqueue after commit."""
    return await store.insert(conn, citizen_id=citizen_id, phone=phone, kind=kind,
                              template=template, params=params, language=language,
                              urgent=urgent)


async def deliver(deps: Deps, channel: Channel, outbox_id: int) -> str | None:
    """Send one outbox row if it is still due. Returns the new status, None if nothing to do.

    The row stays locked while the channel sends, so a second worker with the same job skips it;
    a row already sent is never sent again.
    """
    async with transaction(deps.pool) as conn:
        row = await store.lock_for_delivery(conn, outbox_id)
        if row is None:
            return None
        try:
            body = render_sms(row["template"], row["params"], row["language"],
                              sign_name=deps.settings.sms_sign_name)
        except (KeyError, IndexError, ValueError) as exc:
            # a template that cannot be filled will never send: stop, do not retry forever
            log.exception("outbox row %s: template %s cannot be rendered", outbox_id,
                          row["template"])
            await store.mark(conn, outbox_id, status="technical-failure", channel=None,
                             body=None, error=f"render: {exc!r}"[:500])
            return "technical-failure"
        try:
            result = await channel.send(row["phone"], body, row["template"], row["params"],
                                        str(row["id"]))
        except Exception as exc:  # any channel fault is recorded, never lost
            log.exception("delivery of outbox row %s failed", outbox_id)
            result = DeliveryResult(status="temporary-failure", error=repr(exc)[:500])
        await store.mark(conn, outbox_id, status=result.status, channel=channel.name, body=body,
                         provider_id=result.provider_id, error=result.error)
    return result.status


async def pending(deps: Deps, *, older_than_seconds: int = 20, limit: int = 500) -> list[int]:
    return await store.pending_ids(deps.pool, older_than_seconds, limit)
