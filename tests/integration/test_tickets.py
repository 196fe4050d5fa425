"""Tickets through the real GraphQL endpoint: dispatch by rule, the loop of acknowledge, return,
extend, resolve, follow-up and rating, the clocks, recurrence, and bad input."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from doorstep.domain.case_numbers import is_valid_case_number
from doorstep.domain.tickets import Channel
from doorstep.services import sms_replies, ticket_clock
from doorstep.services.deps import Deps
from doorstep.services.tickets import follow_up as ticket_service
from doorstep.store.db import Pool
from tests.integration.conftest import CITIZEN_PHONE, OTHER_CITIZEN_PHONE
from tests.integration.helpers import error_code, fresh_phone, gql, post_gql, row_counts

TICKET_FIELDS = """number kind status statusLabel categoryCode regionCode urgency needsReview
  leadUnit { code name } assistingUnits { code } deadlineProfile acknowledgeBy dueOn dueAt
  dispatch { basis ruleSet ruleNo ruleVersion explanation } resolutionNote solved reopenCount
  returnsCount previousNumber recurrence rating ratingLabel rectification { id status dueOn }
  finishedAt followUpAsks timeline { kind title }"""
SUBMIT = f"""mutation($i: SubmitTicketInput!) {{ submitTicket(input: $i) {{ {TICKET_FIELDS} }} }}"""
TICKET = f"""query($n: String!) {{ ticket(number: $n) {{ {TICKET_FIELDS}
  contact {{ name phone }} assignments {{ unitCode basis returnReason }} }} }}"""
ACK = f"mutation($n: String!) {{ acknowledgeTicket(number: $n) {{ {TICKET_FIELDS} }} }}"
RETURN = f"""mutation($n: String!, $r: String!) {{ returnTicket(number: $n, reason: $r)
  {{ {TICKET_FIELDS} }} }}"""
REDISPATCH = f"""mutation($n: String!, $u: String!) {{ redispatchTicket(number: $n, unitCode: $u,
  note: "核实后改派") {{ {TICKET_FIELDS} }} }}"""
EXTEND = f"""mutation($n: String!, $d: Int!, $r: String!) {{ extendTicket(number: $n, days: $d,
  reason: $r) {{ {TICKET_FIELDS} }} }}"""
RESOLVE = f"""mutation($n: String!, $t: String!) {{ resolveTicket(number: $n, note: $t)
  {{ {TICKET_FIELDS} }} }}"""
ANSWER = f"""mutation($n: String!, $s: Boolean!) {{ answerFollowUp(number: $n, solved: $s)
  {{ {TICKET_FIELDS} }} }}"""
RATE = f"""mutation($n: String!, $g: Rating!, $c: String) {{ rateTicket(number: $n, rating: $g,
  comment: $c) {{ {TICKET_FIELDS} }} }}"""

NOISE = {
    "kind": "COMPLAINT",
    "categoryCode": "noise",
    "description": "楼上邻居深夜大声喧哗",
    "regionCode": "110105001001",
}


async def submit(client: AsyncTestClient[Any], token: str, **fields: Any) -> dict[str, Any]:
    body = await gql(client, SUBMIT, {"i": {**NOISE, **fields}}, token=token)
    assert "errors" not in body, body
    ticket: dict[str, Any] = body["data"]["submitTicket"]
    return ticket


async def run(
    client: AsyncTestClient[Any], query: str, variables: dict[str, Any], token: str, field: str
) -> Any:
    """The field's JSON: an object or a list of them."""
    body = await gql(client, query, variables, token=token)
    assert "errors" not in body, body
    return body["data"][field]


