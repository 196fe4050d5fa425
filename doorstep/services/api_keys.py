"""API keys for third-party apps (Open311 clients): issued per app, scoped, revocable, kept
only as a hash. A key says which app calls; a citizen's own session (Authorization: Bearer)
says for whom. A session token is never accepted as an app key (it would travel in URLs and
logs)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from doorstep.domain.errors import Forbidden, InvalidInput, NotFound
from doorstep.services.deps import Deps
from doorstep.store import api_keys as store

KEY_PREFIX = "dsk_"
READ_SCOPE = "open311:read"
WRITE_SCOPE = "open311:write"
SCOPES = (READ_SCOPE, WRITE_SCOPE)
MAX_KEY_CHARS = 100


@dataclass(frozen=True)
class ApiApp:
    id: int
    name: str
    scopes: tuple[str, ...]


@dataclass(frozen=True)
class IssuedKey:
    id: int
    name: str
    scopes: tuple[str, ...]
    key: str  # shown once


def _hash(key: str) -> bytes:
    # keys are 256 random bits: a plain hash is enough (no dictionary to guess from)
    return hashlib.sha256(key.encode()).digest()


async def issue(deps: Deps, name: str, scopes: list[str]) -> IssuedKey:
    name = name.strip()
    if not 1 <= len(name) <= 100:
        raise InvalidInput("api_key.name_invalid")
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown or not scopes:
        raise InvalidInput("api_key.scope_invalid", scopes=", ".join(SCOPES))
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    row = await store.insert(
        deps.pool,
        name=name,
        key_hash=_hash(key),
        prefix=key[: len(KEY_PREFIX) + 6],
        scopes=sorted(set(scopes)),
    )
    return IssuedKey(id=row.id, name=row.name, scopes=tuple(row.scopes), key=key)


async def revoke(deps: Deps, key_id: int) -> None:
    if not await store.revoke(deps.pool, key_id):
        raise NotFound("api_key.not_found")


async def keys(deps: Deps) -> list[store.ListedKeyRow]:
    """Every key, as the store lists it (the key itself is never kept, only its prefix)."""
    return await store.all_keys(deps.pool)


async def check(deps: Deps, raw: str | None, scope: str) -> ApiApp:
    """The app behind a key that may `scope`; refused (403, as GeoReport v2 asks for a key
    that is missing or not valid): missing, unknown, revoked or not scoped for this."""
    if not raw:
        raise Forbidden("api_key.required")
    if not raw.startswith(KEY_PREFIX) or len(raw) > MAX_KEY_CHARS:
        raise Forbidden("api_key.invalid")
    row = await store.active_by_hash(deps.pool, _hash(raw))
    if row is None:
        raise Forbidden("api_key.invalid")
    if scope not in row.scopes:
        raise Forbidden("api_key.scope_missing", scope=scope)
    return ApiApp(id=row.id, name=row.name, scopes=tuple(row.scopes))
