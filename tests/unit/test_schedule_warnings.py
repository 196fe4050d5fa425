"""On-call is warned while a year a deadline may reach has no official schedule entered."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from click.testing import CliRunner

from doorstep.cli import main
from doorstep.domain.calendar import DEFAULT_CALENDAR, WorkingCalendar, local_date
from doorstep.services.holidays import schedule_gaps
from tests.unit.test_safety import SAFE


def test_gaps_are_the_unscheduled_years_within_the_horizon() -> None:
    december = datetime(2026, 12, 7, 4, tzinfo=UTC)
    assert schedule_gaps(DEFAULT_CALENDAR, december) == [2027]
    assert schedule_gaps(WorkingCalendar(scheduled_years=[2027]), december) == []
    # in June the horizon (120 days) stays within the year the library knows
    assert schedule_gaps(DEFAULT_CALENDAR, datetime(2026, 6, 1, tzinfo=UTC)) == []


def _file_for_next_years(tmp_path: Path) -> str:
    year = local_date(datetime.now(UTC)).year
    path = tmp_path / "holidays.json"
    years = [
        {"year": y, "source": "test", "holidays": [f"{y}-01-01"]} for y in range(year, year + 3)
    ]
    path.write_text(json.dumps({"years": years}), encoding="utf-8")
    return str(path)


def test_check_warns_of_each_missing_year(tmp_path: Path) -> None:
    runner = CliRunner()
    # no database: the file alone (tests/integration/test_holiday_entry.py: entered versions)
    env = {**SAFE, "DATABASE_URL": "", "DOORSTEP_DEV": "", "DOORSTEP_HOLIDAYS_FILE": ""}
    result = runner.invoke(main, ["check"], env=env)
    for year in schedule_gaps(DEFAULT_CALENDAR):
        assert f"⚠ holiday schedule {year}: not entered" in result.output
    covered = runner.invoke(
        main, ["check"], env={**env, "DOORSTEP_HOLIDAYS_FILE": _file_for_next_years(tmp_path)}
    )
    assert "⚠" not in covered.output


def test_check_names_a_refused_schedule_file(tmp_path: Path) -> None:
    path = tmp_path / "holidays.json"
    path.write_text('{"years": [{"year": 2027, "source": "x", "holidays": ["2028-01-01"]}]}')
    env = {**SAFE, "DOORSTEP_DEV": "", "DOORSTEP_HOLIDAYS_FILE": str(path)}
    result = CliRunner().invoke(main, ["check"], env=env)
    assert "DOORSTEP_HOLIDAYS_FILE: refused" in result.output


def test_check_says_when_it_could_not_read_the_entered_schedules() -> None:
    """...and a warning is not a refusal: everything else in order, check passes."""
    env = {**SAFE, "DATABASE_URL": "postgresql://127.0.0.1:1/none", "DOORSTEP_DEV": ""}
    result = CliRunner().invoke(main, ["check"], env=env)
    assert result.exit_code == 0, result.output
    assert "holiday schedules entered in the database not read" in result.output