async def test_a_rule_routes_it_and_says_why(
    client: AsyncTestClient[Any], pool: Pool, tokens: dict[str, str]
) -> None:
    ticket = await submit(client, tokens["citizen"])
    assert is_valid_case_number(ticket["number"]) and ticket["number"].startswith("20")
    assert ticket["status"] == "DISPATCHED" and not ticket["needsReview"]
    assert ticket["leadUnit"]["code"] == "cy-psb"
    dispatch = ticket["dispatch"]
    assert (dispatch["basis"], dispatch["ruleNo"], dispatch["ruleVersion"]) == ("RULE", 6, 1)
    assert dispatch["explanation"] == (
        "类别「噪音」,地区110105001001 → 北京市公安局朝阳分局(规则6 v1)"
    )
    assert ticket["deadlineProfile"] == "COMPLAINT"
    # (then "ticket.linked" when another test filed noise here in the last 30 days)
    assert [e["kind"] for e in ticket["timeline"]][:2] == ["ticket.submitted", "ticket.dispatched"]
    # the citizen is told the number and the unit; the unit's staff are told to acknowledge
    sms = await pool.fetch(
        "select template, phone, params from outbox where params->>'number' = $1 order by id",
        ticket["number"],
    )
    assert sms[0]["template"] == "sms.ticket_received" and sms[0]["phone"] == CITIZEN_PHONE
    police = {
        r["phone"]
        for r in await pool.fetch(
            "select s.phone from staff_members s join units u on u.id = s.unit_id "
            "where u.code = 'cy-psb' and s.role = 'staff'"
        )
    }
    assert {r["phone"] for r in sms if r["template"] == "sms.ticket_dispatched"} == police
    # acknowledge within 24 hours; handle within 13 working days
    row = await pool.fetchrow(
        "select assigned_at, ack_due_at, handle_due_on from tickets where number = $1",
        ticket["number"],
    )
    assert row is not None
    assert row["ack_due_at"] - row["assigned_at"] == timedelta(hours=24)
    # construction noise goes to housing (rule 5: keywords refine the category)
    building = await submit(client, tokens["citizen"], description="夜里工地还在施工")
    assert building["leadUnit"]["code"] == "cy-housing" and building["dispatch"]["ruleNo"] == 5
    # read in English (staff have no language of their own: Accept-Language decides)
    body = await gql(
        client,
        "query($n: String!) { ticket(number: $n) { dispatch { explanation } statusLabel } }",
        {"n": ticket["number"]},
        token=tokens["supervisor"],
        language="en",
    )
    assert "errors" not in body, body
    assert body["data"]["ticket"]["dispatch"]["explanation"] == (
        "category 噪音 in region 110105001001 → 北京市公安局朝阳分局, rule 6 v1"
    )
    assert body["data"]["ticket"]["statusLabel"] == "Sent to the unit"


async def test_danger_is_acknowledged_within_two_hours_same_day(
    client: AsyncTestClient[Any], pool: Pool, tokens: dict[str, str]
) -> None:
    ticket = await submit(
        client,
        tokens["citizen"],
        kind="HELP",
        categoryCode="heating",
        urgency="DANGER",
        description="暖气管爆裂,屋里进水,家里有老人",
    )
    assert ticket["leadUnit"]["code"] == "cy-heating"
    assert [u["code"] for u in ticket["assistingUnits"]] == ["cy-jianwai"]
    assert ticket["deadlineProfile"] == "URGENT" and ticket["dispatch"]["ruleNo"] == 1
    row = await pool.fetchrow(
        "select assigned_at, ack_due_at, urgent from tickets t "
        "join outbox o on o.params->>'number' = t.number "
        "and o.template = 'sms.ticket_dispatched' where t.number = $1 "
        "limit 1",
        ticket["number"],
    )
    assert row is not None
    assert row["ack_due_at"] - row["assigned_at"] == timedelta(hours=2) and row["urgent"]


async def test_a_keyword_guess_or_no_rule_goes_to_the_fallback_for_review(
    client: AsyncTestClient[Any], tokens: dict[str, str]
) -> None:
    guess = await submit(
        client,
        tokens["citizen"],
        kind="REPORT",
        categoryCode="other",
        description="小区门口路灯坏了一个星期",
    )
    assert guess["needsReview"] and guess["dispatch"]["basis"] == "KEYWORD_GUESS"
    assert guess["leadUnit"]["code"] == "cy-jianwai"  # 建外街道, the street's fallback
    assert "路灯" in guess["dispatch"]["explanation"]
    assert "朝阳区城市管理委员会" in guess["dispatch"]["explanation"]
    nothing = await submit(
        client,
        tokens["citizen"],
        kind="ENQUIRY",
        categoryCode="other",
        description="想咨询一下社区活动",
        regionCode="110105002001",
    )
    assert nothing["dispatch"]["basis"] == "NO_RULE" and nothing["needsReview"]
    assert nothing["leadUnit"]["code"] == "cy-service-center"  # no street office: the district

    queue = await run(
        client, "{ ticketReviewQueue { number } }", {}, tokens["supervisor"], "ticketReviewQueue"
    )
    assert {guess["number"], nothing["number"]} <= {t["number"] for t in queue}
    moved = await run(
        client,
        REDISPATCH,
        {"n": guess["number"], "u": "cy-city-management"},
        tokens["supervisor"],
        "redispatchTicket",
    )
    assert moved["leadUnit"]["code"] == "cy-city-management" and not moved["needsReview"]
    assert moved["status"] == "DISPATCHED"
    # confirming the district centre keeps it there and clears the review
    kept = await run(
        client,
        REDISPATCH,
        {"n": nothing["number"], "u": "cy-service-center"},
        tokens["supervisor"],
        "redispatchTicket",
    )
    assert kept["leadUnit"]["code"] == "cy-service-center" and not kept["needsReview"]
    assert kept["timeline"][-1]["kind"] == "ticket.routing_confirmed"
    queue = await run(
        client, "{ ticketReviewQueue { number } }", {}, tokens["supervisor"], "ticketReviewQueue"
    )
    assert not {guess["number"], nothing["number"]} & {t["number"] for t in queue}
    # staff cannot redispatch, and a supervisor cannot send it outside their region
    assert (
        error_code(
            await gql(
                client, REDISPATCH, {"n": moved["number"], "u": "cy-psb"}, token=tokens["staff"]
            )
        )
        == "auth.forbidden"
    )
    assert (
        error_code(
            await gql(
                client,
                REDISPATCH,
                {"n": moved["number"], "u": "nowhere"},
                token=tokens["supervisor"],
            )
        )
        == "ticket.unit_unknown"
    )


