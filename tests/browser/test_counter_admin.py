"""Administration and identity conflicts in the staff console, in Chromium.

The admin creates a community with its service area (an overlapping area refused with the
API's message), a staff account (a phone that has one refused), a new version of a service
item in force from tomorrow (a promise longer than the legal limit refused) and a bundle (an
unknown item refused), and enters next
year's holiday schedule: until then the year shows the statutory fallback with a warning. A
supervisor decides an identity conflict (no reason: refused). axe-core on every new screen in
the three languages, and no catalog key shown in place of a text."""

from __future__ import annotations

import re
import secrets

import pytest

from doorstep.i18n import translate
from doorstep.store.db import Pool
from tests.browser.conftest import axe_violations, shot
from tests.browser.counter import SUPERVISOR, NewScreen, screen, staff_log_in
from tests.browser.journeys import Api, visit
from tests.e2e.servers import Server
from tests.integration.helpers import fresh_phone

__all__ = ["screen"]
ADMIN = "+8613900139000"
HOLDER = "+8613800138004"  # 刘建国: his resident ID is the one claimed
KEY = re.compile(r"\b[a-z_]+\.[a-z_]+(\.[a-z_]+)?\b")
ROUTES = [
    ("#/admin/units", "[data-tab=units] table"),
    ("#/admin/staff", "[data-tab=staff] table"),
    ("#/admin/catalog", "[data-tab=catalog] table"),
    ("#/admin/calendar", "[data-tab=calendar] [data-year]"),
    ("#/conflicts", "section[aria-labelledby=open-conflicts]"),
]


async def _no_keys_shown(page: object, where: str) -> None:
    shown = await page.locator("main").inner_text()  # type: ignore[attr-defined]
    keys = [m.group(0) for m in KEY.finditer(shown) if "@" not in m.group(0)]
    assert not [k for k in keys if not re.match(r"^[a-z_]+\.(cn|com)$", k)], (where, keys)


@pytest.mark.parametrize("language", ["zh_Hans", "zh_Hant", "en"])
async def test_administration_screens_pass_axe(
    web: Server, pool: Pool, screen: NewScreen, language: str
) -> None:
    for tablet in (False, True) if language == "en" else (False,):
        page = await screen(language, tablet=tablet)
        await staff_log_in(page, web, pool, ADMIN, language)
        nav = page.locator("nav.side")
        assert await nav.locator("a[href='#/admin']").count() == 1
        assert await nav.locator("a[href='#/conflicts']").count() == 1
        for route, ready in ROUTES:
            await visit(page, route, ready)
            assert await axe_violations(page) == [], (route, tablet)
            await _no_keys_shown(page, route)
        await shot(page, f"counter-admin-{language}{'-tablet' if tablet else ''}")


