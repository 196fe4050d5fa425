"""An agent's submission or offer acceptance that needs the principal's confirmation: the form
kept encrypted while it waits, the principal asked (at most MAX_ASKS_PER_AGENT_PER_DAY a day
per agent)."""

from __future__ import annotations

import json
from datetime import date

from doorstep.domain import pii
from doorstep.domain.delegation import (
    ConfirmationStatus,
)
from doorstep.domain.errors import Conflict
from doorstep.domain.policy import (
    Actor,
    Operation,
    authorize,
    confirmation_needed,
)
from doorstep.domain.rate_limits import DAY_SECONDS, Window
from doorstep.domain.sms_reply import QuestionKind, question_code
from doorstep.services import acting, applications, rate_limits, vault
from doorstep.services.catalog import Bundle
from doorstep.services.citizen_sms import display_phone
from doorstep.services.confirmations.closing import close_unanswered, record_event
from doorstep.services.confirmations.views import ConfirmationView, status_of, view_of
from doorstep.services.deps import Deps
from doorstep.services.proactive import offers
from doorstep.services.proactive.views import OfferView
from doorstep.services.rate_limits import Limit
from doorstep.store import confirmations as store
from doorstep.store import delegation as delegation_store
from doorstep.store.db import transaction
from doorstep.store.proactive import offers as offer_store
from doorstep.store.rate_limits import Counted

PAYLOAD_PURPOSE = b"confirmation_payload"

# each question is an SMS to a principal: one agent asks at most this many a day, over all the
# people she acts for (the per-number caps of the outbox would only delay the flood)
MAX_ASKS_PER_AGENT_PER_DAY = 10
ASKS_OF_AGENT = Limit(
    Counted.CONFIRMATIONS_ASKED_BY_AGENT, (Window(MAX_ASKS_PER_AGENT_PER_DAY, DAY_SECONDS),)
)


# -- the form, kept encrypted while it waits ------------------------------------------------


def encode_payload(deps: Deps, data: applications.SubmitInput) -> bytes:
    payload = {
        "bundle_code": data.bundle_code,
        "materials": list(data.materials),
        "form": data.form,
        "applicant_name": data.applicant_name,
        "resident_id": data.resident_id,
        "documents": [
            {
                "doc_type": d.doc_type,
                "number": d.number,
                "issuer": d.issuer,
                "valid_until": d.valid_until.isoformat() if d.valid_until else None,
                "file_ref": d.file_ref,
                "file_sha256": d.file_sha256,
            }
            for d in data.documents
        ],
    }
    return pii.encrypt(
        json.dumps(payload, ensure_ascii=False), deps.settings.data_key, purpose=PAYLOAD_PURPOSE
    )


def decode_payload(deps: Deps, blob: bytes) -> applications.SubmitInput:
    payload = json.loads(pii.decrypt(blob, deps.settings.data_key, purpose=PAYLOAD_PURPOSE))
    return applications.SubmitInput(
        bundle_code=payload["bundle_code"],
        materials=tuple(payload["materials"]),
        form=payload["form"],
        applicant_name=payload["applicant_name"],
        resident_id=payload["resident_id"],
        documents=tuple(
            vault.DocumentInput(
                doc_type=d["doc_type"],
                number=d["number"],
                issuer=d["issuer"],
                valid_until=date.fromisoformat(d["valid_until"]) if d["valid_until"] else None,
                file_ref=d["file_ref"],
                file_sha256=d["file_sha256"],
            )
            for d in payload["documents"]
        ),
    )


# -- the agent asks ---------------------------------------------------------------------------


async def submit_application(
    deps: Deps,
    actor: Actor,
    data: applications.SubmitInput,
    *,
    read: applications.PreRead | None = None,
) -> applications.ApplicationView | ConfirmationView:
    """Apply (applications.submit_application, `read` as it takes it), or, for an agent's
    application that moves money, ask the principal to confirm it: the pending confirmation
    is returned."""
    target = applications.bundle_target(actor.subject_citizen_id, data.bundle_code)
    if not confirmation_needed(actor, Operation.APPLICATION_SUBMIT, target):
        return await applications.submit_application(deps, actor, data, read=read)
    authorize(actor, Operation.CONFIRMATION_REQUEST, target)
    bundle, _resident_id = await applications.checked_input(deps, data)
    vault.clean_documents(data.documents)  # refused now, not when the principal says yes
    return await ask(deps, actor, Operation.APPLICATION_SUBMIT, bundle, data, offer_id=None)


