"""What-if variants of the app, for measuring a suggestion before anyone changes the code.

    uv run python bench/api_bench.py --whatif cache,noreset ...

`api_bench.py --whatif` serves this module's `app` (with `bench/` on PYTHONPATH) instead of the
project's entry point. BENCH_WHATIF names the changes, comma-separated:

- `cache`: strawberry's ParserCache and ValidationCache extensions, so a query document seen
  before is neither parsed nor validated again (the profile shows validation at ~30% of CPU).
- `noreset`: the asyncpg pool skips `Connection.reset()` (one extra round trip, `RESET ALL;
  UNLISTEN *; ...`, on every release); safe while no code leaves session state on a pooled
  connection (transaction-scoped advisory locks only).

Nothing here is imported by the service; it only patches at start-up of a benchmark server.
"""

from __future__ import annotations

import functools
import os
from typing import Any

import asyncpg

from doorstep.api import app as app_module
from doorstep.config import Settings

WHATIF = frozenset(filter(None, os.environ.get("BENCH_WHATIF", "").split(",")))
KNOWN = frozenset({"cache", "noreset"})
if WHATIF - KNOWN:
    raise SystemExit(f"unknown BENCH_WHATIF {sorted(WHATIF - KNOWN)}; known: {sorted(KNOWN)}")

if "noreset" in WHATIF:
    _create_pool = asyncpg.create_pool

    async def _no_reset(_conn: Any) -> None:
        return None

    @functools.wraps(_create_pool)
    def _create_pool_no_reset(*args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("reset", _no_reset)
        return _create_pool(*args, **kwargs)

    asyncpg.create_pool = _create_pool_no_reset

if "cache" in WHATIF:
    from graphql.validation import NoSchemaIntrospectionCustomRule
    from strawberry.extensions import (
        AddValidationRules,
        MaxTokensLimiter,
        ParserCache,
        ValidationCache,
    )
    from strawberry.extensions.max_aliases import create_validator as aliases_rule
    from strawberry.extensions.query_depth_limiter import create_validator as depth_rule
    from strawberry.schema.config import StrawberryConfig

    from doorstep.graphql import schema as schema_module
    from doorstep.graphql.errors import LocalizedErrors

    def _build_schema_cached(
        *, introspection: bool, max_depth: int = 10, max_tokens: int = 2000, max_aliases: int = 30
    ) -> Any:
        """The same limits, but their validation rules made once: QueryDepthLimiter and
        MaxAliasesLimiter make a new rule class per request, which would defeat the cache
        (its key includes the rules)."""
        rules: list[Any] = [depth_rule(max_depth, None, None), aliases_rule(max_aliases)]
        if not introspection:
            rules.append(NoSchemaIntrospectionCustomRule)
        extensions: list[Any] = [
            LocalizedErrors,
            lambda: MaxTokensLimiter(max_token_count=max_tokens),
            lambda: AddValidationRules(rules),
            lambda: ParserCache(maxsize=256),
            lambda: ValidationCache(maxsize=256),
        ]
        return schema_module.DoorstepSchema(
            query=schema_module.Query,
            mutation=schema_module.Mutation,
            extensions=extensions,
            config=StrawberryConfig(auto_camel_case=True),
        )

    setattr(app_module, "build_schema", _build_schema_cached)  # noqa: B010 - patching the app factory's lookup

app = app_module.create_app(Settings.from_env())
