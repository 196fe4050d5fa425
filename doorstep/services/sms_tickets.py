"""Tickets (诉求) by SMS alone, for citizens with a keypad phone:
- a ticket number (or "进度" with no application) gets its status back;
- free text to the service number becomes a ticket: the category guessed from the catalog's
  keywords, the place from the registered address, and a weak guess (no keyword, or several
  categories') sent to the review queue; the usual "received" SMS carries its number. Filings
  count against the citizen's filing limit; over it, one answer a day says so;
- after a ticket closed, the rating question (reply 1-5) is answered through the same rating
  as the app, so 不满意 or worse opens the same rectification.
Every answer goes in the citizen's language, plain for elders and SMS-only citizens.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any, Protocol, TypeVar

from doorstep.domain.errors import DomainError, RateLimited
from doorstep.domain.policy import Actor, Role
from doorstep.domain.sms_reply import (
    CategoryWords,
    Question,
    QuestionKind,
    guess_category,
    named_by,
    parse_rating,
    question_code,
)
from doorstep.domain.tickets import Channel, Rating, TicketKind
from doorstep.i18n import translate
from doorstep.services import citizen_sms
from doorstep.services.deps import Deps
from doorstep.services.tickets import follow_up, submit
from doorstep.store import sms_inbound as store
from doorstep.store.db import Connection, Queryable, transaction
from doorstep.store.sms_inbound import InboundCitizenRow, RatingAskedRow

# the category of a text no keyword places (it goes to the review queue)
FALLBACK_CATEGORY = "other"
# a rating question stays answerable this long
RATING_QUESTION_DAYS = 14


def citizen_actor(citizen: InboundCitizenRow) -> Actor:
    return Actor(role=Role.CITIZEN, citizen_id=citizen.id, language=citizen.language)


async def answer(
    deps: Deps,
    conn: Connection,
    citizen: InboundCitizenRow,
    kind: str,
    template: str,
    params: dict[str, Any],
    call_phone: str | None = None,
    extend_code: str | None = None,
) -> int:
    """The answer SMS to a reply: urgent (a person waits for it), plain where they read so."""
    return await citizen_sms.queue(
        conn,
        citizen,
        kind=kind,
        template=template,
        params=params,
        call_phone=call_phone or deps.settings.support_phone,
        urgent=True,
        extend_code=extend_code,
    )


async def answer_alone(
    deps: Deps,
    citizen: InboundCitizenRow,
    kind: str,
    template: str,
    params: dict[str, Any],
    call_phone: str | None = None,
    extend_code: str | None = None,
) -> None:
    """An answer SMS with nothing else to commit beside it, handed to the outbox once
    committed."""
    async with transaction(deps.pool) as conn:
        outbox_id = await answer(
            deps, conn, citizen, kind, template, params, call_phone, extend_code
        )
    await deps.after_commit([outbox_id])


async def ticket_status(deps: Deps, citizen: InboundCitizenRow, number: str | None) -> str | None:
    """Answer with the status of the citizen's ticket `number` (their latest: None); None when
    they have no such ticket."""
    async with transaction(deps.pool) as conn:
        ticket = await store.ticket_of(conn, citizen.id, number)
        if ticket is None:
            return None
        outbox_id = await answer(
            deps,
            conn,
            citizen,
            "sms_reply.ticket_status",
            "sms.reply_ticket_status",
            {
                "number": ticket.number,
                "latest": translate(f"ticket_status.{ticket.status}", citizen.language),
            },
            ticket.unit_phone,
        )
    await deps.after_commit([outbox_id])
    return "ticket_status"


async def _answer_once_a_day(
    deps: Deps, citizen: InboundCitizenRow, kind: str, template: str
) -> bool:
    """A refusal's answer, at most once a day per number (each one costs an SMS)."""
    async with transaction(deps.pool) as conn:
        if await store.help_sent_today(conn, citizen.phone, kind):
            return False
        outbox_id = await answer(
            deps,
            conn,
            citizen,
            kind,
            template,
            citizen_sms.call_us(deps),
        )
    await deps.after_commit([outbox_id])
    return True


