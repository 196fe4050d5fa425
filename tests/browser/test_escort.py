"""陪同办 in the browser. The app: an elder in elder mode finds the community's slots, chooses
one and books it with one main action (elder rules and axe-core checked); her booking shows,
moves to another time and is cancelled. The console: the community clerk publishes a slot,
opens a started slot's roster and records the outcome (axe-core on the screen)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from doorstep.domain.calendar import SHANGHAI
from doorstep.domain.case_numbers import make_case_number
from doorstep.domain.escort import BOOKING_PREFIX
from doorstep.i18n import translate
from doorstep.store.db import Pool
from tests.browser.checks import elder_problems
from tests.browser.conftest import NewPhone, shot
from tests.browser.counter import NewScreen, screen, staff_log_in
from tests.browser.journeys import enter, no_axe_violations, visit
from tests.e2e.servers import Server
from tests.integration.delegation_helpers import fresh_resident_id, make_citizen
from tests.integration.identity_helpers import verify_identity

__all__ = ["screen"]
COMMUNITY_CLERK = "+8613900139115"  # 罗桂芝, 永安里社区居委会


async def _slot(pool: Pool, hours: int, *, capacity: int = 2, place: str = "社区门口") -> int:
    slot_id: int = await pool.fetchval(
        """insert into escort_slots (unit_id, kind, starts_at, ends_at, capacity, place)
           select id, 'hall', now() + make_interval(hours => $1),
                  now() + make_interval(hours => $1 + 2), $2, $3
           from units where code = 'cy-jianwai-yonganli' returning id""",
        hours,
        capacity,
        place,
    )
    return slot_id


async def test_an_elder_books_an_accompanied_visit_in_elder_mode(
    web: Server, pool: Pool, phone: NewPhone
) -> None:
    slot_id = await _slot(pool, 72, place="永安里社区居委会门口")
    later = await _slot(pool, 96, place="永安里社区居委会门口")
    citizen_id, number = await make_citizen(pool, name="陪同测试", birth_date=date(1944, 5, 1))
    await verify_identity(pool, citizen_id, fresh_resident_id())
    await pool.execute("update citizens set region_code = '110105001001' where id = $1", citizen_id)
    page = await (await phone("zh_Hans", bypass_csp=True)).new_page()
    await enter(page, web, pool, number, elder=True)
    await page.locator("body.elder").wait_for()
    await visit(page, "#/escort", "[data-list=escort-slots]")
    card = page.locator(f"[data-list=escort-slots] [data-slot='{slot_id}']")
    await card.wait_for()
    # 优先办: she sees that she is served first, and why
    priority = page.locator("[data-section=priority] [data-ground=AGE_80]")
    await priority.wait_for()
    assert translate("priority_reason.age_80", "zh_Hans") in await priority.inner_text()
    assert await elder_problems(page) == []
    await no_axe_violations(page, "escort slots (elder)")
    await shot(page, "escort-slots-elder")
    await card.locator("button").click()
    form = page.locator(f"form.escort-book[data-slot='{slot_id}']")
    await form.wait_for()
    assert await form.locator("button.primary").count() == 1  # one main action
    assert await elder_problems(page) == []
    await no_axe_violations(page, "escort booking form (elder)")
    await form.locator("input[name=need]").fill("办老年卡")
    await form.locator("button[type=submit]").dblclick()  # one booking however often tapped
    done = page.locator("p.done[role=status]")
    await done.wait_for()
    booking = await pool.fetchrow(
        "select number, status, need from escort_bookings where citizen_id = $1", citizen_id
    )
    assert booking is not None and (booking["status"], booking["need"]) == ("booked", "办老年卡")
    assert await pool.fetchval("select booked from escort_slots where id = $1", slot_id) == 1
    mine = page.locator(f"[data-escort='{booking['number']}'][data-status=BOOKED]")
    await mine.wait_for()
    await shot(page, "escort-booked-elder")
    # another time: the booking moves, the places follow
    await mine.get_by_role("button", name=translate("app.escort.change", "zh_Hans")).click()
    await page.locator(f"[data-list=escort-slots] [data-slot='{later}'] button").click()
    await page.locator("p.done[role=status]").wait_for()
    await page.wait_for_function(
        "() => !document.querySelector('[data-list=escort-slots] button[disabled]')"
    )
    moved = await pool.fetchval(
        "select slot_id from escort_bookings where number = $1", booking["number"]
    )
    assert moved == later
    assert await pool.fetchval("select booked from escort_slots where id = $1", slot_id) == 0
    assert await elder_problems(page) == []
    mine = page.locator(f"[data-escort='{booking['number']}'][data-status=BOOKED]")
    await mine.wait_for()
    await mine.get_by_role("button", name=translate("app.escort.cancel", "zh_Hans")).click()
    await page.locator(f"[data-escort='{booking['number']}'][data-status=CANCELLED]").wait_for()
    assert await pool.fetchval("select booked from escort_slots where id = $1", later) == 0


async def test_the_community_publishes_a_slot_and_records_an_outcome(
    web: Server, pool: Pool, screen: NewScreen
) -> None:
    started = await _slot(pool, -1, place="上门前在居委会集合")
    citizen_id, _phone = await make_citizen(pool, name="赵大妈", birth_date=date(1940, 1, 1))
    number = make_case_number(
        BOOKING_PREFIX, await pool.fetchval("select nextval('escort_booking_serial')")
    )
    await pool.execute(
        """insert into escort_bookings (number, slot_id, citizen_id, channel, status, need)
           values ($1, $2, $3, 'counter', 'booked', '办医保')""",
        number,
        started,
        citizen_id,
    )
    await pool.execute("update escort_slots set booked = 1 where id = $1", started)
    page = await screen("zh_Hans")
    await staff_log_in(page, web, pool, COMMUNITY_CLERK)
    await page.evaluate("() => { location.hash = '#/escort'; }")
    form = page.locator("form.escort-publish")
    await form.wait_for()
    await no_axe_violations(page, "console escort")
    when = (datetime.now(SHANGHAI) + timedelta(days=2)).replace(hour=9, minute=30)
    await form.locator("select[name=kind]").select_option("HOME")
    await form.locator("input[name=start]").fill(when.strftime("%Y-%m-%dT%H:%M"))
    await form.locator("input[name=capacity]").fill("3")
    await form.locator("input[name=place]").fill("永安里小区各楼")
    await form.locator("button[type=submit]").click()
    published = await _wait_for_slot(pool, "永安里小区各楼")
    await page.locator(f"tr[data-slot='{published}']").wait_for()

    row = page.locator(f"tr[data-slot='{started}']")
    await row.locator("button").click()
    roster = page.locator(f"[data-roster='{started}'] tr[data-booking='{number}']")
    await roster.wait_for()
    assert "赵大妈" in await roster.inner_text()
    await no_axe_violations(page, "console escort roster")
    await shot(page, "counter-escort-roster")
    await roster.locator("input[name=note]").fill("已陪同办好医保")
    await roster.get_by_role("button", name=translate("counter.escort.done", "zh_Hans")).click()
    await roster.locator(".outcome").wait_for(state="detached")
    assert translate("escort_status.done", "zh_Hans") in await roster.inner_text()
    outcome = await pool.fetchrow(
        "select status, outcome_note from escort_bookings where number = $1", number
    )
    assert outcome is not None and tuple(outcome) == ("done", "已陪同办好医保")


async def _wait_for_slot(pool: Pool, place: str) -> int:
    import asyncio

    for _ in range(100):
        found = await pool.fetchval("select id from escort_slots where place = $1", place)
        if found is not None:
            return int(found)
        await asyncio.sleep(0.1)
    raise AssertionError("the slot was not published")
