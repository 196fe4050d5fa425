"""SQL for SMS replies (SmsUp) and what they ask about."""

from __future__ import annotations

from datetime import datetime

from doorstep.store.db import Connection, Queryable
from doorstep.store.rows import Row, fetch, fetchrow
from doorstep.store.typed import fetch_bool, fetch_int, fetch_optional, gives_row


class InboundCitizenRow(Row):
    """The citizen behind a number, with what an answer SMS needs."""

    id: int
    phone: str
    language: str
    sms_opt_out_at: datetime | None
    elder_mode: bool
    channel_preference: str
    region_code: str | None


class ApplicationStatusRow(Row):
    number: str
    status: str


class TicketStatusRow(Row):
    id: int
    number: str
    status: str
    created_at: datetime
    unit_name: str
    unit_phone: str | None


class RatingAskedRow(Row):
    id: int
    number: str
    asked_at: datetime


class OfferAskedRow(Row):
    id: int
    asked_at: datetime


class CategoryWordsRow(Row):
    code: str
    keywords: list[str]


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
    return await fetch_optional(
        conn,
        int,
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


async def set_outcome(
    conn: Queryable, inbound_id: int, citizen_id: int | None, outcome: str
) -> None:
    await conn.execute(
        "update sms_inbound set citizen_id = $2, outcome = $3 where id = $1",
        inbound_id,
        citizen_id,
        outcome,
    )


async def citizen(conn: Queryable, phone: str) -> InboundCitizenRow | None:
    """The citizen behind a number, with what an answer SMS needs (language, plain or not)."""
    return await fetchrow(
        conn,
        InboundCitizenRow,
        """select id, phone, language, sms_opt_out_at, elder_mode, channel_preference,
                  region_code
           from citizens where phone = $1""",
        phone,
    )


async def help_sent_today(conn: Queryable, phone: str, kind: str = "sms_reply.help") -> bool:
    """An answer of this kind (the help SMS by default) went to this number within a day."""
    return await fetch_bool(
        conn,
        """select exists (select 1 from outbox where phone = $1 and kind = $2
                      and created_at > now() - interval '1 day')""",
        phone,
        kind,
    )


async def application_of(
    conn: Queryable, citizen_id: int, number: str | None
) -> ApplicationStatusRow | None:
    """The citizen's application with this number, or their latest one (number None)."""
    return await fetchrow(
        conn,
        ApplicationStatusRow,
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
    return await gives_row(
        conn, "select true from citizens where id = $1 and sms_opt_out_at is not null", citizen_id
    )


async def ticket_of(conn: Queryable, citizen_id: int, number: str | None) -> TicketStatusRow | None:
    """The citizen's ticket with this number, or their latest one (number None)."""
    return await fetchrow(
        conn,
        TicketStatusRow,
        """select t.id, t.number, t.status, t.created_at, u.name as unit_name,
                  u.phone as unit_phone
           from tickets t join units u on u.id = t.lead_unit_id
           where t.citizen_id = $1 and ($2::text is null or t.number = $2)
           order by t.created_at desc, t.id desc limit 1""",
        citizen_id,
        number,
    )


async def ratings_asked(conn: Queryable, citizen_id: int, days: int) -> list[RatingAskedRow]:
    """The citizen's tickets whose rating question is unanswered, asked within `days`, newest
    first."""
    return await fetch(
        conn,
        RatingAskedRow,
        """select id, number, rating_asked_at as asked_at from tickets
           where citizen_id = $1 and rating is null and rating_asked_at is not null
             and rating_asked_at > now() - make_interval(days => $2)
           order by rating_asked_at desc, id desc""",
        citizen_id,
        days,
    )


async def offers_asked(conn: Queryable, citizen_id: int) -> list[OfferAskedRow]:
    """The citizen's open offers that were sent (each asks "reply 1 to apply"), newest first."""
    return await fetch(
        conn,
        OfferAskedRow,
        """select id, notified_at as asked_at from opportunities
           where citizen_id = $1 and kind = 'offer' and status = 'open'
             and notified_at is not null and expires_at > now()
           order by notified_at desc, id desc""",
        citizen_id,
    )


async def category_words(conn: Queryable) -> list[CategoryWordsRow]:
    """Active categories with their keywords, in catalog order (for guessing an SMS's)."""
    return await fetch(
        conn,
        CategoryWordsRow,
        """select code, keywords from ticket_categories where active
           order by position, code""",
    )


async def answers_today(conn: Queryable, phone: str) -> int:
    """Answer SMS (of any kind) queued to this number within the last day."""
    return await fetch_int(
        conn,
        r"""select count(*) from outbox where phone = $1 and kind like 'sms\_reply.%'
             and created_at > now() - interval '1 day'""",
        phone,
    )
