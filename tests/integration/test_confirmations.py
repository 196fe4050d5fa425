"""What moves money or property needs the principal's own confirmation.

The daughter (the agent, delegation "all") applies for 身后一件事 or 退休一件事, or accepts an
offer of one, for her mother: nothing is applied for; it waits, encrypted, as a pending
confirmation; the mother is asked by a plain SMS (reply Y / N, a number to call, no link) and
in the app; her yes makes the application as if she had submitted it (one transaction,
recorded with both people), her no refuses it; it expires; a delegation that ends cancels it;
only she can answer, and answering twice is answering once.
"""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from typing import Any

from litestar.testing import AsyncTestClient

from doorstep.domain.errors import DomainError
from doorstep.services import acting, confirmations, delegation, sms_replies
from doorstep.services.auth import actor_for_token
from doorstep.services.deps import Deps
from doorstep.store.db import Pool
from tests.integration.delegation_helpers import (
    fresh_resident_id,
    gql_as,
    last_sms,
    make_delegation,
    sms_to,
)
from tests.integration.helpers import error_code, fresh_phone, login, row_counts
from tests.integration.identity_helpers import verify_identity
from tests.integration.proactive_helpers import fresh_offer
from tests.integration.test_delegation import Family, _family

SUBMIT = """mutation($b: String!, $rid: String) {
  submitApplication(input: {bundleCode: $b, residentId: $rid}) { number status } }"""
MINE = """query($s: [ConfirmationStatus!]) { myConfirmations(statuses: $s) {
  id action bundleCode bundleName status statusLabel nextStep readAloud viewerIs
  applicationNumber
  decidedBy agent { citizenId name } principal { citizenId name } } }"""
ANSWER = """mutation($id: ID!, $c: Boolean!) { answerConfirmation(id: $id, confirm: $c) {
  confirmation { id status statusLabel applicationNumber decidedBy }
  application { number status bundleCode } } }"""
REVOKE = "mutation($id: ID!) { revokeDelegation(id: $id) { status } }"
ACCEPT = "mutation($o: ID!) { acceptOffer(id: $o) { offer { status } application { number } } }"
URL = re.compile(r"https?://|www\.|\.(com|cn|net|org)\b", re.I)
TABLES = ("applications", "tasks", "delegation_confirmations", "delegation_actions", "outbox")


async def _delegated(
    client: AsyncTestClient[Any], pool: Pool, themes: list[str] | None = None
) -> tuple[Family, int]:
    family = await _family(client, pool)
    delegation_id = await make_delegation(
        pool, family.daughter_id, family.mother_id, themes or ["all"]
    )
    return family, delegation_id


async def _ask(
    client: AsyncTestClient[Any],
    family: Family,
    bundle: str = "after-death",
    resident_id: str | None = None,
) -> dict[str, Any]:
    """The daughter applies for a money-moving bundle for her mother: it waits."""
    body = await gql_as(
        client,
        SUBMIT,
        {"b": bundle, "rid": resident_id},
        token=family.daughter,
        acting_for=str(family.mother_id),
    )
    assert error_code(body) == "delegation.confirmation_pending", body
    assert body["data"] is None
    error: dict[str, Any] = body["errors"][0]
    return error


async def _applications_of(pool: Pool, citizen_id: int) -> list[Any]:
    return await pool.fetch(
        "select id, number, status from applications where citizen_id = $1", citizen_id
    )


