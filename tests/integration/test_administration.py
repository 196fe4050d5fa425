"""Administration through GraphQL: units with territories, staff accounts, and the catalog
versioned with effective dates (an application keeps the version it was made under)."""

from __future__ import annotations

import asyncio
import itertools
import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
from click.testing import CliRunner
from litestar.testing import AsyncTestClient

from doorstep.cli import main
from doorstep.domain.calendar import local_date
from doorstep.services import catalog_admin
from doorstep.services.deps import Deps
from doorstep.store.db import Pool, connect
from doorstep.store.migrate import migrate
from tests.integration.helpers import error_code, fresh_phone, gql, login, row_counts

# street codes (110105 + 3 digits) of this run: no two tests' units meet
_STREETS = itertools.count(random.randint(200, 580))

SAVE_UNIT = """mutation($i: UnitInput!) { saveUnit(input: $i) {
  code kind regionCode parentCode territories activeStaff } }"""
CREATE_STAFF = """mutation($i: StaffMemberInput!) { createStaffMember(input: $i) {
  phone name role unitCode active } }"""
UPDATE_STAFF = """mutation($i: StaffMemberInput!) { updateStaffMember(input: $i) {
  phone role active } }"""
ITEM = """mutation($i: ServiceItemVersionInput!) { publishServiceItemVersion(input: $i) {
  itemCode version effectiveFrom inForce name legalDays promisedDays materials { code } } }"""
BUNDLE = """mutation($i: BundleVersionInput!) { publishBundleVersion(input: $i) {
  bundleCode version inForce itemCodes } }"""
SUBMIT = """mutation($c: String!) { submitApplication(input: {bundleCode: $c}) {
  number bundleName tasks { itemCode itemName workingDays } } }"""
APPLICATION = """query($n: String!) { application(number: $n) {
  bundleName tasks { itemName workingDays } } }"""


def _street() -> str:
    return f"110105{next(_STREETS):03d}"


def _unit(
    code: str, kind: str, region: str, territories: list[str], **extra: Any
) -> dict[str, Any]:
    return {
        "code": code,
        "name": f"测试{code}",
        "kind": kind,
        "regionCode": region,
        "territories": territories,
        **extra,
    }


async def test_units_keep_their_territories_apart(
    client: AsyncTestClient[Any], pool: Pool, tokens: dict[str, str]
) -> None:
    street = _street()
    tag = street[-3:]
    admin = tokens["admin"]
    body = await gql(
        client, SAVE_UNIT, {"i": _unit(f"st-{tag}", "STREET_OFFICE", street, [street])}, token=admin
    )
    assert body["data"]["saveUnit"]["territories"] == [street], body
    community = _unit(
        f"cm-{tag}", "COMMUNITY", street + "001", [street + "001"], parentCode=f"st-{tag}"
    )
    body = await gql(client, SAVE_UNIT, {"i": community}, token=admin)
    assert body["data"]["saveUnit"]["parentCode"] == f"st-{tag}", body

    # a second street office claiming a village of the first one's township: refused, named
    before = await row_counts(pool, "units", "unit_territories")
    other = _unit(f"st2-{tag}", "STREET_OFFICE", street, [street + "002"])
    body = await gql(client, SAVE_UNIT, {"i": other}, token=admin, language="en")
    assert error_code(body) == "admin.territory_overlap", body
    assert f"st-{tag}" in body["errors"][0]["message"]
    assert await row_counts(pool, "units", "unit_territories") == before  # nothing half-written
    # a department may serve the same district: different kinds do not overlap
    dept = _unit(f"dp-{tag}", "DEPARTMENT", "110105", [street])
    assert "errors" not in await gql(client, SAVE_UNIT, {"i": dept}, token=admin)
    # unknown parent
    orphan = _unit(f"cm2-{tag}", "COMMUNITY", street + "003", [], parentCode="no-such-unit")
    body = await gql(client, SAVE_UNIT, {"i": orphan}, token=admin)
    assert error_code(body) == "admin.unit_unknown"


async def test_staff_accounts_one_per_phone_and_deactivation_ends_sessions(
    client: AsyncTestClient[Any], pool: Pool, tokens: dict[str, str]
) -> None:
    phone = fresh_phone()
    account = {"phone": phone, "name": "测试员", "role": "STAFF", "unitCode": "cy-culture"}
    body = await gql(client, CREATE_STAFF, {"i": account}, token=tokens["admin"])
    assert body["data"]["createStaffMember"]["unitCode"] == "cy-culture", body
    again = {**account, "phone": phone.removeprefix("+86")}  # the same number, typed nationally
    body = await gql(client, CREATE_STAFF, {"i": again}, token=tokens["admin"])
    assert error_code(body) == "admin.staff_phone_taken", body

    token = await login(client, pool, phone, as_staff=True)
    queue = "query { unitQueue { applicationNumber } }"
    assert "errors" not in await gql(client, queue, token=token)
    body = await gql(
        client, UPDATE_STAFF, {"i": {**account, "active": False}}, token=tokens["admin"]
    )
    assert body["data"]["updateStaffMember"]["active"] is False, body
    assert error_code(await gql(client, queue, token=token)) in {
        "auth.required",
        "auth.session_expired",
    }

    no_unit = {
        "phone": fresh_phone(),
        "name": "某人",
        "role": "SUPERVISOR",
        "unitCode": "cy-culture",
    }
    body = await gql(client, CREATE_STAFF, {"i": no_unit}, token=tokens["admin"])
    assert error_code(body) == "admin.supervisor_needs_region"


