"""A citizen proves who they are (实名认证) and their resident ID becomes the account's.

Start: the name and ID are checked (GB 11643), the try is counted (a few a day: each costs a
face scan and money), the provider starts a face check and answers a certify id and the page
to open. Finish: the provider's result for that certify id, read by us (the client never hands
us a result or a certify id), recorded once. A passed check binds the ID to the account unless
another account holds it: then a person decides (services.identity.review).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from doorstep.domain import pii
from doorstep.domain.errors import Conflict, DomainError, InvalidInput, NotFound
from doorstep.domain.identity import (
    mask_resident_id,
    validate_resident_id,
)
from doorstep.domain.policy import Actor, Operation, authorize
from doorstep.domain.rate_limits import DAY_SECONDS, Window
from doorstep.observability.metrics import IDENTITY_CHECKS
from doorstep.services import event_log, rate_limits
from doorstep.services.deps import Deps
from doorstep.services.identity import binding
from doorstep.services.identity.providers import IdentityProvider, ProviderError, build_provider
from doorstep.services.rate_limits import Limit
from doorstep.store import identity as store
from doorstep.store.db import Connection, transaction
from doorstep.store.rate_limits import Counted

log = logging.getLogger(__name__)

MAX_NAME_CHARS = 50
UNAVAILABLE = "identity.provider_unavailable"


@dataclass(frozen=True)
class IdentityStatus:
    verified: bool
    method: str | None
    verified_at: datetime | None
    resident_id_masked: str | None


@dataclass(frozen=True)
class VerificationStarted:
    id: int
    certify_url: str | None


@dataclass(frozen=True)
class VerificationOutcome:
    id: int
    # passed (bound to the account), failed, or conflict (a person will decide)
    status: str
    identity: IdentityStatus


def provider_of(deps: Deps) -> IdentityProvider | None:
    """The process's provider, built once from the settings; None when online checks are off."""
    if deps.identity_provider is None and deps.settings.identity.provider != "counter":
        deps.identity_provider = build_provider(deps.settings)
    return deps.identity_provider


def _name(raw: str) -> str:
    name = " ".join(raw.split())
    if not name or len(name) > MAX_NAME_CHARS or any(not ch.isprintable() for ch in name):
        raise InvalidInput("identity.name_invalid", limit=MAX_NAME_CHARS)
    return name


async def status(deps: Deps, actor: Actor) -> IdentityStatus:
    authorize(actor, Operation.IDENTITY_VERIFY)
    assert actor.citizen_id is not None
    row = await store.holder(deps.pool, actor.citizen_id)
    assert row is not None
    return _status(row)


def _status(row: store.HolderRow) -> IdentityStatus:
    verified = row.identity_verified_at is not None
    return IdentityStatus(
        verified=verified,
        method=row.identity_method,
        verified_at=row.identity_verified_at,
        resident_id_masked=row.resident_id_masked if verified else None,
    )


async def start(
    deps: Deps, actor: Actor, raw_name: str, raw_resident_id: str
) -> VerificationStarted:
    authorize(actor, Operation.IDENTITY_VERIFY)
    citizen_id = actor.citizen_id
    assert citizen_id is not None
    name = _name(raw_name)
    try:
        resident_id = validate_resident_id(raw_resident_id[:40])
    except ValueError as exc:
        raise InvalidInput(exc.args[0]) from None
    provider = provider_of(deps)
    if provider is None:
        raise DomainError("identity.online_unavailable")
    index = pii.blind_index(resident_id, deps.settings.index_key)
    async with transaction(deps.pool) as conn:
        current = await store.holder(conn, citizen_id)
        assert current is not None
        if current.identity_verified_at is not None and current.resident_id_index == index:
            raise Conflict("identity.already_verified")
        if current.resident_id_index is not None and current.resident_id_index != index:
            raise Conflict("resident_id.mismatch")
        if await store.has_open_conflict(conn, citizen_id):
            # a person is deciding this account's claim already: another check adds nothing
            raise Conflict("identity.conflict_pending")
        per_day = Window(deps.settings.identity.starts_per_day, DAY_SECONDS)
        await rate_limits.enforce(
            conn,
            "identity.too_many_checks",
            [(Limit(Counted.IDENTITY_CHECKS_OF_CITIZEN, (per_day,)), citizen_id)],
        )
        row = await store.insert_verification(
            conn,
            citizen_id=citizen_id,
            provider=provider.name,
            name=name,
            enc=pii.encrypt(resident_id, deps.settings.data_key),
            index=index,
            masked=mask_resident_id(resident_id),
        )
    try:
        started = await provider.start(order_no=f"ds{row.id}", name=name, resident_id=resident_id)
    except ProviderError as exc:
        log.warning("identity check %s not started: %s", row.id, exc.code)
        IDENTITY_CHECKS.labels("start", "unavailable", exc.code[:40]).inc()
        await store.finish_verification(deps.pool, row.id, "failed", f"start:{exc.code}")
        raise DomainError(UNAVAILABLE) from None
    IDENTITY_CHECKS.labels("start", "started", "").inc()
    await store.set_certify_id(deps.pool, row.id, started.certify_id)
    return VerificationStarted(id=row.id, certify_url=started.certify_url)


