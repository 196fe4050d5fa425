"""优先办 in GraphQL: a piece of work's priority (on tasks and tickets) and the citizen's own
standing with its grounds (`me { priority }`)."""

from __future__ import annotations

from datetime import date

import strawberry

from doorstep.domain.priority import Reason, SourceKind
from doorstep.graphql.context import Info
from doorstep.i18n import translate
from doorstep.mirror import mirror
from doorstep.services import priority, priority_figures

strawberry.enum(Reason, name="PriorityReason", description="Why work is served first (优先办)")
strawberry.enum(SourceKind, name="PrioritySource", description="Where a priority ground comes from")


def reason_label(reason: str | None, language: str, elder: bool) -> str | None:
    if reason is None:
        return None
    return translate(f"priority_reason.{Reason(reason).value}", language, elder=elder)


@strawberry.type(description="One reason a citizen is served first, with where it comes from")
class PriorityGround:
    reason: Reason
    label: str
    source: SourceKind
    source_name: str = strawberry.field(
        description="The unit that stated it, or the proved resident ID"
    )
    fact_key: str | None = strawberry.field(
        description="The vault fact behind it: `flagFact(key:)` asks its unit to correct it"
    )


@strawberry.type(description="Whether the citizen's applications and tickets are served first")
class PriorityStanding:
    has_priority: bool
    reason: Reason | None = strawberry.field(description="The strongest ground, kept on new work")
    label: str | None
    grounds: list[PriorityGround]


async def standing(info: Info) -> PriorityStanding:
    ctx = info.context
    found = await priority.my_standing(ctx.deps, ctx.actor)
    identity = translate("priority_source.identity", ctx.language, elder=ctx.elder)
    return PriorityStanding(
        has_priority=found.has_priority,
        reason=Reason(found.reason) if found.reason else None,
        label=reason_label(found.reason, ctx.language, ctx.elder),
        grounds=[
            PriorityGround(
                reason=g.reason,
                label=translate(f"priority_reason.{g.reason.value}", ctx.language, elder=ctx.elder),
                source=g.source,
                source_name=g.unit_name or identity,
                fact_key=g.fact_key,
            )
            for g in found.grounds
        ],
    )


@strawberry.type(description="优先办 tickets of one lead unit, counted apart")
class PriorityTicketCounts:
    unit_code: str
    unit_name: str
    finished: int = strawberry.field(description="Priority tickets finished in the period")
    on_time: int = strawberry.field(description="Of them resolved by the deadline")
    on_target: int = strawberry.field(description="Of them resolved by the internal target")
    open_overdue: int = strawberry.field(description="Priority tickets open past the deadline")


_ticket_counts = mirror(PriorityTicketCounts, priority_figures.TicketCounts)


@strawberry.type
class PriorityQuery:
    @strawberry.field(
        description="Staff: priority tickets (优先办) per lead unit, apart from the others "
        "(the actor's unit, region, or all for admins)"
    )
    async def priority_ticket_counts(
        self, info: Info, since: date, until: date
    ) -> list[PriorityTicketCounts]:
        ctx = info.context
        rows = await priority_figures.ticket_counts(ctx.deps, ctx.actor, since, until)
        return [_ticket_counts(r) for r in rows]
