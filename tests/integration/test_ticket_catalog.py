"""The ticket catalog through GraphQL: the admin's categories (create, rename, retire,
reinstate), what a unit serves and a region's fallback unit (supervisors for their region),
with validation, events, and the published rules' warnings kept true.

Every test works on categories, units and regions of its own, made here, so no other test's
routing changes."""

from __future__ import annotations

import itertools
import uuid
from typing import Any

from litestar.testing import AsyncTestClient

from doorstep.store.db import Pool
from tests.integration.helpers import error_code, gql

CATEGORY = """code name description position active retiredAt tickets openTickets"""
CREATE = f"""mutation($i: TicketCategoryInput!) {{ createTicketCategory(input: $i)
  {{ {CATEGORY} }} }}"""
UPDATE = f"""mutation($c: String!, $n: String) {{ updateTicketCategory(code: $c, name: $n)
  {{ {CATEGORY} }} }}"""
RETIRE = f"""mutation($c: String!) {{ retireTicketCategory(code: $c) {{ category {{ {CATEGORY} }}
  warnings {{ ruleNo code message }} }} }}"""
REINSTATE = f"""mutation($c: String!) {{ reinstateTicketCategory(code: $c) {{
  category {{ {CATEGORY} }} }} }}"""
LIST = f"""{{ ticketCatalogCategories {{ {CATEGORY} }} }}"""
AREAS_FIELDS = """unit { code } regionCode areas { categoryCode categoryActive regionCode
  regionName } warnings { ruleNo code message }"""
SET_AREAS = f"""mutation($u: String!, $a: [ServiceAreaInput!]!) {{
  setUnitServiceAreas(unitCode: $u, areas: $a) {{ {AREAS_FIELDS} }} }}"""
AREAS = f"""query($u: String!) {{ unitServiceAreas(unitCode: $u) {{ {AREAS_FIELDS} }} }}"""
REGION_FIELDS = """code name parentCode fallbackUnit { code } effectiveFallbackUnit { code }"""
SET_FALLBACK = f"""mutation($r: String!, $u: String) {{ setRegionFallbackUnit(regionCode: $r,
  unitCode: $u) {{ {REGION_FIELDS} }} }}"""
REGIONS = f"""query($p: String) {{ ticketRegions(under: $p) {{ {REGION_FIELDS} }} }}"""
SUBMIT = """mutation($c: String!, $r: String!) { submitTicket(input: {kind: REPORT,
  categoryCode: $c, description: "井盖缺失，路人容易踩空", regionCode: $r})
  { number status categoryName leadUnit { code } needsReview dispatch { basis ruleNo } } }"""
TICKET = """query($n: String!) { ticket(number: $n) { status categoryCode categoryName
  leadUnit { code } } }"""
PUBLISHED = """{ dispatchRuleSet { id warnings { ruleNo code } currentWarnings { ruleNo code
  message } } }"""

_priorities = itertools.count(810_000)


def _code() -> str:
    return f"t{uuid.uuid4().hex[:10]}"


async def ok(
    client: AsyncTestClient[Any],
    query: str,
    variables: dict[str, Any] | None,
    token: str,
    field: str,
) -> Any:
    body = await gql(client, query, variables, token=token)
    assert "errors" not in body, body
    return body["data"][field]


async def new_unit(pool: Pool, region_code: str = "110105") -> str:
    code = f"u-{uuid.uuid4().hex[:8]}"
    await pool.execute(
        "insert into units (code, name, kind, region_code) values ($1, $2, 'department', $3)",
        code,
        f"测试单位{code[-4:]}",
        region_code,
    )
    return code


async def publish_rule(client: AsyncTestClient[Any], admin: str, **rule: Any) -> int:
    """Publish one more rule (the admin's draft copied from the current set)."""
    await ok(
        client, "mutation { discardDispatchRuleDraft }", None, admin, "discardDispatchRuleDraft"
    )
    saved = await ok(
        client,
        """mutation($i: DispatchRuleInput!) { saveDispatchRule(input: $i)
        { rules { ruleNo priority } } }""",
        {"i": {"priority": next(_priorities), **rule}},
        admin,
        "saveDispatchRule",
    )
    rule_no: int = max(r["ruleNo"] for r in saved["rules"])
    await ok(
        client,
        'mutation { publishDispatchRules(note: "catalog test") { changedRules } }',
        None,
        admin,
        "publishDispatchRules",
    )
    return rule_no


