"""The data-sharing responsibility list (数据共享责任清单): publishing versions, reading the list
in force, and the check the vault's use cases make against it (rules in domain/sharing.py)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol

from doorstep.domain.calendar import today_local
from doorstep.domain.errors import Forbidden, InvalidInput, NotFound
from doorstep.domain.policy import Actor, Operation, authorize
from doorstep.domain.sharing import (
    Action,
    Entry,
    Known,
    ListRow,
    Problem,
    Purpose,
    SharingList,
    SubjectKind,
    build_list,
    decide,
    rule_purpose,
    rule_refusal,
)
from doorstep.services.deps import Deps
from doorstep.store import events
from doorstep.store import sharing as store
from doorstep.store.db import Connection, Queryable, transaction

MAX_NOTE_CHARS = 300


class RuleView(Protocol):
    """What the list needs of a proactive rule (store.proactive.rows.RuleRow)."""

    @property
    def owner_unit_code(self) -> str: ...
    @property
    def fact_keys(self) -> list[str]: ...
    @property
    def bundle_code(self) -> str | None: ...


# A published version never changes (its entries and grants are written with it, never again):
# each process reads a version's list once. Keyed by the head's id, number and publication
# time, so a process that meets several databases (tests, tools) never mixes their lists.
_LOADED: dict[tuple[int, int, datetime], SharingList] = {}
_LOADED_MAX = 32


async def list_in_force(db: Queryable, day: date | None = None) -> SharingList | None:
    """The list in force on `day` (today): one query for its head, the list itself from
    memory once read (every submission checks its form against it)."""
    head = await store.version_in_force(db, day or today_local())
    if head is None:
        return None
    key = (head.id, head.version, head.published_at)
    loaded = _LOADED.get(key)
    if loaded is None:
        loaded = await store.load_list(db, head)
        if len(_LOADED) >= _LOADED_MAX:
            _LOADED.clear()
        _LOADED[key] = loaded
    return loaded


async def require(
    db: Queryable,
    sharing: SharingList | None,
    unit: str,
    kind: str,
    key: str,
    action: Action,
    purpose: Purpose | None = None,
) -> None:
    """Refuse (Forbidden with the list's code, naming the owner) what the list does not allow."""
    code = decide(sharing, unit, kind, key, action, purpose)
    if code is None:
        return
    owner = sharing.owner(kind, key) if sharing is not None else None
    names = {u.code: u.name for u in await store.units_by_code(db, [owner])} if owner else {}
    raise Forbidden(code, key=key, owner=names.get(owner or "", "-"))


async def owner_unit_id(db: Queryable, kind: str, key: str) -> int | None:
    """The id of the unit the list in force names as the owner (None: not listed)."""
    sharing = await list_in_force(db)
    owner = sharing.owner(kind, key) if sharing is not None else None
    if owner is None:
        return None
    found = await store.units_by_code(db, [owner])
    return found[0].id if found else None


async def require_rule_reads(
    db: Queryable, unit: str, fact_keys: Sequence[str], bundle_code: str | None
) -> None:
    """A rule is published only when its unit may read every fact it tests (domain/sharing)."""
    in_force = await list_in_force(db)
    refused = rule_refusal(in_force, unit, fact_keys, bundle_code)
    if refused is not None:
        purpose = rule_purpose(bundle_code)
        await require(db, in_force, unit, SubjectKind.FACT, refused[0], Action.READ, purpose)


async def rules_allowed(db: Queryable, day: date | None = None) -> Callable[[RuleView], bool]:
    """Which published rules the list in force lets run (a later list may withdraw a grant)."""
    in_force = await list_in_force(db, day)

    def allowed(rule: RuleView) -> bool:
        return (
            rule_refusal(in_force, rule.owner_unit_code, rule.fact_keys, rule.bundle_code) is None
        )

    return allowed


# --- the list as people read it --------------------------------------------------------------


@dataclass(frozen=True)
class Named:
    """A unit, item or bundle as the list names it: its code and name."""

    code: str
    name: str


@dataclass(frozen=True)
class GrantView:
    reader: Named
    items: list[Named]
    bundles: list[Named]
    welfare_check: bool
    legal_basis: str


@dataclass(frozen=True)
class EntryView:
    kind: str
    key: str
    owner: Named
    legal_basis: str
    readers: list[GrantView]


@dataclass(frozen=True)
class ListView:
    version: int
    effective_from: date
    note: str
    published_by: str | None
    published_at: datetime
    entries: list[EntryView]


async def describe(db: Queryable, sharing: SharingList) -> list[EntryView]:
    units = {u.code: u.name for u in await store.units_by_code(db)}
    items = sorted({i for e in sharing.entries for g in e.grants for i in g.items})
    bundles = sorted({b for e in sharing.entries for g in e.grants for b in g.bundles})
    names = await store.names_of(db, items, bundles)

    def unit(code: str) -> Named:
        return Named(code, units.get(code, code))

    return [
        EntryView(
            kind=e.kind.value,
            key=e.key,
            owner=unit(e.owner),
            legal_basis=e.legal_basis,
            readers=[
                GrantView(
                    reader=unit(g.reader),
                    items=[Named(c, names.get(f"item:{c}", c)) for c in sorted(g.items)],
                    bundles=[Named(c, names.get(f"bundle:{c}", c)) for c in sorted(g.bundles)],
                    welfare_check=g.welfare_check,
                    legal_basis=g.legal_basis,
                )
                for g in e.grants
            ],
        )
        for e in sharing.entries
    ]


async def sharing_list(deps: Deps, actor: Actor, *, on: date | None = None) -> ListView | None:
    """The version in force on a day (today), public: no personal data in it."""
    authorize(actor, Operation.SHARING_LIST_READ)
    async with deps.pool.acquire() as conn:
        head = await store.version_in_force(conn, on or today_local())
        if head is None:
            return None
        return await _view(conn, head)


async def sharing_list_version(deps: Deps, actor: Actor, version: int) -> ListView:
    authorize(actor, Operation.SHARING_LIST_READ)
    async with deps.pool.acquire() as conn:
        head = await store.version_by_number(conn, version)
        if head is None:
            raise NotFound("sharing.version_not_found", version=version)
        return await _view(conn, head)


async def _view(conn: Connection, head: store.ListVersionRow) -> ListView:
    loaded = await store.load_list(conn, head)
    return ListView(
        version=head.version,
        effective_from=head.effective_from,
        note=head.note,
        published_by=head.published_by,
        published_at=head.published_at,
        entries=await describe(conn, loaded),
    )


ListVersionRow = store.ListVersionRow


async def list_versions(deps: Deps, actor: Actor) -> list[ListVersionRow]:
    authorize(actor, Operation.SHARING_LIST_READ)
    return await store.versions(deps.pool)


# --- publishing --------------------------------------------------------------------------------


@dataclass
class PublishReport:
    problems: list[Problem] = field(default_factory=list)
    entries: int = 0
    grants: int = 0
    version: int | None = None
    dry_run: bool = False
    unchanged: bool = False  # the newest version already is this list, from the same date

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if not p.warning]


