"""The data-sharing list in the authorization matrix (test_authorization_matrix): the role is
decided by domain.policy, then the reading unit by the list (domain.sharing)."""

from __future__ import annotations

from tests.integration.proactive_helpers import ZHANG_WEI, resident_id_of

OK = None
AUTH = "auth.required"
NO = "auth.forbidden"
OFF_LIST = "sharing.read_not_allowed"

# ROLES: anonymous, citizen, other_citizen, staff (cy-psb), other_staff (cy-civil-affairs),
# supervisor (cy-service-center), admin
SHARING_EXPECTED: dict[str, tuple[str | None, ...]] = {
    "sharingList": (OK, OK, OK, OK, OK, OK, OK),
    "sharingListVersions": (OK, OK, OK, OK, OK, OK, OK),
    "myDataSharing": (AUTH, OK, OK, NO, NO, NO, NO),
    # 公安 registers the birth with the parents' certificates; 民政 reads the marriage
    # certificate it issued (an owner reads its own); the service centre has no grant for it:
    # refused by the list (and recorded)
    "residentData": (AUTH, NO, NO, OK, OK, OFF_LIST, NO),
    "publishSharingList": (AUTH, NO, NO, NO, NO, NO, OK),
}
SHARING_QUERIES = {
    "sharingList": "{ sharingList { version entries { key owner { code } } } }",
    "sharingListVersions": "{ sharingListVersions { version } }",
    "myDataSharing": "{ myDataSharing { items { key used { refused } } } }",
    "residentData": '{ residentData(residentId: "'
    + resident_id_of(ZHANG_WEI)
    + '", itemCode: "birth-registration") { items { key } } }',
    "publishSharingList": "mutation { publishSharingList(dryRun: true, rows: [{kind: "
    '"fact", key: "household.size", ownerUnitCode: "cy-psb", legalBasis: "户口登记条例"}]) '
    "{ published problems { code } } }",
}
