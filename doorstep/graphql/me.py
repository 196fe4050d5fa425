"""Log-in by SMS code, log-out, and who am I."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from doorstep.domain.policy import Role as DomainRole
from doorstep.graphql.context import Info
from doorstep.services import auth


@strawberry.enum(description="What the session may do")
class Role(Enum):
    CITIZEN = "citizen"
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


@strawberry.type
class Me:
    role: Role
    language: str
    elder_mode: bool


@strawberry.type
class MeQuery:
    @strawberry.field(description="The signed-in account, or null")
    def me(self, info: Info) -> Me | None:
        actor = info.context.actor
        if actor.role is DomainRole.ANONYMOUS:
            return None
        return Me(role=Role(actor.role.value), language=info.context.language,
                  elder_mode=actor.elder_mode)


@strawberry.type
class MeMutation:
    @strawberry.mutation(description="Send a 6-digit log-in code by SMS")
    async def request_login_code(self, info: Info, phone: str) -> LoginCodeSent:
        ctx = info.context
        sent = await auth.request_login_code(ctx.deps, phone, client_addr=ctx.client_addr,
                                             language=ctx.language)
        return LoginCodeSent(phone=sent.phone, expires_at=sent.expires_at,
                             resend_after_seconds=sent.resend_after_seconds)

    @strawberry.mutation(description="Trade the code for a session token")
    async def verify_login_code(self, info: Info, phone: str, code: str,
                                as_staff: bool = False) -> Session:
        ctx = info.context
        issued = await auth.verify_login_code(ctx.deps, phone, code, as_staff=as_staff,
                                              language=ctx.language)
        return Session(token=issued.token, role=Role(issued.role.value),
                       expires_at=issued.expires_at, new_citizen=issued.new_citizen)

    @strawberry.mutation(description="End this session")
    async def logout(self, info: Info) -> bool:
        await auth.logout(info.context.deps, info.context.actor)
        return True
