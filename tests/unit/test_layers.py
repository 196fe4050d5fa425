"""The layers: every module has a place in the import contracts, and domain/ does no I/O.

The contracts themselves (pyproject.toml, `[tool.importlinter]`) are run by `doorstep test`.
A layers contract only judges the modules it names, so a new package or live module that no
layer names would escape it: checked here. Built-in calls that reach the outside world need no
import, so the domain's are checked here too."""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

import doorstep

ROOT = Path(doorstep.__file__).parent
# the package's own entry point: `python -m doorstep` runs the CLI
OUTSIDE_LAYERS = {"doorstep", "doorstep.__main__"}
IO_BUILTINS = {"open", "print", "input", "breakpoint", "exec", "eval", "__import__"}


def _layered_modules() -> set[str]:
    config = tomllib.loads((ROOT.parent / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    # the contract over the whole package (others order modules inside one layer)
    (layers,) = [
        c["layers"] for c in contracts if c["type"] == "layers" and not c.get("containers")
    ]
    return {name for layer in layers for name in re.split(r"[|:\s]+", layer) if name}


def _modules() -> set[str]:
    found = set()
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT.parent).with_suffix("").parts
        found.add(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return found


def test_every_module_has_a_layer() -> None:
    layered = _layered_modules()
    assert "doorstep.services" in layered and "doorstep.live.event_hub" in layered
    homeless = sorted(
        m
        for m in _modules() - OUTSIDE_LAYERS
        if not any(m == name or m.startswith(name + ".") for name in layered)
        and not any(name.startswith(m + ".") for name in layered)  # a package split by layers
    )
    assert homeless == []


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
    modules = sorted((ROOT / "domain").glob("*.py"))
    assert len(modules) > 10
    found = {m.name: calls for m in modules if (calls := _io_calls(m.read_text(encoding="utf-8")))}
    assert found == {}
