"""The staff console in the browser: a clerk logs in, finds the new application in the unit
queue with its working-day clock, opens it (tasks, materials, timeline), is refused an empty
补正 reason in their language (one request for a double click), asks for materials, and is
sent back to log-in when the session expires. axe-core on every screen, desk and tablet."""

from __future__ import annotations

import asyncio
from typing import Any

from doorstep.i18n import translate
from doorstep.store.db import Pool
from tests.browser.conftest import Frames, shot
from tests.browser.counter import CLERK, NewScreen, screen, staff_log_in
from tests.browser.journeys import Api, no_axe_violations
from tests.e2e.servers import Server

__all__ = ["screen"]
CITIZEN = "+8613800138001"
SUBMIT = """mutation { submitApplication(input: {bundleCode: "newborn"}) { number } }"""


async def _new_application(api: Api) -> str:
    token = await api.token(CITIZEN)
    data = await api.run(SUBMIT, {}, token)
    number: str = data["submitApplication"]["number"]
    return number


def _seq_about(message: dict[str, Any], number: str) -> str | None:
    """The sequence of a live queue update about the application, else None."""
    if message.get("type") != "next":
        return None
    update = (message["payload"].get("data") or {}).get("unitQueueUpdates") or {}
    return str(update["seq"]) if update.get("applicationNumber") == number else None


async def test_clerk_handles_an_application(web: Server, pool: Pool, screen: NewScreen) -> None:
    api = Api(web, pool)
    try:
        number = await _new_application(api)
    finally:
        await api.close()
    page = await screen("en")
    frames = Frames(page)
    requests: list[Any] = []
    page.on(
        "request",
        lambda r: requests.append(r) if "requestMaterials" in (r.post_data or "") else None,
    )
    await page.goto(web.base + "/counter/")
    await page.locator("input[type=tel]").wait_for()
    await no_axe_violations(page, "counter log-in")
    await shot(page, "counter-login-en")
    await staff_log_in(page, web, pool, CLERK)

    row = page.locator("table.queue tr", has=page.locator(f"a[href='#/application/{number}']"))
    await row.wait_for()
    clock = row.locator(".clock")
    assert (
        "working days left" in await clock.inner_text()
        or await clock.get_attribute("data-tone") == "soon"
    )
    await no_axe_violations(page, "counter queue")
    await shot(page, "counter-queue-en")

    await row.locator("a").click()
    mine = page.locator(".tasks li", has=page.locator("button[data-action=accept]"))
    await mine.wait_for()
    task = page.locator(f".tasks li[data-task='{await mine.get_attribute('data-task')}']")
    assert await page.locator("table.materials tbody tr").count() > 0
    assert await page.locator(".timeline li").count() >= 1
    await no_axe_violations(page, "counter application")
    await shot(page, "counter-application-en")

    # an empty reason: the server's refusal, in English, next to the field; one request
    await task.locator("button[data-action=materials]").click()
    form = task.locator("form.reason-form")
    await no_axe_violations(page, "counter reason form")
    await form.locator("button[type=submit]").dblclick()
    error = form.locator(".field .error")
    await error.wait_for()
    assert await error.inner_text() == translate("error.task.reason_required", "en")
    assert len(requests) == 1

    await form.locator("textarea[name=reason]").fill("Please bring the original birth certificate")
    await form.locator("button[type=submit]").click()
    await task.locator(".clock[data-tone=paused]").wait_for()
    status = await pool.fetchval(
        "select t.status from tasks t join applications a on a.id = t.application_id "
        "join units u on u.id = t.unit_id where a.number = $1 and u.code = 'cy-psb'",
        number,
    )
    assert status == "needs_materials"

    # the session expires: the next action sends the clerk back to log-in, saying why (first
    # the live update of 补正 arrives, and the page's re-read on it finishes)
    wanted = {
        str(seq)
        for seq in await pool.fetchval(
            "select array_agg(e.seq) from events e join applications a "
            "on a.id = e.application_id where a.number = $1 and e.kind <> 'application.submitted'",
            number,
        )
    }
    for _ in range(100):
        if wanted <= {_seq_about(m, number) for m in frames.messages}:
            break
        await asyncio.sleep(0.1)
    await page.wait_for_load_state("networkidle")
    await pool.execute(
        "update sessions set expires_at = now() - interval '1 minute' "
        "where staff_id = (select id from staff_members where phone = $1)",
        CLERK,
    )
    await page.locator("button[data-action=refuse]").click()
    await page.locator("textarea[name=reason]").fill("Not eligible")
    await page.locator("form.reason-form button[type=submit]").click()
    await page.locator(".notice").wait_for()
    assert await page.locator("input[type=tel]").count() == 1
    assert await page.locator(".notice").inner_text() == translate(
        "counter.login.session_ended", "en"
    )


async def test_tablet_layout_and_chinese(web: Server, pool: Pool, screen: NewScreen) -> None:
    page = await screen("zh_Hans", tablet=True)
    await staff_log_in(page, web, pool, CLERK, "zh_Hans")
    await page.locator("table.queue, main .empty").first.wait_for()
    # on a tablet the navigation sits on top and each task is a card
    nav = await page.locator("nav.side").bounding_box()
    main = await page.locator("main").bounding_box()
    assert nav and main and nav["y"] + nav["height"] <= main["y"] + 1
    await no_axe_violations(page, "counter queue tablet")
    await shot(page, "counter-queue-tablet-zh_Hans")
