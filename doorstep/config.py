"""Settings from environment variables, read once at start-up."""

from __future__ import annotations

import base64
import json
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

PROJECT_STATE_DIR = Path(os.environ.get("DOORSTEP_STATE_DIR", ".doorstep"))


def _bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def split_list(raw: str) -> tuple[str, ...]:
    """A comma-separated setting ("10.0.0.0/8, fdaa::/16") as its items."""
    return tuple(part.strip() for part in raw.replace(";", ",").split(",") if part.strip())


def dev_mode_from_env() -> bool:
    """DOORSTEP_DEV=1 (or true/yes/on): `doorstep dev` sets it for its own processes."""
    return _bool("DOORSTEP_DEV", False)


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw else default


def _dev_secret(name: str) -> bytes:
    """A per-checkout key for dev: made once and kept in the state folder (never committed)."""
    path = PROJECT_STATE_DIR / f"{name}.key"
    if path.exists():
        return base64.b64decode(path.read_text().strip())
    PROJECT_STATE_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(32)
    path.write_text(base64.b64encode(key).decode())
    path.chmod(0o600)
    return key


def _secret(name: str, env: str, dev_mode: bool) -> bytes:
    raw = os.environ.get(env)
    if raw:
        key = base64.b64decode(raw)
        if len(key) != 32:
            raise ValueError(f"{env} must be 32 bytes, base64-encoded")
        return key
    if not dev_mode:
        raise RuntimeError(f"{env} is required outside dev mode (32 random bytes, base64)")
    return _dev_secret(name)


def parse_origins(raw: str) -> tuple[str, ...]:
    """DOORSTEP_CORS_ORIGINS: comma-separated `scheme://host[:port]`; an allow-list, so no `*`."""
    origins: list[str] = []
    for item in raw.split(","):
        origin = item.strip().rstrip("/")
        if not origin:
            continue
        parts = urlsplit(origin)
        if (
            parts.scheme not in ("http", "https")
            or not parts.hostname
            or "*" in origin
            or parts.path
            or parts.query
            or parts.fragment
            or parts.username
        ):
            raise ValueError(
                f"DOORSTEP_CORS_ORIGINS: {item.strip()!r} is not an origin like https://app.example.cn"
            )
        origins.append(origin.lower())
    return tuple(dict.fromkeys(origins))


def _template_codes(raw: str) -> tuple[tuple[str, str], ...]:
    """ALIYUN_SMS_TEMPLATES: JSON {"sms.login_code": "SMS_1"} or, per language,
    {"sms.login_code": {"zh_Hans": "SMS_1", "en": "SMS_2"}}; stored as ("key[:language]", code)."""
    if not raw.strip():
        return ()
    data = json.loads(raw)
    if not isinstance(data, dict):
        raise ValueError("ALIYUN_SMS_TEMPLATES must be a JSON object")
    pairs: list[tuple[str, str]] = []
    for key, value in data.items():
        if isinstance(value, str):
            pairs.append((str(key), value))
        elif isinstance(value, dict):
            pairs.extend((f"{key}:{lang}", str(code)) for lang, code in value.items())
        else:
            raise ValueError(f"ALIYUN_SMS_TEMPLATES[{key!r}] must be a string or an object")
    return tuple(sorted(pairs))


