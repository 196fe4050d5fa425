"""The same matrix through the real GraphQL endpoint: every role × every operation.

Each case starts from a fresh application of the demo citizen (newborn bundle: one task for the
police unit of the `staff` session, none for the `other_staff` unit, all in region 110105).
"""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from doorstep.store.db import Pool
from tests.integration.admin_matrix import (
    ADMIN_EXPECTED,
    ADMIN_OPERATIONS,
    ADMIN_QUERIES,
    prepare_admin,
)
from tests.integration.conftest import CITIZEN_PHONE
from tests.integration.delegation_helpers import (
    fresh_resident_id,
    gql_as,
    make_citizen,
    make_delegation,
)
from tests.integration.escort_matrix import ESCORT_EXPECTED, ESCORT_QUERIES, prepare_escort
from tests.integration.feedback_matrix import (
    FEEDBACK_AGENT_EXPECTED,
    FEEDBACK_EXPECTED,
    FEEDBACK_QUERIES,
    prepare_feedback,
)
from tests.integration.files_matrix import FILES_EXPECTED, FILES_QUERIES, prepare_files
from tests.integration.helpers import error_code, fresh_phone, gql
from tests.integration.identity_matrix import (
    IDENTITY_EXPECTED,
    IDENTITY_QUERIES,
    prepare_identity,
)
from tests.integration.notification_matrix import NOTIFICATION_EXPECTED, NOTIFICATION_QUERIES
from tests.integration.proactive_helpers import (
    PROACTIVE_OPERATIONS,
    PROACTIVE_QUERIES,
    prepare_proactive,
)
from tests.integration.sharing_matrix import SHARING_EXPECTED, SHARING_QUERIES
from tests.integration.ticket_matrix import (
    TICKET_AGENT_EXPECTED,
    TICKET_EXPECTED,
    TICKET_QUERIES,
    prepare_catalog,
    prepare_ticket,
)

ROLES = ["anonymous", "citizen", "other_citizen", "staff", "other_staff", "supervisor", "admin"]
OK = None
AUTH = "auth.required"
NO = "auth.forbidden"
HIDDEN = "application.not_found"

