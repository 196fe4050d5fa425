"""Materials as real files: upload grants, the upload itself, attaching a file to an
application, and opening one.

A citizen asks for a grant (`GRANT_MINUTES`, single use, `GRANTS_PER_HOUR` at most) and puts
the bytes with it. The content decides the type (domain/files.py), the scanning hook must pass
it, and it is kept encrypted (AES-GCM with the data key, the object key as associated data) in
the object store under a random key, with its SHA-256. A clerk opens a file only here: through
an application they may read, recorded in the citizen's "who looked at my data".
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from doorstep.domain.errors import Conflict, InvalidInput, NotFound, RateLimited, Unavailable
from doorstep.domain.files import MAX_FILE_BYTES, MEDIA_TYPES, check_upload
from doorstep.domain.policy import Actor, Operation, authorize_own, require_signed_in
from doorstep.observability.metrics import FILE_STORE_FAILURES
from doorstep.services import applications, privacy
from doorstep.services.deps import Deps
from doorstep.store import files as store
from doorstep.store.db import transaction
from doorstep.store.files import AttachedFileRow, FileRow
from doorstep.store.objects import LocalDiskStore, ObjectMissing, ObjectStore, StoreUnavailable
from doorstep.store.oss import OssStore

log = logging.getLogger(__name__)

GRANT_MINUTES = 10
GRANTS_PER_HOUR = 30
# retention: files of applications refused in full, and files never given with one
REFUSED_RETENTION_DAYS = 90
UNATTACHED_RETENTION_DAYS = 7
PURGE_BATCH = 500

# the virus-scanning hook: True when the content is clean. Deployments set `scanner` to their
# scanner's client (ClamAV's clamd, a cloud scanning API); the default passes everything.
Scanner = Callable[[bytes, str], Awaitable[bool]]


async def _pass_all(_content: bytes, _media_type: str) -> bool:
    return True


scanner: Scanner = _pass_all

# what the API shows: the rows as read (typed, read-only)
StoredFile = FileRow
AttachedFile = AttachedFileRow


@dataclass(frozen=True)
class UploadGrant:
    token: str
    expires_at: datetime
    max_bytes: int
    media_types: tuple[str, ...]


STORAGE_UNAVAILABLE = "file.storage_unavailable"


def storage_configured(deps: Deps) -> bool:
    return deps.settings.file_storage.kind == "oss" or bool(deps.settings.files_dir)


def objects(deps: Deps) -> ObjectStore:
    """This process's object store (OSS or a folder), made on first use."""
    if deps.object_store is None:
        if deps.settings.file_storage.kind == "oss":
            deps.object_store = OssStore(deps.settings.file_storage)
        elif deps.settings.files_dir:
            deps.object_store = LocalDiskStore(deps.settings.files_dir)
        else:
            raise Unavailable("file.storage_not_configured")
    return deps.object_store


async def close_objects(deps: Deps) -> None:
    store_to, deps.object_store = deps.object_store, None
    if store_to is not None:
        await store_to.close()


async def _forget(store_to: ObjectStore, key: str) -> None:
    """Best effort after a failed upload: an object a timed-out put may still have written, or
    one whose row was never committed. Left behind it is never served (no row names it)."""
    try:
        await store_to.delete(key)
    except StoreUnavailable:
        log.warning("object %s… of a failed upload left in the store", key[:6])


def _grant_hash(token: str) -> bytes:
    return hashlib.sha256(b"upload:" + token.encode()).digest()


async def grant_upload(deps: Deps, actor: Actor) -> UploadGrant:
    """A citizen may put one file within the next minutes."""
    citizen_id = authorize_own(actor, Operation.VAULT_WRITE)
    objects(deps)  # no grant for a store that is not there
    token = secrets.token_urlsafe(32)
    expires_at = datetime.now(UTC) + timedelta(minutes=GRANT_MINUTES)
    async with transaction(deps.pool) as conn:
        if await store.grants_last_hour(conn, citizen_id) >= GRANTS_PER_HOUR:
            raise RateLimited("file.too_many_uploads", limit=GRANTS_PER_HOUR)
        await store.insert_grant(conn, _grant_hash(token), citizen_id, expires_at)
    return UploadGrant(token, expires_at, MAX_FILE_BYTES, MEDIA_TYPES)


