"""The staff console live: with the queue open, a citizen's new application appears in it,
marked new, without a reload, over the page's own graphql-ws socket; with the application open,
the citizen answering 补正 shows on the page at once. With the tickets open, a new ticket
appears marked new, a colleague's acknowledgement changes its row, and a redispatch to another
unit takes it off the list, all without a reload; with one ticket open, a colleague's changes
to it show on its page."""

from __future__ import annotations

from doorstep.store.db import Pool
from tests.browser.conftest import Frames, shot
from tests.browser.counter import CLERK, SUPERVISOR, NewScreen, screen, staff_log_in
from tests.browser.journeys import Api, no_axe_violations
from tests.e2e.servers import Server

__all__ = ["screen"]
CITIZEN = "+8613800138002"
SUBMIT = """mutation { submitApplication(input: {bundleCode: "newborn"}) { number } }"""
SUPPLY = "mutation($n: String!) { supplyMaterials(number: $n) { status } }"
# 吉祥里社区: no other test files tickets there, so no earlier ticket there decides the unit
TICKET = """mutation { submitTicket(input: {kind: COMPLAINT, categoryCode: "noise",
  description: "夜里唱歌太吵", regionCode: "110105002001"}) { number leadUnit { code } } }"""
ACK = "mutation($n: String!) { acknowledgeTicket(number: $n) { status } }"
RESOLVE = """mutation($n: String!) { resolveTicket(number: $n, note: "修好了，已告知邻居")
  { status } }"""
REDISPATCH = """mutation($n: String!) { redispatchTicket(number: $n, unitCode: "cy-housing")
  { number } }"""


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


async def _file_ticket(api: Api) -> str:
    """A citizen's ticket at 吉祥里, sent to the clerk's unit: its number."""
    ticket = (await api.run(TICKET, {}, await api.token(CITIZEN)))["submitTicket"]
    assert ticket["leadUnit"]["code"] == "cy-psb"
    number: str = ticket["number"]
    return number


async def test_tickets_arrive_change_and_leave_live(
    web: Server, pool: Pool, screen: NewScreen
) -> None:
    page = await screen("en")
    frames = Frames(page)
    await staff_log_in(page, web, pool, CLERK)
    await page.evaluate("() => { location.hash = '#/tickets'; }")
    await page.locator("#open-title").wait_for()
    await page.locator("[data-live=live]").wait_for()
    await page.evaluate("() => { window.stillHere = true; }")

    api = Api(web, pool)
    try:
        number = await _file_ticket(api)
        row = page.locator(f"tr.arrived[data-ticket='{number}']")
        await row.wait_for(timeout=5000)
        assert await row.get_attribute("data-status") == "DISPATCHED"
        assert await row.locator(".badge").count() == 1
        assert any(
            m.get("type") == "next"
            and (m["payload"]["data"] or {}).get("ticketQueueUpdates", {}).get("ticketNumber")
            == number
            for m in frames.messages
        )
        await no_axe_violations(page, "counter tickets, live arrival")
        await shot(page, "counter-tickets-live-en")

        # a colleague acknowledges it at another desk: the row follows
        colleague = await api.token(CLERK, staff=True)
        await api.run(ACK, {"n": number}, colleague)
        await page.locator(f"tr[data-ticket='{number}'][data-status=ACKNOWLEDGED]").wait_for(
            timeout=5000
        )
        # the supervisor sends it to housing: it leaves the clerk's list
        boss = await api.token(SUPERVISOR, staff=True)
        await api.run(REDISPATCH, {"n": number}, boss)
        await page.locator(f"tr[data-ticket='{number}']").wait_for(state="detached", timeout=5000)
    finally:
        await api.close()
    assert await page.evaluate("() => window.stillHere === true")


async def test_the_ticket_page_follows_a_colleagues_changes_live(
    web: Server, pool: Pool, screen: NewScreen
) -> None:
    """With one ticket open, a colleague acknowledging and resolving it at another desk shows
    on the page (status, timeline, note) without a reload."""
    api = Api(web, pool)
    try:
        number = await _file_ticket(api)
        page = await screen("en")
        await staff_log_in(page, web, pool, CLERK)
        await page.evaluate(f"() => {{ location.hash = '#/ticket/{number}'; }}")
        await page.locator(".summary[data-status=DISPATCHED]").wait_for()
        await page.locator("[data-live=live]").wait_for()
        await page.evaluate("() => { window.stillHere = true; }")
        before = await page.locator("ol.timeline li").count()

        colleague = await api.token(CLERK, staff=True)
        await api.run(ACK, {"n": number}, colleague)
        await page.locator(".summary[data-status=ACKNOWLEDGED]").wait_for(timeout=5000)
        assert await page.locator("ol.timeline li").count() > before
        # what the page offers follows the status: acknowledging is done
        assert await page.locator("button[data-action=acknowledge]").count() == 0
        assert await page.locator("button[data-action=resolve]").count() == 1

        await api.run(RESOLVE, {"n": number}, colleague)
        await page.locator(".summary[data-status=RESOLVED]").wait_for(timeout=5000)
        assert "修好了" in await page.locator("dl.facts").inner_text()
        await no_axe_violations(page, "counter ticket, changed live")
        await shot(page, "counter-ticket-live-en")
    finally:
        await api.close()
    assert await page.evaluate("() => window.stillHere === true")
