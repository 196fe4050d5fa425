"""Administration's rows of the GraphQL authorization matrix (test_authorization_matrix.py):
the working-day calendar, units, staff accounts and the catalog."""

from __future__ import annotations

import uuid
from typing import Any

from doorstep.domain.statutory_holidays import statutory_days
from doorstep.store.db import Pool
from tests.integration.helpers import fresh_phone

OK = None
AUTH = "auth.required"
NO = "auth.forbidden"

# roles: anonymous, citizen, other_citizen, staff, other_staff, supervisor, admin
ADMIN_ONLY = (AUTH, NO, NO, NO, NO, NO, OK)
ADMIN_EXPECTED: dict[str, tuple[str | None, ...]] = {
    "workingCalendar": (AUTH, NO, NO, OK, OK, OK, OK),
    "enterHolidaySchedule": ADMIN_ONLY,
    "adminUnits": ADMIN_ONLY,
    "adminStaff": ADMIN_ONLY,
    "saveUnit": ADMIN_ONLY,
    "createStaffMember": ADMIN_ONLY,
    "updateStaffMember": ADMIN_ONLY,
    "serviceItemVersions": ADMIN_ONLY,
    "bundleVersions": ADMIN_ONLY,
    "publishServiceItemVersion": ADMIN_ONLY,
    "publishBundleVersion": ADMIN_ONLY,
}

ADMIN_QUERIES = {
    "workingCalendar": "query { workingCalendar(first: 2026, last: 2027) { year basis } }",
    "enterHolidaySchedule": """mutation($hd: [Date!]!) { enterHolidaySchedule(input:
        {year: 2198, holidays: $hd, source: "matrix"}) { version } }""",
    "adminUnits": "query { adminUnits { code } }",
    "adminStaff": 'query { adminStaff(unitCode: "cy-culture") { phone } }',
    "saveUnit": """mutation($uc: String!) { saveUnit(input: {code: $uc, name: "矩阵单位",
        kind: ENTERPRISE, regionCode: "110105"}) { code } }""",
    "createStaffMember": """mutation($sp: String!) { createStaffMember(input: {phone: $sp,
        name: "矩阵", role: STAFF, unitCode: "cy-culture"}) { phone } }""",
    "updateStaffMember": """mutation($sp: String!) { updateStaffMember(input: {phone: $sp,
        name: "矩阵改", role: STAFF, unitCode: "cy-culture"}) { phone } }""",
    "serviceItemVersions": 'query { serviceItemVersions(code: "nope") { version } }',
    "bundleVersions": 'query { bundleVersions(code: "nope") { version } }',
    "publishServiceItemVersion": """mutation($ic: String!) { publishServiceItemVersion(input:
        {code: $ic, name: "矩阵事项", unitCode: "cy-culture", legalDays: 5, promisedDays: 3,
         effectiveFrom: "2026-01-01"}) { version } }""",
    "publishBundleVersion": """mutation($bc: String!, $ic: String!) { publishBundleVersion(
        input: {code: $bc, name: "矩阵一件事", itemCodes: [$ic], effectiveFrom: "2026-01-01"})
        { version } }""",
}

ADMIN_OPERATIONS = frozenset(ADMIN_EXPECTED)


async def prepare_admin(pool: Pool, operation: str) -> dict[str, Any]:
    """Fresh codes and phones for each case; an account to change; an item a bundle can use."""
    if operation not in ADMIN_OPERATIONS:
        return {}
    tag = uuid.uuid4().hex[:8]
    found: dict[str, Any] = {"uc": f"mx-{tag}", "sp": fresh_phone(), "bc": f"mxb-{tag}"}
    if operation == "enterHolidaySchedule":
        found["hd"] = [s.day.isoformat() for s in statutory_days(2198) if s.day.weekday() < 5]
    if operation == "updateStaffMember":
        await pool.execute(
            "insert into staff_members (phone, name, unit_id, role) "
            "select $1, '矩阵', id, 'staff' from units where code = 'cy-culture'",
            found["sp"],
        )
    found["ic"] = f"mxi-{tag}"
    if operation == "publishBundleVersion":
        await pool.execute(
            "insert into service_items (code, name, unit_id, legal_days, promised_days) "
            "select $1, '矩阵事项', id, 5, 3 from units where code = 'cy-culture'",
            found["ic"],
        )
    return found
