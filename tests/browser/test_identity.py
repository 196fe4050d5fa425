"""实名认证 in the citizen app: a new citizen's form with an ID is refused and points to the
check; the check (the dev provider, which passes at once) binds the ID; the same form then goes
through. Axe on the screen, normal and elder."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from doorstep.config import Settings
from doorstep.i18n import translate
from doorstep.store.db import Pool
from tests.browser.checks import elder_problems
from tests.browser.conftest import NewPhone, axe_violations, log_in, shot
from tests.e2e.servers import Server, api_servers
from tests.integration.delegation_helpers import fresh_resident_id
from tests.integration.helpers import fresh_phone


@pytest.fixture
async def dev_web(settings: Settings) -> AsyncIterator[Server]:
    """A server in dev mode: its identity provider is the dev one (production's is Aliyun's,
    tested against the fake in tests/integration/test_identity.py)."""
    env = {"DOORSTEP_DEV": "1", "DOORSTEP_IDENTITY_PROVIDER": "dev"}
    async with api_servers(settings, 1, env) as servers:
        yield servers[0]


async def test_a_new_citizen_verifies_and_then_applies_with_the_id(
    dev_web: Server, pool: Pool, phone: NewPhone
) -> None:
    context = await phone("zh_Hans", bypass_csp=True)
    page = await context.new_page()
    citizen, resident_id = fresh_phone(), fresh_resident_id()
    await log_in(page, dev_web, pool, citizen)
    await page.locator("nav.tabs").wait_for()

    await page.goto(dev_web.base + "/#/apply/newborn")
    await page.locator("input[name=residentId]").fill(resident_id)
    await page.locator("form button[type=submit]").click()
    refusal = page.locator("input[name=residentId] ~ p.error")
    await refusal.wait_for()
    assert await refusal.inner_text() == translate(
        "error.identity.verification_required", "zh_Hans"
    )
    await page.locator("a[href='#/identity']").click()

    form = page.locator("form[data-form=identity]")
    await form.wait_for()
    assert await axe_violations(page) == []
    wrong = resident_id[:-1] + ("1" if resident_id[-1] == "0" else "0")
    await page.locator("input[name=residentId]").fill(wrong)
    await page.locator("input[name=name]").fill("王小明")
    await form.locator("button[type=submit]").click()
    bad = page.locator("input[name=residentId] ~ p.error")
    await bad.wait_for()
    assert await bad.inner_text() == translate("error.resident_id.checksum", "zh_Hans")
    await page.locator("input[name=residentId]").fill(resident_id)
    await form.locator("button[type=submit]").click()
    verified = page.locator("[data-identity=verified]")
    await verified.wait_for()
    assert resident_id[-4:] in await verified.inner_text()
    assert resident_id not in await page.content()
    await shot(page, "identity-verified-zh_Hans")

    await page.goto(dev_web.base + "/#/apply/newborn")
    await page.locator("input[name=residentId]").fill(resident_id)
    await page.locator("form button[type=submit]").click()
    await page.locator("[data-timeline]").wait_for()
    row = await pool.fetchrow(
        "select identity_method, identity_verified_at from citizens where phone = $1", citizen
    )
    assert row is not None and row["identity_method"] == "dev"


async def test_the_identity_screen_in_elder_mode(
    dev_web: Server, pool: Pool, phone: NewPhone
) -> None:
    from tests.browser.screens import signed_in_page

    page, _number = await signed_in_page(dev_web, pool, phone, "en", elder=True, bypass_csp=True)
    await page.goto(dev_web.base + "/#/identity")
    await page.locator("form[data-form=identity]").wait_for()
    assert await elder_problems(page) == []
    assert await axe_violations(page) == []
