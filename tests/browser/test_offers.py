"""Offers that found me (服务找人) and who looked at my data, in the browser: the plain reason
and the values behind it with the unit that holds them; appeal asks a person, whose look at
my data then shows in my log; dismiss; a kind turned off and on. (Accepting is not driven
here: the application it makes would keep the demo citizen's offer from being found again,
which the rule tests rely on.)"""

from __future__ import annotations

from doorstep.i18n import translate
from doorstep.services.deps import Deps
from doorstep.services.proactive import finding
from doorstep.services.proactive.views import MAX_REASON_CHARS
from doorstep.store.db import Pool
from tests.browser.conftest import NewPhone, shot
from tests.browser.journeys import Api, enter, no_axe_violations, visit
from tests.e2e.servers import Server
from tests.integration.helpers import fresh_phone
from tests.integration.proactive_helpers import LIU_JIANGUO, citizen_id, fresh_offer

RULES = ("retirement-upcoming", "elder-card-60")


async def _fresh_offers(pool: Pool, deps: Deps) -> None:
    """刘建国's offers of his two rules, found again by the rules over the demo data."""
    await pool.execute(
        """update opportunities set status = 'expired' where citizen_id = $1
           and rule_id in (select id from offer_rules where code = any($2::text[]))
           and status in ('open', 'appealed', 'accepted', 'dismissed', 'withdrawn')""",
        await citizen_id(pool, LIU_JIANGUO),
        list(RULES),
    )
    await finding.evaluate_all(deps)


async def test_offers_explain_themselves_and_are_answered(
    web: Server, pool: Pool, deps: Deps, phone: NewPhone
) -> None:
    await _fresh_offers(pool, deps)
    extra = await fresh_offer(pool, LIU_JIANGUO, "longevity-allowance-80")
    offers = {
        r["code"]: r["id"]
        for r in await pool.fetch(
            """select r.code, p.id from opportunities p join offer_rules r on r.id = p.rule_id
               where p.citizen_id = $1 and p.status = 'open'""",
            await citizen_id(pool, LIU_JIANGUO),
        )
    }
    assert set(RULES) <= set(offers)
    page = await (await phone("zh_Hant", bypass_csp=True)).new_page()

    await enter(page, web, pool, LIU_JIANGUO, "zh_Hant")
    # home: offers are something that needs me
    link = page.locator("a[data-link=offers]")
    await link.wait_for()
    await link.click()
    card = page.locator(f"[data-offer='{offers['retirement-upcoming']}']")
    await card.wait_for()
    await no_axe_violations(page, "offers")
    await shot(page, "offers-zh_Hant")
    # why, in plain words, and from which values of which unit
    text = await card.inner_text()
    reason = await pool.fetchval(
        "select evidence from opportunities where id = $1", offers["retirement-upcoming"]
    )
    assert reason  # the evidence the rule read
    assert translate("app.offers.why", "zh_Hant") in text
    assert "來自" in text  # "(from <unit>)" next to each value

    # appeal: an empty reason is refused next to the field, then a reason goes to a person
    await card.locator("button[aria-expanded]").click()
    appeal = card.locator("form[data-form=appeal]")
    await appeal.locator("button[type=submit]").click()
    error = appeal.locator(".error")
    await error.wait_for()
    assert await error.inner_text() == translate(
        "error.offer.reason_invalid", "zh_Hant", limit=MAX_REASON_CHARS
    )
    await appeal.locator("textarea").fill("我已經辦過退休了")
    await appeal.locator("button[type=submit]").dblclick()
    await page.locator(
        f"[data-offer='{offers['retirement-upcoming']}'][data-status=APPEALED]"
    ).wait_for()
    appeals = await pool.fetchval(
        "select count(*) from offer_appeals where opportunity_id = $1",
        offers["retirement-upcoming"],
    )
    assert appeals == 1

    # dismiss: not offered again
    await page.locator(f"[data-offer='{extra}'] button.secondary").first.click()
    await page.locator(f"[data-offer='{extra}'][data-status=DISMISSED]").wait_for()

    # the reviewer at the rule's unit looks at the appeal: that look is in my log
    api = Api(web, pool)
    try:
        reviewer = await pool.fetchval(
            """select s.phone from staff_members s join offer_rule_versions v
               on v.owner_unit_id = s.unit_id join opportunities p on p.rule_id = v.rule_id
               and p.rule_version = v.version where p.id = $1 and s.role = 'staff' limit 1""",
            offers["retirement-upcoming"],
        )
        token = await api.token(reviewer, staff=True)
        await api.run("{ offerAppeals { id } }", {}, token)
        unit = await pool.fetchval(
            "select u.name from units u join staff_members s on s.unit_id = u.id "
            "where s.phone = $1",
            reviewer,
        )
    finally:
        await api.close()
    await visit(page, "#/access", "[data-list=access] li[data-reader=staff]")
    assert unit in await page.locator("[data-list=access] li").first.inner_text()
    await no_axe_violations(page, "access")
    await shot(page, "access-zh_Hant")

    # stop a kind of offers, then take it back
    await visit(page, "#/offers", "[data-category] button")
    choice = page.locator("[data-category] button").first
    category = await page.locator("[data-category]").first.get_attribute("data-category")
    await choice.click()
    await page.locator("[data-category] button[aria-pressed=true]").wait_for()
    assert await pool.fetchval(
        "select count(*) from offer_opt_outs where citizen_id = $1 and category = $2",
        await citizen_id(pool, LIU_JIANGUO),
        (category or "").lower(),
    )
    await no_axe_violations(page, "offers after stop")
    await choice.click()
    await page.locator("[data-category] button[aria-pressed=false]").first.wait_for()


async def test_accepting_an_offer_opens_its_application(
    web: Server, pool: Pool, phone: NewPhone
) -> None:
    citizen = fresh_phone()
    page = await (await phone("en", bypass_csp=True)).new_page()
    await enter(page, web, pool, citizen, "en")
    offer = await fresh_offer(pool, citizen, "longevity-allowance-80")
    await visit(page, "#/offers", f"[data-offer='{offer}'] button.primary")
    # a double tap applies once
    await page.locator(f"[data-offer='{offer}'] button.primary").dblclick()
    await page.wait_for_url("**/#/application/*")
    number = page.url.rsplit("/", 1)[1]
    # the application's own page: the offer's bundle, its tasks, the submission in its timeline
    await page.locator("p.card-meta", has_text=number).wait_for()  # the page, not its timeline
    await page.locator("[data-timeline] li").first.wait_for()
    rows = await pool.fetch(
        """select a.number, b.code from applications a join bundles b on b.id = a.bundle_id
           where a.citizen_id = $1""",
        await citizen_id(pool, citizen),
    )
    assert [(r["number"], r["code"]) for r in rows] == [(number, "longevity-allowance")]
    status = await pool.fetchval("select status from opportunities where id = $1", offer)
    assert status == "accepted"
    assert await page.locator(".tasks li").count() >= 1
    await no_axe_violations(page, "application from an offer")
    # back on the offers, the offer points at its application
    await visit(page, "#/offers", f"[data-offer='{offer}'][data-status=ACCEPTED]")
    link = page.locator(f"[data-offer='{offer}'] a[href='#/application/{number}']")
    assert await link.count() == 1
