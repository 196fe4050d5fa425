"""SQL for upload grants, stored files and the files attached to applications."""

from __future__ import annotations

from datetime import datetime

from doorstep.store.db import Connection, Queryable
from doorstep.store.rows import Row, fetch, fetchrow
from doorstep.store.typed import fetch_column, fetch_int


class GrantRow(Row):
    id: int
    citizen_id: int
    expires_at: datetime
    used_at: datetime | None


class FileRow(Row):
    id: int
    citizen_id: int
    media_type: str
    size_bytes: int
    sha256: str
    storage_key: str
    scan_status: str
    created_at: datetime


class AttachedFileRow(Row):
    id: int
    material_code: str
    media_type: str
    size_bytes: int
    sha256: str
    attached_at: datetime


_FILE = """select f.id, f.citizen_id, f.media_type, f.size_bytes, f.sha256, f.storage_key,
           f.scan_status, f.created_at from stored_files f"""


async def insert_grant(
    conn: Connection, token_hash: bytes, citizen_id: int, expires_at: datetime
) -> int:
    return await fetch_int(
        conn,
        """insert into upload_grants (token_hash, citizen_id, expires_at)
           values ($1, $2, $3) returning id""",
        token_hash,
        citizen_id,
        expires_at,
    )


async def grants_last_hour(conn: Connection, citizen_id: int) -> int:
    """Grants the citizen was given in the last hour, counted under a lock of theirs, so
    requests at once cannot all slip under the limit."""
    await conn.execute(
        "select pg_advisory_xact_lock(hashtextextended('upload:' || $1::bigint, 0))",
        citizen_id,
    )
    return await fetch_int(
        conn,
        """select count(*) from upload_grants
           where citizen_id = $1 and created_at > now() - interval '1 hour'""",
        citizen_id,
    )


async def lock_grant(conn: Connection, token_hash: bytes) -> GrantRow | None:
    return await fetchrow(
        conn,
        GrantRow,
        """select id, citizen_id, expires_at, used_at from upload_grants
           where token_hash = $1 for update""",
        token_hash,
    )


async def insert_file(
    conn: Connection,
    *,
    grant_id: int,
    citizen_id: int,
    media_type: str,
    size_bytes: int,
    sha256: str,
    storage_key: str,
    scan_status: str,
) -> FileRow:
    await conn.execute("update upload_grants set used_at = now() where id = $1", grant_id)
    file_id = await fetch_int(
        conn,
        """insert into stored_files (grant_id, citizen_id, media_type, size_bytes, sha256,
                                     storage_key, scan_status)
           values ($1, $2, $3, $4, $5, $6, $7) returning id""",
        grant_id,
        citizen_id,
        media_type,
        size_bytes,
        sha256,
        storage_key,
        scan_status,
    )
    found = await get_file(conn, file_id)
    assert found is not None
    return found


async def get_file(db: Queryable, file_id: int) -> FileRow | None:
    return await fetchrow(db, FileRow, f"{_FILE} where f.id = $1 and f.deleted_at is null", file_id)


async def attach(conn: Connection, application_id: int, material_code: str, file_id: int) -> None:
    await conn.execute(
        """insert into application_files (application_id, material_code, file_id)
           values ($1, $2, $3) on conflict do nothing""",
        application_id,
        material_code,
        file_id,
    )


async def attached_to(db: Queryable, application_id: int) -> list[AttachedFileRow]:
    return await fetch(
        db,
        AttachedFileRow,
        """select f.id, x.material_code, f.media_type, f.size_bytes, f.sha256, x.attached_at
           from application_files x join stored_files f on f.id = x.file_id
           where x.application_id = $1 and f.deleted_at is null
           order by x.attached_at, f.id""",
        application_id,
    )


async def applications_of_file(db: Queryable, file_id: int) -> list[str]:
    return await fetch_column(
        db,
        str,
        """select a.number from application_files x join applications a
             on a.id = x.application_id where x.file_id = $1 order by a.id""",
        file_id,
    )


class ExpiredFileRow(Row):
    id: int
    storage_key: str


async def expired_files(
    db: Queryable, refused_days: int, unattached_days: int, limit: int
) -> list[ExpiredFileRow]:
    """Files kept past their time: those given only with applications refused in full more
    than `refused_days` ago, and those never given with any application after
    `unattached_days`."""
    return await fetch(
        db,
        ExpiredFileRow,
        """select f.id, f.storage_key from stored_files f
           where f.deleted_at is null
             and (
               (exists (select 1 from application_files x where x.file_id = f.id)
                and not exists (
                  select 1 from application_files x join applications a
                    on a.id = x.application_id
                  where x.file_id = f.id
                    and not (a.status = 'rejected'
                             and a.completed_at < now() - make_interval(days => $1))))
               or (not exists (select 1 from application_files x where x.file_id = f.id)
                   and f.created_at < now() - make_interval(days => $2)))
           order by f.id limit $3""",
        refused_days,
        unattached_days,
        limit,
    )


async def mark_deleted(conn: Connection, file_id: int) -> None:
    await conn.execute(
        "update stored_files set deleted_at = now() where id = $1 and deleted_at is null",
        file_id,
    )
