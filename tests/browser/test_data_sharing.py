"""Who may use my data (数据共享责任清单) on the "who looked at my data" screen: per item of the
citizen's data the unit that keeps it and the units that may use it for what; a read the list
refused shows in the log, marked, and is counted on its item."""

from __future__ import annotations

from doorstep.store.db import Pool
from tests.browser.conftest import NewPhone, shot
from tests.browser.journeys import Api, enter, no_axe_violations, visit
from tests.e2e.servers import Server
from tests.integration.helpers import error_code, gql
from tests.integration.proactive_helpers import resident_id_of

CHEN_JIAWEN = "+8613800138005"  # reads English
CULTURE_CLERK = "+8613900139113"
READ = """query($r: String!, $k: [DataItemRef!]) { residentData(residentId: $r,
  itemCode: "social-card-library", items: $k) { purpose } }"""


async def test_who_may_use_my_data_and_a_refused_read(
    web: Server, pool: Pool, phone: NewPhone
) -> None:
    api = Api(web, pool)
    clerk = await api.token(CULTURE_CLERK, staff=True)
    asked = [{"kind": "fact", "key": "medical_insurance.scheme"}]
    refused = await gql(
        api.client,  # type: ignore[arg-type]
        READ,
        {"r": resident_id_of(CHEN_JIAWEN), "k": asked},
        token=clerk,
    )
    assert error_code(refused) == "sharing.read_not_allowed"
    await api.close()

    page = await (await phone("en", bypass_csp=True)).new_page()
    await enter(page, web, pool, CHEN_JIAWEN, "en")
    await visit(page, "#/access", "[data-list=sharing] li")
    scheme = page.locator("[data-item='fact:medical_insurance.scheme']")
    assert "Kept by 朝阳区医疗保障局" in await scheme.inner_text()
    assert "1 reads refused" in await scheme.inner_text()
    log = page.locator("[data-list=access] li[data-refused=true]").first
    assert "朝阳区文化和旅游局" in await log.inner_text()
    assert "refused" in await log.inner_text()
    # for which service: its name, not its code
    assert "社会保障卡公共图书馆借阅开通" in await log.inner_text()
    # the household register: kept by the police, used by the units listed, for what
    register = page.locator("[data-item='document:household_register']")
    await register.locator("summary").click()
    readers = await register.locator("[data-list=readers]").inner_text()
    assert "朝阳区教育委员会" in readers and "幼儿园入园" in readers
    await no_axe_violations(page, "#/access with the data-sharing list")
    await shot(page, "data-sharing")


WANG_XIUYING = "+8613800138003"  # 82, elder mode


async def test_who_may_use_my_data_in_elder_mode(web: Server, pool: Pool, phone: NewPhone) -> None:
    from tests.browser.checks import elder_problems

    page = await (await phone("zh_Hans", bypass_csp=True)).new_page()
    await enter(page, web, pool, WANG_XIUYING, elder=True)
    await visit(page, "#/access", "[data-list=sharing] li")
    assert "谁能用我的资料" in await page.locator("#sharing-title").inner_text()
    alone = page.locator("[data-item='fact:household.lives_alone']")
    assert "由永安里社区居委会负责" in await alone.inner_text()
    await alone.locator("summary").click()
    assert "朝阳区民政局: 探访关爱" in await alone.locator("[data-list=readers]").inner_text()
    assert await elder_problems(page) == []
    await no_axe_violations(page, "#/access in elder mode")
    await shot(page, "data-sharing-elder")


async def test_a_relative_acting_for_someone_sees_their_data_sharing(
    web: Server, pool: Pool, phone: NewPhone
) -> None:
    """Under a delegation for every theme the agent sees the principal's list; under one for
    some themes only, the server's reason instead."""
    from tests.integration.delegation_helpers import make_delegation
    from tests.integration.proactive_helpers import LI_NA, citizen_id

    agent_id, principal_id = await citizen_id(pool, LI_NA), await citizen_id(pool, CHEN_JIAWEN)
    # earlier runs' delegations between the two set aside (one open at a time)
    await pool.execute(
        """update delegations set status = 'revoked', ended_at = now(), ended_by = 'principal'
           where status in ('requested', 'active') and agent_id = $1 and principal_id = $2""",
        agent_id,
        principal_id,
    )
    delegation_id = await make_delegation(pool, agent_id, principal_id, ["applications"])
    page = await (await phone("zh_Hans", bypass_csp=True)).new_page()
    await enter(page, web, pool, LI_NA)
    chosen = f"[data-delegation='{delegation_id}'] button.primary"
    await visit(page, "#/delegations", chosen)
    await page.locator(chosen).click()
    await page.locator(".acting-banner").wait_for()
    # choosing whom to act for ends on the home screen: only then go on
    await page.wait_for_function("() => !location.hash.startsWith('#/delegations')")
    await visit(page, "#/access", "[data-sharing=refused]")
    assert "授权" in await page.locator("[data-sharing=refused]").inner_text()
    await no_axe_violations(page, "#/access acting, data-sharing refused")

    await pool.execute("update delegations set themes = '{all}' where id = $1", delegation_id)
    await visit(page, "#/", "main h1")
    await visit(page, "#/access", "[data-list=sharing] li")
    assert await page.locator(".acting-banner").count() == 1
    scheme = page.locator("[data-item='fact:medical_insurance.scheme']")
    assert "朝阳区医疗保障局" in await scheme.inner_text()
    await no_axe_violations(page, "#/access acting, with the data-sharing list")
    await shot(page, "data-sharing-acting")
    await pool.execute(
        "update delegations set status = 'revoked', ended_at = now(), ended_by = 'principal' "
        "where id = $1",
        delegation_id,
    )
