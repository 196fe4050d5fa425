"""POST /sms/up: citizens answer by SMS. Each reply is handled once, by whoever asked."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from litestar.testing import AsyncTestClient

from doorstep.api.app import create_app
from doorstep.config import Settings
from doorstep.i18n import translate
from doorstep.notify.channels import ConsoleChannel
from doorstep.services import notifications
from doorstep.services.deps import Deps
from doorstep.store.db import Pool, transaction
from tests.conftest import TEST_CALLBACK_TOKEN
from tests.integration.delegation_helpers import make_citizen, make_delegation
from tests.integration.helpers import fresh_phone, from_peer, gql, login, row_counts

_seq = iter(range(10**9, 2 * 10**9))
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def _reply(phone: str, content: str, *, sequence_id: int | None = None) -> dict[str, Any]:
    return {
        "phone_number": phone.removeprefix("+86"),
        "send_time": "2026-03-10 10:00:00",
        "content": content,
        "sign_name": "掌上办",
        "dest_code": "",
        "sequence_id": sequence_id if sequence_id is not None else next(_seq),
    }


async def _push(
    client: AsyncTestClient[Any], items: Any, raw: bytes | None = None
) -> tuple[int, dict[str, Any]]:
    content = raw if raw is not None else json.dumps(items, ensure_ascii=False).encode()
    response = await client.post(
        f"/sms/up?token={TEST_CALLBACK_TOKEN}",
        content=content,
        headers={"Content-Type": "application/json"},
    )
    return response.status_code, response.json()


async def _answers(pool: Pool, phone: str) -> list[tuple[str, dict[str, Any]]]:
    rows = await pool.fetch(
        "select kind, params from outbox where phone = $1 and kind like 'sms_reply.%' order by id",
        phone,
    )
    return [(r["kind"], r["params"]) for r in rows]


async def _outcome(pool: Pool, phone: str) -> list[str]:
    rows = await pool.fetch("select outcome from sms_inbound where phone = $1 order by id", phone)
    return [r["outcome"] for r in rows]


async def _applicant(client: AsyncTestClient[Any], pool: Pool) -> tuple[str, str]:
    phone = fresh_phone()
    token = await login(client, pool, phone)
    body = await gql(
        client,
        'mutation { submitApplication(input: {bundleCode: "newborn"}) { number status } }',
        token=token,
    )
    return phone, body["data"]["submitApplication"]["number"]


async def test_an_application_number_gets_its_status_back(
    client: AsyncTestClient[Any], pool: Pool
) -> None:
    phone, number = await _applicant(client, pool)
    typed = f" {number[:4]} {number[4:]} ".translate(FULL_WIDTH)  # a keypad phone's way
    status, body = await _push(client, [_reply(phone, typed, sequence_id=77)])
    assert (status, body["code"], body["accepted"]) == (200, 0, 1)
    submitted = translate("application_status.submitted", "zh_Hans")
    assert await _answers(pool, phone) == [
        ("sms_reply.status", {"number": number, "latest": submitted})
    ]
    # Aliyun pushes again: handled once
    status, body = await _push(client, [_reply(phone, typed, sequence_id=77)])
    assert (body["accepted"], body["duplicates"]) == (0, 1)
    assert len(await _answers(pool, phone)) == 1
    # "进度" / "CX": the latest application
    await _push(client, [_reply(phone, "ＣＸ"), _reply(phone, "进度")])
    assert [k for k, _p in await _answers(pool, phone)] == ["sms_reply.status"] * 3
    assert await _outcome(pool, phone) == ["status"] * 3


async def test_help_once_a_day_and_nothing_for_strangers(
    client: AsyncTestClient[Any], pool: Pool
) -> None:
    phone, _number = await _applicant(client, pool)
    other_number = "1000001237"  # valid, but not this citizen's: said so, never its status
    await _push(
        client,
        [_reply(phone, "你好"), _reply(phone, other_number), _reply(phone, "？？")],
    )
    assert [k for k, _p in await _answers(pool, phone)] == [
        "sms_reply.help",
        "sms_reply.not_found",
    ]
    assert await _outcome(pool, phone) == ["help", "not_found", "help_skipped"]
    stranger = fresh_phone()
    before = await row_counts(pool, "outbox")
    status, body = await _push(client, [_reply(stranger, "CX")])
    assert (status, body["accepted"]) == (200, 1)
    assert await row_counts(pool, "outbox") == before
    assert await _outcome(pool, stranger) == ["unknown_number"]


async def test_td_stops_offers_but_not_ones_own_affairs(
    client: AsyncTestClient[Any], pool: Pool, settings: Settings
) -> None:
    phone, number = await _applicant(client, pool)
    await _push(client, [_reply(phone, "退订")])
    assert await pool.fetchval(
        "select sms_opt_out_at is not null from citizens where phone = $1", phone
    )
    assert [k for k, _p in await _answers(pool, phone)] == ["sms_reply.unsubscribed"]
    citizen_id = await pool.fetchval("select id from citizens where phone = $1", phone)
    deps = Deps(pool=pool, settings=settings)
    async with transaction(pool) as conn:
        offer = await notifications.queue(
            conn,
            citizen_id=citizen_id,
            phone=phone,
            kind="offer.offer",
            template="sms.offer",
            params={"item": "育儿补贴", "reason": "家有3岁以下婴幼儿。"},
            language="zh_Hans",
        )
        news = await notifications.queue(
            conn,
            citizen_id=citizen_id,
            phone=phone,
            kind="application.finished",
            template="sms.application_completed",
            params={"number": number},
            language="zh_Hans",
            urgent=True,
        )
    assert await notifications.deliver(deps, ConsoleChannel(), offer) == "permanent-failure"
    assert await notifications.deliver(deps, ConsoleChannel(), news) == "delivered"
    assert (
        await pool.fetchval("select reason from notification_decisions where outbox_id = $1", offer)
        == "opted_out"
    )


async def test_y_answers_the_waiting_delegation_request(
    client: AsyncTestClient[Any], pool: Pool
) -> None:
    principal_id, principal_phone = await make_citizen(pool)
    agent_id, _agent_phone = await make_citizen(pool)
    delegation_id = await make_delegation(
        pool, agent_id, principal_id, ["applications"], status="requested"
    )
    await _push(client, [_reply(principal_phone, "ｙ")])
    assert await _outcome(pool, principal_phone) == ["delegation:consented"]
    assert (
        await pool.fetchval("select status from delegations where id = $1", delegation_id)
        == "active"
    )


async def test_consent_replies_from_other_numbers_and_after_expiry(
    client: AsyncTestClient[Any], pool: Pool
) -> None:
    """Through POST /sms/up: a "Y" from the agent's number or a stranger's answers nothing;
    the principal's "Y" after the request expired is told so and consents to nothing."""
    principal_id, principal_phone = await make_citizen(pool)
    agent_id, agent_phone = await make_citizen(pool)
    delegation_id = await make_delegation(
        pool, agent_id, principal_id, ["applications"], status="requested"
    )
    stranger = fresh_phone()
    await _push(client, [_reply(agent_phone, "Y"), _reply(stranger, "Y")])
    assert await _outcome(pool, agent_phone) == ["help"]
    assert await _outcome(pool, stranger) == ["unknown_number"]
    assert (
        await pool.fetchval("select status from delegations where id = $1", delegation_id)
        == "requested"
    )
    await pool.execute(
        "update delegations set requested_at = requested_at - interval '8 days' where id = $1",
        delegation_id,
    )
    await _push(client, [_reply(principal_phone, "Y")])
    assert await _outcome(pool, principal_phone) == ["delegation:expired"]
    assert (
        await pool.fetchval("select status from delegations where id = $1", delegation_id)
        == "expired"
    )
    assert (
        await pool.fetchval(
            "select template from outbox where phone = $1 order by id desc limit 1", principal_phone
        )
        == "sms.delegation_reply_expired"
    )


