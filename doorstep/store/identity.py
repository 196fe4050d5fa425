"""SQL for real identity: checks with the provider, who holds a verified resident ID, the
conflicts a person decides."""

from __future__ import annotations

from datetime import date, datetime

from doorstep.store.db import Connection, Queryable
from doorstep.store.rows import Row, fetch, fetchrow, fetchrow_by, fetchrow_one
from doorstep.store.typed import fetch_int, gives_row


class HolderRow(Row):
    """A citizen's identity as bound to the account."""

    id: int
    resident_id_index: bytes | None
    resident_id_masked: str | None
    identity_verified_at: datetime | None
    identity_method: str | None


class VerificationRow(Row):
    id: int
    citizen_id: int
    provider: str
    certify_id: str | None
    name: str
    resident_id_enc: bytes
    resident_id_index: bytes
    resident_id_masked: str
    status: str
    result_code: str | None
    created_at: datetime
    finished_at: datetime | None


class ConflictRow(Row):
    id: int
    verification_id: int
    claimant_id: int
    holder_id: int
    resident_id_masked: str
    status: str
    decided_by: int | None
    decided_at: datetime | None
    reason: str | None
    created_at: datetime
    holder_method: str | None
    holder_verified_at: datetime | None
    claimant_name: str | None
    claimant_phone: str
    holder_name: str | None
    holder_phone: str


_VERIFICATION = """id, citizen_id, provider, certify_id, name, resident_id_enc, resident_id_index,
    resident_id_masked, status, result_code, created_at, finished_at"""


async def lock_index(conn: Connection, index: bytes) -> None:
    """Serialise every binding of one resident ID within the transaction (two accounts
    claiming one ID at once: one waits, then sees the other's binding)."""
    await conn.execute(
        "select pg_advisory_xact_lock(hashtextextended('identity:' || encode($1, 'hex'), 0))",
        index,
    )


_HOLDER = """select id, resident_id_index, resident_id_masked, identity_verified_at,
    identity_method from citizens"""


async def holder(conn: Queryable, citizen_id: int) -> HolderRow | None:
    return await fetchrow_by(conn, HolderRow, _HOLDER, "id", citizen_id)


async def holder_of_index(conn: Queryable, index: bytes) -> HolderRow | None:
    return await fetchrow_by(conn, HolderRow, _HOLDER, "resident_id_index", index)


async def bind_verified(
    conn: Connection,
    citizen_id: int,
    *,
    enc: bytes,
    index: bytes,
    masked: str,
    birth_date: date,
    name: str | None,
    method: str,
    ref: str | None,
    staff_id: int | None,
) -> None:
    """The resident ID becomes the account's, verified (replacing an unverified claim of the
    same account)."""
    await conn.execute(
        """update citizens set
             resident_id_enc = $2, resident_id_index = $3, resident_id_masked = $4,
             birth_date = $5, name = coalesce($6, name),
             identity_verified_at = now(), identity_method = $7, identity_ref = $8,
             identity_staff_id = $9, updated_at = now()
           where id = $1""",
        citizen_id,
        enc,
        index,
        masked,
        birth_date,
        name,
        method,
        ref,
        staff_id,
    )


async def unbind(conn: Connection, citizen_id: int) -> None:
    """The account no longer holds any resident ID (a reviewer moved it to its owner)."""
    await conn.execute(
        """update citizens set
             resident_id_enc = null, resident_id_index = null, resident_id_masked = null,
             identity_verified_at = null, identity_method = null, identity_ref = null,
             identity_staff_id = null, updated_at = now()
           where id = $1""",
        citizen_id,
    )


async def insert_verification(
    conn: Connection,
    *,
    citizen_id: int,
    provider: str,
    name: str,
    enc: bytes,
    index: bytes,
    masked: str,
) -> VerificationRow:
    """A check about to be asked of the provider (it counts against the daily limit even if
    the provider then fails: each try may cost money)."""
    return await fetchrow_one(
        conn,
        VerificationRow,
        f"""insert into identity_verifications (citizen_id, provider, name,
               resident_id_enc, resident_id_index, resident_id_masked)
            values ($1, $2, $3, $4, $5, $6)
            returning {_VERIFICATION}""",
        citizen_id,
        provider,
        name,
        enc,
        index,
        masked,
    )