# operation -> expected error code per role, in ROLES order (None = allowed)
EXPECTED: dict[str, tuple[str | None, ...]] = {
    "catalog": (OK, OK, OK, OK, OK, OK, OK),
    "myApplications": (AUTH, OK, OK, NO, NO, NO, NO),
    # someone else's number answers as a number nobody has (nothing to probe or count)
    "application": (AUTH, OK, HIDDEN, OK, HIDDEN, OK, OK),
    # the staff console's materials view reads as the application does
    "applicationMaterials": (AUTH, OK, HIDDEN, OK, HIDDEN, OK, OK),
    "submitApplication": (AUTH, OK, OK, NO, NO, NO, NO),
    "supplyMaterials": (AUTH, OK, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN),
    "unitQueue": (AUTH, NO, NO, OK, OK, OK, OK),
    "acceptTask": (AUTH, NO, NO, OK, NO, OK, OK),
    "requestMaterials": (AUTH, NO, NO, OK, NO, OK, OK),
    "completeTask": (AUTH, NO, NO, OK, NO, OK, OK),
    "rejectTask": (AUTH, NO, NO, OK, NO, OK, OK),
    "requestExtension": (AUTH, NO, NO, OK, NO, OK, OK),
    "overdueTasks": (AUTH, NO, NO, OK, OK, OK, OK),
    "dueSoon": (AUTH, NO, NO, OK, OK, OK, OK),
    "unitSlaCounts": (AUTH, NO, NO, OK, OK, OK, OK),
    # own settings, delegation (the citizen is the principal), counter work
    "setLanguage": (AUTH, OK, OK, NO, NO, NO, NO),
    "setElderMode": (AUTH, OK, OK, NO, NO, NO, NO),
    "myDelegations": (AUTH, OK, OK, NO, NO, NO, NO),
    "myDataAccessLog": (AUTH, OK, OK, NO, NO, NO, NO),
    "requestDelegation": (AUTH, OK, OK, NO, NO, NO, NO),
    "answerDelegation": (AUTH, OK, NO, NO, NO, NO, NO),
    "revokeDelegation": (AUTH, OK, NO, NO, NO, NO, NO),
    "recordInPersonConsent": (AUTH, NO, NO, OK, OK, OK, NO),
    "submitAssistedApplication": (AUTH, NO, NO, OK, OK, OK, NO),
    # what moves money: the principal applies herself; she lists and answers what her agents
    # asked her to confirm (the confirmation asked of the `citizen` session)
    "submitMoneyApplication": (AUTH, OK, OK, NO, NO, NO, NO),
    "myConfirmations": (AUTH, OK, OK, NO, NO, NO, NO),
    "answerConfirmation": (AUTH, OK, NO, NO, NO, NO, NO),
    # the vault (the citizen's own), units' facts (source: the clerk's own unit;
    # the query names cy-psb, the `staff` unit), corrections of a cy-psb fact
    "myVault": (AUTH, OK, OK, NO, NO, NO, NO),
    "applicationForm": (AUTH, OK, OK, NO, NO, NO, NO),
    "addVaultDocument": (AUTH, OK, OK, NO, NO, NO, NO),
    "recordFacts": (AUTH, NO, NO, OK, NO, NO, OK),
    "flagFact": (AUTH, OK, OK, NO, NO, NO, NO),
    "factCorrections": (AUTH, NO, NO, OK, OK, OK, OK),
    "resolveCorrection": (AUTH, NO, NO, OK, NO, OK, OK),
    # offers of the `citizen` (a cy-health rule); appeals and rules of cy-civil-affairs (the
    # `other_staff` unit); a visit for the community unit (neither staff session's)
    "myOffers": (AUTH, OK, OK, NO, NO, NO, NO),
    "offerCategories": (AUTH, OK, OK, NO, NO, NO, NO),
    "acceptOffer": (AUTH, OK, NO, NO, NO, NO, NO),
    "dismissOffer": (AUTH, OK, NO, NO, NO, NO, NO),
    "appealOffer": (AUTH, OK, NO, NO, NO, NO, NO),
    "setOfferOptOut": (AUTH, OK, OK, NO, NO, NO, NO),
    "offerRules": (AUTH, NO, NO, OK, OK, OK, OK),
    "dryRunOfferRule": (AUTH, NO, NO, NO, OK, OK, OK),
    "publishOfferRule": (AUTH, NO, NO, NO, NO, OK, OK),
    "offerAppeals": (AUTH, NO, NO, OK, OK, OK, OK),
    "decideOfferAppeal": (AUTH, NO, NO, NO, OK, OK, OK),
    "welfareChecks": (AUTH, NO, NO, OK, OK, OK, OK),
    "completeWelfareCheck": (AUTH, NO, NO, NO, NO, OK, OK),
    "runOfferRules": (AUTH, NO, NO, NO, NO, NO, OK),
}

