"""SMS alone: every journey that needs an answer works from a keypad phone, through
the same services as the app, and every reply gets an answer SMS (plain where the citizen
reads so) that carries no link."""

from __future__ import annotations

import dataclasses
from typing import Any

from litestar.testing import AsyncTestClient

from doorstep.config import Settings
from doorstep.domain.case_numbers import TICKET_PREFIX, make_case_number
from doorstep.domain.sms_reply import QuestionKind, question_code
from doorstep.services import sms_replies
from doorstep.services.deps import Deps
from doorstep.store.db import Pool
from tests.integration.delegation_helpers import make_citizen, make_delegation
from tests.integration.helpers import gql, login
from tests.integration.proactive_helpers import ZHANG_WEI, citizen_id, fresh_offer

TICKET_FIELDS = "number status"
ACK = "mutation($n: String!) { acknowledgeTicket(number: $n) { number } }"
RESOLVE = 'mutation($n: String!) { resolveTicket(number: $n, note: "已修复") { number } }'
HOTLINE_PREFIX = "106"  # what the operator puts before our extend code


async def _answers(pool: Pool, phone: str) -> list[tuple[str, str, dict[str, Any]]]:
    """The answer SMS to this number: (kind, template, params)."""
    rows = await pool.fetch(
        "select kind, template, params from outbox where phone = $1 "
        "and (kind like 'sms_reply.%' or kind like 'ticket.%' or kind like 'offer.%') "
        "order by id",
        phone,
    )
    return [(r["kind"], r["template"], dict(r["params"])) for r in rows]


async def _registered(pool: Pool, **kw: Any) -> tuple[int, str]:
    """A citizen with a registered address (永安里社区) and no smartphone."""
    cid, phone = await make_citizen(pool, channel="sms", **kw)
    await pool.execute("update citizens set region_code = '110105001001' where id = $1", cid)
    return cid, phone


async def test_free_text_files_a_ticket_confirmed_with_its_number(deps: Deps, pool: Pool) -> None:
    cid, phone = await _registered(pool)
    _id, outcome = await sms_replies.handle(deps, phone, "家里暖气不热好几天了，屋里才十二度")
    assert outcome == "ticket_filed"
    row = await pool.fetchrow(
        "select number, channel, category_code, region_code, needs_review, kind "
        "from tickets where citizen_id = $1",
        cid,
    )
    assert row is not None
    assert dict(row) | {"number": "-"} == {
        "number": "-",
        "channel": "sms",
        "category_code": "heating",
        "region_code": "110105001001",  # the registered address
        "needs_review": False,
        "kind": "help",
    }
    # the confirmation: plain (SMS-only), with the number and a number to call, no link
    ((kind, template, params),) = await _answers(pool, phone)
    assert (kind, template) == ("ticket.received", "sms.plain.ticket_received")
    assert params["number"] == row["number"] and params["phone"]
    # texting the number back gets its status
    _id, outcome = await sms_replies.handle(deps, phone, row["number"])
    assert outcome == "ticket_status"
    _kind, template, params = (await _answers(pool, phone))[-1]
    assert template == "sms.plain.reply_ticket_status"
    assert params["number"] == row["number"] and params["latest"] == "已派单,待签收"


async def test_a_weak_guess_goes_to_the_review_queue(deps: Deps, pool: Pool) -> None:
    cid, phone = await _registered(pool)
    for text in ("门口有个大坑没人管，晚上很危险", "晚上施工太吵，噪音大，路灯也不亮"):
        _id, outcome = await sms_replies.handle(deps, phone, text)
        assert outcome == "ticket_filed_for_review", text
    rows = await pool.fetch(
        "select category_code, needs_review from tickets where citizen_id = $1 order by id", cid
    )
    assert [(r["category_code"], r["needs_review"]) for r in rows] == [
        ("other", True),  # no keyword
        ("noise", True),  # words of two categories
    ]


async def test_ticket_numbers_never_tell_another_citizens_status(deps: Deps, pool: Pool) -> None:
    other_cid, other_phone = await _registered(pool)
    await sms_replies.handle(deps, other_phone, "楼下烧烤店凌晨还在营业，太吵了")
    theirs = await pool.fetchval("select number from tickets where citizen_id = $1", other_cid)
    _cid, phone = await _registered(pool)
    _id, outcome = await sms_replies.handle(deps, phone, theirs)
    assert outcome == "not_found"
    mistyped = theirs[:-1] + str((int(theirs[-1]) + 1) % 10)
    _id, outcome = await sms_replies.handle(deps, phone, mistyped)
    assert outcome == "number_invalid"
    templates = [t for _k, t, _p in await _answers(pool, phone)]
    assert templates == ["sms.reply_not_found", "sms.reply_number_invalid"]
    nobody = make_case_number(TICKET_PREFIX, 9_999_997)
    assert (await sms_replies.handle(deps, phone, nobody))[1] == "not_found"


