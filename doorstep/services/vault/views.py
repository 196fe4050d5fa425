"""What a citizen and a unit see of the vault: documents, facts, uses, corrections."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from doorstep.domain.calendar import local_date
from doorstep.store.vault import DocumentRow, UseRow
from doorstep.store.vault_corrections import CorrectionRow, UnitCorrectionRow


def today_local() -> date:
    return local_date(datetime.now().astimezone())


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
    flagged_value: Any
    note: str
    status: str
    corrected_value: Any
    resolution_note: str | None
    rerun: dict[str, Any] | None
    created_at: datetime
    resolved_at: datetime | None
    citizen_name: str | None = None
    citizen_resident_id_masked: str | None = None


@dataclass(frozen=True)
class VaultView:
    documents: list[DocumentView]
    facts: list[FactView]
    corrections: list[CorrectionView]


def document_view(row: DocumentRow) -> DocumentView:
    return DocumentView(
        id=row.id,
        doc_type=row.doc_type,
        number_masked=row.number_masked,
        issuer=row.issuer,
        valid_until=row.valid_until,
        file_ref=row.file_ref,
        file_sha256=row.file_sha256,
        source=Source(row.unit_code, row.unit_name, row.application_number),
        created_at=row.created_at,
    )


def correction_view(row: CorrectionRow) -> CorrectionView:
    return CorrectionView(
        id=row.id,
        number=row.number,
        citizen_id=row.citizen_id,
        fact_key=row.fact_key,
        unit_code=row.unit_code,
        unit_name=row.unit_name,
        flagged_value=row.flagged_value,
        note=row.note,
        status=row.status,
        corrected_value=row.corrected_value,
        resolution_note=row.resolution_note,
        rerun=row.rerun,
        created_at=row.created_at,
        resolved_at=row.resolved_at,
        citizen_name=row.citizen_name if isinstance(row, UnitCorrectionRow) else None,
        citizen_resident_id_masked=(
            row.citizen_resident_id_masked if isinstance(row, UnitCorrectionRow) else None
        ),
    )
