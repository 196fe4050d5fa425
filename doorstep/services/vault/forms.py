"""Application forms that ask only for what is missing: held or missing materials, prefill."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from doorstep.domain.calendar import today_local
from doorstep.domain.delegation import moves_money, theme_of_bundle
from doorstep.domain.errors import NotFound
from doorstep.domain.policy import Actor, Operation, Target, authorize
from doorstep.domain.sharing import Action, Purpose, SharingList, SubjectKind, decide
from doorstep.domain.vault import DocumentInput, material_source
from doorstep.services import acting, sharing
from doorstep.services.catalog import Bundle
from doorstep.services.deps import Deps
from doorstep.services.vault.documents import clean_documents, store_documents
from doorstep.services.vault.views import DocumentView, Source, document_view
from doorstep.store import vault as store
from doorstep.store.db import Connection


@dataclass(frozen=True)
class MaterialState:
    code: str
    name: str
    required: bool
    item_names: tuple[str, ...]
    unit_ids: tuple[int, ...]
    held: bool
    document: DocumentView | None = None
    fact_key: str | None = None
    fact_source: Source | None = None


@dataclass(frozen=True)
class FormView:
    bundle_code: str
    bundle_name: str
    materials: list[MaterialState]

    @property
    def missing_required(self) -> int:
        return sum(1 for m in self.materials if m.required and not m.held)


def _shared_to_all(
    in_force: SharingList | None,
    kind: SubjectKind,
    key: str,
    source_unit: str | None,
    bundle_code: str,
    refs: Sequence[tuple[str, str]],
) -> bool:
    """An item held from a unit reaches each item's unit only as the list allows (what the
    citizen provided goes with their own submission)."""
    if source_unit is None:
        return True
    return all(
        decide(in_force, unit, kind, key, Action.READ, Purpose(item=item, bundle=bundle_code))
        is None
        for item, unit in refs
    )


@dataclass(frozen=True)
class Holdings:
    """What a citizen's vault holds on a day: documents still valid, and facts."""

    documents: list[store.DocumentRow]
    facts: list[store.FactRow]


async def _holdings(conn: Connection, citizen_id: int, today: date) -> Holdings:
    return Holdings(
        await store.documents_of(conn, citizen_id, today), await store.facts_of(conn, citizen_id)
    )


# An empty vault's form depends on the bundle alone: made once per bundle object (the catalog
# makes new ones when it changes), not again on every submission of the busiest write
_UNHELD: OrderedDict[int, tuple[Bundle, tuple[MaterialState, ...]]] = OrderedDict()
UNHELD_ENTRIES = 64


async def _material_states(
    conn: Connection, holdings: Holdings, bundle: Bundle, today: date
) -> list[MaterialState]:
    """Each material of the bundle once (the one form), and whether the vault holds it (for
    every unit it goes to, as the data-sharing list allows: read only if it holds anything)."""
    if holdings.documents or holdings.facts:
        return _states(await sharing.list_in_force(conn, today), holdings, bundle)
    # the bundle is kept with its states, so its id is not reused while the entry stands
    known = _UNHELD.get(id(bundle))
    if known is None:
        known = (bundle, tuple(_states(None, holdings, bundle)))
        _UNHELD[id(bundle)] = known
        while len(_UNHELD) > UNHELD_ENTRIES:
            _UNHELD.popitem(last=False)
    return list(known[1])


def _states(
    in_force: SharingList | None, holdings: Holdings, bundle: Bundle
) -> list[MaterialState]:
    documents: dict[str, DocumentView] = {}
    for row in holdings.documents:
        documents.setdefault(row.doc_type, document_view(row))
    fact_rows = {r.key: r for r in holdings.facts}
    order: list[str] = []
    merged: dict[str, dict[str, Any]] = {}
    for item in bundle.items:
        for material in item.materials:
            entry = merged.get(material.code)
            if entry is None:
                order.append(material.code)
                entry = merged[material.code] = {
                    "name": material.name,
                    "required": False,
                    "items": [],
                    "units": [],
                    "refs": [],
                }
            entry["required"] = entry["required"] or material.required
            entry["items"].append(item.name)
            entry["refs"].append((item.code, item.unit.code))
            if item.unit.id not in entry["units"]:
                entry["units"].append(item.unit.id)
    states = []
    for code in order:
        entry = merged[code]
        refs = entry.pop("refs")
        common: dict[str, Any] = {
            "code": code,
            "name": entry["name"],
            "required": entry["required"],
            "item_names": tuple(entry["items"]),
            "unit_ids": tuple(entry["units"]),
        }
        source = material_source(code)
        if source is not None and source[0] == "document" and source[1] in documents:
            doc = documents[source[1]]
            if _shared_to_all(
                in_force,
                SubjectKind.DOCUMENT,
                doc.doc_type,
                doc.source.unit_code,
                bundle.code,
                refs,
            ):
                states.append(MaterialState(**common, held=True, document=doc))
                continue
        if source is not None and source[0] == "fact":
            hit = next(
                (
                    fact_rows[k]
                    for k in source[1].split("|")
                    if k in fact_rows
                    and fact_rows[k].flag is True
                    and _shared_to_all(
                        in_force, SubjectKind.FACT, k, fact_rows[k].unit_code, bundle.code, refs
                    )
                ),
                None,
            )
            if hit is not None:
                states.append(
                    MaterialState(
                        **common,
                        held=True,
                        fact_key=hit.key,
                        fact_source=Source(hit.unit_code, hit.unit_name),
                    )
                )
                continue
        states.append(MaterialState(**common, held=False))
    return states


