"""Live progress in the browser: a citizen applies for the 新生儿 bundle in the app, a clerk
accepts through the API, the open page shows it within 2 s without a reload; the API process is
restarted (a change made meanwhile through another process) and the page catches up, with no
event delivered or shown twice."""

from __future__ import annotations

from typing import Any

from doorstep.config import Settings
from doorstep.store.db import Pool
from tests.browser.conftest import Frames, NewPhone, api_login, log_in, serve_on, shot
from tests.e2e.servers import Server, free_port, graphql
from tests.integration.helpers import fresh_phone

ACCEPT = "mutation($t: ID!) { acceptTask(taskId: $t) { status } }"
ASK = "mutation($t: ID!, $r: String!) { requestMaterials(taskId: $t, reason: $r) { status } }"
TASKS = "query($n: String!) { application(number: $n) { tasks { id unitCode } } }"


async def _staff_of(pool: Pool, unit_code: str) -> str:
    phone: str = await pool.fetchval(
        "select s.phone from staff_members s join units u on u.id = s.unit_id "
        "where u.code = $1 and s.role = 'staff' order by s.id limit 1",
        unit_code,
    )
    return phone


async def _timeline_seqs(page: Any) -> list[str]:
    seqs: list[str] = await page.eval_on_selector_all(
        "[data-timeline] li", "items => items.map(i => i.dataset.seq)"
    )
    return seqs


async def test_apply_live_update_restart_and_catch_up(
    settings: Settings, pool: Pool, phone: NewPhone, web: Server
) -> None:
    port = free_port()
    citizen_phone = fresh_phone()
    async with serve_on(settings, port) as server:
        page = await (await phone()).new_page()
        frames = Frames(page)
        await log_in(page, server, pool, citizen_phone)
        await page.locator("nav.tabs").wait_for()
        await page.goto(server.base + "/#/apply/newborn")
        submit = page.locator("form button[type=submit]")
        await submit.wait_for()
        await shot(page, "apply-newborn-zh_Hans")
        await submit.dblclick()  # one application, however often it is tapped
        await page.wait_for_url("**/#/application/*")
        number = page.url.rsplit("/", 1)[1]
        await page.locator("[data-timeline] li").first.wait_for()
        token = await page.evaluate("JSON.parse(localStorage.getItem('doorstep.token'))")
        count = await pool.fetchval(
            "select count(*) from applications a join citizens c on c.id = a.citizen_id "
            "where c.phone = $1",
            citizen_phone,
        )
        assert count == 1

        tasks = (await graphql(server, TASKS, {"n": number}, token=token))["data"]["application"][
            "tasks"
        ]
        task = tasks[0]
        clerk = await api_login(
            server, pool, await _staff_of(pool, task["unitCode"]), as_staff=True
        )
        before = len(await _timeline_seqs(page))
        body = await graphql(server, ACCEPT, {"t": task["id"]}, token=clerk)
        assert "errors" not in body, body
        accepted = page.locator("[data-task-status=ACCEPTED]").first
        await accepted.wait_for(timeout=2000)  # shown within 2 s, no reload
        await page.wait_for_function(
            f"document.querySelectorAll('[data-timeline] li').length > {before}", timeout=2000
        )
        await shot(page, "application-live-zh_Hans")

    # the API process is gone: the page says it is offline; a change is made through another
    status = page.locator(".live-status[data-live=offline]")
    await status.wait_for(timeout=10_000)
    # the session's other API process (same database) takes a change meanwhile
    other = web
    assert len(tasks) > 1
    # the other task's clerk asks for materials while the page's server is down
    other_clerk = await api_login(
        other, pool, await _staff_of(pool, tasks[-1]["unitCode"]), as_staff=True
    )
    body = await graphql(
        other, ASK, {"t": tasks[-1]["id"], "r": "请补充出生医学证明"}, token=other_clerk
    )
    assert "errors" not in body, body

    async with serve_on(settings, port):
        await page.locator("[data-task-status=NEEDS_MATERIALS]").first.wait_for(timeout=20_000)
        await page.locator(".live-status[data-live=live]").wait_for(
            state="attached", timeout=10_000
        )
        seqs = await _timeline_seqs(page)
        assert len(seqs) == len(set(seqs)), seqs  # nothing shown twice
        delivered = frames.event_seqs()
        assert len(delivered) == len(set(delivered)), delivered  # nothing delivered twice
        await page.locator(".supply").wait_for()
        await shot(page, "application-supply-zh_Hans")
        # 补正: what is asked is shown; supplying it moves the task back to the unit
        assert "请补充出生医学证明" in await page.locator(".supply").inner_text()
        await page.locator(".supply textarea").fill("已补充")
        await page.locator(".supply button[type=submit]").dblclick()
        await page.locator(".notice[role=status]").wait_for()
        await page.locator("[data-task-status=NEEDS_MATERIALS]").first.wait_for(state="detached")
        seqs = await _timeline_seqs(page)
        assert len(seqs) == len(set(seqs)), seqs
