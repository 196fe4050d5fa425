"""What a citizen and a unit see of the vault: documents, facts, uses, corrections."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from doorstep.mirror import mirror
from doorstep.store.rows import Json
from doorstep.store.vault import DocumentRow, UseRow
from doorstep.store.vault_corrections import CorrectionRow, UnitCorrectionRow


@dataclass(frozen=True)
class Source:
    """Where a vault item came from: a unit, or the citizen (with an application)."""

    unit_code: str | None
    unit_name: str | None
    application_number: str | None = None


@dataclass(frozen=True)
class DocumentView:
    id: int
    doc_type: str
    number_masked: str | None
    issuer: str
    valid_until: date | None
    file_ref: str | None
    file_sha256: str | None
    source: Source
    created_at: datetime


@dataclass(frozen=True)
class FactView:
    key: str
    value: bool | int | date | str | None
    source: Source
    as_of: datetime
    open_correction: str | None  # the number of an open "this is wrong" flag


# a use of the vault as the citizen reads it: the store's row
UseView = UseRow


@dataclass(frozen=True)
class CorrectionView:
    id: int
    number: str
    citizen_id: int
    fact_key: str
    unit_code: str
    unit_name: str
    flagged_value: Json
    note: str
    status: str
    corrected_value: Json
    resolution_note: str | None
    rerun: dict[str, Json] | None
    created_at: datetime
    resolved_at: datetime | None
    citizen_name: str | None = None
    citizen_resident_id_masked: str | None = None


@dataclass(frozen=True)
class VaultView:
    documents: list[DocumentView]
    facts: list[FactView]
    corrections: list[CorrectionView]


document_view = mirror(
    DocumentView,
    DocumentRow,
    source=lambda r: Source(r.unit_code, r.unit_name, r.application_number),
)
# a unit's staff read whose fact it is; the citizen's own rows have no such columns
_unit_correction = mirror(CorrectionView, UnitCorrectionRow)
_correction = mirror(
    CorrectionView,
    CorrectionRow,
    citizen_name=lambda r: None,
    citizen_resident_id_masked=lambda r: None,
)


def correction_view(row: CorrectionRow) -> CorrectionView:
    if isinstance(row, UnitCorrectionRow):
        return _unit_correction(row)
    return _correction(row)