async def test_categories_are_the_admins_and_a_retired_one_keeps_its_tickets(
    client: AsyncTestClient[Any], pool: Pool, tokens: dict[str, str]
) -> None:
    admin, sup, citizen = tokens["admin"], tokens["supervisor"], tokens["citizen"]
    code = _code()
    created = await ok(
        client,
        CREATE,
        {"i": {"code": code, "name": " 井盖 ", "description": "井盖缺失、破损"}},
        admin,
        "createTicketCategory",
    )
    assert (created["name"], created["active"], created["tickets"]) == ("井盖", True, 0)
    public = (await gql(client, "{ ticketCategories { code } }"))["data"]["ticketCategories"]
    assert public[-1]["code"] == code  # placed last by default
    # only the admin manages categories; bad codes, names and duplicates are refused
    for role in ("supervisor", "staff", "citizen"):
        assert (
            error_code(
                await gql(client, CREATE, {"i": {"code": _code(), "name": "x"}}, token=tokens[role])
            )
            == "auth.forbidden"
        )
    for fields, error in (
        ({"code": code, "name": "井盖"}, "ticket_category.exists"),
        ({"code": "Bad Code", "name": "x"}, "ticket_category.code_invalid"),
        ({"code": _code(), "name": "  "}, "ticket_category.name_required"),
        ({"code": _code(), "name": "长" * 41}, "ticket_category.name_too_long"),
        ({"code": _code(), "name": "x", "position": -1}, "ticket_category.position_invalid"),
    ):
        body = await gql(client, CREATE, {"i": fields}, token=admin, language="en")
        assert error_code(body) == error, body
        assert "{" not in body["errors"][0]["message"]

    # a unit serves it and a rule sends it there
    unit = await new_unit(pool)
    await ok(
        client,
        SET_AREAS,
        {"u": unit, "a": [{"categoryCode": code, "regionCode": "110105"}]},
        admin,
        "setUnitServiceAreas",
    )
    rule_no = await publish_rule(
        client, admin, leadUnitCode=unit, categories=[code], regionPrefixes=["110105"]
    )
    ticket = await ok(client, SUBMIT, {"c": code, "r": "110105001001"}, citizen, "submitTicket")
    assert (ticket["leadUnit"]["code"], ticket["dispatch"]["ruleNo"]) == (unit, rule_no)

    # renamed: the ticket shows the new name
    renamed = await ok(client, UPDATE, {"c": code, "n": "窨井盖"}, admin, "updateTicketCategory")
    assert renamed["name"] == "窨井盖"
    seen = await ok(client, TICKET, {"n": ticket["number"]}, citizen, "ticket")
    assert seen["categoryName"] == "窨井盖"

    # retired: no new tickets, and the rule that names only it is flagged at once
    retired = await ok(client, RETIRE, {"c": code}, admin, "retireTicketCategory")
    assert retired["category"]["active"] is False and retired["category"]["retiredAt"]
    assert (rule_no, "never_matches_category") in {
        (w["ruleNo"], w["code"]) for w in retired["warnings"]
    }
    published = await ok(client, PUBLISHED, None, sup, "dispatchRuleSet")
    assert (rule_no, "never_matches_category") in {
        (w["ruleNo"], w["code"]) for w in published["currentWarnings"]
    }
    assert (rule_no, "never_matches_category") not in {
        (w["ruleNo"], w["code"]) for w in published["warnings"]
    }
    # a rule that names only a retired category is published with the warning
    await ok(
        client, "mutation { discardDispatchRuleDraft }", None, admin, "discardDispatchRuleDraft"
    )
    await ok(
        client,
        """mutation($i: DispatchRuleInput!) { saveDispatchRule(input: $i)
        { id } }""",
        {
            "i": {
                "priority": next(_priorities),
                "leadUnitCode": unit,
                "categories": [code],
                "regionPrefixes": ["110105001"],
            }
        },
        admin,
        "saveDispatchRule",
    )
    result = await ok(
        client,
        'mutation { publishDispatchRules(note: "x") { changedRules warnings { ruleNo code } } }',
        None,
        admin,
        "publishDispatchRules",
    )
    [added] = result["changedRules"]
    assert {"ruleNo": added, "code": "never_matches_category"} in result["warnings"]
    public = (await gql(client, "{ ticketCategories { code } }"))["data"]["ticketCategories"]
    assert code not in {c["code"] for c in public}
    body = await gql(client, SUBMIT, {"c": code, "r": "110105001001"}, token=citizen, language="en")
    assert error_code(body) == "ticket.category_retired"
    assert "窨井盖" in body["errors"][0]["message"]
    assert error_code(await gql(client, RETIRE, {"c": code}, token=admin)) == (
        "ticket_category.already_retired"
    )
    # ... while its ticket goes on through the loop
    n = {"n": ticket["number"]}
    await ok(
        client,
        "mutation($n: String!) { acknowledgeTicket(number: $n) { status } }",
        n,
        admin,
        "acknowledgeTicket",
    )
    await ok(
        client,
        'mutation($n: String!) { resolveTicket(number: $n, note: "已补装井盖") { status } }',
        n,
        admin,
        "resolveTicket",
    )
    closed = await ok(
        client,
        "mutation($n: String!) { answerFollowUp(number: $n, "
        "solved: true) { status categoryCode } }",
        n,
        citizen,
        "answerFollowUp",
    )
    assert closed == {"status": "CLOSED", "categoryCode": code}
    listed = {c["code"]: c for c in await ok(client, LIST, None, sup, "ticketCatalogCategories")}
    assert (listed[code]["active"], listed[code]["tickets"], listed[code]["openTickets"]) == (
        False,
        1,
        0,
    )

    # reinstated: offered again
    again = await ok(client, REINSTATE, {"c": code}, admin, "reinstateTicketCategory")
    assert again["category"]["active"] is True and again["category"]["retiredAt"] is None
    assert error_code(await gql(client, REINSTATE, {"c": code}, token=admin)) == (
        "ticket_category.not_retired"
    )
    assert "errors" not in await gql(
        client, SUBMIT, {"c": code, "r": "110105001001"}, token=citizen
    )
    assert error_code(await gql(client, RETIRE, {"c": "nothing-here"}, token=admin)) == (
        "ticket_category.not_found"
    )
    kinds = [
        r["kind"]
        for r in await pool.fetch(
            "select kind from events where data->>'code' = $1 order by seq", code
        )
    ]
    assert kinds == [
        "ticket_category.created",
        "ticket_category.changed",
        "ticket_category.retired",
        "ticket_category.reinstated",
    ]