def clean_note(note: str) -> str:
    text = " ".join(note.split())
    if len(text) > MAX_NOTE_CHARS:
        raise InvalidInput("sharing.note_too_long", limit=MAX_NOTE_CHARS)
    return text


async def publish_in(
    conn: Connection,
    rows: Sequence[ListRow],
    *,
    effective_from: date,
    note: str,
    staff_id: int | None,
    dry_run: bool,
) -> PublishReport:
    """Check the rows against the units, items and bundles the database holds (within the
    caller's transaction, so a district import's new units count) and, unless a dry run or
    refused, write them as the next version."""
    units = await store.units_by_code(conn)
    items, bundles = await store.item_and_bundle_codes(conn)
    known = Known(frozenset(u.code for u in units), frozenset(items), frozenset(bundles))
    entries, problems = build_list(rows, known)
    report = PublishReport(
        problems=problems,
        entries=len(entries),
        grants=sum(len(e.grants) for e in entries),
        dry_run=dry_run,
    )
    if dry_run or report.errors:
        return report
    await store.lock_lists(conn)  # publishers queue: the comparison below holds until commit
    latest = await store.latest_version(conn)
    if latest is not None and latest.effective_from == effective_from:
        same = await store.load_list(conn, latest)
        if set(same.entries) == set(entries):
            report.version = latest.version  # the same list again: no new version
            report.unchanged = True
            return report
    report.version = await store.insert_version(
        conn,
        effective_from=effective_from,
        note=note,
        staff_id=staff_id,
        entries=entries,
        unit_ids={u.code: u.id for u in units},
    )
    await events.append(
        conn,
        kind="admin.sharing_list_published",
        actor_kind="staff",
        actor_id=staff_id,
        data={
            "version": report.version,
            "effective_from": effective_from.isoformat(),
            "entries": report.entries,
        },
    )
    return report


async def publish(
    deps: Deps,
    actor: Actor,
    rows: Sequence[ListRow],
    *,
    effective_from: date | None,
    note: str = "",
    dry_run: bool = False,
) -> PublishReport:
    """An admin publishes a whole new version (or checks it: a dry run reports every problem by
    line and writes nothing). All or nothing; a date in the past is refused (a version never
    rewrites what was in force)."""
    authorize(actor, Operation.SHARING_LIST_PUBLISH)
    text = clean_note(note)
    today = today_local()
    day = effective_from or today
    if day < today:
        raise InvalidInput("sharing.effective_from_past")
    async with transaction(deps.pool) as conn:
        return await publish_in(
            conn, rows, effective_from=day, note=text, staff_id=actor.staff_id, dry_run=dry_run
        )


def entries_of(sharing: SharingList | None) -> tuple[Entry, ...]:
    return sharing.entries if sharing is not None else ()
