"""The event log's usual authors, for events off an application's timeline.

Most events are a staff member's act, a citizen's act on their own record, or the service's
own. These name the actor once instead of spelling out its kind and id at every call. An
application's timeline event stays a plain `events.append(..., application_id=...)`: the
catalog check (`doorstep.i18n.extract`) reads those calls to find the texts a timeline shows.
"""

from __future__ import annotations

from collections.abc import Mapping

from doorstep.domain.policy import Actor
from doorstep.store import events
from doorstep.store.db import Connection


async def by_staff(
    conn: Connection,
    actor: Actor,
    kind: str,
    citizen_id: int | None = None,
    data: Mapping[str, object] | None = None,
) -> int:
    """A staff member's act, on the stream of `citizen_id` when it concerns one person."""
    event = events.NewEvent(kind, "staff", actor.staff_id, citizen_id=citizen_id, data=data)
    return await events.append_new(conn, event)


async def by_citizen(
    conn: Connection, citizen_id: int, kind: str, data: Mapping[str, object] | None = None
) -> int:
    """A citizen's act on their own record: they are both the actor and whom it is about."""
    event = events.NewEvent(kind, "citizen", citizen_id, citizen_id=citizen_id, data=data)
    return await events.append_new(conn, event)


async def by_system(
    conn: Connection,
    kind: str,
    data: Mapping[str, object] | None = None,
    citizen_id: int | None = None,
) -> int:
    """What the service did by itself (a sweep, a pause, a finding): no person acted."""
    event = events.NewEvent(kind, "system", None, citizen_id=citizen_id, data=data)
    return await events.append_new(conn, event)
