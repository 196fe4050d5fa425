"""What a production process needs to be safe, checked before it starts (fail closed).

`doorstep serve` and `doorstep worker` outside dev refuse to start while any problem is listed;
`doorstep check` prints the list. Each problem names the setting, so the fix is obvious at 3 a.m.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass

import phonenumbers

from doorstep.domain.network import is_catch_all, parse_networks

# a callback or metrics token must not be guessable: 32 characters of `openssl rand -hex 16`
# or longer
MIN_CALLBACK_TOKEN_CHARS = 32
SMS_CHANNELS = ("aliyun", "console")
IDENTITY_PROVIDERS = ("aliyun", "counter")
FILE_STORAGES = ("disk", "oss", "none")
OSS_SETTINGS = (
    "DOORSTEP_OSS_BUCKET",
    "DOORSTEP_OSS_REGION",
    "DOORSTEP_OSS_ACCESS_KEY_ID",
    "DOORSTEP_OSS_ACCESS_KEY_SECRET",
)
_OFF = {"0", "false", "no", "off"}


def split_list(raw: str) -> tuple[str, ...]:
    # as config.split_list; the domain reads no configuration module (it opens files)
    return tuple(part.strip() for part in raw.replace(";", ",").split(",") if part.strip())


@dataclass(frozen=True)
class Problem:
    setting: str
    message: str

    def __str__(self) -> str:
        return f"{self.setting}: {self.message}"


def _key_problem(env: Mapping[str, str], name: str) -> Problem | None:
    raw = env.get(name, "")
    if not raw:
        return Problem(name, "missing (32 random bytes, base64: `openssl rand -base64 32`)")
    try:
        key = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        return Problem(name, "not base64")
    if len(key) != 32:
        return Problem(name, f"must be 32 bytes, is {len(key)}")
    return None


def _networks_problem(env: Mapping[str, str], name: str) -> Problem | None:
    try:
        networks = parse_networks(split_list(env.get(name, "")))
    except ValueError as exc:
        return Problem(name, str(exc))
    if any(is_catch_all(n) for n in networks):
        return Problem(name, "names every address (0.0.0.0/0 or ::/0): name the networks")
    return None


def _sms_problems(env: Mapping[str, str]) -> list[Problem]:
    problems: list[Problem] = []
    channel = env.get("DOORSTEP_SMS_CHANNEL", "").strip().lower()
    if channel and channel not in SMS_CHANNELS:
        problems.append(Problem("DOORSTEP_SMS_CHANNEL", f"must be one of {SMS_CHANNELS}"))
    key_id, secret = env.get("ALIYUN_ACCESS_KEY_ID", ""), env.get("ALIYUN_ACCESS_KEY_SECRET", "")
    if channel == "console":
        return problems  # chosen on purpose: messages are logged, log-in codes masked
    for name, value in (("ALIYUN_ACCESS_KEY_ID", key_id), ("ALIYUN_ACCESS_KEY_SECRET", secret)):
        if not value:
            problems.append(
                Problem(name, "missing (or set DOORSTEP_SMS_CHANNEL=console on purpose)")
            )
    templates = env.get("ALIYUN_SMS_TEMPLATES", "")
    try:
        codes = json.loads(templates) if templates.strip() else {}
    except ValueError:
        codes = None
    if not isinstance(codes, dict):
        problems.append(Problem("ALIYUN_SMS_TEMPLATES", "not a JSON object"))
    elif "sms.login_code" not in codes:
        problems.append(Problem("ALIYUN_SMS_TEMPLATES", "no template code for sms.login_code"))
    if env.get("ALIYUN_SMS_PROTOCOL", "https").lower() != "https":
        problems.append(Problem("ALIYUN_SMS_PROTOCOL", "must be https outside dev"))
    return problems


def _identity_problems(env: Mapping[str, str]) -> list[Problem]:
    """Real identity: the provider's keys and scene (or online checks off on purpose), and the
    staff second factor, which stays on outside dev."""
    problems: list[Problem] = []
    provider = env.get("DOORSTEP_IDENTITY_PROVIDER", "").strip().lower() or "aliyun"
    if provider == "dev":
        problems.append(
            Problem("DOORSTEP_IDENTITY_PROVIDER", "dev passes everyone: allowed only in dev mode")
        )
    elif provider not in IDENTITY_PROVIDERS:
        problems.append(
            Problem("DOORSTEP_IDENTITY_PROVIDER", f"must be one of {IDENTITY_PROVIDERS}")
        )
    elif provider == "aliyun":
        for name in (
            "ALIYUN_CLOUDAUTH_ACCESS_KEY_ID",
            "ALIYUN_CLOUDAUTH_ACCESS_KEY_SECRET",
            "ALIYUN_CLOUDAUTH_SCENE_ID",
        ):
            if not env.get(name):
                problems.append(
                    Problem(name, "missing (or DOORSTEP_IDENTITY_PROVIDER=counter on purpose)")
                )
        if env.get("ALIYUN_CLOUDAUTH_PROTOCOL", "https").lower() != "https":
            problems.append(Problem("ALIYUN_CLOUDAUTH_PROTOCOL", "must be https outside dev"))
    if env.get("DOORSTEP_STAFF_TOTP_REQUIRED", "").strip().lower() in _OFF:
        problems.append(
            Problem(
                "DOORSTEP_STAFF_TOTP_REQUIRED",
                "staff must log in with a second factor outside dev (`doorstep staff-totp`)",
            )
        )
    hours = env.get("DOORSTEP_STAFF_SESSION_HOURS", "12") or "12"
    if not hours.isdigit() or not 1 <= int(hours) <= 24:
        problems.append(Problem("DOORSTEP_STAFF_SESSION_HOURS", "must be 1 to 24 hours"))
    return problems


def _file_storage_problems(env: Mapping[str, str]) -> list[Problem]:
    """Material files: an OSS bucket with its keys, a folder (one machine), or none on purpose
    (uploads are then refused and materials come to the counter)."""
    kind = env.get("DOORSTEP_FILE_STORAGE", "").strip().lower()
    if not kind:
        kind = (
            "oss"
            if env.get("DOORSTEP_OSS_BUCKET")
            else "disk"
            if env.get("DOORSTEP_FILES_DIR")
            else ""
        )
    if not kind:
        return [
            Problem(
                "DOORSTEP_OSS_BUCKET",
                "missing: no store for material files, so uploads are refused (set it with "
                "the other DOORSTEP_OSS_* settings; or DOORSTEP_FILES_DIR, a folder on one "
                "machine; or DOORSTEP_FILE_STORAGE=none on purpose)",
            )
        ]
    if kind not in FILE_STORAGES:
        return [Problem("DOORSTEP_FILE_STORAGE", f"must be one of {FILE_STORAGES}")]
    if kind == "disk" and not env.get("DOORSTEP_FILES_DIR"):
        return [Problem("DOORSTEP_FILES_DIR", "missing (DOORSTEP_FILE_STORAGE=disk names none)")]
    if kind != "oss":
        return []
    problems = [
        Problem(name, "missing (material files are kept in OSS)")
        for name in OSS_SETTINGS
        if not env.get(name, "").strip()
    ]
    if env.get("DOORSTEP_OSS_ENDPOINT", "").strip().lower().startswith("http://"):
        problems.append(Problem("DOORSTEP_OSS_ENDPOINT", "must be https outside dev"))
    return problems


def deployment_problems(env: Mapping[str, str]) -> list[Problem]:
    """Everything missing or unsafe for a production process, in the order to fix it."""
    problems: list[Problem] = []
    if env.get("DOORSTEP_DEV", "").strip().lower() in {"1", "true", "yes", "on"}:
        problems.append(
            Problem("DOORSTEP_DEV", "dev mode is on (GraphiQL, dev inbox, generated keys)")
        )
    for name in ("DATABASE_URL", "REDIS_URL"):
        if not env.get(name):
            problems.append(Problem(name, "missing"))
    for name in ("DOORSTEP_DATA_KEY", "DOORSTEP_INDEX_KEY"):
        problem = _key_problem(env, name)
        if problem is not None:
            problems.append(problem)
    data_key, index_key = env.get("DOORSTEP_DATA_KEY"), env.get("DOORSTEP_INDEX_KEY")
    if data_key and data_key == index_key:
        problems.append(Problem("DOORSTEP_INDEX_KEY", "must differ from DOORSTEP_DATA_KEY"))
    token = env.get("SMS_CALLBACK_TOKEN", "")
    if not token:
        problems.append(
            Problem("SMS_CALLBACK_TOKEN", "missing (`openssl rand -hex 32`; part of callback URLs)")
        )
    elif len(token) < MIN_CALLBACK_TOKEN_CHARS:
        problems.append(
            Problem("SMS_CALLBACK_TOKEN", f"shorter than {MIN_CALLBACK_TOKEN_CHARS} characters")
        )
    metrics_token = env.get("DOORSTEP_METRICS_TOKEN", "")
    if not metrics_token:
        problems.append(
            Problem(
                "DOORSTEP_METRICS_TOKEN",
                "missing: /metrics refuses every scrape and no alert can fire "
                "(`openssl rand -hex 32`; the bearer token of the Prometheus scrape)",
            )
        )
    elif len(metrics_token) < MIN_CALLBACK_TOKEN_CHARS:
        problems.append(
            Problem("DOORSTEP_METRICS_TOKEN", f"shorter than {MIN_CALLBACK_TOKEN_CHARS} characters")
        )
    problems.extend(_sms_problems(env))
    problems.extend(_identity_problems(env))
    problems.extend(_file_storage_problems(env))
    for name in ("DOORSTEP_TRUSTED_PROXIES", "SMS_CALLBACK_NETWORKS"):
        problem = _networks_problem(env, name)
        if problem is not None:
            problems.append(problem)
    if env.get("DOORSTEP_CLIENT_IP_HEADER") and not env.get("DOORSTEP_TRUSTED_PROXIES"):
        problems.append(
            Problem(
                "DOORSTEP_TRUSTED_PROXIES",
                "missing: DOORSTEP_CLIENT_IP_HEADER is believed only from the proxies named here",
            )
        )
    regions = split_list(env.get("DOORSTEP_LOGIN_CODE_REGIONS", "CN"))
    unknown = [r for r in regions if r.upper() not in phonenumbers.SUPPORTED_REGIONS]
    if unknown or not regions:
        problems.append(
            Problem("DOORSTEP_LOGIN_CODE_REGIONS", f"not ISO 3166 regions: {unknown or '(none)'}")
        )
    try:
        budget = int(env.get("DOORSTEP_LOGIN_CODES_PER_HOUR", "2000") or "2000")
    except ValueError:
        budget = -1
    if budget <= 0:
        problems.append(
            Problem("DOORSTEP_LOGIN_CODES_PER_HOUR", "must be a positive number outside dev")
        )
    return problems
