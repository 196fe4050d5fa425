"""What the console SMS channel sent, newest first: the dev inbox page's one read."""

from __future__ import annotations

from typing import Any

from doorstep.domain.pii import MASK, unseal_sms_params
from doorstep.services.deps import Deps
from doorstep.store.outbox import reading as outbox

INBOX_SIZE = 200


async def console_messages(deps: Deps, phone: str | None = None) -> list[dict[str, Any]]:
    """Only the console channel's rows: in production it is off, so this reads nothing.

    The stored text masks log-in codes; the dev inbox (dev only) shows them as the phone did."""
    rows = await outbox.console_messages(deps.pool, INBOX_SIZE, phone)
    messages = []
    for row in rows:
        message = dict(row)
        params = unseal_sms_params(dict(row.params or {}), deps.settings.data_key)
        if message["body"] and "code" in params:
            message["body"] = message["body"].replace(MASK, str(params["code"]))
        messages.append(message)
    return messages
