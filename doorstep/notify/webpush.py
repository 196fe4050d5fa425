"""Web Push through pywebpush: aes128gcm payloads (RFC 8291) signed with VAPID (RFC 8292).

pywebpush posts with `requests`, which blocks, so every post runs in a bounded thread pool.
A message goes to every live subscription of the citizen (phone, tablet, computer); it counts
as sent if any push service accepted it. 404/410 mean the subscription is gone (removed);
413 and other 4xx are permanent for that subscription; 429, 5xx and network errors are worth
another try.
"""

from __future__ import annotations

import asyncio
import base64
import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid
from pywebpush import WebPushException, webpush

from doorstep.config import PushSettings
from doorstep.notify.channels import Outcome, PushAnswer, PushTarget

# the JSON we encrypt; with aes128gcm's overhead it stays well inside the 4096-byte limit
MAX_PAYLOAD_BYTES = 3000


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def new_vapid_keys() -> tuple[str, str]:
    """(private, public): the private key for VAPID_PRIVATE_KEY, the public one for browsers
    (PushManager.subscribe's applicationServerKey). Both base64url, no padding."""
    key = ec.generate_private_key(ec.SECP256R1())
    private = key.private_numbers().private_value.to_bytes(32, "big")
    return b64url(private), public_key_of(b64url(private))


def public_key_of(private: str) -> str:
    key = ec.derive_private_key(int.from_bytes(b64url_decode(private), "big"), ec.SECP256R1())
    return b64url(
        key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
    )


def valid_client_keys(p256dh: str, auth: str) -> bool:
    """A browser's subscription keys: a P-256 point (65 bytes) and a 16-byte auth secret."""
    try:
        point = b64url_decode(p256dh)
        secret = b64url_decode(auth)
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    except (ValueError, TypeError):
        return False
    return len(point) == 65 and len(secret) == 16


def fit_payload(payload: dict[str, Any]) -> str:
    """The JSON to send, with the body shortened (ending in "…") until it fits."""
    body = str(payload.get("body", ""))
    while True:
        text = json.dumps({**payload, "body": body}, ensure_ascii=False, separators=(",", ":"))
        over = len(text.encode()) - MAX_PAYLOAD_BYTES
        if over <= 0 or not body:
            return text
        plain = body.removesuffix("…")
        keep = max(0, len(plain) - max(1, over // 4) - 1)
        body = plain[:keep] + "…" if keep else ""


def classify_push(status: int | None) -> tuple[Outcome, bool]:
    """(outcome, gone) for a push service's HTTP status (None: no answer)."""
    if status in (200, 201, 202):
        return Outcome.SENT, False
    if status in (404, 410):
        return Outcome.PERMANENT, True
    if status is None or status == 429 or status >= 500:
        return Outcome.RETRY, False
    return Outcome.PERMANENT, False


class WebPushChannel:
    name = "push"

    def __init__(self, settings: PushSettings) -> None:
        if not settings.enabled:
            raise ValueError("Web Push needs a VAPID private key (doorstep vapid)")
        self._settings = settings
        self._vapid = Vapid.from_raw(settings.vapid_private_key.encode())
        self._executor = ThreadPoolExecutor(
            max_workers=max(1, settings.threads), thread_name_prefix="webpush"
        )
        self._slots = asyncio.Semaphore(max(1, settings.threads))

    @property
    def public_key(self) -> str:
        return public_key_of(self._settings.vapid_private_key)

    def _post(self, target: PushTarget, data: str, urgent: bool) -> PushAnswer:
        info = {"endpoint": target.endpoint, "keys": {"p256dh": target.p256dh, "auth": target.auth}}
        try:
            response = webpush(
                info,
                data=data,
                vapid_private_key=self._vapid,
                vapid_claims={"sub": self._settings.vapid_subject},
                content_encoding="aes128gcm",
                ttl=self._settings.ttl_seconds,
                timeout=self._settings.timeout_seconds,
                headers={"Urgency": "high" if urgent else "normal"},
            )
        except WebPushException as exc:
            status = exc.response.status_code if exc.response is not None else None
            outcome, gone = classify_push(status)
            return PushAnswer(
                target.subscription_id,
                outcome,
                status,
                gone,
                error=f"push {status}: {str(exc)[:200]}",
            )
        except requests.RequestException as exc:
            return PushAnswer(
                target.subscription_id, Outcome.RETRY, error=f"push network: {exc!r}"[:300]
            )
        assert isinstance(response, requests.Response)
        outcome, gone = classify_push(response.status_code)
        return PushAnswer(
            target.subscription_id,
            outcome,
            response.status_code,
            gone,
            location=response.headers.get("Location"),
        )

    async def send(
        self, targets: list[PushTarget], payload: dict[str, Any], *, urgent: bool = False
    ) -> list[PushAnswer]:
        data = fit_payload(payload)
        loop = asyncio.get_running_loop()

        async def one(target: PushTarget) -> PushAnswer:
            async with self._slots:
                return await loop.run_in_executor(self._executor, self._post, target, data, urgent)

        return list(await asyncio.gather(*(one(t) for t in targets)))

    async def close(self) -> None:
        await asyncio.to_thread(self._executor.shutdown, True)
