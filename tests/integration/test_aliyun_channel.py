"""The Aliyun channel: the real SDK, over HTTP, against the fake Dysmsapi.

What goes out is signed and complete (the fake refuses anything else), what comes back is
classified, and the SDK's blocking calls run in the channel's thread pool.
"""

from __future__ import annotations

import dataclasses
import threading
from datetime import timedelta

from doorstep.config import Settings
from doorstep.domain.calendar import local_date
from doorstep.domain.delivery import DeliveryStatus
from doorstep.notify.aliyun import AliyunSmsChannel
from doorstep.notify.channels import Outcome, OutgoingSms
from doorstep.notify.sms_text import fit_sms
from tests.fakes.aliyun_sms import FakeDysmsapi

PHONE = "+8613712345678"


def _message(
    settings: Settings,
    outbox_id: int = 41,
    *,
    phone: str = PHONE,
    template: str = "sms.materials_requested",
    language: str = "zh_Hans",
    params: dict[str, str] | None = None,
) -> OutgoingSms:
    values = params or {
        "number": "2026000418",
        "item": "出生医学证明",
        "reason": "请上传父母双方身份证 正反面（清晰）* ~ + / & =",
    }
    fitted = fit_sms(template, values, language, sign_name=settings.sms_sign_name)
    return OutgoingSms(
        outbox_id=outbox_id,
        phone=phone,
        template=template,
        language=language,
        params=fitted.params,
        body=fitted.body,
    )


async def test_send_reaches_the_fake_signed_and_rendered(
    aliyun_settings: Settings, fake_aliyun: FakeDysmsapi
) -> None:
    channel = AliyunSmsChannel(aliyun_settings.sms, aliyun_settings.sms_sign_name)
    threads: list[str] = []
    original = channel._blocking_call

    def spy(action: str, params: dict[str, str]) -> bytes:
        threads.append(threading.current_thread().name)
        return original(action, params)

    channel._blocking_call = spy  # type: ignore[method-assign]
    message = _message(aliyun_settings)
    result = await channel.send(message)
    await channel.close()

    assert result.outcome is Outcome.SENT and result.provider_id
    [sent] = fake_aliyun.sent_to(PHONE)
    assert sent.phone == "13712345678"
    assert sent.out_id == "41"
    assert sent.biz_id == result.provider_id
    # what the phone shows is exactly what we stored as the body
    assert sent.content == message.body
    assert threads and all(name.startswith("aliyun-sms") for name in threads)
    [call] = fake_aliyun.calls_of("SendSms")
    assert call.params["SignatureVersion"] == "1.0" and call.params["Version"] == "2017-05-25"


async def test_every_language_renders_the_same_at_the_provider(
    aliyun_settings: Settings, fake_aliyun: FakeDysmsapi
) -> None:
    channel = AliyunSmsChannel(aliyun_settings.sms, aliyun_settings.sms_sign_name)
    for n, language in enumerate(("zh_Hans", "zh_Hant", "en")):
        phone = f"+861371234560{n}"
        message = _message(
            aliyun_settings,
            100 + n,
            phone=phone,
            language=language,
            template="sms.task_rejected",
            params={
                "number": "2026000418",
                "item": "生育津贴申领",
                "reason": "银行账户与身份证姓名不一致",
            },
        )
        assert (await channel.send(message)).outcome is Outcome.SENT
        assert [m.content for m in fake_aliyun.sent_to(phone)] == [message.body]
    await channel.close()


async def test_a_wrong_secret_is_refused_by_the_signature_check(
    aliyun_settings: Settings, fake_aliyun: FakeDysmsapi
) -> None:
    sms = dataclasses.replace(aliyun_settings.sms, access_key_secret="not-the-secret")
    channel = AliyunSmsChannel(sms, aliyun_settings.sms_sign_name)
    result = await channel.send(_message(aliyun_settings))
    await channel.close()
    # (the SDK would rename this InvalidAccessKeySecret for its typed requests, but with a
    # CommonRequest it keeps the server's code)
    assert result.code == "SignatureDoesNotMatch"
    assert result.outcome is Outcome.PAUSE
    assert fake_aliyun.messages == []


