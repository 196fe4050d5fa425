"""domain/ does no I/O. The import contract (pyproject.toml, run by `doorstep test`) keeps I/O
modules out; built-in calls that reach the outside world need no import, so they are checked
here."""

from __future__ import annotations

import ast
from pathlib import Path

import doorstep.domain

IO_BUILTINS = {"open", "print", "input", "breakpoint", "exec", "eval", "__import__"}


def _io_calls(source: str) -> list[tuple[int, str]]:
    return [
        (node.lineno, node.func.id)
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in IO_BUILTINS
    ]


def test_the_check_sees_a_file_read() -> None:
    assert _io_calls("with open('x') as f:\n    f.read()\n") == [(1, "open")]


def test_no_domain_module_calls_an_io_builtin() -> None:
    folder = Path(doorstep.domain.__file__).parent
    modules = sorted(folder.glob("*.py"))
    assert len(modules) > 10
    found = {m.name: calls for m in modules if (calls := _io_calls(m.read_text(encoding="utf-8")))}
    assert found == {}
