"""Who may do what: the one place authorization is decided.

Each operation has a rule per role; a role without a rule is refused. Transports never decide:
services call `authorize` with the actor and what the operation touches, and the tests run it as
a matrix of every role against every operation. Which unit may state, correct or read which
piece of a citizen's data (数据共享责任清单) is decided beside it, by `domain.sharing.decide`,
once the role is allowed here; it has its own matrix (unit x fact type x action).

Size: the one authorization table, every operation beside the others; it reads (and is
reviewed) as a whole.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

from doorstep.domain.delegation import Grant, Theme, covers
from doorstep.domain.errors import DomainError, Forbidden, Unauthenticated


class Role(StrEnum):
    ANONYMOUS = "anonymous"
    CITIZEN = "citizen"
    STAFF = "staff"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"
    # a citizen acting for another (帮办代办) through a delegation: see Actor.grant
    AGENT = "agent"


class Operation(StrEnum):
    CATALOG_READ = "catalog.read"
    # the public fields of every ticket (Open311 GET requests without a key): no personal
    # data, the place coarsened
    PUBLIC_TICKETS_READ = "public_tickets.read"
    LOGIN = "login"
    APPLICATION_SUBMIT = "application.submit"
    OWN_APPLICATIONS_LIST = "own_applications.list"
    APPLICATION_READ = "application.read"
    MATERIALS_SUPPLY = "materials.supply"
    TASK_QUEUE_READ = "task_queue.read"
    TASK_ACT = "task.act"
    TASK_EXTEND = "task.extend"
    SLA_OVERVIEW = "sla.overview"
    PREFERENCES_SET = "preferences.set"
    # the citizen's own push subscriptions and "how we told you"
    NOTIFICATIONS_OWN = "notifications.own"
    DELEGATION_REQUEST = "delegation.request"
    # the principal consents or refuses in the app
    DELEGATION_ANSWER = "delegation.answer"
    # staff record a consent given at the counter, with their checks
    DELEGATION_CONSENT_IN_PERSON = "delegation.consent_in_person"
    DELEGATION_LIST = "delegation.list"
    DELEGATION_REVOKE = "delegation.revoke"
    DATA_ACCESS_LOG_READ = "data_access_log.read"
    # an agent's action that moves money or property waits for the principal's own
    # confirmation: the agent asks for it, both list it, only the principal answers it
    CONFIRMATION_REQUEST = "confirmation.request"
    CONFIRMATION_LIST = "confirmation.list"
    CONFIRMATION_ANSWER = "confirmation.answer"
    # a clerk starts an application for a walk-in citizen, recording their consent
    APPLICATION_SUBMIT_ASSISTED = "application.submit_assisted"
    # the once-only vault (一次采集、多次使用) and services that find people (服务找人)
    VAULT_READ = "vault.read"
    VAULT_WRITE = "vault.write"
    APPLICATION_FORM_READ = "application_form.read"
    VAULT_FACT_RECORD = "vault.fact_record"
    FACT_FLAG = "vault.fact_flag"
    CORRECTION_QUEUE_READ = "correction.queue_read"
    CORRECTION_RESOLVE = "correction.resolve"
    OFFER_LIST = "offer.list"
    OFFER_RESPOND = "offer.respond"
    OFFER_OPT_OUT = "offer.opt_out"
    RULE_READ = "rule.read"
    RULE_DRY_RUN = "rule.dry_run"
    RULE_PUBLISH = "rule.publish"
    RULES_RUN = "rules.run"
    # one SMS template to every citizen of a region (or a list): within one's own region
    BROADCAST_SEND = "broadcast.send"
    APPEAL_QUEUE_READ = "appeal.queue_read"
    APPEAL_DECIDE = "appeal.decide"
    WELFARE_QUEUE_READ = "welfare.queue_read"
    WELFARE_CHECK_COMPLETE = "welfare.complete"
    # tickets (诉求 / 工单): the 12345 loop
    TICKET_SUBMIT = "ticket.submit"
    # a hotline clerk types in a caller's ticket on their behalf
    TICKET_SUBMIT_FOR_CITIZEN = "ticket.submit_for_citizen"
    OWN_TICKETS_LIST = "own_tickets.list"
    TICKET_READ = "ticket.read"
    TICKET_QUEUE_READ = "ticket_queue.read"
    # acknowledge (签收), return (退单), resolve (办结): the lead unit's acts
    TICKET_ACT = "ticket.act"
    TICKET_EXTEND = "ticket.extend"
    TICKET_REVIEW_QUEUE = "ticket_review.queue"
    TICKET_REDISPATCH = "ticket.redispatch"
    # "solved / not solved" (回访) and the rating (好差评) are the ticket's citizen's alone
    TICKET_FOLLOW_UP = "ticket.follow_up"
    TICKET_FOLLOW_UP_AT_COUNTER = "ticket.follow_up_at_counter"
    TICKET_RATE = "ticket.rate"
    TICKET_RATE_AT_COUNTER = "ticket.rate_at_counter"
    RECTIFICATION_ACT = "rectification.act"
    TICKET_RATES_READ = "ticket_rates.read"
    DISPATCH_RULES_READ = "dispatch_rules.read"
    DISPATCH_RULES_MANAGE = "dispatch_rules.manage"
    # the ticket catalog: categories (city-wide), what each unit serves, each region's
    # fallback unit
    TICKET_CATALOG_READ = "ticket_catalog.read"
    TICKET_CATEGORY_MANAGE = "ticket_category.manage"
    UNIT_SERVICE_AREAS_MANAGE = "unit_service_areas.manage"
    REGION_FALLBACK_MANAGE = "region_fallback.manage"
    # real identity (实名认证): a citizen verifies their own; supervisors and admins decide
    # who holds a resident ID two accounts proved; staff enrol their own second factor;
    # admins read the staff log-in record
    IDENTITY_VERIFY = "identity.verify"
    IDENTITY_CONFLICT_READ = "identity_conflict.read"
    IDENTITY_CONFLICT_DECIDE = "identity_conflict.decide"
    STAFF_TOTP_ENROL = "staff_totp.enrol"
    # an admin enrols (or replaces) another staff member's factor and hands it over in person
    STAFF_TOTP_ENROL_OTHER = "staff_totp.enrol_other"
    STAFF_LOGINS_READ = "staff_logins.read"
    # administration: the working-day calendar, units, staff, the catalog, district imports
    HOLIDAYS_READ = "holidays.read"
    HOLIDAYS_MANAGE = "holidays.manage"
    ADMINISTRATION_READ = "administration.read"
    UNITS_MANAGE = "units.manage"
    STAFF_MANAGE = "staff.manage"
    CATALOG_MANAGE = "catalog.manage"
    DISTRICT_IMPORT = "district.import"
    APPLICATION_RATE = "application.rate"
    APPLICATION_RATE_AT_COUNTER = "application.rate_at_counter"
    TASK_REVIEW_REQUEST = "task_review.request"
    TASK_REVIEW_REQUEST_AT_COUNTER = "task_review.request_at_counter"
    TASK_REVIEW_QUEUE = "task_review.queue"
    TASK_REVIEW_DECIDE = "task_review.decide"
    # 数据共享责任清单: anyone reads the list; admins publish it; a citizen sees, per item of
    # their data, who may use it and who did; a unit's clerk reads a resident's vault for a
    # service item (which items and for what is decided by domain.sharing, after this)
    SHARING_LIST_READ = "sharing_list.read"
    SHARING_LIST_PUBLISH = "sharing_list.publish"
    MY_DATA_SHARING_READ = "my_data_sharing.read"
    RESIDENT_DATA_READ = "resident_data.read"
    # 优先办: the citizen's own priority standing and its grounds
    PRIORITY_READ = "priority.read"
    # 陪同办: the slots to come; a unit publishes and withdraws its own; a citizen (or her
    # agent) books, changes and cancels her place; the unit's worker reads whom to accompany
    # and records the outcome
    ESCORT_SLOTS_READ = "escort_slots.read"
    ESCORT_SLOTS_MANAGE = "escort_slots.manage"
    ESCORT_BOOK = "escort.book"
    ESCORT_ROSTER = "escort.roster"


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
    # the citizen chose their language (else the request's Accept-Language decides)
    language_chosen: bool = False
    # role AGENT: the agent (the person signed in) acts for the principal under `grant`
    # (None when no delegation links them); citizen_id stays None
    agent_citizen_id: int | None = None
    principal_citizen_id: int | None = None
    grant: Grant | None = None

    @property
    def is_staff_side(self) -> bool:
        return self.role in (Role.STAFF, Role.SUPERVISOR, Role.ADMIN)

    @property
    def subject_citizen_id(self) -> int | None:
        """Whose data the actor works on: their own, or their principal's when acting for one."""
        return self.principal_citizen_id if self.role is Role.AGENT else self.citizen_id

    @property
    def acting_agent_id(self) -> int | None:
        """The agent signed in when acting for a principal; None for anyone else."""
        return self.agent_citizen_id if self.role is Role.AGENT else None

    @property
    def signed_in_citizen_id(self) -> int | None:
        """The citizen signed in: the agent when acting for someone, else the citizen."""
        return self.acting_agent_id or self.citizen_id


