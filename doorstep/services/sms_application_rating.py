"""A reply to an application's rating question by SMS (1-5): the rating, as in the app, and an
answer SMS saying it was taken (and, for 不满意 or worse, by when the units put it right and
call back). Registered with the other digit questions in services/sms_replies.py."""

from __future__ import annotations

from doorstep.domain.sms_reply import Question, QuestionKind
from doorstep.domain.tickets import Rating
from doorstep.services import application_ratings
from doorstep.services.deps import Deps
from doorstep.services.sms_tickets import answer_alone, rating_question, rating_reply
from doorstep.store import application_ratings as store
from doorstep.store.application_ratings import RatingAskedRow
from doorstep.store.sms_inbound import InboundCitizenRow

# the application a 1-5 reply would rate
rating_asked = rating_question(QuestionKind.APPLICATION_RATING, store.ratings_asked)


async def answer_rating(
    deps: Deps, citizen: InboundCitizenRow, text: str, question: Question | None
) -> str | None:
    """None when the text is no digit or no application's question is in flight."""

    async def rate(asked: RatingAskedRow, rating: Rating) -> str | None:
        rated = await application_ratings.rate_by_sms(deps, citizen.id, asked.number, rating)
        if rated is None:
            return None
        if rated.rectify_by is not None:
            await answer_alone(
                deps,
                citizen,
                "sms_reply.rated",
                "sms.application_rated_rectification",
                {"number": rated.number, "due": rated.rectify_by.strftime("%m-%d")},
            )
        else:
            await answer_alone(
                deps, citizen, "sms_reply.rated", "sms.application_rated", {"number": rated.number}
            )
        return f"application_rated:{int(rating)}"

    return await rating_reply(
        deps,
        citizen,
        text,
        question,
        kind=QuestionKind.APPLICATION_RATING,
        asked_of=rating_asked,
        invalid_template="sms.application_rating_invalid",
        rate=rate,
    )
