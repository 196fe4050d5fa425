"""Delegation (帮办代办) through GraphQL and through SMS replies, from request to the end.

A daughter (the agent) asks to act for her mother (the principal); nothing works until the
mother consents; then the daughter applies, supplies materials and follows progress for her,
each action recorded with both people and told to the mother by SMS ("reply 0 to stop"); the
mother stops it, or it runs out, and it stops at once.
"""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import timedelta
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from doorstep.config import Settings
from doorstep.domain.errors import Forbidden
from doorstep.domain.policy import ANONYMOUS
from doorstep.live import progress
from doorstep.live.event_hub import EventHub
from doorstep.services import acting, delegation
from doorstep.services.auth import actor_for_token
from doorstep.services.deps import Deps
from doorstep.store.db import Pool
from tests.integration.delegation_helpers import (
    gql_as,
    last_sms,
    make_citizen,
    make_delegation,
    sms_to,
)
from tests.integration.helpers import error_code, fresh_phone, login, row_counts

REQUEST = """mutation($p: String!, $t: [DelegationTheme!]!, $d: Int!) {
  requestDelegation(principalPhone: $p, themes: $t, days: $d) {
    id status statusLabel themes themeLabels viewerIs validUntil
    agent { citizenId phoneMasked } principal { citizenId name phoneMasked } } }"""
ANSWER = """mutation($id: ID!, $c: Boolean!) {
  answerDelegation(id: $id, consent: $c) { id status consentMethod consentMethodLabel } }"""
REVOKE = "mutation($id: ID!) { revokeDelegation(id: $id) { id status statusLabel } }"
MINE = "{ myDelegations { id status viewerIs agent { citizenId } principal { citizenId } } }"
SUBMIT = """mutation($b: String!) { submitApplication(input: {bundleCode: $b})
  { number status tasks { id unitCode } } }"""
MY_APPS = "{ myApplications { number bundleCode } }"
READ = "query($n: String!) { application(number: $n) { number status } }"
SUPPLY = "mutation($n: String!) { supplyMaterials(number: $n, materials: []) { status } }"
ASK = 'mutation($t: ID!) { requestMaterials(taskId: $t, reason: "缺户口簿本人页") { status } }'
LOG = """{ myDataAccessLog { readerKind readerKindLabel readerName readerUnit readerPhoneMasked
  what whatLabel purpose purposeLabel } }"""
ME = "{ me { role actingFor { principalId active themes } } }"


@dataclasses.dataclass
class Family:
    mother: str  # token
    mother_phone: str
    mother_id: int
    daughter: str
    daughter_phone: str
    daughter_id: int


async def _family(client: AsyncTestClient[Any], pool: Pool) -> Family:
    mother_phone, daughter_phone = fresh_phone(), fresh_phone()
    mother = await login(client, pool, mother_phone)
    daughter = await login(client, pool, daughter_phone)
    ids = {
        r["phone"]: r["id"]
        for r in await pool.fetch(
            "select id, phone from citizens where phone = any($1::text[])",
            [mother_phone, daughter_phone],
        )
    }
    await pool.execute("update citizens set name = '王秀英' where id = $1", ids[mother_phone])
    await pool.execute("update citizens set name = '李娜' where id = $1", ids[daughter_phone])
    return Family(
        mother, mother_phone, ids[mother_phone], daughter, daughter_phone, ids[daughter_phone]
    )


async def _request(
    client: AsyncTestClient[Any], family: Family, themes: list[str] | None = None, days: int = 90
) -> dict[str, Any]:
    body = await gql_as(
        client,
        REQUEST,
        {"p": family.mother_phone, "t": themes or ["APPLICATIONS"], "d": days},
        token=family.daughter,
    )
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]["requestDelegation"]
    return result


def _for(family: Family) -> str:
    return str(family.mother_id)


