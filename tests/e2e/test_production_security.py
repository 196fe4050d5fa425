"""The service as deployed (a real `doorstep serve` process, production settings: no dev mode),
tried as an attacker would: a forged SMS callback, SMS-pumping numbers, a spoofed
client address, dev conveniences, and a start-up without the secrets it needs."""

from __future__ import annotations

import asyncio
import json
import sys

import httpx

from doorstep.config import Settings
from doorstep.store.db import Pool
from tests.e2e.servers import Server, api_servers, graphql, server_env
from tests.integration.helpers import fresh_phone

REQUEST_CODE = "mutation($p: String!) { requestLoginCode(phone: $p) { phone } }"


def _code(body: dict[str, object]) -> str | None:
    errors = body.get("errors")
    if not errors:
        return None
    return str(errors[0]["extensions"]["code"])  # type: ignore[index]


async def _request_code(server: Server, phone: str, headers: dict[str, str]) -> dict[str, object]:
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.post(
            f"{server.base}/graphql",
            headers=headers,
            json={"query": REQUEST_CODE, "variables": {"p": phone}},
        )
    body: dict[str, object] = response.json()
    return body


async def test_attacks_on_a_production_process(settings: Settings, pool: Pool) -> None:
    env = {"DOORSTEP_LOGIN_CODES_PER_CLIENT_HOUR": "2"}
    async with api_servers(settings, 1, env) as (server,), httpx.AsyncClient(timeout=10) as http:
        # 1. a forged reply: no token, a wrong one, a near miss: refused, nothing recorded
        phone = fresh_phone()
        reply = [{"phone_number": phone[3:], "content": "Y", "sequence_id": 1, "dest_code": ""}]
        token = settings.sms.callback_token
        for query in ("", "?token=", "?token=guess", f"?token={token[:-1]}"):
            for path in ("/sms/up", "/sms/report"):
                response = await http.post(f"{server.base}{path}{query}", json=reply)
                assert response.status_code == 403, (path, query, response.text)
                assert response.json()["code"] == 403
        assert await pool.fetchval("select count(*) from sms_inbound where phone = $1", phone) == 0

        # 2. SMS pumping: satellite, premium rate, landline, a far-away country
        for number in ("+881639555123", "+19002345678", "+861065529988", "+6767715123"):
            body = await graphql(server, REQUEST_CODE, {"p": number})
            assert _code(body) == "login.number_not_allowed", (number, body)
            assert (
                await pool.fetchval("select count(*) from login_codes where phone = $1", number)
                == 0
            )

        # 3. a spoofed address: X-Forwarded-For from loopback is not believed (no trusted
        # proxies), so a new header per request does not get round the per-address cap
        await pool.execute(
            "update login_codes set created_at = created_at - interval '2 hours' "
            "where client_addr = '127.0.0.1' and created_at > now() - interval '1 hour'"
        )
        answers = []
        for n in range(3):
            spoof = {"X-Forwarded-For": f"203.0.113.{n + 1}", "Fly-Client-IP": f"198.51.100.{n}"}
            answers.append(_code(await _request_code(server, fresh_phone(), spoof)))
        assert answers == [None, None, "login.too_many_codes"]
        # only the addresses spoofed here: other tests of this session record their own
        recorded = await pool.fetch(
            "select distinct client_addr from login_codes "
            "where created_at > now() - interval '1 hour' and client_addr = any($1::text[])",
            [f"203.0.113.{n + 1}" for n in range(3)],
        )
        assert recorded == []

        # 4. no dev conveniences: no dev inbox, no GraphiQL, no introspection
        assert (await http.get(f"{server.base}/dev/inbox")).status_code == 404
        graphiql = await http.get(f"{server.base}/graphql", headers={"Accept": "text/html"})
        assert "graphiql" not in graphiql.text.lower()
        body = await graphql(server, "{ __schema { types { name } } }")
        assert body.get("errors") and not body.get("data")


async def test_a_production_process_without_its_secrets_refuses_to_start(
    settings: Settings,
) -> None:
    env = {k: v for k, v in server_env(settings).items() if k != "SMS_CALLBACK_TOKEN"}
    env["DOORSTEP_SMS_CHANNEL"] = ""
    for command in ("serve", "worker"):
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "doorstep",
            command,
            env=env,
            stderr=asyncio.subprocess.PIPE,
        )
        _out, err = await asyncio.wait_for(process.communicate(), 60)
        assert process.returncode == 2
        text = err.decode()
        for setting in ("SMS_CALLBACK_TOKEN", "ALIYUN_ACCESS_KEY_ID", "ALIYUN_SMS_TEMPLATES"):
            assert f"refusing to start: {setting}" in text, text
        assert json.dumps(settings.database_url) not in text