ANONYMOUS = Actor(role=Role.ANONYMOUS)


@dataclass(frozen=True)
class Target:
    """What an operation touches: whose data, and which units (with their regions) hold it."""

    citizen_id: int | None = None
    # unit id -> region code, for every unit that has a part in it (a task, an application)
    units: dict[int, str] = field(default_factory=dict)
    # the delegation theme it belongs to (an application's bundle); None: no single theme
    theme: Theme | None = None
    # it pays out or moves money or property: an agent may not do it for the principal
    moves_money: bool = False
    # a delegation's other party (its agent), when the target is a delegation
    agent_citizen_id: int | None = None
    # region code prefixes it applies to (a dispatch rule); "" stands for every region
    regions: tuple[str, ...] = ()

    @classmethod
    def unit(cls, unit_id: int, region_code: str) -> Target:
        return cls(units={unit_id: region_code})


Check = Callable[[Actor, Target], bool]


def _anyone(_actor: Actor, _target: Target) -> bool:
    return True


def _own(actor: Actor, target: Target) -> bool:
    return target.citizen_id is not None and target.citizen_id == actor.citizen_id


def _party(actor: Actor, target: Target) -> bool:
    """The principal or the agent of the delegation touched."""
    return actor.citizen_id is not None and actor.citizen_id in (
        target.citizen_id,
        target.agent_citizen_id,
    )