async def test_the_whole_life_cycle_through_graphql(
    client: AsyncTestClient[Any], pool: Pool, tokens: dict[str, str]
) -> None:
    family = await _family(client, pool)
    asked = await _request(client, family, ["APPLICATIONS", "ELDERLY_SUBSIDY"])
    assert asked["status"] == "REQUESTED" and asked["viewerIs"] == "agent"
    assert asked["principal"]["name"] == "王秀英"
    assert asked["principal"]["phoneMasked"].startswith("+86 137")
    assert "*" in asked["principal"]["phoneMasked"]
    assert asked["themeLabels"] == ["一般办事", "老年人补贴"]
    # the mother is asked by SMS, in her language, with how to answer
    sms = await last_sms(pool, family.mother_phone)
    assert sms["template"] == "sms.delegation_requested"
    assert sms["params"]["name"] == "李娜" and "老年人补贴" in sms["params"]["themes"]

    # until she consents nothing is allowed
    for query, variables in ((MY_APPS, {}), (SUBMIT, {"b": "kindergarten"})):
        body = await gql_as(
            client, query, variables, token=family.daughter, acting_for=_for(family)
        )
        assert error_code(body) == "delegation.inactive", body

    body = await gql_as(client, ANSWER, {"id": asked["id"], "c": True}, token=family.mother)
    assert body["data"]["answerDelegation"]["status"] == "ACTIVE", body
    assert body["data"]["answerDelegation"]["consentMethod"] == "APP"
    assert (await last_sms(pool, family.daughter_phone))["template"] == "sms.delegation_active"

    # acting for her: who am I
    body = await gql_as(client, ME, token=family.daughter, acting_for=family.mother_phone)
    assert body["data"]["me"]["role"] == "AGENT"
    assert body["data"]["me"]["actingFor"] == {
        "principalId": str(family.mother_id),
        "active": True,
        "themes": ["applications", "elderly_subsidy"],
    }

    # she applies for her mother: the application is the mother's
    body = await gql_as(
        client, SUBMIT, {"b": "newborn"}, token=family.daughter, acting_for=_for(family)
    )
    assert "errors" not in body, body
    app = body["data"]["submitApplication"]
    owner = await pool.fetchval(
        "select citizen_id from applications where number = $1", app["number"]
    )
    assert owner == family.mother_id
    mine = await gql_as(client, MY_APPS, token=family.mother)
    assert app["number"] in [a["number"] for a in mine["data"]["myApplications"]]
    # recorded with both people; the mother told, ending "reply 0 to stop"
    action = await pool.fetchrow(
        "select agent_id, principal_id, operation, detail from delegation_actions "
        "where delegation_id = $1 and operation = 'application.submit'",
        int(asked["id"]),
    )
    assert action is not None
    assert (action["agent_id"], action["principal_id"]) == (family.daughter_id, family.mother_id)
    assert action["detail"]["number"] == app["number"]
    event = await pool.fetchrow(
        "select actor_id, data from events where kind = 'application.submitted' "
        "and data->>'number' = $1",
        app["number"],
    )
    assert event is not None
    assert event["actor_id"] == family.daughter_id
    assert event["data"]["agent_id"] == family.daughter_id
    sms = await last_sms(pool, family.mother_phone)
    assert sms["template"] == "sms.agent_applied" and sms["params"]["number"] == app["number"]

    # a follow-up (补正) answered by the daughter
    task_id = next(t["id"] for t in app["tasks"] if t["unitCode"] == "cy-psb")
    body = await gql_as(client, ASK, {"t": task_id}, token=tokens["staff"])
    assert "errors" not in body, body
    body = await gql_as(
        client, SUPPLY, {"n": app["number"]}, token=family.daughter, acting_for=_for(family)
    )
    assert "errors" not in body, body
    assert (await last_sms(pool, family.mother_phone))["template"] == "sms.agent_supplied"

    # following progress: a read recorded for the mother, who sees who looked
    body = await gql_as(
        client, READ, {"n": app["number"]}, token=family.daughter, acting_for=_for(family)
    )
    assert body["data"]["application"]["number"] == app["number"], body
    log = (await gql_as(client, LOG, token=family.mother))["data"]["myDataAccessLog"]
    by_agent = [e for e in log if e["readerKind"] == "agent"]
    assert by_agent and by_agent[0]["readerName"] == "李娜"
    assert by_agent[0]["readerKindLabel"] == "代办人"
    assert by_agent[0]["purposeLabel"] == "代您查看办理进度"
    assert "*" in by_agent[0]["readerPhoneMasked"]
    # staff reads are in it too, with their unit
    await gql_as(client, READ, {"n": app["number"]}, token=tokens["staff"])
    log = (await gql_as(client, LOG, token=family.mother))["data"]["myDataAccessLog"]
    staff = next(e for e in log if e["readerKind"] == "staff")
    assert staff["readerUnit"] == "北京市公安局朝阳分局" and staff["purposeLabel"]
    # the agent may look at the mother's log as well (and that read is logged)
    body = await gql_as(client, LOG, token=family.daughter, acting_for=_for(family))
    assert "errors" not in body, body
    # one "looked at your applications" SMS a day, not one per look
    viewed = [
        s for s in await sms_to(pool, family.mother_phone) if s["template"] == "sms.agent_viewed"
    ]
    assert len(viewed) == 1

    # both see the delegation, each from their side
    mother_view = (await gql_as(client, MINE, token=family.mother))["data"]["myDelegations"]
    daughter_view = (await gql_as(client, MINE, token=family.daughter))["data"]["myDelegations"]
    assert [d["viewerIs"] for d in mother_view if d["id"] == asked["id"]] == ["principal"]
    assert [d["viewerIs"] for d in daughter_view if d["id"] == asked["id"]] == ["agent"]

    # the mother stops it: at once, for everything
    body = await gql_as(client, REVOKE, {"id": asked["id"]}, token=family.mother)
    assert body["data"]["revokeDelegation"]["status"] == "REVOKED", body
    assert (await last_sms(pool, family.daughter_phone))["template"] == "sms.delegation_revoked"
    for query, variables in (
        (MY_APPS, {}),
        (READ, {"n": app["number"]}),
        (SUBMIT, {"b": "kindergarten"}),
    ):
        body = await gql_as(
            client, query, variables, token=family.daughter, acting_for=_for(family)
        )
        assert error_code(body) == "delegation.inactive", body
    # revoking twice is refused, and changes nothing
    body = await gql_as(client, REVOKE, {"id": asked["id"]}, token=family.mother)
    assert error_code(body) == "delegation.not_open"


