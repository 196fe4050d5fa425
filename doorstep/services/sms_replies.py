"""SMS replies (Aliyun SmsUp pushes): each handled once, by the area that asked the question.

A reply is first offered to the questions in flight for that number: a delegation request or
an agent's money-moving action waiting for the principal's confirmation ("Y"/"N"; "0" stops
delegations), a ticket's follow-up ("1" solved / "2" not), a closed ticket's rating (1-5) and
an offer ("1" to apply). A question SMS carries an extend code and the reply comes back with
it, so a reply answers the very question it replies to; without one (or when the code names
nothing in flight) the newest question is answered. Then our own words: an application or
ticket number, or "进度"/"CX", get its status back by SMS; a mistyped number is said to be
wrong (never matched to another); "TD"/"退订" stops non-essential SMS (offers); free text
becomes a ticket (services.sms_tickets). Anything else gets a short help SMS, at most once a
day. Every answer is in the citizen's language, plain for elders and SMS-only citizens, and
carries no link. Numbers that are no citizen's get no answer (it would cost an SMS and tell a
stranger nothing).

Each reply is recorded before it is handled, so a repeated push is never handled twice.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from doorstep.domain.errors import DomainError
from doorstep.domain.identity import normalize_phone
from doorstep.domain.sms_reply import (
    Question,
    QuestionKind,
    ReplyKind,
    parse,
    parse_rating,
    question_of,
)
from doorstep.i18n import translate
from doorstep.services import (
    delegation,
    sms_application_rating,
    sms_escort,
    sms_offers,
    sms_tickets,
)
from doorstep.services.citizen_sms import display_phone
from doorstep.services.deps import Deps
from doorstep.services.sms_tickets import answer
from doorstep.services.tickets import follow_up
from doorstep.store import sms_inbound as store
from doorstep.store.db import Connection, transaction
from doorstep.store.sms_inbound import InboundCitizenRow

log = logging.getLogger(__name__)

MAX_CONTENT = 500
# answers to a number's own words (statuses, "not found", "number not right") per day: the
# questions it answers are bounded by what was asked, filings by the filing limits, help by
# one a day; this bounds the rest, so a stuck phone or a prank cannot run up SMS
MAX_ANSWERS_PER_DAY = 20


# Questions answered with a digit (a rating 1-5, "1" to apply): which one is in flight (a row
# with `asked_at`) and how to answer it. An application's rating question
# (QuestionKind.APPLICATION_RATING) is answered by registering its pair here.
class Asked(Protocol):
    """A digit question in flight, as each kind's `asked` function reads it."""

    @property
    def asked_at(self) -> datetime: ...


AskedFn = Callable[[Deps, int, Question | None], Awaitable[Asked | None]]
AnswerFn = Callable[[Deps, InboundCitizenRow, str, Question | None], Awaitable[str | None]]
DIGIT_QUESTIONS: list[tuple[AskedFn, AnswerFn]] = [
    (sms_tickets.rating_asked, sms_tickets.answer_rating),
    (sms_offers.offer_asked, sms_offers.answer_offer),
    (sms_application_rating.rating_asked, sms_application_rating.answer_rating),
    # 陪同办's reminder: 1 confirm, 2 cancel, 3 the next free slot
    (sms_escort.escort_asked, sms_escort.answer_escort),
    (sms_escort.escort_offer_asked, sms_escort.answer_escort_offer),
]


_CAPPED = frozenset(
    {
        ReplyKind.TICKET,
        ReplyKind.APPLICATION,
        ReplyKind.STATUS,
        ReplyKind.BAD_NUMBER,
        ReplyKind.ESCORT,
    }
)


async def _answer_digit_question(
    deps: Deps, citizen: InboundCitizenRow, text: str, question: Question | None
) -> str | None:
    """A digit to the newest digit question in flight (or the one its extend code names)."""
    if parse_rating(text) is None:
        return None
    asked = []
    for asked_fn, answer_fn in DIGIT_QUESTIONS:
        row = await asked_fn(deps, citizen.id, question)
        if row is not None:
            asked.append((row.asked_at, answer_fn))
    asked.sort(key=lambda pair: pair[0], reverse=True)
    for _at, answer_fn in asked:
        outcome = await answer_fn(deps, citizen, text, question)
        if outcome is not None:
            return outcome
    return None


@dataclass
class ReplySummary:
    accepted: int = 0
    duplicates: int = 0
    invalid: int = 0


@dataclass(frozen=True)
class InboundSms:
    phone: str  # E.164
    content: str
    dest_code: str | None
    sequence_id: str | None
    send_time: str | None

    @property
    def dedupe_key(self) -> str:
        if self.sequence_id:
            return f"up:{self.sequence_id}"
        raw = json.dumps([self.phone, self.send_time, self.content], ensure_ascii=False)
        return "up:" + hashlib.sha256(raw.encode()).hexdigest()


def parse_item(item: Any) -> InboundSms | None:
    if not isinstance(item, dict):
        return None
    phone, content = item.get("phone_number"), item.get("content")
    if (
        not isinstance(phone, str | int)
        or not isinstance(content, str)
        or len(content) > MAX_CONTENT
    ):
        return None
    try:
        e164 = normalize_phone(str(phone))
    except ValueError:
        return None

    def text(key: str) -> str | None:
        value = item.get(key)
        return str(value)[:64] if isinstance(value, str | int) and value != "" else None

    return InboundSms(
        phone=e164,
        content=content,
        dest_code=text("dest_code"),
        sequence_id=text("sequence_id"),
        send_time=text("send_time"),
    )


