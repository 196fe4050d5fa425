"""A reply to an application's rating question by SMS (1-5): the rating, as in the app, and an
answer SMS saying it was taken (and, for 不满意 or worse, by when the units put it right and
call back). Registered with the other digit questions in services/sms_replies.py."""

from __future__ import annotations

from typing import Any

from doorstep.domain.sms_reply import Question, QuestionKind, parse_rating, question_code
from doorstep.domain.tickets import Rating
from doorstep.services import application_ratings
from doorstep.services.deps import Deps
from doorstep.services.sms_tickets import RATING_QUESTION_DAYS, answer
from doorstep.store import application_ratings as store
from doorstep.store.application_ratings import RatingAskedRow
from doorstep.store.db import transaction
from doorstep.store.sms_inbound import InboundCitizenRow


async def rating_asked(deps: Deps, citizen_id: int, question: Question | None) -> Any:
    """The application a 1-5 reply would rate: the one its extend code names, else the newest
    question in flight; None when none is."""
    if question is not None and question.kind is not QuestionKind.APPLICATION_RATING:
        return None
    rows: list[RatingAskedRow] = await store.ratings_asked(
        deps.pool, citizen_id, RATING_QUESTION_DAYS
    )
    named = [r for r in rows if question is not None and question.asks_about(question.kind, r.id)]
    chosen = named or rows
    return chosen[0] if chosen else None


async def answer_rating(
    deps: Deps, citizen: InboundCitizenRow, text: str, question: Question | None
) -> str | None:
    """None when the text is no digit or no application's question is in flight."""
    value = parse_rating(text)
    if value is None:
        return None
    asked = await rating_asked(deps, citizen.id, question)
    if asked is None:
        return None
    if not 1 <= value <= 5:
        async with transaction(deps.pool) as conn:
            outbox_id = await answer(
                deps,
                conn,
                citizen,
                "sms_reply.rating_invalid",
                "sms.application_rating_invalid",
                {"number": asked.number},
                # a question again: it keeps the rating question's extend code
                extend_code=question_code(QuestionKind.APPLICATION_RATING, asked.id),
            )
        await deps.after_commit([outbox_id])
        return "rating_invalid"
    rated = await application_ratings.rate_by_sms(deps, citizen.id, asked.number, Rating(value))
    if rated is None:
        return None
    async with transaction(deps.pool) as conn:
        if rated.rectify_by is not None:
            outbox_id = await answer(
                deps,
                conn,
                citizen,
                "sms_reply.rated",
                "sms.application_rated_rectification",
                {"number": rated.number, "due": rated.rectify_by.strftime("%m-%d")},
            )
        else:
            outbox_id = await answer(
                deps,
                conn,
                citizen,
                "sms_reply.rated",
                "sms.application_rated",
                {"number": rated.number},
            )
    await deps.after_commit([outbox_id])
    return f"application_rated:{value}"