def _now() -> datetime:
    return datetime.now(UTC)


def _agent_any_scope(actor: Actor, target: Target) -> bool:
    """An agent whose delegation is active now, on their principal's data (any theme: the
    service narrows what it returns to the delegation's themes)."""
    grant = actor.grant
    return (
        grant is not None
        and grant.is_active(_now())
        and target.citizen_id is not None
        and target.citizen_id == actor.principal_citizen_id
    )


def _agent_covers(actor: Actor, target: Target) -> bool:
    """As above, for a target of a theme the delegation covers (money or not)."""
    return (
        _agent_any_scope(actor, target)
        and actor.grant is not None
        and target.theme is not None
        and covers(actor.grant.themes, target.theme)
    )


def _agent_every_theme(actor: Actor, target: Target) -> bool:
    """As `_agent_any_scope`, under a delegation for every theme (全部事项): what spans all of
    the principal's data (each item of the vault, who may use it and who did)."""
    return (
        _agent_any_scope(actor, target)
        and actor.grant is not None
        and covers(actor.grant.themes, Theme.ALL)
    )


def _agent_in_scope(actor: Actor, target: Target) -> bool:
    """As above, moving no money."""
    return _agent_covers(actor, target) and not target.moves_money


def _own_unit(actor: Actor, target: Target) -> bool:
    return actor.unit_id is not None and actor.unit_id in target.units


def _own_unit_or_region(actor: Actor, target: Target) -> bool:
    region = actor.region_code
    return _own_unit(actor, target) or bool(
        region and any(code.startswith(region) for code in target.units.values())
    )


def _regions_within(actor: Actor, target: Target) -> bool:
    """Every region the target applies to lies within the actor's own region."""
    region = actor.region_code
    return bool(
        region and target.regions and all(code.startswith(region) for code in target.regions)
    )


def _units_and_regions_within(actor: Actor, target: Target) -> bool:
    """Every unit and every region the target names lies within the actor's own region (and it
    names at least one)."""
    region = actor.region_code
    return bool(
        region
        and (target.units or target.regions)
        and all(code.startswith(region) for code in target.units.values())
        and all(code.startswith(region) for code in target.regions)
    )


