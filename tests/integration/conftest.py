from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from doorstep.api.app import create_app
from doorstep.config import Settings
from doorstep.notify.aliyun import AliyunSmsChannel
from doorstep.store.db import Pool
from tests.fakes.aliyun_sms import FAKE_KEY_ID, FAKE_KEY_SECRET, FakeDysmsapi, fake_for_catalogs
from tests.integration.helpers import login

CITIZEN_PHONE = "+8613800138001"
OTHER_CITIZEN_PHONE = "+8613800138002"
ELDER_PHONE = "+8613800138003"
SUPERVISOR_PHONE = "+8613900139001"
ADMIN_PHONE = "+8613900139000"


@pytest.fixture(scope="session")
async def client(settings: Settings) -> AsyncIterator[AsyncTestClient[Any]]:
    async with AsyncTestClient(app=create_app(settings)) as c:
        yield c


@pytest.fixture(scope="session")
async def tokens(client: AsyncTestClient[Any], pool: Pool) -> dict[str, str]:
    """One session per demo role, made once (log-in codes are rate limited per phone)."""
    staff_phone = await pool.fetchval(
        "select s.phone from staff_members s join units u on u.id = s.unit_id "
        "where u.code = 'cy-psb' and s.role = 'staff'"
    )
    other_staff = await pool.fetchval(
        "select s.phone from staff_members s join units u on u.id = s.unit_id "
        "where u.code = 'cy-civil-affairs' and s.role = 'staff'"
    )
    return {
        "citizen": await login(client, pool, CITIZEN_PHONE),
        "other_citizen": await login(client, pool, OTHER_CITIZEN_PHONE),
        "staff": await login(client, pool, staff_phone, as_staff=True),
        "other_staff": await login(client, pool, other_staff, as_staff=True),
        "supervisor": await login(client, pool, SUPERVISOR_PHONE, as_staff=True),
        "admin": await login(client, pool, ADMIN_PHONE, as_staff=True),
    }


@pytest.fixture
def fake_aliyun(settings: Settings) -> Iterator[FakeDysmsapi]:
    """A fake Dysmsapi on a free 127.0.0.1 port with every catalog template registered."""
    fake, _codes = fake_for_catalogs(settings.sms_sign_name)
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def aliyun_settings(settings: Settings, fake_aliyun: FakeDysmsapi) -> Settings:
    """Settings whose SMS go through the real SDK, over HTTP, to the fake."""
    _fake, codes = fake_for_catalogs(settings.sms_sign_name)
    sms = dataclasses.replace(
        settings.sms,
        access_key_id=FAKE_KEY_ID,
        access_key_secret=FAKE_KEY_SECRET,
        endpoint=fake_aliyun.endpoint,
        protocol="http",
        template_codes=codes,
        threads=4,
        connect_timeout_seconds=1,
        read_timeout_seconds=1,
        # the channel on its own: quiet hours, digests and caps have their own tests
        quiet_start="",
        quiet_end="",
        digest_seconds=0,
        caps=(),
    )
    return dataclasses.replace(settings, sms=sms)


@pytest.fixture
async def channel(aliyun_settings: Settings) -> AsyncIterator[AliyunSmsChannel]:
    """The real Aliyun channel (SDK over HTTP) pointed at the fake Dysmsapi."""
    c = AliyunSmsChannel(aliyun_settings.sms, aliyun_settings.sms_sign_name)
    yield c
    await c.close()
