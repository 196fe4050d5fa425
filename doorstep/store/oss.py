"""Material files in Alibaba Cloud OSS, through Alibaba's maintained V2 SDK
(alibabacloud-oss-v2): its asyncio client (aiohttp) on the event loop, requests signed with
OSS's V4 signature (OSS4-HMAC-SHA256), which the older `oss2` package does not use by default
and which OSS asks of new buckets.

Objects are `<prefix><key>` in one bucket; what is put is already sealed by services/files.py,
so the bucket holds ciphertext only (server-side encryption, if the bucket has it, is a second
layer, not the one relied on). The SDK retries a failed put, get or delete (each is idempotent
under our random keys) up to `attempts` times in all, and the whole call is bounded too: an
answer that never comes surfaces as `StoreUnavailable("timeout")`, never as a hang.
"""

from __future__ import annotations

import asyncio
import logging

import alibabacloud_oss_v2 as oss
from alibabacloud_oss_v2.aio import AsyncClient

from doorstep.config import FileStorageSettings
from doorstep.store.objects import ObjectMissing, StoreUnavailable, check_key

log = logging.getLogger(__name__)


def _transport_reason(error: BaseException) -> str:
    """ "timeout" when a timeout lies anywhere in the SDK's chain of wrapped errors."""
    seen: BaseException | None = error
    for _ in range(8):
        if seen is None:
            break
        if isinstance(seen, TimeoutError):
            return "timeout"
        inner = getattr(seen, "_error", None)
        seen = inner if isinstance(inner, BaseException) else seen.__cause__ or seen.__context__
    return type(error).__name__


class OssStore:
    def __init__(self, settings: FileStorageSettings) -> None:
        if not (
            settings.oss_bucket
            and settings.oss_region
            and settings.oss_access_key_id
            and settings.oss_access_key_secret
        ):
            raise ValueError("OSS needs a bucket, a region and an AccessKey id and secret")
        self._settings = settings
        config = oss.config.Config(
            region=settings.oss_region,
            endpoint=settings.oss_endpoint or None,
            credentials_provider=oss.credentials.StaticCredentialsProvider(
                settings.oss_access_key_id, settings.oss_access_key_secret
            ),
            connect_timeout=settings.connect_timeout_seconds,
            readwrite_timeout=settings.read_timeout_seconds,
            retry_max_attempts=max(1, settings.attempts),
        )
        self._client = AsyncClient(config)
        self._bucket = settings.oss_bucket

    def _name(self, key: str) -> str:
        return f"{self._settings.oss_prefix}{check_key(key)}"

    async def _call(self, action: str, call: object) -> object:
        try:
            async with asyncio.timeout(self._settings.call_timeout_seconds):
                return await call  # type: ignore[misc]
        except TimeoutError:
            raise StoreUnavailable("timeout") from None
        except oss.exceptions.OperationError as exc:
            cause = exc.unwrap()
            if isinstance(cause, oss.exceptions.ServiceError):
                if cause.code == "NoSuchKey":
                    raise ObjectMissing(action) from None
                reason = f"{cause.status_code} {cause.code}"
            else:
                reason = _transport_reason(cause)
            log.warning("OSS %s failed: %s", action, reason)
            raise StoreUnavailable(reason) from None
        except oss.exceptions.BaseError as exc:
            log.warning("OSS %s failed: %s", action, type(exc).__name__)
            raise StoreUnavailable(type(exc).__name__) from None

    async def put(self, key: str, data: bytes) -> None:
        request = oss.models.PutObjectRequest(
            bucket=self._bucket,
            key=self._name(key),
            body=data,
            content_type="application/octet-stream",
        )
        await self._call("PutObject", self._client.put_object(request))

    async def get(self, key: str) -> bytes:
        request = oss.models.GetObjectRequest(bucket=self._bucket, key=self._name(key))
        result = await self._call("GetObject", self._client.get_object(request))
        body = getattr(result, "body", None)
        if body is None:
            raise StoreUnavailable("no_body")
        return bytes(body.content)

    async def delete(self, key: str) -> None:
        # OSS answers 204 for a key that is not there: deleting twice is no error
        request = oss.models.DeleteObjectRequest(bucket=self._bucket, key=self._name(key))
        await self._call("DeleteObject", self._client.delete_object(request))

    async def close(self) -> None:
        await self._client.close()