_EVERY_ROLE: dict[Role, Check] = dict.fromkeys(Role, _anyone)
# every staff role, each seeing what the service filters to their unit or region
_ANY_STAFF: dict[Role, Check] = {Role.STAFF: _anyone, Role.SUPERVISOR: _anyone, Role.ADMIN: _anyone}
# the target's unit, the supervisors of its region, admins
_UNIT_OR_REGION: dict[Role, Check] = {
    Role.STAFF: _own_unit,
    Role.SUPERVISOR: _own_unit_or_region,
    Role.ADMIN: _anyone,
}

RULES: dict[Operation, dict[Role, Check]] = {
    Operation.CATALOG_READ: _EVERY_ROLE,
    Operation.PUBLIC_TICKETS_READ: _EVERY_ROLE,
    Operation.LOGIN: _EVERY_ROLE,
    # applying is the citizen's own act; staff-assisted applications are a separate operation
    Operation.APPLICATION_SUBMIT: {Role.CITIZEN: _anyone, Role.AGENT: _agent_in_scope},
    Operation.OWN_APPLICATIONS_LIST: {Role.CITIZEN: _anyone, Role.AGENT: _agent_any_scope},
    Operation.APPLICATION_READ: {
        Role.CITIZEN: _own,
        Role.AGENT: _agent_in_scope,
        Role.STAFF: _own_unit,
        Role.SUPERVISOR: _own_unit_or_region,
        Role.ADMIN: _anyone,
    },
    Operation.MATERIALS_SUPPLY: {Role.CITIZEN: _own, Role.AGENT: _agent_in_scope},
    # the queue is always filtered to the actor's own unit or region by the service
    Operation.TASK_QUEUE_READ: _ANY_STAFF,
    Operation.TASK_ACT: _UNIT_OR_REGION,
    Operation.TASK_EXTEND: _UNIT_OR_REGION,
    # overdue / due-soon lists and on-time counts, filtered by the service to the actor's unit
    # (staff) or region (supervisors)
    Operation.SLA_OVERVIEW: _ANY_STAFF,
    # language and elder mode are the citizen's own; an agent changes only their own
    Operation.PREFERENCES_SET: {Role.CITIZEN: _anyone},
    # push subscriptions and the notification history are the citizen's own
    Operation.NOTIFICATIONS_OWN: {Role.CITIZEN: _anyone},
    # asking to act for someone; the service refuses oneself and numbers that are no citizen
    Operation.DELEGATION_REQUEST: {Role.CITIZEN: _anyone},
    Operation.DELEGATION_ANSWER: {Role.CITIZEN: _own},
    # at a service counter: staff check the principal's identity and understanding
    Operation.DELEGATION_CONSENT_IN_PERSON: {Role.STAFF: _anyone, Role.SUPERVISOR: _anyone},
    # the service lists only delegations the citizen is a party to
    Operation.DELEGATION_LIST: {Role.CITIZEN: _anyone},
    Operation.DELEGATION_REVOKE: {Role.CITIZEN: _party},
    Operation.DATA_ACCESS_LOG_READ: {Role.CITIZEN: _own, Role.AGENT: _agent_any_scope},
    # what an agent may not do alone (see confirmation_needed) they may ask the principal to
    # confirm, within the delegation's themes; the service lists only the citizen's own (as
    # principal or agent) or, acting for someone, the pair's; the answer is the principal's
    Operation.CONFIRMATION_REQUEST: {Role.AGENT: _agent_covers},
    Operation.CONFIRMATION_LIST: {Role.CITIZEN: _anyone, Role.AGENT: _agent_any_scope},
    Operation.CONFIRMATION_ANSWER: {Role.CITIZEN: _own},
    # the counter serves anyone who walks in (全城通办); consent is recorded with the clerk
    Operation.APPLICATION_SUBMIT_ASSISTED: {Role.STAFF: _anyone, Role.SUPERVISOR: _anyone},
    # the vault is the citizen's own: documents, facts and who used them
    Operation.VAULT_READ: {Role.CITIZEN: _own},
    Operation.VAULT_WRITE: {Role.CITIZEN: _own},
    # what a bundle's form would take; an agent may look for a bundle of the delegation's
    # themes (one that moves money too: what they fill in waits for the principal's yes)
    Operation.APPLICATION_FORM_READ: {Role.CITIZEN: _own, Role.AGENT: _agent_covers},
    # a unit states facts as their source: its own clerks; admin is the data exchange
    Operation.VAULT_FACT_RECORD: {Role.STAFF: _own_unit, Role.ADMIN: _anyone},
    Operation.FACT_FLAG: {Role.CITIZEN: _own},
    # correction, appeal and visit queues are filtered by the service to unit or region
    Operation.CORRECTION_QUEUE_READ: _ANY_STAFF,
    Operation.CORRECTION_RESOLVE: _UNIT_OR_REGION,
    Operation.OFFER_LIST: {Role.CITIZEN: _own, Role.AGENT: _agent_any_scope},
    # accept (a pre-filled application), dismiss, appeal: the citizen, or their agent for a
    # bundle of the delegation's themes that moves no money
    Operation.OFFER_RESPOND: {Role.CITIZEN: _own, Role.AGENT: _agent_in_scope},
    Operation.OFFER_OPT_OUT: {Role.CITIZEN: _own},
    Operation.RULE_READ: _ANY_STAFF,
    # the rule's owner unit may try a change; supervisors of its region publish it
    Operation.RULE_DRY_RUN: _UNIT_OR_REGION,
    Operation.RULE_PUBLISH: {Role.SUPERVISOR: _own_unit_or_region, Role.ADMIN: _anyone},
    Operation.RULES_RUN: {Role.ADMIN: _anyone},
    Operation.BROADCAST_SEND: {Role.SUPERVISOR: _regions_within, Role.ADMIN: _anyone},
    Operation.APPEAL_QUEUE_READ: _ANY_STAFF,
    Operation.APPEAL_DECIDE: _UNIT_OR_REGION,
    Operation.WELFARE_QUEUE_READ: _ANY_STAFF,
    Operation.WELFARE_CHECK_COMPLETE: _UNIT_OR_REGION,
    # tickets: a citizen files their own (an agent for their principal); any clerk may type in
    # a caller's ticket; the lead and assisting units read it, the lead unit acts on it
    Operation.TICKET_SUBMIT: {Role.CITIZEN: _anyone, Role.AGENT: _agent_any_scope},
    Operation.TICKET_SUBMIT_FOR_CITIZEN: _ANY_STAFF,
    # an agent reads the principal's tickets only under a delegation whose themes cover them
    Operation.OWN_TICKETS_LIST: {Role.CITIZEN: _anyone, Role.AGENT: _agent_covers},
    Operation.TICKET_READ: {
        Role.CITIZEN: _own,
        Role.AGENT: _agent_covers,
        Role.STAFF: _own_unit,
        Role.SUPERVISOR: _own_unit_or_region,
        Role.ADMIN: _anyone,
    },
    # queues and rates are filtered by the service to the actor's unit (staff) or region
    Operation.TICKET_QUEUE_READ: _ANY_STAFF,
    Operation.TICKET_ACT: _UNIT_OR_REGION,
    Operation.TICKET_EXTEND: _UNIT_OR_REGION,
    Operation.TICKET_REVIEW_QUEUE: {Role.SUPERVISOR: _anyone, Role.ADMIN: _anyone},
    # checked for the unit that holds the ticket and again for the unit it goes to
    Operation.TICKET_REDISPATCH: {Role.SUPERVISOR: _own_unit_or_region, Role.ADMIN: _anyone},
    Operation.TICKET_FOLLOW_UP: {Role.CITIZEN: _own},
    # a hotline clerk (回访 by phone) or a counter clerk writes down the citizen's answer; the
    # service answers such a clerk nothing of the ticket beyond its number and new status
    Operation.TICKET_FOLLOW_UP_AT_COUNTER: {Role.STAFF: _anyone, Role.SUPERVISOR: _anyone},
    Operation.TICKET_RATE: {Role.CITIZEN: _own},
    # a clerk at a counter or on the hotline writes down a citizen's rating (全城通办)
    Operation.TICKET_RATE_AT_COUNTER: {Role.STAFF: _anyone, Role.SUPERVISOR: _anyone},
    Operation.RECTIFICATION_ACT: _UNIT_OR_REGION,
    Operation.TICKET_RATES_READ: _ANY_STAFF,
    Operation.DISPATCH_RULES_READ: {Role.SUPERVISOR: _anyone, Role.ADMIN: _anyone},
    # a supervisor changes only rules confined to their region; rules for every region: admin
    Operation.DISPATCH_RULES_MANAGE: {Role.SUPERVISOR: _regions_within, Role.ADMIN: _anyone},
    # lists of categories (retired ones too), service areas and regions with their fallbacks;
    # the service narrows supervisors' lists to their region
    Operation.TICKET_CATALOG_READ: {Role.SUPERVISOR: _anyone, Role.ADMIN: _anyone},
    # categories are one list for every region (a new one is offered to citizens everywhere,
    # retiring one stops it everywhere): the admin's
    Operation.TICKET_CATEGORY_MANAGE: {Role.ADMIN: _anyone},
    # a supervisor sets what a unit of their region serves within their region, and the
    # fallback unit (one of their region's) of a region within theirs
    Operation.UNIT_SERVICE_AREAS_MANAGE: {
        Role.SUPERVISOR: _units_and_regions_within,
        Role.ADMIN: _anyone,
    },
    Operation.REGION_FALLBACK_MANAGE: {
        Role.SUPERVISOR: _units_and_regions_within,
        Role.ADMIN: _anyone,
    },
    Operation.IDENTITY_VERIFY: {Role.CITIZEN: _anyone},
    Operation.IDENTITY_CONFLICT_READ: {Role.SUPERVISOR: _anyone, Role.ADMIN: _anyone},
    Operation.IDENTITY_CONFLICT_DECIDE: {Role.SUPERVISOR: _anyone, Role.ADMIN: _anyone},
    Operation.STAFF_TOTP_ENROL: _ANY_STAFF,
    Operation.STAFF_TOTP_ENROL_OTHER: {Role.ADMIN: _anyone},
    Operation.STAFF_LOGINS_READ: {Role.ADMIN: _anyone},
    # staff see the calendar their deadlines count with; units, staff accounts, the catalog
    # and the official schedule are the admin's alone
    Operation.HOLIDAYS_READ: _ANY_STAFF,
    **{
        op: {Role.ADMIN: _anyone}
        for op in (
            Operation.HOLIDAYS_MANAGE,
            Operation.ADMINISTRATION_READ,
            Operation.UNITS_MANAGE,
            Operation.STAFF_MANAGE,
            Operation.CATALOG_MANAGE,
            Operation.DISTRICT_IMPORT,
            Operation.SHARING_LIST_PUBLISH,
        )
    },
    Operation.SHARING_LIST_READ: _EVERY_ROLE,
    # an agent: only under a delegation for every theme, as it shows all the principal's data
    Operation.MY_DATA_SHARING_READ: {Role.CITIZEN: _own, Role.AGENT: _agent_every_theme},
    Operation.RESIDENT_DATA_READ: {Role.STAFF: _anyone, Role.SUPERVISOR: _anyone},
    # 好差评 of a finished application: the citizen, or their agent for a bundle of the
    # delegation's themes; at the counter any clerk writes down what the citizen says (全城通办)
    Operation.APPLICATION_RATE: {Role.CITIZEN: _own, Role.AGENT: _agent_covers},
    Operation.APPLICATION_RATE_AT_COUNTER: {Role.STAFF: _anyone, Role.SUPERVISOR: _anyone},
    # 申请复核 of a refused task: as for rating; deciding is the task's unit's or its region's
    # supervisors' (the service also refuses the clerk who refused)
    Operation.TASK_REVIEW_REQUEST: {Role.CITIZEN: _own, Role.AGENT: _agent_covers},
    # a clerk at any counter or on the hotline files it for a citizen who asks in person or by
    # phone (the service answers them only the number, the item and the due date)
    Operation.TASK_REVIEW_REQUEST_AT_COUNTER: {Role.STAFF: _anyone, Role.SUPERVISOR: _anyone},
    Operation.TASK_REVIEW_QUEUE: _ANY_STAFF,
    Operation.TASK_REVIEW_DECIDE: _UNIT_OR_REGION,
    # whether one is served first and why: the citizen, or an agent for their principal
    Operation.PRIORITY_READ: {Role.CITIZEN: _own, Role.AGENT: _agent_any_scope},
    # the service narrows the slots to the citizen's district or the staff member's unit/region
    Operation.ESCORT_SLOTS_READ: {
        Role.CITIZEN: _anyone,
        Role.AGENT: _agent_any_scope,
        Role.STAFF: _anyone,
        Role.SUPERVISOR: _anyone,
        Role.ADMIN: _anyone,
    },
    Operation.ESCORT_SLOTS_MANAGE: _UNIT_OR_REGION,
    # an accompanied visit is no bundle of a theme: any active delegation may book it
    Operation.ESCORT_BOOK: {Role.CITIZEN: _own, Role.AGENT: _agent_any_scope},
    Operation.ESCORT_ROSTER: _UNIT_OR_REGION,
}

