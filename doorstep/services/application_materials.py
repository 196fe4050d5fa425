"""What a clerk checks on an application: each material its items ask for, whether the form or
the vault supplied it, and from where."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from doorstep.domain.errors import NotFound
from doorstep.domain.policy import Actor
from doorstep.services import applications
from doorstep.services.deps import Deps
from doorstep.store import applications as store


@dataclass(frozen=True)
class MaterialView:
    item_name: str
    code: str
    name: str
    required: bool
    provided: bool
    # the unit whose record supplied it (a vault document or fact), "citizen" for one the
    # citizen keeps, None when the form only ticked it
    source: str | None


async def application_materials(deps: Deps, actor: Actor, raw_number: str) -> list[MaterialView]:
    # authorizes as any read of the application does, and records the read for the citizen
    view = await applications.get_application(deps, actor, raw_number, purpose="check_materials")
    row = await store.by_number(deps.pool, view.number)
    bundle = await deps.catalog.get(deps, view.bundle_code)
    if row is None or bundle is None:
        raise NotFound("application.not_found")
    form = _form(row.form)
    ticked = set(form.get("materials") or [])
    sources = {entry.get("material"): entry.get("source") for entry in form.get("vault") or []}
    return [
        MaterialView(
            item_name=item.name,
            code=m.code,
            name=m.name,
            required=m.required,
            provided=m.code in ticked or m.code in sources,
            source=sources.get(m.code),
        )
        for item in bundle.items
        for m in item.materials
    ]


def _form(raw: Any) -> dict[str, Any]:
    value = json.loads(raw) if isinstance(raw, str) else raw
    return value if isinstance(value, dict) else {}
