"""The citizen's side: the follow-up answer (app, SMS reply, hotline), the rating and the
rectification a poor rating opens."""

from __future__ import annotations

from doorstep.domain.calendar import deadline_end, local_date
from doorstep.domain.errors import Conflict, NotFound
from doorstep.domain.policy import (
    Actor,
    Operation,
    Role,
    Target,
    authorize,
    authorize_by_number,
    require_signed_in,
)
from doorstep.domain.sms_reply import Question, QuestionKind, question_code
from doorstep.domain.tickets import (
    MAX_COMMENT_CHARS,
    MAX_NOTE_CHARS,
    RECTIFICATION_DAYS,
    Channel,
    Rating,
    TicketAction,
    TicketStatus,
    parse_follow_up_reply,
    remind_at,
)
from doorstep.services import citizen_sms
from doorstep.services.deps import Deps
from doorstep.services.tickets.common import (
    RESOLVED_STATUSES,
    TicketRef,
    lock,
    move,
    now_utc,
    open_rectification,
    optional_text,
    parse_number,
    record_event,
    required_text,
    tell_unit,
)
from doorstep.services.tickets.views import TicketView, load
from doorstep.store.db import Connection, transaction
from doorstep.store.tickets import events as ticket_events
from doorstep.store.tickets import follow_ups as ticket_follow_ups
from doorstep.store.tickets import people as ticket_people
from doorstep.store.tickets import rectifications as ticket_rectifications
from doorstep.store.tickets import writing as ticket_writing
from doorstep.store.tickets.rows import CitizenContactRow

# --- the citizen's side: follow-up and rating ----------------------------------------------------


async def answer_follow_up(
    deps: Deps, actor: Actor, raw_number: str, solved: bool, channel: Channel = Channel.APP
) -> TicketView:
    """The citizen's answer to "solved?": solved closes it (the only way a ticket counts as
    solved); not solved reopens it to the same unit with its clock still running.

    The one entry point for the app, an SMS reply ("1" / "2", see `answer_follow_up_reply`)
    and a hotline call.
    """
    return await _answer_follow_up(deps, actor, raw_number, solved, channel)


async def record_follow_up_answer(
    deps: Deps, actor: Actor, raw_number: str, solved: bool
) -> TicketView:
    """回访 by phone: a hotline (or counter) clerk writes down the citizen's answer, any clerk
    (全城通办); the same path as the citizen's own answer, marked as given on the hotline."""
    authorize(actor, Operation.TICKET_FOLLOW_UP_AT_COUNTER)
    return await _answer_follow_up(deps, actor, raw_number, solved, Channel.HOTLINE)


async def _answer_follow_up(
    deps: Deps, actor: Actor, raw_number: str, solved: bool, channel: Channel
) -> TicketView:
    number = parse_number(raw_number)
    require_signed_in(actor)
    async with transaction(deps.pool) as conn:
        row = await lock(conn, number)
        if channel is not Channel.HOTLINE:
            authorize_by_number(
                actor,
                Operation.TICKET_FOLLOW_UP,
                Target(citizen_id=row.citizen_id),
                NotFound("ticket.not_found"),
            )
        if TicketStatus(row.status) is not TicketStatus.RESOLVED:
            raise Conflict("ticket.not_awaiting_answer")
        now = now_utc()
        await ticket_follow_ups.answer_follow_up(
            conn, row.id, row.reopen_count, solved, channel.value, now
        )
        outbox_ids: list[int] = []
        if solved:
            after = move(row, TicketAction.CONFIRM_SOLVED)
            await ticket_writing.update_ticket(
                conn, row.id, status=after.value, solved=True, finished_at=now
            )
            await record_event(
                conn, row, "ticket.confirmed_solved", actor, {"channel": channel.value}
            )
            contact = await ticket_people.citizen_contact(conn, row.citizen_id)
            assert contact is not None
            # who answered by SMS, or reads SMS only, is asked to rate by SMS (the app asks
            # everyone else on the ticket's page)
            if channel is Channel.SMS or citizen_sms.reads_plain(contact):
                outbox_ids.append(
                    await ask_rating(
                        conn, row, contact, row.lead_unit_phone or deps.settings.support_phone
                    )
                )
        else:
            after = move(row, TicketAction.REPORT_UNSOLVED)
            await ticket_writing.update_ticket(
                conn,
                row.id,
                status=after.value,
                reopen_count=row.reopen_count + 1,
                follow_up_asks=0,
                follow_up_asked_at=None,
                resolved_at=None,
            )
            await record_event(
                conn,
                row,
                "ticket.reopened",
                actor,
                {
                    "channel": channel.value,
                    "unit": row.lead_unit_name,
                    "due": row.handle_due_on.isoformat(),
                },
            )
            outbox_ids += await tell_unit(
                conn,
                row.lead_unit_id,
                "ticket.reopened",
                "sms.ticket_reopened",
                {"number": number, "due": row.handle_due_on.strftime("%m-%d")},
            )
        view = await load(conn, row.id)
    await deps.after_commit(outbox_ids)
    return view