# operations that always pay out or move money or property (applying for such a bundle sets
# Target.moves_money instead); like those targets, an agent may never do them: confirming an
# agent's money-moving action is the principal's own act
MOVES_MONEY: frozenset[Operation] = frozenset({Operation.CONFIRMATION_ANSWER})
# what an agent does for a money-moving target by asking the principal to confirm it
# (CONFIRMATION_REQUEST) instead of being refused
CONFIRMABLE: frozenset[Operation] = frozenset(
    {Operation.APPLICATION_SUBMIT, Operation.OFFER_RESPOND}
)


def confirmation_needed(actor: Actor, operation: Operation, target: Target) -> bool:
    """Whether this action of the actor waits for the principal's own confirmation rather
    than being done (or refused) now: an agent, applying or accepting an offer for a bundle
    that pays out or moves money or property. Whether the agent may ask is then
    CONFIRMATION_REQUEST's rule."""
    return (
        actor.role is Role.AGENT
        and operation in CONFIRMABLE
        and (target.moves_money or operation in MOVES_MONEY)
    )


def is_allowed(actor: Actor, operation: Operation, target: Target | None = None) -> bool:
    check = RULES[operation].get(actor.role)
    target = target or Target()
    if operation in MOVES_MONEY and actor.role is Role.AGENT:
        return False
    return check is not None and check(actor, target)