async def test_themes_and_money(client: AsyncTestClient[Any], pool: Pool) -> None:
    family = await _family(client, pool)
    asked = await _request(client, family, ["ELDERLY_SUBSIDY"])
    await gql_as(client, ANSWER, {"id": asked["id"], "c": True}, token=family.mother)
    body = await gql_as(
        client, SUBMIT, {"b": "elderly-subsidy"}, token=family.daughter, acting_for=_for(family)
    )
    assert "errors" not in body, body
    elder_app = body["data"]["submitApplication"]["number"]
    # outside the themes: refused, nothing written
    before = await row_counts(pool)
    body = await gql_as(
        client, SUBMIT, {"b": "kindergarten"}, token=family.daughter, acting_for=_for(family)
    )
    assert error_code(body) == "delegation.out_of_scope"
    assert await row_counts(pool) == before
    # the mother's own newborn application is not the agent's to see or list
    own = (await gql_as(client, SUBMIT, {"b": "kindergarten"}, token=family.mother))["data"][
        "submitApplication"
    ]["number"]
    body = await gql_as(client, READ, {"n": own}, token=family.daughter, acting_for=_for(family))
    assert error_code(body) == "delegation.out_of_scope"
    listed = await gql_as(client, MY_APPS, token=family.daughter, acting_for=_for(family))
    numbers = [a["number"] for a in listed["data"]["myApplications"]]
    assert numbers == [elder_app]


async def test_money_moving_bundles_need_the_principal_herself(
    client: AsyncTestClient[Any], pool: Pool
) -> None:
    """An agent's 身后一件事 (it pays out a funeral grant and inherits a housing fund) is no
    application until the mother confirms it (tests/integration/test_confirmations.py)."""
    family = await _family(client, pool)
    asked = await _request(client, family, ["ALL"])
    await gql_as(client, ANSWER, {"id": asked["id"], "c": True}, token=family.mother)
    before = await row_counts(pool, "applications", "tasks")
    body = await gql_as(
        client, SUBMIT, {"b": "after-death"}, token=family.daughter, acting_for=_for(family)
    )
    assert error_code(body) == "delegation.confirmation_pending", body
    assert body["errors"][0]["extensions"]["confirmationId"]
    assert await row_counts(pool, "applications", "tasks") == before
    # the principal herself simply applies
    body = await gql_as(client, SUBMIT, {"b": "after-death"}, token=family.mother)
    assert "errors" not in body, body