async def test_y_confirms_an_agents_money_moving_application(
    client: AsyncTestClient[Any], pool: Pool
) -> None:
    from tests.integration.delegation_helpers import gql_as

    principal_id, principal_phone = await make_citizen(pool)
    agent_phone = fresh_phone()
    token = await login(client, pool, agent_phone)
    agent_id = await pool.fetchval("select id from citizens where phone = $1", agent_phone)
    await make_delegation(pool, agent_id, principal_id, ["all"])
    body = await gql_as(
        client,
        'mutation { submitApplication(input: {bundleCode: "after-death"}) { number } }',
        token=token,
        acting_for=str(principal_id),
    )
    assert body["errors"][0]["extensions"]["code"] == "delegation.confirmation_pending"
    # the agent's own "Y" is refused; the principal's confirms
    await _push(client, [_reply(agent_phone, "Y")])
    assert await _outcome(pool, agent_phone) == ["delegation:not_principal"]
    await _push(client, [_reply(principal_phone, "是")])
    assert await _outcome(pool, principal_phone) == ["delegation:confirmed"]
    assert (
        await pool.fetchval("select count(*) from applications where citizen_id = $1", principal_id)
        == 1
    )


async def test_bad_pushes_write_nothing(client: AsyncTestClient[Any], pool: Pool) -> None:
    before = await row_counts(pool, "outbox", "sms_inbound")
    for raw in (b"{oops", b'{"content": "CX"}', b"\xff"):
        status, body = await _push(client, None, raw=raw)
        assert status == 400 and body["code"] == 400
    status, body = await _push(
        client,
        [
            None,
            {"phone_number": "123", "content": "CX"},
            {"phone_number": fresh_phone(), "content": 5},
            {"phone_number": fresh_phone(), "content": "x" * 600},
        ],
    )
    assert (status, body["invalid"], body["accepted"]) == (200, 4, 0)
    assert await row_counts(pool, "outbox", "sms_inbound") == before


