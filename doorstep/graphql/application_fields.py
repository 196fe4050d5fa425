"""The fields of a citizen's application list compiled to getters over the rows read, and
the page filled from them: what the two fast ways to that list share, the precompiled request
path (`graphql/precompiled.py`, a document of that list alone) and the executor
(`graphql/executor.py`, the list inside any document strawberry executes).

A selection set of plain fields of `Application`, `Task` and `Progress` is compiled to a tuple
of (response key, getter, serializer, nested selection, is a list) per field, collected as
GraphQL's CollectFields does (`graphql/field_collection.py`). A page is read through the service
(`my_application_rows`: the same authorization and queries as the resolver's) and filled
straight from its rows, with no view objects between, computing a label, the next step or a
deadline only when it is asked for, with the same functions as the strawberry types. Leaf values
go through the schema's own serializers (enums by name, dates as GraphQL shows them), so the
answer is the one strawberry gives (`tests/integration/test_precompiled.py` compares them field
by field). Anything else (a field with arguments such as `timeline`, another directive, a
fragment on another type) raises ValueError when compiled: the caller leaves it to strawberry.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from graphql import (
    FieldNode,
    GraphQLEnumType,
    GraphQLField,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    visit,
)

from doorstep.domain.calendar import deadline_end
from doorstep.domain.policy import Role
from doorstep.domain.workflow import ApplicationStatus, TaskStatus, citizen_next_step, progress
from doorstep.graphql import applications as types
from doorstep.graphql.context import Context
from doorstep.graphql.field_collection import (
    ConditionVariables,
    Fragments,
    Values,
    collect_fields,
)
from doorstep.graphql.ids import parse_id
from doorstep.services import applications as service
from doorstep.services.applications import (
    APPLICATION_STATUSES,
    TASK_STATUSES,
    ListedApplicationRow,
    ListedTaskRow,
)

log = logging.getLogger(__name__)

# (source, language, elder) -> value, for one field of one type
Getter = Callable[[Any, str, bool], Any]
_IDENTITY_SCALARS = frozenset({"String", "Int", "Boolean", "Float"})


class _Listed:
    """One application of the page: its row and its task rows (no view objects); the statuses
    are looked up once, when a field first asks (status, label, next step and progress all
    read them)."""

    __slots__ = ("_status", "_task_statuses", "row", "tasks")

    def __init__(self, row: ListedApplicationRow, tasks: list[ListedTaskRow]) -> None:
        self.row = row
        self.tasks = tasks
        self._status: ApplicationStatus | None = None
        self._task_statuses: list[TaskStatus] | None = None

    @property
    def status(self) -> ApplicationStatus:
        if self._status is None:
            self._status = APPLICATION_STATUSES[self.row.status]
        return self._status

    def task_statuses(self) -> list[TaskStatus]:
        if self._task_statuses is None:
            self._task_statuses = [TASK_STATUSES[t.status] for t in self.tasks]
        return self._task_statuses

    def next_step(self) -> str | None:
        return citizen_next_step(self.status, self.task_statuses())


def _read_aloud(a: _Listed, lang: str, elder: bool) -> str | None:
    if not elder:
        return None
    return types.read_aloud_text(a.row.number, a.status, a.next_step(), lang, elder)


# The getters read the rows by key (up to some 1,500 reads a page): about 0.06 µs a read against
# 0.16 µs for a typed row's attribute, a property over the same look-up (bench/rows_bench.py
# compares the two). tests/integration/test_precompiled.py holds every field to strawberry's.
_APPLICATION: dict[str, Getter] = {
    "number": lambda a, lang, elder: a.row["number"],
    "bundleCode": lambda a, lang, elder: a.row["bundle_code"],
    "bundleName": lambda a, lang, elder: a.row["bundle_name"],
    "status": lambda a, lang, elder: a.status,
    "statusLabel": lambda a, lang, elder: types.application_status_label(a.status, lang, elder),
    "nextStep": lambda a, lang, elder: types.next_step_text(a.next_step(), lang, elder),
    "readAloud": _read_aloud,
    "createdAt": lambda a, lang, elder: a.row["created_at"],
    "updatedAt": lambda a, lang, elder: a.row["updated_at"],
    "completedAt": lambda a, lang, elder: a.row["completed_at"],
    "progress": lambda a, lang, elder: types.progress_of(*progress(a.task_statuses())),
    "tasks": lambda a, lang, elder: a.tasks,
}
_TASK: dict[str, Getter] = {  # on the task's row
    "id": lambda t, lang, elder: str(t["id"]),
    "itemCode": lambda t, lang, elder: t["item_code"],
    "itemName": lambda t, lang, elder: t["item_name"],
    "unitCode": lambda t, lang, elder: t["unit_code"],
    "unitName": lambda t, lang, elder: t["unit_name"],
    "unitPhone": lambda t, lang, elder: t["unit_phone"],
    "status": lambda t, lang, elder: TASK_STATUSES[t["status"]],
    "statusLabel": lambda t, lang, elder: types.task_status_label(
        TASK_STATUSES[t["status"]], lang, elder
    ),
    "workingDays": lambda t, lang, elder: t["working_days"],
    "dueOn": lambda t, lang, elder: t["due_on"],
    "dueAt": lambda t, lang, elder: deadline_end(t["due_on"]),
    "paused": lambda t, lang, elder: t["paused_at"] is not None,
    "reason": lambda t, lang, elder: t["reason"],
}
_PROGRESS: dict[str, Getter] = {
    "done": lambda p, lang, elder: p.done,
    "total": lambda p, lang, elder: p.total,
    "percent": lambda p, lang, elder: p.percent,
}
GETTERS: dict[str, dict[str, Getter]] = {
    "Application": _APPLICATION,
    "Task": _TASK,
    "Progress": _PROGRESS,
}


# One field of a selection set: (response key, getter, serializer of a leaf or None, nested
# selection or None, the field is a list)
Entry = tuple[str, Getter, Callable[[Any], Any] | None, "Selection | None", bool]
Selection = tuple[Entry, ...]


def unwrap(gql_type: Any) -> tuple[GraphQLNamedType, bool]:
    """The named type under NonNull/List wrappers, and whether there is a list."""
    is_list = False
    while isinstance(gql_type, GraphQLNonNull | GraphQLList):
        if isinstance(gql_type, GraphQLList):
            is_list = True
        gql_type = gql_type.of_type
    return gql_type, is_list


def typename_getter(name: str) -> Getter:
    return lambda source, lang, elder: name


def attribute_getter(name: str) -> Getter:
    """The getter of a field that is its source's attribute of that name."""
    return lambda source, lang, elder: getattr(source, name)


