"""A fake Alibaba Cloud OSS of our own: the real SDK (alibabacloud-oss-v2) talks to it over
HTTP, path-style (`/<bucket>/<object>`, as the SDK addresses an IP endpoint).

Before it answers it checks what OSS checks of a V4-signed request, written from OSS's
published signature rules (V4), not taken from the SDK:
- `Authorization: OSS4-HMAC-SHA256 Credential=<key id>/<yyyymmdd>/<region>/oss/aliyun_v4_request
  [,AdditionalHeaders=<names>],Signature=<hex>`;
- the canonical request "METHOD\\n/<bucket>/<object, URI-encoded but '/'>\\nquery\\nheaders\\n
  additional names\\n<x-oss-content-sha256>", where the query is every parameter sorted by
  name, each percent-encoded per RFC 3986 (a name with no value stands alone), and the headers
  are every x-oss-* header, content-type and content-md5, plus the additional ones, lower-cased,
  sorted, `name:trimmed value` one a line;
- the string to sign "OSS4-HMAC-SHA256\\n<x-oss-date>\\n<scope>\\n<hex sha256(canonical)>" and the
  key HMAC-SHA256 chained over "aliyun_v4"+secret, the date, the region, "oss",
  "aliyun_v4_request";
- x-oss-date within 15 minutes, of the scope's day; a Content-MD5, when sent, matches the body.

It keeps objects in memory and answers PutObject (with the body's CRC-64/ECMA, which the SDK
checks), GetObject (404 NoSuchKey for a missing one) and DeleteObject (204, missing or not), with
OSS's XML error bodies. Tests script an error answer, a delay or a dropped connection for the
next calls of an action (`answer_next`, `delay_next`, `drop_next`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import threading
import time
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.fakes.local_http import serve, shut_down

ALGORITHM = "OSS4-HMAC-SHA256"
DATE_WINDOW = timedelta(minutes=15)
FAKE_KEY_ID = "LTAI5tFakeOssKey"
FAKE_KEY_SECRET = "fake-oss-secret-for-tests"
FAKE_BUCKET = "doorstep-materials"
FAKE_REGION = "cn-hangzhou"
_REQUEST_IDS = itertools.count(1)


def _crc64_table() -> list[int]:
    poly = 0xC96C5795D7870F42  # ECMA-182, reflected
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ poly if crc & 1 else crc >> 1
        table.append(crc)
    return table


_CRC64 = _crc64_table()


def crc64_ecma(data: bytes) -> int:
    crc = 0xFFFFFFFFFFFFFFFF
    for byte in data:
        crc = _CRC64[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFFFFFFFFFF


def uri_encode(value: str, safe: str = "") -> str:
    return urllib.parse.quote(value, safe="-_.~" + safe, encoding="utf-8")


def canonical_query(raw: str) -> str:
    pairs = []
    for item in raw.split("&") if raw else []:
        name, _, value = item.partition("=")
        pairs.append(
            (uri_encode(urllib.parse.unquote(name)), uri_encode(urllib.parse.unquote(value)))
        )
    return "&".join(f"{n}={v}" if v else n for n, v in sorted(pairs))


def v4_signature(
    *,
    method: str,
    bucket: str,
    key: str,
    raw_query: str,
    headers: Mapping[str, str],
    additional: list[str],
    date: str,
    scope: str,
    region: str,
    secret: str,
) -> str:
    signed = {
        name: value.strip()
        for name, value in headers.items()
        if name.startswith("x-oss-")
        or name in ("content-type", "content-md5")
        or name in additional
    }
    canonical = "\n".join(
        (
            method,
            uri_encode(f"/{bucket}/{key}", safe="/"),
            canonical_query(raw_query),
            "".join(f"{name}:{signed[name]}\n" for name in sorted(signed)),
            ";".join(additional),
            headers.get("x-oss-content-sha256", ""),
        )
    )
    to_sign = f"{ALGORITHM}\n{date}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
    signing = ("aliyun_v4" + secret).encode()
    for part in (date[:8], region, "oss", "aliyun_v4_request"):
        signing = hmac.new(signing, part.encode(), hashlib.sha256).digest()
    return hmac.new(signing, to_sign.encode(), hashlib.sha256).hexdigest()


@dataclass
class Fault:
    action: str
    kind: str  # answer | delay | drop
    code: str = ""
    http_status: int = 500
    seconds: float = 0.0
    times: int = 1


class OssRefusal(Exception):
    def __init__(self, http_status: int, code: str, message: str) -> None:
        super().__init__(code)
        self.http_status = http_status
        self.code = code
        self.message = message


@dataclass
class FakeOss:
    access_keys: dict[str, str] = field(default_factory=lambda: {FAKE_KEY_ID: FAKE_KEY_SECRET})
    bucket: str = FAKE_BUCKET
    region: str = FAKE_REGION
    objects: dict[str, bytes] = field(default_factory=dict)
    calls: list[tuple[str, str, int]] = field(default_factory=list)  # (action, object, status)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._server: ThreadingHTTPServer | None = None

    # -- control ----------------------------------------------------------------------------

    def start(self) -> None:
        fake = self

        class Handler(_Handler):
            pass

        Handler.fake = fake
        self._server = serve(Handler, "fake-oss")

    def stop(self) -> None:
        shut_down(self._server)
        self._server = None

    @property
    def endpoint(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def answer_next(
        self, action: str, code: str, *, http_status: int = 500, times: int = 1
    ) -> None:
        self._add(Fault(action, "answer", code=code, http_status=http_status, times=times))

    def delay_next(self, action: str, seconds: float, *, times: int = 1) -> None:
        self._add(Fault(action, "delay", seconds=seconds, times=times))

    def drop_next(self, action: str, *, times: int = 1) -> None:
        self._add(Fault(action, "drop", times=times))

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def _add(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def take_fault(self, action: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.action == action:
                    fault.times -= 1
                    if fault.times <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def calls_of(self, action: str) -> list[int]:
        with self._lock:
            return [status for a, _, status in self.calls if a == action]

    def record(self, action: str, name: str, status: int) -> None:
        with self._lock:
            self.calls.append((action, name, status))

    # -- the checks -------------------------------------------------------------------------

    def authenticate(
        self, method: str, bucket: str, key: str, raw_query: str, headers: Mapping[str, str]
    ) -> None:
        auth = headers.get("authorization", "")
        if not auth.startswith(ALGORITHM + " "):
            raise OssRefusal(403, "AccessDenied", "no V4 signature")
        fields: dict[str, str] = {}
        for part in auth[len(ALGORITHM) + 1 :].split(","):
            name, _, value = part.strip().partition("=")
            fields[name] = value
        credential = fields.get("Credential", "").split("/")
        if len(credential) != 5 or credential[3:] != ["oss", "aliyun_v4_request"]:
            raise OssRefusal(400, "InvalidArgument", "malformed Credential")
        key_id, day, region = credential[:3]
        secret = self.access_keys.get(key_id)
        if secret is None:
            raise OssRefusal(403, "InvalidAccessKeyId", "The OSS Access Key Id does not exist.")
        if region != self.region:
            raise OssRefusal(400, "InvalidArgument", "region of the scope is not the bucket's")
        date = headers.get("x-oss-date", "")
        try:
            when = datetime.strptime(date, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        except ValueError:
            raise OssRefusal(403, "AccessDenied", "x-oss-date missing or malformed") from None
        if abs(datetime.now(UTC) - when) > DATE_WINDOW or date[:8] != day:
            raise OssRefusal(403, "RequestTimeTooSkewed", "the request time is too skewed")
        if "x-oss-content-sha256" not in headers:
            raise OssRefusal(400, "InvalidArgument", "x-oss-content-sha256 missing")
        additional = [n for n in fields.get("AdditionalHeaders", "").split(";") if n]
        expected = v4_signature(
            method=method,
            bucket=bucket,
            key=key,
            raw_query=raw_query,
            headers=headers,
            additional=additional,
            date=date,
            scope=f"{day}/{region}/oss/aliyun_v4_request",
            region=region,
            secret=secret,
        )
        if not hmac.compare_digest(expected, fields.get("Signature", "")):
            raise OssRefusal(
                403,
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided.",
            )


def _error_xml(code: str, message: str, request_id: str, key: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<Error>'
        f"<Code>{code}</Code><Message>{message}</Message><RequestId>{request_id}</RequestId>"
        f"<HostId>fake-oss</HostId><Key>{key}</Key><EC>0000-00000000</EC></Error>"
    ).encode()


class _Handler(BaseHTTPRequestHandler):
    fake: FakeOss
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        return None

    def _body(self) -> bytes:
        if self.headers.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        return self.rfile.read(int(self.headers.get("content-length") or 0))

    def _send(
        self, status: int, body: bytes = b"", headers: Mapping[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("x-oss-request-id", f"fake{next(_REQUEST_IDS):020d}")
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        try:
            self.end_headers()
            if body and self.command != "HEAD":
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (a delay)
            self.close_connection = True

    def _handle(self) -> None:
        fake = self.fake
        parts = urllib.parse.urlsplit(self.path)
        bucket, _, name = urllib.parse.unquote(parts.path.lstrip("/")).partition("/")
        action = {"PUT": "PutObject", "GET": "GetObject", "DELETE": "DeleteObject"}.get(
            self.command, self.command
        )
        body = self._body()
        headers = {k.lower(): v for k, v in self.headers.items()}
        request_id = f"fake{next(_REQUEST_IDS):020d}"
        try:
            fake.authenticate(self.command, bucket, name, parts.query, headers)
            if bucket != fake.bucket:
                raise OssRefusal(404, "NoSuchBucket", "The specified bucket does not exist.")
            fault = fake.take_fault(action)
            if fault is not None and fault.kind == "delay":
                time.sleep(fault.seconds)
            elif fault is not None and fault.kind == "drop":
                fake.record(action, name, 0)
                self.close_connection = True
                self.connection.shutdown(2)
                return
            elif fault is not None:
                raise OssRefusal(fault.http_status, fault.code, "scripted by the test")
            status, answer, extra = self._act(action, name, body, headers)
        except OssRefusal as refusal:
            fake.record(action, name, refusal.http_status)
            self._send(
                refusal.http_status,
                _error_xml(refusal.code, refusal.message, request_id, name),
                {"Content-Type": "application/xml"},
            )
            return
        fake.record(action, name, status)
        self._send(status, answer, extra)

    def _act(
        self, action: str, name: str, body: bytes, headers: Mapping[str, str]
    ) -> tuple[int, bytes, dict[str, str]]:
        fake = self.fake
        if not name:
            raise OssRefusal(400, "InvalidObjectName", "no object name")
        if action == "PutObject":
            md5 = headers.get("content-md5")
            if md5 and base64.b64decode(md5) != hashlib.md5(body).digest():  # noqa: S324
                raise OssRefusal(400, "InvalidDigest", "The Content-MD5 you specified is invalid.")
            with fake._lock:
                fake.objects[name] = body
            etag = '"' + hashlib.md5(body).hexdigest().upper() + '"'  # noqa: S324
            return 200, b"", {"ETag": etag, "x-oss-hash-crc64ecma": str(crc64_ecma(body))}
        if action == "GetObject":
            with fake._lock:
                found = fake.objects.get(name)
            if found is None:
                raise OssRefusal(404, "NoSuchKey", "The specified key does not exist.")
            return (
                200,
                found,
                {
                    "Content-Type": "application/octet-stream",
                    "x-oss-hash-crc64ecma": str(crc64_ecma(found)),
                },
            )
        if action == "DeleteObject":
            with fake._lock:
                fake.objects.pop(name, None)
            return 204, b"", {}
        raise OssRefusal(405, "MethodNotAllowed", "not faked")

    do_PUT = do_GET = do_DELETE = do_HEAD = _handle