async def test_the_loop_only_the_citizen_says_solved(
    client: AsyncTestClient[Any], pool: Pool, tokens: dict[str, str]
) -> None:
    ticket = await submit(client, tokens["citizen"])
    n = {"n": ticket["number"]}
    # another unit cannot acknowledge it, nor resolve before acknowledging
    assert error_code(await gql(client, ACK, n, token=tokens["other_staff"])) == ("auth.forbidden")
    assert (
        error_code(await gql(client, RESOLVE, {**n, "t": "已处理"}, token=tokens["staff"]))
        == "ticket.illegal_transition"
    )
    acked = await run(client, ACK, n, tokens["staff"], "acknowledgeTicket")
    assert acked["status"] == "ACKNOWLEDGED"
    # staff see the caller's name and phone, and the read is recorded
    before = await pool.fetchval("select count(*) from personal_data_reads where what = 'ticket'")
    seen = await run(client, TICKET, n, tokens["staff"], "ticket")
    assert seen["contact"]["phone"] == CITIZEN_PHONE
    assert (
        await pool.fetchval("select count(*) from personal_data_reads where what = 'ticket'")
        == before + 1
    )
    citizen_view = await run(client, TICKET, n, tokens["citizen"], "ticket")
    assert citizen_view["contact"] is None
    # resolving needs a note for the citizen
    for note in ("", "   "):
        assert (
            error_code(await gql(client, RESOLVE, {**n, "t": note}, token=tokens["staff"]))
            == "ticket.note_required"
        )
    resolved = await run(
        client,
        RESOLVE,
        {**n, "t": "已上门劝导,邻居承诺夜间保持安静"},
        tokens["staff"],
        "resolveTicket",
    )
    assert resolved["status"] == "RESOLVED" and resolved["followUpAsks"] == 1
    asked = await pool.fetchrow(
        "select template, params from outbox where params->>'number' "
        "= $1 and kind = 'ticket.follow_up'",
        ticket["number"],
    )
    assert asked is not None
    assert asked["template"] == "sms.ticket_follow_up"
    # someone else cannot answer for the citizen, nor can the unit
    for role in ("other_citizen", "staff"):
        assert (
            error_code(await gql(client, ANSWER, {**n, "s": True}, token=tokens[role]))
            == "ticket.not_found"
        )
    # not solved: back to the same unit, the same deadline
    reopened = await run(client, ANSWER, {**n, "s": False}, tokens["citizen"], "answerFollowUp")
    assert reopened["status"] == "REOPENED" and reopened["reopenCount"] == 1
    assert reopened["leadUnit"]["code"] == "cy-psb"
    assert reopened["dueOn"] == ticket["dueOn"] and reopened["solved"] is None
    assert error_code(await gql(client, ANSWER, {**n, "s": True}, token=tokens["citizen"])) == (
        "ticket.not_awaiting_answer"
    )
    await run(
        client, RESOLVE, {**n, "t": "再次上门,已协调物业加装隔音"}, tokens["staff"], "resolveTicket"
    )
    closed = await run(client, ANSWER, {**n, "s": True}, tokens["citizen"], "answerFollowUp")
    assert closed["status"] == "CLOSED" and closed["solved"] is True and closed["finishedAt"]
    # 不满意 opens a rectification with its own deadline; rating once only
    rated = await run(
        client, RATE, {**n, "g": "DISSATISFIED", "c": "拖得太久"}, tokens["citizen"], "rateTicket"
    )
    assert rated["rating"] == "DISSATISFIED" and rated["ratingLabel"] == "不满意"
    assert rated["rectification"]["status"] == "open"
    assert (
        error_code(await gql(client, RATE, {**n, "g": "SATISFIED"}, token=tokens["citizen"]))
        == "ticket.already_rated"
    )
    tasks = await run(
        client,
        "{ rectificationTasks { id ticketNumber rating } }",
        {},
        tokens["staff"],
        "rectificationTasks",
    )
    assert rated["rectification"]["id"] in {t["id"] for t in tasks}
    done = await run(
        client,
        """mutation($x: ID!) { completeRectification(id: $x,
        note: "已加强夜间巡查") { rectification { status } } }""",
        {"x": rated["rectification"]["id"]},
        tokens["staff"],
        "completeRectification",
    )
    assert done["rectification"]["status"] == "done"
    complete = """mutation($x: ID!) { completeRectification(id: $x, note: "再次") { number } }"""
    again = await gql(client, complete, {"x": rated["rectification"]["id"]}, token=tokens["staff"])
    assert error_code(again) == "rectification.already_done"
    unknown = await gql(client, complete, {"x": "987654321"}, token=tokens["staff"])
    assert error_code(unknown) == "rectification.not_found"
    kinds = [
        e["kind"] for e in (await run(client, TICKET, n, tokens["citizen"], "ticket"))["timeline"]
    ]
    assert kinds[-5:] == [
        "ticket.resolved",
        "ticket.confirmed_solved",
        "ticket.rated",
        "ticket.rectification_opened",
        "ticket.rectification_done",
    ]


