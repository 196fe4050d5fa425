"""A submission answers with the application as written, the same as reading it back."""

from __future__ import annotations

from typing import Any

from asyncpg.connection import LoggedQuery
from litestar.testing import AsyncTestClient

from doorstep.config import Settings
from doorstep.domain.policy import Actor, Role
from doorstep.services import applications
from doorstep.services.deps import Deps
from doorstep.store.db import Pool, create_pool
from tests.integration.delegation_helpers import gql_as, make_citizen
from tests.integration.helpers import fresh_phone, login

FIELDS = """number bundleCode bundleName status statusLabel nextStep readAloud createdAt
  updatedAt completedAt progress { done total percent }
  tasks { id itemCode itemName unitCode unitName unitPhone status statusLabel workingDays
          dueOn dueAt paused reason }"""
SUBMIT = "mutation($b: String!) { submitApplication(input: {bundleCode: $b}) { " + FIELDS + " } }"
READ = "query($n: String!) { application(number: $n) { " + FIELDS + " } }"


async def test_the_answer_to_a_submission_is_what_a_read_finds(
    client: AsyncTestClient[Any], pool: Pool
) -> None:
    token = await login(client, pool, fresh_phone())
    for bundle in ("newborn", "kindergarten", "after-death"):
        submitted = await gql_as(client, SUBMIT, {"b": bundle}, token=token)
        assert "errors" not in submitted, submitted
        answer = submitted["data"]["submitApplication"]
        read = await gql_as(client, READ, {"n": answer["number"]}, token=token)
        assert read["data"]["application"] == answer
        tasks = await pool.fetch(
            "select t.position, t.status from tasks t join applications a "
            "on a.id = t.application_id where a.number = $1 order by t.position",
            answer["number"],
        )
        assert [r["position"] for r in tasks] == list(range(len(answer["tasks"])))
        assert len(tasks) == answer["progress"]["total"] > 0


async def test_a_plain_submission_takes_two_round_trips(settings: Settings) -> None:
    """A citizen's own submission with an empty vault: the serial with the citizen's contact,
    proved birth date and whether the vault holds anything; then the application, its tasks,
    the event and the SMS in one statement (atomic alone, so no BEGIN and COMMIT). Each
    statement more is a round trip of the busiest path (issue 16): this counts them on the
    pool's one connection."""
    pool = await create_pool(settings.database_url, min_size=1, max_size=1)
    try:
        citizen_id, _phone = await make_citizen(pool)
        deps = Deps(pool=pool, settings=settings)
        actor = Actor(Role.CITIZEN, citizen_id=citizen_id)
        data = applications.SubmitInput(bundle_code="newborn")
        await applications.submit_application(deps, actor, data)  # the catalog is cached now
        statements: list[str] = []

        def log(record: LoggedQuery) -> None:
            statements.append(record.query)

        async with pool.acquire() as conn:  # the pool's one connection
            conn.add_query_logger(log)
        try:
            view = await applications.submit_application(deps, actor, data)
        finally:
            async with pool.acquire() as conn:
                conn.remove_query_logger(log)
        assert len(view.tasks) == 5
        assert len(statements) == 2, "\n---\n".join(s[:100] for s in statements)
        outbox = await pool.fetchval(
            """select count(*) from outbox o join applications a
               on o.params->>'number' = a.number where a.number = $1""",
            view.number,
        )
        assert outbox == 1
    finally:
        await pool.close()