async def finish(deps: Deps, actor: Actor, verification_id: int) -> VerificationOutcome:
    """Reads the provider's result of the actor's own check and records it, once."""
    authorize(actor, Operation.IDENTITY_VERIFY)
    citizen_id = actor.citizen_id
    assert citizen_id is not None
    row = await store.verification(deps.pool, verification_id)
    # another account's check answers as one that does not exist
    if row is None or row.citizen_id != citizen_id or row.certify_id is None:
        raise NotFound("identity.verification_not_found")
    if row.status != "started":
        raise Conflict("identity.verification_used")
    provider = provider_of(deps)
    if provider is None or provider.name != row.provider:
        raise DomainError("identity.online_unavailable")
    try:
        result = await provider.result(row.certify_id)
    except ProviderError as exc:
        # the check stays open: the citizen may ask again once the provider answers
        log.warning("identity check %s: no result: %s", row.id, exc.code)
        IDENTITY_CHECKS.labels("finish", "unavailable", exc.code[:40]).inc()
        raise DomainError(UNAVAILABLE) from None
    if not result.passed:
        if not await store.finish_verification(deps.pool, row.id, "failed", result.code):
            raise Conflict("identity.verification_used")
        IDENTITY_CHECKS.labels("finish", "failed", result.code[:40]).inc()
        async with deps.pool.acquire() as conn:
            holder = await store.holder(conn, citizen_id)
        assert holder is not None
        return VerificationOutcome(id=row.id, status="failed", identity=_status(holder))
    async with transaction(deps.pool) as conn:
        outcome = await _bind_passed(deps, conn, row, result.code)
        holder = await store.holder(conn, citizen_id)
    IDENTITY_CHECKS.labels("finish", outcome, "").inc()
    assert holder is not None
    return VerificationOutcome(id=row.id, status=outcome, identity=_status(holder))


async def _bind_passed(deps: Deps, conn: Connection, row: store.VerificationRow, code: str) -> str:
    await store.lock_index(conn, row.resident_id_index)
    owner = await store.holder_of_index(conn, row.resident_id_index)
    conflict = owner is not None and owner.id != row.citizen_id
    if not await store.finish_verification(
        conn, row.id, "conflict" if conflict else "passed", code
    ):
        raise Conflict("identity.verification_used")
    if conflict:
        assert owner is not None
        conflict_id = await store.insert_conflict(
            conn,
            verification_id=row.id,
            claimant_id=row.citizen_id,
            holder_id=owner.id,
            index=row.resident_id_index,
            masked=row.resident_id_masked,
        )
        await event_log.by_citizen(
            conn,
            row.citizen_id,
            "identity.conflict",
            {"conflict": conflict_id, "resident_id": row.resident_id_masked},
        )
        return "conflict"
    await binding.bind_checked(deps, conn, row.citizen_id, row, method=row.provider, staff_id=None)
    await event_log.by_citizen(
        conn,
        row.citizen_id,
        "identity.verified",
        {"method": row.provider, "resident_id": row.resident_id_masked},
    )
    return "passed"