async def test_a_reply_answers_the_request_whose_sms_it_replies_to(
    client: AsyncTestClient[Any], pool: Pool
) -> None:
    """Two people ask to act for one mother; each request SMS carries its own extend code. Her
    "Y" to the older one (dest_code ends with its code) consents to that one, not the newest;
    a code that names nothing in flight answers the newest, as a reply without one does."""
    from tests.integration.delegation_helpers import gql_as

    _mother_id, mother_phone = await make_citizen(pool)
    ids: list[int] = []
    for _ in range(2):
        token = await login(client, pool, fresh_phone())
        body = await gql_as(
            client,
            """mutation($p: String!) { requestDelegation(
            principalPhone: $p, themes: [APPLICATIONS], days: 30) { id } }""",
            {"p": mother_phone},
            token=token,
        )
        ids.append(int(body["data"]["requestDelegation"]["id"]))
    codes = [
        r["extend_code"]
        for r in await pool.fetch(
            "select extend_code from outbox where phone = $1 and template = "
            "'sms.delegation_requested' order by id",
            mother_phone,
        )
    ]
    assert codes == [f"1{i % 10_000:04d}" for i in ids]
    older, newer = ids
    await _push(client, [{**_reply(mother_phone, "Y"), "dest_code": "10690" + codes[0]}])
    statuses = {
        r["id"]: r["status"]
        for r in await pool.fetch("select id, status from delegations where id = any($1)", ids)
    }
    assert statuses == {older: "active", newer: "requested"}
    # a code of no question of hers: the newest waiting request
    await _push(client, [{**_reply(mother_phone, "N"), "dest_code": "39999"}])
    assert await pool.fetchval("select status from delegations where id = $1", newer) == "refused"
    assert await _outcome(pool, mother_phone) == ["delegation:consented", "delegation:refused"]


async def test_a_forged_reply_is_refused_without_the_token(settings: Settings, pool: Pool) -> None:
    """With no SMS_CALLBACK_TOKEN configured every push is refused (a
    forged "Y" once activated a delegation); with one, a push must carry exactly it."""
    principal_id, principal_phone = await make_citizen(pool)
    agent_id, _agent_phone = await make_citizen(pool)
    delegation_id = await make_delegation(
        pool, agent_id, principal_id, ["applications"], status="requested"
    )
    body = json.dumps([_reply(principal_phone, "Y")]).encode()
    headers = {"Content-Type": "application/json", "Accept-Language": "en"}
    unset = dataclasses.replace(settings, sms=dataclasses.replace(settings.sms, callback_token=""))
    async with AsyncTestClient(app=create_app(unset)) as client:
        for path in ("/sms/up", "/sms/up?token=", "/sms/report"):
            response = await client.post(path, content=body, headers=headers)
            assert response.status_code == 403
            assert response.json() == {
                "code": 403,
                "msg": translate("sms_callback.forbidden", "en"),
            }
    async with AsyncTestClient(app=create_app(settings)) as client:
        for token in ("wrong", TEST_CALLBACK_TOKEN[:-1], TEST_CALLBACK_TOKEN + "x"):
            response = await client.post(f"/sms/up?token={token}", content=body, headers=headers)
            assert response.status_code == 403
    assert await _outcome(pool, principal_phone) == []
    assert (
        await pool.fetchval("select status from delegations where id = $1", delegation_id)
        == "requested"
    )


async def test_callbacks_only_from_the_configured_networks(settings: Settings, pool: Pool) -> None:
    """SMS_CALLBACK_NETWORKS: the right token from elsewhere is still refused."""
    phone = fresh_phone()
    body = json.dumps([_reply(phone, "CX")]).encode()
    path = f"/sms/up?token={TEST_CALLBACK_TOKEN}"
    for networks, peer, expected in (
        (("100.104.0.0/16",), "203.0.113.9", 403),
        (("100.104.0.0/16",), "100.104.3.4", 200),
    ):
        guarded = dataclasses.replace(
            settings, sms=dataclasses.replace(settings.sms, callback_networks=networks)
        )
        async with AsyncTestClient(app=from_peer(create_app(guarded), peer)) as client:
            response = await client.post(
                path, content=body, headers={"Content-Type": "application/json"}
            )
        assert response.status_code == expected, response.text
        if expected == 403:
            assert response.json()["msg"] == translate("sms_callback.forbidden_network")
    assert await _outcome(pool, phone) == ["unknown_number"]
