"""The schema: one Query and one Mutation merged from the area modules, with its limits."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

import strawberry
from graphql import GraphQLError, OperationDefinitionNode, parse
from graphql import OperationType as CoreOperationType
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
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.graphql import OperationType

from doorstep.domain.errors import InvalidInput
from doorstep.graphql.admin.catalog import CatalogAdminMutation, CatalogAdminQuery
from doorstep.graphql.admin.directory import DirectoryMutation, DirectoryQuery
from doorstep.graphql.admin.holidays import HolidaysMutation, HolidaysQuery
from doorstep.graphql.applications import ApplicationsMutation, ApplicationsQuery
from doorstep.graphql.catalog import CatalogQuery
from doorstep.graphql.context import Context
from doorstep.graphql.delegation import (
    ConfirmationMutation,
    ConfirmationQuery,
    DelegationMutation,
    DelegationQuery,
)
from doorstep.graphql.dispatch_rules import DispatchRulesMutation, DispatchRulesQuery
from doorstep.graphql.errors import UNAVAILABLE, LocalizedErrors, is_expected, present_all
from doorstep.graphql.escort import EscortMutation, EscortQuery
from doorstep.graphql.executor import CompiledListExecutor
from doorstep.graphql.feedback import FeedbackMutation, FeedbackQuery
from doorstep.graphql.files import FilesMutation, FilesQuery
from doorstep.graphql.identity import IdentityMutation, IdentityQuery
from doorstep.graphql.loaders import Loaders
from doorstep.graphql.me import MeMutation, MeQuery, StreamPositionFirst
from doorstep.graphql.metrics import MetricsQuery
from doorstep.graphql.notifications import NotificationsMutation, NotificationsQuery
from doorstep.graphql.observed import OperationMetrics, count_errors, root_fields
from doorstep.graphql.priority import PriorityQuery
from doorstep.graphql.proactive.finding import RunOfferRulesMutation
from doorstep.graphql.proactive.offers import OffersMutation, OffersQuery
from doorstep.graphql.proactive.rules import OfferRulesMutation, OfferRulesQuery
from doorstep.graphql.proactive.staff import OfferStaffMutation, OfferStaffQuery
from doorstep.graphql.sharing import SharingMutation, SharingQuery
from doorstep.graphql.staff_auth import StaffAuthMutation, StaffAuthQuery
from doorstep.graphql.ticket_catalog import TicketCatalogMutation, TicketCatalogQuery
from doorstep.graphql.ticket_rates import TicketRatesQuery
from doorstep.graphql.tickets.follow_up import TicketFollowUpMutation
from doorstep.graphql.tickets.handling import TicketHandlingMutation
from doorstep.graphql.tickets.reading import TicketsQuery
from doorstep.graphql.tickets.submit import SubmitTicketMutation
from doorstep.graphql.vault import VaultMutation, VaultQuery
from doorstep.live.subscriptions import Subscription
from doorstep.services.availability import READ_RETRY_PAUSE_SECONDS

SDL_PATH = Path(__file__).with_name("schema.graphql")


class DoorstepSchema(strawberry.Schema):
    # the limits below, for the subscription path that parses and validates on its own
    # (`live.subscriptions`): the same rules as every other operation
    validation_rules: tuple[type[ASTValidationRule], ...] = ()
    max_tokens: int | None = None
    # "query.field" labels of the operation metrics
    root_labels: frozenset[str] = frozenset()

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        super().process_errors([e for e in errors if not is_expected(e)], execution_context)
        present_all(errors, execution_context.context if execution_context else None)
        count_errors(errors, execution_context, self.root_labels)

    async def execute(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> ExecutionResult:
        """Over HTTP: no subscriptions (they are served by the WebSocket), and a read that met
        the database out of reach runs once more, after a short pause, before it says so."""
        if names_none_of_several(query or "", operation_name):
            raise InvalidInput("graphql.operation_name_required")
        kind = operation_kind(query or "", operation_name)
        if kind is CoreOperationType.SUBSCRIPTION:
            raise InvalidInput("graphql.subscription_over_http")
        run = (
            query,
            variable_values,
            context_value,
            root_value,
            operation_name,
            allowed_operation_types,
            operation_extensions,
        )
        result = await super().execute(*run)
        if kind is CoreOperationType.QUERY and _unavailable(result):
            await asyncio.sleep(READ_RETRY_PAUSE_SECONDS)
            if isinstance(context_value, Context):
                # loaders keep what they loaded, failures included: a fresh start
                context_value.loaders = Loaders(context_value.deps)
                context_value.stream_position = None
            result = await super().execute(*run)
        return result


def _unavailable(result: ExecutionResult) -> bool:
    return any((e.extensions or {}).get("code") == UNAVAILABLE for e in result.errors or ())


def operation_kind(query: str, operation_name: str | None) -> CoreOperationType | None:
    """The operation's type; None when it does not parse (GraphQL itself refuses it then)."""
    if "subscription" not in query and "mutation" not in query:
        return CoreOperationType.QUERY  # neither keyword: a query (or nothing valid)
    for name, kind in _operations(query) or ():
        if operation_name is None or name == operation_name:
            return kind
    return None