async def test_no_address_no_ticket_and_filing_is_limited(
    deps: Deps, pool: Pool, settings: Settings
) -> None:
    cid, phone = await make_citizen(pool, channel="sms")  # no registered address
    for _ in range(2):
        _id, outcome = await sms_replies.handle(deps, phone, "路灯坏了好几天没人修")
    assert outcome == "ticket_no_place_skipped"  # answered once a day
    # (its text is plain already: it gives the number to call)
    assert [t for _k, t, _p in await _answers(pool, phone)] == ["sms.reply_ticket_no_place"]
    assert await pool.fetchval("select count(*) from tickets where citizen_id = $1", cid) == 0
    # over the citizen's filing limit: refused, said so once, nothing half-filed
    tight = Deps(pool=pool, settings=dataclasses.replace(settings, tickets_per_citizen_hour=1))
    cid, phone = await _registered(pool)
    outcomes = [
        (await sms_replies.handle(tight, phone, f"路灯坏了好几天没人修，第{i}次"))[1]
        for i in range(3)
    ]
    assert outcomes == ["ticket_filed", "ticket_too_many", "ticket_too_many_skipped"]
    assert await pool.fetchval("select count(*) from tickets where citizen_id = $1", cid) == 1


async def _closed_by_sms(
    client: AsyncTestClient[Any], deps: Deps, pool: Pool, tokens: dict[str, str], phone: str
) -> tuple[str, str]:
    """A ticket filed by SMS, handled by its unit, confirmed solved by SMS: (number, the
    rating question's extend code)."""
    await sms_replies.handle(deps, phone, "家里暖气不热好几天了")
    number = await pool.fetchval(
        "select t.number from tickets t join citizens c on c.id = t.citizen_id "
        "where c.phone = $1 order by t.id desc limit 1",
        phone,
    )
    staff = await pool.fetchval(
        """select s.phone from staff_members s join units u on u.id = s.unit_id
           join tickets t on t.lead_unit_id = u.id
           where t.number = $1 and s.role = 'staff' limit 1""",
        number,
    )
    token = await login(client, pool, staff, as_staff=True)
    for query in (ACK, RESOLVE):
        assert "errors" not in await gql(client, query, {"n": number}, token=token)
    assert (await sms_replies.handle(deps, phone, "1"))[1] == "follow_up"
    code = await pool.fetchval(
        "select extend_code from outbox where kind = 'ticket.rating_question' "
        "and params->>'number' = $1",
        number,
    )
    assert code is not None and code.startswith(str(int(QuestionKind.TICKET_RATING)))
    return number, code


async def test_the_rating_question_and_a_bad_rating_by_sms(
    client: AsyncTestClient[Any], deps: Deps, pool: Pool, tokens: dict[str, str]
) -> None:
    _cid, phone = await _registered(pool)
    number, code = await _closed_by_sms(client, deps, pool, tokens, phone)
    # outside 1-5: asked again (the question keeps its extend code), nothing recorded
    assert (await sms_replies.handle(deps, phone, "7", HOTLINE_PREFIX + code))[1] == (
        "rating_invalid"
    )
    again = await pool.fetchval(
        "select extend_code from outbox where phone = $1 and kind = 'sms_reply.rating_invalid'",
        phone,
    )
    assert again == code
    assert await pool.fetchval("select rating from tickets where number = $1", number) is None
    # 2 = 不满意: the same rectification as a rating in the app
    assert (await sms_replies.handle(deps, phone, "２", HOTLINE_PREFIX + code))[1] == "rated:2"
    row = await pool.fetchrow(
        "select t.rating, x.status, x.due_on from tickets t "
        "join rectifications x on x.ticket_id = t.id where t.number = $1",
        number,
    )
    assert row is not None and (row["rating"], row["status"]) == (2, "open")
    _kind, template, params = (await _answers(pool, phone))[-1]
    assert template == "sms.plain.ticket_rated_rectification"
    assert params["due"] == row["due_on"].strftime("%m-%d") and params["number"] == number
    # answered: a further digit is no rating (help, not a second rating)
    assert (await sms_replies.handle(deps, phone, "5"))[1] in ("help", "help_skipped")
    assert await pool.fetchval("select rating from tickets where number = $1", number) == 2


async def test_a_rating_reply_rates_only_ones_own_ticket(
    client: AsyncTestClient[Any], deps: Deps, pool: Pool, tokens: dict[str, str]
) -> None:
    _cid, phone = await _registered(pool)
    number, code = await _closed_by_sms(client, deps, pool, tokens, phone)
    _other_cid, other_phone = await _registered(pool)
    # the other citizen replies with the first one's extend code: nothing of theirs is asked
    _id, outcome = await sms_replies.handle(deps, other_phone, "1", HOTLINE_PREFIX + code)
    assert outcome in ("help", "help_skipped")
    assert await pool.fetchval("select rating from tickets where number = $1", number) is None
    assert (await sms_replies.handle(deps, phone, "5", HOTLINE_PREFIX + code))[1] == "rated:5"
    assert [t for _k, t, _p in await _answers(pool, phone)][-1] == "sms.ticket_rated"