async def test_an_agents_money_moving_application_waits_for_the_principals_yes(
    client: AsyncTestClient[Any], pool: Pool, tokens: dict[str, str]
) -> None:
    family, delegation_id = await _delegated(client, pool)
    # she may look at what the form takes first (it moves nothing)
    body = await gql_as(
        client,
        '{ applicationForm(bundleCode: "after-death") { bundleCode } }',
        token=family.daughter,
        acting_for=str(family.mother_id),
    )
    assert body["data"]["applicationForm"]["bundleCode"] == "after-death", body
    resident_id = fresh_resident_id()
    # the form carries her ID: her account proved it (实名认证)
    await verify_identity(pool, family.mother_id, resident_id)
    before = await row_counts(pool, "applications", "tasks")
    error = await _ask(client, family, resident_id=resident_id)
    # the agent is told it waits for her mother, and which confirmation it is
    assert error["message"] == ("这件事涉及资金或财产，已发短信请王秀英本人确认，确认后才会提交。")
    confirmation_id = error["extensions"]["confirmationId"]
    # not an application yet: nothing of one is written
    assert await row_counts(pool, "applications", "tasks") == before
    row = await pool.fetchrow(
        "select status, agent_id, principal_id, delegation_id, payload_enc, expires_at - "
        "created_at as ttl from delegation_confirmations where id = $1",
        int(confirmation_id),
    )
    assert row is not None
    assert (row["status"], row["agent_id"], row["principal_id"], row["delegation_id"]) == (
        "pending",
        family.daughter_id,
        family.mother_id,
        delegation_id,
    )
    assert row["ttl"] == timedelta(hours=72)
    # the form waits encrypted: the resident ID is not in it in the clear
    assert resident_id.encode() not in bytes(row["payload_enc"])
    # the asking is an action of the agent, recorded with both people
    asked = await pool.fetchrow(
        "select agent_id, principal_id, application_id, detail from delegation_actions "
        "where delegation_id = $1 and operation = 'confirmation.request'",
        delegation_id,
    )
    assert asked is not None
    assert (asked["agent_id"], asked["principal_id"], asked["application_id"]) == (
        family.daughter_id,
        family.mother_id,
        None,
    )
    assert asked["detail"]["confirmation_id"] == int(confirmation_id)

    # the mother is asked by a plain SMS: who, what, Y or N, a number to call, no link
    sms = await last_sms(pool, family.mother_phone)
    assert sms["template"] == "sms.confirmation_requested"
    assert sms["params"]["name"] == "李娜" and sms["params"]["bundle"] == "身后一件事"
    from doorstep.notify.sms_text import fit_sms

    text = fit_sms(sms["template"], sms["params"], sms["language"], sign_name="掌上办").body
    assert "回复Y" in text and "回复N" in text and "12345" in text and not URL.search(text)

    # the agent sees it waiting; so does the mother, from her side, with what to do
    body = await gql_as(client, MINE, token=family.daughter, acting_for=str(family.mother_id))
    (seen,) = body["data"]["myConfirmations"]
    assert (seen["id"], seen["status"], seen["viewerIs"], seen["action"]) == (
        confirmation_id,
        "PENDING",
        "agent",
        "SUBMIT_APPLICATION",
    )
    assert seen["statusLabel"] == "等待本人确认" and "王秀英" in seen["nextStep"]
    # her look is a read of her mother's data, in the mother's log
    assert (
        await pool.fetchval(
            "select count(*) from personal_data_reads where citizen_id = $1 and reader_kind = "
            "'agent' and reader_id = $2 and what = 'delegation'",
            family.mother_id,
            family.daughter_id,
        )
        >= 1
    )
    body = await gql_as(client, MINE, {"s": ["PENDING"]}, token=family.mother)
    (theirs,) = body["data"]["myConfirmations"]
    assert theirs["viewerIs"] == "principal" and theirs["bundleName"] == "身后一件事"
    assert "李娜" in theirs["nextStep"]
    # the same waiting question is not asked twice
    body = await gql_as(
        client,
        SUBMIT,
        {"b": "after-death"},
        token=family.daughter,
        acting_for=str(family.mother_id),
    )
    assert error_code(body) == "confirmation.exists"

    # only the principal answers: not her agent acting for her, not the agent as herself,
    # not anyone else; each is refused with its code and changes nothing
    for token, acting_for, code in (
        (family.daughter, str(family.mother_id), "delegation.principal_must_act"),
        (family.daughter, None, "auth.forbidden"),
        (tokens["other_citizen"], None, "auth.forbidden"),
        (tokens["staff"], None, "auth.forbidden"),
    ):
        body = await gql_as(
            client, ANSWER, {"id": confirmation_id, "c": True}, token=token, acting_for=acting_for
        )
        assert error_code(body) == code, body
    assert await _applications_of(pool, family.mother_id) == []

    # she confirms: the application is made as if she had submitted it
    body = await gql_as(client, ANSWER, {"id": confirmation_id, "c": True}, token=family.mother)
    answer = body["data"]["answerConfirmation"]
    assert answer["confirmation"]["status"] == "CONFIRMED", body
    assert answer["confirmation"]["decidedBy"] == "app"
    number = answer["application"]["number"]
    assert answer["confirmation"]["applicationNumber"] == number
    assert answer["application"]["bundleCode"] == "after-death"
    (made,) = await _applications_of(pool, family.mother_id)
    assert made["number"] == number
    event = await pool.fetchrow(
        "select actor_id, data from events where "
        "kind = 'application.submitted' and application_id = $1",
        made["id"],
    )
    assert event is not None
    assert event["actor_id"] == family.mother_id
    assert event["data"]["confirmation_id"] == int(confirmation_id)
    assert event["data"]["asked_by"] == family.daughter_id
    # the resident ID the daughter typed is now the mother's (it waited encrypted)
    assert (
        await pool.fetchval(
            "select resident_id_masked from citizens where id = $1", family.mother_id
        )
        is not None
    )
    # recorded with both people; she gets the usual "submitted" SMS, the daughter the number
    action = await pool.fetchrow(
        "select agent_id, principal_id, application_id, detail from delegation_actions "
        "where delegation_id = $1 and operation = 'application.submit'",
        delegation_id,
    )
    assert action is not None
    assert (action["agent_id"], action["principal_id"], action["application_id"]) == (
        family.daughter_id,
        family.mother_id,
        made["id"],
    )
    assert action["detail"]["confirmed_by"] == "app"
    assert (await last_sms(pool, family.mother_phone))["template"] == ("sms.application_submitted")
    told = await last_sms(pool, family.daughter_phone)
    assert told["template"] == "sms.confirmation_confirmed"
    assert told["params"]["number"] == number

    # confirming again is the same answer: the same application, nothing new
    counts = await row_counts(pool, *TABLES)
    body = await gql_as(client, ANSWER, {"id": confirmation_id, "c": True}, token=family.mother)
    assert body["data"]["answerConfirmation"]["application"]["number"] == number, body
    assert await row_counts(pool, *TABLES) == counts
    # changing her mind afterwards is refused
    body = await gql_as(client, ANSWER, {"id": confirmation_id, "c": False}, token=family.mother)
    assert error_code(body) == "confirmation.not_pending"
    # the agent follows it to the end
    body = await gql_as(client, MINE, token=family.daughter, acting_for=str(family.mother_id))
    (seen,) = body["data"]["myConfirmations"]
    assert (seen["status"], seen["applicationNumber"], seen["nextStep"]) == (
        "CONFIRMED",
        number,
        None,
    )