def names_none_of_several(query: str, operation_name: str | None) -> bool:
    """A document of several operations and no operationName: which to run is not said, so
    none runs (GraphQL's own rule; strawberry would run the first)."""
    if operation_name is not None:
        return False
    # two operations in one valid document are both named, each after its keyword
    if sum(query.count(keyword) for keyword in ("query", "mutation", "subscription")) < 2:
        return False
    return len(_operations(query) or ()) > 1


# texts come from clients: only short ones are kept
MAX_CACHED_QUERY_CHARS = 4096


def _operations(query: str) -> tuple[tuple[str | None, CoreOperationType], ...] | None:
    """Each operation's name and type, in order; None when the text does not parse."""
    if len(query) > MAX_CACHED_QUERY_CHARS:
        return _parsed_operations.__wrapped__(query)
    return _parsed_operations(query)


@lru_cache(maxsize=256)
def _parsed_operations(query: str) -> tuple[tuple[str | None, CoreOperationType], ...] | None:
    try:
        document = parse(query)
    except GraphQLError:
        return None
    return tuple(
        (d.name.value if d.name else None, d.operation)
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode)
    )


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
        SharingQuery,
        EscortQuery,
        PriorityQuery,
        OffersQuery,
        OfferRulesQuery,
        OfferStaffQuery,
        TicketsQuery,
        DispatchRulesQuery,
        TicketCatalogQuery,
        TicketRatesQuery,
        IdentityQuery,
        HolidaysQuery,
        StaffAuthQuery,
        DirectoryQuery,
        CatalogAdminQuery,
        FeedbackQuery,
        FilesQuery,
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
        SharingMutation,
        EscortMutation,
        OffersMutation,
        OfferRulesMutation,
        OfferStaffMutation,
        RunOfferRulesMutation,
        SubmitTicketMutation,
        TicketHandlingMutation,
        TicketFollowUpMutation,
        DispatchRulesMutation,
        TicketCatalogMutation,
        IdentityMutation,
        HolidaysMutation,
        StaffAuthMutation,
        DirectoryMutation,
        CatalogAdminMutation,
        FeedbackMutation,
        FilesMutation,
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
    # first, so that it ends last: the operation's whole time
    metrics: type[OperationMetrics] = type("OperationMetricsOfSchema", (OperationMetrics,), {})
    extensions: list[object] = [
        metrics,
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
        execution_context_class=CompiledListExecutor,
    )
    schema.validation_rules = tuple(rules)
    schema.max_tokens = max_tokens
    schema.root_labels = metrics.known = root_fields(schema)
    return schema


def sdl() -> str:
    return build_schema(introspection=True).as_str() + "\n"