async def test_the_life_cycle_through_sms_replies(
    client: AsyncTestClient[Any], pool: Pool, deps: Deps
) -> None:
    family = await _family(client, pool)
    asked = await _request(client, family)
    # a "Y" from any other number changes nothing
    stranger = await delegation.consent_by_sms(deps, fresh_phone(), "Y")
    assert not stranger.handled
    other = await delegation.consent_by_sms(deps, family.daughter_phone, "Y")
    assert not other.handled
    assert (
        await pool.fetchval("select status from delegations where id = $1", int(asked["id"]))
        == "requested"
    )
    # the mother replies (a full-width Ｙ from a Chinese IME)
    done = await delegation.handle_sms_reply(deps, family.mother_phone, " Ｙ ")
    assert done.handled and done.action == "consented"
    row = await pool.fetchrow(
        "select status, consent_method from delegations where id = $1", int(asked["id"])
    )
    assert row is not None
    assert (row["status"], row["consent_method"]) == ("active", "sms")
    # she is told in writing how to stop it; the daughter that it works
    assert (await last_sms(pool, family.mother_phone))["template"] == "sms.delegation_consented"
    assert (await last_sms(pool, family.daughter_phone))["template"] == "sms.delegation_active"
    body = await gql_as(
        client, SUBMIT, {"b": "kindergarten"}, token=family.daughter, acting_for=_for(family)
    )
    assert "errors" not in body, body
    # "0" stops it at once
    stopped = await delegation.handle_sms_reply(deps, family.mother_phone, "0")
    assert stopped.handled and stopped.action == "stopped"
    assert stopped.delegation_ids == (int(asked["id"]),)
    assert (await last_sms(pool, family.mother_phone))["template"] == "sms.delegation_stopped"
    body = await gql_as(
        client, SUBMIT, {"b": "kindergarten"}, token=family.daughter, acting_for=_for(family)
    )
    assert error_code(body) == "delegation.inactive"
    # a second "0" has nothing left to stop; other texts are not ours
    assert not (await delegation.handle_sms_reply(deps, family.mother_phone, "0")).handled
    assert not (await delegation.handle_sms_reply(deps, family.mother_phone, "1")).handled


async def test_a_refusal_by_sms(client: AsyncTestClient[Any], pool: Pool, deps: Deps) -> None:
    family = await _family(client, pool)
    asked = await _request(client, family)
    outcome = await delegation.consent_by_sms(deps, family.mother_phone, "N")
    assert outcome.action == "refused"
    assert (
        await pool.fetchval("select status from delegations where id = $1", int(asked["id"]))
        == "refused"
    )
    assert (await last_sms(pool, family.daughter_phone))["template"] == "sms.delegation_refused"
    # a later "Y" finds nothing waiting
    assert not (await delegation.consent_by_sms(deps, family.mother_phone, "Y")).handled
    # and she can be asked again
    again = await _request(client, family)
    assert again["status"] == "REQUESTED"


async def test_a_reply_after_the_request_expired(
    client: AsyncTestClient[Any], pool: Pool, deps: Deps
) -> None:
    family = await _family(client, pool)
    asked = await _request(client, family)
    await pool.execute(
        "update delegations set requested_at = requested_at - interval '8 days' where id = $1",
        int(asked["id"]),
    )
    outcome = await delegation.consent_by_sms(deps, family.mother_phone, "Y")
    assert outcome.handled and outcome.action == "expired"
    assert (
        await pool.fetchval("select status from delegations where id = $1", int(asked["id"]))
        == "expired"
    )
    assert (await last_sms(pool, family.mother_phone))["template"] == (
        "sms.delegation_reply_expired"
    )
    body = await gql_as(client, MY_APPS, token=family.daughter, acting_for=_for(family))
    assert error_code(body) == "delegation.inactive"
    # in the app too, too late is too late
    body = await gql_as(client, ANSWER, {"id": asked["id"], "c": True}, token=family.mother)
    assert error_code(body) == "delegation.not_waiting"