async def test_the_principal_answers_by_sms(
    client: AsyncTestClient[Any], pool: Pool, deps: Deps
) -> None:
    family, delegation_id = await _delegated(client, pool)
    await pool.execute("update citizens set language = 'zh_Hant' where id = $1", family.mother_id)
    await pool.execute("update citizens set language = 'en' where id = $1", family.daughter_id)
    # 退休一件事 is of the social-security theme: "all" covers it
    confirmation_id = int(
        (await _ask(client, family, "retirement"))["extensions"]["confirmationId"]
    )
    asked = await last_sms(pool, family.mother_phone)
    assert (asked["template"], asked["language"]) == ("sms.confirmation_requested", "zh_Hant")
    # a "Y" from a number that is no citizen's, or from another citizen's, changes nothing
    stranger = await delegation.handle_sms_reply(deps, fresh_phone(), "Y")
    assert not stranger.handled
    other_phone = fresh_phone()
    await login(client, pool, other_phone)
    _cid, outcome = await sms_replies.handle(deps, other_phone, "Y")
    assert not outcome.startswith("delegation:"), outcome
    # the agent's own "Y" is refused: it is her mother's to give
    _cid, outcome = await sms_replies.handle(deps, family.daughter_phone, "Y")
    assert outcome == "delegation:not_principal"
    assert (await last_sms(pool, family.daughter_phone))["template"] == (
        "sms.confirmation_not_yours"
    )
    assert (
        await pool.fetchval(
            "select status from delegation_confirmations where id = $1", confirmation_id
        )
        == "pending"
    )
    assert await _applications_of(pool, family.mother_id) == []

    # the mother replies Y (through the SMS-reply handling)
    _cid, outcome = await sms_replies.handle(deps, family.mother_phone, "Ｙ")
    assert outcome == "delegation:confirmed"
    (made,) = await _applications_of(pool, family.mother_id)
    row = await pool.fetchrow(
        "select status, decided_by, application_id from delegation_confirmations where id = $1",
        confirmation_id,
    )
    assert row is not None
    assert (row["status"], row["decided_by"], row["application_id"]) == (
        "confirmed",
        "sms",
        made["id"],
    )
    assert (
        await pool.fetchval(
            "select detail->>'confirmed_by' from delegation_actions where delegation_id = $1 "
            "and operation = 'application.submit'",
            delegation_id,
        )
        == "sms"
    )
    # a second "Y" is the same answer: nothing new, and no help SMS either
    counts = await row_counts(pool, *TABLES)
    _cid, outcome = await sms_replies.handle(deps, family.mother_phone, "Y")
    assert outcome == "delegation:already_confirmed"
    assert await row_counts(pool, *TABLES) == counts

    # "N" refuses the next one: no application, the daughter is told
    refused_id = int((await _ask(client, family))["extensions"]["confirmationId"])
    done = await delegation.handle_sms_reply(deps, family.mother_phone, "N")
    assert done.handled and done.action == "confirmation_refused"
    assert (
        await pool.fetchval("select status from delegation_confirmations where id = $1", refused_id)
        == "refused"
    )
    assert len(await _applications_of(pool, family.mother_id)) == 1
    refused_sms = await last_sms(pool, family.daughter_phone)
    assert (refused_sms["template"], refused_sms["language"]) == ("sms.confirmation_refused", "en")
    # and the delegation itself is untouched by either answer
    assert (
        await pool.fetchval("select status from delegations where id = $1", delegation_id)
        == "active"
    )


