"""Staff sign-in safety: enrolling the second factor (TOTP) and the record of staff log-ins.
Thin resolvers over `services.staff_totp` and `services.staff_login`."""

from __future__ import annotations

from datetime import datetime

import strawberry

from doorstep.graphql.context import Info
from doorstep.graphql.ids import parse_id
from doorstep.mirror import mirror
from doorstep.services import staff_login, staff_totp


@strawberry.type(description="One try to open a staff session")
class StaffLoginRecord:
    id: strawberry.ID
    staff_id: strawberry.ID | None
    staff_name: str | None
    phone_masked: str
    client_addr: str | None = strawberry.field(
        description="As the trusted proxies name the client (DOORSTEP_TRUSTED_PROXIES)"
    )
    success: bool
    reason: str | None = strawberry.field(description="Why it failed: a stable error code")
    created_at: datetime


_login = mirror(StaffLoginRecord, staff_login.LoginRecord)


@strawberry.type
class StaffAuthQuery:
    @strawberry.field(description="Admin: staff log-ins, newest first")
    async def staff_logins(
        self,
        info: Info,
        staff_id: strawberry.ID | None = None,
        limit: int = 50,
        before_id: strawberry.ID | None = None,
    ) -> list[StaffLoginRecord]:
        ctx = info.context
        found = await staff_login.list_logins(
            ctx.deps,
            ctx.actor,
            staff_id=parse_id(staff_id, "staff.not_found") if staff_id else None,
            limit=limit,
            before_id=parse_id(before_id, "staff.not_found") if before_id else None,
        )
        return [_login(r) for r in found]


@strawberry.type
class StaffAuthMutation:
    @strawberry.mutation(
        description="Staff: enrol a second factor (TOTP). Answers the otpauth URI once, for an "
        "authenticator app; later log-ins need its code"
    )
    async def enrol_staff_totp(self, info: Info) -> str:
        ctx = info.context
        return await staff_totp.enrol_self(ctx.deps, ctx.actor)

    @strawberry.mutation(
        description="Admin: enrol (or replace) another staff member's second factor; answers "
        "the otpauth URI once, to hand over in person"
    )
    async def enrol_staff_totp_for(self, info: Info, staff_id: strawberry.ID) -> str:
        ctx = info.context
        return await staff_totp.enrol_for(
            ctx.deps, ctx.actor, parse_id(staff_id, "staff.not_found")
        )
