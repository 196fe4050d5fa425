"""Material files in Alibaba Cloud OSS: the real SDK (alibabacloud-oss-v2) over real HTTP
against the project's fake OSS (tests/fakes/aliyun_oss.py), which checks each request's V4
signature and fails, delays or drops on demand.

What must hold whatever the store does: the bucket holds ciphertext only; a failed or timed-out
put leaves no row (the grant stays unspent, the citizen simply tries again); a row is never
served from a missing object as if it were a file; retention deletes can fail and be run again.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from doorstep.api.app import create_app
from doorstep.config import FileStorageSettings, Settings
from doorstep.observability.metrics import FILE_STORE_FAILURES
from doorstep.services import files
from doorstep.services.deps import Deps
from doorstep.store.db import Pool
from doorstep.store.objects import ObjectMissing, StoreUnavailable
from doorstep.store.oss import OssStore
from tests.fakes.aliyun_oss import FAKE_BUCKET, FAKE_KEY_ID, FAKE_KEY_SECRET, FAKE_REGION, FakeOss
from tests.integration.helpers import gql

GRANT = "mutation { requestUploadGrant { token } }"
SUBMIT = """mutation { submitApplication(input: {bundleCode: "newborn"}) { number } }"""
ATTACH = """mutation($n: String!, $m: String!, $f: ID!) {
  attachMaterialFile(number: $n, materialCode: $m, fileId: $f) { id } }"""
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(200)) * 3
ATTEMPTS = 2
# what each fault is counted as (doorstep_file_store_failures_total's reason)
REASONS = {"server_error": "500 InternalError", "timeout": "timeout", "dropped": "RequestError"}
KEY = "0123456789abcdef0123456789abcdef"

Client = AsyncTestClient[Any]


@pytest.fixture(scope="module")
def fake_oss() -> Iterator[FakeOss]:
    fake = FakeOss()
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture(autouse=True)
def _no_faults_left(fake_oss: FakeOss) -> Iterator[None]:
    yield
    fake_oss.clear_faults()
    fake_oss.access_keys[FAKE_KEY_ID] = FAKE_KEY_SECRET


def _oss(fake: FakeOss, **changes: Any) -> FileStorageSettings:
    base = FileStorageSettings(
        kind="oss",
        oss_bucket=FAKE_BUCKET,
        oss_region=FAKE_REGION,
        oss_endpoint=fake.endpoint,
        oss_access_key_id=FAKE_KEY_ID,
        oss_access_key_secret=FAKE_KEY_SECRET,
        connect_timeout_seconds=1,
        read_timeout_seconds=0.5,
        attempts=ATTEMPTS,
        call_timeout_seconds=10,
    )
    return dataclasses.replace(base, **changes)


@pytest.fixture(scope="module")
def oss_settings(settings: Settings, fake_oss: FakeOss) -> Settings:
    # no folder: were the disk store used by mistake, uploads would be refused outright
    return dataclasses.replace(settings, files_dir="", file_storage=_oss(fake_oss))


@pytest.fixture(scope="module")
async def oss_client(oss_settings: Settings) -> AsyncIterator[Client]:
    async with AsyncTestClient(app=create_app(oss_settings)) as c:
        yield c


@pytest.fixture
async def oss_deps(pool: Pool, oss_settings: Settings) -> AsyncIterator[Deps]:
    deps = Deps(pool=pool, settings=oss_settings)
    yield deps
    await files.close_objects(deps)


async def _upload(client: Client, token: str, grant: str | None = None) -> tuple[str, Any]:
    if grant is None:
        body = await gql(client, GRANT, token=token)
        grant = str(body["data"]["requestUploadGrant"]["token"])
    response = await client.post(
        "/files",
        content=PNG,
        headers={"X-Upload-Grant": grant, "Content-Type": "image/png", "Accept-Language": "zh-CN"},
    )
    return grant, response


async def _rows(pool: Pool) -> int:
    return int(await pool.fetchval("select count(*) from stored_files"))


async def _every_row_has_its_object(pool: Pool, fake: FakeOss) -> None:
    keys = await pool.fetch("select storage_key from stored_files where deleted_at is null")
    names = {f"materials/{r['storage_key']}" for r in keys}
    held = set(fake.objects)
    # rows of the other tests' local-disk store are not in the bucket; ours all are
    ours = {n for n in names if n in held}
    assert ours == {n for n in held if n in names}


async def test_the_store_puts_gets_and_deletes_through_the_sdk(fake_oss: FakeOss) -> None:
    store = OssStore(_oss(fake_oss))
    try:
        await store.put(KEY, b"sealed bytes \x00\xff" * 100)
        assert fake_oss.objects[f"materials/{KEY}"] == b"sealed bytes \x00\xff" * 100
        assert await store.get(KEY) == b"sealed bytes \x00\xff" * 100
        await store.delete(KEY)
        await store.delete(KEY)  # a key already gone: no error
        assert f"materials/{KEY}" not in fake_oss.objects
        with pytest.raises(ObjectMissing):
            await store.get(KEY)
        with pytest.raises(ValueError):
            await store.put("../../etc/passwd", b"x")
    finally:
        await store.close()


async def test_a_wrong_signature_is_refused_by_the_fake(fake_oss: FakeOss) -> None:
    """The fake recomputes the signature: a wrong secret is refused (403), nothing is stored,
    and the SDK's refusal surfaces as the store being unavailable, with the reason."""
    store = OssStore(_oss(fake_oss, oss_access_key_secret="not-the-secret"))
    before = len(fake_oss.calls_of("PutObject"))
    try:
        with pytest.raises(StoreUnavailable) as refused:
            await store.put(KEY, b"x")
        assert refused.value.reason == "403 SignatureDoesNotMatch"
        assert fake_oss.calls_of("PutObject")[before:] == [403]
        assert f"materials/{KEY}" not in fake_oss.objects
    finally:
        await store.close()
    unknown = OssStore(_oss(fake_oss, oss_access_key_id="LTAI-nobody"))
    try:
        with pytest.raises(StoreUnavailable) as refused:
            await unknown.get(KEY)
        assert refused.value.reason == "403 InvalidAccessKeyId"
    finally:
        await unknown.close()


