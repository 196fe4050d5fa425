"""Every GraphQL error leaves with a stable code and a message in the caller's language.

Refusals (DomainError) carry their own code; malformed or over-limit queries get
`graphql.invalid` (with the parser's words as `detail`, less any "Did you mean ..." outside dev,
where introspection is off and suggestions would spell out the schema); the database out of
reach gets `service.unavailable` with `retryAfterSeconds` (clients retry); anything else is
logged and answered as `internal`, with no trace.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from doorstep.domain.errors import DomainError
from doorstep.i18n import DEFAULT_LANGUAGE, translate
from doorstep.services.availability import RETRY_AFTER_SECONDS, is_unavailable

log = logging.getLogger(__name__)
UNAVAILABLE = "service.unavailable"
# graphql-core's suggestions: "... Did you mean 'catalog'?", "Did you mean the enum value 'X'?"
_SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?")


def _language(context: Any) -> tuple[str, bool]:
    language = getattr(context, "language", DEFAULT_LANGUAGE)
    actor = getattr(context, "actor", None)
    return language, bool(getattr(actor, "elder_mode", False))


def _hide_suggestions(context: Any) -> bool:
    """Introspection is on only in dev; elsewhere names the caller did not write stay unsaid."""
    deps = getattr(context, "deps", None)
    return not (deps is not None and deps.settings.dev_mode)


def present(
    error: GraphQLError, language: str, elder: bool, hide_suggestions: bool = True
) -> GraphQLError:
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
        detail = _SUGGESTION.sub("", error.message) if hide_suggestions else error.message
        extensions = {"code": "graphql.invalid", "detail": detail}
    elif is_unavailable(original):
        log.warning("database out of reach in %s: %r", error.path, original)
        message = translate(
            "error.service.unavailable", language, elder=elder, seconds=RETRY_AFTER_SECONDS
        )
        extensions = {"code": UNAVAILABLE, "retryAfterSeconds": RETRY_AFTER_SECONDS}
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
        hide = _hide_suggestions(context.context)
        errors[:] = [present(e, language, elder, hide) for e in errors]


def present_all(errors: list[GraphQLError], context: Any) -> None:
    """Errors that end an operation before its hooks run (a query that does not parse, with
    the parser cache on) are presented here, in place."""
    language, elder = _language(context)
    hide = _hide_suggestions(context)
    errors[:] = [present(e, language, elder, hide) for e in errors]


def is_expected(error: GraphQLError) -> bool:
    """Refusals, invalid queries and the database out of reach are answers, not faults: they
    are not logged as errors."""
    original = error.original_error
    return (
        original is None
        or isinstance(original, (DomainError, GraphQLError))
        or is_unavailable(original)
    )


@contextmanager
def localized(context: Any) -> Iterator[None]:
    """For subscriptions, whose errors bypass the operation hooks: refuse in the caller's words."""
    try:
        yield
    except DomainError as exc:
        language, elder = _language(context)
        raise present(
            GraphQLError(exc.code, original_error=exc), language, elder, _hide_suggestions(context)
        ) from None
