"""The JSON body guard: how deep a body may nest, and what counts as nesting."""

from __future__ import annotations

import json

import pytest

from doorstep.api.json_body import MAX_DEPTH, check, loads, too_deep
from doorstep.domain.errors import InvalidInput


def nested(depth: int) -> bytes:
    return b"[" * depth + b"1" + b"]" * depth


def test_depth_up_to_the_limit_passes_and_beyond_is_refused() -> None:
    assert not too_deep(nested(MAX_DEPTH))
    assert too_deep(nested(MAX_DEPTH + 1))
    assert too_deep(nested(1500))
    with pytest.raises(InvalidInput) as refused:
        loads(nested(1500))
    assert refused.value.code == "request.json_too_deep"


def test_brackets_inside_strings_nest_nothing() -> None:
    body = json.dumps({"query": "{ a { b { c } } }" * 50, "text": "[" * 500}).encode()
    assert not too_deep(body)
    assert loads(body)["text"] == "[" * 500


def test_many_shallow_brackets_are_fine() -> None:
    body = json.dumps({"items": [[1, 2], {"a": [3]}] * 2000}).encode()
    assert not too_deep(body)


def test_unbalanced_brackets_are_left_to_the_parser() -> None:
    with pytest.raises(ValueError):
        loads(b"[" * 10)


@pytest.mark.parametrize(
    "raw", [b'{"a": "x\\u0000y"}', b'{"q": "\\\\u0000"}', b'{"q": "\\\\u{0}"}']
)
def test_a_nul_in_any_spelling_is_refused(raw: bytes) -> None:
    with pytest.raises(InvalidInput) as refused:
        check(raw)
    assert refused.value.code == "input.nul_character"