async def test_consent_at_the_counter(
    client: AsyncTestClient[Any], pool: Pool, tokens: dict[str, str]
) -> None:
    family = await _family(client, pool)
    asked = await _request(client, family)
    query = """mutation($p: String!, $a: String!, $i: Boolean!, $u: Boolean!) {
      recordInPersonConsent(principalPhone: $p, agentPhone: $a, identityChecked: $i,
                            understandingChecked: $u, note: "女儿陪同，老人口头同意") {
        id status consentMethod viewerIs } }"""
    variables = {"p": family.mother_phone, "a": family.daughter_phone, "i": True, "u": False}
    body = await gql_as(client, query, variables, token=tokens["staff"])
    assert error_code(body) == "delegation.checks_required"
    body = await gql_as(client, query, {**variables, "u": True}, token=tokens["staff"])
    assert body["data"]["recordInPersonConsent"]["status"] == "ACTIVE", body
    assert body["data"]["recordInPersonConsent"]["consentMethod"] == "IN_PERSON"
    row = await pool.fetchrow(
        "select consent_staff_id, identity_checked, understanding_checked, consent_note "
        "from delegations where id = $1",
        int(asked["id"]),
    )
    assert row is not None
    staff_id = await pool.fetchval(
        "select s.id from staff_members s join units u on u.id = s.unit_id "
        "where u.code = 'cy-psb' and s.role = 'staff'"
    )
    assert row["consent_staff_id"] == staff_id
    assert row["identity_checked"] and row["understanding_checked"]
    assert row["consent_note"] == "女儿陪同，老人口头同意"
    # the clerk's look at the request is in the mother's log
    purposes = await pool.fetch(
        "select reader_kind, purpose from personal_data_reads where citizen_id = $1",
        family.mother_id,
    )
    assert ("staff", "in_person_consent") in [(r["reader_kind"], r["purpose"]) for r in purposes]


async def test_bad_requests(
    client: AsyncTestClient[Any], pool: Pool, tokens: dict[str, str]
) -> None:
    family = await _family(client, pool)
    before = await pool.fetchval("select count(*) from delegations")

    async def code(phone: str, themes: list[str] | None = None, days: int = 30) -> str | None:
        body = await gql_as(
            client,
            REQUEST,
            {"p": phone, "t": ["ALL"] if themes is None else themes, "d": days},
            token=family.daughter,
        )
        return error_code(body)

    assert await code(family.daughter_phone) == "delegation.self"
    assert await code(fresh_phone()) == "delegation.principal_unknown"
    assert await code("12345") == "phone.invalid"
    assert await code(family.mother_phone, days=0) == "delegation.days_invalid"
    assert await code(family.mother_phone, days=366) == "delegation.days_invalid"
    assert await code(family.mother_phone, themes=[]) == "delegation.themes_invalid"
    body = await gql_as(
        client,
        REQUEST,
        {"p": family.mother_phone, "t": ["EVERYTHING"], "d": 30},
        token=family.daughter,
    )
    assert error_code(body) == "graphql.invalid"
    assert await pool.fetchval("select count(*) from delegations") == before
    # one open request per pair
    asked = await _request(client, family)
    assert await code(family.mother_phone) == "delegation.exists"
    # only the principal answers
    body = await gql_as(client, ANSWER, {"id": asked["id"], "c": True}, token=family.daughter)
    assert error_code(body) == "auth.forbidden"
    body = await gql_as(client, ANSWER, {"id": "nope", "c": True}, token=family.mother)
    assert error_code(body) == "delegation.id_invalid"
    body = await gql_as(client, ANSWER, {"id": "999999999", "c": True}, token=family.mother)
    assert error_code(body) == "delegation.not_found"
    # acting for someone without a delegation, or for nobody, or as staff
    for acting_for, token in (
        (str(family.mother_id), tokens["other_citizen"]),
        ("not a person", family.daughter),
        (str(family.mother_id), tokens["staff"]),
    ):
        body = await gql_as(client, MY_APPS, token=token, acting_for=acting_for)
        assert error_code(body) == "delegation.not_found", body
    # acting for oneself is no delegation either, by id or by phone
    for acting_for in (str(family.daughter_id), family.daughter_phone):
        body = await gql_as(client, MY_APPS, token=family.daughter, acting_for=acting_for)
        assert error_code(body) == "delegation.not_found", body
    # and the English message for the same refusal (the daughter never chose a language)
    body = await gql_as(
        client, MY_APPS, token=family.daughter, acting_for="not a person", language="en"
    )
    assert body["errors"][0]["message"] == "No such delegation."
    # anonymous stays anonymous
    body = await gql_as(client, MY_APPS, acting_for=str(family.mother_id))
    assert error_code(body) == "auth.required"


