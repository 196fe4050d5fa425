"""A fake Dysmsapi (2017-05-25) of our own: the real aliyun-python-sdk-core talks to it over HTTP.

Before it accepts anything it checks what Aliyun checks:
- the RPC signature: HMAC-SHA1, SignatureVersion 1.0, over
  "METHOD&%2F&" + percentEncode(canonicalised query), key = AccessKeySecret + "&", where the
  canonical query is every parameter but Signature (query string and form body alike), sorted
  by name, each name and value percent-encoded per RFC 3986 (UTF-8, upper-case hex, only
  A-Z a-z 0-9 - _ . ~ left as they are; a space is %20, never +). Written from Aliyun's
  published rules and checked against Aliyun's own worked examples, not taken from the SDK;
- the Timestamp (yyyy-MM-ddTHH:mm:ssZ, UTC, within ±15 minutes of its clock) and a
  SignatureNonce used only once;
- the common parameters and the action's own (SendSms, SendBatchSms, QuerySendDetails),
  including the number, sign name, template code and that every template variable is given
  and at most 35 characters long.
It records every message as the phone would show it. Tests script it to answer any Code (or an
HTTP error), to delay, or to drop the connection, before or after it has recorded the message.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import random
import re
import threading
import time
import urllib.parse
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from zoneinfo import ZoneInfo

from tests.fakes.local_http import serve, shut_down

BEIJING = ZoneInfo("Asia/Shanghai")
API_VERSION = "2017-05-25"
TIMESTAMP_WINDOW = timedelta(minutes=15)
VARIABLE_LIMIT = 35
COMMON_REQUIRED = (
    "AccessKeyId",
    "Action",
    "Version",
    "Signature",
    "SignatureMethod",
    "SignatureNonce",
    "SignatureVersion",
    "Timestamp",
)
ACTIONS = ("SendSms", "SendBatchSms", "QuerySendDetails")
SEND_ACTIONS = ("SendSms", "SendBatchSms")
# BizIds are unique across every fake of a test run, as Aliyun's are across an account
_BIZ_IDS = itertools.count(random.SystemRandom().randrange(10**11, 9 * 10**11) * 1000)


def percent_encode(value: str) -> str:
    """RFC 3986 percent-encoding as Aliyun's RPC signature wants it."""
    return urllib.parse.quote(value, safe="-_.~", encoding="utf-8")


def string_to_sign(method: str, params: Mapping[str, str]) -> str:
    canonical = "&".join(
        f"{percent_encode(k)}={percent_encode(v)}"
        for k, v in sorted(params.items())
        if k != "Signature"
    )
    return f"{method.upper()}&{percent_encode('/')}&{percent_encode(canonical)}"


def signature(method: str, params: Mapping[str, str], secret: str) -> str:
    digest = hmac.new(
        f"{secret}&".encode(), string_to_sign(method, params).encode(), hashlib.sha1
    ).digest()
    return base64.b64encode(digest).decode()


def _national(number: str) -> str | None:
    """A number as Dysmsapi accepts it (+/+86/0086/86 prefixes allowed on mainland numbers)."""
    digits = number.strip().removeprefix("+")
    if digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if re.fullmatch(r"1[3-9][0-9]{9}", digits):
        return digits
    if re.fullmatch(r"[2-9][0-9]{7,14}", digits):  # country code + number
        return digits
    return None