async def ask_rating(
    conn: Connection,
    ticket: TicketRef,
    contact: CitizenContactRow,
    call_phone: str,
) -> int:
    """After a ticket closed: "rate it, reply 1-5", with its extend code, so the reply rates
    this very ticket (services.sms_tickets answers it)."""
    await ticket_writing.update_ticket(conn, ticket.id, rating_asked_at=now_utc())
    return await citizen_sms.queue(
        conn,
        contact,
        kind="ticket.rating_question",
        template="sms.ticket_rating_question",
        params={"number": ticket.number},
        call_phone=call_phone,
        extend_code=question_code(QuestionKind.TICKET_RATING, ticket.id),
    )


async def awaiting_answer(
    deps: Deps, citizen_id: int, question: Question | None = None
) -> str | None:
    """The number of the citizen's ticket an SMS reply would answer: the one the reply names
    (by the extend code of the follow-up SMS), else the one asked last."""
    rows = await ticket_follow_ups.awaiting_answer(deps.pool, citizen_id)
    named = [
        r
        for r in rows
        if question is not None and question.asks_about(QuestionKind.TICKET_FOLLOW_UP, r.id)
    ]
    chosen = (named or rows)[:1]
    return chosen[0].number if chosen else None


async def answer_follow_up_reply(
    deps: Deps,
    citizen_id: int,
    text: str,
    channel: Channel = Channel.SMS,
    question: Question | None = None,
) -> TicketView | None:
    """For the inbound-SMS handler: "1" / "2" (and their variants) from a citizen's phone.

    Returns None when the text is not such an answer or nothing awaits one; the handler then
    treats the message as something else.
    """
    solved = parse_follow_up_reply(text)
    if solved is None:
        return None
    number = await awaiting_answer(deps, citizen_id, question)
    if number is None:
        return None
    actor = Actor(role=Role.CITIZEN, citizen_id=citizen_id)
    return await answer_follow_up(deps, actor, number, solved, channel)


async def rate(
    deps: Deps, actor: Actor, raw_number: str, rating: Rating, comment: str | None = None
) -> TicketView:
    """好差评, once per ticket once it is resolved; 不满意 or worse opens a rectification (整改)
    for the unit with its own deadline."""
    return await _rate(deps, actor, raw_number, rating, comment, at_counter=False)


async def rate_at_counter(
    deps: Deps, actor: Actor, raw_number: str, rating: Rating, comment: str | None = None
) -> TicketView:
    """A clerk writes down the rating a caller or walk-in gives (any clerk: 全城通办); the same
    rectification follows a poor one."""
    authorize(actor, Operation.TICKET_RATE_AT_COUNTER)
    return await _rate(deps, actor, raw_number, rating, comment, at_counter=True)


async def _rate(
    deps: Deps,
    actor: Actor,
    raw_number: str,
    rating: Rating,
    comment: str | None,
    *,
    at_counter: bool,
) -> TicketView:
    number = parse_number(raw_number)
    text = optional_text(comment, MAX_COMMENT_CHARS, "ticket.comment_too_long")
    require_signed_in(actor)
    async with transaction(deps.pool) as conn:
        row = await lock(conn, number)
        if not at_counter:
            authorize_by_number(
                actor,
                Operation.TICKET_RATE,
                Target(citizen_id=row.citizen_id),
                NotFound("ticket.not_found"),
            )
        if TicketStatus(row.status) not in RESOLVED_STATUSES:
            raise Conflict("ticket.not_rateable")
        if row.rating is not None:
            raise Conflict("ticket.already_rated")
        now = now_utc()
        await ticket_writing.update_ticket(
            conn, row.id, rating=int(rating), rating_comment=text, rated_at=now
        )
        channel = {"channel": "counter"} if at_counter else {}
        await record_event(conn, row, "ticket.rated", actor, {"rating": int(rating), **channel})
        outbox_ids: list[int] = []
        if rating.opens_rectification:
            today = local_date(now)
            due_on = deps.calendar.add_working_days(today, RECTIFICATION_DAYS)
            await ticket_rectifications.insert_rectification(
                conn,
                ticket_id=row.id,
                unit_id=row.lead_unit_id,
                rating=int(rating),
                comment=text,
                due_on=due_on,
                due_at=deadline_end(due_on),
                remind_at=remind_at(deps.calendar, now, due_on, RECTIFICATION_DAYS),
            )
            await record_event(
                conn,
                row,
                "ticket.rectification_opened",
                actor,
                {"unit": row.lead_unit_name, "due": due_on.isoformat()},
            )
            outbox_ids += await tell_unit(
                conn,
                row.lead_unit_id,
                "ticket.rectification",
                "sms.rectification_opened",
                {"number": number, "due": due_on.strftime("%m-%d")},
            )
        view = await load(conn, row.id)
    await deps.after_commit(outbox_ids)
    return view


async def complete_rectification(
    deps: Deps, actor: Actor, rectification_id: int, note: str
) -> TicketView:
    text = required_text(note, MAX_NOTE_CHARS, "ticket.note_required", "ticket.note_too_long")
    async with transaction(deps.pool) as conn:
        rect = open_rectification(
            actor, await ticket_rectifications.lock_rectification(conn, rectification_id)
        )
        await ticket_rectifications.finish_rectification(
            conn, rectification_id, text, actor.staff_id
        )
        await ticket_events.append_event(
            conn,
            ticket_id=rect.ticket_id,
            citizen_id=rect.citizen_id,
            kind="ticket.rectification_done",
            actor_kind="staff",
            actor_id=actor.staff_id,
            data={"note": text},
        )
        view = await load(conn, rect.ticket_id)
    return view