async def test_counter_consent_needs_two_citizens_and_a_request(
    client: AsyncTestClient[Any], pool: Pool, tokens: dict[str, str]
) -> None:
    """A clerk records consent only for a request between two citizens: a number that is no
    citizen's, the agent as her own principal, or a bad number are refused, nothing changes."""
    family = await _family(client, pool)
    asked = await _request(client, family)
    query = """mutation($p: String!, $a: String!) { recordInPersonConsent(principalPhone: $p,
        agentPhone: $a, identityChecked: true, understandingChecked: true) { status } }"""
    for principal, agent, code in (
        (fresh_phone(), family.daughter_phone, "delegation.not_found"),
        (family.mother_phone, fresh_phone(), "delegation.not_found"),
        (family.daughter_phone, family.daughter_phone, "delegation.not_found"),
        (family.daughter_phone, family.mother_phone, "delegation.not_found"),
        ("12345", family.daughter_phone, "phone.invalid"),
    ):
        body = await gql_as(client, query, {"p": principal, "a": agent}, token=tokens["staff"])
        assert error_code(body) == code, (principal, agent, body)
    assert (
        await pool.fetchval("select status from delegations where id = $1", int(asked["id"]))
        == "requested"
    )


async def test_expiry_stops_at_once_and_is_warned_a_week_before(
    client: AsyncTestClient[Any], pool: Pool, deps: Deps
) -> None:
    family = await _family(client, pool)
    ending = await make_delegation(
        pool, family.daughter_id, family.mother_id, ["all"], valid_until=timedelta(days=3)
    )
    # a week before its end, both are warned, once, however often the sweep runs
    await delegation.sweep(deps)
    await delegation.sweep(deps)
    warned = [s["template"] for s in await sms_to(pool, family.mother_phone)]
    assert warned.count("sms.delegation_expiring") == 1
    agent_sms = [s["template"] for s in await sms_to(pool, family.daughter_phone)]
    assert agent_sms.count("sms.delegation_expiring_agent") == 1
    body = await gql_as(client, MY_APPS, token=family.daughter, acting_for=_for(family))
    assert "errors" not in body, body
    # past its end it stops at once, before any sweep has run
    await pool.execute(
        "update delegations set valid_until = now() - interval '1 second' where id = $1", ending
    )
    body = await gql_as(client, MY_APPS, token=family.daughter, acting_for=_for(family))
    assert error_code(body) == "delegation.inactive"
    counts = await delegation.sweep(deps)
    assert counts.expired >= 1
    assert await pool.fetchval("select status from delegations where id = $1", ending) == "expired"
    assert (await last_sms(pool, family.daughter_phone))["template"] == "sms.delegation_expired"
    # a "Y" to nothing, a "0" to nothing: not handled
    assert not (await delegation.handle_sms_reply(deps, family.mother_phone, "0")).handled


async def _agent_actor(deps: Deps, token: str, principal: str) -> Any:
    actor = await actor_for_token(deps, token)
    assert actor is not None
    return await acting.acting_actor(deps, actor, principal)


async def test_a_revoked_agents_open_subscription_ends(
    client: AsyncTestClient[Any], pool: Pool, settings: Settings
) -> None:
    """The revocation itself wakes the subscription: the periodic re-check is set to an hour
    here, so only the hint can end it."""
    deps = Deps(pool=pool, settings=dataclasses.replace(settings, delegation_recheck_seconds=3600))
    family = await _family(client, pool)
    asked = await _request(client, family)
    await gql_as(client, ANSWER, {"id": asked["id"], "c": True}, token=family.mother)
    hub = EventHub(pool, settings.database_url, poll_seconds=0.2)
    await hub.start()
    try:
        agent = await _agent_actor(deps, family.daughter, _for(family))
        seen = await pool.fetchval(
            "select coalesce(max(seq), 0) from events where citizen_id = $1", family.mother_id
        )
        updates = progress.my_updates(deps, hub, agent, seen)
        first = asyncio.ensure_future(updates.__anext__())
        # the daughter applies: she sees it on her mother's stream
        body = await gql_as(
            client, SUBMIT, {"b": "kindergarten"}, token=family.daughter, acting_for=_for(family)
        )
        number = body["data"]["submitApplication"]["number"]
        update = await asyncio.wait_for(first, 30)
        assert update.event is not None and update.event.data["number"] == number
        # the mother revokes: the open subscription ends with the refusal
        nxt = asyncio.ensure_future(updates.__anext__())
        await gql_as(client, REVOKE, {"id": asked["id"]}, token=family.mother)
        with pytest.raises(Forbidden) as ended:
            await asyncio.wait_for(nxt, 30)
        assert ended.value.code == "delegation.inactive"
        # a new subscription is refused outright
        again = progress.my_updates(
            deps, hub, await _agent_actor(deps, family.daughter, _for(family))
        )
        with pytest.raises(Forbidden):
            await again.__anext__()
    finally:
        await hub.stop()