QUERIES = {
    "catalog": "{ catalog { code } }",
    "myApplications": "{ myApplications { number } }",
    "application": "query($n: String!) { application(number: $n) { number } }",
    "applicationMaterials": "query($n: String!) { applicationMaterials(number: $n) { code } }",
    "submitApplication": 'mutation { submitApplication(input: {bundleCode: "newborn"}) '
    "{ number } }",
    "supplyMaterials": "mutation($n: String!) { supplyMaterials(number: $n) { number } }",
    "unitQueue": "{ unitQueue { applicationNumber } }",
    "acceptTask": "mutation($t: ID!) { acceptTask(taskId: $t) { number } }",
    "requestMaterials": 'mutation($t: ID!) { requestMaterials(taskId: $t, reason: "缺户口簿") '
    "{ number } }",
    "completeTask": "mutation($t: ID!) { completeTask(taskId: $t) { number } }",
    "rejectTask": 'mutation($t: ID!) { rejectTask(taskId: $t, reason: "不符合条件") { number } }',
    "requestExtension": "mutation($t: ID!) { requestExtension(taskId: $t, days: 3, "
    'reason: "需要实地核查") { number } }',
    "overdueTasks": "{ overdueTasks { id } }",
    "dueSoon": "{ dueSoon { id } }",
    "unitSlaCounts": '{ unitSlaCounts(since: "2026-01-01", until: "2026-12-31") { unitCode } }',
    "setLanguage": 'mutation { setLanguage(language: "zh_Hans") { language } }',
    "setElderMode": "mutation { setElderMode(on: false) { elderMode } }",
    "myDelegations": "{ myDelegations { id } }",
    "myDataAccessLog": "{ myDataAccessLog { id } }",
    "requestDelegation": "mutation($pp: String!) { requestDelegation(principalPhone: $pp, "
    "themes: [APPLICATIONS], days: 30) { id } }",
    "answerDelegation": "mutation($d: ID!) { answerDelegation(id: $d, consent: true) { status } }",
    "revokeDelegation": "mutation($d: ID!) { revokeDelegation(id: $d) { status } }",
    "recordInPersonConsent": "mutation($pp: String!, $ap: String!) { recordInPersonConsent("
    "principalPhone: $pp, agentPhone: $ap, identityChecked: true, "
    "understandingChecked: true) { status } }",
    "submitAssistedApplication": "mutation($rid: String!, $ph: String!) { "
    "submitAssistedApplication(input: {application: {bundleCode: "
    '"newborn", residentId: $rid}, phone: $ph, identityDocument: '
    '"居民身份证原件", identityChecked: true, consentGiven: true}) '
    "{ number } }",
    # 身后一件事 pays out: an agent's submission waits for the principal's confirmation
    "submitMoneyApplication": "mutation { submitApplication(input: {bundleCode: "
    '"after-death"}) { number } }',
    "myConfirmations": "{ myConfirmations { id status } }",
    "answerConfirmation": "mutation($c: ID!) { answerConfirmation(id: $c, confirm: true) "
    "{ confirmation { status } } }",
}
QUERIES.update(PROACTIVE_QUERIES)  # the vault, offers (tests/integration/proactive_helpers.py)
EXPECTED.update(TICKET_EXPECTED)  # tickets (tests/integration/ticket_matrix.py)
QUERIES.update(TICKET_QUERIES)
EXPECTED.update(NOTIFICATION_EXPECTED)  # notifications (tests/integration/notification_matrix.py)
QUERIES.update(NOTIFICATION_QUERIES)
EXPECTED.update(IDENTITY_EXPECTED)  # real identity (tests/integration/identity_matrix.py)
QUERIES.update(IDENTITY_QUERIES)
EXPECTED.update(ADMIN_EXPECTED)  # administration (tests/integration/admin_matrix.py)
QUERIES.update(ADMIN_QUERIES)
EXPECTED.update(FEEDBACK_EXPECTED)  # 好差评, 申请复核 (tests/integration/feedback_matrix.py)
QUERIES.update(FEEDBACK_QUERIES)
EXPECTED.update(FILES_EXPECTED)  # material files (tests/integration/files_matrix.py)
QUERIES.update(FILES_QUERIES)
EXPECTED.update(SHARING_EXPECTED)  # 数据共享责任清单 (tests/integration/sharing_matrix.py)
QUERIES.update(SHARING_QUERIES)
EXPECTED.update(ESCORT_EXPECTED)  # 陪同办 (tests/integration/escort_matrix.py)
QUERIES.update(ESCORT_QUERIES)


def test_matrix_covers_every_root_field() -> None:
    from graphql import build_schema

    from doorstep.graphql.schema import sdl

    schema = build_schema(sdl())
    assert schema.query_type is not None and schema.mutation_type is not None
    names = set(schema.query_type.fields) | set(schema.mutation_type.fields)
    # log-in and "me" are open to everyone by design; bundle is a catalog read
    assert names - set(EXPECTED) == {
        "requestLoginCode",
        "verifyLoginCode",
        "logout",
        "me",
        "bundle",
    }


async def _prepare(
    client: AsyncTestClient[Any], tokens: dict[str, str], operation: str
) -> dict[str, Any]:
    if operation in PROACTIVE_OPERATIONS:
        return {}  # they need no application (prepare_proactive makes what they touch)
    if operation in _NO_APPLICATION or operation in ADMIN_OPERATIONS:
        return {}  # nor these (_prepare_delegation makes what they touch)
    body = await gql(
        client,
        """mutation { submitApplication(input: {bundleCode: "newborn"})
        { number tasks { id unitCode } } }""",
        token=tokens["citizen"],
    )
    app = body["data"]["submitApplication"]
    task_id = next(t["id"] for t in app["tasks"] if t["unitCode"] == "cy-psb")
    if operation == "supplyMaterials":
        await gql(
            client,
            'mutation($t: ID!) { requestMaterials(taskId: $t, reason: "缺材料") { number } }',
            {"t": task_id},
            token=tokens["staff"],
        )
    if operation == "completeTask":
        await gql(
            client,
            "mutation($t: ID!) { acceptTask(taskId: $t) { number } }",
            {"t": task_id},
            token=tokens["staff"],
        )
    return {"n": app["number"], "t": task_id}


