"""Things found by a number anyone can type: whoever may not touch one is told it does not
exist, exactly as for a number nobody has, so numbers cannot be counted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from doorstep.domain.delegation import DelegationStatus, Grant, Theme
from doorstep.domain.errors import DomainError, Forbidden, NotFound, Unauthenticated
from doorstep.domain.policy import (
    Actor,
    Operation,
    Role,
    Target,
    authorize_by_number,
    require_signed_in,
)

NOW = datetime.now(UTC)
MINE = Target(citizen_id=1, units={100: "110105001"}, theme=Theme.APPLICATIONS)
THEIRS = Target(citizen_id=2, units={300: "310101"}, theme=Theme.APPLICATIONS)
OWNER = Actor(Role.CITIZEN, citizen_id=1)
STRANGER = Actor(Role.CITIZEN, citizen_id=3)
UNIT_STAFF = Actor(Role.STAFF, staff_id=10, unit_id=100, region_code="110105")
OTHER_STAFF = Actor(Role.STAFF, staff_id=11, unit_id=200, region_code="110105")


def agent(themes: set[Theme]) -> Actor:
    grant = Grant(
        delegation_id=7,
        themes=frozenset(themes),
        status=DelegationStatus.ACTIVE,
        valid_from=NOW - timedelta(days=1),
        valid_until=NOW + timedelta(days=30),
    )
    return Actor(Role.AGENT, agent_citizen_id=5, principal_citizen_id=1, grant=grant)


def outcome(actor: Actor, target: Target) -> str | None:
    try:
        authorize_by_number(
            actor, Operation.APPLICATION_READ, target, NotFound("application.not_found")
        )
    except DomainError as exc:
        return exc.code
    return None


@pytest.mark.parametrize(
    ("actor", "target", "expected"),
    [
        (OWNER, MINE, None),
        (UNIT_STAFF, MINE, None),
        # not theirs: the same answer as a number nobody has
        (STRANGER, MINE, "application.not_found"),
        (OTHER_STAFF, MINE, "application.not_found"),
        (agent({Theme.APPLICATIONS}), THEIRS, "application.not_found"),
        (agent({Theme.APPLICATIONS}), MINE, None),
        # the principal's own, outside the themes: the agent learns why (nothing of anyone else)
        (agent({Theme.ELDERLY_SUBSIDY}), MINE, "delegation.out_of_scope"),
    ],
)
def test_authorize_by_number(actor: Actor, target: Target, expected: str | None) -> None:
    assert outcome(actor, target) == expected


def test_the_anonymous_are_asked_to_log_in_before_any_look_up() -> None:
    with pytest.raises(Unauthenticated):
        require_signed_in(Actor(Role.ANONYMOUS))
    require_signed_in(STRANGER)
    assert issubclass(NotFound, DomainError) and not issubclass(NotFound, Forbidden)