async def test_returns_go_to_review_then_straight_to_the_fallback(
    client: AsyncTestClient[Any], pool: Pool, tokens: dict[str, str]
) -> None:
    ticket = await submit(client, tokens["citizen"])
    n = {"n": ticket["number"]}
    assert error_code(await gql(client, RETURN, {**n, "r": " "}, token=tokens["staff"])) == (
        "ticket.reason_required"
    )
    returned = await run(
        client, RETURN, {**n, "r": "不属本单位职责"}, tokens["staff"], "returnTicket"
    )
    assert returned["status"] == "RETURNED" and returned["returnsCount"] == 1
    review = await pool.fetchrow(
        "select phone from outbox where kind = 'ticket.returned' and params->>'number' = $1",
        ticket["number"],
    )
    assert review is not None
    assert review["phone"] == await pool.fetchval(
        "select phone from staff_members where role = 'supervisor' and region_code = '110105'"
    )
    queue = await run(
        client,
        "{ ticketReviewQueue { number status } }",
        {},
        tokens["supervisor"],
        "ticketReviewQueue",
    )
    assert ticket["number"] in {t["number"] for t in queue}
    # the supervisor refuses the return: back to the police with a fresh clock
    back = await run(
        client, REDISPATCH, {**n, "u": "cy-psb"}, tokens["supervisor"], "redispatchTicket"
    )
    assert back["status"] == "DISPATCHED" and back["leadUnit"]["code"] == "cy-psb"
    # a second return goes straight to the region's fallback unit, unreviewed
    second = await run(
        client, RETURN, {**n, "r": "仍不属于本单位"}, tokens["staff"], "returnTicket"
    )
    assert second["status"] == "DISPATCHED" and second["leadUnit"]["code"] == "cy-jianwai"
    assert second["returnsCount"] == 2
    full = await run(client, TICKET, n, tokens["supervisor"], "ticket")
    assert [(a["unitCode"], a["basis"]) for a in full["assignments"]] == [
        ("cy-psb", "rule"),
        ("cy-psb", "supervisor"),
        ("cy-jianwai", "return_limit"),
    ]
    assert [a["returnReason"] for a in full["assignments"]][:2] == [
        "不属本单位职责",
        "仍不属于本单位",
    ]
    # and there it stays: no third return
    street_staff = await _staff_token(client, pool, "cy-jianwai")
    assert (
        error_code(await gql(client, RETURN, {**n, "r": "也不归我们"}, token=street_staff))
        == "ticket.return_limit"
    )


async def _staff_token(client: AsyncTestClient[Any], pool: Pool, unit_code: str) -> str:
    from tests.integration.helpers import login

    phone = await pool.fetchval(
        "select s.phone from staff_members s join units u on "
        "u.id = s.unit_id where u.code = $1 and s.role = 'staff' "
        "order by s.id limit 1",
        unit_code,
    )
    return await login(client, pool, phone, as_staff=True)


async def test_extension_before_the_deadline_tells_the_citizen(
    client: AsyncTestClient[Any], pool: Pool, tokens: dict[str, str]
) -> None:
    ticket = await submit(client, tokens["citizen"])
    n = {"n": ticket["number"]}
    assert (
        error_code(
            await gql(client, EXTEND, {**n, "d": 2, "r": "需要现场核查"}, token=tokens["staff"])
        )
        == "ticket.extension_not_running"
    )
    await run(client, ACK, n, tokens["staff"], "acknowledgeTicket")
    for days in (0, 16, -1):
        assert (
            error_code(await gql(client, EXTEND, {**n, "d": days, "r": "x"}, token=tokens["staff"]))
            == "ticket.extension_days"
        )
    assert (
        error_code(await gql(client, EXTEND, {**n, "d": 2, "r": "x"}, token=tokens["other_staff"]))
        == "auth.forbidden"
    )
    extended = await run(
        client, EXTEND, {**n, "d": 2, "r": "需要现场核查"}, tokens["staff"], "extendTicket"
    )
    from doorstep.domain.calendar import DEFAULT_CALENDAR

    assert (
        extended["dueOn"]
        == DEFAULT_CALENDAR.add_working_days(date.fromisoformat(ticket["dueOn"]), 2).isoformat()
    )
    told = await pool.fetchrow(
        "select template, phone from outbox where kind = "
        "'ticket.deadline_extended' and params->>'number' = $1",
        ticket["number"],
    )
    assert told is not None
    assert told["template"] == "sms.ticket_extended" and told["phone"] == CITIZEN_PHONE
    await run(client, EXTEND, {**n, "d": 1, "r": "等待物业配合"}, tokens["staff"], "extendTicket")
    assert (
        error_code(await gql(client, EXTEND, {**n, "d": 1, "r": "x"}, token=tokens["staff"]))
        == "ticket.extension_limit"
    )
    await pool.execute(
        "update tickets set handle_due_at = now() - interval '1 hour', "
        "extensions = 0 where number = $1",
        ticket["number"],
    )
    assert (
        error_code(await gql(client, EXTEND, {**n, "d": 1, "r": "x"}, token=tokens["staff"]))
        == "ticket.extension_too_late"
    )


