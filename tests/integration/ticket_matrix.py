"""The ticket rows of the GraphQL authorization matrix (test_authorization_matrix.py).

Each case starts from a fresh noise ticket of the demo citizen in 永安里社区: rule 6 sends it to
the police unit of the `staff` session (not to `other_staff`'s civil affairs), in region 110105
of the `supervisor`. Dispatch-rule cases start from fresh drafts of the supervisor and the admin.
"""

from __future__ import annotations

import itertools
import uuid
from typing import Any

from litestar.testing import AsyncTestClient

from doorstep.store.db import Pool
from tests.integration.helpers import gql

OK = None
AUTH = "auth.required"
NO = "auth.forbidden"
HIDDEN = "ticket.not_found"

# ROLES: anonymous, citizen, other_citizen, staff, other_staff, supervisor, admin
TICKET_EXPECTED: dict[str, tuple[str | None, ...]] = {
    "ticketCategories": (OK, OK, OK, OK, OK, OK, OK),
    "ticketPlaces": (OK, OK, OK, OK, OK, OK, OK),
    "myTickets": (AUTH, OK, OK, NO, NO, NO, NO),
    # someone else's number answers as a number nobody has (nothing to probe or count)
    "ticket": (AUTH, OK, HIDDEN, OK, HIDDEN, OK, OK),
    "ticketQueue": (AUTH, NO, NO, OK, OK, OK, OK),
    "ticketReviewQueue": (AUTH, NO, NO, NO, NO, OK, OK),
    "rectificationTasks": (AUTH, NO, NO, OK, OK, OK, OK),
    "dispatchRuleSet": (AUTH, NO, NO, NO, NO, OK, OK),
    "dispatchRuleDraft": (AUTH, NO, NO, NO, NO, OK, OK),
    "dryRunDispatchRules": (AUTH, NO, NO, NO, NO, OK, OK),
    "ticketRates": (AUTH, NO, NO, OK, OK, OK, OK),
    "slippingUnits": (AUTH, NO, NO, OK, OK, OK, OK),
    "submitTicket": (AUTH, OK, OK, NO, NO, NO, NO),
    "acknowledgeTicket": (AUTH, NO, NO, OK, NO, OK, OK),
    "returnTicket": (AUTH, NO, NO, OK, NO, OK, OK),
    "redispatchTicket": (AUTH, NO, NO, NO, NO, OK, OK),
    # where it may go: whoever may read the ticket but not move it is refused
    "redispatchChoices": (AUTH, NO, HIDDEN, NO, HIDDEN, OK, OK),
    "extendTicket": (AUTH, NO, NO, OK, NO, OK, OK),
    "resolveTicket": (AUTH, NO, NO, OK, NO, OK, OK),
    "answerFollowUp": (AUTH, OK, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN),
    "rateTicket": (AUTH, OK, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN),
    # any clerk writes down a caller's rating (the answer tells them nothing of the ticket)
    "recordTicketRating": (AUTH, NO, NO, OK, OK, OK, NO),
    # and the caller's 回访 answer, the same way
    "recordFollowUpAnswer": (AUTH, NO, NO, OK, OK, OK, NO),
    "completeRectification": (AUTH, NO, NO, OK, NO, OK, OK),
    "saveDispatchRule": (AUTH, NO, NO, NO, NO, OK, OK),
    "removeDispatchRule": (AUTH, NO, NO, NO, NO, OK, OK),
    "discardDispatchRuleDraft": (AUTH, NO, NO, NO, NO, OK, OK),
    "publishDispatchRules": (AUTH, NO, NO, NO, NO, OK, OK),
    # the catalog: supervisors read it and manage their region's units and fallbacks;
    # categories are the admin's (each case on its own category, unit or region)
    "ticketCatalogCategories": (AUTH, NO, NO, NO, NO, OK, OK),
    "unitServiceAreas": (AUTH, NO, NO, NO, NO, OK, OK),
    "ticketRegions": (AUTH, NO, NO, NO, NO, OK, OK),
    "createTicketCategory": (AUTH, NO, NO, NO, NO, NO, OK),
    "updateTicketCategory": (AUTH, NO, NO, NO, NO, NO, OK),
    "retireTicketCategory": (AUTH, NO, NO, NO, NO, NO, OK),
    "reinstateTicketCategory": (AUTH, NO, NO, NO, NO, NO, OK),
    "setUnitServiceAreas": (AUTH, NO, NO, NO, NO, OK, OK),
    "setRegionFallbackUnit": (AUTH, NO, NO, NO, NO, OK, OK),
}

