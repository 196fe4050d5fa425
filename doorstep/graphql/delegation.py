"""Delegation (帮办代办), staff-assisted applications and "who looked at my data".

To act for a principal, send `X-Acting-For: <principal's citizen id or +86 phone>` with the
agent's own session (over WebSocket: `actingFor` in connection_init's payload); the usual
fields (`submitApplication`, `supplyMaterials`, `myApplications`, `application`, `myUpdates`,
`myDataAccessLog`) then work on the principal's data, as far as the delegation allows.
What moves money or property waits for the principal's own confirmation (`myConfirmations`,
`answerConfirmation`, or "Y"/"N" to the SMS).
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from doorstep.graphql.applications import (
    Application,
    SubmitApplicationInput,
    application_type,
    submit_input,
)
from doorstep.graphql.context import Info
from doorstep.graphql.enums import ConfirmationStatus, ConsentMethod, DelegationStatus
from doorstep.graphql.enums import Theme as DelegationTheme
from doorstep.graphql.ids import parse_id
from doorstep.i18n import translate, translate_or
from doorstep.mirror import GIVEN, mirror
from doorstep.services import acting, assisted, confirmations, delegation, privacy


@strawberry.type(description="One side of a delegation")
class DelegationParty:
    citizen_id: strawberry.ID
    name: str | None
    phone_masked: str


@strawberry.type(description="An agent acting for a principal (帮办代办)")
class Delegation:
    id: strawberry.ID
    agent: DelegationParty
    principal: DelegationParty
    themes: list[DelegationTheme]
    theme_labels: list[str]
    status: DelegationStatus
    status_label: str
    requested_at: datetime
    valid_from: datetime
    valid_until: datetime
    consent_method: ConsentMethod | None
    consent_method_label: str | None
    consented_at: datetime | None
    ended_at: datetime | None
    viewer_is: str = strawberry.field(description="agent, principal or staff")


@strawberry.enum(description="What the agent asked to do")
class ConfirmationAction(Enum):
    SUBMIT_APPLICATION = "application.submit"
    ACCEPT_OFFER = "offer.respond"


@strawberry.type(
    description="An agent's action that moves money or property, waiting for "
    "(or answered by) the principal's own confirmation"
)
class PrincipalConfirmation:
    id: strawberry.ID
    action: ConfirmationAction
    bundle_code: str
    bundle_name: str
    offer_id: strawberry.ID | None
    agent: DelegationParty
    principal: DelegationParty
    status: ConfirmationStatus
    status_label: str
    next_step: str | None = strawberry.field(
        description="What the viewer can do now (null when nothing)"
    )
    requested_at: datetime
    expires_at: datetime
    decided_at: datetime | None
    decided_by: str | None = strawberry.field(
        description="app or sms (the principal), system (expired), delegation (it ended)"
    )
    application_number: str | None = strawberry.field(
        description="The application made once confirmed"
    )
    viewer_is: str = strawberry.field(description="agent or principal")
    read_aloud: str | None = strawberry.field(
        default=None, description="Elder mode: the screen's key message, to read aloud"
    )


@strawberry.type(
    description="The principal's answer: the confirmation, and the application "
    "it made (null when refused)"
)
class ConfirmationAnswer:
    confirmation: PrincipalConfirmation
    application: Application | None


def confirmation_type(
    view: confirmations.ConfirmationView, language: str, elder: bool
) -> PrincipalConfirmation:
    status = view.status.value
    step = None
    if view.status.value == "pending" and view.viewer_is == "principal":
        step = translate(
            "next.confirm_for_agent",
            language,
            elder=elder,
            name=view.agent.name or view.agent.phone_masked,
        )
    elif view.status.value == "pending":
        step = translate(
            "next.wait_for_principal",
            language,
            elder=elder,
            name=view.principal.name or view.principal.phone_masked,
        )
    read_aloud = None
    if elder:
        read_aloud = translate(
            "read_aloud.confirmation",
            language,
            elder=True,
            bundle=view.bundle_name,
            status=translate(f"confirmation_status.{status}", language, elder=True),
            next=step or "",
        )
    return _confirmation(
        view,
        status_label=translate(f"confirmation_status.{status}", language, elder=elder),
        next_step=step,
        read_aloud=read_aloud,
    )


@strawberry.type(description="One read of the citizen's personal data by staff or an agent")
class DataAccess:
    id: strawberry.ID
    reader_kind: str = strawberry.field(description="staff or agent")
    reader_kind_label: str
    reader_name: str | None
    reader_unit: str | None
    reader_phone_masked: str | None
    what: str
    what_label: str
    purpose: str
    purpose_label: str
    refused: bool = strawberry.field(
        description="The read was outside the data-sharing list: refused, recorded all the same"
    )
    at: datetime


_party = mirror(DelegationParty, acting.Party)
_confirmation = mirror(
    PrincipalConfirmation,
    confirmations.ConfirmationView,
    action=lambda v: ConfirmationAction(v.operation),
    agent=_party,
    principal=_party,
    status_label=GIVEN,
    next_step=GIVEN,
    read_aloud=GIVEN,
)
_delegation = mirror(
    Delegation,
    delegation.DelegationView,
    agent=_party,
    principal=_party,
    theme_labels=GIVEN,
    status_label=GIVEN,
    consent_method_label=GIVEN,
)
_access = mirror(
    DataAccess,
    privacy.AccessEntry,
    reader_kind_label=GIVEN,
    what_label=GIVEN,
    purpose_label=GIVEN,
)


def delegation_type(view: delegation.DelegationView, language: str, elder: bool) -> Delegation:
    method = view.consent_method
    return _delegation(
        view,
        theme_labels=[translate(f"theme.{t.value}", language, elder=elder) for t in view.themes],
        status_label=translate(f"delegation_status.{view.status.value}", language, elder=elder),
        consent_method_label=(
            translate(f"consent_method.{method.value}", language, elder=elder) if method else None
        ),
    )


def _access_type(entry: privacy.AccessEntry, language: str, elder: bool) -> DataAccess:
    return _access(
        entry,
        reader_kind_label=translate_or(
            f"data_reader.{entry.reader_kind}", entry.reader_kind, language, elder=elder
        ),
        what_label=translate_or(f"data_what.{entry.what}", entry.what, language, elder=elder),
        purpose_label=entry.purpose_name
        or translate_or(f"data_purpose.{entry.purpose}", entry.purpose, language, elder=elder),
    )


def _id(raw: strawberry.ID, code: str = "delegation.id_invalid") -> int:
    return parse_id(raw, code)


@strawberry.input(description="A clerk applies for a walk-in citizen (帮办), with their consent")
class AssistedApplicationInput:
    application: SubmitApplicationInput = strawberry.field(
        description="The form; residentId is required (it finds or registers the citizen)"
    )
    phone: str | None = strawberry.field(
        default=None,
        description="A number for SMS updates (a keypad phone is enough); "
        "needed when the citizen has no account yet",
    )
    language: str | None = strawberry.field(
        default=None, description="zh_Hans (default), zh_Hant or en"
    )
    identity_document: str = strawberry.field(
        description="What identity document was checked in person, e.g. 居民身份证原件"
    )
    identity_checked: bool
    consent_given: bool = strawberry.field(
        description="The citizen agreed to the clerk submitting for them"
    )
    note: str | None = None


_assisted_input = mirror(
    assisted.AssistedInput,
    AssistedApplicationInput,
    # the counter's form files no certificates into the citizen's vault
    application=lambda i: submit_input(i.application, documents=False),
)


@strawberry.type
class DelegationQuery:
    @strawberry.field(description="Delegations I gave (as principal) or hold (as agent)")
    async def my_delegations(self, info: Info) -> list[Delegation]:
        ctx = info.context
        views = await delegation.list_mine(ctx.deps, ctx.actor)
        return [delegation_type(v, ctx.language, ctx.elder) for v in views]

    @strawberry.field(
        description="Who looked at my data: every read of my personal data by "
        "staff or agents, newest first (an agent: the principal's)"
    )
    async def my_data_access_log(
        self, info: Info, first: int = 50, before: strawberry.ID | None = None
    ) -> list[DataAccess]:
        ctx = info.context
        entries = await privacy.data_access_log(
            ctx.deps,
            ctx.actor,
            limit=first,
            before_id=_id(before, "data_access.cursor_invalid") if before else None,
        )
        return [_access_type(e, ctx.language, ctx.elder) for e in entries]


@strawberry.type
class ConfirmationQuery:
    @strawberry.field(
        description="Money-moving actions of agents: those I am asked to "
        "confirm and those I asked (acting for someone: what I "
        "asked them), newest first"
    )
    async def my_confirmations(
        self, info: Info, statuses: list[ConfirmationStatus] | None = None, first: int = 50
    ) -> list[PrincipalConfirmation]:
        ctx = info.context
        views = await confirmations.list_mine(ctx.deps, ctx.actor, statuses or None, limit=first)
        return [confirmation_type(v, ctx.language, ctx.elder) for v in views]


@strawberry.type
class ConfirmationMutation:
    @strawberry.mutation(
        description="Principal: confirm (the application is made as if you "
        "had submitted it) or refuse an agent's action that moves "
        "money or property; confirming again changes nothing"
    )
    async def answer_confirmation(
        self, info: Info, id: strawberry.ID, confirm: bool
    ) -> ConfirmationAnswer:
        ctx = info.context
        answered = await confirmations.answer(
            ctx.deps, ctx.actor, _id(id, "confirmation.id_invalid"), confirm
        )
        application = answered.application
        return ConfirmationAnswer(
            confirmation=confirmation_type(answered.confirmation, ctx.language, ctx.elder),
            application=(
                application_type(application, ctx.language, ctx.elder)
                if application is not None
                else None
            ),
        )


@strawberry.type
class DelegationMutation:
    @strawberry.mutation(
        description="Ask to act for the owner of a phone number (a citizen) "
        "for some themes and days; they are asked by SMS"
    )
    async def request_delegation(
        self, info: Info, principal_phone: str, themes: list[DelegationTheme], days: int
    ) -> Delegation:
        ctx = info.context
        view = await delegation.request(
            ctx.deps, ctx.actor, principal_phone, [t.value for t in themes], days
        )
        return delegation_type(view, ctx.language, ctx.elder)

    @strawberry.mutation(description="Principal: consent to (or refuse) a request")
    async def answer_delegation(self, info: Info, id: strawberry.ID, consent: bool) -> Delegation:
        ctx = info.context
        view = await delegation.answer(ctx.deps, ctx.actor, _id(id), consent)
        return delegation_type(view, ctx.language, ctx.elder)

    @strawberry.mutation(
        description="Principal: stop a delegation at once (the agent: "
        "withdraw); open subscriptions end"
    )
    async def revoke_delegation(self, info: Info, id: strawberry.ID) -> Delegation:
        ctx = info.context
        view = await delegation.revoke(ctx.deps, ctx.actor, _id(id))
        return delegation_type(view, ctx.language, ctx.elder)

    @strawberry.mutation(
        description="Staff at a counter: the principal consents in person; "
        "record that identity and understanding were checked"
    )
    async def record_in_person_consent(
        self,
        info: Info,
        principal_phone: str,
        agent_phone: str,
        identity_checked: bool,
        understanding_checked: bool,
        note: str | None = None,
    ) -> Delegation:
        ctx = info.context
        view = await delegation.consent_in_person(
            ctx.deps,
            ctx.actor,
            principal_phone,
            agent_phone,
            identity_checked=identity_checked,
            understanding_checked=understanding_checked,
            note=note,
        )
        return delegation_type(view, ctx.language, ctx.elder)

    @strawberry.mutation(
        description="Staff: apply for a walk-in citizen, recording the "
        "identity check and their consent; they get SMS updates"
    )
    async def submit_assisted_application(
        self, info: Info, input: AssistedApplicationInput
    ) -> Application:
        ctx = info.context
        view = await assisted.submit_assisted(ctx.deps, ctx.actor, _assisted_input(input))
        return application_type(view, ctx.language, ctx.elder)
