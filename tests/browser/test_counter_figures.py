"""Supervisors' figures and watch lists in the browser: the overdue and due-soon lists (a task
moved past its deadline shows as overdue), the figures per unit drawn as SVG bars whose values
match the table beside them, and each table exported as CSV (UTF-8 with BOM, CRLF, quoted).
axe-core on each screen."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from doorstep.store.db import Pool
from tests.browser.conftest import shot
from tests.browser.counter import CLERK, SUPERVISOR, NewScreen, screen, staff_log_in
from tests.browser.journeys import Api, no_axe_violations, visit
from tests.e2e.servers import Server

__all__ = ["screen"]
CITIZEN = "+8613800138004"
SUBMIT = """mutation { submitApplication(input: {bundleCode: "newborn"})
  { number tasks { id unitCode } } }"""
ACCEPT = "mutation($t: ID!) { acceptTask(taskId: $t) { number } }"
COMPLETE = "mutation($t: ID!) { completeTask(taskId: $t) { number } }"
TICKET = """mutation { submitTicket(input: {kind: COMPLAINT, categoryCode: "noise",
  description: "楼下KTV太吵", regionCode: "110105001001"}) { number } }"""


async def _csv(page: Any, button: Any) -> str:
    async with page.expect_download() as info:
        await button.click()
    download = await info.value
    path = await download.path()
    data: bytes = await asyncio.to_thread(Path(path).read_bytes)
    return data.decode("utf-8")


async def test_watch_lists_figures_as_charts_and_csv(
    web: Server, pool: Pool, screen: NewScreen
) -> None:
    api = Api(web, pool)
    try:
        citizen, clerk = await api.token(CITIZEN), await api.token(CLERK, staff=True)
        done = (await api.run(SUBMIT, {}, citizen))["submitApplication"]
        task = next(t["id"] for t in done["tasks"] if t["unitCode"] == "cy-psb")
        await api.run(ACCEPT, {"t": task}, clerk)
        await api.run(COMPLETE, {"t": task}, clerk)
        late = (await api.run(SUBMIT, {}, citizen))["submitApplication"]
        await api.run(TICKET, {}, citizen)  # a ticket in the period: its unit has rates
    finally:
        await api.close()
    # one of its tasks ran past its deadline (a clock moved on, not waited for)
    late_task = next(t["id"] for t in late["tasks"] if t["unitCode"] == "cy-psb")
    await pool.execute("update tasks set due_on = current_date - 7 where id = $1", int(late_task))

    page = await screen("en")
    await staff_log_in(page, web, pool, SUPERVISOR)
    await visit(page, "#/watch", f"[data-list=overdue] tr[data-task='{late_task}']")
    await no_axe_violations(page, "counter watch")
    await shot(page, "counter-watch-en")
    text = await _csv(page, page.locator("[data-list=overdue] button[data-csv]"))
    assert text.startswith("\ufeff") and "\r\n" in text
    assert late["number"] in text

    await visit(page, "#/figures", "svg g[data-unit='cy-psb']")
    await no_axe_violations(page, "counter figures")
    bar = page.locator("svg g[data-unit='cy-psb'] rect[data-measure=onTimeRate]")
    # the task finished today, on time: the unit's rate is above nothing, and the table says
    # the same number as the bar
    rate = float(await bar.get_attribute("data-value") or "nan")
    assert 0 < rate <= 1
    row = page.locator("table tr", has=page.locator("th", has_text="北京市公安局朝阳分局")).first
    assert f"{round(rate * 1000) / 10:g}%" in (await row.inner_text()).replace(".0%", "%")
    await page.locator("svg g[data-unit] rect[data-measure=satisfactionRate]").first.wait_for(
        state="attached"
    )
    await shot(page, "counter-figures-en")
    text = await _csv(page, page.locator("button[data-csv='applications-by-unit.csv']"))
    lines = text.lstrip("\ufeff").split("\r\n")
    assert lines[0].startswith("Unit,On time,Late,On-time rate,Overdue now")
    assert any(line.startswith("北京市公安局朝阳分局,") for line in lines)


async def test_the_period_ends_on_beijings_today(
    web: Server, pool: Pool, screen: NewScreen
) -> None:
    """At 01:30 in Beijing the UTC date is still yesterday's: the default period ends on
    Beijing's day, or a supervisor's first hours of each day would leave today's work out."""
    page = await screen("en")
    await staff_log_in(page, web, pool, SUPERVISOR)
    await page.clock.set_fixed_time("2026-12-07T17:30:00Z")
    await visit(page, "#/figures", "input[name=until]")
    assert await page.locator("input[name=until]").input_value() == "2026-12-08"
    assert await page.locator("input[name=since]").input_value() == "2026-11-08"