async def test_an_unknown_key_id(aliyun_settings: Settings, fake_aliyun: FakeDysmsapi) -> None:
    sms = dataclasses.replace(aliyun_settings.sms, access_key_id="LTAInobody")
    channel = AliyunSmsChannel(sms, aliyun_settings.sms_sign_name)
    result = await channel.send(_message(aliyun_settings))
    await channel.close()
    assert (result.code, result.outcome) == ("InvalidAccessKeyId.NotFound", Outcome.PAUSE)


async def test_timestamp_window(aliyun_settings: Settings, fake_aliyun: FakeDysmsapi) -> None:
    channel = AliyunSmsChannel(aliyun_settings.sms, aliyun_settings.sms_sign_name)
    fake_aliyun.clock_offset = timedelta(minutes=16)  # the provider's clock runs ahead
    late = await channel.send(_message(aliyun_settings))
    fake_aliyun.clock_offset = timedelta(minutes=-14)  # inside the window
    fine = await channel.send(_message(aliyun_settings))
    await channel.close()
    assert (late.code, late.outcome) == ("InvalidTimeStamp.Expired", Outcome.PAUSE)
    assert fine.outcome is Outcome.SENT
    assert len(fake_aliyun.messages) == 1


async def test_missing_parameters_are_refused(
    aliyun_settings: Settings, fake_aliyun: FakeDysmsapi
) -> None:
    channel = AliyunSmsChannel(aliyun_settings.sms, aliyun_settings.sms_sign_name)
    answer = await channel._call(
        "SendSms", {"PhoneNumbers": "13712345678", "TemplateCode": "SMS_100001"}
    )
    assert (answer.code, answer.http_status) == ("MissingSignName", 400)
    answer = await channel._call("QuerySendDetails", {"PhoneNumber": "13712345678"})
    assert answer.code == "MissingSendDate"
    answer = await channel._call(
        "SendSms",
        {"PhoneNumbers": "13712345678", "SignName": "掌上办", "TemplateCode": "SMS_100001"},
    )
    assert answer.code == "isv.TEMPLATE_MISSING_PARAMETERS"
    await channel.close()
    assert fake_aliyun.messages == []


async def test_scripted_error_codes_are_classified(
    aliyun_settings: Settings, fake_aliyun: FakeDysmsapi
) -> None:
    channel = AliyunSmsChannel(aliyun_settings.sms, aliyun_settings.sms_sign_name)
    cases = [
        ("isp.SYSTEM_ERROR", 200, Outcome.RETRY),
        ("Throttling.User", 400, Outcome.RETRY),
        ("ServiceUnavailable", 503, Outcome.RETRY),
        ("isv.BUSINESS_LIMIT_CONTROL", 200, Outcome.DEFER),
        ("isv.AMOUNT_NOT_ENOUGH", 200, Outcome.PAUSE),
        ("isv.MOBILE_NUMBER_ILLEGAL", 200, Outcome.PERMANENT),
        ("isv.SMS_SIGNATURE_ILLEGAL", 200, Outcome.PERMANENT),
    ]
    for code, status, outcome in cases:
        fake_aliyun.answer_next(code, "触发小时级流控Permits:5", http_status=status)
        result = await channel.send(_message(aliyun_settings))
        assert (result.code, result.outcome) == (code, outcome)
        assert (result.retry_at is not None) == (outcome is Outcome.DEFER)
    await channel.close()
    assert fake_aliyun.messages == []


async def test_real_refusals_from_the_fake(
    aliyun_settings: Settings, fake_aliyun: FakeDysmsapi
) -> None:
    channel = AliyunSmsChannel(aliyun_settings.sms, aliyun_settings.sms_sign_name)
    bad_number = await channel.send(_message(aliyun_settings, phone="+8612345"))
    no_code = await channel.send(
        _message(
            aliyun_settings, template="sms.login_code", params={"code": "123456"}, language="xx"
        )
    )
    wrong_sign = await AliyunSmsChannel(aliyun_settings.sms, "别的签名").send(
        _message(aliyun_settings)
    )
    await channel.close()
    assert (bad_number.code, bad_number.outcome) == ("isv.MOBILE_NUMBER_ILLEGAL", Outcome.PERMANENT)
    assert no_code.outcome is Outcome.TECHNICAL  # no template code for that language
    assert (wrong_sign.code, wrong_sign.outcome) == ("isv.SMS_SIGNATURE_ILLEGAL", Outcome.PERMANENT)


