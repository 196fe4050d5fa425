"""The rating question by SMS ("reply 1-5") once an application is finished: for those who read
SMS only or in elder mode (the app asks everyone else on the application's page). It carries
its own extend code, so the reply rates this very application
(services/sms_application_rating.py answers it)."""

from __future__ import annotations

from doorstep.domain.sms_reply import QuestionKind, question_code
from doorstep.services import citizen_sms
from doorstep.services.citizen_sms import SmsContact
from doorstep.store import application_ratings as store
from doorstep.store.applications import ApplicationRow
from doorstep.store.db import Connection


async def ask_if_sms_reader(
    conn: Connection, application: ApplicationRow, contact: SmsContact, call_phone: str
) -> list[int]:
    """Queue the question to a citizen who reads plain SMS; the outbox ids (none otherwise)."""
    if not citizen_sms.reads_plain(contact):
        return []
    await store.mark_rating_asked(conn, application.id)
    outbox_id = await citizen_sms.queue(
        conn,
        contact,
        kind="application.rating_question",
        template="sms.application_rating_question",
        params={"number": application.number},
        call_phone=call_phone,
        extend_code=question_code(QuestionKind.APPLICATION_RATING, application.id),
    )
    return [outbox_id]