async def test_what_a_unit_serves_and_the_warnings_it_raises(
    client: AsyncTestClient[Any], pool: Pool, tokens: dict[str, str]
) -> None:
    admin, sup = tokens["admin"], tokens["supervisor"]
    code = _code()
    await ok(
        client, CREATE, {"i": {"code": code, "name": "共享单车"}}, admin, "createTicketCategory"
    )
    unit = await new_unit(pool)
    set_to = [
        {"categoryCode": code, "regionCode": "110105001"},
        {"categoryCode": "sanitation", "regionCode": "110105001001"},
        {"categoryCode": code, "regionCode": "110105001"},
    ]  # a repeat counts once
    view = await ok(client, SET_AREAS, {"u": unit, "a": set_to}, sup, "setUnitServiceAreas")
    assert [(a["categoryCode"], a["regionCode"], a["regionName"]) for a in view["areas"]] == [
        (code, "110105001", "建外街道"),
        ("sanitation", "110105001001", "永安里社区"),
    ]
    assert view["warnings"] == []
    # a rule sends the category there: no warning while the unit serves it
    rule_no = await publish_rule(
        client, admin, leadUnitCode=unit, categories=[code], regionPrefixes=["110105001"]
    )
    published = await ok(client, PUBLISHED, None, sup, "dispatchRuleSet")
    assert rule_no not in {w["ruleNo"] for w in published["currentWarnings"]}

    # it stops serving it: the change answers with the rule that now sends it work it does not
    # serve, and the published set shows it too (its stored warnings stay those of publication)
    after = await ok(client, SET_AREAS, {"u": unit, "a": set_to[1:2]}, sup, "setUnitServiceAreas")
    assert [a["categoryCode"] for a in after["areas"]] == ["sanitation"]
    assert [(w["ruleNo"], w["code"]) for w in after["warnings"]] == [(rule_no, "unit_not_serving")]
    assert "{" not in after["warnings"][0]["message"]
    published = await ok(client, PUBLISHED, None, sup, "dispatchRuleSet")
    assert (rule_no, "unit_not_serving") in {
        (w["ruleNo"], w["code"]) for w in published["currentWarnings"]
    }
    assert rule_no not in {w["ruleNo"] for w in published["warnings"]}
    read = await ok(client, AREAS, {"u": unit}, sup, "unitServiceAreas")
    assert read["warnings"] == after["warnings"]
    changes = await pool.fetch(
        "select data from events where kind = "
        "'unit_service_areas.changed' and data->>'unit' = $1 "
        "order by seq",
        unit,
    )
    assert [len(c["data"]["added"]) for c in changes] == [2, 0]
    assert changes[1]["data"]["removed"] == [[code, "110105001"]]

    # bad input, and nothing outside the supervisor's region
    elsewhere = await new_unit(pool, "310101")
    for variables, error in (
        ({"u": "no-such-unit", "a": []}, "ticket.unit_unknown"),
        (
            {"u": unit, "a": [{"categoryCode": "potholes", "regionCode": "110105"}]},
            "ticket.category_unknown",
        ),
        ({"u": unit, "a": [{"categoryCode": code, "regionCode": "11010"}]}, "region.code_invalid"),
        (
            {"u": unit, "a": [{"categoryCode": code, "regionCode": "1101050010"}]},
            "region.code_invalid",
        ),
        (
            {"u": unit, "a": [{"categoryCode": code, "regionCode": "110105999"}]},
            "ticket.region_unknown",
        ),
        ({"u": unit, "a": [{"categoryCode": code, "regionCode": "310101"}]}, "auth.forbidden"),
        ({"u": elsewhere, "a": []}, "auth.forbidden"),
    ):
        body = await gql(client, SET_AREAS, variables, token=sup, language="en")
        assert error_code(body) == error, (variables, body)
        assert "{" not in body["errors"][0]["message"]
    assert (
        error_code(await gql(client, SET_AREAS, {"u": unit, "a": []}, token=tokens["staff"]))
        == "auth.forbidden"
    )
    assert error_code(await gql(client, AREAS, {"u": elsewhere}, token=sup)) == ("auth.forbidden")
    # refusals changed nothing
    assert [
        a["categoryCode"]
        for a in (await ok(client, AREAS, {"u": unit}, admin, "unitServiceAreas"))["areas"]
    ] == ["sanitation"]


