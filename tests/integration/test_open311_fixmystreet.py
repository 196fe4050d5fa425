"""Open311 GeoReport v2 as an existing client uses it: every request formed as FixMyStreet's
Open311 client forms it (`.xml` URLs; `jurisdiction_id` on every call; GETs without a key;
POSTs form-encoded with `api_key`, the reporter's name and phone, `lat`/`long` and
`attribute[...]`), answers parsed as XML (with defusedxml), plus bad dates and ids."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from xml.etree.ElementTree import Element

import pytest
from defusedxml.ElementTree import fromstring
from litestar.testing import AsyncTestClient

from doorstep.config import Settings
from doorstep.domain.calendar import SHANGHAI
from doorstep.domain.case_numbers import TICKET_PREFIX, make_case_number
from doorstep.services import api_keys
from doorstep.services.deps import Deps
from doorstep.store.db import Pool
from tests.integration.helpers import assert_no_trace

BASE = "/open311/v2"
JURISDICTION = "doorstep.example"
REPORTER = "+8613800138001"  # the demo citizen, registered in 永安里社区 (110105001001)
NOT_ALLOWED = "open311.phone_not_allowed"


@pytest.fixture(scope="module")
async def fms_key(pool: Pool, settings: Settings) -> str:
    issued = await api_keys.issue(
        Deps(pool=pool, settings=settings), "FixMyStreet", ["open311:read", "open311:write"]
    )
    return issued.key


def _w3c(at: datetime) -> str:
    """DateTime::Format::W3CDTF's form: seconds and an offset."""
    return at.astimezone(SHANGHAI).isoformat(timespec="seconds")


def _xml(response: Any) -> Element:
    assert response.headers["content-type"] == "text/xml; charset=utf-8", response.headers
    assert response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    root: Element = fromstring(response.content)
    return root


