"""The timelines of a page of tickets are read in one query, not one per ticket."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from doorstep.store.tickets import events as ticket_events
from tests.integration.helpers import gql

NOISE = {
    "kind": "COMPLAINT",
    "categoryCode": "noise",
    "description": "楼下商铺夜间施工",
    "regionCode": "110105001001",
}
SUBMIT = "mutation($i: SubmitTicketInput!) { submitTicket(input: $i) { number } }"
PAGE = "{ myTickets(first: 3) { number timeline { kind } } }"


async def test_a_page_of_timelines_is_one_query(
    client: AsyncTestClient[Any], tokens: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for _ in range(3):
        body = await gql(client, SUBMIT, {"i": NOISE}, token=tokens["citizen"])
        assert "errors" not in body, body
    calls: list[list[int]] = []
    read = ticket_events.events_of

    async def counted(db: Any, ticket_ids: list[int]) -> Any:
        calls.append(list(ticket_ids))
        return await read(db, ticket_ids)

    monkeypatch.setattr(ticket_events, "events_of", counted)
    body = await gql(client, PAGE, token=tokens["citizen"])
    assert "errors" not in body, body
    page = body["data"]["myTickets"]
    assert len(page) == 3
    assert all(t["timeline"][0]["kind"] == "ticket.submitted" for t in page)
    assert len(calls) == 1 and len(calls[0]) == 3