async def test_an_expired_agents_open_subscription_ends_at_the_end(
    client: AsyncTestClient[Any], pool: Pool, settings: Settings
) -> None:
    deps = Deps(pool=pool, settings=dataclasses.replace(settings, delegation_recheck_seconds=3600))
    family = await _family(client, pool)
    delegation_id = await make_delegation(
        pool, family.daughter_id, family.mother_id, ["all"], valid_until=timedelta(seconds=2)
    )
    hub = EventHub(pool, settings.database_url, poll_seconds=0.2)
    await hub.start()
    try:
        agent = await _agent_actor(deps, family.daughter, _for(family))
        assert agent.grant is not None and agent.grant.delegation_id == delegation_id
        updates = progress.my_updates(deps, hub, agent)
        with pytest.raises(Forbidden) as ended:
            await asyncio.wait_for(updates.__anext__(), 30)
        assert ended.value.code == "delegation.inactive"
    finally:
        await hub.stop()


async def test_anonymous_acting_for_is_anonymous(deps: Deps) -> None:
    assert await acting.acting_actor(deps, ANONYMOUS, "1") is ANONYMOUS


@pytest.mark.parametrize("text", ["y", "Y", "是", "同意", "ｙ。"])
def test_yes_replies(text: str) -> None:
    from doorstep.domain.delegation import Reply, parse_reply

    assert parse_reply(text) is Reply.YES


@pytest.mark.parametrize(
    ("text", "meaning"),
    [
        ("0", "stop"),
        ("０", "stop"),
        ("N", "no"),
        ("不同意", "no"),
        ("1", None),
        ("", None),
        ("Y please", None),
    ],
)
def test_other_replies(text: str, meaning: str | None) -> None:
    from doorstep.domain.delegation import parse_reply

    reply = parse_reply(text)
    assert (reply.value if reply else None) == meaning


async def test_citizens_and_delegations_made_directly(pool: Pool) -> None:
    """The helpers make what they say (the other tests rely on them)."""
    principal, _ = await make_citizen(pool)
    agent, _ = await make_citizen(pool)
    delegation_id = await make_delegation(pool, agent, principal, ["all"], status="requested")
    row = await pool.fetchrow(
        "select status, consent_method from delegations where id = $1", delegation_id
    )
    assert row is not None
    assert (row["status"], row["consent_method"]) == ("requested", None)


async def _agent_read_is_told_and_own_is_not(
    client: AsyncTestClient[Any],
    pool: Pool,
    family: Family,
    delegation_id: int,
    query: str,
    what: str,
) -> None:
    """The daughter's read of her mother's `what` is recorded with the delegation and told in
    one daily SMS; the mother's own look is not recorded."""
    body = await gql_as(client, query, token=family.daughter, acting_for=_for(family))
    assert "errors" not in body, body
    reads = await pool.fetch(
        "select reader_kind, reader_id, delegation_id from personal_data_reads "
        "where citizen_id = $1 and what = $2",
        family.mother_id,
        what,
    )
    assert [tuple(r) for r in reads] == [("agent", family.daughter_id, delegation_id)]
    viewed = [
        s for s in await sms_to(pool, family.mother_phone) if s["template"] == "sms.agent_viewed"
    ]
    assert len(viewed) == 1 and viewed[0]["params"]["name"] == "李娜"
    body = await gql_as(client, query, token=family.mother)
    assert "errors" not in body, body
    assert (
        await pool.fetchval(
            "select count(*) from personal_data_reads where citizen_id = $1 and what = $2",
            family.mother_id,
            what,
        )
        == 1
    )


@pytest.mark.parametrize(
    ("query", "what"),
    [
        ("{ myOffers { id } }", "offers"),
        ('{ applicationForm(bundleCode: "kindergarten") { toProvide } }', "vault"),
    ],
)
async def test_an_agents_read_of_offers_and_forms_reaches_the_principal(
    client: AsyncTestClient[Any], pool: Pool, query: str, what: str
) -> None:
    """Reading the principal's offers or a form filled from her vault is a read like any
    other: recorded with the delegation, and counted in her daily "looked at" SMS."""
    from tests.integration.proactive_helpers import fresh_offer

    family = await _family(client, pool)
    delegation_id = await make_delegation(pool, family.daughter_id, family.mother_id, ["all"])
    await fresh_offer(pool, family.mother_phone, "childcare-subsidy-newborn")
    await _agent_read_is_told_and_own_is_not(client, pool, family, delegation_id, query, what)