Accepted = tuple[OfferView, applications.ApplicationView]


async def accept_offer(deps: Deps, actor: Actor, offer_id: int) -> Accepted | ConfirmationView:
    """Accept an offer (offers.accept_offer), or, for an agent and an offer that moves
    money, ask the principal to confirm the acceptance."""
    row = await offers.load_offer(deps.pool, offer_id)
    target = offers.offer_target(row)
    if not confirmation_needed(actor, Operation.OFFER_RESPOND, target):
        return await offers.accept_offer(deps, actor, offer_id)
    authorize(actor, Operation.CONFIRMATION_REQUEST, target)
    offers.must_be_open(row)
    data, _mark = offers.acceptance(row, actor)
    bundle, _resident_id = await applications.checked_input(deps, data)
    return await ask(deps, actor, Operation.OFFER_RESPOND, bundle, data, offer_id=offer_id)


async def ask(
    deps: Deps,
    actor: Actor,
    operation: Operation,
    bundle: Bundle,
    data: applications.SubmitInput,
    *,
    offer_id: int | None,
) -> ConfirmationView:
    assert actor.grant is not None and actor.agent_citizen_id is not None
    assert actor.principal_citizen_id is not None
    delegation_id = actor.grant.delegation_id
    async with transaction(deps.pool) as conn:
        await acting.ensure_active(conn, actor)
        await rate_limits.enforce(
            conn,
            "confirmation.too_many_requests",
            [(ASKS_OF_AGENT, actor.agent_citizen_id)],
            limit=MAX_ASKS_PER_AGENT_PER_DAY,
        )
        if offer_id is not None:
            locked = await offer_store.offer_by_id(conn, offer_id, lock=True)
            assert locked is not None
            offers.must_be_open(locked)
        # a question left unanswered past its time no longer stands in the way of a new one
        outbox_ids: list[int] = []
        for stale in await store.pending_same(conn, delegation_id, bundle.code, offer_id):
            if status_of(stale) is not ConfirmationStatus.PENDING:
                await close_unanswered(conn, stale, status_of(stale), outbox_ids)
        confirmation_id = await store.insert(
            conn,
            delegation_id=delegation_id,
            agent_id=actor.agent_citizen_id,
            principal_id=actor.principal_citizen_id,
            operation=operation.value,
            bundle_code=bundle.code,
            offer_id=offer_id,
            payload_enc=encode_payload(deps, data),
            hours=deps.settings.confirmation_hours,
        )
        if confirmation_id is None:
            raise Conflict("confirmation.exists")
        row = await store.get(conn, confirmation_id)
        assert row is not None
        await acting.record_action(
            conn,
            deps,
            actor,
            Operation.CONFIRMATION_REQUEST,
            application_id=None,
            number=None,
            notice=None,
            detail={
                "bundle": bundle.code,
                "confirmation_id": confirmation_id,
                "offer_id": offer_id,
                "for": operation.value,
            },
        )
        await record_event(conn, row, "confirmation.requested", actor_id=actor.agent_citizen_id)
        principal = await delegation_store.citizen_brief(conn, actor.principal_citizen_id)
        assert principal is not None
        outbox_ids.append(
            await acting.tell(
                conn,
                principal,
                "sms.confirmation_requested",
                {
                    "name": acting.who(row.agent_name, row.agent_phone),
                    "bundle": row.bundle_name,
                    "phone": display_phone(deps.settings.support_phone),
                },
                extend_code=question_code(QuestionKind.CONFIRMATION, confirmation_id),
            )
        )
    await deps.after_commit(outbox_ids)
    return view_of(row, "agent")
