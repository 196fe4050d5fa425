"""No module under doorstep/ grows past 500 lines unless its opening comment says why.

The reason is a line starting "Size:" in the module's docstring or in its leading `#` lines
(seed data, the one authorization table): one concept that reads best in one place.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "doorstep"
MAX_LINES = 500
MARKER = "Size:"


def opening_comment(source: str) -> str:
    """The module's docstring, or else its leading comment lines (after any shebang)."""
    try:
        docstring = ast.get_docstring(ast.parse(source), clean=False)
    except SyntaxError:
        docstring = None
    if docstring:
        return docstring
    lines: list[str] = []
    for line in source.splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            lines.append(stripped.lstrip("#"))
        elif stripped:
            break
    return "\n".join(lines)


def size_reason(source: str) -> str | None:
    """The reason given for a long module: the text after "Size:", None if there is none."""
    for line in opening_comment(source).splitlines():
        text = line.strip()
        if text.startswith(MARKER) and text[len(MARKER) :].strip():
            return text[len(MARKER) :].strip()
    return None


def line_count(source: str) -> int:
    return len(source.splitlines())


def oversized(sources: dict[str, str]) -> list[str]:
    """Modules above the limit without a reason, with their length."""
    return sorted(
        f"{name} ({line_count(text)} lines)"
        for name, text in sources.items()
        if line_count(text) > MAX_LINES and size_reason(text) is None
    )


def test_no_module_is_long_without_a_reason() -> None:
    sources = {
        str(path.relative_to(PACKAGE.parent)): path.read_text(encoding="utf-8")
        for path in sorted(PACKAGE.rglob("*.py"))
    }
    assert len(sources) > 50  # the walk found the package
    offenders = oversized(sources)
    assert not offenders, (
        f"split these modules along their seams, or give the one concept that keeps them whole "
        f'a line starting "{MARKER}" in their opening comment (limit {MAX_LINES} lines): '
        + ", ".join(offenders)
    )


_LONG_BODY = "x = 1\n" * (MAX_LINES + 1)


@pytest.mark.parametrize(
    ("source", "flagged"),
    [
        ('"""A module."""\n' + _LONG_BODY, True),
        ('"""A module.\n\nSize: one table, read as a whole.\n"""\n' + _LONG_BODY, False),
        ("# seed data\n# Size: the demo district's rows\n" + _LONG_BODY, False),
        # the marker must open a line of the opening comment and give a reason
        ('"""A module. Size: none."""\n' + _LONG_BODY, True),
        ('"""A module.\n\nSize:\n"""\n' + _LONG_BODY, True),
        ('"""A module."""\n# Size: too late, after the docstring\n' + _LONG_BODY, True),
        ('x = 1\n"""Size: not an opening comment."""\n' + _LONG_BODY, True),
        # at the limit is fine
        ('"""A module."""\n' + "x = 1\n" * (MAX_LINES - 1), False),
    ],
)
def test_the_rule_flags_long_modules_without_a_reason(source: str, flagged: bool) -> None:
    assert bool(oversized({"m.py": source})) is flagged
