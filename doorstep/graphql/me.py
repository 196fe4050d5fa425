"""Log-in by SMS code, log-out, who am I, and my own settings (language, elder mode)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from enum import Enum
from typing import Annotated

import strawberry
from strawberry.extensions import SchemaExtension

from doorstep.domain.elder import Presentation as ElderPresentation
from doorstep.domain.elder import presentation as presentation_for
from doorstep.domain.policy import Role as DomainRole
from doorstep.graphql.context import Context, Info
from doorstep.graphql.priority import PriorityStanding
from doorstep.graphql.priority import standing as priority_standing
from doorstep.i18n import translate
from doorstep.live import progress
from doorstep.mirror import GIVEN, mirror
from doorstep.services import auth, preferences


@strawberry.enum(description="What the session may do")
class Role(Enum):
    CITIZEN = "citizen"
    AGENT = "agent"
    STAFF = "staff"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


@strawberry.type
class LoginCodeSent:
    phone: str = strawberry.field(description="The number in E.164 form")
    expires_at: datetime
    resend_after_seconds: int


@strawberry.type
class Session:
    token: str = strawberry.field(description="Send as `Authorization: Bearer <token>`")
    role: Role
    expires_at: datetime
    new_citizen: bool
    offer_elder_mode: bool = strawberry.field(
        description="A citizen of 60 or more who never chose: offer elder mode (长辈版); "
        "setElderMode records the answer"
    )


@strawberry.type(
    description="How the app should present itself (elder-friendly rules in "
    "elder mode: large text, large touch targets, read-aloud, no "
    "promotions)"
)
class Presentation:
    elder_mode: bool
    min_font_pt: int = strawberry.field(description="Main text at least this size")
    min_touch_target_dp: int = strawberry.field(
        description="Touch targets at least this wide and high"
    )
    no_promotions: bool = strawberry.field(description="Show no promotional content")
    read_aloud: str | None = strawberry.field(
        description="The key message of the home screen, to read aloud (elder mode only)"
    )


@strawberry.type(description="Whom an agent acts for in this request (X-Acting-For)")
class ActingFor:
    principal_id: strawberry.ID
    delegation_id: strawberry.ID | None
    active: bool
    themes: list[str]
    valid_until: datetime | None


@strawberry.type
class Me:
    role: Role
    language: str = strawberry.field(description="The language of this response")
    language_chosen: bool = strawberry.field(
        description="Chosen by the citizen (else Accept-Language decides)"
    )
    elder_mode: bool
    elder_mode_offered: bool = strawberry.field(
        description="60 or more and never chose: offer elder mode"
    )
    sms_only: bool = strawberry.field(description="Reached by SMS only (no app notifications)")
    presentation: Presentation
    acting_for: ActingFor | None = strawberry.field(
        description="Set when the request acts for a principal"
    )

    @strawberry.field(
        description="Where to start `myUpdates(afterSeq:)` for what this request read: the last "
        "sequence of my stream (acting for someone: theirs), taken before the request's other "
        "fields, so a change made meanwhile comes in the stream (null for staff)"
    )
    async def last_seq(self, info: Info) -> strawberry.ID | None:
        ctx = info.context
        position = ctx.stream_position
        if position is None:
            position = await progress.stream_position(ctx.deps, ctx.actor)
        return None if position is None else strawberry.ID(str(position))

    @strawberry.field(
        description="优先办: whether my (acting for someone: their) applications and tickets are "
        "served first, and on what grounds (null for staff)"
    )
    async def priority(self, info: Info) -> PriorityStanding | None:
        if info.context.actor.is_staff_side:
            return None
        return await priority_standing(info)


class StreamPositionFirst(SchemaExtension):
    """A page loads `me { lastSeq }` with its lists, and GraphQL resolves fields concurrently:
    read the position before any field runs, so the lists are never older than it."""

    async def on_execute(self) -> AsyncIterator[None]:
        execution = self.execution_context
        ctx = execution.context
        if isinstance(ctx, Context) and "lastSeq" in (execution.query or ""):
            ctx.stream_position = await progress.stream_position(ctx.deps, ctx.actor)
        yield


_presentation = mirror(Presentation, ElderPresentation, read_aloud=GIVEN)
_code_sent = mirror(LoginCodeSent, auth.CodeSent)
_session = mirror(Session, auth.SessionIssued, role=lambda issued: Role(issued.role.value))


async def _me(info: Info) -> Me | None:
    ctx = info.context
    actor = ctx.actor
    if actor.role is DomainRole.ANONYMOUS:
        return None
    acting = None
    if actor.role is DomainRole.AGENT:
        grant = actor.grant
        acting = ActingFor(
            principal_id=strawberry.ID(str(actor.principal_citizen_id or "")),
            delegation_id=strawberry.ID(str(grant.delegation_id)) if grant else None,
            active=bool(grant and grant.is_active(datetime.now().astimezone())),
            themes=sorted(t.value for t in grant.themes) if grant else [],
            valid_until=grant.valid_until if grant else None,
        )
    own_id = actor.citizen_id if actor.role is DomainRole.CITIZEN else actor.agent_citizen_id
    read_aloud = None
    if own_id is None:  # staff: no settings of their own, the standard presentation
        chosen = elder_mode = offered = sms_only = False
        shown = presentation_for(False)
    else:
        profile = await preferences.profile(ctx.deps, own_id)
        chosen, elder_mode = profile.language_chosen, profile.elder_mode
        offered, sms_only = profile.offer_elder_mode, profile.sms_only
        shown = profile.presentation
        if shown.read_aloud:
            read_aloud = translate(
                profile.read_aloud_key, ctx.language, elder=True, count=profile.read_aloud_count
            )
    return Me(
        role=Role(actor.role.value),
        language=ctx.language,
        language_chosen=chosen,
        elder_mode=elder_mode,
        elder_mode_offered=offered,
        sms_only=sms_only,
        presentation=_presentation(shown, read_aloud=read_aloud),
        acting_for=acting,
    )


@strawberry.type
class MeQuery:
    @strawberry.field(description="The signed-in account, or null")
    async def me(self, info: Info) -> Me | None:
        return await _me(info)


@strawberry.type
class MeMutation:
    @strawberry.mutation(description="Send a 6-digit log-in code by SMS")
    async def request_login_code(self, info: Info, phone: str) -> LoginCodeSent:
        ctx = info.context
        sent = await auth.request_login_code(
            ctx.deps, phone, client_addr=ctx.client_addr, language=ctx.language
        )
        return _code_sent(sent)

    @strawberry.mutation(description="Trade the code for a session token")
    async def verify_login_code(
        self,
        info: Info,
        phone: str,
        code: str,
        as_staff: bool = False,
        totp_code: Annotated[
            str | None,
            strawberry.argument(
                description="Staff: the 6-digit code of the authenticator app (TOTP), once enrolled"
            ),
        ] = None,
    ) -> Session:
        ctx = info.context
        issued = await auth.verify_login_code(
            ctx.deps,
            phone,
            code,
            as_staff=as_staff,
            language=ctx.language,
            totp_code=totp_code[:20] if totp_code else None,
            client_addr=ctx.client_addr,
        )
        return _session(issued)

    @strawberry.mutation(description="End this session")
    async def logout(self, info: Info) -> bool:
        await auth.logout(info.context.deps, info.context.actor)
        return True

    @strawberry.mutation(
        description="Citizen: the language of the app and of every SMS (zh_Hans, zh_Hant or en)"
    )
    async def set_language(self, info: Info, language: str) -> Me:
        ctx = info.context
        ctx.language = await preferences.set_language(ctx.deps, ctx.actor, language)
        me = await _me(info)
        assert me is not None
        return me

    @strawberry.mutation(
        description="Citizen: elder mode (长辈版) on or off; also answers the offer made at log-in"
    )
    async def set_elder_mode(self, info: Info, on: bool) -> Me:
        ctx = info.context
        await preferences.set_elder_mode(ctx.deps, ctx.actor, on)
        me = await _me(info)
        assert me is not None
        return me
