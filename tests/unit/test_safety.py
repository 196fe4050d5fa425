"""Fail closed: outside dev, `serve`/`worker` refuse to start and `doorstep check` says why."""

from __future__ import annotations

import base64
import logging
import os
import subprocess
import sys
from typing import Any

from click.testing import CliRunner

from doorstep.api.log_redaction import RedactSecrets, redact
from doorstep.cli import main
from doorstep.domain.safety import deployment_problems
from doorstep.notify.channels import ConsoleChannel, OutgoingSms

KEY_A = base64.b64encode(bytes(range(32))).decode()
KEY_B = base64.b64encode(bytes(range(1, 33))).decode()
SAFE = {
    "DATABASE_URL": "postgresql://db/doorstep",
    "REDIS_URL": "redis://cache/0",
    "DOORSTEP_DATA_KEY": KEY_A,
    "DOORSTEP_INDEX_KEY": KEY_B,
    "SMS_CALLBACK_TOKEN": "f" * 64,
    "DOORSTEP_METRICS_TOKEN": "e" * 64,
    "ALIYUN_ACCESS_KEY_ID": "LTAI-id",
    "ALIYUN_ACCESS_KEY_SECRET": "secret",
    "ALIYUN_SMS_TEMPLATES": '{"sms.login_code": "SMS_1"}',
    "ALIYUN_CLOUDAUTH_ACCESS_KEY_ID": "LTAI-cloudauth",
    "ALIYUN_CLOUDAUTH_ACCESS_KEY_SECRET": "secret",
    "ALIYUN_CLOUDAUTH_SCENE_ID": "1000001234",
    "DOORSTEP_OSS_BUCKET": "doorstep-materials",
    "DOORSTEP_OSS_REGION": "cn-hangzhou",
    "DOORSTEP_OSS_ACCESS_KEY_ID": "LTAI-oss",
    "DOORSTEP_OSS_ACCESS_KEY_SECRET": "secret",
}


def _settings(problems: object) -> set[str]:
    return {p.setting for p in problems}  # type: ignore[attr-defined]


def test_a_complete_configuration_has_no_problem() -> None:
    assert deployment_problems(SAFE) == []
    console = {k: v for k, v in SAFE.items() if not k.startswith(("ALIYUN_", "DOORSTEP_OSS_"))}
    chosen = {
        "DOORSTEP_SMS_CHANNEL": "console",
        "DOORSTEP_IDENTITY_PROVIDER": "counter",
        "DOORSTEP_FILE_STORAGE": "none",
    }
    assert deployment_problems({**console, **chosen}) == []
    # one machine's folder instead of OSS
    assert (
        deployment_problems(
            {**console, **chosen, "DOORSTEP_FILE_STORAGE": "", "DOORSTEP_FILES_DIR": "/data/files"}
        )
        == []
    )


def test_file_storage_is_named_when_neither_folder_nor_bucket_is_set() -> None:
    """Production with nowhere to keep material files refuses to start (uploads would all be
    refused) until a bucket or a folder is named, or no storage is chosen on purpose."""
    without = {k: v for k, v in SAFE.items() if not k.startswith("DOORSTEP_OSS_")}
    [problem] = deployment_problems(without)
    assert problem.setting == "DOORSTEP_OSS_BUCKET"
    assert (
        "DOORSTEP_FILES_DIR" in problem.message and "DOORSTEP_FILE_STORAGE=none" in problem.message
    )
    # a bucket alone: each OSS setting it still needs is named
    assert _settings(deployment_problems({**without, "DOORSTEP_OSS_BUCKET": "b"})) == {
        "DOORSTEP_OSS_REGION",
        "DOORSTEP_OSS_ACCESS_KEY_ID",
        "DOORSTEP_OSS_ACCESS_KEY_SECRET",
    }
    assert _settings(deployment_problems({**without, "DOORSTEP_FILE_STORAGE": "disk"})) == {
        "DOORSTEP_FILES_DIR"
    }
    result = CliRunner().invoke(main, ["check"], env={**without, "DOORSTEP_DEV": ""})
    assert result.exit_code == 1 and "✗ DOORSTEP_OSS_BUCKET: missing" in result.output


