"""The schema: one Query and one Mutation merged from the area modules, with its limits."""

from __future__ import annotations

from pathlib import Path

import strawberry
from graphql import GraphQLError
from graphql.validation import ASTValidationRule, NoSchemaIntrospectionCustomRule
from strawberry.extensions import (
    AddValidationRules,
    MaxTokensLimiter,
    ParserCache,
    ValidationCache,
)
from strawberry.extensions.max_aliases import create_validator as aliases_rule
from strawberry.extensions.query_depth_limiter import create_validator as depth_rule
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from doorstep.graphql.applications import ApplicationsMutation, ApplicationsQuery
from doorstep.graphql.catalog import CatalogQuery
from doorstep.graphql.delegation import (
    ConfirmationMutation,
    ConfirmationQuery,
    DelegationMutation,
    DelegationQuery,
)
from doorstep.graphql.dispatch_rules import DispatchRulesMutation, DispatchRulesQuery
from doorstep.graphql.errors import LocalizedErrors, is_expected, present_all
from doorstep.graphql.me import MeMutation, MeQuery, StreamPositionFirst
from doorstep.graphql.metrics import MetricsQuery
from doorstep.graphql.notifications import NotificationsMutation, NotificationsQuery
from doorstep.graphql.proactive.finding import RunOfferRulesMutation
from doorstep.graphql.proactive.offers import OffersMutation, OffersQuery
from doorstep.graphql.proactive.rules import OfferRulesMutation, OfferRulesQuery
from doorstep.graphql.proactive.staff import OfferStaffMutation, OfferStaffQuery
from doorstep.graphql.ticket_catalog import TicketCatalogMutation, TicketCatalogQuery
from doorstep.graphql.ticket_rates import TicketRatesQuery
from doorstep.graphql.tickets.follow_up import TicketFollowUpMutation
from doorstep.graphql.tickets.handling import TicketHandlingMutation
from doorstep.graphql.tickets.reading import TicketsQuery
from doorstep.graphql.tickets.submit import SubmitTicketMutation
from doorstep.graphql.vault import VaultMutation, VaultQuery
from doorstep.live.subscriptions import Subscription

SDL_PATH = Path(__file__).with_name("schema.graphql")


class DoorstepSchema(strawberry.Schema):
    # the limits below, for the subscription path that parses and validates on its own
    # (`live.subscriptions`): the same rules as every other operation
    validation_rules: tuple[type[ASTValidationRule], ...] = ()
    max_tokens: int | None = None

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        super().process_errors([e for e in errors if not is_expected(e)], execution_context)
        present_all(errors, execution_context.context if execution_context else None)


Query = merge_types(
    "Query",
    (
        CatalogQuery,
        MeQuery,
        ApplicationsQuery,
        MetricsQuery,
        DelegationQuery,
        ConfirmationQuery,
        NotificationsQuery,
        VaultQuery,
        OffersQuery,
        OfferRulesQuery,
        OfferStaffQuery,
        TicketsQuery,
        DispatchRulesQuery,
        TicketCatalogQuery,
        TicketRatesQuery,
    ),
)
Mutation = merge_types(
    "Mutation",
    (
        MeMutation,
        ApplicationsMutation,
        DelegationMutation,
        ConfirmationMutation,
        NotificationsMutation,
        VaultMutation,
        OffersMutation,
        OfferRulesMutation,
        OfferStaffMutation,
        RunOfferRulesMutation,
        SubmitTicketMutation,
        TicketHandlingMutation,
        TicketFollowUpMutation,
        DispatchRulesMutation,
        TicketCatalogMutation,
    ),
)


# distinct query texts kept parsed and validated; bounded, since query texts come from clients
QUERY_CACHE_SIZE = 256


def build_schema(
    *, introspection: bool, max_depth: int = 10, max_tokens: int = 2000, max_aliases: int = 30
) -> DoorstepSchema:
    # The limit rules are built once here: strawberry's limiter extensions would build a new
    # rule class for every request (and keep it for a subscription's whole life).
    rules: list[type[ASTValidationRule]] = [
        depth_rule(max_depth, None),
        aliases_rule(max_aliases),
    ]
    if not introspection:
        rules.append(NoSchemaIntrospectionCustomRule)
    # factories: strawberry builds fresh extension instances for every request
    # The caches are shared module-level LRUs: a query text seen before is neither parsed nor
    # validated again (validation was a third of the CPU of a typical request).
    extensions: list[object] = [
        LocalizedErrors,
        StreamPositionFirst,
        lambda: MaxTokensLimiter(max_token_count=max_tokens),
        lambda: AddValidationRules(rules),
        lambda: ParserCache(maxsize=QUERY_CACHE_SIZE),
        lambda: ValidationCache(maxsize=QUERY_CACHE_SIZE),
    ]
    schema = DoorstepSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=extensions,  # type: ignore[arg-type]
        config=StrawberryConfig(auto_camel_case=True),
    )
    schema.validation_rules = tuple(rules)
    schema.max_tokens = max_tokens
    return schema


def sdl() -> str:
    return build_schema(introspection=True).as_str() + "\n"
