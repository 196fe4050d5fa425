"""Materials as real files, through the real endpoints: a grant, the upload (type told by the
content, size bounded, encrypted at rest, single use, short-lived), attaching it to an
application, and opening it: the owner, or a clerk of a unit the application goes to, recorded
in the citizen's "who looked at my data"; nobody else."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from doorstep.config import Settings
from doorstep.domain.files import MAX_FILE_BYTES
from doorstep.services import files
from doorstep.services.deps import Deps
from doorstep.store.db import Pool
from tests.integration.helpers import error_code, gql

GRANT = "mutation { requestUploadGrant { url token maxBytes mediaTypes } }"
SUBMIT = """mutation { submitApplication(input: {bundleCode: "newborn"}) { number } }"""
ATTACH = """mutation($n: String!, $m: String!, $f: ID!) {
  attachMaterialFile(number: $n, materialCode: $m, fileId: $f) { id materialCode sha256 url } }"""
LIST = """query($n: String!) { applicationFiles(number: $n) { id materialCode mediaType size } }"""
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(200))
PDF = b"%PDF-1.7\n" + b"1 0 obj << >> endobj\n" * 20 + b"%%EOF"

Client = AsyncTestClient[Any]


async def _grant(client: Client, token: str) -> str:
    body = await gql(client, GRANT, token=token)
    assert "errors" not in body, body
    grant: str = body["data"]["requestUploadGrant"]["token"]
    return grant


async def _upload(client: Client, grant: str, content: bytes, media: str) -> Any:
    return await client.post(
        "/files", content=content, headers={"X-Upload-Grant": grant, "Content-Type": media}
    )


async def _material(client: Client) -> str:
    """A material code the newborn bundle asks for."""
    body = await gql(client, '{ bundle(code: "newborn") { items { materials { code } } } }')
    code: str = body["data"]["bundle"]["items"][0]["materials"][0]["code"]
    return code


async def test_upload_attach_and_open_a_material(
    client: Client, tokens: dict[str, str], pool: Pool, settings: Settings
) -> None:
    grant = await _grant(client, tokens["citizen"])
    response = await _upload(client, grant, PNG, "image/png")
    assert response.status_code == 201, response.text
    stored = response.json()
    assert stored["sha256"] == hashlib.sha256(PNG).hexdigest() and stored["size"] == len(PNG)
    # encrypted at rest: the bytes on disk are not the file
    key = await pool.fetchval(
        "select storage_key from stored_files where id = $1", int(stored["fileId"])
    )
    on_disk = (Path(settings.files_dir) / key[:2] / key).read_bytes()
    assert PNG not in on_disk and len(on_disk) == len(PNG) + 12 + 16
    # the grant is spent
    again = await _upload(client, grant, PNG, "image/png")
    assert again.status_code == 409 and again.json()["code"] == "file.grant_used"

    number = (await gql(client, SUBMIT, token=tokens["citizen"]))["data"]["submitApplication"][
        "number"
    ]
    material = await _material(client)
    attach = {"n": number, "m": material, "f": stored["fileId"]}
    body = await gql(client, ATTACH, {**attach, "m": "no_such_material"}, token=tokens["citizen"])
    assert error_code(body) == "file.material_unknown"
    body = await gql(client, ATTACH, attach, token=tokens["other_citizen"])
    assert error_code(body) == "application.not_found"
    body = await gql(client, ATTACH, attach, token=tokens["citizen"])
    assert "errors" not in body, body
    [attached] = body["data"]["attachMaterialFile"]
    assert attached["url"] == f"/files/{stored['fileId']}"

    # the owner opens it; the clerk of a unit the application goes to opens it, recorded
    url = attached["url"]
    own = await client.get(url, headers={"Authorization": f"Bearer {tokens['citizen']}"})
    assert own.status_code == 200 and own.content == PNG
    assert own.headers["content-type"].startswith("image/png")
    assert own.headers["x-content-type-options"] == "nosniff"
    assert own.headers["content-disposition"].startswith("attachment")
    citizen_id = await pool.fetchval(
        "select citizen_id from stored_files where id = $1", int(stored["fileId"])
    )
    before = await pool.fetchval(
        "select count(*) from personal_data_reads where citizen_id = $1 and what = 'material_file'",
        citizen_id,
    )
    clerk = await client.get(url, headers={"Authorization": f"Bearer {tokens['staff']}"})
    assert clerk.status_code == 200 and clerk.content == PNG
    after = await pool.fetchval(
        "select count(*) from personal_data_reads where citizen_id = $1 and what = 'material_file'",
        citizen_id,
    )
    assert after == before + 1
    listed = await gql(client, LIST, {"n": number}, token=tokens["staff"])
    assert listed["data"]["applicationFiles"][0]["mediaType"] == "image/png"
    # anyone else: as if it did not exist
    for who in ("other_citizen", "other_staff"):
        refused = await client.get(url, headers={"Authorization": f"Bearer {tokens[who]}"})
        assert refused.status_code == 404 and refused.json()["code"] == "file.not_found"
    anonymous = await client.get(url)
    assert anonymous.status_code == 401
    assert (
        await client.get(
            "/files/not-a-number", headers={"Authorization": f"Bearer {tokens['citizen']}"}
        )
    ).status_code == 404


@pytest.mark.parametrize(
    ("content", "declared", "status", "code"),
    [
        (b"", "image/png", 400, "file.empty"),
        (b"MZ\x90\x00 an executable", "image/png", 400, "file.type_not_accepted"),
        (PDF, "image/jpeg", 400, "file.type_mismatch"),
        (b"\xff\xd8\xff" + bytes(MAX_FILE_BYTES), "image/jpeg", 413, None),
    ],
)
async def test_bad_uploads_are_refused_and_the_grant_kept(
    client: Client,
    tokens: dict[str, str],
    content: bytes,
    declared: str,
    status: int,
    code: str | None,
) -> None:
    grant = await _grant(client, tokens["other_citizen"])
    response = await _upload(client, grant, content, declared)
    assert response.status_code == status, response.text
    if code is not None:
        assert response.json()["code"] == code
    # nothing was stored: the same grant still takes a good file
    assert (await _upload(client, grant, PDF, "application/pdf")).status_code == 201


async def test_grants_expire_are_bounded_and_unknown_ones_refused(
    client: Client, tokens: dict[str, str], pool: Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert (await _upload(client, "made-up", PNG, "image/png")).json()["code"] == (
        "file.grant_unknown"
    )
    grant = await _grant(client, tokens["citizen"])
    await pool.execute(
        "update upload_grants set expires_at = now() - interval '1 second'"
        " where id = (select max(id) from upload_grants)"
    )
    expired = await _upload(client, grant, PNG, "image/png")
    assert expired.status_code == 409 and expired.json()["code"] == "file.grant_expired"
    # staff and the anonymous get no grant
    assert error_code(await gql(client, GRANT, token=tokens["staff"])) == "auth.forbidden"
    assert error_code(await gql(client, GRANT)) == "auth.required"

    # the scanning hook's verdict is final
    async def infected(_content: bytes, _media: str) -> bool:
        return False

    monkeypatch.setattr(files, "scanner", infected)
    grant = await _grant(client, tokens["citizen"])
    assert (await _upload(client, grant, PNG, "image/png")).json()["code"] == "file.infected"


async def test_grants_per_hour_are_limited_even_at_once(
    client: Client, pool: Pool, tokens: dict[str, str]
) -> None:
    from tests.integration.helpers import fresh_phone, login

    token = await login(client, pool, fresh_phone())
    bodies = await asyncio.gather(
        *(gql(client, GRANT, token=token) for _ in range(files.GRANTS_PER_HOUR + 5))
    )
    refused = [b for b in bodies if error_code(b) == "file.too_many_uploads"]
    assert len(refused) == 5


async def test_files_past_their_retention_are_deleted(
    client: Client, tokens: dict[str, str], pool: Pool, settings: Settings, deps: Deps
) -> None:
    """A file given only with an application refused in full long ago, and one never given
    with any: their bytes are deleted and they are served no more; a file of a live
    application stays."""
    kept: list[str] = []
    refused: list[str] = []
    loose: list[str] = []
    for bucket in (kept, refused, loose):
        grant = await _grant(client, tokens["citizen"])
        bucket.append((await _upload(client, grant, PNG, "image/png")).json()["fileId"])
    material = await _material(client)
    for bucket in (kept, refused):
        number = (await gql(client, SUBMIT, token=tokens["citizen"]))["data"]["submitApplication"][
            "number"
        ]
        body = await gql(
            client, ATTACH, {"n": number, "m": material, "f": bucket[0]}, token=tokens["citizen"]
        )
        assert "errors" not in body, body
        bucket.append(number)
    await pool.execute(
        "update applications set status = 'rejected', completed_at = now() - interval '100 days'"
        " where number = $1",
        refused[1],
    )
    await pool.execute(
        "update stored_files set created_at = now() - interval '8 days' where id = $1",
        int(loose[0]),
    )
    assert await files.purge_expired(deps) >= 2
    for file_id, present in ((kept[0], True), (refused[0], False), (loose[0], False)):
        key = await pool.fetchval(
            "select storage_key from stored_files where id = $1", int(file_id)
        )
        assert (Path(settings.files_dir) / key[:2] / key).exists() is present
        response = await client.get(
            f"/files/{file_id}", headers={"Authorization": f"Bearer {tokens['citizen']}"}
        )
        assert response.status_code == (200 if present else 404)


async def test_a_vault_document_refers_to_ones_own_uploaded_file(
    client: Client, tokens: dict[str, str]
) -> None:
    add = """mutation($r: String!, $s: String!) { addVaultDocument(input: {
      type: "id_photo", issuer: "照相馆", fileRef: $r, fileSha256: $s})
      { fileRef fileSha256 } }"""
    grant = await _grant(client, tokens["citizen"])
    stored = (await _upload(client, grant, PNG, "image/png")).json()
    ref = f"file:{stored['fileId']}"
    wrong_sha = hashlib.sha256(b"something else").hexdigest()
    body = await gql(client, add, {"r": ref, "s": wrong_sha}, token=tokens["citizen"])
    assert error_code(body) == "vault.file_sha_mismatch"
    body = await gql(client, add, {"r": ref, "s": stored["sha256"]}, token=tokens["other_citizen"])
    assert error_code(body) == "vault.file_unknown"  # not theirs
    body = await gql(client, add, {"r": ref, "s": stored["sha256"]}, token=tokens["citizen"])
    assert "errors" not in body, body
    assert body["data"]["addVaultDocument"]["fileRef"] == ref