async def test_yes_at_once_in_the_app_and_by_sms_makes_one_application(
    client: AsyncTestClient[Any], pool: Pool, deps: Deps
) -> None:
    family, delegation_id = await _delegated(client, pool)
    confirmation_id = int((await _ask(client, family))["extensions"]["confirmationId"])
    mother = await actor_for_token(deps, family.mother)
    assert mother is not None
    results = await asyncio.gather(
        confirmations.answer(deps, mother, confirmation_id, True),
        confirmations.answer(deps, mother, confirmation_id, True),
        delegation.handle_sms_reply(deps, family.mother_phone, "Y"),
        return_exceptions=True,
    )
    assert not [r for r in results if isinstance(r, BaseException)], results
    (made,) = await _applications_of(pool, family.mother_id)
    app_answers = [r for r in results if isinstance(r, confirmations.Answered)]
    assert [a.application.number for a in app_answers if a.application] == [made["number"]] * 2
    sms = results[2]
    assert isinstance(sms, acting.SmsReplyOutcome)
    assert sms.action in ("confirmed", "already_confirmed")
    assert (
        await pool.fetchval(
            "select count(*) from delegation_actions where delegation_id = $1 "
            "and operation = 'application.submit'",
            delegation_id,
        )
        == 1
    )
    # a refusal racing the yes either loses or wins, never both
    other, _delegation_id = await _delegated(client, pool)
    cid = int((await _ask(client, other))["extensions"]["confirmationId"])
    actor = await actor_for_token(deps, other.mother)
    assert actor is not None
    raced = await asyncio.gather(
        confirmations.answer(deps, actor, cid, True),
        confirmations.answer(deps, actor, cid, False),
        return_exceptions=True,
    )
    refused = [r for r in raced if isinstance(r, DomainError)]
    assert [e.code for e in refused] == ["confirmation.not_pending"]
    status = await pool.fetchval("select status from delegation_confirmations where id = $1", cid)
    assert len(await _applications_of(pool, other.mother_id)) == (status == "confirmed")


async def test_a_revocation_racing_a_yes(
    client: AsyncTestClient[Any], pool: Pool, deps: Deps
) -> None:
    """Either the yes commits first (an application, then the delegation ends) or the
    revocation does (cancelled, nothing applied for); never a deadlock, never both."""
    for _round in range(3):
        family, delegation_id = await _delegated(client, pool)
        cid = int((await _ask(client, family))["extensions"]["confirmationId"])
        mother = await actor_for_token(deps, family.mother)
        assert mother is not None
        raced = await asyncio.gather(
            confirmations.answer(deps, mother, cid, True),
            delegation.revoke(deps, mother, delegation_id),
            return_exceptions=True,
        )
        assert not isinstance(raced[1], BaseException), raced
        status = await pool.fetchval(
            "select status from delegation_confirmations where id = $1", cid
        )
        made = await _applications_of(pool, family.mother_id)
        if status == "confirmed":
            assert isinstance(raced[0], confirmations.Answered) and len(made) == 1
        else:
            assert status == "cancelled" and made == []
            assert isinstance(raced[0], DomainError)
            assert raced[0].code == "confirmation.not_pending"


