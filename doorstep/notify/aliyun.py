"""Aliyun SMS (Dysmsapi 2017-05-25) through aliyun-python-sdk-core's CommonRequest.

The SDK is blocking, so every call runs in a bounded thread pool (one AcsClient per thread),
never on the event loop. The SDK's own retries are off: SendSms is not idempotent, and retrying
is the delivery use case's decision, made with the row in hand (and after a look-up when an
attempt may have gone through).

Business errors come back as HTTP 200 with Code != "OK"; `classify` sorts every answer into an
`Outcome`:
- retry with backoff: network errors before the request left, HTTP 5xx, isp.SYSTEM_ERROR,
  Throttling.*
- unknown (look before resending): a timeout or a connection lost after the request left
- defer to the next window: isv.BUSINESS_LIMIT_CONTROL (per-number flow control),
  isv.DAY_LIMIT_CONTROL (the account's own daily cap)
- pause the channel and alert: isv.AMOUNT_NOT_ENOUGH, and the account-wide refusals that
  would fail every message alike (keys, signature of the request, clock, account state)
- permanent: isv.MOBILE_NUMBER_ILLEGAL and other refusals of this message's number, template,
  sign name or parameters
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from aliyunsdkcore.acs_exception.exceptions import ClientException, ServerException
from aliyunsdkcore.client import AcsClient
from aliyunsdkcore.request import CommonRequest

from doorstep.config import SmsSettings
from doorstep.domain.delivery import DeliveryStatus, next_day, next_window
from doorstep.notify.channels import (
    DeliveryResult,
    Lookup,
    Outcome,
    OutgoingSms,
    ProviderRecord,
)

log = logging.getLogger(__name__)

API_VERSION = "2017-05-25"
BATCH_LIMIT = 100
QUERY_PAGE_SIZE = 50
QUERY_MAX_PAGES = 20

RETRY_CODES = frozenset(
    {
        "isp.SYSTEM_ERROR",
        "SignatureNonceUsed",
        "ServiceUnavailable",
        "InternalError",
        "SDK.UnknownServerError",
    }
)
DEFER_CODES = frozenset({"isv.BUSINESS_LIMIT_CONTROL", "isv.DAY_LIMIT_CONTROL"})
PAUSE_CODES = frozenset(
    {
        "isv.AMOUNT_NOT_ENOUGH",
        "isv.ACCOUNT_NOT_EXISTS",
        "isv.ACCOUNT_ABNORMAL",
        "isv.OUT_OF_SERVICE",
        "isv.PRODUCT_UN_SUBSCRIPT",
        "isv.PRODUCT_UNSUBSCRIBE",
        "isv.DENY_IP_RANGE",
        "isv.SECURITY_FROZEN_ACCOUNT",
        "isp.RAM_PERMISSION_DENY",
        "InvalidAccessKeyId.NotFound",
        "InvalidAccessKeyId.Inactive",
        "InvalidAccessKeySecret",
        "SignatureDoesNotMatch",
        "InvalidTimeStamp.Expired",
        "Forbidden.RAM",
    }
)
PERMANENT_CODES = frozenset(
    {
        "isv.MOBILE_NUMBER_ILLEGAL",
        "isv.MOBILE_COUNT_OVER_LIMIT",
        "isv.DOMESTIC_NUMBER_NOT_SUPPORTED",
        "isv.EXTEND_CODE_ERROR",
        "isv.INVALID_JSON_PARAM",
        "isv.INVALID_PARAMETERS",
        "isv.PARAM_LENGTH_LIMIT",
        "isv.PARAM_NOT_SUPPORT_URL",
        "isv.BLACK_KEY_CONTROL_LIMIT",
        "isv.SMS_CONTENT_ILLEGAL",
        "isv.TEMPLATE_MISSING_PARAMETERS",
        "isv.TEMPLATE_PARAMS_ILLEGAL",
        "isv.SMS_TEMPLATE_ILLEGAL",
        "isv.SMS_SIGNATURE_ILLEGAL",
        "isv.SMS_SIGN_ILLEGAL",
        "isv.SMS_SIGNATURE_SCENE_ILLEGAL",
        "isv.SIGN_NAME_ILLEGAL",
    }
)
# requests' words for a connection that was never made: nothing can have been sent
_NOT_CONNECTED = (
    "NewConnectionError",
    "ConnectTimeout",
    "Connection refused",
    "Name or service not known",
    "nodename nor servname",
)


def classify(
    code: str,
    message: str = "",
    http_status: int | None = 200,
    *,
    now: datetime,
    network: bool = False,
) -> tuple[Outcome, datetime | None]:
    """The outcome of one Dysmsapi answer, and for DEFER when to try again."""
    if network:
        if any(word in message for word in _NOT_CONNECTED):
            return Outcome.RETRY, None
        return Outcome.UNKNOWN, None
    if code == "OK":
        return Outcome.SENT, None
    if code == "isv.BUSINESS_LIMIT_CONTROL":
        return Outcome.DEFER, next_window(message, now)
    if code == "isv.DAY_LIMIT_CONTROL":
        return Outcome.DEFER, next_day(now)
    if (
        code.startswith("Throttling")
        or code in RETRY_CODES
        or (http_status is not None and http_status >= 500)
    ):
        return Outcome.RETRY, None
    if code in PAUSE_CODES:
        return Outcome.PAUSE, None
    if code in PERMANENT_CODES or (
        code.startswith("isv.") and ("TEMPLATE" in code or "SIGN" in code)
    ):
        return Outcome.PERMANENT, None
    # an answer we do not know: something is wrong on our side; do not hammer the provider
    return Outcome.TECHNICAL, None


def _json(value: object) -> str:
    """A parameter of JSON as Dysmsapi takes it: compact, Chinese as written."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _no_template_code(message: OutgoingSms) -> DeliveryResult:
    """No template code is registered for the message's template in its language (a batch's
    messages share both)."""
    return DeliveryResult(
        outcome=Outcome.TECHNICAL,
        code="NoTemplateCode",
        error=f"no Aliyun template code for {message.template} ({message.language})",
    )


