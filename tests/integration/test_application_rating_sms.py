"""好差评 of an application by SMS alone: once it is finished, someone who reads SMS only is
asked to rate it ("reply 1-5", with its extend code); a digit outside 1-5 asks again, a poor
one opens the same rectifications as in the app; someone who uses the app is not texted."""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient

from doorstep.domain.sms_reply import QuestionKind
from doorstep.services import sms_replies
from doorstep.services.deps import Deps
from doorstep.store.db import Pool
from tests.integration.delegation_helpers import make_citizen
from tests.integration.helpers import gql, login

HOTLINE_PREFIX = "106"
SUBMIT = """mutation { submitApplication(input: {bundleCode: "newborn"})
  { number tasks { id } } }"""


async def _finished_application(
    client: AsyncTestClient[Any], pool: Pool, tokens: dict[str, str], phone: str
) -> str:
    token = await login(client, pool, phone)
    body = await gql(client, SUBMIT, token=token)
    app = body["data"]["submitApplication"]
    for task in app["tasks"]:
        for action in ("acceptTask", "completeTask"):
            query = f"mutation($t: ID!) {{ {action}(taskId: $t) {{ number }} }}"
            done = await gql(client, query, {"t": task["id"]}, token=tokens["admin"])
            assert "errors" not in done, done
    number: str = app["number"]
    return number


async def _sent(pool: Pool, phone: str, kind: str) -> list[Any]:
    return await pool.fetch(
        "select template, params, extend_code from outbox where phone = $1 and kind = $2"
        " order by id",
        phone,
        kind,
    )


async def test_an_sms_reader_rates_a_finished_application_by_reply(
    client: AsyncTestClient[Any], deps: Deps, pool: Pool, tokens: dict[str, str]
) -> None:
    _cid, phone = await make_citizen(pool, channel="sms")
    number = await _finished_application(client, pool, tokens, phone)
    (question,) = await _sent(pool, phone, "application.rating_question")
    assert question["template"] == "sms.plain.application_rating_question"
    assert question["params"]["number"] == number
    code = question["extend_code"]
    assert code.startswith(str(int(QuestionKind.APPLICATION_RATING)))

    # outside 1-5: asked again with the same extend code; nothing recorded
    outcome = (await sms_replies.handle(deps, phone, "7", HOTLINE_PREFIX + code))[1]
    assert outcome == "rating_invalid"
    (again,) = await _sent(pool, phone, "sms_reply.rating_invalid")
    assert again["template"] == "sms.application_rating_invalid"
    assert again["extend_code"] == code
    rated = await pool.fetchval(
        "select count(*) from application_ratings r join applications a"
        " on a.id = r.application_id where a.number = $1",
        number,
    )
    assert rated == 0

    # 2 = 不满意: every task's unit owes a rectification, as in the app
    outcome = (await sms_replies.handle(deps, phone, "２", HOTLINE_PREFIX + code))[1]
    assert outcome == "application_rated:2"
    row = await pool.fetchrow(
        """select r.rating, r.channel,
                  (select count(*) from task_rectifications x join tasks t on t.id = x.task_id
                    where t.application_id = a.id) as rectifications, a.tasks_total
           from application_ratings r join applications a on a.id = r.application_id
           where a.number = $1""",
        number,
    )
    assert row is not None and (row["rating"], row["channel"]) == (2, "sms")
    assert row["rectifications"] == row["tasks_total"]
    (answer,) = await _sent(pool, phone, "sms_reply.rated")
    assert answer["template"] == "sms.plain.application_rated_rectification"
    # answered: a further digit rates nothing
    outcome = (await sms_replies.handle(deps, phone, "5", HOTLINE_PREFIX + code))[1]
    assert outcome != "application_rated:5"
    assert (
        await pool.fetchval(
            "select r.rating from application_ratings r join applications a"
            " on a.id = r.application_id where a.number = $1",
            number,
        )
        == 2
    )


async def test_someone_who_uses_the_app_is_asked_there_not_by_sms(
    client: AsyncTestClient[Any], pool: Pool, tokens: dict[str, str]
) -> None:
    _cid, phone = await make_citizen(pool, channel="push")
    await _finished_application(client, pool, tokens, phone)
    assert await _sent(pool, phone, "application.rating_question") == []