@pytest.mark.parametrize(
    ("query", "what", "labels"),
    [
        (
            "{ myEscortBookings { number } }",
            "escort_bookings",
            ("您的陪同办预约", "代您安排陪同办"),
        ),
        (
            "{ escortSlots { id } }",
            "escort_slots",
            ("您所在区的陪同办时段", "代您安排陪同办"),
        ),
        (
            "{ me { priority { hasPriority } } }",
            "priority",
            ("您的优先办资格", "代您查看优先办资格"),
        ),
    ],
)
async def test_an_agents_read_of_escort_and_priority_reaches_the_principal(
    client: AsyncTestClient[Any], pool: Pool, query: str, what: str, labels: tuple[str, str]
) -> None:
    """Her accompanied visits, the slots of her district (chosen by where she lives) and her
    priority standing are her personal data: an agent's look is recorded with the delegation,
    shown in her log in her language, and counted in her daily "looked at" SMS; her own look
    is not."""
    family = await _family(client, pool)
    delegation_id = await make_delegation(pool, family.daughter_id, family.mother_id, ["all"])
    await _agent_read_is_told_and_own_is_not(client, pool, family, delegation_id, query, what)
    log = (await gql_as(client, LOG, token=family.mother))["data"]["myDataAccessLog"]
    assert [(e["whatLabel"], e["purposeLabel"]) for e in log if e["what"] == what] == [labels]


async def test_offers_and_form_reads_show_coded_purposes_in_the_readers_language(
    client: AsyncTestClient[Any], pool: Pool
) -> None:
    """An agent's read of the offers or of a vault-filled form is logged with a coded purpose,
    shown from the catalogs in the language of whoever reads the log; rows recorded earlier
    with English free text are shown as the code they stand for."""
    from tests.integration.proactive_helpers import fresh_offer

    family = await _family(client, pool)
    await make_delegation(pool, family.daughter_id, family.mother_id, ["all"])
    await fresh_offer(pool, family.mother_phone, "childcare-subsidy-newborn")
    for query in (
        "{ myOffers { id } }",
        '{ applicationForm(bundleCode: "kindergarten") { toProvide } }',
    ):
        body = await gql_as(client, query, token=family.daughter, acting_for=_for(family))
        assert "errors" not in body, body
    recorded = await pool.fetch(
        "select what, purpose from personal_data_reads where citizen_id = $1 order by id",
        family.mother_id,
    )
    assert [tuple(r) for r in recorded] == [("offers", "review_offers"), ("vault", "fill_form")]
    for purpose in ("offers for principal", "application form kindergarten"):
        await pool.execute(
            "insert into personal_data_reads (citizen_id, reader_kind, reader_id, what, purpose)"
            " values ($1, 'agent', $2, $3, $4)",
            family.mother_id,
            family.daughter_id,
            "offers" if purpose.startswith("offers") else "vault",
            purpose,
        )
    shown = {
        language: [
            (e["what"], e["whatLabel"], e["purpose"], e["purposeLabel"])
            for e in (await gql_as(client, LOG, token=family.mother, language=language))["data"][
                "myDataAccessLog"
            ]
            if e["what"] in ("offers", "vault")
        ]
        for language in ("zh-CN", "zh-TW", "en")
    }
    offers = {
        "zh-CN": ("offers", "为您找到的服务", "review_offers", "代您查看为您找到的服务"),
        "zh-TW": ("offers", "為您找到的服務", "review_offers", "代您查看為您找到的服務"),
        "en": (
            "offers",
            "services found for you",
            "review_offers",
            "looking at the services found for you",
        ),
    }
    form = {
        "zh-CN": ("vault", "证照材料", "fill_form", "代您填写申请表（用证照库预填）"),
        "zh-TW": ("vault", "證照材料", "fill_form", "代您填寫申請表（用證照庫預填）"),
        "en": (
            "vault",
            "documents in the vault",
            "fill_form",
            "filling in an application form for you from your vault",
        ),
    }
    for language, entries in shown.items():
        # newest first: the two old rows, then the form's read and the offers' read
        assert entries == [form[language], offers[language]] * 2, language