async def test_y_answers_the_newest_question(
    client: AsyncTestClient[Any], pool: Pool, deps: Deps
) -> None:
    """A confirmation waits, then someone else asks to act for the mother: her "Y" answers
    that newer request, the next "Y" the confirmation."""
    family, _delegation_id = await _delegated(client, pool)
    confirmation_id = int((await _ask(client, family))["extensions"]["confirmationId"])
    await pool.execute(
        "update delegation_confirmations set created_at = created_at - "
        "interval '1 minute' where id = $1",
        confirmation_id,
    )
    son = await login(client, pool, fresh_phone())
    body = await gql_as(
        client,
        """mutation($p: String!) { requestDelegation(principalPhone: $p,
        themes: [APPLICATIONS], days: 30) { id } }""",
        {"p": family.mother_phone},
        token=son,
    )
    request_id = int(body["data"]["requestDelegation"]["id"])
    first = await delegation.handle_sms_reply(deps, family.mother_phone, "Y")
    assert (first.action, first.delegation_ids) == ("consented", (request_id,))
    assert (
        await pool.fetchval(
            "select status from delegation_confirmations where id = $1", confirmation_id
        )
        == "pending"
    )
    second = await delegation.handle_sms_reply(deps, family.mother_phone, "Y")
    assert second.action == "confirmed"


async def test_a_confirmation_expires(client: AsyncTestClient[Any], pool: Pool, deps: Deps) -> None:
    family, _delegation_id = await _delegated(client, pool)
    late_id = int((await _ask(client, family))["extensions"]["confirmationId"])
    swept_id = int((await _ask(client, family, "retirement"))["extensions"]["confirmationId"])
    await pool.execute(
        "update delegation_confirmations set created_at = created_at - interval '4 days', "
        "expires_at = expires_at - interval '4 days' where id = any($1::bigint[])",
        [late_id, swept_id],
    )
    # past its time it stops counting at once, before any sweep: shown expired, not answerable
    body = await gql_as(client, MINE, {"s": ["EXPIRED"]}, token=family.mother)
    assert {c["id"] for c in body["data"]["myConfirmations"]} == {str(late_id), str(swept_id)}
    body = await gql_as(client, ANSWER, {"id": str(late_id), "c": True}, token=family.mother)
    assert error_code(body) == "confirmation.expired"
    assert body["errors"][0]["message"] == "这项确认已过期，申请没有提交。"
    # a "Y" after expiry is told so, and records both as expired; the agent hears of it
    outcome = await delegation.handle_sms_reply(deps, family.mother_phone, "Y")
    assert outcome.handled and outcome.action == "confirmation_expired"
    assert (await last_sms(pool, family.mother_phone))["template"] == (
        "sms.confirmation_reply_expired"
    )
    statuses = await pool.fetch(
        "select status, decided_by from delegation_confirmations where id = any($1::bigint[])",
        [late_id, swept_id],
    )
    assert {(r["status"], r["decided_by"]) for r in statuses} == {("expired", "system")}
    expired_sms = [
        s
        for s in await sms_to(pool, family.daughter_phone)
        if s["template"] == "sms.confirmation_expired"
    ]
    assert len(expired_sms) == 2
    assert await _applications_of(pool, family.mother_id) == []
    # the agent may ask again now
    again = await _ask(client, family)
    assert again["extensions"]["confirmationId"]


async def test_the_sweep_records_expiry_once(
    client: AsyncTestClient[Any], pool: Pool, deps: Deps
) -> None:
    family, _delegation_id = await _delegated(client, pool)
    confirmation_id = int((await _ask(client, family))["extensions"]["confirmationId"])
    await pool.execute(
        "update delegation_confirmations set created_at = created_at - interval '4 days', "
        "expires_at = expires_at - interval '4 days' where id = $1",
        confirmation_id,
    )
    assert await confirmations.sweep(deps) >= 1
    await confirmations.sweep(deps)
    assert (
        await pool.fetchval(
            "select status from delegation_confirmations where id = $1", confirmation_id
        )
        == "expired"
    )
    expired_sms = [
        s
        for s in await sms_to(pool, family.daughter_phone)
        if s["template"] == "sms.confirmation_expired"
    ]
    assert len(expired_sms) == 1


