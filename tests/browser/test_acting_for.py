"""Acting for someone (帮办代办) in two browsers: 李娜 asks to act for her mother 王秀英, who
consents in her own app (in elder mode); 李娜 acts for her with a banner that stays on every
screen; her application for a money-moving bundle waits for 王秀英's own confirmation, which
王秀英 gives in her app; then 王秀英 stops the delegation and 李娜's app leaves acting."""

from __future__ import annotations

from doorstep.i18n import translate
from doorstep.store.db import Pool
from tests.browser.checks import banner_in_view, elder_problems
from tests.browser.conftest import NewPhone, shot
from tests.browser.journeys import enter, no_axe_violations, visit
from tests.e2e.servers import Server
from tests.integration.helpers import forget_recent_codes
from tests.integration.proactive_helpers import LI_NA, WANG_XIUYING, citizen_id, resident_id_of

# every screen the agent can reach while acting, and what shows it is ready
SCREENS = [
    ("#/", "main h1"),
    ("#/catalog", "main .cards li"),
    ("#/notifications", "main h1"),
    ("#/settings", "nav.more"),
    ("#/offers", "main h1"),
    ("#/tickets", "main h1"),
    ("#/access", "main h1"),
    ("#/delegations", "main h1"),
    ("#/confirmations", "main h1"),
    ("#/apply/after-death", "form"),
]
# screens that show the principal's data under a title that otherwise says "my …" / "for you"
TITLED_THEIRS = [
    ("#/tickets", "app.tickets.title"),
    ("#/access", "app.access.title"),
    ("#/offers", "app.offers.title"),
    # what she is asked to confirm: hers to answer, not the agent's
    ("#/confirmations", "app.confirmations.title"),
]


async def _no_open_delegation(pool: Pool, agent: int, principal: int) -> None:
    """Earlier runs' delegations between the two set aside (one open at a time)."""
    await pool.execute(
        """update delegation_confirmations set status = 'cancelled', decided_at = now(),
           decided_by = 'delegation' where status = 'pending' and agent_id = $1
           and principal_id = $2""",
        agent,
        principal,
    )
    await pool.execute(
        """update delegations set status = 'revoked', ended_at = now(), ended_by = 'principal'
           where status in ('requested', 'active') and agent_id = $1 and principal_id = $2""",
        agent,
        principal,
    )


