"""Open311 GeoReport v2 under /open311/v2/: civic reporting apps file and follow tickets through
the same services as the app."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from click.testing import CliRunner
from litestar.testing import AsyncTestClient

from doorstep.cli import main
from doorstep.config import Settings
from doorstep.domain.case_numbers import TICKET_PREFIX, make_case_number
from doorstep.domain.errors import InvalidInput
from doorstep.i18n import translate
from doorstep.services import api_keys
from doorstep.services.deps import Deps
from doorstep.store.db import Pool
from tests.integration.helpers import assert_no_trace, gql

BASE = "/open311/v2"


class AppClient:
    """The test client as an Open311 app sees it: `api_key` in a call names the citizen whose
    session it is; it goes as `Authorization: Bearer`, and the app's own key as `api_key`."""

    def __init__(self, client: AsyncTestClient[Any], app_key: str) -> None:
        self.client = client
        self.app_key = app_key

    def _split(self, values: dict[str, Any] | None, headers: dict[str, str] | None) -> Any:
        values, headers = dict(values or {}), dict(headers or {})
        session = values.pop("api_key", None)
        if session is not None:
            headers["Authorization"] = f"Bearer {session}"
        values["api_key"] = self.app_key
        return values, headers

    async def get(self, path: str, *, params: Any = None, headers: Any = None) -> Any:
        if not path.startswith(f"{BASE}/requests"):
            return await self.client.get(path, params=params, headers=headers)
        params, headers = self._split(params, headers)
        return await self.client.get(path, params=params, headers=headers)

    async def post(self, path: str, *, data: Any = None, headers: Any = None, **kw: Any) -> Any:
        if not path.startswith(f"{BASE}/requests") or data is None:
            return await self.client.post(path, data=data, headers=headers, **kw)
        data, headers = self._split(data, headers)
        return await self.client.post(path, data=data, headers=headers, **kw)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client, name)


@pytest.fixture(scope="module")
async def app_key(pool: Pool, settings: Settings) -> str:
    issued = await api_keys.issue(
        Deps(pool=pool, settings=settings), "civic app", ["open311:read", "open311:write"]
    )
    return issued.key


@pytest.fixture
def o311(client: AsyncTestClient[Any], app_key: str) -> AppClient:
    return AppClient(client, app_key)


async def test_services_and_their_definitions(o311: AppClient) -> None:
    response = await o311.get(f"{BASE}/services.json")
    assert response.status_code == 200
    services = {s["service_code"]: s for s in response.json()}
    assert services["noise"] == {
        "service_code": "noise",
        "service_name": "噪音",
        "description": "施工、商业、邻里噪音扰民",
        "metadata": True,
        "type": "realtime",
        "keywords": "噪音, 吵, 施工, 扰民",
        "group": "环境",
    }
    response = await o311.get(f"{BASE}/services/noise.json", headers={"Accept-Language": "en"})
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
        (f"{BASE}/services/noise.csv", "open311.format_unsupported"),
    ):
        refused = await o311.get(path)
        assert refused.status_code == 404
        assert refused.json()[0]["error_code"] == code and refused.json()[0]["code"] == 404


