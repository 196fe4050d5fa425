"""SQL for SMS replies (SmsUp) and what they ask about."""

from __future__ import annotations

import asyncpg

from doorstep.store.db import Connection, Queryable


async def insert(
    conn: Queryable,
    *,
    dedupe_key: str,
    phone: str,
    content: str,
    dest_code: str | None,
    sequence_id: str | None,
    send_time: str | None,
) -> int | None:
    """The new reply's id, or None if this very reply was recorded before (a repeated push)."""
    inbound_id: int | None = await conn.fetchval(
        """insert into sms_inbound (dedupe_key, phone, content, dest_code, sequence_id,
                                    send_time)
           values ($1, $2, $3, $4, $5, $6)
           on conflict (dedupe_key) do nothing returning id""",
        dedupe_key,
        phone,
        content,
        dest_code,
        sequence_id,
        send_time,
    )
    return inbound_id


async def set_outcome(
    conn: Queryable, inbound_id: int, citizen_id: int | None, outcome: str
) -> None:
    await conn.execute(
        "update sms_inbound set citizen_id = $2, outcome = $3 where id = $1",
        inbound_id,
        citizen_id,
        outcome,
    )


async def citizen(conn: Queryable, phone: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "select id, phone, language, sms_opt_out_at from citizens where phone = $1", phone
    )


async def help_sent_today(conn: Queryable, phone: str) -> bool:
    """A help SMS went to this number within the last day."""
    return bool(
        await conn.fetchval(
            """select exists (select 1 from outbox where phone = $1 and kind = 'sms_reply.help'
                          and created_at > now() - interval '1 day')""",
            phone,
        )
    )


async def application_of(
    conn: Queryable, citizen_id: int, number: str | None
) -> asyncpg.Record | None:
    """The citizen's application with this number, or their latest one (number None)."""
    return await conn.fetchrow(
        """select number, status from applications
           where citizen_id = $1 and ($2::text is null or number = $2)
           order by created_at desc, id desc limit 1""",
        citizen_id,
        number,
    )


async def opt_out(conn: Connection, citizen_id: int) -> None:
    await conn.execute(
        "update citizens set sms_opt_out_at = coalesce(sms_opt_out_at, now()) where id = $1",
        citizen_id,
    )


async def opted_out(conn: Queryable, citizen_id: int) -> bool:
    return bool(
        await conn.fetchval(
            "select sms_opt_out_at is not null from citizens where id = $1", citizen_id
        )
    )