@dataclass(frozen=True)
class SmsSettings:
    """SMS delivery: Aliyun Dysmsapi when an AccessKey is set, else the console channel."""

    access_key_id: str = ""
    access_key_secret: str = field(default="", repr=False)
    endpoint: str = "dysmsapi.aliyuncs.com"
    protocol: str = "https"
    region_id: str = "cn-hangzhou"
    # ("sms.login_code", "SMS_123") or ("sms.login_code:en", "SMS_456"): template -> Aliyun code
    template_codes: tuple[tuple[str, str], ...] = ()
    threads: int = 8
    connect_timeout_seconds: int = 3
    read_timeout_seconds: int = 10
    # shared secret in the callback URLs (?token=...); empty: every callback is refused
    callback_token: str = field(default="", repr=False)
    # when set, callbacks are taken only from these networks (CIDRs, the provider's ranges)
    callback_networks: tuple[str, ...] = ()
    # "console" chosen on purpose outside dev (codes are then never printed in clear)
    channel: str = ""
    # a row left 'sending' longer than this is taken as a crashed attempt and reconciled
    sending_lease_seconds: int = 60
    max_retries: int = 8
    pause_seconds: int = 1800
    receipt_poll_after_seconds: int = 900
    receipt_poll_give_up_hours: int = 72
    # Aliyun's limit for one template variable; a template's text must fit in this many parts
    param_limit: int = 35
    max_parts: int = 2
    # policy: quiet hours in Beijing time ("" = none), digest window, caps per number
    quiet_start: str = "21:00"
    quiet_end: str = "08:00"
    digest_seconds: int = 180
    # (window seconds, limit): Aliyun's default per-number flow control for notifications
    caps: tuple[tuple[int, int], ...] = ((60, 1), (3600, 5), (86400, 10))

    @property
    def aliyun_enabled(self) -> bool:
        return bool(self.access_key_id and self.access_key_secret)

    def template_code(self, template: str, language: str) -> str | None:
        codes = dict(self.template_codes)
        return codes.get(f"{template}:{language}") or codes.get(template)

    @classmethod
    def from_env(cls) -> SmsSettings:
        # SMS_QUIET_HOURS="21:00-08:00" (Beijing time); "" turns quiet hours off
        quiet = os.environ.get("SMS_QUIET_HOURS", "21:00-08:00").partition("-")[::2]
        return cls(
            access_key_id=os.environ.get("ALIYUN_ACCESS_KEY_ID", ""),
            access_key_secret=os.environ.get("ALIYUN_ACCESS_KEY_SECRET", ""),
            endpoint=os.environ.get("ALIYUN_SMS_ENDPOINT", "dysmsapi.aliyuncs.com"),
            protocol=os.environ.get("ALIYUN_SMS_PROTOCOL", "https"),
            region_id=os.environ.get("ALIYUN_REGION_ID", "cn-hangzhou"),
            template_codes=_template_codes(os.environ.get("ALIYUN_SMS_TEMPLATES", "")),
            threads=_int("SMS_THREADS", 8),
            callback_token=os.environ.get("SMS_CALLBACK_TOKEN", ""),
            callback_networks=split_list(os.environ.get("SMS_CALLBACK_NETWORKS", "")),
            channel=os.environ.get("DOORSTEP_SMS_CHANNEL", "").strip().lower(),
            quiet_start=quiet[0].strip(),
            quiet_end=quiet[-1].strip(),
            digest_seconds=_int("SMS_DIGEST_SECONDS", 180),
            sending_lease_seconds=_int("SMS_SENDING_LEASE_SECONDS", 60),
        )


@dataclass(frozen=True)
class PushSettings:
    """Web Push (VAPID, RFC 8292): on when a private key is set (`doorstep vapid` makes one)."""

    # the VAPID private key: 32 bytes, base64url (no padding)
    vapid_private_key: str = field(default="", repr=False)
    vapid_subject: str = "mailto:ops@doorstep.invalid"
    ttl_seconds: int = 24 * 3600
    # an important push not opened within this long is sent again by SMS
    unread_fallback_seconds: int = 1800
    max_retries: int = 3
    timeout_seconds: int = 10
    threads: int = 8
    # http:// endpoints on 127.0.0.1 / localhost (dev and tests); never in production
    allow_insecure_endpoints: bool = False

    @property
    def enabled(self) -> bool:
        return bool(self.vapid_private_key)

    @classmethod
    def from_env(cls, dev_mode: bool) -> PushSettings:
        return cls(
            vapid_private_key=os.environ.get("VAPID_PRIVATE_KEY", ""),
            vapid_subject=os.environ.get("VAPID_SUBJECT", "mailto:ops@doorstep.invalid"),
            unread_fallback_seconds=_int("PUSH_UNREAD_FALLBACK_SECONDS", 1800),
            allow_insecure_endpoints=dev_mode,
        )


IDENTITY_PROVIDERS = ("aliyun", "dev", "counter")
FILE_STORAGES = ("disk", "oss", "none")


def _files_dir(dev_mode: bool) -> str:
    """The local-disk store's folder, when that is the store in use."""
    if FileStorageSettings.from_env(dev_mode).kind != "disk":
        return ""
    return os.environ.get("DOORSTEP_FILES_DIR", "") or (".doorstep/files" if dev_mode else "")


