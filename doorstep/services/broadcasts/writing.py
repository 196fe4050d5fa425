"""Starting and writing a broadcast: its audience's outbox rows, set-based, a chunk at a time.

The broadcast keeps a cursor (the last citizen written) in the same transaction, so a writer
that stops is taken up where it left off (`resume_writing`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from doorstep.domain.errors import Conflict, InvalidInput
from doorstep.domain.policy import Actor, Operation, Target, authorize
from doorstep.i18n import LANGUAGES
from doorstep.notify.sms_text import (
    IDENTIFIER_PARAMS,
    SmsParamRefused,
    fit_sms,
    sms_templates,
    template_fields,
)
from doorstep.services import event_log
from doorstep.services.deps import Deps
from doorstep.store import events
from doorstep.store.broadcasts import lanes as broadcasts_lanes
from doorstep.store.broadcasts import writing as broadcasts_writing
from doorstep.store.broadcasts.rows import AudienceJson
from doorstep.store.db import transaction

CHUNK = 50_000
MAX_LIST = 1_000_000


@dataclass(frozen=True)
class Started:
    id: int
    total: int
    lanes: list[tuple[int, str, int]]


# a broadcast like one started within this time is refused (broadcast.repeated)
REPEAT_WINDOW_SECONDS = 3600


def _fingerprint(
    template: str,
    values: dict[str, str],
    urgent: bool,
    region: str | None,
    phones: list[str] | None,
) -> str:
    raw = json.dumps(
        [template, values, urgent, region, sorted(set(phones or []))],
        ensure_ascii=False,
        sort_keys=True,
    )
    return hashlib.sha256(raw.encode()).hexdigest()


def _region_ok(region: str) -> bool:
    return region.isascii() and region.isdigit() and len(region) in (2, 4, 6, 9, 12)


def check(
    template: str, params: dict[str, Any], *, sign_name: str, param_limit: int, max_parts: int
) -> dict[str, str]:
    """The broadcast's parameters, refused unless every language renders them uncut."""
    if template not in sms_templates() or template.startswith("sms.plain."):
        raise InvalidInput("broadcast.template_unknown", template=template[:60])
    values = {str(k): " ".join(str(v).split()) for k, v in params.items()}
    for language in LANGUAGES:
        names = template_fields(template, language)
        missing = [n for n in names if not values.get(n)]
        if missing:
            raise InvalidInput("broadcast.param_missing", name=missing[0][:40])
        for name in names:
            # a text read by a whole region is cut by nobody: it is refused for a rewrite
            if len(values[name]) > param_limit:
                raise InvalidInput("broadcast.param_too_long", name=name[:40], limit=param_limit)
            if name in IDENTIFIER_PARAMS and not IDENTIFIER_PARAMS[name].fullmatch(values[name]):
                raise InvalidInput("broadcast.param_invalid", name=name[:40])
        try:
            fitted = fit_sms(
                template,
                values,
                language,
                sign_name=sign_name,
                param_limit=param_limit,
                max_parts=max_parts,
            )
        except SmsParamRefused:
            raise InvalidInput("broadcast.too_long", parts=max_parts) from None
        if fitted.cut:
            raise InvalidInput("broadcast.too_long", parts=max_parts)
    used = {n for language in LANGUAGES for n in template_fields(template, language)}
    return {n: values[n] for n in sorted(used)}


