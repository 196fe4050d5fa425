"""长辈版 in the browser: 王秀英 (born 1944) is offered elder mode at log-in and accepts; on
every screen every visible text is at least 24 CSS px, every control at least 60x60 CSS px,
there is one main action at most and a read-aloud button."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from doorstep.i18n import translate
from doorstep.store.db import Pool
from tests.browser.checks import elder_problems, tab_label_problems
from tests.browser.conftest import NewPhone, log_in, shot
from tests.browser.journeys import enter
from tests.browser.screens import open_screen, screens, signed_in_page
from tests.e2e.servers import Server, graphql
from tests.integration.helpers import fresh_phone

WANG = "+8613800138003"

RULES = """() => {
  const visible = (el) => {
    const r = el.getBoundingClientRect(), s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none';
  };
  const small = [], tight = [];
  for (const el of document.querySelectorAll('body *')) {
    if (!visible(el)) continue;
    const text = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    const size = parseFloat(getComputedStyle(el).fontSize);
    if (text && size < 24) small.push(`${el.tagName}.${el.className} ${size}px`);
  }
  const controls = 'button, a[href], input, textarea, select, summary, [role=button]';
  for (const el of document.querySelectorAll(controls)) {
    if (!visible(el)) continue;
    const r = el.getBoundingClientRect();
    if (r.width < 60 || r.height < 60)
      tight.push(`${el.tagName}.${el.className} ${Math.round(r.width)}x${Math.round(r.height)}`);
  }
  const primary = [...document.querySelectorAll('.primary')].filter(visible).length;
  const readAloud = document.querySelectorAll('.read-aloud button').length;
  return {small, tight, primary, readAloud};
}"""


async def check_elder_rules(page: Any, where: str) -> None:
    result = await page.evaluate(RULES)
    assert not result["small"], (where, result["small"])
    assert not result["tight"], (where, result["tight"])
    assert result["primary"] <= 1, where
    assert result["readAloud"] == 1, where


@pytest.fixture
async def wang_unchosen(pool: Pool) -> AsyncIterator[None]:
    """王秀英 as one who never chose (the demo data has her in elder mode); put back after."""
    row = await pool.fetchrow(
        "select elder_mode, elder_mode_chosen_at from citizens where phone = $1", WANG
    )
    assert row is not None
    await pool.execute(
        "update citizens set elder_mode = false, elder_mode_chosen_at = null where phone = $1",
        WANG,
    )
    try:
        yield
    finally:
        await pool.execute(
            "update citizens set elder_mode = $2, elder_mode_chosen_at = $3 where phone = $1",
            WANG,
            row["elder_mode"],
            row["elder_mode_chosen_at"],
        )


async def test_wang_xiuying_accepts_elder_mode_and_every_screen_keeps_the_rules(
    web: Server, pool: Pool, phone: NewPhone, wang_unchosen: None
) -> None:
    page = await (await phone()).new_page()
    await log_in(page, web, pool, WANG)
    offer = page.locator("h1", has_text=translate("app.elder.offer_title", "zh_Hans"))
    await offer.wait_for()
    await shot(page, "elder-offer-zh_Hans")
    await page.get_by_role("button", name=translate("app.elder.accept", "zh_Hans")).click()
    await page.locator("body.elder nav.tabs").wait_for()
    me = await pool.fetchrow("select elder_mode from citizens where phone = $1", WANG)
    assert me is not None
    assert me["elder_mode"] is True
    token = await page.evaluate("JSON.parse(localStorage.getItem('doorstep.token'))")
    body = await graphql(
        web,
        'mutation { submitApplication(input: {bundleCode: "newborn"}) { number } }',
        token=token,
    )
    number = body["data"]["submitApplication"]["number"]
    for route, ready in screens(number):
        await open_screen(page, web, route, ready)
        await page.locator("body.elder").wait_for()
        name = route.strip("#/").split("/")[0] or "home"
        await check_elder_rules(page, route)
        if name == "application":  # its key message, read over HTTP after the live state
            await page.locator(".read-aloud .key-message").wait_for()
        if name == "home":  # the application that arrived live is in the key message too
            key = "read_aloud.home_nothing"
            nothing = [translate(key, "zh_Hans", elder=e) for e in (False, True)]
            await page.wait_for_function(
                "(nothing) => { const k = document.querySelector('.read-aloud .key-message');"
                " return k && !nothing.includes(k.textContent.trim()); }",
                arg=nothing,
                timeout=10_000,
            )
        await shot(page, f"elder-{name}-zh_Hans")
    # home: the key message first, with the button that reads it
    await open_screen(page, web, "#/", "[data-list], .empty")
    key = page.locator(".read-aloud .key-message")
    assert (await key.inner_text()).strip()


async def test_english_elder_mode_tab_labels_stay_apart_at_360(
    web: Server, pool: Pool, phone: NewPhone
) -> None:
    """In English the elder tab labels (24 px, bold) are wider than a quarter of a 360 px
    screen: they used to run into each other ("ServicesMessagesMe")."""
    citizen = fresh_phone()
    page = await (await phone("en")).new_page()
    await enter(page, web, pool, citizen, "en")
    token = await page.evaluate("JSON.parse(localStorage.getItem('doorstep.token'))")
    body = await graphql(web, "mutation { setElderMode(on: true) { elderMode } }", token=token)
    assert body["data"]["setElderMode"]["elderMode"] is True, body
    await page.reload()
    await page.locator("body.elder nav.tabs").wait_for()
    labels = [translate(f"app.nav.{k}", "en") for k in ("home", "catalog", "notifications")]
    for label in labels:
        await page.locator("nav.tabs a", has_text=label).wait_for()
    await shot(page, "elder-tabs-en")
    assert await tab_label_problems(page) == []
    assert await elder_problems(page) == []
    # the tab bar does not cover the end of the page
    await page.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
    covered = await page.evaluate(
        """() => { const nav = document.querySelector('nav.tabs').getBoundingClientRect();
          const last = [...document.querySelectorAll('main *')].filter((e) =>
            e.getBoundingClientRect().height > 0).pop();
          return last ? last.getBoundingClientRect().bottom > nav.top + 0.5 : false; }"""
    )
    assert not covered


async def test_a_notification_not_yet_sent_leaves_no_empty_part_in_its_line(
    web: Server, pool: Pool, phone: NewPhone
) -> None:
    """Until it is sent a notification has no channel: its line read "date ·  · 待发送". Nor
    had it any text: she saw a date and 待发送, not what the message will say; it says it now,
    in the plain wording her SMS will have."""
    page, number = await signed_in_page(web, pool, phone, "zh_Hans", elder=True)
    await open_screen(page, web, "#/notifications", ".cards li")
    lines = await page.locator(".cards li .card-meta").all_inner_texts()
    assert lines
    for line in lines:
        parts = line.split("·")
        assert all(p.strip() for p in parts), line
    pending = translate("notify.status.created", "zh_Hans")
    card = page.locator(".cards li", has_text=pending).filter(has_text=number)
    await card.wait_for()
    plain = translate("sms.plain.application_submitted", "zh_Hans", number=number, phone="\0")
    text = await card.locator(".card-text").inner_text()
    assert plain.split("\0")[0] in text, text


async def test_an_elders_home_with_an_offer_keeps_the_rules(
    web: Server, pool: Pool, phone: NewPhone
) -> None:
    """An offer found for an elder shows on her home as a notice whose link is a tap target
    like any control (it was 28 px high), and no empty list stands where nothing needs her."""
    from tests.integration.proactive_helpers import fresh_offer

    page, number = await signed_in_page(web, pool, phone, "zh_Hans", elder=True)
    phone_number = await pool.fetchval(
        "select c.phone from applications a join citizens c on c.id = a.citizen_id "
        "where a.number = $1",
        number,
    )
    await fresh_offer(pool, phone_number, "childcare-subsidy-newborn")
    await open_screen(page, web, "#/", "[data-link=offers]")
    await check_elder_rules(page, "home with an offer")
    assert await page.locator("ul[data-list=needs]").count() == 0