def serializer_for(named: GraphQLNamedType) -> Callable[[Any], Any] | None:
    if isinstance(named, GraphQLScalarType) and named.name in _IDENTITY_SCALARS:
        return None  # our values already are of the scalar's Python type
    if isinstance(named, GraphQLEnumType):
        return _remembered(named.serialize)
    if isinstance(named, GraphQLScalarType):
        return named.serialize
    raise ValueError(named.name)


def _remembered(serialize: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """An enum's serializer that serializes each of its few values once: the schema's own
    (strawberry's enum type) looks the member up afresh for every task of every page."""
    known: dict[Any, Any] = {}

    def serialize_known(value: Any) -> Any:
        try:
            return known[value]
        except KeyError:
            out = known[value] = serialize(value)
            return out

    return serialize_known


def compile_selection(
    parent: GraphQLObjectType,
    grouped: dict[str, list[FieldNode]],
    fragments: Fragments,
    values: Values,
) -> Selection:
    """The collected fields if all are plain ones we know, or ValueError for anything we leave
    to strawberry. Same-keyed nodes are one field (validation saw to it), their selections
    merged."""
    getters = GETTERS.get(parent.name)
    if getters is None:
        raise ValueError(parent.name)
    out: list[Entry] = []
    for key, nodes in grouped.items():
        if any(node.arguments for node in nodes):
            raise ValueError("a field with arguments")
        name = nodes[0].name.value
        if name == "__typename":
            out.append((key, typename_getter(parent.name), None, None, False))
            continue
        getter = getters.get(name)
        definition = parent.fields.get(name)
        if getter is None or definition is None:
            raise ValueError(name)
        named, is_list = unwrap(definition.type)
        if isinstance(named, GraphQLObjectType):
            subfields = collect_fields(
                tuple(node.selection_set for node in nodes), named, fragments, values
            )
            out.append(
                (key, getter, None, compile_selection(named, subfields, fragments, values), is_list)
            )
        else:
            if any(node.selection_set is not None for node in nodes) or is_list:
                raise ValueError(name)
            out.append((key, getter, serializer_for(named), None, False))
    return tuple(out)


def fill(selection: Selection, source: Any, lang: str, elder: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, getter, serialize, nested, is_list in selection:
        value = getter(source, lang, elder)
        if value is None:
            out[key] = None
        elif nested is not None:
            out[key] = (
                [fill(nested, item, lang, elder) for item in value]
                if is_list
                else fill(nested, value, lang, elder)
            )
        else:
            out[key] = value if serialize is None else serialize(value)
    return out


def reads_own_list(context: Context) -> bool:
    """Whether the request is a signed-in citizen's own (an agent's reads go through the
    resolver, which records them)."""
    actor = context.actor
    return actor.role is Role.CITIZEN and actor.citizen_id is not None


async def filled_page(
    context: Context, selection: Selection, first: int, before_id: int | None
) -> list[dict[str, Any]] | None:
    """The signed-in citizen's page filled for `selection`, or None: not a citizen's own list,
    refused, the database out of reach, or a getter out of step with the rows. The caller
    answers the general way then, which reads again (a citizen's own list has no side effects)
    and presents any refusal in its own words."""
    try:
        listed = await service.my_application_rows(
            context.deps, context.actor, limit=first, before_id=before_id
        )
    except Exception:
        return None
    if listed is None:
        return None
    rows, task_rows = listed
    by_application: dict[int, list[ListedTaskRow]] = {}
    for task in task_rows:
        by_application.setdefault(task.application_id, []).append(task)
    lang, elder = context.language, context.elder
    try:
        return [
            fill(selection, _Listed(row, by_application.get(row.id, [])), lang, elder)
            for row in rows
        ]
    except Exception:  # a getter out of step with the rows: say so, answer the general way
        log.exception("compiled myApplications failed; executed instead")
        return None


VARIANTS_KEPT = 16  # compiled selections of one field, one per combination of condition values


class Variants:
    """A list field's selection sets compiled once per combination of the values of the
    variables its `@include`/`@skip` conditions name (`conditions`)."""

    __slots__ = ("_compiled", "conditions", "fragments", "parent", "selection_sets")

    def __init__(
        self,
        parent: GraphQLObjectType,
        selection_sets: tuple[Any, ...],
        fragments: Fragments,
        conditions: tuple[str, ...],
    ) -> None:
        self.parent = parent
        self.selection_sets = selection_sets
        self.fragments = fragments
        self.conditions = conditions
        self._compiled: dict[tuple[Any, ...], Selection] = {}

    @classmethod
    def of(
        cls, field: GraphQLField, selection_sets: tuple[Any, ...], fragments: Fragments
    ) -> Variants | None:
        """The list field's selection sets (with the document's fragments), or None unless
        every field is ours whatever the conditions say: what one request selects is a part of
        it. Compiled now when no condition names a variable."""
        named, _ = unwrap(field.type)
        assert isinstance(named, GraphQLObjectType)
        names = ConditionVariables()
        for node in (*selection_sets, *fragments.values()):
            visit(node, names)
        variants = cls(named, selection_sets, dict(fragments), tuple(names.names))
        try:
            every = collect_fields(selection_sets, named, variants.fragments, None)
            compile_selection(named, every, variants.fragments, None)
            if not variants.conditions:
                variants.selection_for({})
        except ValueError:
            return None
        return variants

    def input(
        self, variables: dict[str, Any], args: dict[str, Any]
    ) -> tuple[Selection, int, int | None]:
        """The selection, page size and cursor of one request (its coerced variables and the
        field's arguments); ValueError or a refusal when GraphQL or the resolver would refuse
        them, which the caller leaves to strawberry to say in its own words."""
        before = args.get("before")
        before_id = parse_id(before, "task.id_invalid") if before else None
        return self.selection_for(variables), args["first"], before_id

    def selection_for(self, variables: dict[str, Any]) -> Selection:
        """The selection for these coerced variables (ValueError: a condition of null)."""
        values = tuple(variables.get(name) for name in self.conditions)
        selection = self._compiled.get(values)
        if selection is None:
            fields = collect_fields(self.selection_sets, self.parent, self.fragments, variables)
            selection = compile_selection(self.parent, fields, self.fragments, variables)
            if len(self._compiled) < VARIANTS_KEPT:
                self._compiled[values] = selection
        return selection
