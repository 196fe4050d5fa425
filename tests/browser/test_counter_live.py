"""The staff console live: with the queue open, a citizen's new application appears in it,
marked new, without a reload, over the page's own graphql-ws socket; with the application open,
the citizen answering 补正 shows on the page at once."""

from __future__ import annotations

from doorstep.store.db import Pool
from tests.browser.conftest import Frames, shot
from tests.browser.counter import CLERK, NewScreen, screen, staff_log_in
from tests.browser.journeys import Api, no_axe_violations
from tests.e2e.servers import Server

__all__ = ["screen"]
CITIZEN = "+8613800138002"
SUBMIT = """mutation { submitApplication(input: {bundleCode: "newborn"}) { number } }"""
SUPPLY = "mutation($n: String!) { supplyMaterials(number: $n) { status } }"


async def test_new_work_and_answers_arrive_live(web: Server, pool: Pool, screen: NewScreen) -> None:
    page = await screen("zh_Hans")
    frames = Frames(page)
    await staff_log_in(page, web, pool, CLERK)
    await page.locator("[data-live=live]").wait_for()
    await page.locator("table.queue, main .empty").first.wait_for()
    # a mark on the window: a reload would lose it
    await page.evaluate("() => { window.stillHere = true; }")

    api = Api(web, pool)
    try:
        citizen = await api.token(CITIZEN)
        number = (await api.run(SUBMIT, {}, citizen))["submitApplication"]["number"]
        row = page.locator("tr.arrived", has=page.locator(f"a[href='#/application/{number}']"))
        await row.wait_for(timeout=5000)
        assert await row.locator(".badge").count() == 1
        assert any(
            m.get("type") == "next"
            and (m["payload"]["data"] or {}).get("unitQueueUpdates", {}).get("applicationNumber")
            == number
            for m in frames.messages
        )
        await no_axe_violations(page, "counter queue, live arrival")
        await shot(page, "counter-queue-live-zh_Hans")

        # open it, ask for materials; the citizen answers and the page shows it without a read
        await row.locator("a").click()
        mine = page.locator(".tasks li", has=page.locator("button[data-action=materials]"))
        await mine.wait_for()
        task = page.locator(f".tasks li[data-task='{await mine.get_attribute('data-task')}']")
        await task.locator("button[data-action=materials]").click()
        await task.locator("textarea[name=reason]").fill("请补交出生医学证明")
        await task.locator("form.reason-form button[type=submit]").click()
        await task.locator(".clock[data-tone=paused]").wait_for()
        await api.run(SUPPLY, {"n": number}, citizen)
        await task.locator("button[data-action=complete]").wait_for(timeout=5000)
        assert await task.locator(".clock[data-tone=paused]").count() == 0
    finally:
        await api.close()
    # all of it in one page load: the updates came over the socket
    assert await page.evaluate("() => window.stillHere === true")
