"""The binding rule: a resident ID counts for an account only once the account proved it.

A fresh phone account can no longer claim an ID by typing it into a form or an ID card into
the vault; the counter's check (a clerk saw the card) verifies; facts units state about a
person reach only the account that proved the ID."""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient

from doorstep.domain import pii
from doorstep.store import demo_data
from doorstep.store.db import Pool
from tests.conftest import TEST_INDEX_KEY
from tests.integration.delegation_helpers import fresh_resident_id, gql_as, make_citizen
from tests.integration.helpers import error_code, fresh_phone, gql, login
from tests.integration.identity_helpers import verify_phone

SUBMIT = """mutation($r: String) { submitApplication(input: {bundleCode: "newborn",
  applicantName: "冒名者", residentId: $r}) { number } }"""
ADD_CARD = """mutation($n: String!) { addVaultDocument(input: {type: "resident_id_card",
  number: $n, issuer: "北京市公安局朝阳分局"}) { numberMasked } }"""
ASSISTED = """mutation($i: AssistedApplicationInput!) { submitAssistedApplication(input: $i) {
  number } }"""
RECORD = """mutation($i: RecordFactsInput!) { recordFacts(input: $i) { changed } }"""


async def _counts(pool: Pool) -> tuple[int, int]:
    apps = await pool.fetchval("select count(*) from applications")
    docs = await pool.fetchval("select count(*) from vault_documents")
    return apps, docs


async def test_a_fresh_account_cannot_claim_an_id_by_typing_it(
    client: AsyncTestClient[Any], pool: Pool
) -> None:
    phone = fresh_phone()
    token = await login(client, pool, phone)
    zhang_wei = next(c for c in demo_data.CITIZENS if c.phone == "+8613800138001")
    before = await _counts(pool)
    for resident_id in (fresh_resident_id(), zhang_wei.resident_id):
        body = await gql(client, SUBMIT, {"r": resident_id}, token=token)
        # the same answer for an ID nobody holds and for someone else's: nothing to probe
        assert error_code(body) == "identity.verification_required", body
        body = await gql(client, ADD_CARD, {"n": resident_id}, token=token)
        assert error_code(body) == "identity.verification_required", body
    assert await _counts(pool) == before
    row = await pool.fetchrow(
        "select resident_id_index, identity_verified_at, name from citizens where phone = $1",
        phone,
    )
    assert row is not None and row["resident_id_index"] is None and row["name"] is None
    holder = await pool.fetchval(
        "select phone from citizens where resident_id_index = $1",
        pii.blind_index(zhang_wei.resident_id, TEST_INDEX_KEY),
    )
    assert holder == zhang_wei.phone
    # without an ID the form goes through as before
    body = await gql(client, SUBMIT, {"r": None}, token=token)
    assert "errors" not in body, body


async def test_a_verified_account_uses_its_own_id_and_no_other(
    client: AsyncTestClient[Any], pool: Pool
) -> None:
    phone, resident_id = fresh_phone(), fresh_resident_id()
    token = await login(client, pool, phone)
    await verify_phone(pool, phone, resident_id)
    body = await gql(client, SUBMIT, {"r": fresh_resident_id()}, token=token)
    assert error_code(body) == "resident_id.mismatch", body
    body = await gql(client, SUBMIT, {"r": resident_id}, token=token)
    assert "errors" not in body, body
    body = await gql(client, ADD_CARD, {"n": resident_id}, token=token)
    assert body["data"]["addVaultDocument"]["numberMasked"], body
    body = await gql(client, ADD_CARD, {"n": resident_id[:-1] + "Y"}, token=token)
    assert error_code(body) in ("resident_id.format", "vault.document_number_invalid"), body


async def test_the_counter_check_verifies_the_walk_in(
    client: AsyncTestClient[Any], pool: Pool, tokens: dict[str, str]
) -> None:
    resident_id, phone = fresh_resident_id(), fresh_phone()
    variables = {
        "i": {
            "application": {"bundleCode": "elderly-subsidy", "residentId": resident_id},
            "phone": phone,
            "identityDocument": "居民身份证原件",
            "identityChecked": True,
            "consentGiven": True,
        }
    }
    body = await gql_as(client, ASSISTED, variables, token=tokens["staff"])
    assert "errors" not in body, body
    row = await pool.fetchrow(
        """select c.identity_method, c.identity_staff_id, c.identity_verified_at, c.identity_ref,
                  s.phone as clerk
           from citizens c join staff_members s on s.id = c.identity_staff_id
           where c.phone = $1""",
        phone,
    )
    assert row is not None
    assert row["identity_method"] == "counter" and row["identity_verified_at"] is not None
    assert row["identity_ref"] == "居民身份证原件"
    # the walk-in's own later log-in applies with the ID the clerk checked
    token = await login(client, pool, phone)
    body = await gql(client, SUBMIT, {"r": resident_id}, token=token)
    assert "errors" not in body, body


async def test_a_counter_check_does_not_verify_an_account_that_only_typed_the_id(
    client: AsyncTestClient[Any], pool: Pool, tokens: dict[str, str]
) -> None:
    """An ID claimed before checks existed (unverified): the clerk's check with another phone
    must not verify that account, which may be someone else's."""
    squatter, _phone = await make_citizen(pool)
    resident_id = fresh_resident_id()
    await pool.execute(
        "update citizens set resident_id_index = $2 where id = $1",
        squatter,
        pii.blind_index(resident_id, TEST_INDEX_KEY),
    )
    variables = {
        "i": {
            "application": {"bundleCode": "elderly-subsidy", "residentId": resident_id},
            "phone": fresh_phone(),
            "identityDocument": "居民身份证原件",
            "identityChecked": True,
            "consentGiven": True,
        }
    }
    body = await gql_as(client, ASSISTED, variables, token=tokens["staff"])
    assert error_code(body) == "identity.counter_conflict", body
    verified = await pool.fetchval(
        "select identity_verified_at from citizens where id = $1", squatter
    )
    assert verified is None
    # nor do units' facts about that person reach the account
    facts = [{"key": "household.size", "value": "2"}]
    body = await gql_as(
        client, RECORD, {"i": {"residentId": resident_id, "facts": facts}}, token=tokens["staff"]
    )
    assert error_code(body) == "citizen.not_found", body


async def test_every_demo_citizen_is_verified(pool: Pool) -> None:
    rows = await pool.fetch(
        "select phone, identity_method from citizens where phone = any($1::text[])",
        [c.phone for c in demo_data.CITIZENS],
    )
    assert len(rows) == len(demo_data.CITIZENS)
    assert {r["identity_method"] for r in rows} <= {"seed", "counter", "review"}
