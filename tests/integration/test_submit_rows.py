"""A submission answers with the application as written, the same as reading it back."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from asyncpg.connection import LoggedQuery
from litestar.testing import AsyncTestClient

from doorstep.api.app import create_app
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
    statement more is a round trip of the busiest path: this counts them on the
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
        # the citizen's own rows: other tests write SMS that name made-up numbers
        outbox = await pool.fetchval(
            "select count(*) from outbox where citizen_id = $1 and params->>'number' = $2",
            citizen_id,
            view.number,
        )
        assert outbox == 1
    finally:
        await pool.close()


async def test_a_submission_over_http_signs_in_and_reads_in_one_statement(
    settings: Settings, pool: Pool
) -> None:
    """The whole request: the citizen's session is found by the statement that draws the serial
    and reads the contact, then the one write; two statements for a request that used to take
    three."""
    app = create_app(replace(settings, db_pool_min=1, db_pool_max=1))
    async with AsyncTestClient(app=app) as client:
        app_pool: Pool = app.state.deps.pool  # on the app's own event loop
        token = await login(client, pool, fresh_phone())
        first = await gql_as(client, SUBMIT, {"b": "newborn"}, token=token)  # catalog cached
        assert "errors" not in first, first
        statements: list[str] = []

        def log(record: LoggedQuery) -> None:
            statements.append(record.query)

        async def logging(on: bool) -> None:
            async with app_pool.acquire() as conn:  # the pool's one connection
                (conn.add_query_logger if on else conn.remove_query_logger)(log)

        portal = client.blocking_portal
        portal.call(logging, True)
        try:
            answer = await gql_as(client, SUBMIT, {"b": "newborn"}, token=token)
        finally:
            portal.call(logging, False)
        assert "errors" not in answer, answer
        assert len(statements) == 2, "\n---\n".join(s[:100] for s in statements)
        assert "sessions" in statements[0] and "application_serial" in statements[0]
        numbers = {first["data"]["submitApplication"]["number"]}
        numbers.add(answer["data"]["submitApplication"]["number"])
        assert len(numbers) == 2


async def test_a_serial_read_with_the_session_serves_one_submission(
    client: AsyncTestClient[Any], pool: Pool
) -> None:
    """Two submissions in one document (strawberry's way): the first takes the serial read
    with the session, the second draws its own; both are made, each with its own number."""
    token = await login(client, pool, fresh_phone())
    twice = (
        'mutation { a: submitApplication(input: {bundleCode: "newborn"}) { number } '
        'b: submitApplication(input: {bundleCode: "newborn"}) { number } }'
    )
    answer = await gql_as(client, twice, {}, token=token)
    assert "errors" not in answer, answer
    numbers = {answer["data"]["a"]["number"], answer["data"]["b"]["number"]}
    assert len(numbers) == 2
    made = await pool.fetchval(
        "select count(*) from applications where number = any($1::text[])", list(numbers)
    )
    assert made == 2


async def test_submissions_by_tokens_that_are_no_citizens_session_are_refused_as_before(
    client: AsyncTestClient[Any], pool: Pool, tokens: dict[str, str]
) -> None:
    """The look-up with the serial finds only a live citizen session; staff, a logged-out
    session and an unknown token get the usual look-up's answer."""
    staff = await gql_as(client, SUBMIT, {"b": "newborn"}, token=tokens["staff"])
    assert staff["errors"][0]["extensions"]["code"] == "auth.forbidden", staff
    unknown = await gql_as(client, SUBMIT, {"b": "newborn"}, token="not-a-session")
    assert unknown["errors"][0]["extensions"]["code"] == "auth.required", unknown
    token = await login(client, pool, fresh_phone())
    out = await gql_as(client, "mutation { logout }", {}, token=token)
    assert "errors" not in out, out
    ended = await gql_as(client, SUBMIT, {"b": "newborn"}, token=token)
    assert ended["errors"][0]["extensions"]["code"] == "auth.required", ended