@dataclass(frozen=True)
class FileStorageSettings:
    """Where material files are kept (ciphertext only): a folder on local disk (dev, tests, one
    machine), Alibaba Cloud OSS (production: every API and worker machine sees the same
    bucket), or none (uploads answer `file.storage_not_configured`; chosen on purpose outside
    dev). Unset, the kind follows what is set: the bucket, then the folder."""

    kind: str = "none"
    # oss: the bucket, its region (cn-hangzhou) and endpoint (oss-cn-hangzhou.aliyuncs.com, or
    # the -internal one inside Aliyun's network); objects go under the prefix
    oss_bucket: str = ""
    oss_region: str = ""
    oss_endpoint: str = ""
    oss_prefix: str = "materials/"
    oss_access_key_id: str = ""
    oss_access_key_secret: str = field(default="", repr=False)
    connect_timeout_seconds: float = 3.0
    read_timeout_seconds: float = 20.0
    # the SDK retries a put, get or delete (each idempotent under our random keys) this often
    # in all; the whole call is bounded by `call_timeout_seconds`
    attempts: int = 3
    call_timeout_seconds: float = 60.0

    @classmethod
    def from_env(cls, dev_mode: bool) -> FileStorageSettings:
        bucket = os.environ.get("DOORSTEP_OSS_BUCKET", "").strip()
        files_dir = os.environ.get("DOORSTEP_FILES_DIR", ".doorstep/files" if dev_mode else "")
        kind = os.environ.get("DOORSTEP_FILE_STORAGE", "").strip().lower()
        if not kind:
            kind = "oss" if bucket else "disk" if files_dir else "none"
        region = os.environ.get("DOORSTEP_OSS_REGION", "").strip()
        return cls(
            kind=kind,
            oss_bucket=bucket,
            oss_region=region,
            oss_endpoint=os.environ.get("DOORSTEP_OSS_ENDPOINT", "").strip(),
            oss_prefix=os.environ.get("DOORSTEP_OSS_PREFIX", "materials/"),
            oss_access_key_id=os.environ.get("DOORSTEP_OSS_ACCESS_KEY_ID", ""),
            oss_access_key_secret=os.environ.get("DOORSTEP_OSS_ACCESS_KEY_SECRET", ""),
            connect_timeout_seconds=float(os.environ.get("DOORSTEP_OSS_CONNECT_TIMEOUT", "3")),
            read_timeout_seconds=float(os.environ.get("DOORSTEP_OSS_READ_TIMEOUT", "20")),
            attempts=_int("DOORSTEP_OSS_ATTEMPTS", 3),
            call_timeout_seconds=float(os.environ.get("DOORSTEP_OSS_CALL_TIMEOUT", "60")),
        )


@dataclass(frozen=True)
class IdentitySettings:
    """Real-identity checks (实名认证): Aliyun's face check against the ID (Cloudauth
    2019-03-07, InitFaceVerify + DescribeFaceVerify); `dev` passes everyone and exists only
    under `doorstep dev`; `counter` turns online checks off (clerks check ID cards)."""

    provider: str = "dev"
    access_key_id: str = ""
    access_key_secret: str = field(default="", repr=False)
    endpoint: str = "cloudauth.aliyuncs.com"
    protocol: str = "https"
    region_id: str = "cn-hangzhou"
    # the scene made in the Aliyun console for this app, and the product it uses
    scene_id: str = ""
    product_code: str = "ID_PRO"
    # where the provider's page sends the citizen back to when the check is done
    return_url: str = ""
    connect_timeout_seconds: float = 3.0
    read_timeout_seconds: float = 10.0
    # checks one citizen may start in a day: each costs money and a face scan
    starts_per_day: int = 5

    @classmethod
    def from_env(cls, dev_mode: bool) -> IdentitySettings:
        default = "dev" if dev_mode else "aliyun"
        return cls(
            provider=os.environ.get("DOORSTEP_IDENTITY_PROVIDER", "").strip().lower() or default,
            access_key_id=os.environ.get("ALIYUN_CLOUDAUTH_ACCESS_KEY_ID", ""),
            access_key_secret=os.environ.get("ALIYUN_CLOUDAUTH_ACCESS_KEY_SECRET", ""),
            endpoint=os.environ.get("ALIYUN_CLOUDAUTH_ENDPOINT", "cloudauth.aliyuncs.com"),
            protocol=os.environ.get("ALIYUN_CLOUDAUTH_PROTOCOL", "https"),
            region_id=os.environ.get("ALIYUN_REGION_ID", "cn-hangzhou"),
            scene_id=os.environ.get("ALIYUN_CLOUDAUTH_SCENE_ID", ""),
            product_code=os.environ.get("ALIYUN_CLOUDAUTH_PRODUCT_CODE", "ID_PRO"),
            return_url=os.environ.get("DOORSTEP_IDENTITY_RETURN_URL", ""),
            starts_per_day=_int("DOORSTEP_IDENTITY_STARTS_PER_DAY", 5),
        )


