"""Who may do what: the one place authorization is decided.

Transports call `authorize` (through services) with the actor and what the operation touches;
tests run it as a matrix of every role against every operation.
"""

from __future__ import annotations

from dataclasses import dataclass
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
    APPLICATION_READ = "application.read"
    MATERIALS_SUPPLY = "materials.supply"
    TASK_QUEUE_READ = "task_queue.read"
    TASK_READ = "task.read"
    TASK_ACT = "task.act"


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
    """What an operation touches: whose application, which unit's task."""

    citizen_id: int | None = None
    unit_id: int | None = None
    unit_region_code: str | None = None


_PUBLIC = {Operation.CATALOG_READ, Operation.LOGIN}
_CITIZEN_OWN = {Operation.APPLICATION_SUBMIT, Operation.APPLICATION_READ,
                Operation.MATERIALS_SUPPLY}
_UNIT_WORK = {Operation.TASK_QUEUE_READ, Operation.TASK_READ, Operation.TASK_ACT}


def _in_region(actor: Actor, target: Target) -> bool:
    return bool(actor.region_code and target.unit_region_code
                and target.unit_region_code.startswith(actor.region_code))


def is_allowed(actor: Actor, operation: Operation, target: Target | None = None) -> bool:
    target = target or Target()
    if operation in _PUBLIC:
        return True
    if actor.role is Role.ANONYMOUS:
        return False
    if actor.role is Role.ADMIN:
        # admins run the system; they do not file applications in citizens' names
        return operation not in _CITIZEN_OWN or operation is Operation.APPLICATION_READ
    if actor.role is Role.CITIZEN:
        if operation is Operation.APPLICATION_SUBMIT:
            return True
        if operation in _CITIZEN_OWN:
            return target.citizen_id is not None and target.citizen_id == actor.citizen_id
        return False
    # staff and supervisors
    if operation in _UNIT_WORK:
        if target.unit_id is None:
            return operation is Operation.TASK_QUEUE_READ
        if target.unit_id == actor.unit_id:
            return True
        return actor.role is Role.SUPERVISOR and _in_region(actor, target)
    if operation is Operation.APPLICATION_READ:
        # staff read an application through one of their unit's tasks (checked as TASK_READ)
        return actor.role is Role.SUPERVISOR and _in_region(actor, target)
    return False


def authorize(actor: Actor, operation: Operation, target: Target | None = None) -> None:
    if is_allowed(actor, operation, target):
        return
    if actor.role is Role.ANONYMOUS:
        raise Unauthenticated("auth.required")
    raise Forbidden("auth.forbidden")