def aliyun_number(e164: str) -> str:
    """Dysmsapi wants mainland numbers as 11 digits and others as country code + number."""
    digits = e164.removeprefix("+")
    return digits[2:] if e164.startswith("+86") else digits


@dataclass(frozen=True)
class ApiAnswer:
    code: str
    message: str
    http_status: int | None
    data: dict[str, Any] = field(default_factory=dict)
    network: bool = False


_SEND_STATUS = {
    1: DeliveryStatus.SENT,
    2: DeliveryStatus.PERMANENT_FAILURE,
    3: DeliveryStatus.DELIVERED,
}


class AliyunSmsChannel:
    name = "aliyun"

    def __init__(self, settings: SmsSettings, sign_name: str) -> None:
        if not settings.aliyun_enabled:
            raise ValueError("Aliyun SMS needs an AccessKey id and secret")
        self._settings = settings
        self._sign_name = sign_name
        self._executor = ThreadPoolExecutor(
            max_workers=max(1, settings.threads), thread_name_prefix="aliyun-sms"
        )
        # bounds what waits for a thread too, so a burst queues here, not in the executor
        self._slots = asyncio.Semaphore(max(1, settings.threads))
        self._local = threading.local()

    # -- the blocking part, in a pool thread ------------------------------------------------

    def _client(self) -> AcsClient:
        client: AcsClient | None = getattr(self._local, "client", None)
        if client is None:
            s = self._settings
            client = AcsClient(
                s.access_key_id,
                s.access_key_secret,
                s.region_id,
                auto_retry=False,
                connect_timeout=s.connect_timeout_seconds,
                timeout=s.read_timeout_seconds,
                pool_size=1,
            )
            self._local.client = client
        return client

    def _blocking_call(self, action: str, params: dict[str, str]) -> bytes:
        request = CommonRequest(
            domain=self._settings.endpoint, version=API_VERSION, action_name=action
        )
        request.set_method("POST")
        request.set_protocol_type(self._settings.protocol)
        request.set_accept_format("json")
        for key, value in params.items():
            request.add_body_params(key, value)
        body: bytes = self._client().do_action_with_exception(request)
        return body

    # -- on the event loop --------------------------------------------------------------------

    async def _call(self, action: str, params: dict[str, str]) -> ApiAnswer:
        loop = asyncio.get_running_loop()
        async with self._slots:
            try:
                raw = await loop.run_in_executor(
                    self._executor, self._blocking_call, action, params
                )
            except ServerException as exc:
                return ApiAnswer(
                    code=str(exc.get_error_code()),
                    message=str(exc.get_error_msg()),
                    http_status=exc.get_http_status(),
                )
            except ClientException as exc:
                code = str(exc.get_error_code())
                return ApiAnswer(
                    code=code,
                    message=str(exc.get_error_msg()),
                    http_status=None,
                    network=code == "SDK.HttpError",
                )
        try:
            data = json.loads(raw)
            if not isinstance(data, dict):
                raise ValueError("not an object")
        except ValueError:
            # a 200 we cannot read: the request did arrive, so it may have been sent
            return ApiAnswer(
                code="BadResponse",
                message=raw[:200].decode(errors="replace"),
                http_status=200,
                network=True,
            )
        return ApiAnswer(
            code=str(data.get("Code", "")),
            message=str(data.get("Message", "")),
            http_status=200,
            data=data,
        )

    def _result(self, answer: ApiAnswer) -> DeliveryResult:
        outcome, retry_at = classify(
            answer.code,
            answer.message,
            answer.http_status,
            now=datetime.now(UTC),
            network=answer.network,
        )
        if outcome is Outcome.SENT:
            return DeliveryResult(
                outcome=outcome,
                provider_id=str(answer.data.get("BizId") or "") or None,
                code=answer.code,
            )
        return DeliveryResult(
            outcome=outcome,
            code=answer.code,
            error=f"{answer.code}: {answer.message}"[:500],
            retry_at=retry_at,
        )

    def template_code(self, template: str, language: str) -> str | None:
        return self._settings.template_code(template, language)

    async def send(self, message: OutgoingSms) -> DeliveryResult:
        code = self.template_code(message.template, message.language)
        if code is None:
            return _no_template_code(message)
        params = {
            "PhoneNumbers": aliyun_number(message.phone),
            "SignName": self._sign_name,
            "TemplateCode": code,
            "TemplateParam": _json(message.params),
            "OutId": message.out_id,
        }
        if message.extend_code:
            params["SmsUpExtendCode"] = message.extend_code
        return self._result(await self._call("SendSms", params))

    async def send_batch(self, messages: list[OutgoingSms], out_id: str) -> DeliveryResult:
        """One template to up to 100 numbers, each with its own parameters; one BizId.

        OutId is the batch's (Dysmsapi takes one per call), so a look-up matches on it.
        """
        if not 1 <= len(messages) <= BATCH_LIMIT:
            raise ValueError(f"a batch holds 1 to {BATCH_LIMIT} messages")
        first = messages[0]
        if any((m.template, m.language) != (first.template, first.language) for m in messages):
            raise ValueError("a batch uses one template in one language")
        code = self.template_code(first.template, first.language)
        if code is None:
            return _no_template_code(first)
        params = {
            "PhoneNumberJson": _json([aliyun_number(m.phone) for m in messages]),
            "SignNameJson": _json([self._sign_name] * len(messages)),
            "TemplateCode": code,
            "TemplateParamJson": _json([m.params for m in messages]),
            "OutId": out_id,
        }
        return self._result(await self._call("SendBatchSms", params))

    async def lookup(
        self, phone: str, days: list[date], out_id: str, biz_id: str | None = None
    ) -> Lookup:
        """QuerySendDetails for one number on the given (Beijing) days, matched on OutId."""
        records: list[ProviderRecord] = []
        for day in days:
            for page in range(1, QUERY_MAX_PAGES + 1):
                params = {
                    "PhoneNumber": aliyun_number(phone),
                    "SendDate": day.strftime("%Y%m%d"),
                    "PageSize": str(QUERY_PAGE_SIZE),
                    "CurrentPage": str(page),
                }
                if biz_id:
                    params["BizId"] = biz_id
                answer = await self._call("QuerySendDetails", params)
                if answer.code != "OK":
                    return Lookup(error=f"{answer.code}: {answer.message}"[:500])
                dtos = (answer.data.get("SmsSendDetailDTOs") or {}).get("SmsSendDetailDTO") or []
                for dto in dtos:
                    if str(dto.get("OutId") or "") != out_id:
                        continue
                    status = _SEND_STATUS.get(int(dto.get("SendStatus") or 1), DeliveryStatus.SENT)
                    records.append(
                        ProviderRecord(
                            status=status,
                            out_id=out_id,
                            err_code=dto.get("ErrCode"),
                            send_date=dto.get("SendDate"),
                            receive_date=dto.get("ReceiveDate"),
                            biz_id=biz_id,
                        )
                    )
                total = int(answer.data.get("TotalCount") or 0)
                if not dtos or page * QUERY_PAGE_SIZE >= total:
                    break
        return Lookup(records=records)

    async def close(self) -> None:
        await asyncio.to_thread(self._executor.shutdown, True)
