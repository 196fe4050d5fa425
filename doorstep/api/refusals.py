"""The HTTP status of a refusal (a domain error): the same on every REST route."""

from __future__ import annotations

from doorstep.domain.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidInput,
    NotFound,
    RateLimited,
    Unauthenticated,
    Unavailable,
)

_STATUS: tuple[tuple[type[DomainError], int], ...] = (
    (Unauthenticated, 401),
    (Forbidden, 403),
    (NotFound, 404),
    (Conflict, 409),
    (RateLimited, 429),
    (InvalidInput, 400),
    (Unavailable, 503),
)


def refusal_status(exc: DomainError) -> int:
    """The status of `exc`'s kind of refusal; 400 for any other."""
    return next((status for cls, status in _STATUS if isinstance(exc, cls)), 400)