async def test_an_upload_lands_in_the_bucket_sealed_and_opens_again(
    oss_client: Client, tokens: dict[str, str], pool: Pool, fake_oss: FakeOss
) -> None:
    _, response = await _upload(oss_client, tokens["citizen"])
    assert response.status_code == 201, response.text
    stored = response.json()
    assert stored["sha256"] == hashlib.sha256(PNG).hexdigest()
    key = await pool.fetchval(
        "select storage_key from stored_files where id = $1", int(stored["fileId"])
    )
    sealed = fake_oss.objects[f"materials/{key}"]
    # ciphertext only: nonce + AES-GCM, the file's bytes nowhere in it
    assert len(sealed) == len(PNG) + 12 + 16 and PNG[16:80] not in sealed
    opened = await oss_client.get(
        f"/files/{stored['fileId']}", headers={"Authorization": f"Bearer {tokens['citizen']}"}
    )
    assert opened.status_code == 200 and opened.content == PNG


@pytest.mark.parametrize("fault", ["server_error", "timeout", "dropped"])
async def test_a_failing_store_refuses_the_upload_and_keeps_the_grant(
    fault: str, oss_client: Client, tokens: dict[str, str], pool: Pool, fake_oss: FakeOss
) -> None:
    """OSS answering 500 (on every try), answering too late, or cutting the connection: the
    citizen gets 503 file.storage_unavailable in their language, no row is written, and the
    same grant works once OSS is back."""
    rows_before = await _rows(pool)
    if fault == "server_error":
        fake_oss.answer_next("PutObject", "InternalError", http_status=500, times=ATTEMPTS)
    elif fault == "timeout":
        fake_oss.delay_next("PutObject", 1.5, times=ATTEMPTS)
    else:
        fake_oss.drop_next("PutObject", times=ATTEMPTS)
    failures = FILE_STORE_FAILURES.labels("put", REASONS[fault])
    before = failures._value.get()
    grant, response = await _upload(oss_client, tokens["citizen"])
    assert response.status_code == 503, response.text
    assert failures._value.get() == before + 1
    assert response.json() == {
        "code": "file.storage_unavailable",
        "message": "文件存储暂时无法连接，本次未保存，请几分钟后再试。",
    }
    assert await _rows(pool) == rows_before
    fake_oss.clear_faults()
    _, again = await _upload(oss_client, tokens["citizen"], grant)
    assert again.status_code == 201, again.text
    await _every_row_has_its_object(pool, fake_oss)


async def test_opening_a_file_the_store_cannot_give(
    oss_client: Client, tokens: dict[str, str], pool: Pool, fake_oss: FakeOss
) -> None:
    _, response = await _upload(oss_client, tokens["citizen"])
    file_id = response.json()["fileId"]
    auth = {"Authorization": f"Bearer {tokens['citizen']}", "Accept-Language": "en"}
    fake_oss.answer_next("GetObject", "InternalError", http_status=503, times=ATTEMPTS)
    down = await oss_client.get(f"/files/{file_id}", headers=auth)
    assert down.status_code == 503 and down.json()["code"] == "file.storage_unavailable"
    assert down.json()["message"].startswith("The file store cannot be reached")
    # the object gone behind the service's back: said so, never served as something else
    key = await pool.fetchval("select storage_key from stored_files where id = $1", int(file_id))
    del fake_oss.objects[f"materials/{key}"]
    gone = await oss_client.get(f"/files/{file_id}", headers=auth)
    assert gone.status_code == 404 and gone.json() == {
        "code": "file.content_missing",
        "message": "This file's content can no longer be read; please upload it again.",
    }


async def test_retention_deletes_survive_a_failing_store_and_run_again(
    oss_client: Client, tokens: dict[str, str], pool: Pool, fake_oss: FakeOss, oss_deps: Deps
) -> None:
    """A file past its retention: while OSS refuses the delete the row stays unmarked (and is
    still served); once OSS answers it is deleted; a further run and an object already gone
    are no error."""
    loose: list[str] = []
    for _ in range(2):
        _, response = await _upload(oss_client, tokens["citizen"])
        loose.append(response.json()["fileId"])
    await pool.execute(
        "update stored_files set created_at = now() - interval '8 days' where id = any($1)",
        [int(i) for i in loose],
    )
    keys = {
        i: await pool.fetchval("select storage_key from stored_files where id = $1", int(i))
        for i in loose
    }
    fake_oss.answer_next("DeleteObject", "InternalError", http_status=500, times=ATTEMPTS * 50)
    await files.purge_expired(oss_deps)
    for i in loose:
        assert (
            await pool.fetchval("select deleted_at from stored_files where id = $1", int(i)) is None
        )
        assert f"materials/{keys[i]}" in fake_oss.objects
    fake_oss.clear_faults()
    # one object already gone (a run cut short after OSS deleted it): still no error
    del fake_oss.objects[f"materials/{keys[loose[0]]}"]
    assert await files.purge_expired(oss_deps) >= 2
    for i in loose:
        assert await pool.fetchval("select deleted_at from stored_files where id = $1", int(i))
        assert f"materials/{keys[i]}" not in fake_oss.objects
        response = await oss_client.get(
            f"/files/{i}", headers={"Authorization": f"Bearer {tokens['citizen']}"}
        )
        assert response.status_code == 404
    await files.purge_expired(oss_deps)