@dataclass(frozen=True)
class Settings:
    database_url: str
    redis_url: str
    dev_mode: bool
    # AES-256-GCM key for resident IDs and the HMAC key of their blind index
    data_key: bytes = field(repr=False)
    index_key: bytes = field(repr=False)
    host: str = "127.0.0.1"
    port: int = 8000
    db_pool_min: int = 2
    db_pool_max: int = 10
    session_days: int = 30
    # staff, supervisor and admin sessions are short: a lost phone or laptop opens less
    staff_session_hours: int = 12
    # staff log in with the SMS code and a TOTP code; off only in dev (where it is asked of
    # those who enrolled)
    staff_totp_required: bool = True
    sms_sign_name: str = "掌上办"
    support_phone: str = "12345"
    graphql_max_depth: int = 10
    graphql_max_tokens: int = 2000
    graphql_max_aliases: int = 30
    max_body_bytes: int = 64 * 1024
    login_codes_per_client_hour: int = 30
    # tickets (诉求) a citizen may file (themselves, through an agent, or by calling the hotline:
    # counted per caller, never per clerk), and tickets one address may file (app, Open311);
    # 0 turns a limit off. Each filing can send SMS (acknowledgement, follow-ups).
    tickets_per_citizen_hour: int = 5
    tickets_per_citizen_day: int = 20
    tickets_per_client_hour: int = 60
    # applications a citizen may submit (themselves or through an agent; a clerk's at the
    # counter are not counted against them): each sends an SMS and puts tasks in units' queues.
    # 0 turns a limit off.
    applications_per_citizen_hour: int = 10
    applications_per_citizen_day: int = 30
    queue_name: str = "doorstep:queue"
    sms: SmsSettings = field(default_factory=SmsSettings)
    push: PushSettings = field(default_factory=PushSettings)
    identity: IdentitySettings = field(default_factory=IdentitySettings)
    # live progress: the backstop re-read when hints are lost, and WebSocket limits
    # behind a proxy that names the client in a header of its own (Fly: Fly-Client-IP);
    # empty means the connecting address
    client_ip_header: str = ""
    # forwarding headers are believed only from these proxies (CIDRs); empty: from nobody
    trusted_proxies: tuple[str, ...] = ()
    # log-in codes go only to mobile numbers of these regions (ISO 3166 codes)
    login_code_regions: tuple[str, ...] = ("CN",)
    # log-in codes sent in a rolling hour, all numbers together; past it sending pauses
    # (an SMS-pumping attack costs money, not just noise); 0 turns the budget off
    login_codes_per_hour: int = 2000
    progress_poll_seconds: float = 2.0
    ws_init_timeout_seconds: float = 10.0
    ws_max_subscriptions: int = 20
    # a keepalive ping this often; a peer silent for as long again is closed (1001)
    ws_ping_seconds: float = 20.0
    # delegation (帮办代办): the longest period a principal can grant, and how often an agent's
    # open subscription re-checks its delegation (a revocation also wakes it at once)
    delegation_max_days: int = 365
    delegation_recheck_seconds: float = 5.0
    # official holiday schedules for years the chinesecalendar package does not ship yet
    holidays_file: str = ""
    # how long an agent's money-moving action waits for the principal's own confirmation
    confirmation_hours: int = 72
    # browser apps served from other origins that may call the API (CORS) and open its
    # WebSocket; empty: only pages served by the API itself
    cors_origins: tuple[str, ...] = ()
    # the proxy in front terminates TLS and forwards only what came over https (Fly with
    # force_https): answers carry HSTS
    tls_proxy: bool = False
    # bearer token Prometheus sends to /metrics; outside dev, /metrics refuses all without it
    metrics_token: str = field(default="", repr=False)
    # the worker's own /metrics on this port (on HOST), for a worker on a machine of its own
    worker_metrics_port: int = 0
    # where material files are kept (encrypted); empty: .doorstep/files in dev, and no file
    # uploads in production until it (or the OSS bucket) is set
    files_dir: str = ""
    # the store those files are kept in (disk, OSS or none); when left at its default, a
    # `files_dir` given alone (tests) names a local-disk store
    file_storage: FileStorageSettings = field(default_factory=FileStorageSettings)
    # a manifest of trusted GraphQL documents (Apollo's persisted-query manifest, or a JSON
    # object of sha256 -> document): when set, only those documents are executed over HTTP
    trusted_documents_file: str = ""

    @property
    def applications_counted(self) -> int:
        """How many of a citizen's recent applications the read before a submission counts: as
        many as the larger limit (0 with both off: nothing is read)."""
        return max(self.applications_per_citizen_hour, self.applications_per_citizen_day, 0)

    @classmethod
    def from_env(cls, *, dev_mode: bool | None = None) -> Settings:
        dev = dev_mode_from_env() if dev_mode is None else dev_mode
        return cls(
            database_url=os.environ.get("DATABASE_URL", ""),
            redis_url=os.environ.get("REDIS_URL", ""),
            dev_mode=dev,
            data_key=_secret("data", "DOORSTEP_DATA_KEY", dev),
            index_key=_secret("index", "DOORSTEP_INDEX_KEY", dev),
            host=os.environ.get("HOST", "127.0.0.1"),
            files_dir=_files_dir(dev),
            file_storage=FileStorageSettings.from_env(dev),
            port=_int("PORT", 8000),
            db_pool_min=_int("DB_POOL_MIN", 2),
            db_pool_max=_int("DB_POOL_MAX", 10),
            session_days=_int("DOORSTEP_SESSION_DAYS", 30),
            staff_session_hours=_int("DOORSTEP_STAFF_SESSION_HOURS", 12),
            staff_totp_required=_bool("DOORSTEP_STAFF_TOTP_REQUIRED", not dev),
            sms_sign_name=os.environ.get("SMS_SIGN_NAME", "掌上办"),
            support_phone=os.environ.get("DOORSTEP_SUPPORT_PHONE", "12345"),
            login_codes_per_client_hour=_int("DOORSTEP_LOGIN_CODES_PER_CLIENT_HOUR", 30),
            tickets_per_citizen_hour=_int("DOORSTEP_TICKETS_PER_CITIZEN_HOUR", 5),
            tickets_per_citizen_day=_int("DOORSTEP_TICKETS_PER_CITIZEN_DAY", 20),
            tickets_per_client_hour=_int("DOORSTEP_TICKETS_PER_CLIENT_HOUR", 60),
            applications_per_citizen_hour=_int("DOORSTEP_APPLICATIONS_PER_CITIZEN_HOUR", 10),
            applications_per_citizen_day=_int("DOORSTEP_APPLICATIONS_PER_CITIZEN_DAY", 30),
            queue_name=os.environ.get("DOORSTEP_QUEUE", "doorstep:queue"),
            sms=SmsSettings.from_env(),
            push=PushSettings.from_env(dev),
            identity=IdentitySettings.from_env(dev),
            client_ip_header=os.environ.get("DOORSTEP_CLIENT_IP_HEADER", "").lower(),
            trusted_proxies=split_list(os.environ.get("DOORSTEP_TRUSTED_PROXIES", "")),
            login_code_regions=tuple(
                r.upper() for r in split_list(os.environ.get("DOORSTEP_LOGIN_CODE_REGIONS", "CN"))
            ),
            login_codes_per_hour=_int("DOORSTEP_LOGIN_CODES_PER_HOUR", 2000),
            progress_poll_seconds=float(os.environ.get("DOORSTEP_PROGRESS_POLL_SECONDS", "2")),
            ws_init_timeout_seconds=float(os.environ.get("DOORSTEP_WS_INIT_TIMEOUT", "10")),
            ws_max_subscriptions=_int("DOORSTEP_WS_MAX_SUBSCRIPTIONS", 20),
            ws_ping_seconds=float(os.environ.get("DOORSTEP_WS_PING_SECONDS", "20")),
            delegation_max_days=_int("DOORSTEP_DELEGATION_MAX_DAYS", 365),
            delegation_recheck_seconds=float(
                os.environ.get("DOORSTEP_DELEGATION_RECHECK_SECONDS", "5")
            ),
            holidays_file=os.environ.get("DOORSTEP_HOLIDAYS_FILE", ""),
            confirmation_hours=_int("DOORSTEP_CONFIRMATION_HOURS", 72),
            cors_origins=parse_origins(os.environ.get("DOORSTEP_CORS_ORIGINS", "")),
            tls_proxy=_bool("DOORSTEP_TLS_PROXY", False),
            metrics_token=os.environ.get("DOORSTEP_METRICS_TOKEN", ""),
            worker_metrics_port=_int("DOORSTEP_WORKER_METRICS_PORT", 0),
            trusted_documents_file=os.environ.get("DOORSTEP_TRUSTED_DOCUMENTS", ""),
        )
