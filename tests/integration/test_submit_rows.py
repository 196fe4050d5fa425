"""A submission answers with the application as written, the same as reading it back."""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient

from doorstep.store.db import Pool
from tests.integration.delegation_helpers import gql_as
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