@dataclass
class FakeMessage:
    phone: str
    sign_name: str
    template_code: str
    params: dict[str, str]
    content: str
    out_id: str
    biz_id: str
    sent_at: datetime
    action: str
    extend_code: str | None = None
    send_status: int = 3  # 1 waiting for the carrier, 2 failed, 3 delivered
    err_code: str = "DELIVERED"

    def report(
        self,
        *,
        success: bool | None = None,
        err_code: str | None = None,
        err_msg: str | None = None,
    ) -> dict[str, Any]:
        """This message's SmsReport item, as Aliyun would push it."""
        ok = self.send_status == 3 if success is None else success
        code = err_code or ("DELIVERED" if ok else self.err_code)
        return {
            "phone_number": self.phone,
            "send_time": self.sent_at.strftime("%Y-%m-%d %H:%M:%S"),
            "report_time": (self.sent_at + timedelta(seconds=3)).strftime("%Y-%m-%d %H:%M:%S"),
            "success": ok,
            "err_code": code,
            "err_msg": err_msg or ("用户接收成功" if ok else "失败"),
            "sms_size": str(1 if len(self.content) <= 70 else -(-len(self.content) // 67)),
            "biz_id": self.biz_id,
            "out_id": self.out_id,
        }


@dataclass
class Call:
    action: str
    params: dict[str, str]
    code: str
    http_status: int


@dataclass
class Fault:
    action: str
    kind: str  # answer | delay | drop
    code: str = ""
    message: str = ""
    http_status: int = 200
    seconds: float = 0.0
    after: bool = False  # delay or drop after the message was recorded
    times: int = 1


class ApiError(Exception):
    def __init__(self, code: str, message: str, http_status: int = 200) -> None:
        super().__init__(code)
        self.code = code
        self.message = message
        self.http_status = http_status


@dataclass
class FakeDysmsapi:
    access_keys: dict[str, str]
    sign_names: set[str]
    templates: dict[str, str]  # template code -> text with ${var}
    messages: list[FakeMessage] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    clock_offset: timedelta = timedelta(0)
    # chaos: this share of send calls answers one of `chaos_codes` (seeded, repeatable)
    chaos_rate: float = 0.0
    chaos_codes: tuple[tuple[str, int], ...] = (("Throttling.User", 400), ("isp.SYSTEM_ERROR", 500))

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._nonces: set[str] = set()
        self._ids = itertools.count(1)
        self._random = random.Random(4)
        self._server: ThreadingHTTPServer | None = None

    # -- control ----------------------------------------------------------------------------

    def start(self) -> None:
        fake = self

        class Handler(_Handler):
            pass

        Handler.fake = fake
        self._server = serve(Handler, "fake-dysmsapi")

    def stop(self) -> None:
        shut_down(self._server)
        self._server = None

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.server_address[1])

    @property
    def endpoint(self) -> str:
        """The SDK's `domain`: host and port (with protocol http)."""
        return f"127.0.0.1:{self.port}"

    def answer_next(
        self,
        code: str,
        message: str = "",
        *,
        http_status: int = 200,
        action: str = "SendSms",
        times: int = 1,
    ) -> None:
        """The next call(s) of `action` pass every check, then answer this Code instead."""
        self._add(
            Fault(
                action=action,
                kind="answer",
                code=code,
                message=message or code,
                http_status=http_status,
                times=times,
            )
        )

    def delay_next(
        self, seconds: float, *, action: str = "SendSms", after: bool = True, times: int = 1
    ) -> None:
        """Wait before answering; `after`: the message is recorded first (it went through)."""
        self._add(Fault(action=action, kind="delay", seconds=seconds, after=after, times=times))

    def drop_next(self, *, action: str = "SendSms", after: bool = True, times: int = 1) -> None:
        """Close the connection without an answer; `after`: once the message is recorded."""
        self._add(Fault(action=action, kind="drop", after=after, times=times))

    def _add(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def _take_fault(self, action: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.action == action:
                    fault.times -= 1
                    if fault.times <= 0:
                        self._faults.remove(fault)
                    return fault
            if (
                action in SEND_ACTIONS
                and self.chaos_rate
                and self._random.random() < self.chaos_rate
            ):
                code, status = self._random.choice(self.chaos_codes)
                return Fault(
                    action=action, kind="answer", code=code, message=code, http_status=status
                )
        return None

    def now(self) -> datetime:
        return datetime.now(UTC) + self.clock_offset

    def sent_to(self, phone: str) -> list[FakeMessage]:
        national = _national(phone) or phone
        with self._lock:
            return [m for m in self.messages if m.phone == national]

    def calls_of(self, action: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.action == action]

    # -- the API ----------------------------------------------------------------------------

    def handle(
        self, method: str, params: dict[str, str], fault: Fault | None
    ) -> tuple[int, dict[str, Any]]:
        action = params.get("Action", "")
        request_id = f"FAKE-{next(self._ids):08d}"
        try:
            self._verify(method, params)
            if fault is not None and fault.kind == "answer":
                raise ApiError(fault.code, fault.message, fault.http_status)
            if action == "SendSms":
                body = self._send_sms(params)
            elif action == "SendBatchSms":
                body = self._send_batch(params)
            else:
                body = self._query(params)
            status, payload = 200, {"Code": "OK", "Message": "OK", **body}
        except ApiError as exc:
            status, payload = exc.http_status, {"Code": exc.code, "Message": exc.message}
        payload["RequestId"] = request_id
        with self._lock:
            self.calls.append(
                Call(
                    action=action,
                    params={k: v for k, v in params.items() if k != "Signature"},
                    code=str(payload["Code"]),
                    http_status=status,
                )
            )
        return status, payload

    def _verify(self, method: str, params: dict[str, str]) -> None:
        for name in COMMON_REQUIRED:
            if not params.get(name):
                raise ApiError(f"Missing{name}", f"{name} is mandatory for this action.", 400)
        if params["SignatureMethod"] != "HMAC-SHA1":
            raise ApiError("InvalidSignatureMethod", "Only HMAC-SHA1 is supported.", 400)
        if params["SignatureVersion"] != "1.0":
            raise ApiError("InvalidSignatureVersion", "Only 1.0 is supported.", 400)
        try:
            stamp = datetime.strptime(params["Timestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        except ValueError:
            raise ApiError(
                "InvalidTimeStamp.Format",
                "Specified time stamp or date value is not well formatted.",
                400,
            ) from None
        if abs(self.now() - stamp) > TIMESTAMP_WINDOW:
            raise ApiError(
                "InvalidTimeStamp.Expired", "Specified time stamp or date value is expired.", 400
            )
        secret = self.access_keys.get(params["AccessKeyId"])
        if secret is None:
            raise ApiError("InvalidAccessKeyId.NotFound", "Specified access key is not found.", 404)
        expected = signature(method, params, secret)
        if not hmac.compare_digest(expected, params["Signature"]):
            raise ApiError(
                "SignatureDoesNotMatch",
                "Specified signature is not matched with our calculation. "
                "server string to sign is:" + string_to_sign(method, params),
                400,
            )
        with self._lock:
            if params["SignatureNonce"] in self._nonces:
                raise ApiError(
                    "SignatureNonceUsed", "Specified signature nonce was used already.", 400
                )
            self._nonces.add(params["SignatureNonce"])
        if params["Version"] != API_VERSION:
            raise ApiError("InvalidVersion", "Specified parameter Version is not valid.", 400)
        if params["Action"] not in ACTIONS:
            raise ApiError("InvalidAction.NotFound", "Specified api is not found.", 404)

    def _render(
        self, code: str, raw_params: str | dict[str, Any] | None
    ) -> tuple[str, dict[str, str]]:
        text = self.templates.get(code)
        if text is None:
            raise ApiError("isv.SMS_TEMPLATE_ILLEGAL", "模板不合法(不存在或被拉黑)")
        if isinstance(raw_params, str):
            try:
                raw_params = json.loads(raw_params) if raw_params else {}
            except ValueError:
                raise ApiError("isv.INVALID_JSON_PARAM", "JSON参数不合法") from None
        values = raw_params or {}
        if not isinstance(values, dict) or not all(
            isinstance(v, str | int | float) and not isinstance(v, bool) for v in values.values()
        ):
            raise ApiError("isv.INVALID_JSON_PARAM", "JSON参数不合法")
        strings = {str(k): str(v) for k, v in values.items()}
        for name in re.findall(r"\$\{(\w+)\}", text):
            if name not in strings:
                raise ApiError("isv.TEMPLATE_MISSING_PARAMETERS", f"模板缺少变量 {name}")
            if len(strings[name]) > VARIABLE_LIMIT:
                raise ApiError("isv.PARAM_LENGTH_LIMIT", f"参数超出长度限制 {name}")
        return re.sub(r"\$\{(\w+)\}", lambda m: strings[m.group(1)], text), strings

    def _record(
        self,
        action: str,
        numbers: Iterable[str],
        signs: list[str],
        code: str,
        params_list: list[Any],
        out_id: str,
        extend_codes: list[str | None],
    ) -> str:
        rendered = []
        for number, sign, raw, extend in zip(
            numbers, signs, params_list, extend_codes, strict=True
        ):
            if sign not in self.sign_names:
                raise ApiError("isv.SMS_SIGNATURE_ILLEGAL", "签名不合法(不存在或被拉黑)")
            if extend is not None and not re.fullmatch(r"[0-9]{1,7}", extend):
                raise ApiError("isv.EXTEND_CODE_ERROR", "扩展码使用错误")
            text, values = self._render(code, raw)
            rendered.append((number, sign, f"【{sign}】{text}", values, extend))
        if len(out_id) > 256:
            raise ApiError("isv.INVALID_PARAMETERS", "OutId too long")
        with self._lock:
            biz_id = f"{next(_BIZ_IDS):d}^0"
            sent_at = self.now().astimezone(BEIJING)
            for number, sign, content, values, extend in rendered:
                self.messages.append(
                    FakeMessage(
                        phone=number,
                        sign_name=sign,
                        template_code=code,
                        params=values,
                        content=content,
                        out_id=out_id,
                        biz_id=biz_id,
                        sent_at=sent_at,
                        action=action,
                        extend_code=extend,
                    )
                )
        return biz_id

    @staticmethod
    def _numbers(raw: Iterable[str]) -> list[str]:
        numbers = []
        for number in raw:
            national = _national(str(number))
            if national is None:
                raise ApiError("isv.MOBILE_NUMBER_ILLEGAL", "非法手机号")
            numbers.append(national)
        return numbers

    def _send_sms(self, p: dict[str, str]) -> dict[str, Any]:
        for name in ("PhoneNumbers", "SignName", "TemplateCode"):
            if not p.get(name):
                raise ApiError(f"Missing{name}", f"{name} is mandatory for this action.", 400)
        numbers = self._numbers(p["PhoneNumbers"].split(","))
        if len(numbers) > 1000:
            raise ApiError("isv.MOBILE_COUNT_OVER_LIMIT", "手机号码数量超过限制")
        extend = p.get("SmsUpExtendCode") or None
        biz_id = self._record(
            "SendSms",
            numbers,
            [p["SignName"]] * len(numbers),
            p["TemplateCode"],
            [p.get("TemplateParam", "")] * len(numbers),
            p.get("OutId", ""),
            [extend] * len(numbers),
        )
        return {"BizId": biz_id}

    def _send_batch(self, p: dict[str, str]) -> dict[str, Any]:
        for name in ("PhoneNumberJson", "SignNameJson", "TemplateCode"):
            if not p.get(name):
                raise ApiError(f"Missing{name}", f"{name} is mandatory for this action.", 400)
        try:
            numbers = json.loads(p["PhoneNumberJson"])
            signs = json.loads(p["SignNameJson"])
            params = json.loads(p["TemplateParamJson"]) if p.get("TemplateParamJson") else None
            extends = json.loads(p["SmsUpExtendCodeJson"]) if p.get("SmsUpExtendCodeJson") else None
        except ValueError:
            raise ApiError("isv.INVALID_JSON_PARAM", "JSON参数不合法") from None
        if not isinstance(numbers, list) or not isinstance(signs, list):
            raise ApiError("isv.INVALID_JSON_PARAM", "JSON参数不合法")
        if not 1 <= len(numbers) <= 100:
            raise ApiError("isv.MOBILE_COUNT_OVER_LIMIT", "手机号码数量超过限制")
        params = params if params is not None else [{}] * len(numbers)
        extends = extends if extends is not None else [None] * len(numbers)
        if not (len(signs) == len(params) == len(extends) == len(numbers)) or not isinstance(
            params, list
        ):
            raise ApiError("isv.INVALID_PARAMETERS", "参数个数与手机号码个数不一致")
        biz_id = self._record(
            "SendBatchSms",
            self._numbers(numbers),
            [str(s) for s in signs],
            p["TemplateCode"],
            params,
            p.get("OutId", ""),
            [str(e) if e is not None else None for e in extends],
        )
        return {"BizId": biz_id}

    def _query(self, p: dict[str, str]) -> dict[str, Any]:
        for name in ("PhoneNumber", "SendDate", "PageSize", "CurrentPage"):
            if not p.get(name):
                raise ApiError(f"Missing{name}", f"{name} is mandatory for this action.", 400)
        number = _national(p["PhoneNumber"])
        if number is None:
            raise ApiError("isv.MOBILE_NUMBER_ILLEGAL", "非法手机号")
        if not re.fullmatch(r"[0-9]{8}", p["SendDate"]):
            raise ApiError("isv.INVALID_PARAMETERS", "SendDate must be yyyyMMdd")
        try:
            size, page = int(p["PageSize"]), int(p["CurrentPage"])
        except ValueError:
            raise ApiError("isv.INVALID_PARAMETERS", "PageSize/CurrentPage") from None
        if not 1 <= size <= 50 or page < 1:
            raise ApiError("isv.INVALID_PARAMETERS", "PageSize is 1 to 50")
        with self._lock:
            found = [
                m
                for m in self.messages
                if m.phone == number
                and m.sent_at.strftime("%Y%m%d") == p["SendDate"]
                and (not p.get("BizId") or m.biz_id == p["BizId"])
            ]
        chunk = found[(page - 1) * size : page * size]
        return {
            "TotalCount": len(found),
            "SmsSendDetailDTOs": {
                "SmsSendDetailDTO": [
                    {
                        "PhoneNum": m.phone,
                        "SendStatus": m.send_status,
                        "ErrCode": m.err_code if m.send_status != 1 else "",
                        "TemplateCode": m.template_code,
                        "Content": m.content,
                        "SendDate": m.sent_at.strftime("%Y-%m-%d %H:%M:%S"),
                        "ReceiveDate": (
                            (m.sent_at + timedelta(seconds=3)).strftime("%Y-%m-%d %H:%M:%S")
                            if m.send_status != 1
                            else ""
                        ),
                        "OutId": m.out_id,
                    }
                    for m in chunk
                ]
            },
        }


class _Handler(BaseHTTPRequestHandler):
    fake: FakeDysmsapi
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return

    def _params(self) -> dict[str, str] | None:
        query = urllib.parse.urlsplit(self.path).query
        pairs = urllib.parse.parse_qsl(query, keep_blank_values=True)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if body and "x-www-form-urlencoded" in (self.headers.get("Content-Type") or ""):
            pairs += urllib.parse.parse_qsl(body.decode("utf-8"), keep_blank_values=True)
        params: dict[str, str] = {}
        for key, value in pairs:
            if key in params:
                return None
            params[key] = value
        return params

    def _serve(self, method: str) -> None:
        params = self._params()
        if params is None or urllib.parse.urlsplit(self.path).path != "/":
            self._reply(400, {"Code": "InvalidParameter", "Message": "duplicate parameter"})
            return
        fault = self.fake._take_fault(params.get("Action", ""))
        if fault is not None and not fault.after:
            if fault.kind == "drop":
                self.close_connection = True
                return
            if fault.kind == "delay":
                time.sleep(fault.seconds)
        status, payload = self.fake.handle(method, params, fault)
        if fault is not None and fault.after:
            if fault.kind == "drop":
                self.close_connection = True
                return
            if fault.kind == "delay":
                time.sleep(fault.seconds)
        self._reply(status, payload)

    def _reply(self, status: int, payload: dict[str, Any]) -> None:
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


FAKE_KEY_ID = "LTAI5tFakeDoorstepKey"
FAKE_KEY_SECRET = "fake-secret-for-tests-only"


def fake_for_catalogs(sign_name: str) -> tuple[FakeDysmsapi, tuple[tuple[str, str], ...]]:
    """A fake with every catalog SMS template registered (one code per template and language)
    and the template-code mapping the app's settings need for it."""
    from doorstep.i18n import LANGUAGES
    from doorstep.notify.sms_text import aliyun_template_text, sms_templates

    templates: dict[str, str] = {}
    codes: list[tuple[str, str]] = []
    pairs = [(key, language) for key in sms_templates() for language in LANGUAGES]
    for number, (key, language) in enumerate(pairs, start=100001):
        code = f"SMS_{number}"
        templates[code] = aliyun_template_text(key, language)
        codes.append((f"{key}:{language}", code))
    fake = FakeDysmsapi(
        access_keys={FAKE_KEY_ID: FAKE_KEY_SECRET}, sign_names={sign_name}, templates=templates
    )
    return fake, tuple(codes)