def test_each_missing_secret_is_named() -> None:
    assert _settings(deployment_problems({})) == {
        "DATABASE_URL",
        "REDIS_URL",
        "DOORSTEP_DATA_KEY",
        "DOORSTEP_INDEX_KEY",
        "SMS_CALLBACK_TOKEN",
        "DOORSTEP_METRICS_TOKEN",
        "ALIYUN_ACCESS_KEY_ID",
        "ALIYUN_ACCESS_KEY_SECRET",
        "ALIYUN_SMS_TEMPLATES",
        "ALIYUN_CLOUDAUTH_ACCESS_KEY_ID",
        "ALIYUN_CLOUDAUTH_ACCESS_KEY_SECRET",
        "ALIYUN_CLOUDAUTH_SCENE_ID",
        "DOORSTEP_OSS_BUCKET",
    }


def test_unsafe_values_are_named() -> None:
    cases = {
        "DOORSTEP_DATA_KEY": {"DOORSTEP_DATA_KEY": base64.b64encode(b"short").decode()},
        "DOORSTEP_INDEX_KEY": {"DOORSTEP_INDEX_KEY": KEY_A},
        "SMS_CALLBACK_TOKEN": {"SMS_CALLBACK_TOKEN": "s3cret"},
        "DOORSTEP_METRICS_TOKEN": {"DOORSTEP_METRICS_TOKEN": "scrape"},
        "DOORSTEP_DEV": {"DOORSTEP_DEV": "1"},
        "ALIYUN_SMS_PROTOCOL": {"ALIYUN_SMS_PROTOCOL": "http"},
        "DOORSTEP_SMS_CHANNEL": {"DOORSTEP_SMS_CHANNEL": "pigeon"},
        "DOORSTEP_TRUSTED_PROXIES": {"DOORSTEP_TRUSTED_PROXIES": "0.0.0.0/0"},
        "SMS_CALLBACK_NETWORKS": {"SMS_CALLBACK_NETWORKS": "10.0.0.0/8, nonsense"},
        "DOORSTEP_LOGIN_CODES_PER_HOUR": {"DOORSTEP_LOGIN_CODES_PER_HOUR": "0"},
        "DOORSTEP_LOGIN_CODE_REGIONS": {"DOORSTEP_LOGIN_CODE_REGIONS": "CN,XX"},
        # the dev identity provider passes anyone; staff log in with a second factor
        "DOORSTEP_IDENTITY_PROVIDER": {"DOORSTEP_IDENTITY_PROVIDER": "dev"},
        "ALIYUN_CLOUDAUTH_PROTOCOL": {"ALIYUN_CLOUDAUTH_PROTOCOL": "http"},
        "DOORSTEP_STAFF_TOTP_REQUIRED": {"DOORSTEP_STAFF_TOTP_REQUIRED": "0"},
        "DOORSTEP_STAFF_SESSION_HOURS": {"DOORSTEP_STAFF_SESSION_HOURS": "720"},
        "DOORSTEP_FILE_STORAGE": {"DOORSTEP_FILE_STORAGE": "floppy"},
        "DOORSTEP_OSS_ENDPOINT": {"DOORSTEP_OSS_ENDPOINT": "http://oss-cn-hangzhou.aliyuncs.com"},
    }
    for setting, change in cases.items():
        assert _settings(deployment_problems({**SAFE, **change})) == {setting}, setting
    # a client-address header is believed only from named proxies
    assert _settings(deployment_problems({**SAFE, "DOORSTEP_CLIENT_IP_HEADER": "fly-client-ip"}))
    assert not deployment_problems(
        {
            **SAFE,
            "DOORSTEP_CLIENT_IP_HEADER": "fly-client-ip",
            "DOORSTEP_TRUSTED_PROXIES": "fdaa::/16",
        }
    )


