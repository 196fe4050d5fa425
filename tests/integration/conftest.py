from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from doorstep.api.app import create_app
from doorstep.config import Settings
from doorstep.store.db import Pool
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
        "where u.code = 'cy-psb' and s.role = 'staff'")
    other_staff = await pool.fetchval(
        "select s.phone from staff_members s join units u on u.id = s.unit_id "
        "where u.code = 'cy-civil-affairs' and s.role = 'staff'")
    return {
        "citizen": await login(client, pool, CITIZEN_PHONE),
        "other_citizen": await login(client, pool, OTHER_CITIZEN_PHONE),
        "staff": await login(client, pool, staff_phone, as_staff=True),
        "other_staff": await login(client, pool, other_staff, as_staff=True),
        "supervisor": await login(client, pool, SUPERVISOR_PHONE, as_staff=True),
        "admin": await login(client, pool, ADMIN_PHONE, as_staff=True),
    }
