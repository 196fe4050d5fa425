"""A holiday schedule file reaches every deadline the service counts, and on-call can see gaps."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from doorstep.api.app import create_app
from doorstep.config import Settings
from doorstep.domain.calendar import DEFAULT_CALENDAR, ScheduleError, local_date
from doorstep.store.db import Pool
from tests.integration.helpers import gql, login

SUBMIT = """mutation($i: SubmitApplicationInput!) { submitApplication(input: $i) {
  tasks { itemCode dueOn } } }"""


def _closure_schedule(path: Path, today: date, rest_days: int) -> list[date]:
    """This year's and the next two years' schedules, with the next `rest_days` weekdays off
    (as a local closure would be); the dates are made up for the test."""
    closed = [
        d
        for d in (today + timedelta(days=i) for i in range(1, rest_days * 2 + 8))
        if d.weekday() < 5
    ][:rest_days]
    years = [
        {
            "year": y,
            "source": "test closure",
            "holidays": [d.isoformat() for d in closed if d.year == y],
            "workdays": [],
        }
        for y in range(today.year, today.year + 3)
    ]
    path.write_text(json.dumps({"years": years}), encoding="utf-8")
    return closed


async def test_deadlines_and_readiness_follow_the_schedule_file(
    settings: Settings, pool: Pool, tmp_path: Path
) -> None:
    today = local_date(datetime.now(UTC))
    path = tmp_path / "holidays.json"
    closed = _closure_schedule(path, today, rest_days=10)
    with_file = dataclasses.replace(settings, holidays_file=str(path))
    async with AsyncTestClient(app=create_app(with_file)) as client:
        calendar = client.app.state.deps.calendar
        assert calendar is not DEFAULT_CALENDAR
        assert not any(calendar.is_working_day(d) for d in closed)

        token = await login(client, pool, "+8613800138004")
        body = await gql(client, SUBMIT, {"i": {"bundleCode": "newborn"}}, token=token)
        assert "errors" not in body, body
        tasks = body["data"]["submitApplication"]["tasks"]
        rows = await pool.fetch("select code, promised_days from service_items")
        promised: dict[str, int] = {r["code"]: r["promised_days"] for r in rows}
        for task in tasks:
            days = promised[task["itemCode"]]
            due = date.fromisoformat(task["dueOn"])
            assert due == calendar.add_working_days(today, days)
            # the closure pushed every deadline past the ten days off
            assert due > closed[-1] >= DEFAULT_CALENDAR.add_working_days(today, 1)

        ready = (await client.get("/readyz")).json()
        assert ready["holiday_schedule"] == "ok"


async def test_readiness_names_the_years_without_a_schedule(client: AsyncTestClient[Any]) -> None:
    ready = (await client.get("/readyz")).json()
    missing = DEFAULT_CALENDAR.unknown_years(local_date(datetime.now(UTC)), 120)
    expected = "ok" if not missing else "missing " + ", ".join(map(str, missing))
    assert ready["holiday_schedule"] == expected
    assert ready["status"] == "ready"  # a gap is a warning, not an outage
    metrics = (await client.get("/metrics")).text
    assert f"doorstep_holiday_schedule_missing_years {float(len(missing))}" in metrics


def test_a_bad_schedule_file_stops_the_start(settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "holidays.json"
    path.write_text(
        json.dumps({"years": [{"year": 2027, "source": "x", "holidays": ["2028-01-01"]}]}),
        encoding="utf-8",
    )
    with pytest.raises(ScheduleError, match="not a date in 2027"):
        create_app(dataclasses.replace(settings, holidays_file=str(path)))