async def test_an_application_keeps_the_catalog_version_it_was_made_under(
    client: AsyncTestClient[Any], pool: Pool, tokens: dict[str, str]
) -> None:
    tag = f"{random.randint(0, 10**6):06d}"
    admin = tokens["admin"]
    today = local_date(datetime.now(UTC))
    item = {
        "code": f"proof-{tag}",
        "name": "居住证明",
        "unitCode": "cy-culture",
        "legalDays": 10,
        "promisedDays": 5,
        "effectiveFrom": today.isoformat(),
        "materials": [{"code": "id-card", "name": "居民身份证"}],
    }
    body = await gql(client, ITEM, {"i": item}, token=admin)
    v1 = body["data"]["publishServiceItemVersion"]
    assert (v1["version"], v1["inForce"]) == (1, True), body
    bundle = {
        "code": f"move-{tag}",
        "name": "迁入一件事",
        "itemCodes": [item["code"]],
        "effectiveFrom": today.isoformat(),
    }
    body = await gql(client, BUNDLE, {"i": bundle}, token=admin)
    assert body["data"]["publishBundleVersion"]["inForce"], body

    first = (await gql(client, SUBMIT, {"c": bundle["code"]}, token=tokens["citizen"]))["data"]
    assert first["submitApplication"]["tasks"][0]["workingDays"] == 5, first

    # version 2, in force today: renamed, a shorter promise
    body = await gql(
        client, ITEM, {"i": {**item, "name": "居住证明（新）", "promisedDays": 3}}, token=admin
    )
    assert body["data"]["publishServiceItemVersion"]["version"] == 2, body
    second = await gql(client, SUBMIT, {"c": bundle["code"]}, token=tokens["citizen"])
    task = second["data"]["submitApplication"]["tasks"][0]
    assert (task["itemName"], task["workingDays"]) == ("居住证明（新）", 3)
    # the first application still reads as it was made
    number = first["submitApplication"]["number"]
    old = await gql(client, APPLICATION, {"n": number}, token=tokens["citizen"])
    assert old["data"]["application"]["tasks"][0] == {"itemName": "居住证明", "workingDays": 5}
    versions = await pool.fetch(
        "select v.version from applications a join tasks t on t.application_id = a.id "
        "join service_item_versions v on v.id = t.item_version_id where a.number = $1",
        number,
    )
    assert [r["version"] for r in versions] == [1]


async def test_a_version_dated_later_waits_for_its_day(
    client: AsyncTestClient[Any], pool: Pool, tokens: dict[str, str], deps: Deps
) -> None:
    tag = f"{random.randint(0, 10**6):06d}"
    today = local_date(datetime.now(UTC))
    item = {
        "code": f"later-{tag}",
        "name": "旧名",
        "unitCode": "cy-culture",
        "legalDays": 10,
        "promisedDays": 5,
        "effectiveFrom": today.isoformat(),
    }
    await gql(client, ITEM, {"i": item}, token=tokens["admin"])
    soon = (today + timedelta(days=10)).isoformat()
    body = await gql(
        client, ITEM, {"i": {**item, "name": "新名", "effectiveFrom": soon}}, token=tokens["admin"]
    )
    assert body["data"]["publishServiceItemVersion"]["inForce"] is False, body
    name = "select name from service_items where code = $1"
    assert await pool.fetchval(name, item["code"]) == "旧名"
    await catalog_admin.apply_due(deps, datetime.now(UTC) + timedelta(days=11))
    assert await pool.fetchval(name, item["code"]) == "新名"
    assert await catalog_admin.apply_due(deps, datetime.now(UTC) + timedelta(days=11)) == (0, 0)