async def test_a_regions_fallback_unit_routes_the_next_ticket_at_once(
    client: AsyncTestClient[Any], pool: Pool, tokens: dict[str, str]
) -> None:
    admin, sup, citizen = tokens["admin"], tokens["supervisor"], tokens["citizen"]
    region = "110105002901"
    await pool.execute(
        "insert into regions (code, name, parent_code) values ($1, '测试社区', '110105002')", region
    )
    listed = {
        r["code"]: r for r in await ok(client, REGIONS, {"p": "110105002"}, sup, "ticketRegions")
    }
    assert listed[region]["fallbackUnit"] is None
    assert listed[region]["effectiveFallbackUnit"]["code"] == "cy-service-center"
    assert "110105001" not in listed
    before = await ok(client, SUBMIT, {"c": "other", "r": region}, citizen, "submitTicket")
    assert before["leadUnit"]["code"] == "cy-service-center" and before["needsReview"]

    unit = await new_unit(pool)
    changed = await ok(client, SET_FALLBACK, {"r": region, "u": unit}, sup, "setRegionFallbackUnit")
    assert changed["fallbackUnit"]["code"] == changed["effectiveFallbackUnit"]["code"] == unit
    # the very next ticket there goes to it (the compiled rules follow the catalog at once)
    after = await ok(client, SUBMIT, {"c": "other", "r": region}, citizen, "submitTicket")
    assert after["leadUnit"]["code"] == unit and after["dispatch"]["basis"] == "NO_RULE"
    event = await pool.fetchrow(
        "select actor_kind, data from events where kind = "
        "'region_fallback.changed' and data->>'region' = $1",
        region,
    )
    assert event is not None
    assert event["actor_kind"] == "staff" and event["data"]["unit"] == unit

    # bad input; units and regions outside the supervisor's; staff may not
    elsewhere = await new_unit(pool, "310101")
    for variables, error in (
        ({"r": "1101050029", "u": unit}, "region.code_invalid"),
        ({"r": "110105002999", "u": unit}, "ticket.region_unknown"),
        ({"r": region, "u": "no-such-unit"}, "ticket.unit_unknown"),
        ({"r": region, "u": elsewhere}, "auth.forbidden"),
        ({"r": "310101", "u": unit}, "auth.forbidden"),
        # nothing above the district to fall back on
        ({"r": "110105", "u": None}, "region.fallback_required"),
    ):
        body = await gql(client, SET_FALLBACK, variables, token=sup, language="en")
        assert error_code(body) == error, (variables, body)
        assert "{" not in body["errors"][0]["message"]
    assert (
        error_code(await gql(client, SET_FALLBACK, {"r": region, "u": unit}, token=tokens["staff"]))
        == "auth.forbidden"
    )
    assert (
        error_code(await gql(client, REGIONS, {"p": None}, token=tokens["staff"]))
        == "auth.forbidden"
    )
    assert (
        error_code(await gql(client, SET_FALLBACK, {"r": region, "u": elsewhere}, token=admin))
        is None
    )  # the admin may name any unit

    # cleared: the region above decides again
    cleared = await ok(client, SET_FALLBACK, {"r": region, "u": None}, sup, "setRegionFallbackUnit")
    assert cleared["fallbackUnit"] is None
    assert cleared["effectiveFallbackUnit"]["code"] == "cy-service-center"
    last = await ok(client, SUBMIT, {"c": "other", "r": region}, citizen, "submitTicket")
    assert last["leadUnit"]["code"] == "cy-service-center"