async def test_an_ended_delegation_cancels_what_waits(
    client: AsyncTestClient[Any], pool: Pool, deps: Deps
) -> None:
    # revoked in the app: cancelled in the same transaction
    family, delegation_id = await _delegated(client, pool)
    confirmation_id = (await _ask(client, family))["extensions"]["confirmationId"]
    body = await gql_as(client, REVOKE, {"id": str(delegation_id)}, token=family.mother)
    assert body["data"]["revokeDelegation"]["status"] == "REVOKED", body
    row = await pool.fetchrow(
        "select status, decided_by from delegation_confirmations where id = $1",
        int(confirmation_id),
    )
    assert row is not None
    assert (row["status"], row["decided_by"]) == ("cancelled", "delegation")
    body = await gql_as(client, ANSWER, {"id": confirmation_id, "c": True}, token=family.mother)
    assert error_code(body) == "confirmation.not_pending"
    assert await _applications_of(pool, family.mother_id) == []
    # the agent, as herself, still sees how it ended
    body = await gql_as(client, MINE, token=family.daughter)
    assert [(c["status"], c["viewerIs"]) for c in body["data"]["myConfirmations"]] == [
        ("CANCELLED", "agent")
    ]

    # stopped by SMS "0": the same
    family, delegation_id = await _delegated(client, pool)
    confirmation_id = (await _ask(client, family))["extensions"]["confirmationId"]
    assert (await delegation.handle_sms_reply(deps, family.mother_phone, "0")).handled
    assert (
        await pool.fetchval(
            "select status from delegation_confirmations where id = $1", int(confirmation_id)
        )
        == "cancelled"
    )

    # past the delegation's end: cancelled at once (a yes is refused, a late reply told so)
    family, delegation_id = await _delegated(client, pool)
    confirmation_id = (await _ask(client, family))["extensions"]["confirmationId"]
    await pool.execute(
        "update delegations set valid_until = now() - interval '1 second' where id = $1",
        delegation_id,
    )
    body = await gql_as(client, MINE, token=family.mother)
    assert body["data"]["myConfirmations"][0]["status"] == "CANCELLED"
    body = await gql_as(client, ANSWER, {"id": confirmation_id, "c": True}, token=family.mother)
    assert error_code(body) == "confirmation.not_pending"
    late = await delegation.handle_sms_reply(deps, family.mother_phone, "Y")
    assert late.handled and late.action == "confirmation_expired"
    assert (
        await pool.fetchval(
            "select status from delegation_confirmations where id = $1", int(confirmation_id)
        )
        == "cancelled"
    )
    assert await _applications_of(pool, family.mother_id) == []

    # and the sweep records it when nobody replies
    family, delegation_id = await _delegated(client, pool)
    confirmation_id = (await _ask(client, family))["extensions"]["confirmationId"]
    await pool.execute(
        "update delegations set valid_until = now() - interval '1 second' where id = $1",
        delegation_id,
    )
    assert await confirmations.sweep(deps) >= 1
    row = await pool.fetchrow(
        "select status, decided_by from delegation_confirmations where id = $1",
        int(confirmation_id),
    )
    assert row is not None
    assert (row["status"], row["decided_by"]) == ("cancelled", "delegation")


async def test_out_of_scope_and_inactive_agents_cannot_even_ask(
    client: AsyncTestClient[Any], pool: Pool
) -> None:
    family, _delegation_id = await _delegated(client, pool, ["elderly_subsidy"])
    revoked, delegation_id = await _delegated(client, pool)
    await pool.execute(
        "update delegations set status = 'revoked', ended_at = now() where id = $1", delegation_id
    )
    careless, _delegation_id = await _delegated(client, pool)
    valid = fresh_resident_id()
    wrong = valid[:-1] + ("1" if valid[-1] == "0" else "0")
    before = await row_counts(pool, *TABLES)
    for bundle in ("after-death", "retirement"):
        body = await gql_as(
            client, SUBMIT, {"b": bundle}, token=family.daughter, acting_for=str(family.mother_id)
        )
        assert error_code(body) == "delegation.out_of_scope", body
    body = await gql_as(
        client,
        SUBMIT,
        {"b": "after-death"},
        token=revoked.daughter,
        acting_for=str(revoked.mother_id),
    )
    assert error_code(body) == "delegation.inactive"
    # a bad form is refused before anything waits
    body = await gql_as(
        client,
        SUBMIT,
        {"b": "after-death", "rid": wrong},
        token=careless.daughter,
        acting_for=str(careless.mother_id),
    )
    assert error_code(body) == "resident_id.checksum", body
    assert await row_counts(pool, *TABLES) == before