async def test_retired_items_and_bundles_that_lean_on_them(
    client: AsyncTestClient[Any], pool: Pool, tokens: dict[str, str]
) -> None:
    tag = f"{random.randint(0, 10**6):06d}"
    admin = tokens["admin"]
    today = date.today().isoformat()
    item = {
        "code": f"old-{tag}",
        "name": "将停办事项",
        "unitCode": "cy-culture",
        "legalDays": 5,
        "promisedDays": 5,
        "effectiveFrom": today,
    }
    await gql(client, ITEM, {"i": item}, token=admin)
    bundle = {
        "code": f"uses-{tag}",
        "name": "某一件事",
        "itemCodes": [item["code"]],
        "effectiveFrom": today,
    }
    await gql(client, BUNDLE, {"i": bundle}, token=admin)
    body = await gql(client, ITEM, {"i": {**item, "retired": True}}, token=admin)
    assert error_code(body) == "admin.item_in_bundle", body
    # retire the bundle first, then the item; a new bundle with the retired item is refused
    await gql(client, BUNDLE, {"i": {**bundle, "retired": True}}, token=admin)
    assert "errors" not in await gql(client, ITEM, {"i": {**item, "retired": True}}, token=admin)
    before = await row_counts(pool, "bundles", "bundle_versions")
    again = {**bundle, "code": f"uses2-{tag}"}
    body = await gql(client, BUNDLE, {"i": again}, token=admin, language="zh-TW")
    assert error_code(body) == "admin.bundle_item_retired", body
    assert "停辦" in body["errors"][0]["message"]
    assert await row_counts(pool, "bundles", "bundle_versions") == before
    catalog = await gql(client, "query { catalog { code } }", token=tokens["citizen"])
    assert bundle["code"] not in {b["code"] for b in catalog["data"]["catalog"]}


async def test_seeding_again_adds_no_catalog_versions(
    db_conn: asyncpg.Connection[asyncpg.Record],
) -> None:
    """(The session's database, seeded already: the first load below settles anything other
    tests wrote around the versions.)"""
    from doorstep.store.seed import load_demo_data
    from tests.conftest import TEST_DATA_KEY, TEST_INDEX_KEY

    count = """select (select count(*) from service_item_versions)
                    + (select count(*) from bundle_versions)"""
    await load_demo_data(db_conn, data_key=TEST_DATA_KEY, index_key=TEST_INDEX_KEY)
    before = await db_conn.fetchval(count)
    await load_demo_data(db_conn, data_key=TEST_DATA_KEY, index_key=TEST_INDEX_KEY)
    assert await db_conn.fetchval(count) == before
    # every demo item and bundle has its version in force
    missing = await db_conn.fetchval(
        "select (select count(*) from service_items where version_id is null)"
        " + (select count(*) from bundles where version_id is null)"
    )
    assert missing == 0


async def test_a_production_database_starts_empty_and_is_filled_by_import(
    tmp_path: Path,
) -> None:
    """`doorstep migrate` writes no data; `doorstep create-admin` makes the first admin, whose
    import fills the district (doorstep seed is the demo's alone)."""
    from tests.integration.test_district_import import _district
    from tests.integration.test_migrate import _drop, _fresh_database

    name, url = await _fresh_database()
    try:
        conn = await connect(url)
        await migrate(conn)
        tables = ("units", "staff_members", "service_items", "bundles", "citizens", "regions")
        for table in tables:
            assert await conn.fetchval(f"select count(*) from {table}") == 0, table
        env = {"DATABASE_URL": url, "DOORSTEP_DEV": "1"}
        run = CliRunner().invoke
        admin_phone = fresh_phone()
        made = await asyncio.to_thread(
            run, main, ["create-admin", "--phone", admin_phone, "--name", "首位管理员"], env=env
        )
        assert made.exit_code == 0, made.output
        folder, _ = _district(tmp_path, "777")
        done = await asyncio.to_thread(
            run, main, ["import", str(folder), "--by", admin_phone], env=env
        )
        assert done.exit_code == 0, done.output
        assert await conn.fetchval("select count(*) from units") == 2
        active = await conn.fetchval("select count(*) from bundles where active")
        assert active == 1
        await conn.close()
    finally:
        await _drop(name)


async def test_a_new_item_and_bundle_dated_later_are_listed_as_not_in_force(
    client: AsyncTestClient[Any], tokens: dict[str, str]
) -> None:
    """A new code whose first version starts on a later day has no version in force yet: the
    lists say so (they failed, every version of every bundle with them, on the null)."""
    tag = f"{random.randint(0, 10**6):06d}"
    later = (local_date(datetime.now(UTC)) + timedelta(days=3)).isoformat()
    item = {
        "code": f"new-{tag}",
        "name": "新事项",
        "unitCode": "cy-culture",
        "legalDays": 10,
        "promisedDays": 5,
        "effectiveFrom": later,
    }
    assert "errors" not in await gql(client, ITEM, {"i": item}, token=tokens["admin"])
    bundle = {"code": f"new-{tag}", "name": "新一件事", "itemCodes": [item["code"]]}
    body = await gql(
        client, BUNDLE, {"i": {**bundle, "effectiveFrom": later}}, token=tokens["admin"]
    )
    assert "errors" not in body, body
    listed = await gql(
        client,
        """query($c: String!) { serviceItemVersions(code: $c) { version inForce }
             bundleVersions { bundleCode version inForce } }""",
        {"c": item["code"]},
        token=tokens["admin"],
    )
    assert "errors" not in listed, listed
    assert listed["data"]["serviceItemVersions"] == [{"version": 1, "inForce": False}]
    mine = [b for b in listed["data"]["bundleVersions"] if b["bundleCode"] == bundle["code"]]
    assert mine == [{"bundleCode": bundle["code"], "version": 1, "inForce": False}]
