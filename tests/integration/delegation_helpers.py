"""Citizens, delegations and requests "acting for" someone, for the delegation tests."""

from __future__ import annotations

import itertools
import os
from datetime import date, datetime, timedelta
from typing import Any

from litestar.testing import AsyncTestClient

from doorstep.domain.identity import make_resident_id
from doorstep.store.db import Pool
from tests.integration.helpers import fresh_phone, post_gql

_serial = itertools.count(1)


def fresh_resident_id() -> str:
    """An ID number no other test uses: birth dates from 1940 on, a sequence per process."""
    n = next(_serial)
    birth = date(1940, 1, 1) + timedelta(days=(os.getpid() % 500) * 40 + n)
    return make_resident_id("110105", birth, f"{(os.getpid() + n) % 1000:03d}")


async def make_citizen(
    pool: Pool,
    *,
    name: str | None = None,
    language: str = "zh_Hans",
    elder_mode: bool = False,
    channel: str = "push",
    birth_date: date | None = None,
) -> tuple[int, str]:
    """A citizen straight in the database (no log-in): (id, phone)."""
    phone = fresh_phone()
    citizen_id: int = await pool.fetchval(
        """insert into citizens (phone, name, language, elder_mode, channel_preference,
                                 birth_date)
           values ($1, $2, $3, $4, $5, $6) returning id""",
        phone,
        name,
        language,
        elder_mode,
        channel,
        birth_date,
    )
    return citizen_id, phone


async def make_delegation(
    pool: Pool,
    agent_id: int,
    principal_id: int,
    themes: list[str],
    *,
    status: str = "active",
    valid_from: timedelta = timedelta(days=-1),
    valid_until: timedelta = timedelta(days=30),
) -> int:
    """A delegation in any state; times are relative to now."""
    now = datetime.now().astimezone()
    method = "app" if status != "requested" else None
    start = now + valid_from
    delegation_id: int = await pool.fetchval(
        """insert into delegations (agent_id, principal_id, themes, status, valid_from,
                                    valid_until, consent_method, consented_at, requested_at)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $5)
           returning id""",
        agent_id,
        principal_id,
        themes,
        status,
        start,
        now + valid_until,
        method,
        start if method else None,
    )
    return delegation_id


async def gql_as(
    client: AsyncTestClient[Any],
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    token: str | None = None,
    acting_for: str | None = None,
    language: str | None = None,
) -> dict[str, Any]:
    """A GraphQL request, optionally acting for a principal (X-Acting-For)."""
    body, _text = await post_gql(
        client, query, variables, token=token, language=language, acting_for=acting_for
    )
    return body


async def last_sms(pool: Pool, phone: str) -> Any:
    return await pool.fetchrow(
        "select template, params, language, kind from outbox where phone = $1 "
        "and kind <> 'login_code' order by id desc limit 1",
        phone,
    )


async def sms_to(pool: Pool, phone: str) -> list[Any]:
    return await pool.fetch(
        "select template, params, language, kind from outbox where phone = $1 "
        "and kind <> 'login_code' order by id",
        phone,
    )
