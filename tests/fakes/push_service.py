"""A fake Web Push service (RFC 8030) on 127.0.0.1, and a fake browser to decrypt with.

The service checks what a real one checks before it accepts a push: the VAPID token
(RFC 8292: an ES256 JWT whose `aud` is this service's origin, `exp` within 24 hours, a `sub`,
signed by the key in `k`), a TTL header and aes128gcm content coding with a body of at most
4096 bytes. It keeps every push it accepted, encrypted, for the test to decrypt as the browser
would (RFC 8291), and can be told to answer any status (410 Gone, 429, 500...).
"""

from __future__ import annotations

import base64
import json
import os
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from tests.fakes.local_http import serve, shut_down


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class FakeBrowser:
    """A browser's push subscription: its ECDH key pair and auth secret."""

    def __init__(self) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.auth = os.urandom(16)

    @property
    def p256dh(self) -> str:
        return b64url(
            self.key.public_key().public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
            )
        )

    @property
    def auth_secret(self) -> str:
        return b64url(self.auth)

    def decrypt(self, body: bytes) -> dict[str, Any]:
        plain = http_ece.decrypt(
            body, private_key=self.key, auth_secret=self.auth, version="aes128gcm"
        )
        payload: dict[str, Any] = json.loads(plain)
        return payload


@dataclass
class ReceivedPush:
    name: str
    headers: dict[str, str]
    body: bytes
    claims: dict[str, Any]


def verify_vapid(authorization: str, origin: str) -> dict[str, Any]:
    """The claims of a valid `vapid t=...,k=...` header; ValueError if anything is off."""
    scheme, _, rest = authorization.partition(" ")
    if scheme.lower() != "vapid":
        raise ValueError("not a vapid authorization")
    parts = dict(p.strip().split("=", 1) for p in rest.split(","))
    token, key = parts["t"], parts["k"]
    header_b64, claims_b64, signature_b64 = token.split(".")
    header = json.loads(unb64url(header_b64))
    if header.get("alg") != "ES256":
        raise ValueError("alg must be ES256")
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(key))
    raw = unb64url(signature_b64)
    if len(raw) != 64:
        raise ValueError("ES256 signature is r||s, 64 bytes")
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    try:
        public.verify(der, f"{header_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise ValueError("bad signature") from None
    claims: dict[str, Any] = json.loads(unb64url(claims_b64))
    if claims.get("aud") != origin:
        raise ValueError("aud is not this push service")
    if not time.time() < int(claims.get("exp", 0)) <= time.time() + 24 * 3600:
        raise ValueError("exp must be within 24 hours")
    if not str(claims.get("sub", "")).startswith(("mailto:", "https:")):
        raise ValueError("sub must be mailto: or https:")
    return claims


@dataclass
class FakePushService:
    received: list[ReceivedPush] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    # the VAPID public key subscriptions were made with (if set, others are refused: 403)
    application_server_key: str | None = None

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._answers: list[tuple[str | None, int]] = []
        self._server: ThreadingHTTPServer | None = None

    def start(self) -> None:
        service = self

        class Handler(_Handler):
            pass

        Handler.service = service
        self._server = serve(Handler, "fake-push-service")

    def stop(self) -> None:
        shut_down(self._server)
        self._server = None

    @property
    def origin(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def endpoint(self, name: str) -> str:
        return f"{self.origin}/push/{name}"

    def answer_next(self, status: int, *, name: str | None = None, times: int = 1) -> None:
        with self._lock:
            self._answers.extend([(name, status)] * times)

    def _scripted(self, name: str) -> int | None:
        with self._lock:
            for i, (who, status) in enumerate(self._answers):
                if who in (None, name):
                    del self._answers[i]
                    return status
        return None

    def to(self, name: str) -> list[ReceivedPush]:
        with self._lock:
            return [p for p in self.received if p.name == name]

    def handle(self, path: str, headers: dict[str, str], body: bytes) -> int:
        name = path.removeprefix("/push/")
        try:
            claims = verify_vapid(headers.get("authorization", ""), self.origin)
            key = headers["authorization"].rsplit("k=", 1)[1].split(",")[0].strip()
            if self.application_server_key and key != self.application_server_key:
                raise ValueError("not the key this subscription was made for")
        except (ValueError, KeyError) as exc:
            with self._lock:
                self.rejected.append(f"{name}: {exc}")
            return 403
        if (
            "ttl" not in headers
            or headers.get("content-encoding") != "aes128gcm"
            or len(body) > 4096
        ):
            with self._lock:
                self.rejected.append(f"{name}: headers or size")
            return 400 if len(body) <= 4096 else 413
        scripted = self._scripted(name)
        if scripted is not None and scripted >= 300:
            return scripted
        with self._lock:
            self.received.append(ReceivedPush(name=name, headers=headers, body=body, claims=claims))
        return 201


class _Handler(BaseHTTPRequestHandler):
    service: FakePushService
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        headers = {k.lower(): v for k, v in self.headers.items()}
        status = self.service.handle(self.path, headers, body)
        self.send_response(status)
        if status == 201:
            self.send_header("Location", f"{self.service.origin}/message/{len(body)}")
        self.send_header("Content-Length", "0")
        self.end_headers()
