"""Real identity's rows of the GraphQL authorization matrix (test_authorization_matrix):
verifying is the citizen's own act (the demo citizens are verified already, so a start answers
as such once authorized); conflicts are for supervisors and admins; staff enrol their own second
factor; the staff log-in record is the admins'."""

from __future__ import annotations

from typing import Any

from tests.integration.conftest import CITIZEN_PHONE
from tests.integration.proactive_helpers import resident_id_of

OK = None
AUTH = "auth.required"
NO = "auth.forbidden"

# roles: anonymous, citizen, other_citizen, staff, other_staff, supervisor, admin
IDENTITY_EXPECTED: dict[str, tuple[str | None, ...]] = {
    "myIdentity": (AUTH, OK, OK, NO, NO, NO, NO),
    "startIdentityVerification": (
        AUTH,
        "identity.already_verified",
        "resident_id.mismatch",
        NO,
        NO,
        NO,
        NO,
    ),
    "finishIdentityVerification": (
        AUTH,
        "identity.verification_not_found",
        "identity.verification_not_found",
        NO,
        NO,
        NO,
        NO,
    ),
    "identityConflicts": (AUTH, NO, NO, NO, NO, OK, OK),
    "decideIdentityConflict": (
        AUTH,
        NO,
        NO,
        NO,
        NO,
        "identity.conflict_not_found",
        "identity.conflict_not_found",
    ),
}
# every staff session of the tests has its second factor (the log-in helper enrols it), so a
# staff member's own enrolment answers as such once authorized
ENROLLED = "staff_totp.already_enrolled"
IDENTITY_EXPECTED.update(
    {
        "enrolStaffTotp": (AUTH, NO, NO, ENROLLED, ENROLLED, ENROLLED, ENROLLED),
        "staffLogins": (AUTH, NO, NO, NO, NO, NO, OK),
        "enrolStaffTotpFor": (AUTH, NO, NO, NO, NO, NO, "staff.not_found"),
    }
)
IDENTITY_QUERIES = {
    "enrolStaffTotp": "mutation { enrolStaffTotp }",
    "staffLogins": "{ staffLogins(limit: 5) { id success } }",
    "enrolStaffTotpFor": 'mutation { enrolStaffTotpFor(staffId: "999999999") }',
    "myIdentity": "{ myIdentity { verified } }",
    "startIdentityVerification": "mutation($idr: String!) { startIdentityVerification("
    'name: "张伟", residentId: $idr) { id } }',
    "finishIdentityVerification": 'mutation { finishIdentityVerification(id: "999999999") '
    "{ status } }",
    "identityConflicts": "{ identityConflicts { id } }",
    "decideIdentityConflict": 'mutation { decideIdentityConflict(id: "999999999", '
    'decision: KEEP, reason: "本人已核实") { id } }',
}


def prepare_identity(operation: str) -> dict[str, Any]:
    if operation != "startIdentityVerification":
        return {}
    return {"idr": resident_id_of(CITIZEN_PHONE)}
