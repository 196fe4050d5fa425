"""What a delegation tells: events on the principal's stream and SMS to either party."""

from __future__ import annotations

from typing import Any

from doorstep.services.acting import tell, who
from doorstep.services.citizen_sms import display_phone
from doorstep.services.delegation.views import theme_labels, until_text
from doorstep.services.deps import Deps
from doorstep.store import delegation as store
from doorstep.store.db import Connection
from doorstep.store.delegation import DelegationRow


async def send_sms(
    conn: Connection,
    deps: Deps,
    row: DelegationRow,
    *,
    to: str,
    template: str,
    with_themes: bool = False,
    with_until: bool = False,
    with_phone: bool = False,
    extend_code: str | None = None,
) -> int:
    """An SMS about a delegation to one party, naming the other."""
    if to == "principal":
        recipient_id, other_name, other_phone = (
            row.principal_id,
            row.agent_name,
            row.agent_phone,
        )
    else:
        recipient_id, other_name, other_phone = (
            row.agent_id,
            row.principal_name,
            row.principal_phone,
        )
    recipient = await store.citizen_brief(conn, recipient_id)
    assert recipient is not None
    language = recipient.language
    params: dict[str, Any] = {"name": who(other_name, other_phone)}
    if with_themes:
        params["themes"] = theme_labels(row.themes, language)
    if with_until:
        params["due"] = until_text(row)
    if with_phone:
        params["phone"] = display_phone(deps.settings.support_phone)
    return await tell(conn, recipient, template, params, extend_code)
