"""The citizen's offers: list, accept, dismiss, appeal, opt out. Thin resolvers over
`services.proactive.offers` (accepting goes through `services.confirmations`)."""

from __future__ import annotations

import strawberry

from doorstep.graphql.applications import Application, application_type, confirmation_pending
from doorstep.graphql.context import Info
from doorstep.graphql.enums import Category as OfferCategory
from doorstep.graphql.enums import values
from doorstep.graphql.ids import parse_id
from doorstep.graphql.proactive.types import Offer, OfferStatus, offer_type
from doorstep.i18n import translate
from doorstep.mirror import GIVEN, mirror
from doorstep.services import confirmations
from doorstep.services.proactive import offers


@strawberry.type(description="An accepted offer and the application it started")
class AcceptedOffer:
    offer: Offer
    application: Application


@strawberry.type
class OfferCategoryChoice:
    category: OfferCategory
    label: str
    opted_out: bool
    may_opt_out: bool


_choice = mirror(OfferCategoryChoice, offers.CategoryChoice, label=GIVEN)


def _choices(found: list[offers.CategoryChoice], language: str) -> list[OfferCategoryChoice]:
    return [
        _choice(c, label=translate(f"offer_category.{c.category.value}", language)) for c in found
    ]


@strawberry.type
class OffersQuery:
    @strawberry.field(description="Offers found for the signed-in citizen, newest first")
    async def my_offers(
        self, info: Info, statuses: list[OfferStatus] | None = None, first: int = 50
    ) -> list[Offer]:
        ctx = info.context
        found = await offers.my_offers(ctx.deps, ctx.actor, values(statuses), first)
        return [offer_type(o, ctx.language) for o in found]

    @strawberry.field(description="Offer categories and which the citizen turned off")
    async def offer_categories(self, info: Info) -> list[OfferCategoryChoice]:
        ctx = info.context
        return _choices(await offers.offer_categories(ctx.deps, ctx.actor), ctx.language)


@strawberry.type
class OffersMutation:
    @strawberry.mutation(
        description="Accept an offer: a pre-filled application in one step "
        "(an agent's acceptance of one that moves money waits "
        "for the principal's confirmation, as submitApplication)"
    )
    async def accept_offer(self, info: Info, id: strawberry.ID) -> AcceptedOffer:
        ctx = info.context
        accepted = await confirmations.accept_offer(
            ctx.deps, ctx.actor, parse_id(id, "offer.id_invalid")
        )
        if isinstance(accepted, confirmations.ConfirmationView):
            raise confirmation_pending(accepted)
        offer, application = accepted
        return AcceptedOffer(
            offer=offer_type(offer, ctx.language),
            application=application_type(application, ctx.language, ctx.elder),
        )

    @strawberry.mutation(description="Not interested: the offer is not made again")
    async def dismiss_offer(self, info: Info, id: strawberry.ID) -> Offer:
        ctx = info.context
        found = await offers.dismiss_offer(ctx.deps, ctx.actor, parse_id(id, "offer.id_invalid"))
        return offer_type(found, ctx.language)

    @strawberry.mutation(description="'This is not right': a person reviews the offer")
    async def appeal_offer(self, info: Info, id: strawberry.ID, reason: str) -> Offer:
        ctx = info.context
        found = await offers.appeal_offer(
            ctx.deps, ctx.actor, parse_id(id, "offer.id_invalid"), reason
        )
        return offer_type(found, ctx.language)

    @strawberry.mutation(description="Turn a category of offers off (or back on)")
    async def set_offer_opt_out(
        self, info: Info, category: OfferCategory, opted_out: bool
    ) -> list[OfferCategoryChoice]:
        ctx = info.context
        found = await offers.set_opt_out(ctx.deps, ctx.actor, category.value, opted_out)
        return _choices(found, ctx.language)
