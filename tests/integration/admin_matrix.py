"""Administration's rows of the GraphQL authorization matrix (test_authorization_matrix.py):
the working-day calendar, units, staff accounts and the catalog."""

from __future__ import annotations

from typing import Any

from doorstep.domain.statutory_holidays import statutory_days

OK = None
AUTH = "auth.required"
NO = "auth.forbidden"

# roles: anonymous, citizen, other_citizen, staff, other_staff, supervisor, admin
ADMIN_EXPECTED: dict[str, tuple[str | None, ...]] = {
    "workingCalendar": (AUTH, NO, NO, OK, OK, OK, OK),
    "enterHolidaySchedule": (AUTH, NO, NO, NO, NO, NO, OK),
}

ADMIN_QUERIES = {
    "workingCalendar": "query { workingCalendar(first: 2026, last: 2027) { year basis } }",
    "enterHolidaySchedule": """mutation($hd: [Date!]!) { enterHolidaySchedule(input:
        {year: 2198, holidays: $hd, source: "matrix"}) { version } }""",
}

ADMIN_OPERATIONS = frozenset(ADMIN_EXPECTED)


async def prepare_admin(operation: str) -> dict[str, Any]:
    if operation == "enterHolidaySchedule":
        return {"hd": [s.day.isoformat() for s in statutory_days(2198) if s.day.weekday() < 5]}
    return {}