async def test_admin_sets_up_units_staff_catalog_and_calendar(
    web: Server, pool: Pool, screen: NewScreen
) -> None:
    page = await screen("en")
    await staff_log_in(page, web, pool, ADMIN)
    suffix = secrets.token_hex(3)

    # a community with its service area; a second one over the same area is refused
    await visit(page, "#/admin/units", "[data-tab=units] table")
    for code in (f"t-{suffix}-a", f"t-{suffix}-b"):
        await page.locator("button[data-action=new-unit]").click()
        form = page.locator("form[data-form=unit]")
        await form.locator("input[name=code]").fill(code)
        await form.locator("input[name=name]").fill(f"光华里社区 {code}")
        await form.locator("input[name=regionCode]").fill("110105001002")
        await form.locator("input[name=territories]").fill("110105001002")
        await form.locator("button[type=submit]").dblclick()
        if code.endswith("-a"):
            await page.locator(f"tr[data-unit='{code}']").wait_for()
            continue
        error = form.locator(".error")
        await error.wait_for()
        assert await error.inner_text() == translate(
            "error.admin.territory_overlap",
            "en",
            territory="110105001002",
            other_territory="110105001002",
            other_unit=f"t-{suffix}-a",
        )
        await form.locator("input[name=territories]").fill("")
        await form.locator("button[type=submit]").click()
        await page.locator(f"tr[data-unit='{code}']").wait_for()
    units = await pool.fetchval("select count(*) from units where code like $1", f"t-{suffix}-%")
    assert units == 2  # one each, for double clicks too

    # a staff account: a phone that has one is refused, a new one is made
    await visit(page, "#/admin/staff", "[data-tab=staff] table")
    await page.locator("button[data-action=new-staff]").click()
    form = page.locator("form[data-form=staff]")
    await form.locator("input[name=phone]").fill("+8613900139105")
    await form.locator("input[name=name]").fill("新同事")
    await form.locator("select[name=unitCode]").select_option(f"t-{suffix}-a")
    await form.locator("button[type=submit]").click()
    error = form.locator(".error")
    await error.wait_for()
    assert await error.inner_text() == translate(
        "error.admin.staff_phone_taken", "en", phone="+8613900139105"
    )
    phone = fresh_phone().replace("+86138", "+86137")
    await form.locator("input[name=phone]").fill(phone)
    await form.locator("button[type=submit]").click()
    await page.locator(f"tr[data-staff='{phone}']").wait_for()

    # the catalog: a new version of an item in force from tomorrow
    await visit(page, "#/admin/catalog", "[data-tab=catalog] table")
    row = page.locator("tr[data-item][data-in-force=true]").first
    item = await row.get_attribute("data-item")
    before = await page.locator(f"tr[data-item='{item}']").count()
    await row.locator("button[data-action=item-version]").click()
    form = page.locator("form[data-form=item]")
    await form.locator("input[name=legalDays]").fill("5")
    await form.locator("input[name=promisedDays]").fill("9")
    await form.locator("button[type=submit]").click()
    error = form.locator(".error")
    await error.wait_for()
    assert await error.inner_text() == translate("error.admin.promised_over_legal", "en")
    await form.locator("input[name=promisedDays]").fill("3")
    await form.locator("button[type=submit]").click()
    newest = page.locator(f"tr[data-item='{item}'][data-version='{before + 1}']")
    await newest.wait_for()
    assert await page.locator(f"tr[data-item='{item}']").count() == before + 1
    assert await newest.get_attribute("data-in-force") == "false"  # from tomorrow
    # a new bundle: an item the catalog does not have is refused, then it combines real ones
    await page.locator("button[data-action=new-bundle]").click()
    form = page.locator("form[data-form=bundle]")
    await form.locator("input[name=code]").fill(f"t-{suffix}")
    await form.locator("input[name=name]").fill("测试一件事")
    await form.locator("input[name=itemCodes]").fill(f"{item}, no-such-item")
    await form.locator("button[type=submit]").click()
    error = form.locator(".error")
    await error.wait_for()
    assert await error.inner_text() == translate(
        "error.admin.item_unknown", "en", item="no-such-item"
    )
    await form.locator("input[name=itemCodes]").fill(f"{item}")
    await form.locator("button[type=submit]").click()
    await page.locator(f"tr[data-bundle='t-{suffix}'][data-version='1']").wait_for()

    # the calendar: next year has no schedule yet, so the statutory days and a warning
    await visit(page, "#/admin/calendar", "[data-tab=calendar] [data-year]")
    missing = page.locator("[data-year][data-basis=STATUTORY]").first
    await missing.wait_for()
    year = await missing.get_attribute("data-year")
    assert await missing.locator("[data-warning=missing]").count() == 1
    assert f"{year}" in await missing.locator("[data-warning=missing]").inner_text()
    await shot(page, "counter-admin-calendar-en")
    # the server decides the statutory days: read them back as the console's session
    days = await page.evaluate(
        """async (year) => {
          const r = await fetch('/graphql', {method: 'POST', headers: {'content-type':
            'application/json', authorization: `Bearer ${JSON.parse(
            localStorage.getItem('counter.token'))}`}, body: JSON.stringify({query:
            `{ workingCalendar(first: ${year}, last: ${year}) { weekdayRestDays } }`})});
          return (await r.json()).data.workingCalendar[0].weekdayRestDays;
        }""",
        int(year or 0),
    )
    assert f"{year}-01-01" in days
    # entered as the statutory days themselves, so every other deadline stays as it was
    await page.locator("button[data-action=enter-schedule]").click()
    form = page.locator("form[data-form=schedule]")
    await form.locator("select[name=year]").select_option(year)
    await form.locator("textarea[name=holidays]").fill("\n".join(days))
    await form.locator("input[name=source]").fill("")
    await form.locator("button[type=submit]").click()
    error = form.locator(".error")
    await error.wait_for()
    assert (await error.inner_text()).strip()
    await form.locator("input[name=source]").fill(f"国务院办公厅关于{year}年部分节假日安排的通知")
    await form.locator("button[type=submit]").click()
    entered = page.locator(f"[data-year='{year}'][data-basis=ENTERED]")
    await entered.wait_for()
    assert await entered.locator("[data-warning]").count() == 0
    assert await entered.locator("tr[data-version]").count() >= 1