async def test_accepting_an_offer_that_pays_out_waits_too(
    client: AsyncTestClient[Any], pool: Pool
) -> None:
    family, delegation_id = await _delegated(client, pool)
    offer_id = await fresh_offer(pool, family.mother_phone, "retirement-upcoming")
    before = await row_counts(pool, "applications", "tasks")
    body = await gql_as(
        client,
        ACCEPT,
        {"o": str(offer_id)},
        token=family.daughter,
        acting_for=str(family.mother_id),
    )
    assert error_code(body) == "delegation.confirmation_pending", body
    confirmation_id = body["errors"][0]["extensions"]["confirmationId"]
    assert await row_counts(pool, "applications", "tasks") == before
    assert await pool.fetchval("select status from opportunities where id = $1", offer_id) == "open"
    body = await gql_as(client, MINE, token=family.mother)
    assert body["data"]["myConfirmations"][0]["action"] == "ACCEPT_OFFER"
    # asking twice for one offer is refused
    body = await gql_as(
        client,
        ACCEPT,
        {"o": str(offer_id)},
        token=family.daughter,
        acting_for=str(family.mother_id),
    )
    assert error_code(body) == "confirmation.exists"
    # her yes accepts the offer and applies, together
    body = await gql_as(client, ANSWER, {"id": confirmation_id, "c": True}, token=family.mother)
    number = body["data"]["answerConfirmation"]["application"]["number"]
    offer = await pool.fetchrow(
        "select o.status, a.number from opportunities o "
        "join applications a on a.id = o.application_id "
        "where o.id = $1",
        offer_id,
    )
    assert offer is not None
    assert (offer["status"], offer["number"]) == ("accepted", number)
    assert (
        await pool.fetchval(
            "select operation from delegation_actions where delegation_id = $1 "
            "and application_id is not null",
            delegation_id,
        )
        == "offer.respond"
    )


async def test_a_yes_that_cannot_be_carried_out_writes_nothing(
    client: AsyncTestClient[Any], pool: Pool
) -> None:
    """The offer was dismissed meanwhile: the yes is refused, and the confirmation, the
    offer and the applications stay as they were (one transaction)."""
    family, _delegation_id = await _delegated(client, pool)
    offer_id = await fresh_offer(pool, family.mother_phone, "retirement-upcoming")
    body = await gql_as(
        client,
        ACCEPT,
        {"o": str(offer_id)},
        token=family.daughter,
        acting_for=str(family.mother_id),
    )
    confirmation_id = body["errors"][0]["extensions"]["confirmationId"]
    await pool.execute("update opportunities set status = 'dismissed' where id = $1", offer_id)
    before = await row_counts(pool, *TABLES, "events")
    body = await gql_as(client, ANSWER, {"id": confirmation_id, "c": True}, token=family.mother)
    assert error_code(body) == "offer.not_open", body
    assert await row_counts(pool, *TABLES, "events") == before
    assert (
        await pool.fetchval(
            "select status from delegation_confirmations where id = $1", int(confirmation_id)
        )
        == "pending"
    )


async def test_in_english_and_elder_mode(client: AsyncTestClient[Any], pool: Pool) -> None:
    family, _delegation_id = await _delegated(client, pool)
    await pool.execute("update citizens set elder_mode = true where id = $1", family.mother_id)
    error = await _ask(client, family)
    body = await gql_as(
        client,
        SUBMIT,
        {"b": "after-death"},
        token=family.daughter,
        acting_for=str(family.mother_id),
        language="en",
    )
    assert body["errors"][0]["message"] == (
        "This is already waiting for the principal's confirmation."
    )
    hans = await gql_as(client, MINE, token=family.mother, language="zh-CN")
    en = await gql_as(client, MINE, token=family.mother, language="en")
    (h,), (e,) = hans["data"]["myConfirmations"], en["data"]["myConfirmations"]
    assert h["id"] == e["id"] == error["extensions"]["confirmationId"]
    assert (h["status"], h["bundleCode"]) == (e["status"], e["bundleCode"])
    # elder mode: the plain words
    assert (h["statusLabel"], e["statusLabel"]) == ("等本人回复", "Waiting for their answer")
    assert h["nextStep"] == "李娜想替您办。同意就点确认。"
    assert h["readAloud"] == "身后一件事。等本人回复。李娜想替您办。同意就点确认。"
    assert e["readAloud"].startswith("身后一件事. Waiting for their answer. ")
    # the home screen's key message says first that something waits for her
    home = "{ me { presentation { readAloud } } }"
    body = await gql_as(client, home, token=family.mother, language="zh-CN")
    assert body["data"]["me"]["presentation"]["readAloud"] == (
        "有1件事等您本人确认，和钱有关，请看一下。"
    )
    # the agent (not in elder mode) gets no read-aloud text
    body = await gql_as(client, MINE, token=family.daughter, acting_for=str(family.mother_id))
    assert body["data"]["myConfirmations"][0]["readAloud"] is None
    # once answered, the home screen is back to her applications
    await gql_as(client, ANSWER, {"id": h["id"], "c": False}, token=family.mother)
    body = await gql_as(client, home, token=family.mother, language="zh-CN")
    assert body["data"]["me"]["presentation"]["readAloud"] == "您现在没有正在办的事。"


