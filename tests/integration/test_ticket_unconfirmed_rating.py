"""A ticket closed without the citizen's confirmation (no answer after two asks) is rated all
the same: the rating question goes out once, as after a confirmed close (plain SMS for elder
and SMS-only readers, the usual channel for app users, who are away from the app), and a
"reply 1-5" answers it. A ticket already rated is not asked."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from litestar.testing import AsyncTestClient

from doorstep.domain.sms_reply import QuestionKind
from doorstep.services import sms_replies, ticket_clock
from doorstep.services.deps import Deps
from doorstep.store.db import Pool
from tests.integration.delegation_helpers import make_citizen
from tests.integration.helpers import gql, login

HOTLINE_PREFIX = "106"
SUBMIT = """mutation($i: SubmitTicketInput!) { submitTicket(input: $i) { number } }"""
ACK = "mutation($n: String!) { acknowledgeTicket(number: $n) { number } }"
RESOLVE = 'mutation($n: String!) { resolveTicket(number: $n, note: "已处理") { number } }'
RATE = "mutation($n: String!) { rateTicket(number: $n, rating: SATISFIED) { rating } }"
NOISE = {
    "kind": "COMPLAINT",
    "categoryCode": "noise",
    "description": "楼上邻居深夜大声喧哗",
    "regionCode": "110105001001",
}


async def _resolved_ticket(
    client: AsyncTestClient[Any], pool: Pool, tokens: dict[str, str], phone: str
) -> tuple[str, str]:
    token = await login(client, pool, phone)
    body = await gql(client, SUBMIT, {"i": NOISE}, token=token)
    assert "errors" not in body, body
    number: str = body["data"]["submitTicket"]["number"]
    for query in (ACK, RESOLVE):
        done = await gql(client, query, {"n": number}, token=tokens["staff"])
        assert "errors" not in done, done
    return number, token


async def _close_unconfirmed(deps: Deps, pool: Pool, number: str) -> None:
    """Two asks without an answer, then the clock closes it (several workers at once)."""
    asked_at = await pool.fetchval(
        "select follow_up_asked_at from tickets where number = $1", number
    )
    await ticket_clock.follow_up(deps, asked_at + timedelta(hours=25))
    asked_again = await pool.fetchval(
        "select follow_up_asked_at from tickets where number = $1", number
    )
    await asyncio.gather(
        *(ticket_clock.follow_up(deps, asked_again + timedelta(hours=25)) for _ in range(3))
    )
    assert await pool.fetchval("select status from tickets where number = $1", number) == (
        "closed_unconfirmed"
    )


async def _questions(pool: Pool, number: str) -> list[Any]:
    return await pool.fetch(
        "select template, phone, params, extend_code from outbox"
        " where kind = 'ticket.rating_question' and params->>'number' = $1 order by id",
        number,
    )


async def test_an_sms_reader_is_asked_once_and_rates_by_reply(
    client: AsyncTestClient[Any], deps: Deps, pool: Pool, tokens: dict[str, str]
) -> None:
    _cid, phone = await make_citizen(pool, channel="sms")
    number, _ = await _resolved_ticket(client, pool, tokens, phone)
    assert await _questions(pool, number) == []
    await _close_unconfirmed(deps, pool, number)
    (question,) = await _questions(pool, number)
    assert question["template"] == "sms.plain.ticket_rating_question"
    assert question["phone"] == phone
    code = question["extend_code"]
    assert code.startswith(str(int(QuestionKind.TICKET_RATING)))
    # the clock running again asks no second time
    await ticket_clock.follow_up(deps)
    assert len(await _questions(pool, number)) == 1

    await sms_replies.handle(deps, phone, "4", HOTLINE_PREFIX + code)
    rated = await pool.fetchrow("select rating, status from tickets where number = $1", number)
    assert rated is not None and (rated["rating"], rated["status"]) == (4, "closed_unconfirmed")


async def test_an_elder_is_asked_in_plain_words(
    client: AsyncTestClient[Any], deps: Deps, pool: Pool, tokens: dict[str, str]
) -> None:
    _cid, phone = await make_citizen(pool, elder_mode=True)
    number, _ = await _resolved_ticket(client, pool, tokens, phone)
    await _close_unconfirmed(deps, pool, number)
    (question,) = await _questions(pool, number)
    assert question["template"] == "sms.plain.ticket_rating_question"


async def test_an_app_user_gets_the_same_question_once_and_a_rated_ticket_none(
    client: AsyncTestClient[Any], deps: Deps, pool: Pool, tokens: dict[str, str]
) -> None:
    _cid, phone = await make_citizen(pool, channel="push")
    number, _ = await _resolved_ticket(client, pool, tokens, phone)
    await _close_unconfirmed(deps, pool, number)
    (question,) = await _questions(pool, number)
    assert question["template"] == "sms.ticket_rating_question"
    assert question["extend_code"].startswith(str(int(QuestionKind.TICKET_RATING)))

    # rated while still resolved (the app offers it then): closed unconfirmed, nothing asked
    _cid, phone = await make_citizen(pool, channel="push")
    rated, token = await _resolved_ticket(client, pool, tokens, phone)
    body = await gql(client, RATE, {"n": rated}, token=token)
    assert "errors" not in body, body
    await _close_unconfirmed(deps, pool, rated)
    assert await _questions(pool, rated) == []
