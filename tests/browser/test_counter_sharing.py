"""The data-sharing list at the counter: the list in force as a table (owner and legal basis,
who may use each item for what), and a clerk reading a resident's data for a service: what
the list lets the unit use, or the server's refusal (recorded, the resident sees it). axe-core
on the screen."""

from __future__ import annotations

from doorstep.store.db import Pool
from tests.browser.conftest import shot
from tests.browser.counter import NewScreen, screen, staff_log_in
from tests.browser.journeys import no_axe_violations, visit
from tests.e2e.servers import Server
from tests.integration.proactive_helpers import ZHANG_WEI, citizen_id, resident_id_of

__all__ = ["screen"]
CULTURE_CLERK = "+8613900139113"  # 何俊, 朝阳区文化和旅游局


async def test_the_list_and_a_read_for_a_service(
    web: Server, pool: Pool, screen: NewScreen
) -> None:
    page = await screen("zh_Hans")
    await staff_log_in(page, web, pool, CULTURE_CLERK)
    await visit(page, "#/sharing", "[data-list=sharing] tr[data-entry]")
    scheme = page.locator("tr[data-entry='fact:medical_insurance.scheme']")
    assert "朝阳区医疗保障局" in await scheme.inner_text()
    card = page.locator("tr[data-entry='document:social_security_card']")
    assert "朝阳区文化和旅游局: 社会保障卡公共图书馆借阅开通" in await card.inner_text()
    await no_axe_violations(page, "counter sharing")

    form = page.locator("form[data-form=resident-data]")
    await form.locator("input[name=resident]").fill(resident_id_of(ZHANG_WEI))
    await form.locator("input[name=item]").fill("social-card-library")
    await form.locator("button[type=submit]").click()
    await page.locator("[data-list=resident-data] li").first.wait_for()
    shown = await page.locator("[data-list=resident-data] li[data-item]").evaluate_all(
        "(items) => items.map((i) => i.dataset.item)"
    )
    assert shown == ["document:social_security_card"]
    await shot(page, "counter-sharing")

    # for a service it has no grant for: refused in the server's words, and recorded
    before = await pool.fetchval(
        "select count(*) from personal_data_reads where citizen_id = $1 and refused",
        await citizen_id(pool, ZHANG_WEI),
    )
    await form.locator("input[name=item]").fill("pension-claim")
    await form.locator("button[type=submit]").click()
    alert = page.locator("form[data-form=resident-data] [role=alert]")
    await alert.wait_for()
    assert "已被拒绝并记录" in await alert.inner_text()
    after = await pool.fetchval(
        "select count(*) from personal_data_reads where citizen_id = $1 and refused",
        await citizen_id(pool, ZHANG_WEI),
    )
    assert after == before + 1
    await no_axe_violations(page, "counter sharing, refused")


ADMIN = "+8613900139000"
CSV = (
    "kind,key,owner_unit_code,reader_unit_code,items,bundles,welfare_check,legal_basis\n"
    "fact,household.size,cy-psb,,,,,《中华人民共和国户口登记条例》\n"
    "\n"
    'fact,household.size,cy-psb,{reader},,longevity-allowance,,"《政务数据共享条例》, 第十三条"\n'
)


async def test_an_admin_checks_then_publishes_a_version(
    web: Server, pool: Pool, screen: NewScreen
) -> None:
    page = await screen("en")
    await staff_log_in(page, web, pool, ADMIN)
    await visit(page, "#/sharing", "section[data-form=publish-sharing]")
    form = page.locator("section[data-form=publish-sharing]")
    await form.locator("textarea[name=csv]").fill(CSV.format(reader="cy-nowhere"))
    await form.locator("button[data-action=dry-run]").click()
    # the problem names the pasted text's line (the header is line 1, a blank line counted)
    problem = form.locator("[data-list=problems] li[data-code='sharing.unit_unknown']")
    await problem.wait_for()
    assert await problem.get_attribute("data-line") == "4"
    assert "Line 4: Unknown unit: cy-nowhere" in await problem.inner_text()
    assert await form.locator("button[data-action=publish]").count() == 0
    await no_axe_violations(page, "counter sharing publish, refused")

    before = await pool.fetchval("select count(*) from sharing_list_versions")
    await form.locator("textarea[name=csv]").fill(CSV.format(reader="cy-civil-affairs"))
    await form.locator("input[name=effective_from]").fill("2099-01-01")
    await form.locator("button[data-action=dry-run]").click()
    await form.locator("[role=status][data-errors='0']").wait_for()
    assert await pool.fetchval("select count(*) from sharing_list_versions") == before
    await form.locator("button[data-action=publish]").click()
    await form.locator("[role=status]", has_text="published").wait_for()
    row = await pool.fetchrow(
        """select v.effective_from::text as day, g.legal_basis from sharing_list_versions v
           join sharing_entries e on e.list_id = v.id join sharing_grants g on g.entry_id = e.id
           order by v.version desc limit 1"""
    )
    assert row is not None
    assert (row["day"], row["legal_basis"]) == ("2099-01-01", "《政务数据共享条例》, 第十三条")
    await shot(page, "counter-sharing-publish")