def _error(response: Any, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    (error,) = _xml(response).findall("error")
    assert error.findtext("code") == str(status)
    assert error.findtext("description")
    assert error.findtext("error_code") == code
    assert_no_trace(response.text)


def _fms_post(key: str, **fields: str) -> dict[str, str]:
    """What FixMyStreet's client posts for a problem (its extended description, the user's
    name split in two, phone, email, coordinates, its extra fields as attribute[...])."""
    form = {
        "description": "路灯不亮\n\n永安里东街3号楼前的路灯一周都不亮了\n\nhttps://fms.example/report/1\n",
        "service_code": "streetlight",
        "first_name": "建国",
        "last_name": "李",
        "phone": REPORTER,
        "email": "li@example.com",
        "lat": "39.907112",
        "long": "116.459712",
        "attribute[urgency]": "normal",
        "attribute[fixmystreet_id]": "1",
        "jurisdiction_id": JURISDICTION,
        "api_key": key,
    }
    form.update(fields)
    return form


async def test_discovery_in_both_formats(client: AsyncTestClient[Any]) -> None:
    for path in ("/open311/discovery.xml", f"{BASE}/discovery.xml"):
        root = _xml(await client.get(path))
        assert root.tag == "discovery"
        (endpoint,) = root.findall("endpoints/endpoint")
        assert endpoint.findtext("specification") == "http://wiki.open311.org/GeoReport_v2"
        assert endpoint.findtext("url", "").endswith(BASE)
        assert [f.text for f in endpoint.findall("formats/format")] == [
            "text/xml",
            "application/json",
        ]
        assert root.findtext("contact") and root.findtext("changeset")
    as_json = (await client.get("/open311/discovery.json")).json()
    assert as_json["endpoints"][0]["formats"] == ["text/xml", "application/json"]


async def test_services_and_a_definition_as_xml(client: AsyncTestClient[Any]) -> None:
    root = _xml(await client.get(f"{BASE}/services.xml", params={"jurisdiction_id": JURISDICTION}))
    assert root.tag == "services"
    services = {s.findtext("service_code"): s for s in root.findall("service")}
    heating = services["heating"]
    assert heating.findtext("service_name") == "供暖"
    assert heating.findtext("metadata") == "true" and heating.findtext("type") == "realtime"
    assert heating.findtext("keywords") == "暖气, 供暖, 供热, 停暖"
    assert heating.findtext("group") == "市政设施"
    definition = _xml(
        await client.get(
            f"{BASE}/services/heating.xml",
            params={"jurisdiction_id": JURISDICTION},
            headers={"Accept-Language": "en"},
        )
    )
    assert definition.tag == "service_definition"
    assert definition.findtext("service_code") == "heating"
    kind, urgency = definition.findall("attributes/attribute")
    assert (kind.findtext("code"), kind.findtext("variable")) == ("kind", "true")
    assert kind.findtext("datatype") == "singlevaluelist" and kind.findtext("required") == "false"
    keys = [v.findtext("key") for v in urgency.findall("values/value")]
    assert keys == ["normal", "urgent", "danger"]
    _error(await client.get(f"{BASE}/services/potholes.xml"), 404, "open311.service_unknown")


async def test_fixmystreet_files_a_report_for_its_user(
    client: AsyncTestClient[Any], pool: Pool, fms_key: str
) -> None:
    response = await client.post(f"{BASE}/requests.xml", data=_fms_post(fms_key))
    assert response.status_code == 201, response.text
    root = _xml(response)
    assert root.tag == "service_requests"
    # what FixMyStreet reads: $obj->{request}->[0]->{service_request_id}
    number = root.findtext("request/service_request_id")
    assert number and number.isdigit()
    row = await pool.fetchrow(
        """select t.channel, t.region_code, t.latitude, t.urgency, c.phone
           from tickets t join citizens c on c.id = t.citizen_id where t.number = $1""",
        number,
    )
    assert row is not None
    # filed for the reporter, at their registered place, with the coordinates as given
    assert dict(row) == {
        "channel": "open311",
        "region_code": "110105001001",
        "latitude": 39.907112,
        "urgency": "normal",
        "phone": REPORTER,
    }
    # ... who is told by SMS, with the number
    # (by this number: the demo citizen has filed many tickets in other tests of the session)
    told = await pool.fetchval(
        "select count(*) from outbox where phone = $1 and template = $2 and params->>'number' = $3",
        REPORTER,
        "sms.ticket_received",
        number,
    )
    assert told == 1
    event = await pool.fetchval(
        "select data->>'app' from events e join tickets t on t.id = e.ticket_id "
        "where t.number = $1 and e.kind = 'ticket.submitted'",
        number,
    )
    assert event == "FixMyStreet"

    # FixMyStreet then follows it without a key: public fields only
    public = await client.get(
        f"{BASE}/requests.xml",
        params={
            "jurisdiction_id": JURISDICTION,
            "start_date": _w3c(datetime.now(SHANGHAI) - timedelta(hours=1)),
            "end_date": _w3c(datetime.now(SHANGHAI) + timedelta(minutes=1)),
        },
    )
    listed = _xml(public)
    mine = next(r for r in listed.findall("request") if r.findtext("service_request_id") == number)
    assert mine.findtext("status") == "open" and mine.findtext("service_code") == "streetlight"
    assert not mine.findtext("description")  # what the citizen wrote is not public
    assert mine.findtext("address_id") == "110105001" and mine.findtext("address") == "建外街道"
    assert (mine.findtext("lat"), mine.findtext("long")) == ("39.91", "116.46")
    for personal in (REPORTER, "13800138001", "建国", "li@example.com", "3号楼"):
        assert personal.encode() not in public.content
    one = _xml(await client.get(f"{BASE}/requests/{number}.xml", params={"jurisdiction_id": "x"}))
    assert one.findtext("request/service_request_id") == number


async def test_ids_override_the_other_filters_and_status_takes_a_list(
    client: AsyncTestClient[Any], pool: Pool, fms_key: str
) -> None:
    numbers = []
    for code in ("water", "sanitation"):
        filed = await client.post(
            f"{BASE}/requests.xml", data=_fms_post(fms_key, service_code=code)
        )
        assert filed.status_code == 201, filed.text
        numbers.append(_xml(filed).findtext("request/service_request_id"))
    await pool.execute(
        "update tickets set status = 'closed', solved = true, finished_at = now() "
        "where number = $1",
        numbers[1],
    )
    ids = ",".join(str(n) for n in numbers)
    # status=open and a window long past would exclude both: the ids win
    overridden = _xml(
        await client.get(
            f"{BASE}/requests.xml",
            params={
                "service_request_id": f"{ids},12,not-a-number",
                "status": "open",
                "start_date": "2001-01-01T00:00:00Z",
                "end_date": "2001-01-02T00:00:00Z",
                "jurisdiction_id": JURISDICTION,
            },
        )
    )
    shown = {r.findtext("service_request_id"): r.findtext("status") for r in overridden}
    assert shown == {numbers[0]: "open", numbers[1]: "closed"}
    for status, expected in (
        ("open", {numbers[0]}),
        ("closed", {numbers[1]}),
        ("open,closed", set(numbers)),
        ("closed, open", set(numbers)),
    ):
        listed = await client.get(
            f"{BASE}/requests.json", params={"status": status, "service_code": "water,sanitation"}
        )
        got = {r["service_request_id"] for r in listed.json()} & set(numbers)
        assert got == expected, status


async def test_a_description_up_to_4000_characters(
    client: AsyncTestClient[Any], fms_key: str
) -> None:
    longest = await client.post(
        f"{BASE}/requests.xml", data=_fms_post(fms_key, description="灯" * 4000)
    )
    assert longest.status_code == 201, longest.text
    _error(
        await client.post(f"{BASE}/requests.xml", data=_fms_post(fms_key, description="灯" * 4001)),
        400,
        "ticket.description_too_long",
    )


@pytest.mark.parametrize(
    ("fields", "status", "code"),
    [
        ({"api_key": ""}, 403, "api_key.required"),
        ({"api_key": "dsk_wrong"}, 403, "api_key.invalid"),
        ({"service_code": "potholes"}, 404, "ticket.category_unknown"),
        ({"phone": ""}, 400, "open311.location_required"),
        ({"phone": "12"}, 400, "phone.invalid"),
        # we text the reporter: no landline, no number abroad
        (
            {"phone": "+861085990110", "address_id": "110105001001"},
            400,
            NOT_ALLOWED,
        ),
        (
            {"phone": "+447911123456", "address_id": "110105001001"},
            400,
            NOT_ALLOWED,
        ),
        # someone nobody knows, with no place given: FixMyStreet's coordinates are no region
        ({"phone": "+8613700137999"}, 400, "open311.location_required"),
        ({"attribute[urgency]": "whenever"}, 400, "ticket.urgency_unknown"),
        ({"lat": "north"}, 400, "open311.bad_parameter"),
    ],
)
async def test_bad_filings_answer_in_the_spec_error_shape(
    client: AsyncTestClient[Any],
    pool: Pool,
    fms_key: str,
    fields: dict[str, str],
    status: int,
    code: str,
) -> None:
    before = await pool.fetchval("select count(*) from tickets")
    form = _fms_post(fms_key, **fields)
    if not form["api_key"]:
        del form["api_key"]
    _error(await client.post(f"{BASE}/requests.xml", data=form), status, code)
    assert await pool.fetchval("select count(*) from tickets") == before


async def test_a_known_reporter_elsewhere_may_name_the_region(
    client: AsyncTestClient[Any], pool: Pool, fms_key: str
) -> None:
    stranger = "+8613700137998"
    filed = await client.post(
        f"{BASE}/requests.xml",
        data=_fms_post(fms_key, phone=stranger, address_id="110105002001"),
    )
    assert filed.status_code == 201, filed.text
    number = _xml(filed).findtext("request/service_request_id")
    region = await pool.fetchval("select region_code from tickets where number = $1", number)
    assert region == "110105002001"
    # the reporter was not known: they are now, by phone, and can sign in with it
    assert await pool.fetchval("select count(*) from citizens where phone = $1", stranger) == 1


@pytest.mark.parametrize(
    "params",
    [
        {"start_date": "2026-13-45T00:00:00Z"},
        {"start_date": "yesterday"},
        {"end_date": "2026-12-01T25:00:00+08:00"},
        {"start_date": "2026-12-02T00:00:00Z", "end_date": "2026-12-01T00:00:00Z"},
        {"status": "open,maybe"},
    ],
)
async def test_bad_dates_and_statuses(client: AsyncTestClient[Any], params: dict[str, str]) -> None:
    response = await client.get(
        f"{BASE}/requests.xml", params={"jurisdiction_id": JURISDICTION, **params}
    )
    _error(response, 400, "open311.bad_parameter")


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("12.xml", "ticket.not_found"),  # too short to be a number
        ("abc.xml", "ticket.not_found"),
        (f"{make_case_number(TICKET_PREFIX, 9_999_998)}.xml", "ticket.not_found"),  # nobody's
        (f"{int(make_case_number(TICKET_PREFIX, 1)) + 1}.xml", "ticket.not_found"),  # mistyped
        (f"{make_case_number(TICKET_PREFIX, 1)}.csv", "open311.format_unsupported"),
    ],
)
async def test_bad_request_ids_answer_404(
    client: AsyncTestClient[Any], name: str, code: str
) -> None:
    response = await client.get(f"{BASE}/requests/{name}", params={"jurisdiction_id": "x"})
    if name.endswith(".xml"):
        _error(response, 404, code)
    else:
        assert response.status_code == 404 and response.json()[0]["error_code"] == code
