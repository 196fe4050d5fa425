"""A citizen's own settings: language (zh_Hans, zh_Hant, en) and elder mode (长辈版)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from doorstep.domain.calendar import today_local
from doorstep.domain.elder import Presentation, offer_elder_mode, presentation
from doorstep.domain.errors import InvalidInput, NotFound
from doorstep.domain.policy import Actor, Operation, authorize
from doorstep.i18n import normalize_language
from doorstep.services import event_log
from doorstep.services.deps import Deps
from doorstep.store import preferences as store
from doorstep.store.db import Connection, transaction

Setting = TypeVar("Setting")


@dataclass(frozen=True)
class Profile:
    citizen_id: int
    name: str | None
    language: str
    language_chosen: bool
    elder_mode: bool
    offer_elder_mode: bool
    sms_only: bool
    presentation: Presentation
    open_applications: int
    waiting_for_materials: int
    # agents' money-moving actions waiting for this citizen's own confirmation
    to_confirm: int = 0

    @property
    def read_aloud_key(self) -> str:
        """The key message of the home screen, as a catalog key: what waits for them first."""
        if self.to_confirm:
            return "read_aloud.home_confirm"
        if self.waiting_for_materials:
            return "read_aloud.home_materials"
        if self.open_applications:
            return "read_aloud.home_open"
        return "read_aloud.home_nothing"

    @property
    def read_aloud_count(self) -> int:
        return self.to_confirm or self.waiting_for_materials or self.open_applications


async def set_language(deps: Deps, actor: Actor, raw: str) -> str:
    """Choose the language of the API and of every SMS; unsupported codes are refused."""
    citizen_id = _own_settings(actor)
    language = supported_language(raw)
    await _save(deps, citizen_id, store.set_language, language, "citizen.language_set", "language")
    return language


async def set_elder_mode(deps: Deps, actor: Actor, on: bool) -> None:
    citizen_id = _own_settings(actor)
    await _save(deps, citizen_id, store.set_elder_mode, on, "citizen.elder_mode_set", "on")


def supported_language(raw: str) -> str:
    """The language code `raw` names; refused unless it is one the service speaks."""
    language = normalize_language(raw[:20])
    if language is None:
        raise InvalidInput("language.unsupported", given=raw[:20], supported="zh_Hans, zh_Hant, en")
    return language


def _own_settings(actor: Actor) -> int:
    """The citizen whose settings `actor` may change: their own."""
    authorize(actor, Operation.PREFERENCES_SET)
    assert actor.citizen_id is not None
    return actor.citizen_id


async def _save(
    deps: Deps,
    citizen_id: int,
    write: Callable[[Connection, int, Setting], Awaitable[None]],
    value: Setting,
    kind: str,
    name: str,
) -> None:
    """Write one setting and its event (`kind`, the value as `name`) on the citizen's stream,
    in one transaction."""
    async with transaction(deps.pool) as conn:
        await write(conn, citizen_id, value)
        await event_log.by_citizen(conn, citizen_id, kind, {name: value})


async def profile(deps: Deps, citizen_id: int) -> Profile:
    """A citizen's settings and what their home screen says (the caller has authorized)."""
    row = await store.profile(deps.pool, citizen_id)
    if row is None:
        raise NotFound("auth.required")
    today = today_local()
    return Profile(
        citizen_id=row.id,
        name=row.name,
        language=row.language,
        language_chosen=row.language_chosen,
        elder_mode=row.elder_mode,
        offer_elder_mode=offer_elder_mode(
            row.birth_date, row.elder_mode, row.elder_mode_chosen_at is not None, today
        ),
        sms_only=row.channel_preference == "sms",
        presentation=presentation(row.elder_mode),
        open_applications=row.open_count,
        waiting_for_materials=row.waiting_count,
        to_confirm=row.confirm_count,
    )