async def _conflict(pool: Pool, claimant_phone: str) -> int:
    """An open conflict: a fresh account proved 刘建国's resident ID."""
    holder = await pool.fetchrow(
        "select id, resident_id_enc, resident_id_index, resident_id_masked from citizens "
        "where phone = $1",
        HOLDER,
    )
    assert holder is not None
    claimant = await pool.fetchval("select id from citizens where phone = $1", claimant_phone)
    verification = await pool.fetchval(
        """insert into identity_verifications (citizen_id, provider, name, resident_id_enc,
               resident_id_index, resident_id_masked, status, finished_at)
           values ($1, 'aliyun', '刘建国', $2, $3, $4, 'conflict', now()) returning id""",
        claimant,
        holder["resident_id_enc"],
        holder["resident_id_index"],
        holder["resident_id_masked"],
    )
    conflict: int = await pool.fetchval(
        """insert into identity_conflicts (verification_id, claimant_id, holder_id,
               resident_id_index, resident_id_masked) values ($1, $2, $3, $4, $5) returning id""",
        verification,
        claimant,
        holder["id"],
        holder["resident_id_index"],
        holder["resident_id_masked"],
    )
    return conflict


async def test_supervisor_decides_an_identity_conflict(
    web: Server, pool: Pool, screen: NewScreen
) -> None:
    claimant = fresh_phone()
    api = Api(web, pool)
    try:
        await api.token(claimant)  # the account exists once it logged in
    finally:
        await api.close()
    conflict = await _conflict(pool, claimant)

    page = await screen("en")
    await staff_log_in(page, web, pool, SUPERVISOR)
    await visit(page, "#/conflicts", f"li[data-conflict='{conflict}']")
    card = page.locator(f"li[data-conflict='{conflict}']")
    await card.locator("button[data-action=keep]").click()
    error = card.locator(".error")
    await error.wait_for()
    assert await error.inner_text() == translate("error.identity.reason_invalid", "en", limit=500)
    await card.locator("input[name=reason]").fill("Holder showed his ID card at the hall")
    await card.locator("button[data-action=keep]").dblclick()
    decided = page.locator(f"li[data-conflict='{conflict}'][data-status=kept]")
    await decided.wait_for()
    assert await axe_violations(page) == []
    await shot(page, "counter-conflicts-en")
    row = await pool.fetchrow(
        "select status, reason from identity_conflicts where id = $1", conflict
    )
    assert row is not None
    assert row["status"] == "kept" and row["reason"] == "Holder showed his ID card at the hall"
