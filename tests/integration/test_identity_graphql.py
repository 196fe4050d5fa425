"""Real identity through GraphQL: the flow a citizen's app follows (dev provider), and who may
verify, read and decide conflicts (every role)."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from doorstep.store.db import Pool
from tests.integration.delegation_helpers import fresh_resident_id
from tests.integration.helpers import error_code, fresh_phone, gql, login

START = """mutation($n: String!, $r: String!) {
  startIdentityVerification(name: $n, residentId: $r) { id certifyUrl } }"""
FINISH = """mutation($id: ID!) {
  finishIdentityVerification(id: $id) { status identity { verified method residentIdMasked } } }"""
MINE = "{ myIdentity { verified method residentIdMasked } }"
CONFLICTS = "{ identityConflicts { id status residentIdMasked } }"
DECIDE = """mutation($id: ID!) {
  decideIdentityConflict(id: $id, decision: KEEP, reason: "原账号本人已核实") { status } }"""

AUTH, NO = "auth.required", "auth.forbidden"
ROLES = ["anonymous", "citizen", "staff", "supervisor", "admin"]
# None: the role passed authorization (what the operation then answers is its own business)
EXPECTED: dict[str, tuple[str | None, ...]] = {
    "myIdentity": (AUTH, None, NO, NO, NO),
    "startIdentityVerification": (AUTH, None, NO, NO, NO),
    "finishIdentityVerification": (AUTH, None, NO, NO, NO),
    "identityConflicts": (AUTH, NO, NO, None, None),
    "decideIdentityConflict": (AUTH, NO, NO, None, None),
}
QUERIES = {
    "myIdentity": MINE,
    "startIdentityVerification": START,
    "finishIdentityVerification": FINISH,
    "identityConflicts": CONFLICTS,
    "decideIdentityConflict": DECIDE,
}


async def test_a_citizen_verifies_in_the_app(client: AsyncTestClient[Any], pool: Pool) -> None:
    token = await login(client, pool, fresh_phone())
    body = await gql(client, MINE, token=token)
    assert body["data"]["myIdentity"] == {
        "verified": False,
        "method": None,
        "residentIdMasked": None,
    }
    resident_id = fresh_resident_id()
    body = await gql(client, START, {"n": "王小明", "r": resident_id}, token=token)
    started = body["data"]["startIdentityVerification"]
    assert started["certifyUrl"] is None  # the dev provider has no page to open
    body = await gql(client, FINISH, {"id": started["id"]}, token=token)
    result = body["data"]["finishIdentityVerification"]
    assert result["status"] == "PASSED"
    assert result["identity"]["verified"] and result["identity"]["method"] == "dev"
    masked = result["identity"]["residentIdMasked"]
    assert masked.startswith(resident_id[:3]) and resident_id not in str(body)
    body = await gql(client, FINISH, {"id": started["id"]}, token=token)
    assert error_code(body) == "identity.verification_used"
    body = await gql(client, START, {"n": "王小明", "r": "110105199001011234"}, token=token)
    assert error_code(body) == "resident_id.checksum"


@pytest.mark.parametrize("operation", list(EXPECTED))
@pytest.mark.parametrize("role", ROLES)
async def test_who_may_verify_read_and_decide(
    client: AsyncTestClient[Any], pool: Pool, tokens: dict[str, str], operation: str, role: str
) -> None:
    variables = {"n": "王小明", "r": fresh_resident_id(), "id": "999999999"}
    query = QUERIES[operation]
    used = {k: v for k, v in variables.items() if f"${k}" in query}
    body = await gql(client, query, used, token=tokens.get(role))
    expected = EXPECTED[operation][ROLES.index(role)]
    if expected is None:
        assert error_code(body) not in (AUTH, NO), body
    else:
        assert error_code(body) == expected, body
        assert body.get("data") is None or all(v is None for v in body["data"].values())
