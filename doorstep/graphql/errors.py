"""Every GraphQL error leaves with a stable code and a message in the caller's language.

Refusals (DomainError) carry their own code; malformed or over-limit queries get
`graphql.invalid`; anything else is logged and answered as `internal`, with no trace.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from doorstep.domain.errors import DomainError
from doorstep.i18n import DEFAULT_LANGUAGE, translate

log = logging.getLogger(__name__)


def _language(context: Any) -> tuple[str, bool]:
    language = getattr(context, "language", DEFAULT_LANGUAGE)
    actor = getattr(context, "actor", None)
    return language, bool(getattr(actor, "elder_mode", False))


def present(error: GraphQLError, language: str, elder: bool) -> GraphQLError:
    if error.extensions and "code" in error.extensions:
        return error  # already presented
    original = error.original_error
    extensions: dict[str, Any]
    if isinstance(original, DomainError):
        key = f"error.{original.code}"
        message = translate(key, language, elder=elder, **original.params)
        extensions = {"code": original.code}
        if "retry_after_seconds" in original.params:
            extensions["retryAfterSeconds"] = original.params["retry_after_seconds"]
        if "confirmation_id" in original.params:  # what now waits for the principal
            extensions["confirmationId"] = original.params["confirmation_id"]
    elif original is None or isinstance(original, GraphQLError):
        # a GraphQLError wrapped in another: bad variables ("$n has invalid value ...")
        message = translate("error.graphql.invalid", language, elder=elder)
        extensions = {"code": "graphql.invalid", "detail": error.message}
    else:
        log.error("unexpected error in %s", error.path, exc_info=original)
        message = translate("error.internal", language, elder=elder)
        extensions = {"code": "internal"}
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=None,
        extensions=extensions,
    )


class LocalizedErrors(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        yield
        context = self.execution_context
        result = context.result
        # validation failures end before execution: strawberry returns the very list it keeps
        # on the context, so replacing its items in place reaches the response either way
        errors = getattr(result, "errors", None) or context.pre_execution_errors
        if not errors:
            return
        language, elder = _language(context.context)
        errors[:] = [present(e, language, elder) for e in errors]


def present_all(errors: list[GraphQLError], context: Any) -> None:
    """Errors that end an operation before its hooks run (a query that does not parse, with
    the parser cache on) are presented here, in place."""
    language, elder = _language(context)
    errors[:] = [present(e, language, elder) for e in errors]


def is_expected(error: GraphQLError) -> bool:
    """Refusals and invalid queries are answers, not faults: they are not logged as errors."""
    return error.original_error is None or isinstance(
        error.original_error, (DomainError, GraphQLError)
    )


@contextmanager
def localized(context: Any) -> Iterator[None]:
    """For subscriptions, whose errors bypass the operation hooks: refuse in the caller's words."""
    try:
        yield
    except DomainError as exc:
        language, elder = _language(context)
        raise present(GraphQLError(exc.code, original_error=exc), language, elder) from None
