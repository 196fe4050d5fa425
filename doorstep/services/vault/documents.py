"""The citizen's own vault: reading it, and documents stored once for many uses."""

from __future__ import annotations

from collections.abc import Sequence

from doorstep.domain import pii
from doorstep.domain.calendar import today_local
from doorstep.domain.errors import InvalidInput
from doorstep.domain.policy import Actor, Operation, authorize_own
from doorstep.domain.vault import (
    CleanDocument,
    DocumentInput,
    DocumentType,
    clean_document,
    mask_document_number,
)
from doorstep.services import event_log, file_refs
from doorstep.services.deps import Deps
from doorstep.services.identity import binding
from doorstep.services.vault.views import (
    DocumentView,
    FactView,
    Source,
    UseView,
    VaultView,
    correction_view,
    document_view,
)
from doorstep.store import vault as store
from doorstep.store import vault_corrections as corrections_store
from doorstep.store.db import Connection, transaction

DOCUMENT_PURPOSE = b"vault_document"
MAX_DOCUMENTS_PER_REQUEST = 10


async def my_vault(deps: Deps, actor: Actor) -> VaultView:
    citizen_id = authorize_own(actor, Operation.VAULT_READ)
    async with deps.pool.acquire() as conn:
        documents = await store.documents_of(conn, citizen_id)
        facts = await store.facts_of(conn, citizen_id)
        corrections = await corrections_store.corrections_of_citizen(conn, citizen_id)
    open_by_key = {c.fact_key: c.number for c in corrections if c.status == "open"}
    return VaultView(
        documents=[document_view(r) for r in documents],
        facts=[
            FactView(
                key=r.key,
                value=store.fact_value(r),
                source=Source(r.unit_code, r.unit_name),
                as_of=r.as_of,
                open_correction=open_by_key.get(r.key),
            )
            for r in facts
        ],
        corrections=[correction_view(r) for r in corrections],
    )


async def my_vault_uses(
    deps: Deps, actor: Actor, *, limit: int = 50, before_id: int | None = None
) -> list[UseView]:
    citizen_id = authorize_own(actor, Operation.VAULT_READ)
    return await store.uses_of(deps.pool, citizen_id, max(1, min(limit, 200)), before_id)


def clean_documents(documents: Sequence[DocumentInput]) -> list[CleanDocument]:
    if len(documents) > MAX_DOCUMENTS_PER_REQUEST:
        raise InvalidInput("vault.too_many_documents", limit=MAX_DOCUMENTS_PER_REQUEST)
    today = today_local()
    return [clean_document(d, today) for d in documents]


async def store_documents(
    deps: Deps, conn: Connection, citizen_id: int, documents: Sequence[CleanDocument]
) -> list[int]:
    """Keep what the citizen provided in their vault (source: themselves)."""
    ids = []
    for doc in documents:
        await file_refs.check_reference(conn, citizen_id, doc.file_ref, doc.file_sha256)
        if doc.doc_type is DocumentType.RESIDENT_ID_CARD and doc.number is not None:
            # an ID card in the vault is the account's own, proved ID, never another's
            await binding.require_verified(deps, conn, citizen_id, doc.number)
        enc = index = masked = None
        if doc.number is not None:
            enc = pii.encrypt(doc.number, deps.settings.data_key, purpose=DOCUMENT_PURPOSE)
            index = pii.blind_index(f"{doc.doc_type.value}:{doc.number}", deps.settings.index_key)
            masked = mask_document_number(doc.number)
        ids.append(
            await store.upsert_document(
                conn,
                citizen_id=citizen_id,
                doc_type=doc.doc_type.value,
                number_enc=enc,
                number_index=index,
                number_masked=masked,
                issuer=doc.issuer,
                valid_until=doc.valid_until,
                file_ref=doc.file_ref,
                file_sha256=doc.file_sha256,
                source_unit_id=None,
                source_application_id=None,
            )
        )
    return ids


async def add_document(deps: Deps, actor: Actor, document: DocumentInput) -> DocumentView:
    """The citizen puts a document in their vault, to be reused by every later form."""
    citizen_id = authorize_own(actor, Operation.VAULT_WRITE)
    clean = clean_documents([document])
    async with transaction(deps.pool) as conn:
        [doc_id] = await store_documents(deps, conn, citizen_id, clean)
        await event_log.by_citizen(
            conn, citizen_id, "vault.document_added", {"type": clean[0].doc_type.value}
        )
        rows = await store.documents_of(conn, citizen_id)
    return next(document_view(r) for r in rows if r.id == doc_id)
