"""SMS replies (Aliyun SmsUp pushes): each handled once, by the area that asked the question.

A reply is first offered to the questions in flight for that number: a delegation request or
an agent's money-moving action waiting for the principal's confirmation ("Y"/"N"; "0" stops
delegations) and a ticket's follow-up ("1" solved / "2" not). A question SMS carries an extend
code and the reply comes back with it, so a reply answers the very question it replies to;
without one (or when the code names nothing in flight) the newest question is answered. Then
our own words: an application number or "进度"/"CX" get its status back by SMS, "TD"/"退订" stops
non-essential SMS (offers). Anything else gets a short help SMS, at most once a day. Numbers
that are no citizen's get no answer (it would cost an SMS and tell a stranger nothing).

Each reply is recorded before it is handled, so a repeated push is never handled twice.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from typing import Any

from doorstep.domain.errors import DomainError
from doorstep.domain.identity import normalize_phone
from doorstep.domain.sms_reply import ReplyKind, parse, question_of
from doorstep.i18n import translate
from doorstep.services import delegation, notifications
from doorstep.services.citizen_sms import display_phone
from doorstep.services.deps import Deps
from doorstep.services.tickets import follow_up
from doorstep.store import sms_inbound as store
from doorstep.store.db import transaction

log = logging.getLogger(__name__)

MAX_CONTENT = 500


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
    citizen_id = citizen["id"] if citizen else None
    if reply.kind is not ReplyKind.UNSUBSCRIBE:
        answered = await delegation.handle_sms_reply(deps, phone, text, question)
        if answered.handled:
            return citizen_id, f"delegation:{answered.action}"
        if (
            citizen_id is not None
            and await follow_up.answer_follow_up_reply(deps, citizen_id, text, question=question)
            is not None
        ):
            return citizen_id, "follow_up"
    if citizen is None:
        return None, "unknown_number"
    language = citizen["language"]
    hotline = display_phone(deps.settings.support_phone)
    async with transaction(deps.pool) as conn:
        if reply.kind is ReplyKind.UNSUBSCRIBE:
            await store.opt_out(conn, citizen["id"])
            outbox_id = await notifications.queue(
                conn,
                citizen_id=citizen["id"],
                phone=phone,
                kind="sms_reply.unsubscribed",
                template="sms.reply_unsubscribed",
                params={"phone": hotline},
                language=language,
                urgent=True,
            )
            outcome = "unsubscribe"
        else:
            wanted = reply.number if reply.kind is ReplyKind.APPLICATION else None
            application = (
                await store.application_of(conn, citizen["id"], wanted)
                if reply.kind in (ReplyKind.APPLICATION, ReplyKind.STATUS)
                else None
            )
            if application is not None:
                outbox_id = await notifications.queue(
                    conn,
                    citizen_id=citizen["id"],
                    phone=phone,
                    kind="sms_reply.status",
                    template="sms.reply_status",
                    params={
                        "number": application["number"],
                        "latest": translate(
                            f"application_status.{application['status']}", language
                        ),
                    },
                    language=language,
                    urgent=True,
                )
                outcome = "status"
            elif await store.help_sent_today(conn, phone):
                return citizen["id"], "help_skipped"
            else:
                outbox_id = await notifications.queue(
                    conn,
                    citizen_id=citizen["id"],
                    phone=phone,
                    kind="sms_reply.help",
                    template="sms.reply_help",
                    params={"phone": hotline},
                    language=language,
                    urgent=True,
                )
                outcome = "help"
    await deps.after_commit([outbox_id])
    return citizen["id"], outcome
