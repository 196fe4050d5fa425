"""What the apps send is what `doorstep check` reads from their source: every GraphQL document
the citizen app and the console send, over HTTP and the live socket, is one of the documents
`doorstep.api.web_documents` lists, character for character (a trusted-documents manifest
holds hashes of exactly these texts)."""

from __future__ import annotations

import json
from typing import Any

from doorstep.api.web_documents import web_documents
from doorstep.store.db import Pool
from tests.browser.conftest import NewPhone
from tests.browser.counter import CLERK, NewScreen, screen, staff_log_in
from tests.browser.journeys import visit
from tests.browser.screens import open_screen, screens, signed_in_page
from tests.e2e.servers import Server

__all__ = ["screen"]


class Sent:
    """Every document the page sends: POST /graphql bodies and the sockets' subscribes."""

    def __init__(self, page: Any) -> None:
        self.documents: list[str] = []
        page.on("request", self._request)
        page.on("websocket", self._socket)

    def _request(self, request: Any) -> None:
        if request.method == "POST" and request.url.split("?")[0].endswith("/graphql"):
            self.documents.append(json.loads(request.post_data)["query"])

    def _socket(self, socket: Any) -> None:
        def sent(payload: Any) -> None:
            message = json.loads(payload) if isinstance(payload, str) else {}
            if message.get("type") == "subscribe":
                self.documents.append(message["payload"]["query"])

        socket.on("framesent", sent)


def _unknown(sent: Sent) -> list[str]:
    documents, _ = web_documents()
    known = {d.text for d in documents}
    return [d for d in sent.documents if d not in known]


async def test_the_citizen_app_sends_only_documents_read_from_its_source(
    web: Server, pool: Pool, phone: NewPhone
) -> None:
    page, number = await signed_in_page(web, pool, phone, "zh_Hans", elder=False)
    sent = Sent(page)
    for route, ready in screens(number):
        await open_screen(page, web, route, ready)
    assert len(set(sent.documents)) >= 10
    assert any(d.startswith("subscription") for d in sent.documents)
    assert _unknown(sent) == []


async def test_the_console_sends_only_documents_read_from_its_source(
    web: Server, pool: Pool, screen: NewScreen
) -> None:
    page = await screen()
    sent = Sent(page)
    await staff_log_in(page, web, pool, CLERK)
    await page.locator("table.queue").wait_for()
    first = page.locator("table.queue a[href^='#/application/']").first
    if await first.count():
        await first.click()
        await page.locator(".tasks li").first.wait_for()
    await visit(page, "#/tickets", "main h1")
    await page.wait_for_load_state("networkidle")
    assert len(set(sent.documents)) >= 3
    assert _unknown(sent) == []
