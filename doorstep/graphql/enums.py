"""The domain's enums as GraphQL shows them: each is the domain's own Enum, registered here once
under its GraphQL name, so a value added in the domain is in the API with nothing re-declared.
(GraphQL enums are written by member name, which is why the domain's names are the API's.)"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum

import strawberry

from doorstep.domain.delegation import ConfirmationStatus, ConsentMethod, DelegationStatus, Theme
from doorstep.domain.dispatch import Basis
from doorstep.domain.rules import Category, RuleKind
from doorstep.domain.tickets import DeadlineProfile, Rating, TicketKind, TicketStatus, Urgency
from doorstep.domain.workflow import ApplicationStatus, TaskStatus

__all__ = [
    "ApplicationStatus",
    "Basis",
    "Category",
    "ConfirmationStatus",
    "ConsentMethod",
    "DeadlineProfile",
    "DelegationStatus",
    "Rating",
    "RuleKind",
    "TaskStatus",
    "Theme",
    "TicketKind",
    "TicketStatus",
    "Urgency",
]

strawberry.enum(TaskStatus, description="Where one department's part of an application stands")
strawberry.enum(ApplicationStatus, description="Where an application stands as a whole")
strawberry.enum(Theme, name="DelegationTheme", description="What an agent may act on")
strawberry.enum(DelegationStatus)
strawberry.enum(ConsentMethod)
strawberry.enum(
    ConfirmationStatus, description="An agent's money-moving action waiting for the principal"
)
strawberry.enum(
    Category,
    name="OfferCategory",
    description="Kinds of offers a citizen may turn off (welfare visits excepted)",
)
strawberry.enum(RuleKind, name="OfferKind")
strawberry.enum(TicketKind, description="What the citizen wants: 咨询, 求助, 投诉, 举报, 建议")
strawberry.enum(
    Urgency, description="DANGER: life or property at risk (acknowledged within 2 hours)"
)
strawberry.enum(TicketStatus, description="Where a ticket stands")
strawberry.enum(Rating, description="好差评: the five levels")
strawberry.enum(Basis, name="DispatchBasis", description="How a ticket was routed")
strawberry.enum(
    DeadlineProfile,
    description="How many working days a unit has: urgent 0 (same day), "
    "enquiry 1, help 3, complaint 13",
)


def values(members: Sequence[Enum] | None) -> list[str] | None:
    """The values a filter of enum members names, as the services take them; None (no filter)
    when it names none."""
    return [member.value for member in members] if members else None