def test_check_lists_problems_and_exits_non_zero() -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["check"], env={k: "" for k in (*SAFE, "DOORSTEP_DEV")})
    assert result.exit_code == 1
    assert "SMS_CALLBACK_TOKEN: missing" in result.output
    assert "DOORSTEP_DATA_KEY: missing" in result.output
    result = runner.invoke(main, ["check"], env={**SAFE, "DOORSTEP_DEV": ""})
    assert result.exit_code == 0, result.output


def test_serve_and_worker_refuse_to_start_and_say_why() -> None:
    env = {k: v for k, v in os.environ.items() if k not in SAFE and k != "DOORSTEP_DEV"}
    env.update({k: SAFE[k] for k in ("DATABASE_URL", "REDIS_URL")})
    env["DOORSTEP_DATA_KEY"] = KEY_A
    env["DOORSTEP_INDEX_KEY"] = KEY_B
    for command in ("serve", "worker"):
        done = subprocess.run(
            [sys.executable, "-m", "doorstep", command],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 2, done.stderr
        assert "refusing to start: SMS_CALLBACK_TOKEN: missing" in done.stderr
        assert "ALIYUN_ACCESS_KEY_ID" in done.stderr


def test_the_token_never_reaches_the_access_log() -> None:
    """uvicorn's access log prints the query string: the filter rewrites secret values."""
    assert redact("/sms/up?token=abc123&x=1") == "/sms/up?token=[redacted]&x=1"
    assert redact("/open311/v2/requests.json?api_key=k-1") == (
        "/open311/v2/requests.json?api_key=[redacted]"
    )
    assert redact("/sms/up?notatoken=1") == "/sms/up?notatoken=1"
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("10.0.0.1:5000", "POST", "/sms/report?token=abc123", "1.1", 200),
        None,
    )
    assert RedactSecrets().filter(record)
    assert "abc123" not in record.getMessage()


async def test_the_console_channel_outside_dev_never_prints_a_code(capsys: object) -> None:
    message = OutgoingSms(
        outbox_id=1,
        phone="+8613800138001",
        template="sms.login_code",
        language="zh_Hans",
        params={"code": "483920"},
        body="【掌上办】验证码483920，5分钟内有效。",
    )
    await ConsoleChannel(reveal_secrets=False).send(message)
    printed = capsys.readouterr().out  # type: ignore[attr-defined]
    assert "483920" not in printed and "******" in printed
    await ConsoleChannel(reveal_secrets=True).send(message)
    assert "483920" in capsys.readouterr().out  # type: ignore[attr-defined]


def test_fly_toml_and_readme_name_every_secret() -> None:
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    fly, readme = (root / "fly.toml").read_text(), (root / "README.md").read_text()
    for setting in _settings(deployment_problems({})):
        assert setting in fly, setting
        assert f"`{setting}`" in readme, setting


def test_the_file_store_follows_the_settings(monkeypatch: Any) -> None:
    from doorstep.config import FileStorageSettings, Settings

    for name in ("DOORSTEP_OSS_BUCKET", "DOORSTEP_FILES_DIR", "DOORSTEP_FILE_STORAGE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DOORSTEP_DATA_KEY", KEY_A)
    monkeypatch.setenv("DOORSTEP_INDEX_KEY", KEY_B)
    assert FileStorageSettings.from_env(False).kind == "none"
    assert Settings.from_env(dev_mode=False).files_dir == ""
    assert Settings.from_env(dev_mode=True).files_dir == ".doorstep/files"
    monkeypatch.setenv("DOORSTEP_FILES_DIR", "/data/files")
    assert Settings.from_env(dev_mode=False).files_dir == "/data/files"
    monkeypatch.setenv("DOORSTEP_OSS_BUCKET", "doorstep-materials")
    monkeypatch.setenv("DOORSTEP_OSS_REGION", "cn-hangzhou")
    settings = Settings.from_env(dev_mode=False)
    # the bucket wins over a folder: files never go to a disk other machines do not see
    assert settings.file_storage.kind == "oss" and settings.files_dir == ""
    assert settings.file_storage.oss_prefix == "materials/"
    monkeypatch.setenv("DOORSTEP_FILE_STORAGE", "none")
    assert Settings.from_env(dev_mode=True).files_dir == ""