async def test_a_reply_to_the_confirmation_sms_answers_it_though_a_request_is_newer(
    client: AsyncTestClient[Any], pool: Pool, deps: Deps
) -> None:
    """The confirmation SMS carries its extend code; the mother's "Y" comes back with it (after
    the sign's own extension) and confirms, although a newer delegation request waits."""
    family, _delegation_id = await _delegated(client, pool)
    confirmation_id = int((await _ask(client, family))["extensions"]["confirmationId"])
    asked = await pool.fetchval(
        "select extend_code from outbox where phone = $1 and "
        "template = 'sms.confirmation_requested'",
        family.mother_phone,
    )
    son = await login(client, pool, fresh_phone())
    body = await gql_as(
        client,
        """mutation($p: String!) { requestDelegation(principalPhone: $p,
        themes: [APPLICATIONS], days: 30) { id } }""",
        {"p": family.mother_phone},
        token=son,
    )
    request_id = int(body["data"]["requestDelegation"]["id"])
    _cid, outcome = await sms_replies.handle(deps, family.mother_phone, "Y", "1069" + asked)
    assert outcome == "delegation:confirmed"
    assert (
        await pool.fetchval(
            "select status from delegation_confirmations where id = $1", confirmation_id
        )
        == "confirmed"
    )
    assert (
        await pool.fetchval("select status from delegations where id = $1", request_id)
        == "requested"
    )
    # the request's own code answers the request, even with nothing else waiting
    code = await pool.fetchval(
        "select extend_code from outbox where phone = $1 and template = 'sms.delegation_requested'",
        family.mother_phone,
    )
    _cid, outcome = await sms_replies.handle(deps, family.mother_phone, "N", code)
    assert outcome == "delegation:refused"


async def test_an_agent_asks_at_most_ten_a_day(client: AsyncTestClient[Any], pool: Pool) -> None:
    """Each question is an SMS to the principal: past ten in a day the agent is refused, with
    the wait, and nothing is written; two asks at once at the limit make one; a day later
    she may ask again."""
    family, delegation_id = await _delegated(client, pool)

    async def answered(count: int) -> None:
        await pool.execute(
            """insert into delegation_confirmations (delegation_id, agent_id, principal_id,
                   operation, bundle_code, payload_enc, expires_at, status, decided_at,
                   decided_by)
               select $1, $2, $3, 'application.submit', 'after-death', '\\x00'::bytea,
                      now() + interval '3 days', 'refused', now(), 'app'
               from generate_series(1, $4)""",
            delegation_id,
            family.daughter_id,
            family.mother_id,
            count,
        )

    await answered(confirmations.MAX_ASKS_PER_AGENT_PER_DAY - 1)
    raced = await asyncio.gather(
        *(
            gql_as(
                client,
                SUBMIT,
                {"b": bundle, "rid": None},
                token=family.daughter,
                acting_for=str(family.mother_id),
            )
            for bundle in ("after-death", "retirement")
        )
    )
    assert sorted(error_code(b) or "" for b in raced) == [
        "confirmation.too_many_requests",
        "delegation.confirmation_pending",
    ]
    before = await row_counts(pool, *TABLES)
    body = await gql_as(
        client,
        SUBMIT,
        {"b": "retirement", "rid": None},
        token=family.daughter,
        acting_for=str(family.mother_id),
        language="en",
    )
    assert error_code(body) == "confirmation.too_many_requests"
    error = body["errors"][0]
    assert 86_000 < error["extensions"]["retryAfterSeconds"] <= 86_400
    assert error["message"].startswith("You have asked for 10 confirmations today")
    assert await row_counts(pool, *TABLES) == before
    await pool.execute(
        "update delegation_confirmations set created_at = created_at - "
        "interval '1 day 1 minute' where agent_id = $1",
        family.daughter_id,
    )
    await _ask(client, family, "retirement")
