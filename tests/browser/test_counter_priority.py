"""优先办 in the staff console: an 80-year-old's task comes before an older task due the same
day and carries a badge with its reason; the figures show priority work apart. axe-core on both."""

from __future__ import annotations

from doorstep.store.db import Pool
from tests.browser.conftest import shot
from tests.browser.counter import CLERK, NewScreen, screen, staff_log_in
from tests.browser.journeys import Api, no_axe_violations
from tests.e2e.servers import Server

__all__ = ["screen"]
YOUNG = "+8613800138001"  # 张伟
ELDER = "+8613800138003"  # 王秀英, born 1944, identity verified
SUBMIT = """mutation { submitApplication(input: {bundleCode: "newborn"}) {
    number tasks { id unitCode } } }"""


async def _police_task(api: Api, phone: str) -> tuple[str, int]:
    data = await api.run(SUBMIT, {}, await api.token(phone))
    app = data["submitApplication"]
    task = next(t for t in app["tasks"] if t["unitCode"] == "cy-psb")
    return app["number"], int(task["id"])


async def test_priority_work_leads_its_deadline_day_with_a_badge(
    web: Server, pool: Pool, screen: NewScreen
) -> None:
    api = Api(web, pool)
    try:
        normal, normal_task = await _police_task(api, YOUNG)
        elder, elder_task = await _police_task(api, ELDER)
    finally:
        await api.close()
    # both due on the queue's first day, the elder's made later
    await pool.execute(
        "update tasks set due_on = '2000-01-04' where id = any($1::bigint[])",
        [normal_task, elder_task],
    )
    page = await screen("zh_Hans")
    await staff_log_in(page, web, pool, CLERK)
    rows = page.locator("table.queue tbody tr")
    elder_row = page.locator("table.queue tr", has=page.locator(f"a[href='#/application/{elder}']"))
    await elder_row.wait_for()
    numbers = await rows.locator("td a").all_inner_texts()
    assert numbers.index(elder) < numbers.index(normal)
    badge = elder_row.locator(".badge.priority")
    assert await badge.inner_text() != ""
    assert "80周岁以上老年人" in await elder_row.inner_text()
    link = page.locator(f"a[href='#/application/{normal}']")
    normal_row = page.locator("table.queue tr", has=link)
    assert await normal_row.locator(".badge.priority").count() == 0
    await no_axe_violations(page, "counter queue with priority work")
    await shot(page, "counter-queue-priority")