async def application_form(deps: Deps, actor: Actor, bundle_code: str) -> FormView:
    """What applying for a bundle would take: every material once, held (and from where) or
    missing. Nothing is used yet, so nothing is logged."""
    citizen_id = actor.subject_citizen_id
    authorize(
        actor,
        Operation.APPLICATION_FORM_READ,
        Target(
            citizen_id=citizen_id,
            theme=theme_of_bundle(bundle_code),
            moves_money=moves_money(bundle_code),
        ),
    )
    assert citizen_id is not None
    bundle = await deps.catalog.get(deps, bundle_code)
    if bundle is None:
        raise NotFound("bundle.unknown", bundle=bundle_code[:40])
    async with deps.pool.acquire() as conn:
        today = today_local()
        states = await _material_states(
            conn, await _holdings(conn, citizen_id, today), bundle, today
        )
        await acting.record_read(deps, conn, actor, what="vault", purpose="fill_form")
    return FormView(bundle.code, bundle.name, states)


@dataclass
class Prefill:
    """What the vault supplies to one application; `log_uses` once the application exists."""

    citizen_id: int
    states: list[MaterialState]
    provided_document_ids: list[int] = field(default_factory=list)
    # the rows the states were made from (what else the submission decides from the vault)
    holdings: Holdings = field(default_factory=lambda: Holdings([], []))

    @property
    def material_codes(self) -> set[str]:
        return {m.code for m in self.states if m.held}

    @property
    def missing(self) -> list[str]:
        return [m.code for m in self.states if m.required and not m.held]

    def form_json(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for m in self.states:
            if m.document is not None:
                out.append(
                    {
                        "material": m.code,
                        "document_id": m.document.id,
                        "type": m.document.doc_type,
                        "source": m.document.source.unit_code or "citizen",
                    }
                )
            elif m.fact_key is not None:
                out.append(
                    {
                        "material": m.code,
                        "fact": m.fact_key,
                        "source": m.fact_source.unit_code if m.fact_source else None,
                    }
                )
        return out

    async def link_documents(self, conn: Connection, application_id: int) -> None:
        """The documents provided with the form name the application they came with."""
        if self.provided_document_ids:
            await store.link_documents_to_application(
                conn, self.provided_document_ids, application_id
            )

    def uses(self) -> list[dict[str, Any]]:
        """One use per receiving unit (`unit_id`, `items`): which vault items it gets; the
        submission records them with the application."""
        per_unit: dict[int, list[dict[str, Any]]] = {}
        for m in self.states:
            if m.document is not None:
                item: dict[str, Any] = {
                    "kind": "document",
                    "type": m.document.doc_type,
                    "id": m.document.id,
                    "material": m.code,
                }
            elif m.fact_key is not None:
                item = {"kind": "fact", "key": m.fact_key, "material": m.code}
            else:
                continue
            for unit_id in m.unit_ids:
                if item not in per_unit.setdefault(unit_id, []):
                    per_unit[unit_id].append(item)
        return [{"unit_id": unit_id, "items": items} for unit_id, items in per_unit.items()]


async def prefill(
    deps: Deps,
    conn: Connection,
    citizen_id: int,
    bundle: Bundle,
    documents: Sequence[DocumentInput] = (),
    *,
    vault_empty: bool = False,
) -> Prefill:
    """Inside the submission's transaction: keep the documents the citizen provided, then
    take from the vault everything it holds for the bundle. A wrong document refuses the
    whole submission (InvalidInput), so nothing is half-written. `vault_empty`: the caller
    read that the citizen holds nothing (and provides nothing), so there is nothing to read."""
    provided = await store_documents(deps, conn, citizen_id, clean_documents(documents))
    today = today_local()
    if vault_empty and not provided:
        holdings = Holdings([], [])
    else:
        holdings = await _holdings(conn, citizen_id, today)
    states = await _material_states(conn, holdings, bundle, today)
    return Prefill(
        citizen_id=citizen_id,
        states=states,
        provided_document_ids=provided,
        holdings=holdings,
    )
