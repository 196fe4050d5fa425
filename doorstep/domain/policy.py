"""Who may do what: the one place authorization is decided.

Each operation has a rule per role; a role without a rule is refused. Transports never decide:
services call `authorize` with the actor and what the operation touches, and the tests run it as
a matrix of every role against every operation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from doorstep.domain.errors import Forbidden, Unauthenticated


class Role(StrEnum):
    ANONYMOUS = "anonymous"
    CITIZEN = "citizen"
    STAFF = "staff"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


class Operation(StrEnum):
    CATALOG_READ = "catalog.read"
    LOGIN = "login"
    APPLICATION_SUBMIT = "application.submit"
    OWN_APPLICATIONS_LIST = "own_applications.list"
    APPLICATION_READ = "application.read"
    MATERIALS_SUPPLY = "materials.supply"
    TASK_QUEUE_READ = "task_queue.read"
    TASK_ACT = "task.act"
    TASK_EXTEND = "task.extend"
    SLA_OVERVIEW = "sla.overview"


@dataclass(frozen=True)
class Actor:
    role: Role
    session_id: int | None = None
    citizen_id: int | None = None
    staff_id: int | None = None
    unit_id: int | None = None
    # supervisors oversee the units whose region code starts with this
    region_code: str | None = None
    language: str = "zh_Hans"
    elder_mode: bool = False

    @property
    def is_staff_side(self) -> bool:
        return self.role in (Role.STAFF, Role.SUPERVISOR, Role.ADMIN)


ANONYMOUS = Actor(role=Role.ANONYMOUS)


@dataclass(frozen=True)
class Target:
    """What an operation touches: whose data, and which units (with their regions) hold it."""

    citizen_id: int | None = None
    # unit id -> region code, for every unit that has a part in it (a task, an application)
    units: dict[int, str] = field(default_factory=dict)

    @classmethod
    def unit(cls, unit_id: int, region_code: str) -> Target:
        return cls(units={unit_id: region_code})


Check = Callable[[Actor, Target], bool]


def _anyone(_actor: Actor, _target: Target) -> bool:
    return True


def _own(actor: Actor, target: Target) -> bool:
    return target.citizen_id is not None and target.citizen_id == actor.citizen_id


def _own_unit(actor: Actor, target: Target) -> bool:
    return actor.unit_id is not None and actor.unit_id in target.units


def _own_unit_or_region(actor: Actor, target: Target) -> bool:
    region = actor.region_code
    return _own_unit(actor, target) or bool(
        region and any(code.startswith(region) for code in target.units.values())
    )


_EVERY_ROLE: dict[Role, Check] = dict.fromkeys(Role, _anyone)

RULES: dict[Operation, dict[Role, Check]] = {
    Operation.CATALOG_READ: _EVERY_ROLE,
    Operation.LOGIN: _EVERY_ROLE,
    # applying is the citizen's own act; staff-assisted applications are a separate operation
    Operation.APPLICATION_SUBMIT: {Role.CITIZEN: _anyone},
    Operation.OWN_APPLICATIONS_LIST: {Role.CITIZEN: _anyone},
    Operation.APPLICATION_READ: {
        Role.CITIZEN: _own,
        Role.STAFF: _own_unit,
        Role.SUPERVISOR: _own_unit_or_region,
        Role.ADMIN: _anyone,
    },
    Operation.MATERIALS_SUPPLY: {Role.CITIZEN: _own},
    # the queue is always filtered to the actor's own unit or region by the service
    Operation.TASK_QUEUE_READ: {Role.STAFF: _anyone, Role.SUPERVISOR: _anyone,
                                Role.ADMIN: _anyone},
    Operation.TASK_ACT: {
        Role.STAFF: _own_unit,
        Role.SUPERVISOR: _own_unit_or_region,
        Role.ADMIN: _anyone,
    },
    Operation.TASK_EXTEND: {
        Role.STAFF: _own_unit,
        Role.SUPERVISOR: _own_unit_or_region,
        Role.ADMIN: _anyone,
    },
    # overdue / due-soon lists and on-time counts, filtered by the service to the actor's unit
    # (staff) or region (supervisors)
    Operation.SLA_OVERVIEW: {Role.STAFF: _anyone, Role.SUPERVISOR: _anyone, Role.ADMIN: _anyone},
}


def is_allowed(actor: Actor, operation: Operation, target: Target | None = None) -> bool:
    check = RULES[operation].get(actor.role)
    return check is not None and check(actor, target or Target())


def authorize(actor: Actor, operation: Operation, target: Target | None = None) -> None:
    if is_allowed(actor, operation, target):
        return
    if actor.role is Role.ANONYMOUS:
        raise Unauthenticated("auth.required")
    raise Forbidden("auth.forbidden")