# own settings, delegations, the access log and counter work need no application
_NO_APPLICATION = {
    *IDENTITY_EXPECTED,
    *SHARING_EXPECTED,
    *ESCORT_EXPECTED,  # prepare_escort makes the slots and the booking they touch
    "setLanguage",
    "setElderMode",
    "myDelegations",
    "myDataAccessLog",
    "requestDelegation",
    "answerDelegation",
    "revokeDelegation",
    "recordInPersonConsent",
    "submitAssistedApplication",
    "submitMoneyApplication",
    "myConfirmations",
    "answerConfirmation",
}


async def _prepare_confirmation(
    client: AsyncTestClient[Any], pool: Pool, operation: str
) -> dict[str, Any]:
    """A fresh agent of the `citizen` session (delegation "all") applies for 身后一件事 for
    her: a confirmation waiting for the citizen."""
    if operation != "answerConfirmation":
        return {}
    from datetime import timedelta

    from tests.integration.helpers import login

    principal_id = await pool.fetchval("select id from citizens where phone = $1", CITIZEN_PHONE)
    phone = fresh_phone()
    token = await login(client, pool, phone)
    agent_id = await pool.fetchval("select id from citizens where phone = $1", phone)
    await make_delegation(pool, agent_id, principal_id, ["all"], valid_until=timedelta(days=30))
    body = await gql_as(
        client, QUERIES["submitMoneyApplication"], token=token, acting_for=str(principal_id)
    )
    assert error_code(body) == "delegation.confirmation_pending", body
    return {"c": body["errors"][0]["extensions"]["confirmationId"]}


async def _prepare_delegation(pool: Pool, operation: str) -> dict[str, Any]:
    """A fresh agent's request to the `citizen` session (the principal), a fresh citizen to
    ask, and a walk-in's identity: every case starts from its own."""
    if operation not in {
        "requestDelegation",
        "answerDelegation",
        "revokeDelegation",
        "recordInPersonConsent",
        "submitAssistedApplication",
    }:
        return {}
    principal_id = await pool.fetchval("select id from citizens where phone = $1", CITIZEN_PHONE)
    agent_id, agent_phone = await make_citizen(pool)
    delegation_id = await make_delegation(
        pool, agent_id, principal_id, ["applications"], status="requested"
    )
    _other_id, other_phone = await make_citizen(pool)
    return {
        "d": str(delegation_id),
        "ap": agent_phone,
        "pp": other_phone if operation == "requestDelegation" else CITIZEN_PHONE,
        "rid": fresh_resident_id(),
        "ph": fresh_phone(),
    }


@pytest.mark.parametrize("operation", list(EXPECTED))
@pytest.mark.parametrize("role", ROLES)
async def test_matrix(
    client: AsyncTestClient[Any], pool: Pool, tokens: dict[str, str], operation: str, role: str
) -> None:
    variables = await _prepare(client, tokens, operation)
    variables.update(await _prepare_delegation(pool, operation))
    variables.update(await _prepare_confirmation(client, pool, operation))
    variables.update(await prepare_proactive(pool, operation))
    variables.update(await prepare_ticket(client, tokens, operation))
    variables.update(await prepare_catalog(pool, operation))
    variables.update(prepare_identity(operation))
    variables.update(await prepare_admin(pool, operation))
    variables.update(await prepare_feedback(client, tokens, pool, operation, variables))
    variables.update(await prepare_files(client, tokens, operation))
    variables.update(await prepare_escort(pool, operation))
    query = QUERIES[operation]
    used = {k: v for k, v in variables.items() if f"${k}" in query}
    body = await gql(client, query, used, token=tokens.get(role))
    expected = EXPECTED[operation][ROLES.index(role)]
    assert error_code(body) == expected, body
    if expected is not None:
        assert body.get("data") is None or all(v is None for v in body["data"].values())


# -- agents (帮办代办): each acts for the `citizen` session through a delegation in a
# different state; the application is the citizen's newborn bundle (theme "applications")