async def test_li_na_acts_for_wang_xiuying(web: Server, pool: Pool, phone: NewPhone) -> None:
    agent_id, principal_id = (
        await citizen_id(pool, LI_NA),
        await citizen_id(pool, WANG_XIUYING),
    )
    await _no_open_delegation(pool, agent_id, principal_id)
    li_na = await (await phone(bypass_csp=True)).new_page()
    wang = await (await phone(bypass_csp=True)).new_page()

    # 李娜 asks
    await enter(li_na, web, pool, LI_NA)
    await visit(li_na, "#/delegations", "form[data-form=delegation]")
    form = li_na.locator("form[data-form=delegation]")
    await form.locator("input[name=principalPhone]").fill(WANG_XIUYING.removeprefix("+86"))
    await form.locator("button[type=submit]").dblclick()
    await form.locator("[role=status]").wait_for()
    assert (
        await pool.fetchval(
            "select count(*) from delegations where agent_id = $1 and principal_id = $2 "
            "and status = 'requested'",
            agent_id,
            principal_id,
        )
        == 1
    )  # asked once for a double tap
    await no_axe_violations(li_na, "delegations (agent)")

    # 王秀英 (born 1944) takes elder mode, and consents in her own app
    await enter(wang, web, pool, WANG_XIUYING, elder=True)
    if not await wang.locator("body.elder").count():
        await visit(wang, "#/settings", "main button.primary")
        await wang.locator("main button.primary").click()
        await wang.locator("body.elder").wait_for()
    await visit(wang, "#/delegations", "[data-viewer=principal][data-status=REQUESTED]")
    assert await elder_problems(wang) == []
    await no_axe_violations(wang, "delegations (principal, elder)")
    await shot(wang, "delegation-consent-elder")
    await wang.locator("[data-status=REQUESTED] button.primary").click()
    await wang.locator("[data-viewer=principal][data-status=ACTIVE]").wait_for()

    # 李娜 acts for her: the banner on every screen, however far it is scrolled
    await li_na.reload()
    await visit(li_na, "#/delegations", "[data-viewer=agent][data-status=ACTIVE] button.primary")
    await li_na.locator("[data-viewer=agent][data-status=ACTIVE] button.primary").click()
    banner = li_na.locator(".acting-banner")
    await banner.wait_for()
    assert "王秀英" in await banner.inner_text()
    assert await banner.get_attribute("data-acting") == str(principal_id)
    for route, ready in SCREENS:
        await visit(li_na, route, ready)
        assert await banner_in_view(li_na), route
    # what is hers is named hers, never "my …" (which would be 李娜's own)
    for route, key in TITLED_THEIRS:
        await visit(li_na, route, "main h1")
        title = await li_na.locator("main h1").inner_text()
        assert title == translate(f"{key}_for", "zh_Hans", name="王秀英"), (route, title)
        assert title != translate(key, "zh_Hans"), route
    await visit(li_na, "#/access", "#sharing-title")
    assert await li_na.locator("#sharing-title").inner_text() == translate(
        "app.sharing.title_for", "zh_Hans", name="王秀英"
    )
    await visit(li_na, "#/settings", "nav.more")
    links = await li_na.locator("nav.more").inner_text()
    for _route, key in TITLED_THEIRS:
        assert translate(key, "zh_Hans") not in links, key
        assert translate(f"{key}_for", "zh_Hans", name="王秀英") in links, key
    await visit(li_na, "#/apply/after-death", "form")
    await no_axe_violations(li_na, "apply while acting")

    # a money-moving bundle: it waits for 王秀英's own confirmation
    apply = li_na.locator("form")
    await apply.locator("input[name=residentId]").fill(resident_id_of(WANG_XIUYING))
    await apply.locator("button[type=submit]").dblclick()
    waiting = li_na.locator("[data-list=confirmations] [data-status=PENDING]")
    await waiting.wait_for()
    assert translate("confirmation_status.pending", "zh_Hans") in await waiting.inner_text()
    assert await banner_in_view(li_na)
    await no_axe_violations(li_na, "confirmations (agent)")
    await shot(li_na, "acting-waiting-confirmation")
    pending = await pool.fetch(
        "select id from delegation_confirmations where agent_id = $1 and principal_id = $2 "
        "and status = 'pending'",
        agent_id,
        principal_id,
    )
    assert len(pending) == 1  # one for a double tap

    # 王秀英 confirms in her own app: the application is made, as hers
    await visit(wang, "#/", "main h1")
    await wang.reload()
    await wang.locator("a[href='#/confirmations']").first.click()
    item = wang.locator(f"[data-confirmation='{pending[0]['id']}']")
    await item.wait_for()
    assert "李娜" in await item.inner_text()
    assert await elder_problems(wang) == []
    await no_axe_violations(wang, "confirmations (principal, elder)")
    await item.locator("button.primary").click()
    await wang.wait_for_url("**/#/application/*")
    number = wang.url.rsplit("/", 1)[-1]
    assert await pool.fetchval("select citizen_id from applications where number = $1", number) == (
        principal_id
    )
    assert (
        await pool.fetchval(
            "select status from delegation_confirmations where id = $1", pending[0]["id"]
        )
        == "confirmed"
    )

    # 王秀英 stops it; 李娜's next screen is her own again
    await visit(wang, "#/delegations", "[data-viewer=principal][data-status=ACTIVE]")
    await wang.locator("[data-viewer=principal][data-status=ACTIVE] button.secondary").click()
    await wang.locator("main .empty").wait_for()
    assert (
        await pool.fetchval(
            "select status from delegations where agent_id = $1 and principal_id = $2 "
            "order by id desc limit 1",
            agent_id,
            principal_id,
        )
        == "revoked"
    )
    await visit(li_na, "#/access", "main h1")
    await banner.wait_for(state="detached")
    await li_na.locator(
        f"main h1:text-is('{translate('app.access.title', 'zh_Hans')}')"
    ).wait_for()  # her own again
    # the log-in codes sent to the two demo numbers here do not hold back other tests' codes
    await forget_recent_codes(pool, LI_NA)
    await forget_recent_codes(pool, WANG_XIUYING)
