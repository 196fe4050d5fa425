"""Ticket categories: one list for every region, kept by the admin."""

from __future__ import annotations

from dataclasses import dataclass

from doorstep.domain.errors import Conflict, InvalidInput, NotFound
from doorstep.domain.policy import Actor, Operation, authorize
from doorstep.domain.tickets import clean_text
from doorstep.services import dispatch_rules, event_log
from doorstep.services.deps import Deps
from doorstep.services.ticket_catalog.common import (
    CATEGORY_CODE,
    CategoryView,
    warnings_now,
)
from doorstep.store.db import Connection, transaction
from doorstep.store.tickets import catalog_admin as ticket_catalog_admin
from doorstep.store.tickets.rows import ColumnValue, ManagedCategoryRow

MAX_NAME_CHARS = 40
MAX_DESCRIPTION_CHARS = 200
MAX_POSITION = 10_000
# keywords: the words citizens use for a category (Open311 `keywords`, the SMS guess); Open311
# joins them with commas, so none holds one
MAX_KEYWORDS = 30
MAX_KEYWORD_CHARS = 20
MAX_GROUP_CHARS = 40


async def list_categories(
    deps: Deps, actor: Actor, *, include_retired: bool = True
) -> list[CategoryView]:
    authorize(actor, Operation.TICKET_CATALOG_READ)
    return await ticket_catalog_admin.categories_with_use(deps.pool, include_retired)


def _name(raw: str | None) -> str:
    name = clean_text(raw)
    if not name:
        raise InvalidInput("ticket_category.name_required")
    if len(name) > MAX_NAME_CHARS or "\n" in name:
        raise InvalidInput("ticket_category.name_too_long", limit=MAX_NAME_CHARS)
    return name


def _description(raw: str | None) -> str:
    text = clean_text(raw)
    if len(text) > MAX_DESCRIPTION_CHARS:
        raise InvalidInput("ticket_category.description_too_long", limit=MAX_DESCRIPTION_CHARS)
    return text


def _keywords(raw: list[str] | None) -> list[str]:
    """Trimmed, without repeats, in the order given."""
    words: list[str] = []
    for word in (clean_text(w) for w in raw or []):
        if not word or len(word) > MAX_KEYWORD_CHARS or any(c in word for c in ",，\n"):
            raise InvalidInput("ticket_category.keyword_invalid", limit=MAX_KEYWORD_CHARS)
        if word not in words:
            words.append(word)
    if len(words) > MAX_KEYWORDS:
        raise InvalidInput("ticket_category.too_many_keywords", limit=MAX_KEYWORDS)
    return words


def _group(raw: str | None) -> str:
    text = clean_text(raw)
    if len(text) > MAX_GROUP_CHARS or "\n" in text:
        raise InvalidInput("ticket_category.group_too_long", limit=MAX_GROUP_CHARS)
    return text


def _position(raw: int | None) -> int | None:
    if raw is not None and not 0 <= raw <= MAX_POSITION:
        raise InvalidInput("ticket_category.position_invalid", limit=MAX_POSITION)
    return raw


async def _one_category(conn: Connection, code: str) -> CategoryView:
    return next(
        r for r in await ticket_catalog_admin.categories_with_use(conn, True) if r.code == code
    )


async def create_category(
    deps: Deps,
    actor: Actor,
    code: str,
    name: str,
    description: str = "",
    position: int | None = None,
    *,
    group: str = "",
    keywords: list[str] | None = None,
) -> CategoryView:
    authorize(actor, Operation.TICKET_CATEGORY_MANAGE)
    code = (code or "").strip()
    if not CATEGORY_CODE.fullmatch(code):
        raise InvalidInput("ticket_category.code_invalid", category=code[:40])
    clean_name, text, place = _name(name), _description(description), _position(position)
    clean_group, words = _group(group), _keywords(keywords)
    async with transaction(deps.pool) as conn:
        if not await ticket_catalog_admin.insert_category(conn, code, clean_name, text, place):
            raise Conflict("ticket_category.exists", category=code)
        if clean_group or words:
            await ticket_catalog_admin.update_category(
                conn, code, group_name=clean_group, keywords=words
            )
        await event_log.by_staff(
            conn, actor, "ticket_category.created", data={"code": code, "name": clean_name}
        )
        view = await _one_category(conn, code)
    return view


async def _locked_category(conn: Connection, code: str) -> ManagedCategoryRow:
    row = await ticket_catalog_admin.lock_category(conn, (code or "").strip()[:40])
    if row is None:
        raise NotFound("ticket_category.not_found", category=(code or "").strip()[:40])
    return row


async def update_category(
    deps: Deps,
    actor: Actor,
    code: str,
    *,
    name: str | None = None,
    description: str | None = None,
    position: int | None = None,
    group: str | None = None,
    keywords: list[str] | None = None,
) -> CategoryView:
    """Rename, re-describe or move a category, or change its group and keywords. Tickets show
    the new name; each dispatch explanation keeps the name it was given in."""
    authorize(actor, Operation.TICKET_CATEGORY_MANAGE)
    changes: dict[str, ColumnValue] = {}
    if group is not None:
        changes["group_name"] = _group(group)
    if keywords is not None:
        changes["keywords"] = _keywords(keywords)
    if name is not None:
        changes["name"] = _name(name)
    if description is not None:
        changes["description"] = _description(description)
    if position is not None:
        changes["position"] = _position(position)
    async with transaction(deps.pool) as conn:
        row = await _locked_category(conn, code)
        changes = {
            k: v
            for k, v in changes.items()
            if (list(row.keywords) if k == "keywords" else getattr(row, k)) != v
        }
        if changes:
            await ticket_catalog_admin.update_category(conn, row.code, **changes)
            data: dict[str, object] = {"code": row.code, **changes}
            if "name" in changes:
                data["previous_name"] = row.name
            await event_log.by_staff(conn, actor, "ticket_category.changed", data=data)
        view = await _one_category(conn, row.code)
    return view


@dataclass(frozen=True)
class CategoryChange:
    category: CategoryView
    warnings: tuple[dispatch_rules.ProblemView, ...]


async def set_category_active(deps: Deps, actor: Actor, code: str, active: bool) -> CategoryChange:
    """Retire (no new tickets; the existing ones keep it) or reinstate a category."""
    authorize(actor, Operation.TICKET_CATEGORY_MANAGE)
    async with transaction(deps.pool) as conn:
        row = await _locked_category(conn, code)
        if row.active == active:
            raise Conflict(
                "ticket_category.not_retired" if active else "ticket_category.already_retired",
                category=row.name,
            )
        await ticket_catalog_admin.set_category_active(conn, row.code, active)
        await event_log.by_staff(
            conn,
            actor,
            "ticket_category.reinstated" if active else "ticket_category.retired",
            data={"code": row.code, "name": row.name},
        )
        view = await _one_category(conn, row.code)
        warnings = await warnings_now(conn, categories=[row.code])
    return CategoryChange(view, warnings)