async def file_ticket(deps: Deps, citizen: InboundCitizenRow, text: str) -> str:
    """Free text to the service number: a ticket, confirmed by SMS with its number."""
    region = citizen.region_code
    if not region:
        sent = await _answer_once_a_day(
            deps, citizen, "sms_reply.ticket_no_place", "sms.reply_ticket_no_place"
        )
        return "ticket_no_place" if sent else "ticket_no_place_skipped"
    words = [
        CategoryWords(r.code, tuple(r.keywords)) for r in await store.category_words(deps.pool)
    ]
    guess = guess_category(text, words)
    category = guess.category
    if category is None:
        codes = [w.code for w in words]
        category = FALLBACK_CATEGORY if FALLBACK_CATEGORY in codes else codes[0]
    data = submit.TicketInput(
        kind=TicketKind.HELP.value,
        category_code=category,
        description=text,
        region_code=region,
        needs_review=not guess.strong,
    )
    try:
        await submit.submit_ticket(deps, citizen_actor(citizen), data, Channel.SMS)
    except RateLimited:
        sent = await _answer_once_a_day(
            deps, citizen, "sms_reply.ticket_too_many", "sms.reply_ticket_too_many"
        )
        return "ticket_too_many" if sent else "ticket_too_many_skipped"
    except DomainError as exc:
        await _answer_once_a_day(deps, citizen, "sms_reply.help", "sms.reply_help")
        return f"ticket_refused:{exc.code}"
    return "ticket_filed" if guess.strong else "ticket_filed_for_review"


# --- the rating question ------------------------------------------------------------------------
# A ticket's and an application's (services/sms_application_rating.py) are answered alike: the
# question in flight, a digit out of range asked again, else the rating through its use case.


class RatingAsked(Protocol):
    """A case whose rating question is in flight."""

    @property
    def id(self) -> int: ...
    @property
    def number(self) -> str: ...
    @property
    def asked_at(self) -> datetime: ...


A = TypeVar("A", bound=RatingAsked)


def in_flight(rows: Sequence[A], question: Question | None) -> A | None:
    """The case the reply's extend code names, else the newest asked; None when none is."""
    named = named_by(question, rows)
    chosen = named or rows
    return chosen[0] if chosen else None


async def rating_reply(
    deps: Deps,
    citizen: InboundCitizenRow,
    text: str,
    question: Question | None,
    *,
    kind: QuestionKind,
    asked_of: Callable[[Deps, int, Question | None], Awaitable[A | None]],
    invalid_template: str,
    rate: Callable[[A, Rating], Awaitable[str | None]],
) -> str | None:
    """A reply to a rating question of `kind`; None when the text is no digit or nothing of
    that kind is asked. A digit out of 1-5 is asked again (the question's extend code kept)."""
    value = parse_rating(text)
    if value is None:
        return None
    asked = await asked_of(deps, citizen.id, question)
    if asked is None:
        return None
    if not 1 <= value <= 5:
        await answer_alone(
            deps,
            citizen,
            "sms_reply.rating_invalid",
            invalid_template,
            {"number": asked.number},
            # a question again: it keeps the rating question's extend code
            extend_code=question_code(kind, asked.id),
        )
        return "rating_invalid"
    return await rate(asked, Rating(value))


def rating_question(
    kind: QuestionKind, asked: Callable[[Queryable, int, int], Awaitable[list[A]]]
) -> Callable[[Deps, int, Question | None], Awaitable[A | None]]:
    """Which case of `kind` a 1-5 reply would rate: the one the reply's extend code names, else
    the newest question unanswered (`asked`: a citizen's, within RATING_QUESTION_DAYS, newest
    first); None when none is in flight."""

    async def rating_asked(deps: Deps, citizen_id: int, question: Question | None) -> A | None:
        if question is not None and question.kind is not kind:
            return None
        return in_flight(await asked(deps.pool, citizen_id, RATING_QUESTION_DAYS), question)

    return rating_asked


# the ticket a 1-5 reply would rate
rating_asked = rating_question(QuestionKind.TICKET_RATING, store.ratings_asked)


async def answer_rating(
    deps: Deps, citizen: InboundCitizenRow, text: str, question: Question | None
) -> str | None:
    """A reply to the rating question; None when the text is no digit or nothing asked."""

    async def rate(asked: RatingAskedRow, rating: Rating) -> str:
        number = asked.number
        view = await follow_up.rate(deps, citizen_actor(citizen), number, rating)
        if view.rectification is not None:
            await answer_alone(
                deps,
                citizen,
                "sms_reply.rated",
                "sms.ticket_rated_rectification",
                {
                    "number": number,
                    "unit": view.lead_unit.name,
                    "due": view.rectification.due_on.strftime("%m-%d"),
                },
                view.lead_unit.phone,
            )
        else:
            await answer_alone(
                deps, citizen, "sms_reply.rated", "sms.ticket_rated", {"number": number}
            )
        return f"rated:{int(rating)}"

    return await rating_reply(
        deps,
        citizen,
        text,
        question,
        kind=QuestionKind.TICKET_RATING,
        asked_of=rating_asked,
        invalid_template="sms.rating_invalid",
        rate=rate,
    )