AGENT_ROLES = ["agent_with_scope", "agent_without_scope", "agent_expired", "agent_revoked"]
SCOPE = "delegation.out_of_scope"
GONE = "delegation.inactive"
PENDING = "delegation.confirmation_pending"
OWN_ACT = "delegation.principal_must_act"
AGENT_EXPECTED: dict[str, tuple[str | None, ...]] = {
    "myApplications": (OK, OK, GONE, GONE),
    "application": (OK, SCOPE, GONE, GONE),
    "applicationMaterials": (OK, SCOPE, GONE, GONE),
    "submitApplication": (OK, SCOPE, GONE, GONE),
    "supplyMaterials": (OK, SCOPE, GONE, GONE),
    "myDataAccessLog": (OK, OK, GONE, GONE),
    # what an agent can never do for someone: staff work, the principal's own settings,
    # delegations on the principal's behalf
    "acceptTask": (NO, NO, GONE, GONE),
    "setLanguage": (NO, NO, GONE, GONE),
    "requestDelegation": (NO, NO, GONE, GONE),
    "myDelegations": (NO, NO, GONE, GONE),
    # offers reach the agent; accepting one applies for a bundle of theme
    # "applications" (childcare subsidy); the vault itself stays the principal's own
    "myOffers": (OK, OK, GONE, GONE),
    "acceptOffer": (OK, SCOPE, GONE, GONE),
    "applicationForm": (OK, SCOPE, GONE, GONE),
    "myVault": (NO, NO, GONE, GONE),
    # what moves money: the agent's submission waits for the principal (within the themes);
    # the agent follows it, and never confirms it for her
    "submitMoneyApplication": (PENDING, SCOPE, GONE, GONE),
    "myConfirmations": (OK, OK, GONE, GONE),
    "answerConfirmation": (OWN_ACT, OWN_ACT, GONE, GONE),
}
AGENT_EXPECTED.update(TICKET_AGENT_EXPECTED)  # tickets
AGENT_EXPECTED.update(FEEDBACK_AGENT_EXPECTED)  # 好差评, 申请复核
_AGENT_DELEGATIONS = {
    "agent_with_scope": (["applications"], "active", -1, 30),
    "agent_without_scope": (["elderly_subsidy"], "active", -1, 30),
    "agent_expired": (["all"], "active", -31, -1),
    "agent_revoked": (["all"], "revoked", -1, 30),
}


@pytest.fixture(scope="module")
async def agent_tokens(client: AsyncTestClient[Any], pool: Pool) -> dict[str, str]:
    from datetime import timedelta

    from tests.integration.helpers import login

    principal_id = await pool.fetchval("select id from citizens where phone = $1", CITIZEN_PHONE)
    found = {}
    for role, (themes, status, start, end) in _AGENT_DELEGATIONS.items():
        phone = fresh_phone()
        token = await login(client, pool, phone)
        agent_id = await pool.fetchval("select id from citizens where phone = $1", phone)
        await make_delegation(
            pool,
            agent_id,
            principal_id,
            themes,
            status=status,
            valid_from=timedelta(days=start),
            valid_until=timedelta(days=end),
        )
        found[role] = token
    return found


@pytest.mark.parametrize("operation", list(AGENT_EXPECTED))
@pytest.mark.parametrize("role", AGENT_ROLES)
async def test_agent_matrix(
    client: AsyncTestClient[Any],
    pool: Pool,
    tokens: dict[str, str],
    agent_tokens: dict[str, str],
    operation: str,
    role: str,
) -> None:
    variables = await _prepare(client, tokens, operation)
    variables.update(await _prepare_delegation(pool, operation))
    variables.update(await _prepare_confirmation(client, pool, operation))
    variables.update(await prepare_proactive(pool, operation))
    variables.update(await prepare_ticket(client, tokens, operation))
    variables.update(await prepare_feedback(client, tokens, pool, operation, variables))
    query = QUERIES[operation]
    used = {k: v for k, v in variables.items() if f"${k}" in query}
    principal_id = await pool.fetchval("select id from citizens where phone = $1", CITIZEN_PHONE)
    body = await gql_as(client, query, used, token=agent_tokens[role], acting_for=str(principal_id))
    expected = AGENT_EXPECTED[operation][AGENT_ROLES.index(role)]
    assert error_code(body) == expected, body
    if expected is not None:
        assert body.get("data") is None or all(v is None for v in body["data"].values())
