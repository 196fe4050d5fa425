"""Real identity through GraphQL: the flow a citizen's app follows (dev provider). Who may
verify, read and decide conflicts is in the authorization matrix (identity_matrix.py)."""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient

from doorstep.store.db import Pool
from tests.integration.delegation_helpers import fresh_resident_id
from tests.integration.helpers import error_code, fresh_phone, gql, login

START = """mutation($n: String!, $r: String!) {
  startIdentityVerification(name: $n, residentId: $r) { id certifyUrl } }"""
FINISH = """mutation($id: ID!) {
  finishIdentityVerification(id: $id) { status identity { verified method residentIdMasked } } }"""
MINE = "{ myIdentity { verified method residentIdMasked } }"


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