KEYWORDED = f"""mutation($c: String!, $g: String, $k: [String!]) {{
  updateTicketCategory(code: $c, group: $g, keywords: $k) {{ {CATEGORY} group keywords }} }}"""


async def test_group_and_keywords_feed_open311_and_the_sms_guess(
    client: AsyncTestClient[Any], pool: Pool, tokens: dict[str, str]
) -> None:
    """Open311's `keywords` and `group` come from the catalog, which the admin
    keeps; the same keywords are what an SMS is matched against."""
    admin = tokens["admin"]
    code = _code()
    created = await ok(
        client,
        """mutation($i: TicketCategoryInput!) { createTicketCategory(input: $i)
           { code group keywords } }""",
        {"i": {"code": code, "name": "共享单车", "group": "交通", "keywords": ["单车", "单车"]}},
        admin,
        "createTicketCategory",
    )
    assert (created["group"], created["keywords"]) == ("交通", ["单车"])
    updated = await ok(
        client,
        KEYWORDED,
        {"c": code, "k": [" 共享单车 ", "乱停放"], "g": "市容"},
        admin,
        "updateTicketCategory",
    )
    assert (updated["group"], updated["keywords"]) == ("市容", ["共享单车", "乱停放"])
    services = (await client.get("/open311/v2/services.json")).json()
    mine = next(s for s in services if s["service_code"] == code)
    assert (mine["keywords"], mine["group"]) == ("共享单车, 乱停放", "市容")
    for keywords, group, refused in (
        (["a,b"], None, "ticket_category.keyword_invalid"),
        (["词" * 21], None, "ticket_category.keyword_invalid"),
        ([""], None, "ticket_category.keyword_invalid"),
        ([f"k{i}" for i in range(31)], None, "ticket_category.too_many_keywords"),
        (None, "组" * 41, "ticket_category.group_too_long"),
    ):
        body = await gql(client, KEYWORDED, {"c": code, "k": keywords, "g": group}, token=admin)
        assert error_code(body) == refused
    row = await pool.fetchrow(
        "select group_name, keywords from ticket_categories where code = $1", code
    )
    assert row is not None and (row["group_name"], row["keywords"]) == (
        "市容",
        ["共享单车", "乱停放"],
    )
    # only the admin keeps the catalog
    body = await gql(client, KEYWORDED, {"c": code, "k": ["x"]}, token=tokens["supervisor"])
    assert error_code(body) == "auth.forbidden"