async def receive(deps: Deps, token: str, declared_type: str | None, content: bytes) -> FileRow:
    """The upload a grant allows: checked, scanned, encrypted, stored; the grant is spent."""
    media_type = check_upload(content, declared_type)
    store_to = objects(deps)
    written: str | None = None
    try:
        async with transaction(deps.pool) as conn:
            grant = await store.lock_grant(conn, _grant_hash(token)) if token else None
            if grant is None:
                raise NotFound("file.grant_unknown")
            if grant.used_at is not None:
                raise Conflict("file.grant_used")
            if grant.expires_at <= datetime.now(UTC):
                raise Conflict("file.grant_expired")
            if not await scanner(content, media_type):
                raise InvalidInput("file.infected")
            key = secrets.token_hex(16)
            nonce = os.urandom(12)
            sealed = nonce + AESGCM(deps.settings.data_key).encrypt(nonce, content, key.encode())
            # written before the row, and the row only once the store holds the object: a
            # failed write leaves the grant unspent and no row pointing at nothing
            written = key
            try:
                await store_to.put(key, sealed)
            except StoreUnavailable as exc:
                FILE_STORE_FAILURES.labels("put", exc.reason[:40]).inc()
                raise Unavailable(STORAGE_UNAVAILABLE) from None
            row = await store.insert_file(
                conn,
                grant_id=grant.id,
                citizen_id=grant.citizen_id,
                media_type=media_type,
                size_bytes=len(content),
                sha256=hashlib.sha256(content).hexdigest(),
                storage_key=key,
                scan_status="clean",
            )
    except BaseException:
        if written is not None:  # a put that may have landed, with no committed row
            await _forget(store_to, written)
        raise
    return row


async def attach(
    deps: Deps, actor: Actor, raw_number: str, material_code: str, file_id: int
) -> list[AttachedFileRow]:
    """The citizen (or their agent, within the delegation's themes) gives an uploaded file as
    one of the application's materials."""
    number = applications.parse_number(raw_number)
    require_signed_in(actor)
    async with transaction(deps.pool) as conn:
        application = await applications.lock_for_citizen_act(
            conn, actor, number, Operation.MATERIALS_SUPPLY
        )
        found = await store.get_file(conn, file_id)
        # someone else's file is one that does not exist
        if found is None or found.citizen_id != application.citizen_id:
            raise NotFound("file.not_found")
        bundle = await deps.catalog.get(deps, application.bundle_code)
        codes = {m.code for item in bundle.items for m in item.materials} if bundle else set()
        if material_code not in codes:
            raise InvalidInput("file.material_unknown")
        await store.attach(conn, application.id, material_code, file_id)
        return await store.attached_to(conn, application.id)


async def attached(deps: Deps, actor: Actor, raw_number: str) -> list[AttachedFileRow]:
    """The files given with an application; a clerk's read is recorded as any other."""
    view = await applications.get_application(deps, actor, raw_number, purpose="check_materials")
    return await store.attached_to(deps.pool, view.id)


async def open_file(deps: Deps, actor: Actor, file_id: int) -> tuple[FileRow, bytes]:
    """The file's bytes for its owner, or for staff who may read an application it was given
    with (recorded for the citizen); to anyone else it does not exist."""
    require_signed_in(actor)
    found = await store.get_file(deps.pool, file_id)
    if found is None or found.scan_status != "clean":
        raise NotFound("file.not_found")
    if actor.citizen_id != found.citizen_id:
        if not actor.is_staff_side:
            raise NotFound("file.not_found")
        for number in await store.applications_of_file(deps.pool, file_id):
            try:
                await applications.get_application(deps, actor, number, purpose="check_materials")
            except NotFound:
                continue
            await privacy.record_staff_read(
                deps.pool, actor, found.citizen_id, what="material_file", purpose="check_materials"
            )
            break
        else:
            raise NotFound("file.not_found")
    try:
        sealed = await objects(deps).get(found.storage_key)
    except StoreUnavailable as exc:
        FILE_STORE_FAILURES.labels("get", exc.reason[:40]).inc()
        raise Unavailable(STORAGE_UNAVAILABLE) from None
    except ObjectMissing:
        # a row whose object is gone: nothing the reader can do but ask for the file again
        log.error("file %s: its object is missing from the store", found.id)
        raise NotFound("file.content_missing") from None
    content = AESGCM(deps.settings.data_key).decrypt(
        sealed[:12], sealed[12:], found.storage_key.encode()
    )
    return found, content


async def purge_expired(deps: Deps) -> int:
    """Delete files past their retention (worker cron): the object first, then the row is
    marked, so a file is never served once its bytes may be gone. Returns how many.

    Each file is marked and its object deleted in one transaction: when the store fails, the
    mark is rolled back and the next run tries again (deleting an object already gone is no
    error), so a run cut short anywhere leaves nothing to mend by hand."""
    if not storage_configured(deps):
        return 0
    store_to = objects(deps)
    expired = await store.expired_files(
        deps.pool, REFUSED_RETENTION_DAYS, UNATTACHED_RETENTION_DAYS, PURGE_BATCH
    )
    done = 0
    for row in expired:
        try:
            async with transaction(deps.pool) as conn:
                await store.mark_deleted(conn, row.id)
                await store_to.delete(row.storage_key)
        except StoreUnavailable as exc:
            FILE_STORE_FAILURES.labels("delete", exc.reason[:40]).inc()
            log.warning("retention: the store refused a delete (%s); next run goes on", exc.reason)
            break
        done += 1
    return done