def _agent_refusal(actor: Actor, operation: Operation, target: Target) -> str:
    """Why an agent is refused, so they know what to do about it."""
    grant = actor.grant
    if grant is None:
        return "delegation.not_found"
    if not grant.is_active(_now()):
        return "delegation.inactive"
    agent_rule = operation in RULES and Role.AGENT in RULES[operation]
    if agent_rule and target.theme is not None and not covers(grant.themes, target.theme):
        return "delegation.out_of_scope"
    every_theme = agent_rule and RULES[operation][Role.AGENT] is _agent_every_theme
    if every_theme and not covers(grant.themes, Theme.ALL):
        return "delegation.out_of_scope"
    if operation in MOVES_MONEY or (
        agent_rule and target.moves_money and operation is not Operation.CONFIRMATION_REQUEST
    ):
        return "delegation.principal_must_act"
    return "auth.forbidden"


def authorize(actor: Actor, operation: Operation, target: Target | None = None) -> None:
    if is_allowed(actor, operation, target):
        return
    if actor.role is Role.ANONYMOUS:
        raise Unauthenticated("auth.required")
    if actor.role is Role.AGENT:
        raise Forbidden(_agent_refusal(actor, operation, target or Target()))
    raise Forbidden("auth.forbidden")


def authorize_own(actor: Actor, operation: Operation) -> int:
    """`authorize` for the actor's own data: the citizen it is about."""
    authorize(actor, operation, Target(citizen_id=actor.citizen_id))
    assert actor.citizen_id is not None
    return actor.citizen_id


def authorize_subject(actor: Actor, operation: Operation) -> int:
    """`authorize` for the data of the citizen the actor works on (`Actor.subject_citizen_id`:
    their own, or their principal's when acting for one): that citizen."""
    citizen_id = actor.subject_citizen_id
    authorize(actor, operation, Target(citizen_id=citizen_id))
    assert citizen_id is not None
    return citizen_id


def require_signed_in(actor: Actor) -> None:
    """Before looking up a number anyone can type: the anonymous are asked to log in whether
    or not it exists."""
    if actor.role is Role.ANONYMOUS:
        raise Unauthenticated("auth.required")


def authorize_by_number(
    actor: Actor, operation: Operation, target: Target, not_found: DomainError
) -> None:
    """`authorize` for something found by a number anyone can type (an application number):
    whoever may not touch it is told it does not exist, in the very words used for a number
    nobody has, so numbers cannot be probed or counted. An agent asking about their own
    principal's keeps the reason (out of the delegation's themes, delegation ended): it tells
    them nothing about anyone else."""
    try:
        authorize(actor, operation, target)
    except Forbidden:
        if actor.role is Role.AGENT and target.citizen_id == actor.principal_citizen_id:
            raise
        raise not_found from None
