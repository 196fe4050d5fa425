"""Persisted documents over the socket as a browser client sends them: the app's own vendored
graphql-ws client, in Chromium, names a document by hash (Apollo's `persistedQuery`, then
`documentId`), is told PERSISTED_QUERY_NOT_FOUND in the page's language, sends the text with
the hash once, and from then on the hash alone is served. graphql-ws refuses to send a payload
whose `query` is not a string: such clients send "" with the hash."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from doorstep.store.db import Pool
from tests.browser.conftest import NewPhone, api_login
from tests.e2e.servers import Server
from tests.integration.helpers import fresh_phone

MINE = "query Mine { myApplications(first: 5) { number status } }"

# one operation through graphql-ws's createClient, as `shared/live.js` opens it; what its sink
# received: ["next", [results...]] then complete, or ["error", the error payload]
RUN = """async ([url, token, payloads]) => {
  const { createClient } = await import('/vendor/graphql-ws-6.4.2/client.js');
  const client = createClient({ url, connectionParams: { token }, retryAttempts: 0 });
  const run = (payload) => new Promise((resolve) => {
    const results = [];
    client.subscribe(payload, {
      next: (value) => results.push(value),
      error: (error) => resolve(['error', error instanceof Error ? String(error) : error]),
      complete: () => resolve(['next', results]),
    });
  });
  const outcomes = [];
  for (const payload of payloads) outcomes.push(await run(payload));
  await client.dispose();
  return outcomes;
}"""


async def test_the_vendored_client_names_documents_by_hash(
    pool: Pool, phone: NewPhone, web: Server
) -> None:
    token = await api_login(web, pool, fresh_phone())
    query = f"{MINE}\n# {uuid.uuid4().hex}"  # a document no one registered before
    sha = hashlib.sha256(query.encode()).hexdigest()
    by_hash = {
        "query": "",
        "operationName": "Mine",
        "extensions": {"persistedQuery": {"version": 1, "sha256Hash": sha}},
    }
    page = await (await phone("zh_Hans")).new_page()
    await page.goto(web.base + "/")
    outcomes: list[Any] = await page.evaluate(
        RUN,
        [
            web.ws,
            token,
            [
                by_hash,  # unknown yet
                {**by_hash, "query": query},  # the retry with the text
                by_hash,
                {"query": "", "documentId": f"sha256:{sha}"},
            ],
        ],
    )
    refused, *served = outcomes
    assert refused[0] == "error", refused
    assert refused[1][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    assert refused[1][0]["message"] == "服务端尚未登记此请求，请发送完整请求。"
    assert served == [["next", [{"data": {"myApplications": []}}]]] * 3
