"""Identity providers behind one interface: start a check for a name and an ID number, then
read its result. The real one is Aliyun's face check (`aliyun.py`); the dev one passes everyone
and is refused outside dev mode."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Protocol

from doorstep.config import Settings


@dataclass(frozen=True)
class Started:
    certify_id: str
    # the page where the citizen shows their face (None: nothing to show, as in dev)
    certify_url: str | None


@dataclass(frozen=True)
class Result:
    passed: bool
    # the provider's own code of the outcome, kept with the check
    code: str


class ProviderError(Exception):
    """The provider could not answer (timeout, refusal of our request, an answer we cannot
    read): nothing about the person is known, so nothing is recorded as verified."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}"[:300])
        self.code = code


class IdentityProvider(Protocol):
    name: str

    async def start(self, *, order_no: str, name: str, resident_id: str) -> Started: ...

    async def result(self, certify_id: str) -> Result: ...

    async def close(self) -> None: ...


class DevProvider:
    """Passes every check at once: `doorstep dev` only."""

    name = "dev"

    async def start(self, *, order_no: str, name: str, resident_id: str) -> Started:
        del order_no, name, resident_id
        return Started(certify_id=f"dev-{secrets.token_hex(12)}", certify_url=None)

    async def result(self, certify_id: str) -> Result:
        del certify_id
        return Result(passed=True, code="dev")

    async def close(self) -> None:
        return None


def build_provider(settings: Settings) -> IdentityProvider | None:
    """The provider the settings name; None when online checks are off (`counter`).
    Refuses the dev provider outside dev mode (fail closed: it would pass anyone)."""
    chosen = settings.identity.provider
    if chosen == "dev":
        if not settings.dev_mode:
            raise RuntimeError("DOORSTEP_IDENTITY_PROVIDER=dev is allowed only in dev mode")
        return DevProvider()
    if chosen == "counter":
        return None
    if chosen == "aliyun":
        from doorstep.services.identity.aliyun import AliyunFaceVerify

        return AliyunFaceVerify(settings.identity)
    raise RuntimeError(f"DOORSTEP_IDENTITY_PROVIDER: unknown provider {chosen!r}")
