"""SQL for writing a broadcast: created, its audience's rows inserted set-based in chunks."""

from __future__ import annotations

from collections.abc import Mapping

from doorstep.store.broadcasts.rows import AudienceJson, BroadcastRow, ChunkRow, QueuedRow
from doorstep.store.db import Connection, Queryable
from doorstep.store.rows import fetch, fetchrow_by, fetchrow_one
from doorstep.store.typed import fetch_bool, fetch_column, fetch_int

_BROADCAST_COLUMNS = """id, template, params, kind, urgent, audience, staff_id, state, cursor,
    total, created_at, queued_at"""


async def create(
    conn: Connection,
    *,
    template: str,
    params: Mapping[str, object],
    kind: str,
    urgent: bool,
    audience: AudienceJson,
    staff_id: int | None,
) -> int:
    return await fetch_int(
        conn,
        """insert into broadcasts (template, params, kind, urgent, audience, staff_id)
           values ($1, $2, $3, $4, $5, $6) returning id""",
        template,
        params,
        kind,
        urgent,
        audience,
        staff_id,
    )


async def started_recently(conn: Connection, fingerprint: str, window_seconds: int) -> bool:
    """Whether a broadcast of this fingerprint (template, values, audience) started within the
    window. Holds a lock on the fingerprint until the transaction ends, so two starts at once
    cannot both pass."""
    await conn.execute(
        "select pg_advisory_xact_lock(hashtextextended('broadcast:' || $1, 0))", fingerprint
    )
    return await fetch_bool(
        conn,
        """select exists (select 1 from broadcasts where audience->>'fingerprint' = $1
                          and created_at > now() - make_interval(secs => $2))""",
        fingerprint,
        window_seconds,
    )


async def region_has_citizens(conn: Queryable, region: str) -> bool:
    return await fetch_bool(
        conn, "select exists (select 1 from citizens where region_code like $1 || '%')", region
    )


async def get(conn: Queryable, broadcast_id: int) -> BroadcastRow | None:
    return await fetchrow_by(
        conn, BroadcastRow, f"select {_BROADCAST_COLUMNS} from broadcasts", "id", broadcast_id
    )


# One chunk of the audience: citizens after the cursor, in id order. Opted-out citizens ("TD")
# get no non-urgent broadcast. Each row's channel decision is written with it.
_WRITE_CHUNK = """
with b as (select * from broadcasts where id = $1 for update),
chunk as (
    select c.id, c.phone, c.language from citizens c
    where c.id > (select cursor from b) {where}
      and ((select urgent from b) or c.sms_opt_out_at is null)
    order by c.id limit $2),
ins as (
    insert into outbox (citizen_id, phone, kind, template, params, language, urgent,
                        broadcast_id, via)
    select chunk.id, chunk.phone, b.kind, b.template, b.params, chunk.language, b.urgent,
           b.id, 'sms'
    from chunk cross join b
    on conflict (broadcast_id, citizen_id) where broadcast_id is not null do nothing
    returning id, citizen_id, language),
decided as (
    insert into notification_decisions (outbox_id, citizen_id, decision, channel, reason,
                                        detail)
    select ins.id, ins.citizen_id, 'channel', 'sms', 'broadcast',
           jsonb_build_object('broadcast', $1::bigint)
    from ins),
moved as (
    update broadcasts set cursor = coalesce((select max(id) from chunk), cursor),
                          total = total + (select count(*) from ins)
    where id = $1 returning cursor)
select (select count(*) from chunk) as seen, (select count(*) from ins) as written,
       coalesce((select array_agg(distinct language) from ins), '{{}}'::text[]) as languages
"""


async def write_region_chunk(
    conn: Connection, broadcast_id: int, region: str, size: int
) -> ChunkRow:
    sql = _WRITE_CHUNK.format(where="and c.region_code like $3 || '%'")
    return await fetchrow_one(conn, ChunkRow, sql, broadcast_id, size, region)


async def write_list_chunk(
    conn: Connection, broadcast_id: int, citizen_ids: list[int], size: int
) -> ChunkRow:
    sql = _WRITE_CHUNK.format(where="and c.id = any($3::bigint[])")
    return await fetchrow_one(conn, ChunkRow, sql, broadcast_id, size, citizen_ids)


async def citizens_by_phone(conn: Queryable, phones: list[str]) -> list[int]:
    return await fetch_column(
        conn, int, "select id from citizens where phone = any($1::text[]) order by id", phones
    )


async def mark_queued(conn: Connection, broadcast_id: int) -> QueuedRow:
    return await fetchrow_one(
        conn,
        QueuedRow,
        """update broadcasts set state = 'queued', queued_at = coalesce(queued_at, now())
           where id = $1 returning total, queued_at""",
        broadcast_id,
    )


async def writing(conn: Queryable, older_than_seconds: int) -> list[BroadcastRow]:
    """Broadcasts whose rows were not all written (the writer stopped): to go on with."""
    return await fetch(
        conn,
        BroadcastRow,
        f"""select {_BROADCAST_COLUMNS} from broadcasts
           where state = 'writing' and created_at < now() - make_interval(secs => $1)
           order by id""",
        older_than_seconds,
    )