async def test_lost_answers_are_unknown_and_refused_connections_retry(
    aliyun_settings: Settings, fake_aliyun: FakeDysmsapi
) -> None:
    channel = AliyunSmsChannel(aliyun_settings.sms, aliyun_settings.sms_sign_name)
    fake_aliyun.drop_next(after=True)
    dropped = await channel.send(_message(aliyun_settings, 51))
    fake_aliyun.delay_next(2.5, after=True)  # longer than the 1 s read timeout
    slow = await channel.send(_message(aliyun_settings, 52))
    await channel.close()
    assert dropped.outcome is Outcome.UNKNOWN and slow.outcome is Outcome.UNKNOWN
    # both did reach the provider: exactly what a look-up must find before any resend
    assert sorted(m.out_id for m in fake_aliyun.messages) == ["51", "52"]

    closed = dataclasses.replace(aliyun_settings.sms, endpoint="127.0.0.1:9")
    refused = await AliyunSmsChannel(closed, aliyun_settings.sms_sign_name).send(
        _message(aliyun_settings)
    )
    assert refused.outcome is Outcome.RETRY


async def test_lookup_finds_by_out_id_across_pages(
    aliyun_settings: Settings, fake_aliyun: FakeDysmsapi
) -> None:
    channel = AliyunSmsChannel(aliyun_settings.sms, aliyun_settings.sms_sign_name)
    for outbox_id in range(1000, 1060):  # more than one page of 50
        assert (await channel.send(_message(aliyun_settings, outbox_id))).outcome is Outcome.SENT
    day = local_date(fake_aliyun.messages[-1].sent_at)
    found = await channel.lookup(PHONE, [day], "1055")
    missing = await channel.lookup(PHONE, [day], "999")
    fake_aliyun.messages[-1].send_status = 1  # still waiting for the carrier
    waiting = await channel.lookup(PHONE, [day], "1059")
    by_biz = await channel.lookup(PHONE, [day], "1058", fake_aliyun.messages[-2].biz_id)
    await channel.close()
    assert [r.status for r in found.records] == [DeliveryStatus.DELIVERED]
    assert missing.records == [] and missing.error is None
    assert [r.status for r in waiting.records] == [DeliveryStatus.SENT]
    assert len(by_biz.records) == 1
    assert len(fake_aliyun.calls_of("QuerySendDetails")) >= 5  # paged through 60 messages


async def test_batch_send(aliyun_settings: Settings, fake_aliyun: FakeDysmsapi) -> None:
    channel = AliyunSmsChannel(aliyun_settings.sms, aliyun_settings.sms_sign_name)
    messages = [
        _message(
            aliyun_settings,
            2000 + n,
            phone=f"+86137000{n:05d}",
            template="sms.application_completed",
            params={"number": f"20260{n:05d}"},
        )
        for n in range(100)
    ]
    result = await channel.send_batch(messages, "batch-7")
    await channel.close()
    assert result.outcome is Outcome.SENT
    assert len(fake_aliyun.messages) == 100
    assert {m.biz_id for m in fake_aliyun.messages} == {result.provider_id}
    assert [m.content for m in fake_aliyun.messages] == [m.body for m in messages]


async def test_a_template_without_a_code_is_refused_alike_alone_and_in_a_batch(
    aliyun_settings: Settings, fake_aliyun: FakeDysmsapi
) -> None:
    """Nothing goes out, and both say which template and language lack a code."""
    sms = dataclasses.replace(aliyun_settings.sms, template_codes=())
    channel = AliyunSmsChannel(sms, aliyun_settings.sms_sign_name)
    message = _message(aliyun_settings, language="en")
    alone = await channel.send(message)
    batch = await channel.send_batch([message], "batch-8")
    await channel.close()
    assert alone == batch
    assert alone.outcome is Outcome.TECHNICAL and alone.code == "NoTemplateCode"
    assert alone.error == "no Aliyun template code for sms.materials_requested (en)"
    assert fake_aliyun.messages == []
