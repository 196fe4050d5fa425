"""Real identity (实名认证): a citizen's own check with the provider, and the conflicts staff
decide. Thin resolvers over `services.identity`."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from doorstep.graphql.context import Info
from doorstep.graphql.ids import parse_id
from doorstep.mirror import mirror
from doorstep.services.identity import review, verification


@strawberry.type(description="Whether the account's resident ID is verified, and how")
class IdentityStatus:
    verified: bool
    method: str | None = strawberry.field(
        description="aliyun (face check), counter (a clerk saw the ID card), review, seed, dev"
    )
    verified_at: datetime | None
    resident_id_masked: str | None


_status = mirror(IdentityStatus, verification.IdentityStatus)


@strawberry.type(description="A check started: open certifyUrl, then finishIdentityVerification")
class IdentityVerificationStarted:
    id: strawberry.ID
    certify_url: str | None = strawberry.field(
        description="The provider's face-check page (null when there is nothing to open)"
    )


@strawberry.enum
class IdentityCheckStatus(Enum):
    PASSED = "passed"
    FAILED = "failed"
    CONFLICT = "conflict"


@strawberry.type
class IdentityVerificationResult:
    id: strawberry.ID
    status: IdentityCheckStatus = strawberry.field(
        description="conflict: another account holds this ID; a person will decide"
    )
    identity: IdentityStatus


@strawberry.enum
class ConflictDecision(Enum):
    MOVE = "moved"
    KEEP = "kept"


@strawberry.type(description="A resident ID proved by one account and held by another")
class IdentityConflict:
    id: strawberry.ID
    claimant_id: strawberry.ID
    holder_id: strawberry.ID
    resident_id_masked: str
    status: str = strawberry.field(description="open, moved or kept")
    holder_method: str | None = strawberry.field(description="How the holder was verified")
    holder_verified_at: datetime | None
    claimant_name: str | None
    claimant_phone_masked: str
    holder_name: str | None
    holder_phone_masked: str
    decided_by: strawberry.ID | None
    decided_at: datetime | None
    reason: str | None
    created_at: datetime


_conflict = mirror(IdentityConflict, review.ConflictView)


@strawberry.type
class IdentityQuery:
    @strawberry.field(description="Citizen: my identity check status")
    async def my_identity(self, info: Info) -> IdentityStatus:
        ctx = info.context
        return _status(await verification.status(ctx.deps, ctx.actor))

    @strawberry.field(
        description="Supervisor, admin: resident IDs two accounts proved (the read is recorded "
        "for both people)"
    )
    async def identity_conflicts(
        self,
        info: Info,
        open_only: bool = True,
        limit: int = 50,
        before_id: strawberry.ID | None = None,
    ) -> list[IdentityConflict]:
        ctx = info.context
        before = parse_id(before_id, "identity.conflict_not_found") if before_id else None
        found = await review.list_conflicts(
            ctx.deps, ctx.actor, open_only=open_only, limit=limit, before_id=before
        )
        return [_conflict(c) for c in found]


@strawberry.type
class IdentityMutation:
    @strawberry.mutation(
        description="Citizen: start a real-identity check (实名认证) of my name and resident ID"
    )
    async def start_identity_verification(
        self, info: Info, name: str, resident_id: str
    ) -> IdentityVerificationStarted:
        ctx = info.context
        started = await verification.start(ctx.deps, ctx.actor, name, resident_id)
        return IdentityVerificationStarted(
            id=strawberry.ID(str(started.id)), certify_url=started.certify_url
        )

    @strawberry.mutation(
        description="Citizen: read the provider's result of my check and record it (once)"
    )
    async def finish_identity_verification(
        self, info: Info, id: strawberry.ID
    ) -> IdentityVerificationResult:
        ctx = info.context
        outcome = await verification.finish(
            ctx.deps, ctx.actor, parse_id(id, "identity.verification_not_found")
        )
        return IdentityVerificationResult(
            id=strawberry.ID(str(outcome.id)),
            status=IdentityCheckStatus(outcome.status),
            identity=_status(outcome.identity),
        )

    @strawberry.mutation(description="Supervisor, admin: decide who holds a conflicting ID")
    async def decide_identity_conflict(
        self, info: Info, id: strawberry.ID, decision: ConflictDecision, reason: str
    ) -> IdentityConflict:
        ctx = info.context
        decided = await review.decide(
            ctx.deps,
            ctx.actor,
            parse_id(id, "identity.conflict_not_found"),
            review.Decision(decision.value),
            reason,
        )
        return _conflict(decided)
