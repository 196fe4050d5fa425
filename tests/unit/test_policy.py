"""The authorization matrix: every role × every operation × how the target relates to the actor.

The expected table is written out by hand, so a change to a rule shows up here as a diff.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from doorstep.domain.delegation import DelegationStatus, Grant, Theme
from doorstep.domain.errors import Forbidden, Unauthenticated
from doorstep.domain.policy import RULES, Actor, Operation, Role, Target, authorize, is_allowed

CITIZEN = Actor(Role.CITIZEN, citizen_id=1)
STAFF = Actor(Role.STAFF, staff_id=10, unit_id=100, region_code="110105")
SUPERVISOR = Actor(Role.SUPERVISOR, staff_id=11, unit_id=101, region_code="110105")
ADMIN = Actor(Role.ADMIN, staff_id=12)
ANON = Actor(Role.ANONYMOUS)
ACTORS = {
    "anonymous": ANON,
    "citizen": CITIZEN,
    "staff": STAFF,
    "supervisor": SUPERVISOR,
    "admin": ADMIN,
}

# how the thing touched relates to the actor
TARGETS = {
    "none": Target(),
    "own": Target(
        citizen_id=1,
        units={100: "110105001"},  # citizen 1's, in unit 100
        regions=("110105001",),
    ),
    "other": Target(
        citizen_id=2,
        units={300: "310101"},  # someone else's, unit elsewhere
        regions=("310101",),
    ),
    "in_region": Target(
        citizen_id=2,
        units={200: "110105001001"},  # unit 200, in 110105
        regions=("110105001001",),
    ),
}

Y, N = True, False
# the citizen's own data only
_OWN_ONLY = {
    "none": (N, N, N, N, N),
    "own": (N, Y, N, N, N),
    "other": (N, N, N, N, N),
    "in_region": (N, N, N, N, N),
}
# staff of the unit, supervisors of its region, admin
_UNIT_OR_REGION = {
    "none": (N, N, N, N, Y),
    "own": (N, N, Y, Y, Y),
    "other": (N, N, N, N, Y),
    "in_region": (N, N, N, Y, Y),
}
# operation -> relation -> (anonymous, citizen, staff, supervisor, admin)
EXPECTED: dict[Operation, dict[str, tuple[bool, bool, bool, bool, bool]]] = {
    Operation.CATALOG_READ: {r: (Y, Y, Y, Y, Y) for r in TARGETS},
    Operation.PUBLIC_TICKETS_READ: {r: (Y, Y, Y, Y, Y) for r in TARGETS},
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
    Operation.NOTIFICATIONS_OWN: {r: (N, Y, N, N, N) for r in TARGETS},
    Operation.PREFERENCES_SET: {r: (N, Y, N, N, N) for r in TARGETS},
    Operation.DELEGATION_REQUEST: {r: (N, Y, N, N, N) for r in TARGETS},
    Operation.DELEGATION_ANSWER: {
        "none": (N, N, N, N, N),
        "own": (N, Y, N, N, N),
        "other": (N, N, N, N, N),
        "in_region": (N, N, N, N, N),
    },
    Operation.DELEGATION_CONSENT_IN_PERSON: {r: (N, N, Y, Y, N) for r in TARGETS},
    Operation.DELEGATION_LIST: {r: (N, Y, N, N, N) for r in TARGETS},
    Operation.DELEGATION_REVOKE: {
        "none": (N, N, N, N, N),
        "own": (N, Y, N, N, N),
        "other": (N, N, N, N, N),
        "in_region": (N, N, N, N, N),
    },
    Operation.DATA_ACCESS_LOG_READ: {
        "none": (N, N, N, N, N),
        "own": (N, Y, N, N, N),
        "other": (N, N, N, N, N),
        "in_region": (N, N, N, N, N),
    },
    Operation.APPLICATION_SUBMIT_ASSISTED: {r: (N, N, Y, Y, N) for r in TARGETS},
    # an agent's money-moving action: only agents ask (see the agent matrix), citizens list
    # their own (the service filters), and only the principal answers
    Operation.CONFIRMATION_REQUEST: {r: (N, N, N, N, N) for r in TARGETS},
    Operation.CONFIRMATION_LIST: {r: (N, Y, N, N, N) for r in TARGETS},
    Operation.CONFIRMATION_ANSWER: _OWN_ONLY,
    # the citizen's own vault and offers; units' facts, corrections, rules, appeals
    # and visits by unit (staff), region (supervisors) or anywhere (admin)
    **{
        op: _OWN_ONLY
        for op in (
            Operation.VAULT_READ,
            Operation.VAULT_WRITE,
            Operation.APPLICATION_FORM_READ,
            Operation.FACT_FLAG,
            Operation.OFFER_LIST,
            Operation.OFFER_RESPOND,
            Operation.OFFER_OPT_OUT,
        )
    },
    Operation.VAULT_FACT_RECORD: {
        "none": (N, N, N, N, Y),
        "own": (N, N, Y, N, Y),
        "other": (N, N, N, N, Y),
        "in_region": (N, N, N, N, Y),
    },
    **{
        op: {r: (N, N, Y, Y, Y) for r in TARGETS}
        for op in (
            Operation.CORRECTION_QUEUE_READ,
            Operation.APPEAL_QUEUE_READ,
            Operation.WELFARE_QUEUE_READ,
            Operation.RULE_READ,
        )
    },
    **{
        op: _UNIT_OR_REGION
        for op in (
            Operation.CORRECTION_RESOLVE,
            Operation.APPEAL_DECIDE,
            Operation.WELFARE_CHECK_COMPLETE,
            Operation.RULE_DRY_RUN,
        )
    },
    Operation.RULE_PUBLISH: {
        "none": (N, N, N, N, Y),
        "own": (N, N, N, Y, Y),
        "other": (N, N, N, N, Y),
        "in_region": (N, N, N, Y, Y),
    },
    Operation.RULES_RUN: {r: (N, N, N, N, Y) for r in TARGETS},
    # tickets: citizens file and follow their own; any clerk files for a caller; the
    # lead unit (or the region's supervisors) acts; supervisors review, redispatch and manage
    # the dispatch rules of their region (a rule's `regions` must lie within theirs)
    Operation.TICKET_SUBMIT: {r: (N, Y, N, N, N) for r in TARGETS},
    Operation.TICKET_SUBMIT_FOR_CITIZEN: {r: (N, N, Y, Y, Y) for r in TARGETS},
    Operation.OWN_TICKETS_LIST: {r: (N, Y, N, N, N) for r in TARGETS},
    Operation.TICKET_READ: {
        "none": (N, N, N, N, Y),
        "own": (N, Y, Y, Y, Y),
        "other": (N, N, N, N, Y),
        "in_region": (N, N, N, Y, Y),
    },
    Operation.TICKET_QUEUE_READ: {r: (N, N, Y, Y, Y) for r in TARGETS},
    Operation.TICKET_ACT: _UNIT_OR_REGION,
    Operation.TICKET_EXTEND: _UNIT_OR_REGION,
    Operation.TICKET_REVIEW_QUEUE: {r: (N, N, N, Y, Y) for r in TARGETS},
    Operation.TICKET_REDISPATCH: {
        "none": (N, N, N, N, Y),
        "own": (N, N, N, Y, Y),
        "other": (N, N, N, N, Y),
        "in_region": (N, N, N, Y, Y),
    },
    Operation.TICKET_FOLLOW_UP: _OWN_ONLY,
    Operation.TICKET_FOLLOW_UP_AT_COUNTER: {r: (N, N, Y, Y, N) for r in TARGETS},
    Operation.TICKET_RATE: _OWN_ONLY,
    Operation.TICKET_RATE_AT_COUNTER: {r: (N, N, Y, Y, N) for r in TARGETS},
    Operation.RECTIFICATION_ACT: _UNIT_OR_REGION,
    Operation.TICKET_RATES_READ: {r: (N, N, Y, Y, Y) for r in TARGETS},
    Operation.DISPATCH_RULES_READ: {r: (N, N, N, Y, Y) for r in TARGETS},
    Operation.DISPATCH_RULES_MANAGE: {
        "none": (N, N, N, N, Y),
        "own": (N, N, N, Y, Y),
        "other": (N, N, N, N, Y),
        "in_region": (N, N, N, Y, Y),
    },
    # the ticket catalog: supervisors and the admin read it; categories are city-wide (the
    # admin's); what a unit serves and a region's fallback: the units and regions named must
    # all lie within the supervisor's region
    Operation.TICKET_CATALOG_READ: {r: (N, N, N, Y, Y) for r in TARGETS},
    Operation.TICKET_CATEGORY_MANAGE: {r: (N, N, N, N, Y) for r in TARGETS},
    Operation.UNIT_SERVICE_AREAS_MANAGE: {
        "none": (N, N, N, N, Y),
        "own": (N, N, N, Y, Y),
        "other": (N, N, N, N, Y),
        "in_region": (N, N, N, Y, Y),
    },
    Operation.REGION_FALLBACK_MANAGE: {
        "none": (N, N, N, N, Y),
        "own": (N, N, N, Y, Y),
        "other": (N, N, N, N, Y),
        "in_region": (N, N, N, Y, Y),
    },
    # real identity: verifying is the citizen's own act; conflicts and the log-in record are
    # the staff side's
    Operation.IDENTITY_VERIFY: {r: (N, Y, N, N, N) for r in TARGETS},
    Operation.IDENTITY_CONFLICT_READ: {r: (N, N, N, Y, Y) for r in TARGETS},
    Operation.IDENTITY_CONFLICT_DECIDE: {r: (N, N, N, Y, Y) for r in TARGETS},
    Operation.STAFF_TOTP_ENROL: {r: (N, N, Y, Y, Y) for r in TARGETS},
    Operation.STAFF_TOTP_ENROL_OTHER: {r: (N, N, N, N, Y) for r in TARGETS},
    Operation.STAFF_LOGINS_READ: {r: (N, N, N, N, Y) for r in TARGETS},
    # 好差评 and 申请复核 of applications: the citizen's own; at the counter any clerk records a
    # rating; a review is decided in the task's unit or by its region's supervisors
    Operation.APPLICATION_RATE: _OWN_ONLY,
    Operation.APPLICATION_RATE_AT_COUNTER: {r: (N, N, Y, Y, N) for r in TARGETS},
    Operation.TASK_REVIEW_REQUEST: _OWN_ONLY,
    Operation.TASK_REVIEW_REQUEST_AT_COUNTER: {r: (N, N, Y, Y, N) for r in TARGETS},
    Operation.TASK_REVIEW_QUEUE: {r: (N, N, Y, Y, Y) for r in TARGETS},
    Operation.TASK_REVIEW_DECIDE: _UNIT_OR_REGION,
    Operation.PRIORITY_READ: _OWN_ONLY,
    Operation.ESCORT_SLOTS_READ: {r: (N, Y, Y, Y, Y) for r in TARGETS},
    Operation.ESCORT_SLOTS_MANAGE: _UNIT_OR_REGION,
    Operation.ESCORT_BOOK: _OWN_ONLY,
    Operation.ESCORT_ROSTER: _UNIT_OR_REGION,
    # a broadcast to a region: supervisors within their own region, admins anywhere
    Operation.BROADCAST_SEND: {
        "none": (N, N, N, N, Y),
        "own": (N, N, N, Y, Y),
        "other": (N, N, N, N, Y),
        "in_region": (N, N, N, Y, Y),
    },
    # administration: staff read the calendar; the rest is the admin's alone
    Operation.HOLIDAYS_READ: {r: (N, N, Y, Y, Y) for r in TARGETS},
    Operation.HOLIDAYS_MANAGE: {r: (N, N, N, N, Y) for r in TARGETS},
    Operation.ADMINISTRATION_READ: {r: (N, N, N, N, Y) for r in TARGETS},
    Operation.UNITS_MANAGE: {r: (N, N, N, N, Y) for r in TARGETS},
    Operation.STAFF_MANAGE: {r: (N, N, N, N, Y) for r in TARGETS},
    Operation.CATALOG_MANAGE: {r: (N, N, N, N, Y) for r in TARGETS},
    Operation.DISTRICT_IMPORT: {r: (N, N, N, N, Y) for r in TARGETS},
    # 数据共享责任清单: the list is public, published by admins; a citizen's own view; a
    # unit's clerk (or supervisor) reads for an item, the list then decides (domain.sharing)
    Operation.SHARING_LIST_READ: {r: (Y, Y, Y, Y, Y) for r in TARGETS},
    Operation.SHARING_LIST_PUBLISH: {r: (N, N, N, N, Y) for r in TARGETS},
    Operation.MY_DATA_SHARING_READ: _OWN_ONLY,
    Operation.RESIDENT_DATA_READ: {r: (N, N, Y, Y, N) for r in TARGETS},
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


@pytest.mark.parametrize(
    "operation", [Operation.UNIT_SERVICE_AREAS_MANAGE, Operation.REGION_FALLBACK_MANAGE]
)
def test_a_supervisor_touches_no_unit_or_region_outside_theirs(operation: Operation) -> None:
    inside_unit, outside_unit = {200: "110105001"}, {300: "310101"}
    # a unit of the region serving (or falling back for) a region elsewhere, and the reverse
    assert not is_allowed(SUPERVISOR, operation, Target(units=inside_unit, regions=("310101",)))
    assert not is_allowed(SUPERVISOR, operation, Target(units=outside_unit, regions=("110105001",)))
    assert not is_allowed(
        SUPERVISOR, operation, Target(units=inside_unit, regions=("110105001", "110106"))
    )
    # clearing a fallback names only the region
    assert is_allowed(SUPERVISOR, operation, Target(regions=("110105002",)))
    no_region = Actor(Role.SUPERVISOR, staff_id=14, unit_id=101)
    assert not is_allowed(no_region, operation, Target(units=inside_unit, regions=("110105001",)))
    assert is_allowed(ADMIN, operation, Target(units=outside_unit, regions=("310101",)))


def test_staff_without_unit_touch_nothing() -> None:
    loose = Actor(Role.STAFF, staff_id=13, unit_id=None)
    assert not is_allowed(loose, Operation.TASK_ACT, TARGETS["own"])
    assert not is_allowed(loose, Operation.APPLICATION_READ, TARGETS["own"])


# -- agents (帮办代办): four kinds of agent × every operation × how the target relates ---------

_NOW = datetime.now(UTC)
_DAY = timedelta(days=1)


def _agent(
    themes: set[Theme],
    status: DelegationStatus = DelegationStatus.ACTIVE,
    *,
    until: datetime = _NOW + 30 * _DAY,
) -> Actor:
    grant = Grant(
        delegation_id=7,
        themes=frozenset(themes),
        status=status,
        valid_from=_NOW - _DAY,
        valid_until=until,
    )
    return Actor(Role.AGENT, agent_citizen_id=5, principal_citizen_id=1, grant=grant)


AGENTS = {
    "agent_with_scope": _agent({Theme.APPLICATIONS}),
    "agent_without_scope": _agent({Theme.MEDICAL_INSURANCE}),
    "agent_expired": _agent({Theme.ALL}, until=_NOW - _DAY),
    "agent_revoked": _agent({Theme.ALL}, DelegationStatus.REVOKED),
    "agent_every_theme": _agent({Theme.ALL}),
}
AGENT_TARGETS = {
    "principal_in_theme": Target(citizen_id=1, units={100: "110105001"}, theme=Theme.APPLICATIONS),
    "principal_other_theme": Target(citizen_id=1, theme=Theme.ELDERLY_SUBSIDY),
    "principal_money": Target(citizen_id=1, theme=Theme.APPLICATIONS, moves_money=True),
    "principal_no_theme": Target(citizen_id=1),
    "someone_else": Target(citizen_id=2, theme=Theme.APPLICATIONS),
}
# relation -> (with scope, without scope, expired, revoked, every theme)
IN_SCOPE = {
    "principal_in_theme": (Y, N, N, N, Y),
    "principal_other_theme": (N, N, N, N, Y),
    "principal_money": (N, N, N, N, N),
    "principal_no_theme": (N, N, N, N, N),
    "someone_else": (N, N, N, N, N),
}
ANY_SCOPE = {
    "principal_in_theme": (Y, Y, N, N, Y),
    "principal_other_theme": (Y, Y, N, N, Y),
    "principal_money": (Y, Y, N, N, Y),
    "principal_no_theme": (Y, Y, N, N, Y),
    "someone_else": (N, N, N, N, N),
}
# asking the principal to confirm: the theme covered, money or not
COVERS = {
    "principal_in_theme": (Y, N, N, N, Y),
    "principal_other_theme": (N, N, N, N, Y),
    "principal_money": (Y, N, N, N, Y),
    "principal_no_theme": (N, N, N, N, N),
    "someone_else": (N, N, N, N, N),
}
# what spans all the principal's data: only a delegation for every theme
EVERY_THEME = {
    "principal_in_theme": (N, N, N, N, Y),
    "principal_other_theme": (N, N, N, N, Y),
    "principal_money": (N, N, N, N, Y),
    "principal_no_theme": (N, N, N, N, Y),
    "someone_else": (N, N, N, N, N),
}
EVERYONE = {r: (Y, Y, Y, Y, Y) for r in AGENT_TARGETS}
NOBODY = {r: (N, N, N, N, N) for r in AGENT_TARGETS}
# what an agent may do for their principal, written out by hand: acting on one thing needs its
# theme in the delegation (and no money moving); lists and logs need only an active delegation
AGENT_OPERATIONS: dict[Operation, dict[str, tuple[bool, bool, bool, bool, bool]]] = {
    Operation.CATALOG_READ: EVERYONE,
    Operation.PUBLIC_TICKETS_READ: EVERYONE,
    Operation.LOGIN: EVERYONE,
    Operation.SHARING_LIST_READ: EVERYONE,
    Operation.APPLICATION_SUBMIT: IN_SCOPE,
    Operation.APPLICATION_READ: IN_SCOPE,
    Operation.MATERIALS_SUPPLY: IN_SCOPE,
    Operation.APPLICATION_FORM_READ: COVERS,
    Operation.OFFER_RESPOND: IN_SCOPE,
    Operation.OWN_APPLICATIONS_LIST: ANY_SCOPE,
    Operation.DATA_ACCESS_LOG_READ: ANY_SCOPE,
    Operation.OFFER_LIST: ANY_SCOPE,
    Operation.TICKET_SUBMIT: ANY_SCOPE,
    # tickets only under a delegation covering their theme (general matters)
    Operation.OWN_TICKETS_LIST: COVERS,
    Operation.TICKET_READ: COVERS,
    Operation.CONFIRMATION_REQUEST: COVERS,
    Operation.CONFIRMATION_LIST: ANY_SCOPE,
    # rating a finished application and asking for a refusal's review: the bundle's theme
    # covered (neither moves money, so a money-moving bundle's too)
    Operation.APPLICATION_RATE: COVERS,
    Operation.TASK_REVIEW_REQUEST: COVERS,
    # 优先办: an agent sees whether their principal is served first, whatever the themes
    Operation.PRIORITY_READ: ANY_SCOPE,
    # 陪同办: slots and one's own place, under any active delegation
    Operation.ESCORT_SLOTS_READ: ANY_SCOPE,
    Operation.ESCORT_BOOK: ANY_SCOPE,
    # 数据共享: each item of the principal's data and who used it
    Operation.MY_DATA_SHARING_READ: EVERY_THEME,
}


def test_every_agent_rule_is_written_out() -> None:
    granted = {op for op, rules in RULES.items() if Role.AGENT in rules}
    assert granted == set(AGENT_OPERATIONS)


@pytest.mark.parametrize("operation", list(Operation))
@pytest.mark.parametrize("relation", list(AGENT_TARGETS))
@pytest.mark.parametrize("agent", list(AGENTS))
def test_agent_matrix(operation: Operation, relation: str, agent: str) -> None:
    expected = AGENT_OPERATIONS.get(operation, NOBODY)[relation][list(AGENTS).index(agent)]
    actor, target = AGENTS[agent], AGENT_TARGETS[relation]
    assert is_allowed(actor, operation, target) is expected
    if not expected:
        with pytest.raises(Forbidden):
            authorize(actor, operation, target)


@pytest.mark.parametrize(
    ("agent", "relation", "code"),
    [
        ("agent_with_scope", "principal_other_theme", "delegation.out_of_scope"),
        ("agent_without_scope", "principal_in_theme", "delegation.out_of_scope"),
        ("agent_with_scope", "principal_money", "delegation.principal_must_act"),
        ("agent_expired", "principal_in_theme", "delegation.inactive"),
        ("agent_revoked", "principal_in_theme", "delegation.inactive"),
        ("agent_with_scope", "someone_else", "auth.forbidden"),
        ("agent_without_scope", "principal_money", "delegation.out_of_scope"),
    ],
)
def test_agents_are_told_why(agent: str, relation: str, code: str) -> None:
    with pytest.raises(Forbidden) as refused:
        authorize(AGENTS[agent], Operation.APPLICATION_SUBMIT, AGENT_TARGETS[relation])
    assert refused.value.code == code


@pytest.mark.parametrize(
    ("agent", "relation", "code"),
    [
        ("agent_with_scope", "principal_no_theme", "delegation.out_of_scope"),
        ("agent_without_scope", "principal_no_theme", "delegation.out_of_scope"),
        ("agent_expired", "principal_no_theme", "delegation.inactive"),
        ("agent_every_theme", "someone_else", "auth.forbidden"),
    ],
)
def test_an_agent_is_told_why_the_data_sharing_view_is_refused(
    agent: str, relation: str, code: str
) -> None:
    with pytest.raises(Forbidden) as refused:
        authorize(AGENTS[agent], Operation.MY_DATA_SHARING_READ, AGENT_TARGETS[relation])
    assert refused.value.code == code


def test_an_agent_without_a_delegation_does_nothing() -> None:
    stranger = Actor(Role.AGENT, agent_citizen_id=5, principal_citizen_id=1, grant=None)
    for operation in Operation:
        if operation in (
            Operation.CATALOG_READ,
            Operation.PUBLIC_TICKETS_READ,
            Operation.LOGIN,
            Operation.SHARING_LIST_READ,
        ):
            continue
        assert not is_allowed(stranger, operation, AGENT_TARGETS["principal_in_theme"])
    with pytest.raises(Forbidden) as refused:
        authorize(stranger, Operation.OWN_APPLICATIONS_LIST, AGENT_TARGETS["principal_no_theme"])
    assert refused.value.code == "delegation.not_found"


def test_money_moving_operations_are_never_an_agents(monkeypatch: pytest.MonkeyPatch) -> None:
    """An operation marked as moving money refuses agents whatever their scope; the principal
    still may."""
    from doorstep.domain import policy

    monkeypatch.setattr(policy, "MOVES_MONEY", frozenset({Operation.MATERIALS_SUPPLY}))
    target = AGENT_TARGETS["principal_in_theme"]
    assert not is_allowed(AGENTS["agent_with_scope"], Operation.MATERIALS_SUPPLY, target)
    with pytest.raises(Forbidden) as refused:
        authorize(AGENTS["agent_with_scope"], Operation.MATERIALS_SUPPLY, target)
    assert refused.value.code == "delegation.principal_must_act"
    assert is_allowed(CITIZEN, Operation.MATERIALS_SUPPLY, target)


@pytest.mark.parametrize("agent", list(AGENTS))
@pytest.mark.parametrize("relation", list(AGENT_TARGETS))
def test_confirming_is_never_an_agents(agent: str, relation: str) -> None:
    """Confirming a money-moving action is the principal's own act: every agent is refused,
    an active one with the code that says so."""
    actor, target = AGENTS[agent], AGENT_TARGETS[relation]
    assert not is_allowed(actor, Operation.CONFIRMATION_ANSWER, target)
    with pytest.raises(Forbidden) as refused:
        authorize(actor, Operation.CONFIRMATION_ANSWER, target)
    active = agent in ("agent_with_scope", "agent_without_scope", "agent_every_theme")
    assert (refused.value.code == "delegation.principal_must_act") is active


@pytest.mark.parametrize(
    ("agent", "relation", "code"),
    [
        ("agent_without_scope", "principal_money", "delegation.out_of_scope"),
        ("agent_expired", "principal_money", "delegation.inactive"),
        ("agent_revoked", "principal_money", "delegation.inactive"),
        ("agent_with_scope", "someone_else", "auth.forbidden"),
    ],
)
def test_asking_for_a_confirmation_is_refused_why(agent: str, relation: str, code: str) -> None:
    with pytest.raises(Forbidden) as refused:
        authorize(AGENTS[agent], Operation.CONFIRMATION_REQUEST, AGENT_TARGETS[relation])
    assert refused.value.code == code


def test_what_waits_for_the_principals_confirmation() -> None:
    from doorstep.domain.policy import confirmation_needed

    money, plain = AGENT_TARGETS["principal_money"], AGENT_TARGETS["principal_in_theme"]
    agent = AGENTS["agent_with_scope"]
    assert confirmation_needed(agent, Operation.APPLICATION_SUBMIT, money)
    assert confirmation_needed(agent, Operation.OFFER_RESPOND, money)
    # what moves no money is done (or refused) at once; other operations are never proposed
    assert not confirmation_needed(agent, Operation.APPLICATION_SUBMIT, plain)
    assert not confirmation_needed(agent, Operation.MATERIALS_SUPPLY, money)
    # the principal herself just applies
    assert not confirmation_needed(CITIZEN, Operation.APPLICATION_SUBMIT, money)
    # an inactive agent is "needed" too: the request is then refused by its own rule
    assert confirmation_needed(AGENTS["agent_revoked"], Operation.APPLICATION_SUBMIT, money)