async def test_file_and_follow_a_request(
    client: AsyncTestClient[Any], o311: AppClient, pool: Pool, tokens: dict[str, str]
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
    response = await o311.post(f"{BASE}/requests.json", data=form)
    assert response.status_code == 201, response.text
    (created,) = response.json()
    number = created["service_request_id"]
    assert created["account_id"] is None
    assert created["service_notice"].startswith("类别「噪音」,地区110105001001 →")
    row = await pool.fetchrow(
        "select channel, kind, latitude, handle_due_at from tickets where number = $1", number
    )
    assert row is not None
    assert (row["channel"], row["kind"], row["latitude"]) == ("open311", "complaint", 39.9071)

    response = await o311.get(
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
    # someone else cannot read it
    other = await o311.get(
        f"{BASE}/requests/{number}.json",
        headers={"Authorization": f"Bearer {tokens['other_citizen']}"},
    )
    # ... and is told it does not exist, as for a number nobody has (numbers cannot be counted)
    assert other.status_code == 404 and other.json()[0]["error_code"] == "ticket.not_found"
    unknown = await o311.get(
        f"{BASE}/requests/{make_case_number(TICKET_PREFIX, 9_999_999)}.json",
        headers={"Authorization": f"Bearer {tokens['other_citizen']}"},
    )
    assert (unknown.status_code, unknown.json()) == (other.status_code, other.json())
    # without a key, anyone sees its public fields only: no description, the place coarsened
    (anonymous,) = (await client.get(f"{BASE}/requests/{number}.json")).json()
    assert anonymous["description"] is None and anonymous["service_notice"] is None
    assert (anonymous["address_id"], anonymous["address"]) == ("110105001", "建外街道")
    assert (anonymous["lat"], anonymous["long"]) == (39.91, 116.46)
    assert anonymous["status"] == "open" and anonymous["service_code"] == "noise"

    # the list: the caller's own, filtered by status and id
    listed = await o311.get(
        f"{BASE}/requests.json", headers={"Authorization": f"Bearer {tokens['citizen']}"}
    )
    assert number in {r["service_request_id"] for r in listed.json()}
    others = await o311.get(f"{BASE}/requests.json", params={"api_key": tokens["other_citizen"]})
    assert number not in {r["service_request_id"] for r in others.json()}

    # once the citizen confirms it solved, it is closed
    for query in (
        "mutation($n: String!) { acknowledgeTicket(number: $n) { number } }",
        'mutation($n: String!) { resolveTicket(number: $n, note: "已责令停业整顿") { number } }',
    ):
        assert "errors" not in await gql(client, query, {"n": number}, token=tokens["staff"])
    still_open = await o311.get(
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
    closed = await o311.get(
        f"{BASE}/requests.json",
        params={"api_key": tokens["citizen"], "service_request_id": number, "status": "closed"},
    )
    assert [r["status"] for r in closed.json()] == ["closed"]
    assert closed.json()[0]["status_notes"] == "已解决"


async def test_a_request_without_a_place_uses_the_callers_region(
    client: AsyncTestClient[Any], o311: AppClient, tokens: dict[str, str]
) -> None:
    response = await o311.post(
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
        await o311.get(f"{BASE}/requests/{number}.json", params={"api_key": tokens["citizen"]})
    ).json()
    assert request["address_id"] == "110105001001"  # the demo citizen's community
    assert request["description"] == "路灯不亮\n永安里东街3号楼前"
    assert request["lat"] is None


async def test_bad_requests_are_refused_in_open311_form(
    client: AsyncTestClient[Any], o311: AppClient, pool: Pool, tokens: dict[str, str]
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
        # no session: the app files for the reporter it names, and must name one
        (
            {"service_code": "noise", "description": "x", "address_id": "110105001001"},
            400,
            "open311.phone_required",
        ),
        ({"service_code": "noise", "description": "x"}, 400, "open311.location_required"),
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
            404,
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
                "description": "吵" * 3995,
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
            404,
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
        response = await o311.post(
            f"{BASE}/requests.json", data=form, headers={"Accept-Language": "en"}
        )
        assert response.status_code == status, (form, response.text)
        (error,) = response.json()
        assert (error["code"], error["error_code"]) == (status, code), form
        assert error["description"] and "{" not in error["description"]
        assert_no_trace(response.text)
    assert await pool.fetchval("select count(*) from tickets") == before
    services = (await o311.get(f"{BASE}/services.json")).json()
    assert retired not in {s["service_code"] for s in services}
    listed = await o311.get(f"{BASE}/requests.json", params={"api_key": key, "status": "maybe"})
    assert listed.status_code == 400
    assert listed.json()[0]["error_code"] == "open311.bad_parameter"
    wrong = await o311.get(f"{BASE}/requests/2000000000.json", params={"api_key": key})
    assert wrong.status_code == 404 and wrong.json()[0]["error_code"] == "ticket.not_found"


async def test_app_keys_not_session_tokens(
    client: AsyncTestClient[Any], pool: Pool, settings: Settings, tokens: dict[str, str]
) -> None:
    """`api_key` is the app's own key, scoped, revocable, hashed at rest;
    the citizen's 30-day session token is never accepted in its place."""
    deps = Deps(pool=pool, settings=settings)
    reader = await api_keys.issue(deps, "read-only app", ["open311:read"])
    bearer = {"Authorization": f"Bearer {tokens['citizen']}", "Accept-Language": "en"}
    form = {"service_code": "noise", "description": "夜间施工", "address_id": "110105001001"}

    async def file(key: str | None, headers: dict[str, str] = bearer) -> tuple[int, str]:
        data = {**form, **({"api_key": key} if key is not None else {})}
        response = await client.post(f"{BASE}/requests.json", data=data, headers=headers)
        if response.status_code == 201:
            return 201, ""
        return response.status_code, response.json()[0]["error_code"]

    before = await pool.fetchval("select count(*) from tickets")
    # the session token where the app key goes: refused (it used to be the way in)
    assert await file(tokens["citizen"]) == (403, "api_key.invalid")
    assert await file(None) == (403, "api_key.required")
    assert await file("dsk_" + "x" * 43) == (403, "api_key.invalid")
    # a read-only key cannot file, but reads
    assert await file(reader.key) == (403, "api_key.scope_missing")
    listed = await client.get(
        f"{BASE}/requests.json", params={"api_key": reader.key}, headers=bearer
    )
    assert listed.status_code == 200
    # the key in a header works as well
    header = await client.get(f"{BASE}/requests.json", headers={**bearer, "X-Api-Key": reader.key})
    assert header.status_code == 200
    # revoked: refused at once
    await api_keys.revoke(deps, reader.id)
    refused = await client.get(
        f"{BASE}/requests.json", params={"api_key": reader.key}, headers=bearer
    )
    assert refused.status_code == 403
    assert refused.json()[0]["description"] == translate("error.api_key.invalid", "en")
    assert await pool.fetchval("select count(*) from tickets") == before
    # only a hash at rest
    row = await pool.fetchrow("select * from api_keys where id = $1", reader.id)
    assert row is not None and reader.key.encode() not in bytes(row["key_hash"])
    assert reader.key not in str(dict(row)) and row["revoked_at"] is not None
    # bad issues
    for name, scopes, code in (
        ("", ["open311:read"], "api_key.name_invalid"),
        ("app", ["admin"], "api_key.scope_invalid"),
        ("app", [], "api_key.scope_invalid"),
    ):
        with pytest.raises(InvalidInput) as caught:
            await api_keys.issue(deps, name, scopes)
        assert caught.value.code == code


def test_the_cli_issues_lists_and_revokes_keys(settings: Settings) -> None:
    env = {"DATABASE_URL": settings.database_url, "REDIS_URL": settings.redis_url}
    runner = CliRunner()
    issued = runner.invoke(
        main, ["api-key", "issue", "--name", "district app", "--scope", "open311:read"], env=env
    )
    assert issued.exit_code == 0, issued.output
    key = issued.stdout.strip().splitlines()[-1]
    assert key.startswith("dsk_")
    listed = runner.invoke(main, ["api-key", "list"], env=env)
    line = next(x for x in listed.stdout.splitlines() if "district app" in x)
    assert key not in listed.stdout and key[:10] in line and "active" in line
    key_id = line.split("\t")[0]
    assert runner.invoke(main, ["api-key", "revoke", key_id], env=env).exit_code == 0
    assert "revoked" in runner.invoke(main, ["api-key", "list"], env=env).stdout
    assert runner.invoke(main, ["api-key", "revoke", key_id], env=env).exit_code == 1


KEY_MATRIX = {
    # key scopes -> (list, read one, file)
    "read": (200, 200, 403),
    "write": (403, 403, 201),
    "read+write": (200, 200, 201),
    "revoked": (403, 403, 403),
    "session token": (403, 403, 403),
    "none": (403, 403, 403),
}


@pytest.mark.parametrize("kind", list(KEY_MATRIX))
async def test_the_app_key_matrix(
    client: AsyncTestClient[Any], pool: Pool, settings: Settings, tokens: dict[str, str], kind: str
) -> None:
    """Which Open311 path each kind of key opens (the citizen's session given every time)."""
    deps = Deps(pool=pool, settings=settings)
    scopes = {"read": ["open311:read"], "write": ["open311:write"]}.get(
        kind, ["open311:read", "open311:write"]
    )
    key: str | None = (await api_keys.issue(deps, f"app {kind}", scopes)).key
    if kind == "revoked":
        await api_keys.revoke(deps, (await api_keys.keys(deps))[-1].id)
    elif kind == "session token":
        key = tokens["citizen"]
    elif kind == "none":
        key = None
    number = await pool.fetchval(
        "select t.number from tickets t join citizens c on c.id = t.citizen_id "
        "where c.phone = '+8613800138001' order by t.id limit 1"
    )
    params = {"api_key": key} if key else {}
    bearer = {"Authorization": f"Bearer {tokens['citizen']}"}
    listed = await client.get(f"{BASE}/requests.json", params=params, headers=bearer)
    one = await client.get(f"{BASE}/requests/{number}.json", params=params, headers=bearer)
    form = {**params, "service_code": "noise", "description": "x", "address_id": "110105001001"}
    filed = await client.post(f"{BASE}/requests.json", data=form, headers=bearer)
    assert (listed.status_code, one.status_code, filed.status_code) == KEY_MATRIX[kind]
