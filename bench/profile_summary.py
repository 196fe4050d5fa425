"""Summarise a py-spy `--format raw` profile (collapsed stacks) by layer and by function.

    uv run python bench/profile_summary.py bench/out/profile-uvicorn-myApplications.txt

py-spy samples only threads that are running (not idle), so the shares are of the server's CPU
time, not of wall time. Cython and C code (asyncpg's protocol, uvloop, httptools, the json
encoder) has no Python frame of its own: with `--native` it shows as native frames, otherwise
its time lands on the nearest Python frame above it.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

_FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")

# (label, regex on "file:function" of any frame) for the inclusive view, in display order.
MARKERS: tuple[tuple[str, str], ...] = (
    ("ASGI app: Litestar and everything below", r"^litestar/app\.py:Litestar\.__call__$"),
    (
        "  strawberry HTTP view (whole GraphQL request)",
        r"^strawberry/http/async_base_view\.py:AsyncBaseHTTPView\.run$",
    ),
    (
        "    context_getter: bearer token -> actor (session query)",
        r"^doorstep/graphql/context\.py:context_getter$",
    ),
    (
        "    Schema.execute: parse + validate + execute",
        r"^strawberry/schema/schema\.py:Schema\.execute$",
    ),
    ("      parse (graphql-core)", r"^graphql/language/parser\.py:parse$"),
    (
        "      validate (graphql-core rules, every request)",
        r"^graphql/validation/validate\.py:validate$",
    ),
    (
        "      strawberry extensions: depth/token/alias limits",
        r"^strawberry/extensions/(query_depth_limiter|max_tokens|max_aliases)",
    ),
    (
        "      execute (graphql-core field resolution, all fields)",
        r"^strawberry/schema/schema\.py:Schema\._execute_operation$",
    ),
    (
        "        resolver: doorstep.graphql.applications",
        r"^doorstep/graphql/applications\.py:Applications(Query|Mutation)\.",
    ),
    ("          services.applications (use case)", r"^doorstep/services/applications\.py:"),
    ("          asyncpg, Python side (queries, pool, codecs)", r"^asyncpg/"),
    (
        "          rows -> dataclass views (_task_view, _application_view)",
        r"^doorstep/services/applications\.py:_(task|application)_view$",
    ),
    (
        "          views -> strawberry objects (application_type, task_type)",
        r"^doorstep/graphql/applications\.py:(application_type|task_type)$",
    ),
    ("          translate (i18n labels)", r"^doorstep/i18n/"),
    ("          after_commit: arq enqueue to Redis", r"^doorstep/services/deps\.py:.*after_commit"),
    (
        "    result -> JSON (strawberry encode_json, stdlib json)",
        r"^strawberry/http/base\.py:BaseView\.encode_json$",
    ),
    ("  Litestar response start/body (ASGIResponse)", r"^litestar/response/base\.py:ASGIResponse"),
)
_IDLE = (  # frames py-spy reports as running that wait on a lock or in the event loop's poll
    re.compile(r"^concurrent/futures/thread\.py:_worker$"),
)
_LOOP = re.compile(
    r"^(asyncio/runners\.py:Runner\.run|granian/server/\S+:.*_spawn_\w*worker\w*"
    r"|uvloop/.*)$"
)
_APP = re.compile(r"^litestar/app\.py:Litestar\.__call__$")
_STDLIB = {name for name in sys.stdlib_module_names}


def _layer(path: str, func: str) -> str:
    """The package a frame belongs to; py-spy writes paths relative to sys.path."""
    if "site-packages/" in path:
        path = path.split("site-packages/", 1)[1]
    elif "/lib/python3" in path:
        path = path.split("/lib/python3", 1)[1].split("/", 1)[-1]
    if path.startswith("<frozen") or path == "<string>":
        return (
            "generated code (dataclass __init__, graphql-core visitor lambdas)"
            if path == "<string>"
            else "stdlib (frozen)"
        )
    top = path.split("/", 1)[0].removesuffix(".py")
    if top == "graphql":
        parts = path.split("/")
        return f"graphql-core ({parts[1].removesuffix('.py')})" if len(parts) > 1 else top
    if top == "doorstep":
        parts = path.split("/")
        return "doorstep." + parts[1].removesuffix(".py") if len(parts) > 1 else top
    if top in _STDLIB:
        return f"stdlib {top}"
    return top or "native"


def parse(path: Path) -> list[tuple[list[tuple[str, str, str]], int]]:
    """[(frames root->leaf as (file, func, layer), count)]; non-Python frames dropped."""
    stacks = []
    for raw in path.read_text(errors="replace").splitlines():
        stack_text, _, count_text = raw.rpartition(" ")
        if not stack_text or not count_text.isdigit():
            continue
        frames = []
        for frame in stack_text.split(";"):
            m = _FRAME.match(frame)
            if m is None:
                continue  # "process 123:..." or "thread (0x...)" headers
            file = m["file"] or ""
            frames.append((file, m["func"], _layer(file, m["func"])))
        if frames:
            stacks.append((frames, int(count_text)))
    return stacks


def summarize(path: Path, top: int = 20) -> str:
    stacks = parse(path)
    total = sum(c for _, c in stacks)
    if not total:
        return f"{path}: no samples"
    self_layer: Counter[str] = Counter()
    self_func: Counter[str] = Counter()
    incl_func: Counter[str] = Counter()
    incl_marker: Counter[str] = Counter()
    idle = 0
    markers = [(label, re.compile(rx)) for label, rx in MARKERS]
    kept = []
    for frames, count in stacks:
        leaf = f"{frames[-1][0]}:{frames[-1][1]}"
        if any(rx.match(leaf) for rx in _IDLE):
            idle += count
            continue
        kept.append((frames, count))
    total -= idle
    if not total:
        return f"{path}: no samples"
    for frames, count in kept:
        file, func, layer = frames[-1]
        if file == "<string>" and len(frames) > 1:  # generated code: count it to its caller
            layer = frames[-2][2] + " (generated code)"
        if _LOOP.match(f"{file}:{func}"):
            layer = "event loop + native code (uvloop/granian, httptools, asyncpg protocol)"
        self_layer[layer] += count
        self_func[f"{func} ({_short(file)})"] += count
        seen: set[str] = set()
        keys = [f"{f}:{fn}" for f, fn, _ in frames]
        below_app = False
        for (f, fn, _), k in zip(frames, keys, strict=True):
            below_app = below_app or bool(_APP.match(k))
            key = f"{fn} ({_short(f)})"
            if below_app and key not in seen:
                seen.add(key)
                incl_func[key] += count
        for label, rx in markers:
            if any(rx.match(k) for k in keys):
                incl_marker[label] += count

    def pct(n: int) -> str:
        return f"{100 * n / total:5.1f}%"

    out = [
        f"profile {path.name}: {total} samples of running Python threads "
        f"({idle} samples of idle thread-pool workers left out)"
    ]
    out.append("\n  where the CPU goes, by layer of the innermost frame (self time):")
    for layer, n in self_layer.most_common(top):
        out.append(f"    {pct(n)}  {layer}")
    out.append("\n  inclusive time of the request's stages (a stage includes what it calls):")
    for label, _ in MARKERS:
        if incl_marker[label]:
            out.append(f"    {pct(incl_marker[label])}  {label}")
    out.append(f"\n  top {top} functions by self time:")
    for name, n in self_func.most_common(top):
        out.append(f"    {pct(n)}  {name}")
    out.append(f"\n  top {top} functions by inclusive time (from Litestar's ASGI entry down):")
    for name, n in incl_func.most_common(top):
        out.append(f"    {pct(n)}  {name}")
    return "\n".join(out)


def _short(file: str) -> str:
    if "site-packages/" in file:
        return file.split("site-packages/", 1)[1]
    if "/doorstep/" in file:
        return "doorstep/" + file.split("/doorstep/", 1)[1]
    if "/lib/python3" in file:
        return file.split("/lib/python3", 1)[1].split("/", 1)[-1]
    return file


def main() -> None:
    parser = argparse.ArgumentParser(description="Summarise py-spy raw profiles.")
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--top", type=int, default=20)
    args = parser.parse_args()
    for file in args.files:
        print(summarize(file, args.top))
        print()


if __name__ == "__main__":
    main()
