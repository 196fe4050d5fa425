"""Open311 GeoReport v2 under /open311/v2/: civic reporting apps file and follow tickets through
the same services as the app."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from litestar.testing import AsyncTestClient

from doorstep.store.db import Pool
from tests.integration.helpers import assert_no_trace, gql

BASE = "/open311/v2"


async def test_services_and_their_definitions(client: AsyncTestClient[Any]) -> None:
    response = await client.get(f"{BASE}/services.json")
    assert response.status_code == 200
    services = {s["service_code"]: s for s in response.json()}
    assert services["noise"] == {
        "service_code": "noise",
        "service_name": "噪音",
        "description": "施工、商业、邻里噪音扰民",
        "metadata": True,
        "type": "realtime",
        "keywords": "",
        "group": "",
    }
    response = await client.get(f"{BASE}/services/noise.json", headers={"Accept-Language": "en"})
    definition = response.json()
    assert definition["service_code"] == "noise"
    kind = definition["attributes"][0]
    assert (kind["code"], kind["datatype"], kind["description"]) == (
        "kind",
        "singlevaluelist",
        "Kind of request",
    )
    assert {"key": "complaint", "name": "Complaint"} in kind["values"]
    assert [v["key"] for v in definition["attributes"][1]["values"]] == [
        "normal",
        "urgent",
        "danger",
    ]
    for path, code in (
        (f"{BASE}/services/potholes.json", "open311.service_unknown"),
        (f"{BASE}/services/noise.xml", "open311.format_unsupported"),
    ):
        refused = await client.get(path)
        assert refused.status_code == 404
        assert refused.json()[0]["error_code"] == code and refused.json()[0]["code"] == 404


async def test_file_and_follow_a_request(
    client: AsyncTestClient[Any], pool: Pool, tokens: dict[str, str]
) -> None:
    form = {
        "api_key": tokens["citizen"],
        "service_code": "noise",
        "description": "楼下烧烤店凌晨还在营业,吵得睡不着",
        "address_id": "110105001001",
        "lat": "39.9071",
        "long": "116.4597",
        "attribute[kind]": "complaint",
    }
    response = await client.post(f"{BASE}/requests.json", data=form)
    assert response.status_code == 201, response.text
    (created,) = response.json()
    number = created["service_request_id"]
    assert created["account_id"] is None
    assert created["service_notice"].startswith("类别「噪音」,地区110105001001 →")
    row = await pool.fetchrow(
        "select channel, kind, latitude, handle_due_at from tickets where number = $1", number
    )
    assert (row["channel"], row["kind"], row["latitude"]) == ("open311", "complaint", 39.9071)

    response = await client.get(
        f"{BASE}/requests/{number}.json", params={"api_key": tokens["citizen"]}
    )
    (request,) = response.json()
    assert request["status"] == "open" and request["service_code"] == "noise"
    assert request["agency_responsible"] == "北京市公安局朝阳分局"
    assert request["address_id"] == "110105001001" and request["address"] == "永安里社区"
    assert (request["lat"], request["long"]) == (39.9071, 116.4597)
    # the handling deadline, in Beijing time to the second
    assert request["expected_datetime"].endswith("+08:00")
    expected = datetime.fromisoformat(request["expected_datetime"])
    assert timedelta(0) <= row["handle_due_at"] - expected < timedelta(seconds=1)
    # someone else cannot read it; without a key nobody can
    other = await client.get(
        f"{BASE}/requests/{number}.json",
        headers={"Authorization": f"Bearer {tokens['other_citizen']}"},
    )
    assert other.status_code == 403 and other.json()[0]["error_code"] == "auth.forbidden"
    anonymous = await client.get(f"{BASE}/requests/{number}.json")
    assert anonymous.status_code == 401

    # the list: the caller's own, filtered by status and id
    listed = await client.get(
        f"{BASE}/requests.json", headers={"Authorization": f"Bearer {tokens['citizen']}"}
    )
    assert number in {r["service_request_id"] for r in listed.json()}
    others = await client.get(f"{BASE}/requests.json", params={"api_key": tokens["other_citizen"]})
    assert number not in {r["service_request_id"] for r in others.json()}

    # once the citizen confirms it solved, it is closed
    for query in (
        "mutation($n: String!) { acknowledgeTicket(number: $n) { number } }",
        'mutation($n: String!) { resolveTicket(number: $n, note: "已责令停业整顿") { number } }',
    ):
        assert "errors" not in await gql(client, query, {"n": number}, token=tokens["staff"])
    still_open = await client.get(
        f"{BASE}/requests.json",
        params={"api_key": tokens["citizen"], "service_request_id": number, "status": "open"},
    )
    assert [r["status"] for r in still_open.json()] == ["open"]  # resolved, not yet confirmed
    await gql(
        client,
        "mutation($n: String!) { answerFollowUp(number: $n, solved: true) { number } }",
        {"n": number},
        token=tokens["citizen"],
    )
    closed = await client.get(
        f"{BASE}/requests.json",
        params={"api_key": tokens["citizen"], "service_request_id": number, "status": "closed"},
    )
    assert [r["status"] for r in closed.json()] == ["closed"]
    assert closed.json()[0]["status_notes"] == "已解决"


async def test_a_request_without_a_place_uses_the_callers_region(
    client: AsyncTestClient[Any], tokens: dict[str, str]
) -> None:
    response = await client.post(
        f"{BASE}/requests.json",
        data={
            "api_key": tokens["citizen"],
            "service_code": "streetlight",
            "description": "路灯不亮",
            "address_string": "永安里东街3号楼前",
        },
    )
    assert response.status_code == 201, response.text
    number = response.json()[0]["service_request_id"]
    (request,) = (
        await client.get(f"{BASE}/requests/{number}.json", params={"api_key": tokens["citizen"]})
    ).json()
    assert request["address_id"] == "110105001001"  # the demo citizen's community
    assert request["description"] == "路灯不亮\n永安里东街3号楼前"
    assert request["lat"] is None


async def test_bad_requests_are_refused_in_open311_form(
    client: AsyncTestClient[Any], pool: Pool, tokens: dict[str, str]
) -> None:
    key = tokens["citizen"]
    retired = "retired-open311"
    await pool.execute(
        "insert into ticket_categories (code, name, active, retired_at, "
        "position) values ($1, '旧类别', false, now(), 9000) "
        "on conflict do nothing",
        retired,
    )
    before = await pool.fetchval("select count(*) from tickets")
    cases = [
        ({"service_code": "noise", "description": "x"}, 401, "auth.required"),
        (
            {"api_key": "not-a-session", "service_code": "noise", "description": "x"},
            401,
            "auth.required",
        ),
        (
            {
                "api_key": key,
                "service_code": "potholes",
                "description": "x",
                "address_id": "110105001001",
            },
            400,
            "ticket.category_unknown",
        ),
        (
            {
                "api_key": key,
                "service_code": "noise",
                "description": " ",
                "address_id": "110105001001",
            },
            400,
            "ticket.description_empty",
        ),
        (
            {"api_key": key, "service_code": "noise", "description": "x", "address_id": "999999"},
            400,
            "ticket.region_unknown",
        ),
        (
            {
                "api_key": key,
                "service_code": "noise",
                "description": "x",
                "lat": "north",
                "long": "116.4",
                "address_id": "110105001001",
            },
            400,
            "open311.bad_parameter",
        ),
        (
            {
                "api_key": key,
                "service_code": "noise",
                "description": "x",
                "lat": "95",
                "long": "116.4",
                "address_id": "110105001001",
            },
            400,
            "ticket.coordinates_invalid",
        ),
        (
            {
                "api_key": key,
                "service_code": "noise",
                "description": "x",
                "address_id": "110105001001",
                "attribute[kind]": "gossip",
            },
            400,
            "ticket.kind_unknown",
        ),
        # coordinates that are no number, half a position, an oversized description, a code
        # that is no region, a retired category
        (
            {
                "api_key": key,
                "service_code": "noise",
                "description": "x",
                "lat": "nan",
                "long": "116.4",
                "address_id": "110105001001",
            },
            400,
            "ticket.coordinates_invalid",
        ),
        (
            {
                "api_key": key,
                "service_code": "noise",
                "description": "x",
                "lat": "39.9",
                "long": "-inf",
                "address_id": "110105001001",
            },
            400,
            "ticket.coordinates_invalid",
        ),
        (
            {
                "api_key": key,
                "service_code": "noise",
                "description": "x",
                "lat": "39.9",
                "address_id": "110105001001",
            },
            400,
            "ticket.coordinates_invalid",
        ),
        (
            {
                "api_key": key,
                "service_code": "noise",
                "description": "吵" * 1995,
                "address_string": "永安里东街3号楼前",
                "address_id": "110105001001",
            },
            400,
            "ticket.description_too_long",
        ),
        (
            {"api_key": key, "service_code": "noise", "description": "x", "address_id": "11010"},
            400,
            "ticket.region_unknown",
        ),
        (
            {
                "api_key": key,
                "service_code": retired,
                "description": "x",
                "address_id": "110105001001",
            },
            400,
            "ticket.category_retired",
        ),
        (
            {
                "api_key": tokens["staff"],
                "service_code": "noise",
                "description": "x",
                "address_id": "110105001001",
            },
            403,
            "auth.forbidden",
        ),
    ]
    for form, status, code in cases:
        response = await client.post(
            f"{BASE}/requests.json", data=form, headers={"Accept-Language": "en"}
        )
        assert response.status_code == status, (form, response.text)
        (error,) = response.json()
        assert (error["code"], error["error_code"]) == (status, code), form
        assert error["description"] and "{" not in error["description"]
        assert_no_trace(response.text)
    assert await pool.fetchval("select count(*) from tickets") == before
    services = (await client.get(f"{BASE}/services.json")).json()
    assert retired not in {s["service_code"] for s in services}
    listed = await client.get(f"{BASE}/requests.json", params={"api_key": key, "status": "maybe"})
    assert listed.status_code == 400
    assert listed.json()[0]["error_code"] == "open311.bad_parameter"
    wrong = await client.get(f"{BASE}/requests/2000000000.json", params={"api_key": key})
    assert wrong.status_code == 400 and wrong.json()[0]["error_code"] == "ticket.number_invalid"
