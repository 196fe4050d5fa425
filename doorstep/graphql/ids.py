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


def parse_after_seq(raw: str | None) -> int | None:
    """The `afterSeq` of a live subscription: None to start from now, else an integer (its range
    is the stream's to check)."""
    if raw is None:
        return None
    try:
        return int(raw)
    except ValueError:
        raise InvalidInput("progress.after_seq_invalid") from None