# an agent acting for the `citizen` session (see test_agent_matrix): filing needs only an active
# delegation; reading the principal's tickets a delegation whose themes cover them (general
# matters); answering and rating stay the citizen's
GONE = "delegation.inactive"
SCOPE = "delegation.out_of_scope"
TICKET_AGENT_EXPECTED: dict[str, tuple[str | None, ...]] = {
    "myTickets": (OK, SCOPE, GONE, GONE),
    "ticket": (OK, SCOPE, GONE, GONE),
    "submitTicket": (OK, OK, GONE, GONE),
    "answerFollowUp": (NO, NO, GONE, GONE),
    "rateTicket": (NO, NO, GONE, GONE),
    "acknowledgeTicket": (NO, NO, GONE, GONE),
}

_RULE_2 = (
    '{ruleNo: 2, priority: 20, leadUnitCode: "cy-heating", categories: ["heating"], '
    'regionPrefixes: ["110105"], deadlineProfile: HELP}'
)

TICKET_QUERIES = {
    "ticketCategories": "{ ticketCategories { code } }",
    "ticketPlaces": "{ ticketPlaces { code } }",
    "myTickets": "{ myTickets { number } }",
    "ticket": "query($n: String!) { ticket(number: $n) { number } }",
    "ticketQueue": "{ ticketQueue { number } }",
    "ticketReviewQueue": "{ ticketReviewQueue { number } }",
    "rectificationTasks": "{ rectificationTasks { id } }",
    "dispatchRuleSet": "{ dispatchRuleSet { id } }",
    "dispatchRuleDraft": "{ dispatchRuleDraft { id } }",
    "dryRunDispatchRules": "{ dryRunDispatchRules(days: 1) { examined } }",
    "ticketRates": '{ ticketRates(since: "2026-01-01", until: "2026-12-31") { code } }',
    "slippingUnits": "{ slippingUnits { signals } }",
    "submitTicket": 'mutation { submitTicket(input: {kind: COMPLAINT, categoryCode: "noise", '
    'description: "楼上深夜喧哗", regionCode: "110105001001"}) { number } }',
    "acknowledgeTicket": "mutation($n: String!) { acknowledgeTicket(number: $n) { number } }",
    "returnTicket": 'mutation($n: String!) { returnTicket(number: $n, reason: "不属本单位职责") '
    "{ number } }",
    "redispatchChoices": "query($n: String!) { redispatchChoices(number: $n) { code } }",
    "redispatchTicket": "mutation($n: String!) { redispatchTicket(number: $n, "
    'unitCode: "cy-civil-affairs") { number } }',
    "extendTicket": "mutation($n: String!) { extendTicket(number: $n, days: 2, "
    'reason: "需要现场核查") { number } }',
    "resolveTicket": 'mutation($n: String!) { resolveTicket(number: $n, note: "已上门劝导") '
    "{ number } }",
    "answerFollowUp": "mutation($n: String!) { answerFollowUp(number: $n, solved: true) "
    "{ number } }",
    "rateTicket": "mutation($n: String!) { rateTicket(number: $n, rating: SATISFIED) { number } }",
    "recordFollowUpAnswer": "mutation($n: String!) { recordFollowUpAnswer(number: $n, "
    "solved: true) { number solved } }",
    "recordTicketRating": "mutation($n: String!) { recordTicketRating(number: $n, "
    "rating: SATISFIED) { number rating } }",
    "completeRectification": "mutation($x: ID!) { completeRectification(id: $x, "
    'note: "已加强夜间巡查") { number } }',
    "saveDispatchRule": f"mutation {{ saveDispatchRule(input: {_RULE_2}) {{ id }} }}",
    "removeDispatchRule": "mutation { removeDispatchRule(ruleNo: 4) { id } }",
    "discardDispatchRuleDraft": "mutation { discardDispatchRuleDraft }",
    "publishDispatchRules": 'mutation { publishDispatchRules(note: "matrix") { changedRules } }',
    "ticketCatalogCategories": "{ ticketCatalogCategories { code } }",
    "unitServiceAreas": 'query { unitServiceAreas(unitCode: "cy-psb") { regionCode } }',
    "ticketRegions": '{ ticketRegions(under: "110105") { code } }',
    "createTicketCategory": "mutation($c: String!) { createTicketCategory(input: {code: $c, "
    'name: "矩阵"}) { code } }',
    "updateTicketCategory": "mutation($c: String!) { updateTicketCategory(code: $c, "
    'name: "矩阵改名") { code } }',
    "retireTicketCategory": "mutation($c: String!) { retireTicketCategory(code: $c) "
    "{ category { code } } }",
    "reinstateTicketCategory": "mutation($c: String!) { reinstateTicketCategory(code: $c) "
    "{ category { code } } }",
    "setUnitServiceAreas": "mutation($u: String!) { setUnitServiceAreas(unitCode: $u, areas: "
    '[{categoryCode: "other", regionCode: "110105"}]) { regionCode } }',
    "setRegionFallbackUnit": "mutation($r: String!, $u: String!) { setRegionFallbackUnit("
    "regionCode: $r, unitCode: $u) { code } }",
}

