"""SMS configuration: Aliyun only with a full AccessKey; template codes per template/language."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from doorstep.cli import main
from doorstep.config import Settings, SmsSettings
from doorstep.notify.channels import ConsoleChannel
from doorstep.notify.select import sms_channel


def test_template_codes_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "ALIYUN_SMS_TEMPLATES",
        '{"sms.login_code": "SMS_1", "sms.task_rejected": {"en": "SMS_2", "zh_Hans": "SMS_3"}}',
    )
    sms = SmsSettings.from_env()
    assert sms.template_code("sms.login_code", "zh_Hant") == "SMS_1"
    assert sms.template_code("sms.task_rejected", "en") == "SMS_2"
    assert sms.template_code("sms.task_rejected", "zh_Hans") == "SMS_3"
    assert sms.template_code("sms.task_rejected", "zh_Hant") is None
    assert hash(sms)  # settings stay hashable


@pytest.mark.parametrize("raw", ['["SMS_1"]', '{"sms.login_code": 5}', "not json"])
def test_bad_template_config_is_refused(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    monkeypatch.setenv("ALIYUN_SMS_TEMPLATES", raw)
    with pytest.raises(ValueError):
        SmsSettings.from_env()


def test_no_keys_means_console(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ALIYUN_ACCESS_KEY_ID", "ALIYUN_ACCESS_KEY_SECRET"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings.from_env(dev_mode=True)
    assert not settings.sms.aliyun_enabled
    assert isinstance(sms_channel(settings), ConsoleChannel)
    monkeypatch.setenv("ALIYUN_ACCESS_KEY_ID", "LTAIkey")  # a secret is needed too
    assert isinstance(sms_channel(Settings.from_env(dev_mode=True)), ConsoleChannel)
    monkeypatch.setenv("ALIYUN_ACCESS_KEY_SECRET", "secret")
    settings = Settings.from_env(dev_mode=True)
    channel = sms_channel(settings)
    assert channel.name == "aliyun"
    assert "secret" not in repr(settings)


def test_the_templates_command_prints_aliyun_syntax(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALIYUN_SMS_TEMPLATES", '{"sms.login_code": {"en": "SMS_9"}}')
    result = CliRunner().invoke(main, ["sms-templates"])
    assert result.exit_code == 0
    assert (
        "sms.login_code\ten\tSMS_9\tCode ${code}, valid 5 min. Never share it."
        in result.output.splitlines()
    )