async def test_reply_1_to_an_offer_makes_the_same_application(
    client: AsyncTestClient[Any], deps: Deps, pool: Pool
) -> None:
    offer_id = await fresh_offer(pool, ZHANG_WEI, "childcare-subsidy-newborn")
    code = question_code(QuestionKind.OFFER, offer_id)
    _id, outcome = await sms_replies.handle(deps, ZHANG_WEI, "1", HOTLINE_PREFIX + code)
    assert outcome == "offer_accepted"
    row = await pool.fetchrow(
        "select o.status, a.number, a.form from opportunities o "
        "join applications a on a.id = o.application_id where o.id = $1",
        offer_id,
    )
    assert row is not None and row["status"] == "accepted"
    # the same pre-filled application as the app's button
    assert f"'id': {offer_id}, 'rule': 'childcare-subsidy-newborn'" in str(row["form"])
    _kind, template, params = (await _answers(pool, ZHANG_WEI))[-1]
    assert template.endswith("offer_accepted") and params["number"] == row["number"]
    # the offer is taken: a second "1" to its SMS accepts nothing (not another offer either)
    accepted = await pool.fetchval(
        "select count(*) from opportunities o join citizens c on c.id = o.citizen_id "
        "where c.phone = $1 and o.status = 'accepted'",
        ZHANG_WEI,
    )
    _id, outcome = await sms_replies.handle(deps, ZHANG_WEI, "1", HOTLINE_PREFIX + code)
    assert outcome == "offer_refused:offer.not_open"
    assert (await _answers(pool, ZHANG_WEI))[-1][1] == "sms.offer_closed"
    assert accepted == await pool.fetchval(
        "select count(*) from opportunities o join citizens c on c.id = o.citizen_id "
        "where c.phone = $1 and o.status = 'accepted'",
        ZHANG_WEI,
    )


async def test_every_answer_is_in_the_citizens_language_without_a_link(
    deps: Deps, pool: Pool
) -> None:
    _cid, phone = await _registered(pool, language="en")
    await sms_replies.handle(deps, phone, "The street light outside number 3 is broken")
    await sms_replies.handle(deps, phone, "12345678")
    answers = await pool.fetch(
        "select template, language, params from outbox where phone = $1 order by id", phone
    )
    assert [r["language"] for r in answers] == ["en", "en"]
    for r in answers:
        assert "http" not in str(r["params"]) and "www" not in str(r["params"])


async def test_an_agents_1_accepts_nothing_for_the_principal(deps: Deps, pool: Pool) -> None:
    """Only the citizen the offer is for accepts by SMS, from their own phone: a relative
    acting for them is sent to the app, where money-moving steps wait for the principal."""
    offer_id = await fresh_offer(pool, ZHANG_WEI, "childcare-subsidy-newborn")
    agent_id, agent_phone = await make_citizen(pool, channel="sms")
    await make_delegation(pool, agent_id, await citizen_id(pool, ZHANG_WEI), ["all"])
    code = question_code(QuestionKind.OFFER, offer_id)
    _id, outcome = await sms_replies.handle(deps, agent_phone, "1", HOTLINE_PREFIX + code)
    assert outcome != "offer_accepted"
    status = await pool.fetchval("select status from opportunities where id = $1", offer_id)
    assert status == "open"


async def test_cx_answers_with_the_latest_ticket_when_there_is_no_application(
    deps: Deps, pool: Pool
) -> None:
    cid, phone = await _registered(pool)
    await sms_replies.handle(deps, phone, "楼道里的灯不亮了，路灯也坏了")
    number = await pool.fetchval("select number from tickets where citizen_id = $1", cid)
    assert (await sms_replies.handle(deps, phone, "CX"))[1] == "ticket_status"
    _kind, template, params = (await _answers(pool, phone))[-1]
    assert template.endswith("reply_ticket_status") and params["number"] == number


async def test_answers_to_a_numbers_own_words_are_capped_per_day(deps: Deps, pool: Pool) -> None:
    _cid, phone = await _registered(pool)
    outcomes = [
        (await sms_replies.handle(deps, phone, "12345678"))[1]
        for _ in range(sms_replies.MAX_ANSWERS_PER_DAY + 2)
    ]
    assert outcomes.count("number_invalid") == sms_replies.MAX_ANSWERS_PER_DAY
    assert outcomes[-2:] == ["answers_capped", "answers_capped"]


async def test_a_bare_1_applies_only_to_an_offer_sent_lately(deps: Deps, pool: Pool) -> None:
    """Without an extend code, "1" is taken as "apply" for an offer sent this week only."""
    _cid, phone = await _registered(pool)
    offer_id = await fresh_offer(pool, phone, "childcare-subsidy-newborn")
    await pool.execute(
        "update opportunities set notified_at = now() - interval '8 days' where id = $1",
        offer_id,
    )
    _id, outcome = await sms_replies.handle(deps, phone, "1")
    assert outcome in ("help", "help_skipped")
    assert await pool.fetchval("select status from opportunities where id = $1", offer_id) == (
        "open"
    )
