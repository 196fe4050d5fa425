"""数据共享责任清单 over GraphQL: the public list (in force, or a version), an admin publishing a
version (or a dry run that reports by line), a citizen's view of who may use each item of their
data and who did, and a unit's clerk reading a resident's vault for a service item."""

from __future__ import annotations

from datetime import date, datetime

import strawberry

from doorstep.domain.sharing import ListRow
from doorstep.domain.vault import fact_value_json
from doorstep.graphql.context import Info
from doorstep.i18n import translate
from doorstep.mirror import GIVEN, mirror
from doorstep.services import sharing as service
from doorstep.services import sharing_reads as reads
from doorstep.services.proactive.views import show_value

MAX_ROWS_INPUT = 5000


@strawberry.type(description="A unit named by the list")
class SharingUnit:
    code: str
    name: str


@strawberry.type(description="A service item or bundle a unit may read data for")
class SharingPurpose:
    code: str
    name: str


@strawberry.type(description="A unit that may read a vault item, for what, and why")
class SharingReader:
    unit: SharingUnit
    items: list[SharingPurpose]
    bundles: list[SharingPurpose]
    welfare_check: bool = strawberry.field(description="For welfare visits (risk alerts)")
    legal_basis: str


@strawberry.type(description="One fact or document type: its owner and who may read it")
class SharingEntry:
    kind: str = strawberry.field(description="fact or document")
    key: str
    label: str
    owner: SharingUnit = strawberry.field(description="The only unit that states or corrects it")
    legal_basis: str
    readers: list[SharingReader]


@strawberry.type(description="A published version of the data-sharing responsibility list")
class SharingList:
    version: int
    effective_from: date
    note: str
    published_by: str | None
    published_at: datetime
    entries: list[SharingEntry]


@strawberry.type
class SharingListVersion:
    version: int
    effective_from: date
    note: str
    published_by: str | None
    published_at: datetime
    entries: int


def _label(kind: str, key: str, language: str) -> str:
    if kind == "document":
        return translate(f"doc_type.{key}", language)
    return translate(f"fact.{key}", language)


_unit = mirror(SharingUnit, service.Named)
_purpose = mirror(SharingPurpose, service.Named)
_reader = mirror(
    SharingReader,
    service.GrantView,
    unit=lambda g: _unit(g.reader),
    items=_purpose,
    bundles=_purpose,
)
_entry = mirror(
    SharingEntry,
    service.EntryView,
    label=GIVEN,
    owner=_unit,
    readers=_reader,
)
_list = mirror(SharingList, service.ListView, entries=GIVEN)


def entry_type(e: service.EntryView, language: str) -> SharingEntry:
    return _entry(e, label=_label(e.kind, e.key, language))


def list_type(view: service.ListView, language: str) -> SharingList:
    return _list(view, entries=[entry_type(e, language) for e in view.entries])


@strawberry.input(
    description="One line of the list: a subject and its owner (no reader: the owner's line, "
    "with the basis for keeping it); with a reader, one unit that may read it and for what"
)
class SharingRowInput:
    kind: str = strawberry.field(description="fact or document")
    key: str = strawberry.field(description="A fact key or a document type")
    owner_unit_code: str
    legal_basis: str
    reader_unit_code: str | None = None
    items: list[str] = strawberry.field(default_factory=list, description="Service item codes")
    bundles: list[str] = strawberry.field(default_factory=list, description="Bundle codes")
    welfare_check: bool = False


@strawberry.type(description="A problem (or a warning) at a line of the list; line 0: the whole")
class SharingProblem:
    line: int
    code: str
    message: str
    warning: bool


@strawberry.type
class PublishSharingListResult:
    dry_run: bool
    published: bool
    version: int | None
    entries: int
    grants: int
    problems: list[SharingProblem]


def problems_type(report: service.PublishReport, language: str) -> list[SharingProblem]:
    return [
        SharingProblem(
            line=p.line,
            code=p.code,
            message=translate("error." + p.code, language, **p.params),
            warning=p.warning,
        )
        for p in report.problems
    ]


@strawberry.type(description="Who used or read an item of your data (refused: it was refused)")
class DataItemUse:
    unit_name: str | None
    purpose: str
    application_number: str | None
    refused: bool
    at: datetime


@strawberry.type(description="An item of your data: who owns it, who may use it, who did")
class MyDataItem:
    kind: str
    key: str
    label: str
    listed: bool = strawberry.field(description="False: no unit may share it")
    owner: SharingUnit | None
    legal_basis: str | None
    readers: list[SharingReader]
    used: list[DataItemUse]


@strawberry.type
class MyDataSharing:
    version: int | None
    effective_from: date | None
    items: list[MyDataItem]