async def set_certify_id(conn: Queryable, verification_id: int, certify_id: str) -> None:
    await conn.execute(
        "update identity_verifications set certify_id = $2 where id = $1",
        verification_id,
        certify_id,
    )


async def verification(conn: Queryable, verification_id: int) -> VerificationRow | None:
    return await fetchrow(
        conn,
        VerificationRow,
        f"select {_VERIFICATION} from identity_verifications where id = $1",
        verification_id,
    )


async def finish_verification(
    conn: Queryable, verification_id: int, status: str, code: str
) -> bool:
    """Marks a started check finished; False when it was finished already (by a replay or a
    concurrent request: each check counts once)."""
    return await gives_row(
        conn,
        """update identity_verifications set status = $2, result_code = $3, finished_at = now()
           where id = $1 and status = 'started' returning id""",
        verification_id,
        status,
        code[:50],
    )


async def has_open_conflict(conn: Queryable, claimant_id: int) -> bool:
    """Whether a person still has to decide an ID this account proved."""
    return await gives_row(
        conn,
        "select 1 from identity_conflicts where claimant_id = $1 and status = 'open' limit 1",
        claimant_id,
    )


async def drop_id_cards(conn: Connection, citizen_id: int, number_index: bytes) -> None:
    """An account that no longer holds an ID keeps no card of it in its vault."""
    await conn.execute(
        """delete from vault_documents
           where citizen_id = $1 and doc_type = 'resident_id_card' and number_index = $2""",
        citizen_id,
        number_index,
    )


async def insert_conflict(
    conn: Connection,
    *,
    verification_id: int,
    claimant_id: int,
    holder_id: int,
    index: bytes,
    masked: str,
) -> int:
    return await fetch_int(
        conn,
        """insert into identity_conflicts (verification_id, claimant_id, holder_id,
               resident_id_index, resident_id_masked)
           values ($1, $2, $3, $4, $5) returning id""",
        verification_id,
        claimant_id,
        holder_id,
        index,
        masked,
    )


_CONFLICT = """k.id, k.verification_id, k.claimant_id, k.holder_id, k.resident_id_masked, k.status,
    k.decided_by, k.decided_at, k.reason, k.created_at,
    c.identity_method as holder_method, c.identity_verified_at as holder_verified_at,
    cl.name as claimant_name, cl.phone as claimant_phone, c.name as holder_name,
    c.phone as holder_phone"""
_CONFLICT_FROM = """from identity_conflicts k join citizens c on c.id = k.holder_id
    join citizens cl on cl.id = k.claimant_id"""


async def conflicts(
    conn: Queryable, *, open_only: bool, limit: int, before_id: int | None
) -> list[ConflictRow]:
    return await fetch(
        conn,
        ConflictRow,
        f"""select {_CONFLICT} {_CONFLICT_FROM}
            where ($1::boolean is false or k.status = 'open')
              and ($3::bigint is null or k.id < $3)
            order by k.id desc limit $2""",
        open_only,
        limit,
        before_id,
    )


async def conflict_for_update(conn: Connection, conflict_id: int) -> ConflictRow | None:
    return await fetchrow(
        conn,
        ConflictRow,
        f"""select {_CONFLICT} {_CONFLICT_FROM}
            where k.id = $1 for update of k""",
        conflict_id,
    )


async def decide_conflict(
    conn: Connection, conflict_id: int, status: str, staff_id: int, reason: str
) -> None:
    await conn.execute(
        """update identity_conflicts set status = $2, decided_by = $3, decided_at = now(),
             reason = $4
           where id = $1""",
        conflict_id,
        status,
        staff_id,
        reason,
    )
