"""好差评 and 回访 of a ticket written down by a clerk (a caller on the hotline, a walk-in): the
same rectification as the citizen's own rating, marked as given at the counter, and the same
close or reopen as the citizen's own answer, marked as given on the hotline; the clerk learns
nothing of the ticket from the answer; once rated, never again."""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient

from doorstep.store.db import Pool
from tests.integration.helpers import error_code, gql
from tests.integration.ticket_matrix import _SUBMIT, TICKET_QUERIES, _act

RECORD = """mutation($n: String!, $r: Rating!) { recordTicketRating(number: $n, rating: $r)
  { number rating } }"""


async def test_a_clerk_records_a_callers_rating(
    client: AsyncTestClient[Any], tokens: dict[str, str], pool: Pool
) -> None:
    ticket = (await _act(client, _SUBMIT, {}, tokens["citizen"]))["data"]["submitTicket"]
    n = {"n": ticket["number"]}
    body = await gql(client, RECORD, {**n, "r": "SATISFIED"}, token=tokens["other_staff"])
    assert error_code(body) == "ticket.not_rateable"  # not resolved yet
    for step in ("acknowledgeTicket", "resolveTicket"):
        await _act(client, TICKET_QUERIES[step], n, tokens["staff"])
    # another unit's clerk on the hotline writes it down
    body = await gql(client, RECORD, {**n, "r": "DISSATISFIED"}, token=tokens["other_staff"])
    assert body["data"]["recordTicketRating"] == {
        "number": ticket["number"],
        "rating": "DISSATISFIED",
    }
    row = await pool.fetchrow(
        """select t.rating, x.status, e.data->>'channel' as channel from tickets t
           join rectifications x on x.ticket_id = t.id
           join events e on e.ticket_id = t.id and e.kind = 'ticket.rated'
           where t.number = $1""",
        ticket["number"],
    )
    assert row is not None and (row["rating"], row["status"], row["channel"]) == (
        2,
        "open",
        "counter",
    )
    body = await gql(client, RECORD, {**n, "r": "SATISFIED"}, token=tokens["staff"])
    assert error_code(body) == "ticket.already_rated"
    rate = "mutation($n: String!) { rateTicket(number: $n, rating: SATISFIED) { number } }"
    assert error_code(await gql(client, rate, n, token=tokens["citizen"])) == (
        "ticket.already_rated"
    )


ANSWER = """mutation($n: String!, $s: Boolean!) { recordFollowUpAnswer(number: $n, solved: $s)
  { number solved } }"""


async def test_a_hotline_clerk_writes_down_the_callers_follow_up_answer(
    client: AsyncTestClient[Any], tokens: dict[str, str], pool: Pool
) -> None:
    """回访 by phone: not solved reopens it to the same unit, solved closes it, each marked as
    answered on the hotline; before it is resolved there is nothing to answer."""
    ticket = (await _act(client, _SUBMIT, {}, tokens["citizen"]))["data"]["submitTicket"]
    n = {"n": ticket["number"]}
    body = await gql(client, ANSWER, {**n, "s": True}, token=tokens["other_staff"])
    assert error_code(body) == "ticket.not_awaiting_answer"
    for step in ("acknowledgeTicket", "resolveTicket"):
        await _act(client, TICKET_QUERIES[step], n, tokens["staff"])
    body = await gql(client, ANSWER, {**n, "s": False}, token=tokens["other_staff"])
    assert body["data"]["recordFollowUpAnswer"] == {"number": ticket["number"], "solved": False}
    row = await pool.fetchrow(
        "select status, reopen_count from tickets where number = $1", ticket["number"]
    )
    assert row is not None and (row["status"], row["reopen_count"]) == ("reopened", 1)
    await _act(client, TICKET_QUERIES["resolveTicket"], n, tokens["staff"])
    body = await gql(client, ANSWER, {**n, "s": True}, token=tokens["other_staff"])
    assert body["data"]["recordFollowUpAnswer"] == {"number": ticket["number"], "solved": True}
    answered = await pool.fetch(
        """select f.answer_channel, t.status, t.solved from ticket_follow_ups f
           join tickets t on t.id = f.ticket_id where t.number = $1 order by f.id""",
        ticket["number"],
    )
    assert [(r["answer_channel"], r["status"], r["solved"]) for r in answered] == [
        ("hotline", "closed", True),
        ("hotline", "closed", True),
    ]
    confirmed = await pool.fetchval(
        "select e.data->>'channel' from events e join tickets t on t.id = e.ticket_id"
        " where t.number = $1 and e.kind = 'ticket.confirmed_solved'",
        ticket["number"],
    )
    assert confirmed == "hotline"
    # answered once: a second call finds nothing waiting
    body = await gql(client, ANSWER, {**n, "s": False}, token=tokens["staff"])
    assert error_code(body) == "ticket.not_awaiting_answer"
    body = await gql(client, ANSWER, {"n": "123", "s": True}, token=tokens["staff"])
    assert error_code(body) is not None and error_code(body) != "internal"
