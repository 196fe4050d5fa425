"""A vault document's scan given as one of the citizen's uploaded files ("file:<id>"): it must
be theirs, kept, and the very file the SHA-256 names."""

from __future__ import annotations

from doorstep.domain.errors import InvalidInput
from doorstep.store import files as store
from doorstep.store.db import Connection

FILE_REF_PREFIX = "file:"


async def check_reference(
    conn: Connection, citizen_id: int, file_ref: str | None, sha256: str | None
) -> None:
    """Nothing to check for a reference of another kind (a scan kept elsewhere)."""
    if file_ref is None or not file_ref.startswith(FILE_REF_PREFIX):
        return
    raw = file_ref.removeprefix(FILE_REF_PREFIX)
    found = await store.get_file(conn, int(raw)) if raw.isdigit() and len(raw) < 19 else None
    if found is None or found.citizen_id != citizen_id:
        raise InvalidInput("vault.file_unknown")
    if sha256 != found.sha256:
        raise InvalidInput("vault.file_sha_mismatch")
