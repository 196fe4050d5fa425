"""The once-only vault (一次采集、多次使用): the citizen's documents, facts and who used them;
application forms that ask only for what is missing; units' facts and data corrections."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Any, cast

import strawberry
from strawberry.scalars import JSON

from doorstep.domain.vault import DocumentInput, fact_value_json
from doorstep.graphql.context import Info
from doorstep.graphql.enums import values
from doorstep.graphql.ids import parse_id
from doorstep.i18n import translate
from doorstep.mirror import GIVEN, mirror
from doorstep.services import vault as service
from doorstep.services.proactive.views import show_value
from doorstep.services.vault.forms import MaterialState


@strawberry.type(description="Where a vault item came from")
class VaultSource:
    unit_code: str | None = strawberry.field(description="Null: the citizen provided it")
    unit_name: str | None
    label: str = strawberry.field(description="The unit's name, or 'provided by you'")
    application_number: str | None = strawberry.field(
        description="The application it was provided with, if any"
    )


_source = mirror(VaultSource, service.Source, label=GIVEN)


def source_type(source: service.Source, language: str) -> VaultSource:
    return _source(source, label=source.unit_name or translate("vault_source.citizen", language))


@strawberry.type(description="A certificate (证照) held once in the vault and reused")
class VaultDocument:
    id: strawberry.ID
    type: str
    type_label: str
    number_masked: str | None = strawberry.field(description="The number is stored encrypted")
    issuer: str
    valid_until: date | None
    file_ref: str | None
    file_sha256: str | None
    source: VaultSource
    created_at: datetime


_document = mirror(
    VaultDocument, service.DocumentView, type="doc_type", type_label=GIVEN, source=GIVEN
)


def document_type(d: service.DocumentView, language: str) -> VaultDocument:
    return _document(
        d,
        type_label=translate(f"doc_type.{d.doc_type}", language),
        source=source_type(d.source, language),
    )


@strawberry.type(description="A fact a unit holds about the citizen")
class VaultFact:
    key: str
    label: str
    value: str = strawberry.field(description="As a person reads it")
    raw_value: JSON = strawberry.field(description="true/false, a number, an ISO date or text")
    source: VaultSource
    as_of: datetime = strawberry.field(description="When the source says it held")
    open_correction: str | None = strawberry.field(
        description="Number of an open 'this is wrong' flag on it"
    )


@strawberry.type(description="A 'this data is wrong' flag and its answer from the owning unit")
class FactCorrection:
    number: str
    fact_key: str
    fact_label: str
    unit_code: str
    unit_name: str
    flagged_value: str
    note: str
    status: str
    status_label: str
    corrected_value: str | None
    resolution_note: str | None
    rerun: JSON | None = strawberry.field(
        description="Per rule that read the fact: offers created and lapsed by the re-run"
    )
    created_at: datetime
    resolved_at: datetime | None
    citizen_name: str | None = strawberry.field(description="Staff views only")
    citizen_resident_id_masked: str | None = strawberry.field(description="Staff views only")


def as_json(value: Any) -> JSON:
    """A plain value (dict, list, scalar) for a JSON field."""
    return cast(JSON, value)


def _show(key: str, value: Any, language: str) -> str:
    return show_value(key, fact_value_json(value), language)


_correction = mirror(
    FactCorrection,
    service.CorrectionView,
    fact_label=GIVEN,
    flagged_value=GIVEN,
    status_label=GIVEN,
    corrected_value=GIVEN,
    rerun=lambda c: as_json(c.rerun),
)


def correction_type(c: service.CorrectionView, language: str) -> FactCorrection:
    return _correction(
        c,
        fact_label=translate(f"fact.{c.fact_key}", language),
        flagged_value=_show(c.fact_key, c.flagged_value, language),
        status_label=translate(f"correction_status.{c.status}", language),
        corrected_value=(
            _show(c.fact_key, c.corrected_value, language)
            if c.corrected_value is not None
            else None
        ),
    )


@strawberry.type(description="One vault item a unit used")
class VaultUseItem:
    kind: str = strawberry.field(description="document or fact")
    key: str
    label: str


@strawberry.type(description="A unit used vault items for a purpose (visible to the citizen)")
class VaultUse:
    id: strawberry.ID
    unit_name: str | None
    purpose: str
    purpose_label: str
    items: list[VaultUseItem]
    application_number: str | None
    bundle_name: str | None
    rule_code: str | None
    rule_version: int | None
    rule_title: str | None
    at: datetime


def _use_item(item: dict[str, Any], language: str) -> VaultUseItem:
    if item.get("kind") == "document":
        key = str(item.get("type", ""))
        return VaultUseItem(kind="document", key=key, label=translate(f"doc_type.{key}", language))
    key = str(item.get("key", ""))
    return VaultUseItem(kind="fact", key=key, label=translate(f"fact.{key}", language))


_use = mirror(
    VaultUse, service.UseView, purpose_label=GIVEN, items=GIVEN, rule_title=GIVEN, at="created_at"
)


def use_type(u: service.UseView, language: str) -> VaultUse:
    title = None
    if u.rule_title:
        title = u.rule_title.get(language) or u.rule_title.get("zh_Hans")
    return _use(
        u,
        purpose_label=translate(f"vault_use.{u.purpose}", language),
        items=[_use_item(i, language) for i in u.used_items if isinstance(i, dict)],
        rule_title=title,
    )


def _id(raw: strawberry.ID | None) -> int | None:
    return None if raw is None else parse_id(raw, "vault.use_cursor_invalid")


@strawberry.type(description="The citizen's vault: documents, facts, flags and their uses")
class Vault:
    documents: list[VaultDocument]
    facts: list[VaultFact]
    corrections: list[FactCorrection]

    @strawberry.field(description="Who used which vault item for what, newest first")
    async def uses(
        self, info: Info, first: int = 20, before: strawberry.ID | None = None
    ) -> list[VaultUse]:
        ctx = info.context
        found = await service.my_vault_uses(ctx.deps, ctx.actor, limit=first, before_id=_id(before))
        return [use_type(u, ctx.language) for u in found]


@strawberry.type(description="A material of a bundle's form: held by the vault, or asked for")
class FormMaterial:
    code: str
    name: str
    required: bool
    held: bool
    items: list[str] = strawberry.field(description="The items of the bundle that need it")
    document: VaultDocument | None
    fact_key: str | None
    source: VaultSource | None


@strawberry.type(description="What applying for a bundle takes, each material once")
class ApplicationForm:
    bundle_code: str
    bundle_name: str
    materials: list[FormMaterial]
    missing_required: int
    to_provide: list[str] = strawberry.field(
        description="Codes of the required materials the vault does not hold"
    )


_form_material = mirror(
    FormMaterial, MaterialState, items="item_names", document=GIVEN, source=GIVEN
)


def form_type(form: service.FormView, language: str) -> ApplicationForm:
    materials = []
    for m in form.materials:
        document = document_type(m.document, language) if m.document is not None else None
        source = None
        if m.document is not None:
            source = source_type(m.document.source, language)
        elif m.fact_source is not None:
            source = source_type(m.fact_source, language)
        materials.append(_form_material(m, document=document, source=source))
    return ApplicationForm(
        bundle_code=form.bundle_code,
        bundle_name=form.bundle_name,
        materials=materials,
        missing_required=form.missing_required,
        to_provide=[m.code for m in form.materials if m.required and not m.held],
    )


@strawberry.input(description="A certificate the citizen provides; kept for every later form")
class VaultDocumentInput:
    type: str = strawberry.field(description="resident_id_card, birth_certificate, ...")
    number: str | None = None
    issuer: str | None = None
    valid_until: date | None = None
    file_ref: str | None = strawberry.field(default=None, description="Where the scan is kept")
    file_sha256: str | None = strawberry.field(default=None, description="SHA-256 of the scan, hex")

    def to_domain(self) -> DocumentInput:
        return _document_input(self)


_document_input = mirror(DocumentInput, VaultDocumentInput, doc_type="type")


@strawberry.input(description="One fact a unit states")
class FactInput:
    key: str
    value: str = strawberry.field(description="true/false, a whole number, YYYY-MM-DD or text")
    as_of: datetime | None = strawberry.field(
        default=None, description="When it held (default: now)"
    )


@strawberry.input(description="Facts about one resident, found by ID number")
class RecordFactsInput:
    resident_id: str
    facts: list[FactInput]
    source_unit_code: str | None = strawberry.field(
        default=None, description="The unit the facts come from (default: the clerk's unit)"
    )


@strawberry.type
class RecordFactsResult:
    changed: int
    rerun: JSON = strawberry.field(
        description="Per rule that reads a changed fact: offers created and lapsed for this "
        "resident"
    )


@strawberry.enum
class CorrectionStatus(Enum):
    OPEN = "open"
    CORRECTED = "corrected"
    CONFIRMED = "confirmed"


@strawberry.type
class VaultQuery:
    @strawberry.field(description="The signed-in citizen's vault")
    async def my_vault(self, info: Info) -> Vault:
        ctx = info.context
        view = await service.my_vault(ctx.deps, ctx.actor)
        language = ctx.language
        return Vault(
            documents=[document_type(d, language) for d in view.documents],
            facts=[
                VaultFact(
                    key=f.key,
                    label=translate(f"fact.{f.key}", language),
                    value=_show(f.key, f.value, language),
                    raw_value=as_json(fact_value_json(f.value)),
                    source=source_type(f.source, language),
                    as_of=f.as_of,
                    open_correction=f.open_correction,
                )
                for f in view.facts
            ],
            corrections=[correction_type(c, language) for c in view.corrections],
        )

    @strawberry.field(
        description="A bundle's form: each material once, held (with its "
        "source) or still to provide"
    )
    async def application_form(self, info: Info, bundle_code: str) -> ApplicationForm:
        ctx = info.context
        form = await service.application_form(ctx.deps, ctx.actor, bundle_code)
        return form_type(form, ctx.language)

    @strawberry.field(description="Staff: data corrections waiting on their unit (region)")
    async def fact_corrections(
        self, info: Info, statuses: list[CorrectionStatus] | None = None, first: int = 50
    ) -> list[FactCorrection]:
        ctx = info.context
        found = await service.unit_corrections(ctx.deps, ctx.actor, values(statuses), first)
        return [correction_type(c, ctx.language) for c in found]


@strawberry.type
class VaultMutation:
    @strawberry.mutation(description="Citizen: keep a certificate in the vault")
    async def add_vault_document(self, info: Info, input: VaultDocumentInput) -> VaultDocument:
        ctx = info.context
        view = await service.add_document(ctx.deps, ctx.actor, input.to_domain())
        return document_type(view, ctx.language)

    @strawberry.mutation(
        description="A unit states facts about a resident; rules that read "
        "them re-run for that resident"
    )
    async def record_facts(self, info: Info, input: RecordFactsInput) -> RecordFactsResult:
        ctx = info.context
        result = await service.record_facts(
            ctx.deps,
            ctx.actor,
            input.resident_id,
            [service.FactInput(key=f.key, value=f.value, as_of=f.as_of) for f in input.facts],
            source_unit_code=input.source_unit_code,
        )
        return RecordFactsResult(changed=result.changed, rerun=as_json(result.rerun))

    @strawberry.mutation(description="Citizen: 'this data is wrong'; the owning unit corrects it")
    async def flag_fact(self, info: Info, key: str, note: str) -> FactCorrection:
        ctx = info.context
        view = await service.flag_fact(ctx.deps, ctx.actor, key, note)
        return correction_type(view, ctx.language)

    @strawberry.mutation(
        description="Staff of the owning unit: correct the fact (the rules "
        "that read it re-run) or confirm it, with a note"
    )
    async def resolve_correction(
        self, info: Info, number: str, corrected: bool, note: str, value: str | None = None
    ) -> FactCorrection:
        ctx = info.context
        view = await service.resolve_correction(
            ctx.deps, ctx.actor, number, corrected=corrected, value=value, note=note
        )
        return correction_type(view, ctx.language)
