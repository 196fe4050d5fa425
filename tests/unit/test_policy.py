"""The authorization matrix: every role × every operation × how the target relates to the actor.

The expected table is written out by hand, so a change to a rule shows up here as a diff.
"""

from __future__ import annotations

import pytest

from doorstep.domain.errors import Forbidden, Unauthenticated
from doorstep.domain.policy import RULES, Actor, Operation, Role, Target, authorize, is_allowed

CITIZEN = Actor(Role.CITIZEN, citizen_id=1)
STAFF = Actor(Role.STAFF, staff_id=10, unit_id=100, region_code="110105")
SUPERVISOR = Actor(Role.SUPERVISOR, staff_id=11, unit_id=101, region_code="110105")
ADMIN = Actor(Role.ADMIN, staff_id=12)
ANON = Actor(Role.ANONYMOUS)
ACTORS = {"anonymous": ANON, "citizen": CITIZEN, "staff": STAFF, "supervisor": SUPERVISOR,
          "admin": ADMIN}

# how the thing touched relates to the actor
TARGETS = {
    "none": Target(),
    "own": Target(citizen_id=1, units={100: "110105001"}),   # citizen 1's, in unit 100
    "other": Target(citizen_id=2, units={300: "310101"}),    # someone else's, unit elsewhere
    "in_region": Target(citizen_id=2, units={200: "110105001001"}),  # unit 200, in 110105
}

Y, N = True, False
# operation -> relation -> (anonymous, citizen, staff, supervisor, admin)
EXPECTED: dict[Operation, dict[str, tuple[bool, bool, bool, bool, bool]]] = {
    Operation.CATALOG_READ: {r: (Y, Y, Y, Y, Y) for r in TARGETS},
    Operation.LOGIN: {r: (Y, Y, Y, Y, Y) for r in TARGETS},
    Operation.APPLICATION_SUBMIT: {r: (N, Y, N, N, N) for r in TARGETS},
    Operation.OWN_APPLICATIONS_LIST: {r: (N, Y, N, N, N) for r in TARGETS},
    Operation.APPLICATION_READ: {
        "none": (N, N, N, N, Y),
        "own": (N, Y, Y, Y, Y),
        "other": (N, N, N, N, Y),
        "in_region": (N, N, N, Y, Y),
    },
    Operation.MATERIALS_SUPPLY: {
        "none": (N, N, N, N, N),
        "own": (N, Y, N, N, N),
        "other": (N, N, N, N, N),
        "in_region": (N, N, N, N, N),
    },
    Operation.TASK_QUEUE_READ: {r: (N, N, Y, Y, Y) for r in TARGETS},
    Operation.TASK_ACT: {
        "none": (N, N, N, N, Y),
        "own": (N, N, Y, Y, Y),
        "other": (N, N, N, N, Y),
        "in_region": (N, N, N, Y, Y),
    },
    Operation.TASK_EXTEND: {
        "none": (N, N, N, N, Y),
        "own": (N, N, Y, Y, Y),
        "other": (N, N, N, N, Y),
        "in_region": (N, N, N, Y, Y),
    },
    Operation.SLA_OVERVIEW: {r: (N, N, Y, Y, Y) for r in TARGETS},
}


def test_every_operation_has_an_expectation() -> None:
    assert set(EXPECTED) == set(Operation) == set(RULES)


@pytest.mark.parametrize("operation", list(Operation))
@pytest.mark.parametrize("relation", list(TARGETS))
@pytest.mark.parametrize("role", list(ACTORS))
def test_matrix(operation: Operation, relation: str, role: str) -> None:
    expected = EXPECTED[operation][relation][list(ACTORS).index(role)]
    actor, target = ACTORS[role], TARGETS[relation]
    assert is_allowed(actor, operation, target) is expected
    if expected:
        authorize(actor, operation, target)
    else:
        error = Unauthenticated if actor.role is Role.ANONYMOUS else Forbidden
        with pytest.raises(error):
            authorize(actor, operation, target)


def test_staff_without_unit_touch_nothing() -> None:
    loose = Actor(Role.STAFF, staff_id=13, unit_id=None)
    assert not is_allowed(loose, Operation.TASK_ACT, TARGETS["own"])
    assert not is_allowed(loose, Operation.APPLICATION_READ, TARGETS["own"])
