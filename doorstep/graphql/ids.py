"""Ids as GraphQL receives them (strings): a positive 64-bit integer, or a refusal coded for the
field they were given in."""

from __future__ import annotations

from doorstep.domain.errors import InvalidInput


def parse_id(raw: str, code: str) -> int:
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise InvalidInput(code) from None
    if not 0 < value < 2**63:
        raise InvalidInput(code)
    return value
