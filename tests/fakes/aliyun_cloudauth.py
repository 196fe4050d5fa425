"""A fake Cloudauth (ID Verification, 2019-03-07) of our own: the real Tea SDK
(alibabacloud_cloudauth20190307) talks to it over HTTP.

Before it answers it checks what Aliyun checks of a V3 request (ACS3-HMAC-SHA256), written
from Aliyun's published signature rules, not taken from the SDK:
- `Authorization: ACS3-HMAC-SHA256 Credential=<key id>,SignedHeaders=<names>,Signature=<hex>`;
- the canonical request "METHOD\\n/\\nquery\\nheaders\\nsigned names\\nhex sha256(body)", where
  the query is every parameter sorted by name, each value percent-encoded per RFC 3986 (only
  A-Z a-z 0-9 - _ . ~ left as they are), and the headers are the signed ones, lower-cased,
  sorted, `name:trimmed value` one a line; host, x-acs-action, x-acs-version, x-acs-date,
  x-acs-signature-nonce and x-acs-content-sha256 must be among them, and content-type when
  there is a body;
- signature = hex HMAC-SHA256(secret, "ACS3-HMAC-SHA256\\n" + hex sha256(canonical request));
- x-acs-content-sha256 is the body's hash, x-acs-date within 15 minutes, each nonce once.

InitFaceVerify starts a check for a name and ID number and answers a CertifyId and the URL of
the face-scan page; DescribeFaceVerify answers Passed T/F for a CertifyId. Tests decide what
the face scan finds (`fail_next`, or `failing_ids`), script any Code or an HTTP error, delay,
drop the connection, or answer a page that is not the API's.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import random
import re
import threading
import time
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.fakes.local_http import serve, shut_down

API_VERSION = "2019-03-07"
ALGORITHM = "ACS3-HMAC-SHA256"
DATE_WINDOW = timedelta(minutes=15)
MUST_SIGN = (
    "host",
    "x-acs-action",
    "x-acs-version",
    "x-acs-date",
    "x-acs-signature-nonce",
    "x-acs-content-sha256",
)
ACTIONS = ("InitFaceVerify", "DescribeFaceVerify")
FAKE_KEY_ID = "LTAI5tFakeCloudauthKey"
FAKE_KEY_SECRET = "fake-cloudauth-secret-for-tests"
FAKE_SCENE_ID = "1000009999"
_CERTIFY_IDS = itertools.count(random.SystemRandom().randrange(10**6, 9 * 10**6) * 1000)


def percent_encode(value: str) -> str:
    return urllib.parse.quote(value, safe="-_.~", encoding="utf-8")


def canonical_query(params: Mapping[str, str]) -> str:
    return "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(params.items()))


def v3_signature(
    method: str,
    path: str,
    query: Mapping[str, str],
    headers: Mapping[str, str],
    signed: list[str],
    payload_hash: str,
    secret: str,
) -> str:
    canonical_headers = "".join(f"{name}:{headers.get(name, '').strip()}\n" for name in signed)
    parts = (method, path or "/", canonical_query(query), canonical_headers, ";".join(signed))
    request = "\n".join((*parts, payload_hash))
    to_sign = f"{ALGORITHM}\n{hashlib.sha256(request.encode()).hexdigest()}"
    return hmac.new(secret.encode(), to_sign.encode(), hashlib.sha256).hexdigest()


@dataclass
class Check:
    certify_id: str
    name: str
    resident_id: str
    outer_order_no: str
    scene_id: str
    passed: bool
    sub_code: str


@dataclass
class Fault:
    action: str
    kind: str  # answer | delay | drop | garbage
    code: str = ""
    http_status: int = 200
    seconds: float = 0.0
    times: int = 1


class ApiError(Exception):
    def __init__(self, code: str, message: str, http_status: int = 400) -> None:
        super().__init__(code)
        self.code = code
        self.message = message
        self.http_status = http_status


@dataclass
class FakeCloudauth:
    access_keys: dict[str, str] = field(default_factory=lambda: {FAKE_KEY_ID: FAKE_KEY_SECRET})
    scene_ids: set[str] = field(default_factory=lambda: {FAKE_SCENE_ID})
    # ID numbers whose face scan never passes (another person's face)
    failing_ids: set[str] = field(default_factory=set)
    checks: dict[str, Check] = field(default_factory=dict)
    calls: list[tuple[str, str]] = field(default_factory=list)  # (action, code)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._nonces: set[str] = set()
        self._fail_next = 0
        self._server: ThreadingHTTPServer | None = None
        # its own generator, never the random module's: a delayed answer comes from a server
        # thread after its test ended, and a draw from the shared generator then would move the
        # state under whatever runs next (Hypothesis takes that for a strategy using `random`)
        self._random = random.Random()

    # -- control ----------------------------------------------------------------------------

    def start(self) -> None:
        fake = self

        class Handler(_Handler):
            pass

        Handler.fake = fake
        self._server = serve(Handler, "fake-cloudauth")

    def stop(self) -> None:
        shut_down(self._server)
        self._server = None

    @property
    def endpoint(self) -> str:
        assert self._server is not None
        return f"127.0.0.1:{self._server.server_address[1]}"

    def fail_next(self, times: int = 1) -> None:
        """The next face scans started find another face (Passed F, SubCode 205)."""
        with self._lock:
            self._fail_next += times

    def answer_next(self, action: str, code: str, *, http_status: int = 200) -> None:
        self._add(Fault(action=action, kind="answer", code=code, http_status=http_status))

    def delay_next(self, action: str, seconds: float) -> None:
        self._add(Fault(action=action, kind="delay", seconds=seconds))

    def drop_next(self, action: str) -> None:
        self._add(Fault(action=action, kind="drop"))

    def garbage_next(self, action: str) -> None:
        """Answer HTTP 200 with a body that is not the API's (a captive portal, a proxy's
        error page): whatever it says, nothing is known about the person."""
        self._add(Fault(action=action, kind="garbage"))

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

    def calls_of(self, action: str) -> list[str]:
        with self._lock:
            return [code for a, code in self.calls if a == action]

    # -- the API ----------------------------------------------------------------------------

    def handle(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        headers: dict[str, str],
        body: bytes,
        fault: Fault | None,
    ) -> tuple[int, dict[str, Any]]:
        action = headers.get("x-acs-action", "")
        request_id = f"FAKE-CA-{self._random.randrange(10**8):08d}"
        try:
            params = dict(query)
            if body:
                params.update(urllib.parse.parse_qsl(body.decode(), keep_blank_values=True))
            self._verify(method, path, query, headers, body)
            if fault is not None and fault.kind == "answer":
                raise ApiError(fault.code, fault.code, fault.http_status)
            if action == "InitFaceVerify":
                result = self._init(params)
            else:
                result = self._describe(params)
            status, payload = 200, {"Code": "200", "Message": "success", "ResultObject": result}
        except ApiError as exc:
            status, payload = exc.http_status, {"Code": exc.code, "Message": exc.message}
        payload["RequestId"] = request_id
        with self._lock:
            self.calls.append((action, str(payload["Code"])))
        return status, payload

    def _verify(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        headers: dict[str, str],
        body: bytes,
    ) -> None:
        auth = headers.get("authorization", "")
        found = re.fullmatch(
            rf"{ALGORITHM} Credential=([^,]+),SignedHeaders=([^,]+),Signature=([0-9a-f]+)", auth
        )
        if found is None:
            raise ApiError("MissingAuthorization", "Authorization is not valid.")
        key_id, signed_text, given = found.groups()
        signed = signed_text.split(";")
        if signed != sorted(signed) or any(name not in signed for name in MUST_SIGN):
            raise ApiError("IncompleteSignature", "SignedHeaders lacks a required header.")
        if body and "content-type" not in signed:
            raise ApiError("IncompleteSignature", "content-type of a body must be signed.")
        payload_hash = hashlib.sha256(body).hexdigest()
        if headers.get("x-acs-content-sha256") != payload_hash:
            raise ApiError("ContentSHA256Mismatch", "x-acs-content-sha256 is not the body's.")
        try:
            stamp = datetime.strptime(headers.get("x-acs-date", ""), "%Y-%m-%dT%H:%M:%SZ")
        except ValueError:
            raise ApiError("InvalidTimeStamp.Format", "x-acs-date is not well formatted.") from None
        if abs(datetime.now(UTC) - stamp.replace(tzinfo=UTC)) > DATE_WINDOW:
            raise ApiError("InvalidTimeStamp.Expired", "x-acs-date is expired.")
        secret = self.access_keys.get(key_id)
        if secret is None:
            raise ApiError("InvalidAccessKeyId.NotFound", "Specified access key is not found.", 404)
        expected = v3_signature(method, path, query, headers, signed, payload_hash, secret)
        if not hmac.compare_digest(expected, given):
            raise ApiError("SignatureDoesNotMatch", "The request signature does not conform.")
        with self._lock:
            nonce = headers["x-acs-signature-nonce"]
            if nonce in self._nonces:
                raise ApiError("SignatureNonceUsed", "Specified signature nonce was used already.")
            self._nonces.add(nonce)
        if headers.get("x-acs-version") != API_VERSION:
            raise ApiError("InvalidVersion", "Specified parameter Version is not valid.")
        if headers.get("x-acs-action") not in ACTIONS:
            raise ApiError("InvalidAction.NotFound", "Specified api is not found.", 404)

    def _init(self, p: dict[str, str]) -> dict[str, Any]:
        for name in ("SceneId", "OuterOrderNo", "ProductCode", "CertType", "CertName", "CertNo"):
            if not p.get(name):
                raise ApiError("MissingParameter", f"{name} is mandatory for this action.")
        if p["SceneId"] not in self.scene_ids:
            raise ApiError("401", "SceneId is not valid.", 200)
        if p["CertType"] != "IDENTITY_CARD" or not re.fullmatch(r"[0-9]{17}[0-9X]", p["CertNo"]):
            raise ApiError("401", "CertNo is not valid.", 200)
        certify_id = f"sha{next(_CERTIFY_IDS):x}"
        with self._lock:
            failing = self._fail_next > 0 or p["CertNo"] in self.failing_ids
            if self._fail_next > 0:
                self._fail_next -= 1
            self.checks[certify_id] = Check(
                certify_id=certify_id,
                name=p["CertName"],
                resident_id=p["CertNo"],
                outer_order_no=p["OuterOrderNo"],
                scene_id=p["SceneId"],
                passed=not failing,
                sub_code="205" if failing else "200",
            )
        return {
            "CertifyId": certify_id,
            "CertifyUrl": f"https://fake-cloudauth.invalid/face?certifyId={certify_id}",
        }

    def _describe(self, p: dict[str, str]) -> dict[str, Any]:
        for name in ("SceneId", "CertifyId"):
            if not p.get(name):
                raise ApiError("MissingParameter", f"{name} is mandatory for this action.")
        with self._lock:
            check = self.checks.get(p["CertifyId"])
        if check is None or check.scene_id != p["SceneId"]:
            raise ApiError("404", "CertifyId not found.", 200)
        return {
            "Passed": "T" if check.passed else "F",
            "SubCode": check.sub_code,
            "MaterialInfo": json.dumps({"faceAttack": "F"}),
        }


class _Handler(BaseHTTPRequestHandler):
    fake: FakeCloudauth
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return

    def _serve(self, method: str) -> None:
        parts = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(parts.query, keep_blank_values=True))
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        action = headers.get("x-acs-action", "")
        fault = self.fake.take_fault(action)
        if fault is not None and fault.kind == "drop":
            self.close_connection = True
            return
        if fault is not None and fault.kind == "delay":
            time.sleep(fault.seconds)
        if fault is not None and fault.kind == "garbage":
            page = b"<html><body>Passed: T</body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)
            return
        status, payload = self.fake.handle(method, parts.path, query, headers, body, fault)
        data = json.dumps(payload, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json;charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")