async def test_no_answer_after_two_asks_is_closed_unconfirmed(
    client: AsyncTestClient[Any], pool: Pool, deps: Deps, tokens: dict[str, str]
) -> None:
    ticket = await submit(client, tokens["citizen"])
    n = {"n": ticket["number"]}
    await run(client, ACK, n, tokens["staff"], "acknowledgeTicket")
    await run(client, RESOLVE, {**n, "t": "已处理"}, tokens["staff"], "resolveTicket")
    asked_at = await pool.fetchval(
        "select follow_up_asked_at from tickets where number = $1", ticket["number"]
    )
    # within the day nothing happens; after it, the second ask; a day later, closed
    await ticket_clock.follow_up(deps, asked_at + timedelta(hours=23))
    assert (
        await pool.fetchval(
            "select follow_up_asks from tickets where number = $1", ticket["number"]
        )
        == 1
    )
    await asyncio.gather(
        *(ticket_clock.follow_up(deps, asked_at + timedelta(hours=25)) for _ in range(3))
    )
    row = await pool.fetchrow(
        "select status, follow_up_asks, follow_up_asked_at from tickets where number = $1",
        ticket["number"],
    )
    assert row is not None
    assert (row["status"], row["follow_up_asks"]) == ("resolved", 2)
    again = await pool.fetch(
        "select template from outbox where kind = 'ticket.follow_up' and "
        "params->>'number' = $1 order by id",
        ticket["number"],
    )
    assert [r["template"] for r in again] == ["sms.ticket_follow_up", "sms.ticket_follow_up_again"]
    await ticket_clock.follow_up(deps, row["follow_up_asked_at"] + timedelta(hours=25))
    final = await run(client, TICKET, n, tokens["citizen"], "ticket")
    assert final["status"] == "CLOSED_UNCONFIRMED" and final["solved"] is None
    assert final["timeline"][-1]["kind"] == "ticket.closed_unconfirmed"


async def test_an_sms_reply_answers_through_the_same_service(
    client: AsyncTestClient[Any], pool: Pool, deps: Deps, tokens: dict[str, str]
) -> None:
    ticket = await submit(client, tokens["citizen"])
    n = {"n": ticket["number"]}
    await run(client, ACK, n, tokens["staff"], "acknowledgeTicket")
    await run(client, RESOLVE, {**n, "t": "已处理"}, tokens["staff"], "resolveTicket")
    citizen_id = await pool.fetchval("select id from citizens where phone = $1", CITIZEN_PHONE)
    assert await ticket_service.answer_follow_up_reply(deps, citizen_id, "你好") is None
    assert await ticket_service.awaiting_answer(deps, citizen_id) == ticket["number"]
    view = await ticket_service.answer_follow_up_reply(deps, citizen_id, "１")
    assert view is not None and view.number == ticket["number"] and view.solved is True
    channel = await pool.fetchval(
        "select answer_channel from ticket_follow_ups f join tickets t "
        "on t.id = f.ticket_id where t.number = $1",
        ticket["number"],
    )
    assert channel == Channel.SMS.value
    # a reply from another citizen's phone answers none of this citizen's tickets
    other_id = await pool.fetchval("select id from citizens where phone = $1", OTHER_CITIZEN_PHONE)
    assert await ticket_service.awaiting_answer(deps, other_id) != ticket["number"]


async def test_an_sms_reply_answers_the_ticket_it_replies_to(
    client: AsyncTestClient[Any], pool: Pool, deps: Deps, tokens: dict[str, str]
) -> None:
    """Two tickets wait for the citizen's word; each follow-up SMS carries its ticket's extend
    code, and a "1" that comes back with the older one's code answers the older ticket."""
    numbers = []
    for description in ("楼上邻居深夜大声喧哗", "楼下邻居每晚深夜大声喧哗"):
        ticket = await submit(client, tokens["citizen"], description=description)
        n = {"n": ticket["number"]}
        await run(client, ACK, n, tokens["staff"], "acknowledgeTicket")
        await run(client, RESOLVE, {**n, "t": "已处理"}, tokens["staff"], "resolveTicket")
        numbers.append(ticket["number"])
    codes = {
        r["params"]["number"]: r["extend_code"]
        for r in await pool.fetch(
            "select params, extend_code from outbox where kind = 'ticket.follow_up' "
            "and params->>'number' = any($1)",
            numbers,
        )
    }
    assert all(code and code.startswith("3") and len(code) == 5 for code in codes.values())
    older, newer = numbers
    _cid, outcome = await sms_replies.handle(deps, CITIZEN_PHONE, "１", "106" + codes[older])
    assert outcome == "follow_up"
    solved = {
        r["number"]: r["solved"]
        for r in await pool.fetch(
            "select number, solved from tickets where number = any($1)", numbers
        )
    }
    assert solved == {older: True, newer: None}


