"""SQL for Web Push subscriptions and the push side of the outbox."""

from __future__ import annotations

from doorstep.store.db import Connection, Queryable
from doorstep.store.rows import Row, fetch
from doorstep.store.typed import fetch_bool, fetch_column, fetch_int, fetch_optional, gives_row

MAX_PER_CITIZEN = 10


class SubscriptionRow(Row):
    id: int
    endpoint: str
    p256dh: str
    auth: str


async def upsert(conn: Connection, citizen_id: int, endpoint: str, p256dh: str, auth: str) -> int:
    """Register (or move to this citizen, with new keys) one endpoint; returns its id.

    A citizen keeps at most MAX_PER_CITIZEN endpoints: the oldest go first.
    """
    subscription_id = await fetch_int(
        conn,
        """insert into push_subscriptions (citizen_id, endpoint, p256dh, auth)
           values ($1, $2, $3, $4)
           on conflict (endpoint) do update
             set citizen_id = excluded.citizen_id, p256dh = excluded.p256dh,
                 auth = excluded.auth, created_at = now()
           returning id""",
        citizen_id,
        endpoint,
        p256dh,
        auth,
    )
    await conn.execute(
        """delete from push_subscriptions where citizen_id = $1 and id not in
             (select id from push_subscriptions where citizen_id = $1
              order by created_at desc, id desc limit $2)""",
        citizen_id,
        MAX_PER_CITIZEN,
    )
    return subscription_id


async def remove(conn: Queryable, citizen_id: int, endpoint: str) -> bool:
    status: str = await conn.execute(
        "delete from push_subscriptions where citizen_id = $1 and endpoint = $2",
        citizen_id,
        endpoint,
    )
    return status != "DELETE 0"


async def remove_by_id(conn: Queryable, subscription_ids: list[int]) -> None:
    await conn.execute(
        "delete from push_subscriptions where id = any($1::bigint[])", subscription_ids
    )


async def mark_success(conn: Queryable, subscription_ids: list[int]) -> None:
    await conn.execute(
        "update push_subscriptions set last_success_at = now() where id = any($1::bigint[])",
        subscription_ids,
    )


async def for_citizen(conn: Queryable, citizen_id: int) -> list[SubscriptionRow]:
    return await fetch(
        conn,
        SubscriptionRow,
        """select id, endpoint, p256dh, auth from push_subscriptions
           where citizen_id = $1 order by id""",
        citizen_id,
    )


async def has_live(conn: Queryable, citizen_id: int) -> bool:
    return await fetch_bool(
        conn, "select exists (select 1 from push_subscriptions where citizen_id = $1)", citizen_id
    )


async def mark_opened(conn: Connection, outbox_id: int) -> bool:
    """False when no push row has this id."""
    return await gives_row(
        conn,
        """update outbox set opened_at = coalesce(opened_at, now()), updated_at = now()
           where id = $1 and channel = 'push' returning id""",
        outbox_id,
    )


async def unread_important(
    conn: Queryable, *, after_seconds: int, kinds: list[str], limit: int
) -> list[int]:
    """Important pushes sent a while ago, not opened, with no fallback SMS yet: their ids."""
    return await fetch_column(
        conn,
        int,
        """select o.id from outbox o
           where o.channel = 'push' and o.opened_at is null
             and o.status in ('sent', 'delivered')
             and o.sent_at < now() - make_interval(secs => $1)
             and o.sent_at > now() - interval '3 days'
             and (o.urgent or o.kind = any($2::text[]))
             and not exists (select 1 from outbox f where f.fallback_of = o.id)
           order by o.sent_at limit $3""",
        after_seconds,
        kinds,
        limit,
    )


async def insert_fallback(conn: Connection, outbox_id: int) -> int | None:
    """An SMS copy of a push row (once: None if it has one already)."""
    return await fetch_optional(
        conn,
        int,
        """insert into outbox (citizen_id, phone, kind, template, params, language, urgent,
                               via, fallback_of)
           select citizen_id, phone, kind, template, params, language, urgent, 'sms', id
           from outbox where id = $1
           on conflict (fallback_of) where fallback_of is not null do nothing
           returning id""",
        outbox_id,
    )