_CATALOG_OPERATIONS = {
    "createTicketCategory",
    "updateTicketCategory",
    "retireTicketCategory",
    "reinstateTicketCategory",
    "setUnitServiceAreas",
    "setRegionFallbackUnit",
}
_regions = itertools.count(500)


async def prepare_catalog(pool: Pool, operation: str) -> dict[str, Any]:
    """A category, unit or region of the case's own, so no case changes another's routing."""
    if operation not in _CATALOG_OPERATIONS:
        return {}
    suffix = uuid.uuid4().hex[:10]
    code, unit = f"m{suffix}", f"m-{suffix}"
    if operation in ("updateTicketCategory", "retireTicketCategory", "reinstateTicketCategory"):
        # placed last, after the demo categories other tests list
        await pool.execute(
            "insert into ticket_categories (code, name, active, position) "
            "values ($1, '矩阵', $2, 9000)",
            code,
            operation != "reinstateTicketCategory",
        )
    await pool.execute(
        "insert into units (code, name, kind, region_code) "
        "values ($1, '矩阵单位', 'department', '110105')",
        unit,
    )
    region = f"110105002{next(_regions):03d}"
    if operation == "setRegionFallbackUnit":
        await pool.execute(
            "insert into regions (code, name, parent_code) values ($1, '矩阵社区', '110105002')",
            region,
        )
    return {"c": code, "u": unit, "r": region}


_SUBMIT = """mutation { submitTicket(input: {kind: COMPLAINT, categoryCode: "noise",
  description: "楼上邻居深夜大声喧哗", regionCode: "110105001001"})
  { number leadUnit { code } } }"""
_priorities = itertools.count(700_000)


async def _act(
    client: AsyncTestClient[Any], query: str, variables: dict[str, Any], token: str
) -> dict[str, Any]:
    body = await gql(client, query, variables, token=token)
    assert "errors" not in body, body
    return body


async def prepare_ticket(
    client: AsyncTestClient[Any], tokens: dict[str, str], operation: str
) -> dict[str, Any]:
    if operation not in TICKET_EXPECTED:
        return {}
    if operation in (
        "saveDispatchRule",
        "removeDispatchRule",
        "discardDispatchRuleDraft",
        "publishDispatchRules",
        "dryRunDispatchRules",
        "dispatchRuleDraft",
    ):
        for role in ("supervisor", "admin"):
            await _act(client, "mutation { discardDispatchRuleDraft }", {}, tokens[role])
            if operation == "publishDispatchRules":
                # a harmless change: a rule only a made-up word in "other" tickets can match
                rule = (
                    f'{{priority: {next(_priorities)}, leadUnitCode: "cy-jianwai", '
                    'categories: ["other"], regionPrefixes: ["110105001"], '
                    'keywords: ["授权矩阵测试"]}'
                )
                await _act(
                    client,
                    f"mutation {{ saveDispatchRule(input: {rule}) {{ id }} }}",
                    {},
                    tokens[role],
                )
            elif operation != "discardDispatchRuleDraft":
                await _act(
                    client,
                    f"mutation {{ saveDispatchRule(input: {_RULE_2}) {{ id }} }}",
                    {},
                    tokens[role],
                )
        return {}
    ticket = (await _act(client, _SUBMIT, {}, tokens["citizen"]))["data"]["submitTicket"]
    assert ticket["leadUnit"]["code"] == "cy-psb", ticket
    number = ticket["number"]
    variables: dict[str, Any] = {"n": number}
    staff = tokens["staff"]
    if operation in (
        "extendTicket",
        "resolveTicket",
        "answerFollowUp",
        "rateTicket",
        "recordTicketRating",
        "recordFollowUpAnswer",
        "completeRectification",
    ):
        await _act(client, TICKET_QUERIES["acknowledgeTicket"], variables, staff)
    if operation in (
        "answerFollowUp",
        "rateTicket",
        "recordTicketRating",
        "recordFollowUpAnswer",
        "completeRectification",
    ):
        await _act(client, TICKET_QUERIES["resolveTicket"], variables, staff)
    if operation == "completeRectification":
        body = await _act(
            client,
            """mutation($n: String!) { rateTicket(number: $n,
            rating: DISSATISFIED) { rectification { id } } }""",
            variables,
            tokens["citizen"],
        )
        variables["x"] = body["data"]["rateTicket"]["rectification"]["id"]
    return variables