async def _alerts(pool: Pool, number: str) -> list[str]:
    rows = await pool.fetch(
        "select a.threshold from ticket_alerts a join tickets t on "
        "t.id = a.ticket_id where t.number = $1 order by a.created_at, "
        "a.threshold",
        number,
    )
    return [r["threshold"] for r in rows]


async def test_reminders_and_escalations_once_per_deadline(
    client: AsyncTestClient[Any], pool: Pool, deps: Deps, tokens: dict[str, str]
) -> None:
    ticket = await submit(client, tokens["citizen"])
    row = await pool.fetchrow(
        "select ack_remind_at, ack_due_at, handle_remind_at, "
        "handle_due_at from tickets where number = $1",
        ticket["number"],
    )
    assert row is not None
    # 75% of the acknowledge time: a reminder, once, whatever the number of workers
    at = row["ack_remind_at"] + timedelta(minutes=1)
    await asyncio.gather(*(ticket_clock.raise_alerts(deps, at) for _ in range(4)))
    assert await _alerts(pool, ticket["number"]) == ["ack_reminder"]
    # not acknowledged in time: escalated to the supervisor, once
    late = row["ack_due_at"] + timedelta(minutes=1)
    await asyncio.gather(*(ticket_clock.raise_alerts(deps, late) for _ in range(3)))
    assert await _alerts(pool, ticket["number"]) == ["ack_reminder", "ack_overdue"]
    escalation = await pool.fetchrow(
        "select phone, urgent, template from outbox where kind = "
        "'ticket.ack_overdue' and params->>'number' = $1",
        ticket["number"],
    )
    assert escalation is not None
    assert escalation["urgent"] and escalation["template"] == "sms.ticket_escalation"
    # acknowledged late, then the handling clock: reminder at 75%, escalation when overdue
    await run(client, ACK, {"n": ticket["number"]}, tokens["staff"], "acknowledgeTicket")
    await ticket_clock.raise_alerts(deps, row["handle_remind_at"] + timedelta(minutes=1))
    await ticket_clock.raise_alerts(deps, row["handle_due_at"] + timedelta(minutes=1))
    await ticket_clock.raise_alerts(deps, row["handle_due_at"] + timedelta(days=2))
    assert await _alerts(pool, ticket["number"]) == [
        "ack_reminder",
        "ack_overdue",
        "handle_reminder",
        "handle_overdue",
    ]
    kinds = await pool.fetch(
        "select e.kind from events e join tickets t on t.id = e.ticket_id "
        "where t.number = $1 and e.actor_kind = 'system'",
        ticket["number"],
    )
    assert sorted(r["kind"] for r in kinds) == [
        "ticket.ack_overdue",
        "ticket.ack_reminder",
        "ticket.handle_overdue",
        "ticket.handle_reminder",
    ]


async def test_the_same_problem_at_the_same_place_recurs(
    client: AsyncTestClient[Any], tokens: dict[str, str]
) -> None:
    place = {
        "kind": "REPORT",
        "categoryCode": "streetlight",
        "description": "路灯不亮",
        "regionCode": "110105001002",
        "latitude": 39.9085,
        "longitude": 116.4610,
    }
    first = await submit(client, tokens["citizen"], **place)
    assert first["leadUnit"]["code"] == "cy-city-management"
    assert first["previousNumber"] is None
    staff = tokens["admin"]
    await run(client, ACK, {"n": first["number"]}, staff, "acknowledgeTicket")
    await run(client, RESOLVE, {"n": first["number"], "t": "已更换灯泡"}, staff, "resolveTicket")
    # another citizen, 100 m away, a week later (same region): linked, and a recurrence
    again = await submit(client, tokens["other_citizen"], **{**place, "latitude": 39.9093})
    assert again["previousNumber"] == first["number"] and again["recurrence"]
    assert again["timeline"][-1]["kind"] == "ticket.linked"
    # 2 km away is another place; another category is another problem
    far = await submit(client, tokens["other_citizen"], **{**place, "latitude": 39.9265})
    assert far["previousNumber"] is None
    other = await submit(client, tokens["citizen"], **{**place, "categoryCode": "sanitation"})
    assert other["previousNumber"] is None
    # while the first is still open a new report is linked but is no recurrence
    dup = await submit(client, tokens["citizen"], **{**place, "latitude": 39.9267})
    assert dup["previousNumber"] == far["number"] and not dup["recurrence"]