async def record_replies(deps: Deps, items: list[Any]) -> ReplySummary:
    summary = ReplySummary()
    for item in items:
        sms = parse_item(item)
        if sms is None:
            summary.invalid += 1
            continue
        inbound_id = await store.insert(
            deps.pool,
            dedupe_key=sms.dedupe_key,
            phone=sms.phone,
            content=sms.content,
            dest_code=sms.dest_code,
            sequence_id=sms.sequence_id,
            send_time=sms.send_time,
        )
        if inbound_id is None:
            summary.duplicates += 1
            continue
        summary.accepted += 1
        try:
            citizen_id, outcome = await handle(deps, sms.phone, sms.content, sms.dest_code)
        except DomainError as exc:  # a refusal from the area that asked: recorded
            citizen_id, outcome = None, f"refused:{exc.code}"
        await store.set_outcome(deps.pool, inbound_id, citizen_id, outcome)
    return summary


async def handle(
    deps: Deps, phone: str, text: str, dest_code: str | None = None
) -> tuple[int | None, str]:
    """(citizen id, what was done). `dest_code` is the number the reply was sent to: its
    extend code names the question it answers, when the SMS asked one."""
    reply = parse(text)
    question = question_of(dest_code)
    citizen = await store.citizen(deps.pool, phone)
    citizen_id = citizen.id if citizen else None
    if reply.kind is not ReplyKind.UNSUBSCRIBE:
        answered = await delegation.handle_sms_reply(deps, phone, text, question)
        if answered.handled:
            return citizen_id, f"delegation:{answered.action}"
        follow_up_named = question is None or question.kind is QuestionKind.TICKET_FOLLOW_UP
        if (
            citizen_id is not None
            and follow_up_named
            and await follow_up.answer_follow_up_reply(deps, citizen_id, text, question=question)
            is not None
        ):
            return citizen_id, "follow_up"
    if citizen is None:
        return None, "unknown_number"
    kind = reply.kind
    if kind is not ReplyKind.UNSUBSCRIBE:
        digit_outcome = await _answer_digit_question(deps, citizen, text, question)
        if digit_outcome is not None:
            return citizen.id, digit_outcome
    if kind in _CAPPED and await store.answers_today(deps.pool, phone) >= MAX_ANSWERS_PER_DAY:
        return citizen.id, "answers_capped"
    if kind is ReplyKind.ESCORT:  # 陪同办: the next free slot offered, "1" books it
        return citizen.id, await sms_escort.offer_slot(deps, citizen)
    if kind is ReplyKind.TICKET:
        done = await sms_tickets.ticket_status(deps, citizen, reply.number)
        return citizen.id, done or await _not_found(deps, citizen, reply.number)
    if kind is ReplyKind.FREE_TEXT:
        return citizen.id, await sms_tickets.file_ticket(deps, citizen, text)
    language = citizen.language
    hotline = display_phone(deps.settings.support_phone)
    async with transaction(deps.pool) as conn:
        if reply.kind is ReplyKind.UNSUBSCRIBE:
            await store.opt_out(conn, citizen.id)
            outbox_id = await answer(
                deps,
                conn,
                citizen,
                "sms_reply.unsubscribed",
                "sms.reply_unsubscribed",
                {"phone": hotline},
            )
            outcome = "unsubscribe"
        elif reply.kind is ReplyKind.BAD_NUMBER:
            outbox_id = await answer(
                deps,
                conn,
                citizen,
                "sms_reply.number_invalid",
                "sms.reply_number_invalid",
                {"phone": hotline},
            )
            outcome = "number_invalid"
        else:
            wanted = reply.number if reply.kind is ReplyKind.APPLICATION else None
            application = (
                await store.application_of(conn, citizen.id, wanted)
                if reply.kind in (ReplyKind.APPLICATION, ReplyKind.STATUS)
                else None
            )
            if application is not None:
                outbox_id = await answer(
                    deps,
                    conn,
                    citizen,
                    "sms_reply.status",
                    "sms.reply_status",
                    {
                        "number": application.number,
                        "latest": translate(f"application_status.{application.status}", language),
                    },
                )
                outcome = "status"
            elif reply.kind is ReplyKind.APPLICATION and reply.number is not None:
                outbox_id = await _not_found_in(deps, conn, citizen, reply.number)
                outcome = "not_found"
            elif reply.kind is ReplyKind.STATUS and await store.ticket_of(conn, citizen.id, None):
                outcome = ""  # their latest is a ticket: answered below, out of this one
                outbox_id = None
            elif await store.help_sent_today(conn, phone):
                return citizen.id, "help_skipped"
            else:
                outbox_id = await answer(
                    deps, conn, citizen, "sms_reply.help", "sms.reply_help", {"phone": hotline}
                )
                outcome = "help"
    if outbox_id is None:
        return citizen.id, await sms_tickets.ticket_status(deps, citizen, None) or "help"
    await deps.after_commit([outbox_id])
    return citizen.id, outcome


async def _not_found_in(
    deps: Deps, conn: Connection, citizen: InboundCitizenRow, number: str
) -> int:
    """A valid number that is none of theirs: said so (never someone else's status)."""
    return await answer(
        deps,
        conn,
        citizen,
        "sms_reply.not_found",
        "sms.reply_not_found",
        {"number": number, "phone": display_phone(deps.settings.support_phone)},
    )


async def _not_found(deps: Deps, citizen: InboundCitizenRow, number: str | None) -> str:
    async with transaction(deps.pool) as conn:
        outbox_id = await _not_found_in(deps, conn, citizen, number or "")
    await deps.after_commit([outbox_id])
    return "not_found"
