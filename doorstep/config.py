"""Settings from environment variables, read once at start-up."""

from __future__ import annotations

import base64
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_STATE_DIR = Path(os.environ.get("DOORSTEP_STATE_DIR", ".doorstep"))


def _bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


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
    sms_sign_name: str = "掌上办"
    support_phone: str = "12345"
    graphql_max_depth: int = 10
    graphql_max_tokens: int = 2000
    graphql_max_aliases: int = 30
    max_body_bytes: int = 64 * 1024
    login_codes_per_client_hour: int = 30
    queue_name: str = "doorstep:queue"

    @classmethod
    def from_env(cls, *, dev_mode: bool | None = None) -> Settings:
        dev = _bool("DOORSTEP_DEV", False) if dev_mode is None else dev_mode
        return cls(
            database_url=os.environ.get("DATABASE_URL", ""),
            redis_url=os.environ.get("REDIS_URL", ""),
            dev_mode=dev,
            data_key=_secret("data", "DOORSTEP_DATA_KEY", dev),
            index_key=_secret("index", "DOORSTEP_INDEX_KEY", dev),
            host=os.environ.get("HOST", "127.0.0.1"),
            port=_int("PORT", 8000),
            db_pool_min=_int("DB_POOL_MIN", 2),
            db_pool_max=_int("DB_POOL_MAX", 10),
            session_days=_int("DOORSTEP_SESSION_DAYS", 30),
            sms_sign_name=os.environ.get("SMS_SIGN_NAME", "掌上办"),
            support_phone=os.environ.get("DOORSTEP_SUPPORT_PHONE", "12345"),
            login_codes_per_client_hour=_int("DOORSTEP_LOGIN_CODES_PER_CLIENT_HOUR", 30),
            queue_name=os.environ.get("DOORSTEP_QUEUE", "doorstep:queue"),
        )
