"""SQL for news from the provider: receipts, polls and the rows they move."""

from __future__ import annotations

from doorstep.store.db import Connection, Queryable
from doorstep.store.outbox.rows import NewsRow, PollRow, ReceiptTargetRow
from doorstep.store.rows import fetch, fetchrow
from doorstep.store.typed import gives_row


async def lock_for_news(conn: Connection, outbox_id: int) -> NewsRow | None:
    """Lock a row to apply news from the provider (waits for a delivery's short transaction)."""
    return await fetchrow(
        conn,
        NewsRow,
        "select id, status, phone, provider_id from outbox where id = $1 for update",
        outbox_id,
    )


async def apply_news(
    conn: Connection,
    outbox_id: int,
    *,
    status: str,
    provider_id: str | None,
    receipt_code: str | None,
) -> None:
    """Move a row to a status the provider reported (the caller checked it may move)."""
    await conn.execute(
        """update outbox set status = $2, provider_id = coalesce(provider_id, $3),
                  receipt_code = coalesce($4, receipt_code), sending_since = null,
                  reconcile_first = false, next_attempt_at = null, hold_reason = null,
                  updated_at = now(),
                  sent_at = coalesce(sent_at, now()),
                  delivered_at = case when $2 = 'delivered' then coalesce(delivered_at, now())
                                      else delivered_at end
           where id = $1""",
        outbox_id,
        status,
        provider_id,
        receipt_code,
    )


async def claim_for_poll(
    conn: Queryable, channel: str, *, after_seconds: int, give_up_hours: int, limit: int
) -> list[PollRow]:
    """Sent rows with no receipt after a while, marked as polled now (one poller each)."""
    return await fetch(
        conn,
        PollRow,
        """update outbox o set receipt_polled_at = now()
           from (select id from outbox
                 where status = 'sent' and channel = $1
                   and sent_at < now() - make_interval(secs => $2)
                   and sent_at > now() - make_interval(hours => $3)
                   and (receipt_polled_at is null
                        or receipt_polled_at < now() - make_interval(secs => $2))
                 order by sent_at limit $4
                 for update skip locked) due
           where o.id = due.id
           returning o.id, o.phone, o.provider_id, o.last_attempt_at, o.sent_at,
                     o.batch_out_id""",
        channel,
        after_seconds,
        give_up_hours,
        limit,
    )


async def find_for_receipt(
    conn: Queryable,
    *,
    out_id: int | None,
    biz_id: str | None,
    phones: list[str],
    batch_out_id: str | None = None,
) -> ReceiptTargetRow | None:
    """The row a report is about: by our id, else by the provider's id (shared by a batch)
    and the number, else by the batch's OutId and the number; the number must be the row's."""
    if out_id is not None:
        row = await fetchrow(
            conn,
            ReceiptTargetRow,
            "select id, phone, provider_id from outbox where id = $1 and phone = any($2)",
            out_id,
            phones,
        )
        if row is not None:
            return row
    if biz_id:
        row = await fetchrow(
            conn,
            ReceiptTargetRow,
            """select id, phone, provider_id from outbox
               where provider_id = $1 and phone = any($2) order by id desc limit 1""",
            biz_id,
            phones,
        )
        if row is not None:
            return row
    if batch_out_id:
        return await fetchrow(
            conn,
            ReceiptTargetRow,
            """select id, phone, provider_id from outbox
               where batch_out_id = $1 and phone = any($2) order by id desc limit 1""",
            batch_out_id,
            phones,
        )
    return None


async def insert_receipt(
    conn: Connection,
    *,
    outbox_id: int,
    source: str,
    dedupe_key: str,
    biz_id: str | None,
    out_id: str | None,
    phone: str,
    success: bool | None,
    err_code: str | None,
    err_msg: str | None,
    send_time: str | None,
    report_time: str | None,
    applied: bool,
) -> bool:
    """False when this very report was recorded before (a repeated push)."""
    return await gives_row(
        conn,
        """insert into sms_receipts (outbox_id, source, dedupe_key, biz_id, out_id, phone,
                                     success, err_code, err_msg, send_time, report_time, applied)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
           on conflict (dedupe_key) do nothing
           returning true""",
        outbox_id,
        source,
        dedupe_key,
        biz_id,
        out_id,
        phone,
        success,
        err_code,
        err_msg,
        send_time,
        report_time,
        applied,
    )


async def receipt_seen(conn: Queryable, dedupe_key: str) -> bool:
    return await gives_row(conn, "select true from sms_receipts where dedupe_key = $1", dedupe_key)