async def test_a_hotline_clerk_files_for_a_caller(
    client: AsyncTestClient[Any], pool: Pool, tokens: dict[str, str]
) -> None:
    caller = fresh_phone()
    ticket = await submit(
        client,
        tokens["staff"],
        citizenPhone=caller,
        kind="HELP",
        categoryCode="elder_care",
        description="独居老人家里没有暖和的被子",
    )
    row = await pool.fetchrow(
        "select t.channel, t.submitted_by_staff_id, c.phone, "
        "c.channel_preference from tickets t join citizens c on "
        "c.id = t.citizen_id where t.number = $1",
        ticket["number"],
    )
    assert row is not None
    assert (row["channel"], row["phone"], row["channel_preference"]) == ("hotline", caller, "sms")
    assert row["submitted_by_staff_id"] is not None
    # a caller without a smartphone gets the plain SMS with a number to call
    sms = await pool.fetchrow("select template from outbox where phone = $1", caller)
    assert sms is not None
    assert sms["template"] == "sms.plain.ticket_received"
    # elder care in 永安里 goes to the community, assisted by civil affairs (rule 8)
    assert ticket["leadUnit"]["code"] == "cy-jianwai-yonganli"
    assert [u["code"] for u in ticket["assistingUnits"]] == ["cy-civil-affairs"]
    assert (
        error_code(
            await gql(client, SUBMIT, {"i": {**NOISE, "citizenPhone": "12"}}, token=tokens["staff"])
        )
        == "phone.invalid"
    )
    # citizens file only for themselves
    assert (
        error_code(
            await gql(
                client, SUBMIT, {"i": {**NOISE, "citizenPhone": caller}}, token=tokens["citizen"]
            )
        )
        == "auth.forbidden"
    )


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"categoryCode": "potholes"}, "ticket.category_unknown"),
        ({"categoryCode": "NOISE!"}, "ticket.category_unknown"),
        ({"regionCode": "110105999"}, "ticket.region_unknown"),
        ({"regionCode": "11010"}, "ticket.region_unknown"),
        ({"regionCode": "310101"}, "ticket.region_unknown"),
        ({"description": ""}, "ticket.description_empty"),
        ({"description": " \n\t "}, "ticket.description_empty"),
        ({"description": "吵" * 4001}, "ticket.description_too_long"),
        ({"latitude": 91.0, "longitude": 116.4}, "ticket.coordinates_invalid"),
        ({"latitude": 39.9, "longitude": -181.0}, "ticket.coordinates_invalid"),
        ({"latitude": 39.9}, "ticket.coordinates_invalid"),
    ],
)
async def test_bad_input_is_refused_and_writes_nothing(
    client: AsyncTestClient[Any],
    pool: Pool,
    tokens: dict[str, str],
    change: dict[str, Any],
    code: str,
) -> None:
    tables = ("tickets", "ticket_assignments", "events", "outbox")
    before = await row_counts(pool, *tables)
    body, _text = await post_gql(
        client, SUBMIT, {"i": {**NOISE, **change}}, token=tokens["citizen"], language="en"
    )
    assert error_code(body) == code, body
    assert body["errors"][0]["message"] and "{" not in body["errors"][0]["message"]
    assert await row_counts(pool, *tables) == before


async def test_oversized_reasons_notes_and_comments_are_refused_and_write_nothing(
    client: AsyncTestClient[Any], pool: Pool, tokens: dict[str, str]
) -> None:
    ticket = await submit(client, tokens["citizen"])
    n = ticket["number"]
    tables = ("events", "outbox", "ticket_assignments", "ticket_extensions", "rectifications")

    async def refused(query: str, variables: dict[str, Any], token: str, code: str) -> None:
        before = await row_counts(pool, *tables)
        state = await pool.fetchrow("select status, updated_at from tickets where number = $1", n)
        body, _text = await post_gql(
            client, query, {"n": n, **variables}, token=token, language="en"
        )
        assert error_code(body) == code, body
        assert "{" not in body["errors"][0]["message"]
        assert await row_counts(pool, *tables) == before
        assert (
            await pool.fetchrow("select status, updated_at from tickets where number = $1", n)
            == state
        )

    staff = tokens["staff"]
    await refused(RETURN, {"r": "不" * 501}, staff, "ticket.reason_too_long")
    await run(client, ACK, {"n": n}, staff, "acknowledgeTicket")
    await refused(EXTEND, {"d": 2, "r": "需" * 501}, staff, "ticket.reason_too_long")
    await refused(RESOLVE, {"t": "已" * 1001}, staff, "ticket.note_too_long")
    await run(client, RESOLVE, {"n": n, "t": "已" * 1000}, staff, "resolveTicket")  # the limit
    await run(client, ANSWER, {"n": n, "s": True}, tokens["citizen"], "answerFollowUp")
    await refused(
        RATE, {"g": "SATISFIED", "c": "好" * 501}, tokens["citizen"], "ticket.comment_too_long"
    )
    # and only the ticket's citizen rates it
    await refused(RATE, {"g": "SATISFIED", "c": None}, tokens["other_citizen"], "ticket.not_found")