@strawberry.type(description="A vault item a unit may read for the purpose asked")
class SharedDataItem:
    kind: str
    key: str
    label: str
    value: str | None
    number_masked: str | None
    source: SharingUnit | None
    as_of: datetime | None


@strawberry.type
class ResidentDataRead:
    purpose: str
    items: list[SharedDataItem]


@strawberry.input(description="A vault item asked for: kind fact or document, and its key")
class DataItemRef:
    kind: str
    key: str


_list_version = mirror(SharingListVersion, service.ListVersionRow)
_item_use = mirror(DataItemUse, reads.UseEntry)
_shared_item = mirror(
    SharedDataItem,
    reads.SharedItem,
    label=GIVEN,
    value=GIVEN,
    source=_unit,
)


@strawberry.type
class SharingQuery:
    @strawberry.field(
        description="The data-sharing responsibility list in force on a day (default today); public"
    )
    async def sharing_list(
        self, info: Info, on: date | None = None, version: int | None = None
    ) -> SharingList | None:
        ctx = info.context
        view: service.ListView | None
        if version is not None:
            view = await service.sharing_list_version(ctx.deps, ctx.actor, version)
        else:
            view = await service.sharing_list(ctx.deps, ctx.actor, on=on)
        return list_type(view, ctx.language) if view is not None else None

    @strawberry.field(description="Every published version of the list, newest first")
    async def sharing_list_versions(self, info: Info) -> list[SharingListVersion]:
        ctx = info.context
        return [_list_version(r) for r in await service.list_versions(ctx.deps, ctx.actor)]

    @strawberry.field(
        description="Citizen: each item of their data, who may use it and who did (refused "
        "attempts too); an agent whose delegation covers every theme: the principal's"
    )
    async def my_data_sharing(self, info: Info) -> MyDataSharing:
        ctx = info.context
        mine = await reads.my_data_sharing(ctx.deps, ctx.actor)
        language = ctx.language
        items = []
        for item in mine.items:
            entry = entry_type(item.entry, language) if item.entry is not None else None
            items.append(
                MyDataItem(
                    kind=item.kind,
                    key=item.key,
                    label=_label(item.kind, item.key, language),
                    listed=entry is not None,
                    owner=entry.owner if entry else None,
                    legal_basis=entry.legal_basis if entry else None,
                    readers=entry.readers if entry else [],
                    used=[_item_use(u) for u in item.used],
                )
            )
        return MyDataSharing(version=mine.version, effective_from=mine.effective_from, items=items)

    @strawberry.field(
        description="Staff: a resident's vault items their unit may read for a service item or "
        "bundle (all it may, or those asked); outside the list refused and recorded"
    )
    async def resident_data(
        self,
        info: Info,
        resident_id: str,
        item_code: str | None = None,
        bundle_code: str | None = None,
        items: list[DataItemRef] | None = None,
    ) -> ResidentDataRead:
        ctx = info.context
        found = await reads.read_resident_data(
            ctx.deps,
            ctx.actor,
            resident_id,
            item_code=item_code,
            bundle_code=bundle_code,
            keys=[(i.kind, i.key) for i in items] if items is not None else None,
        )
        language = ctx.language
        return ResidentDataRead(
            purpose=found.purpose,
            items=[
                _shared_item(
                    i,
                    label=_label(i.kind, i.key, language),
                    value=(
                        show_value(i.key, fact_value_json(i.value), language)
                        if i.kind == "fact"
                        else None
                    ),
                )
                for i in found.items
            ],
        )


@strawberry.type
class SharingMutation:
    @strawberry.mutation(
        description="Admin: publish a whole new version of the list (dryRun: report every "
        "problem by line, write nothing); a list naming an unknown unit, fact or document type "
        "is refused"
    )
    async def publish_sharing_list(
        self,
        info: Info,
        rows: list[SharingRowInput],
        effective_from: date | None = None,
        note: str = "",
        dry_run: bool = False,
    ) -> PublishSharingListResult:
        ctx = info.context
        report = await service.publish(
            ctx.deps,
            ctx.actor,
            [
                ListRow(
                    line=n,
                    kind=r.kind.strip(),
                    key=r.key.strip(),
                    owner=r.owner_unit_code.strip(),
                    reader=(r.reader_unit_code or "").strip(),
                    items=tuple(c.strip() for c in r.items if c.strip()),
                    bundles=tuple(c.strip() for c in r.bundles if c.strip()),
                    welfare_check=r.welfare_check,
                    legal_basis=r.legal_basis,
                )
                for n, r in enumerate(rows[: MAX_ROWS_INPUT + 1], start=1)
            ],
            effective_from=effective_from,
            note=note,
            dry_run=dry_run,
        )
        return PublishSharingListResult(
            dry_run=report.dry_run,
            published=report.version is not None,
            version=report.version,
            entries=report.entries,
            grants=report.grants,
            problems=problems_type(report, ctx.language),
        )
