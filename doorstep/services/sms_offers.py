"""Offers (服务找人) by SMS alone: an offer SMS ends "reply 1 to apply" and carries its extend
code; the citizen's "1" accepts it exactly as the app's button does (the same pre-filled
application, in the same transaction as the offer's acceptance).

Only the citizen the offer is for can accept by SMS: the reply comes from their own phone, so
an offer that moves money is accepted by the principal themselves. A relative acting for them
is told of the offer without the question (`sms.offer_for_principal`), and accepts in the app,
where money-moving steps wait for the principal's confirmation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from doorstep.domain.errors import Conflict, DomainError
from doorstep.domain.sms_reply import Question, QuestionKind, named_by, parse_rating
from doorstep.services.citizen_sms import call_us
from doorstep.services.deps import Deps
from doorstep.services.proactive import offers
from doorstep.services.proactive.views import text_in
from doorstep.services.sms_tickets import answer_alone, citizen_actor
from doorstep.services.tickets.common import now_utc
from doorstep.store import sms_inbound as store
from doorstep.store.sms_inbound import InboundCitizenRow, OfferAskedRow

APPLY = 1
UNNAMED_OFFER_DAYS = 7
_LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class ClosedOffer:
    """The reply named an offer that is no longer open: asked long ago (any other question in
    flight comes first), answered that it is closed."""

    id: None = None
    asked_at: datetime = _LONG_AGO


async def offer_asked(
    deps: Deps, citizen_id: int, question: Question | None
) -> OfferAskedRow | ClosedOffer | None:
    """The offer a "1" would accept: the one the extend code names, else the newest open
    offer sent; None when none is in flight."""
    if question is not None and question.kind is not QuestionKind.OFFER:
        return None
    rows = await store.offers_asked(deps.pool, citizen_id)
    if question is None:
        # a bare "1" is taken as "apply" only for an offer sent lately, not one long forgotten
        since = now_utc() - timedelta(days=UNNAMED_OFFER_DAYS)
        rows = [r for r in rows if r.asked_at >= since]
    if question is not None:
        # a reply to one offer's SMS never applies for another: when that offer is no longer
        # open, the citizen is told so
        named = named_by(question, rows)
        return named[0] if named else ClosedOffer()
    return rows[0] if rows else None


async def answer_offer(
    deps: Deps, citizen: InboundCitizenRow, text: str, question: Question | None
) -> str | None:
    """ "1" to an offer: the application made and its number sent back. None when the text is
    not "1" or no offer asked."""
    if parse_rating(text) != APPLY:
        return None
    asked = await offer_asked(deps, citizen.id, question)
    if asked is None:
        return None
    try:
        if asked.id is None:
            raise Conflict("offer.not_open")
        offer, application = await offers.accept_offer(deps, citizen_actor(citizen), asked.id)
    except DomainError as exc:
        await answer_alone(
            deps, citizen, "sms_reply.offer_closed", "sms.offer_closed", call_us(deps)
        )
        return f"offer_refused:{exc.code}"
    await answer_alone(
        deps,
        citizen,
        "sms_reply.offer_accepted",
        "sms.offer_accepted",
        {"item": text_in(offer.title, citizen.language), "number": application.number},
    )
    return "offer_accepted"
