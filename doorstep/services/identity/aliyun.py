"""Aliyun 实人认证 (Cloudauth 2019-03-07) through its maintained Tea SDK,
alibabacloud_cloudauth20190307: InitFaceVerify starts a face check against the name and ID
number (the citizen opens CertifyUrl), DescribeFaceVerify reads the result.

The SDK's async calls run on the event loop (aiohttp), signed with ACS3-HMAC-SHA256; its own
retries stay off: a start costs money, and whether to try again is the citizen's choice.
Cloudauth answers business refusals as HTTP 200 with Code != "200".
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from alibabacloud_cloudauth20190307 import models
from alibabacloud_cloudauth20190307.client import Client
from alibabacloud_tea_openapi import utils_models
from darabonba.runtime import RuntimeOptions

from doorstep.config import IdentitySettings
from doorstep.services.identity.providers import ProviderError, Result, Started

log = logging.getLogger(__name__)


class AliyunFaceVerify:
    name = "aliyun"

    def __init__(self, settings: IdentitySettings) -> None:
        if not (settings.access_key_id and settings.access_key_secret and settings.scene_id):
            raise ValueError("Aliyun identity checks need an AccessKey id, secret and scene id")
        self._settings = settings
        self._client = Client(
            utils_models.Config(
                access_key_id=settings.access_key_id,
                access_key_secret=settings.access_key_secret,
                endpoint=settings.endpoint,
                protocol=settings.protocol,
                region_id=settings.region_id,
                connect_timeout=int(settings.connect_timeout_seconds * 1000),
                read_timeout=int(settings.read_timeout_seconds * 1000),
            )
        )

    def _runtime(self) -> RuntimeOptions:
        s = self._settings
        return RuntimeOptions(
            autoretry=False,
            connect_timeout=int(s.connect_timeout_seconds * 1000),
            read_timeout=int(s.read_timeout_seconds * 1000),
        )

    async def _call(self, action: str, call: Any) -> Any:
        """The answer's body, or ProviderError for anything but Code "200"."""
        # the SDK's timeouts bound each phase; this bounds the whole call
        limit = self._settings.connect_timeout_seconds + self._settings.read_timeout_seconds
        try:
            async with asyncio.timeout(limit):
                response = await call
        except TimeoutError:
            raise ProviderError("timeout", action) from None
        except Exception as exc:  # the SDK's own errors, aiohttp's, and answers it cannot read
            code = str(getattr(exc, "code", "") or type(exc).__name__)
            raise ProviderError(code, f"{action}: {exc}") from None
        body = getattr(response, "body", None)
        if body is None or str(body.code) != "200" or body.result_object is None:
            code = str(getattr(body, "code", "") or "no_body")
            raise ProviderError(code, f"{action}: {getattr(body, 'message', '')}")
        return body.result_object

    async def start(self, *, order_no: str, name: str, resident_id: str) -> Started:
        s = self._settings
        request = models.InitFaceVerifyRequest(
            scene_id=s.scene_id,
            outer_order_no=order_no,
            product_code=s.product_code,
            cert_type="IDENTITY_CARD",
            cert_name=name,
            cert_no=resident_id,
            return_url=s.return_url or None,
            model="LIVENESS",
        )
        found = await self._call(
            "InitFaceVerify",
            self._client.init_face_verify_with_options_async(request, self._runtime()),
        )
        certify_id = str(found.certify_id or "")
        if not certify_id:
            raise ProviderError("no_certify_id", "InitFaceVerify")
        return Started(certify_id=certify_id, certify_url=found.certify_url or None)

    async def result(self, certify_id: str) -> Result:
        request = models.DescribeFaceVerifyRequest(
            scene_id=self._settings.scene_id, certify_id=certify_id
        )
        found = await self._call(
            "DescribeFaceVerify",
            self._client.describe_face_verify_with_options_async(request, self._runtime()),
        )
        passed = found.passed
        if passed not in ("T", "F"):
            raise ProviderError("bad_answer", f"Passed={passed!r}")
        return Result(passed=passed == "T", code=str(found.sub_code or ""))

    async def close(self) -> None:
        return None