async def start(
    deps: Deps,
    actor: Actor | None,
    *,
    template: str,
    params: dict[str, Any],
    region: str | None = None,
    phones: list[str] | None = None,
    urgent: bool = False,
    chunk: int = CHUNK,
) -> Started:
    """Start a broadcast: check, record it, write its rows chunk by chunk, enqueue its lanes.

    `actor` None: an operator at the console (`doorstep broadcast`).
    """
    if (region is None) == (phones is None):
        raise InvalidInput("broadcast.audience_required")
    if region is not None and not _region_ok(region):
        raise InvalidInput("broadcast.region_invalid")
    if phones is not None and len(phones) > MAX_LIST:
        raise InvalidInput("broadcast.list_too_long", limit=MAX_LIST)
    if actor is not None:
        authorize(
            actor,
            Operation.BROADCAST_SEND,
            Target(regions=(region,) if region is not None else ("",)),
        )
    sms = deps.settings.sms
    values = check(
        template,
        params,
        sign_name=deps.settings.sms_sign_name,
        param_limit=sms.param_limit,
        max_parts=sms.max_parts,
    )
    # the same message to the same people again soon is a second click, not a second notice
    fingerprint = _fingerprint(template, values, urgent, region, phones)
    audience: AudienceJson = (
        {"region": region, "fingerprint": fingerprint}
        if region is not None
        else {"phones": len(phones or []), "fingerprint": fingerprint}
    )
    async with transaction(deps.pool) as conn:
        if await broadcasts_writing.started_recently(
            conn, audience["fingerprint"], REPEAT_WINDOW_SECONDS
        ):
            raise Conflict("broadcast.repeated")
        citizen_ids: list[int] | None = None
        if phones is not None:
            citizen_ids = await broadcasts_writing.citizens_by_phone(conn, sorted(set(phones)))
        if citizen_ids is not None and not citizen_ids:
            raise InvalidInput("broadcast.audience_empty")
        if region is not None and not await broadcasts_writing.region_has_citizens(conn, region):
            raise InvalidInput("broadcast.audience_empty")
        broadcast_id = await broadcasts_writing.create(
            conn,
            template=template,
            params=values,
            kind="broadcast",
            urgent=urgent,
            audience=audience,
            staff_id=actor.staff_id if actor is not None else None,
        )
        await events.append(
            conn,
            kind="broadcast.started",
            actor_kind="staff" if actor is not None else "system",
            actor_id=actor.staff_id if actor is not None else None,
            data={
                "broadcast": broadcast_id,
                "template": template,
                "audience": audience,
                "urgent": urgent,
            },
        )
    total, lanes = await write(deps, broadcast_id, citizen_ids=citizen_ids, chunk=chunk)
    return Started(id=broadcast_id, total=total, lanes=lanes)


async def write(
    deps: Deps, broadcast_id: int, *, citizen_ids: list[int] | None = None, chunk: int = CHUNK
) -> tuple[int, list[tuple[int, str, int]]]:
    """Write the broadcast's rows after its cursor, one chunk per transaction; enqueue lanes
    after each commit. Returns (rows in total, lanes)."""
    lanes: set[tuple[int, str, int]] = set()
    while True:
        async with transaction(deps.pool) as conn:
            b = await broadcasts_writing.get(conn, broadcast_id)
            assert b is not None
            if b.state == "queued":
                break
            if citizen_ids is not None:
                rest = [i for i in citizen_ids if i > b.cursor][:chunk]
                result = await broadcasts_writing.write_list_chunk(conn, broadcast_id, rest, chunk)
            else:
                region = b.audience.get("region")
                assert region is not None  # a broadcast without a list has a region
                result = await broadcasts_writing.write_region_chunk(
                    conn, broadcast_id, region, chunk
                )
            new = (
                await broadcasts_lanes.open_lanes(conn, broadcast_id, list(result.languages))
                if result.languages
                else []
            )
            if result.seen == 0:
                done = await broadcasts_writing.mark_queued(conn, broadcast_id)
                await event_log.by_system(
                    conn, "broadcast.queued", {"broadcast": broadcast_id, "total": done.total}
                )
        if result.seen == 0:
            break
        lanes |= set(new)
        await deps.enqueue_lanes(sorted(new))
    async with transaction(deps.pool) as conn:
        b = await broadcasts_writing.get(conn, broadcast_id)
        assert b is not None
        total = int(b.total)
    return total, sorted(lanes)


async def resume_writing(deps: Deps, *, older_than_seconds: int = 600) -> int:
    """Go on writing region broadcasts whose writer stopped (a list is not kept: it is written
    in one go by its caller, or started again). Two writers at once are safe (the chunk locks
    the broadcast and rows are unique per citizen), only wasteful: hence the wait."""
    resumed = 0
    for b in await broadcasts_writing.writing(deps.pool, older_than_seconds):
        if "region" in b.audience:
            await write(deps, b.id)
            resumed += 1
    return resumed
