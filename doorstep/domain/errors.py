"""Refusals with a stable machine code; the message comes from the i18n catalogs by that code."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A refusal the caller can act on. `code` is stable API; `params` fill the message."""

    code: str = "internal"

    def __init__(self, code: str | None = None, **params: Any) -> None:
        if code is not None:
            self.code = code
        self.params = params
        super().__init__(self.code)


class NotFound(DomainError):
    code = "not_found"


class Forbidden(DomainError):
    code = "forbidden"


class Unauthenticated(DomainError):
    code = "unauthenticated"


class InvalidInput(DomainError):
    code = "invalid_input"


class RateLimited(DomainError):
    code = "rate_limited"


class Conflict(DomainError):
    code = "conflict"


class Unavailable(DomainError):
    """Not set up on this deployment (as opposed to out of reach for a moment)."""

    code = "unavailable"
