"""Answers are encoded once, compactly, as UTF-8 JSON (msgspec), the same JSON as before."""

from __future__ import annotations

import json
from typing import Any

from litestar.testing import AsyncTestClient


async def test_an_answer_is_compact_utf8_json(
    client: AsyncTestClient[Any], tokens: dict[str, str]
) -> None:
    response = await client.post(
        "/graphql",
        json={"query": "{ catalog { code name } }"},
        headers={"Authorization": f"Bearer {tokens['citizen']}"},
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    raw = response.content
    body = json.loads(raw.decode("utf-8"))
    names = [b["name"] for b in body["data"]["catalog"]]
    assert any(not n.isascii() for n in names)
    # the Chinese names as UTF-8 bytes, not \u escapes; no spaces between tokens
    assert all(n.encode() in raw for n in names) and b"\\u" not in raw
    assert raw == json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
