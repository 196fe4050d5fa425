"""JSON request bodies, refused before parsing when they could hurt: nested deeper than any
request of ours needs (Python's parser recurses, and 1,000 levels end in a RecursionError), or
carrying a NUL character, which PostgreSQL text cannot hold."""

from __future__ import annotations

import json
import re
from typing import Any

from doorstep.domain.errors import InvalidInput

# our deepest body (a GraphQL request with a nested input) is under 10 levels
MAX_DEPTH = 32
# strings are skipped when counting brackets: a bracket inside one nests nothing
_STRINGS = re.compile(rb'"(?:[^"\\]+|\\.)*"')
_BRACKETS = re.compile(rb"[\[\]{}]")
# the JSON escape \u0000 (also the tail of a GraphQL string's \\u0000) and GraphQL's \u{0}
_NUL = re.compile(rb"\x00|\\u(?:0000|\{0+\})", re.IGNORECASE)


def too_deep(raw: bytes, limit: int = MAX_DEPTH) -> bool:
    # no more opening brackets than the limit cannot nest deeper: most bodies stop here
    if raw.count(b"[") + raw.count(b"{") <= limit:
        return False
    depth = 0
    for bracket in _BRACKETS.findall(_STRINGS.sub(b"", raw)):
        if bracket in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def check(raw: bytes) -> None:
    """Refuse a body nested too deeply or carrying a NUL, each with its own code."""
    if too_deep(raw):
        raise InvalidInput("request.json_too_deep", limit=MAX_DEPTH)
    if _NUL.search(raw):
        raise InvalidInput("input.nul_character")


def loads(raw: bytes | str) -> Any:
    """`json.loads` after `check`; malformed JSON still raises ValueError."""
    data = raw.encode() if isinstance(raw, str) else raw
    check(data)
    return json.loads(data)