@pytest.mark.parametrize("number", ["2000000000", "20-0000-00x", "1000000017", ""])
async def test_a_mistyped_number_is_refused(
    client: AsyncTestClient[Any], tokens: dict[str, str], number: str
) -> None:
    assert error_code(await gql(client, TICKET, {"n": number}, token=tokens["citizen"])) == (
        "ticket.number_invalid"
    )


async def test_pages_of_my_tickets_and_the_queue(
    client: AsyncTestClient[Any], tokens: dict[str, str]
) -> None:
    for _ in range(3):
        await submit(client, tokens["other_citizen"])
    first = await run(
        client,
        "{ myTickets(first: 2) { number cursor } }",
        {},
        tokens["other_citizen"],
        "myTickets",
    )
    rest = await run(
        client,
        "query($b: ID!) { myTickets(first: 2, before: $b) { number } }",
        {"b": first[-1]["cursor"]},
        tokens["other_citizen"],
        "myTickets",
    )
    assert (
        len(first) == 2 and rest and not {t["number"] for t in first} & {t["number"] for t in rest}
    )
    page = await run(
        client, "{ ticketQueue(first: 2) { number cursor } }", {}, tokens["staff"], "ticketQueue"
    )
    after = await run(
        client,
        "query($a: ID!) { ticketQueue(first: 2, after: $a) { number } }",
        {"a": page[-1]["cursor"]},
        tokens["staff"],
        "ticketQueue",
    )
    assert not {t["number"] for t in page} & {t["number"] for t in after}


async def test_places_for_a_picker_are_every_region_parents_first(
    client: AsyncTestClient[Any], pool: Pool
) -> None:
    body = await gql(client, "{ ticketPlaces { code name parentCode } }")
    places = body["data"]["ticketPlaces"]
    rows = await pool.fetch("select code, name, parent_code from regions order by code")
    assert [(p["code"], p["name"], p["parentCode"]) for p in places] == [tuple(r) for r in rows]
    seen: set[str] = set()
    for place in places:  # a parent comes before its children
        assert place["parentCode"] is None or place["parentCode"] in seen
        seen.add(place["code"])


async def test_categories_are_open_to_all(client: AsyncTestClient[Any]) -> None:
    body = await gql(client, "{ ticketCategories { code name } }")
    codes = [c["code"] for c in body["data"]["ticketCategories"]]
    assert codes[:5] == ["heating", "streetlight", "water", "noise", "pension"]


async def test_an_agents_ticket_reads_are_in_the_principals_access_log(
    client: AsyncTestClient[Any], pool: Pool
) -> None:
    """An agent's myTickets and ticket reads are recorded for the
    principal, and only a delegation covering general matters reads her tickets at all."""
    from tests.integration.delegation_helpers import gql_as, make_delegation
    from tests.integration.helpers import login

    principal_phone, agent_phone, narrow_phone = fresh_phone(), fresh_phone(), fresh_phone()
    principal = await login(client, pool, principal_phone)
    agent, narrow = await login(client, pool, agent_phone), await login(client, pool, narrow_phone)
    ids = {
        p: await pool.fetchval("select id from citizens where phone = $1", p)
        for p in (principal_phone, agent_phone, narrow_phone)
    }
    await make_delegation(pool, ids[agent_phone], ids[principal_phone], ["applications"])
    await make_delegation(pool, ids[narrow_phone], ids[principal_phone], ["elderly_subsidy"])
    number = (await submit(client, principal))["number"]
    principal_for = str(ids[principal_phone])

    async def reads() -> list[tuple[str, int]]:
        rows = await pool.fetch(
            "select what, reader_id from personal_data_reads where citizen_id = $1 "
            "and reader_kind = 'agent' order by id",
            ids[principal_phone],
        )
        return [(r["what"], r["reader_id"]) for r in rows]

    mine = "{ myTickets { number } }"
    one = "query($n: String!) { ticket(number: $n) { number } }"
    body = await gql_as(client, mine, token=agent, acting_for=principal_for)
    assert [t["number"] for t in body["data"]["myTickets"]] == [number]
    body = await gql_as(client, one, {"n": number}, token=agent, acting_for=principal_for)
    assert body["data"]["ticket"]["number"] == number
    assert await reads() == [("tickets", ids[agent_phone]), ("ticket", ids[agent_phone])]
    # a delegation for elderly subsidies only reads no tickets, and nothing is recorded
    for query, variables in ((mine, None), (one, {"n": number})):
        body = await gql_as(client, query, variables, token=narrow, acting_for=principal_for)
        assert error_code(body) == "delegation.out_of_scope", body
    assert len(await reads()) == 2
    # the principal's own reads are not "someone read your data"
    await gql(client, mine, token=principal)
    assert len(await reads()) == 2
