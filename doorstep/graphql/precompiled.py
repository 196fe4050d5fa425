"""A precompiled path for the hot read, `myApplications`: the answer built straight from the
service's views, without graphql-core's field-by-field execution.

Executed the general way, a citizen's list of 20 applications of 5 tasks is some 700 fields,
each resolved, completed and checked by graphql-core around strawberry's objects, with every
label translated whether asked for or not: most of the request's CPU. Here a document is
parsed and validated once per query text (with the schema's own rules and limits) and, when it
asks only for plain fields of `Application`, `Task` and `Progress`, compiled into a list of
(response key, getter) per selection set. Fields are collected as GraphQL's CollectFields does
(graphql/field_collection.py), so the documents real clients build compile too: named fragments
(nested, spread twice) and inline fragments on the field's own type, fields of one response key
merged, and `@include`/`@skip` with a literal or a variable `if`; a document whose conditions
name variables is compiled once per combination of their values (`Plan.selection_for`). A
request then reads the citizen's page through the service (`my_application_rows`: the same
authorization and queries as the resolver's) and fills dictionaries straight from the rows, with
no view objects between, computing a label, the next step or a deadline only when it is asked
for, with the same functions as the strawberry types. Leaf values go through the schema's own
serializers (enums by name, dates as GraphQL shows them), so the answer is the one strawberry
gives (`tests/integration/test_precompiled.py` compares them field by field).

A page that reads the list beside other root fields (the app's home: `me`, the list, the
confirmations) has those fields answered by strawberry first, as a document of their own, and
the list built here after them, so `me { lastSeq }` is still read before it; the answer keeps
the document's order.

Anything else goes the strawberry way, whose answers and errors are the reference: the list
twice, or beside a field with a directive or a root fragment, a variable or fragment that only
the list uses, a fragment on another type (an interface, say), any other directive, a condition
on the root field, a field with arguments (`timeline`), variables that do not coerce, a document
that does not validate, someone who is not a signed-in citizen (an agent's reads are recorded),
and any refusal or error while reading (the strawberry path reads again and presents it).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLEnumType,
    GraphQLField,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    print_ast,
    visit,
)
from graphql.execution.values import get_argument_values, get_variable_values

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
from doorstep.graphql.plans import PlanCache, RootField, request_parts
from doorstep.graphql.schema import DoorstepSchema
from doorstep.observability.metrics import GRAPHQL_OPERATIONS, GRAPHQL_SECONDS
from doorstep.services import applications as service
from doorstep.services.applications import (
    APPLICATION_STATUSES,
    TASK_STATUSES,
    ListedApplicationRow,
    ListedTaskRow,
)

log = logging.getLogger(__name__)
ROOT_FIELD = "myApplications"
OPERATION_LABEL = "query.myApplications"
PLAN_ENTRIES = 256
VARIANTS_KEPT = 16  # compiled selections per plan, one per combination of condition values
MAX_QUERY_CHARS = 8192

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


@dataclass(frozen=True, eq=False)
class RootPlan:
    """A document of one root field, as both short paths keep it (this one and
    precompiled_submit's): the field's node and definition, and its response key."""

    document: DocumentNode
    operation: OperationDefinitionNode
    field: GraphQLField
    node: FieldNode
    key: str


@dataclass(frozen=True, eq=False)
class Plan(RootPlan):
    parent: GraphQLObjectType
    fragments: Fragments
    conditions: tuple[str, ...]  # the variables an `@include`/`@skip` names
    variants: dict[tuple[Any, ...], Selection]
    # the document's other root fields as a document of their own, which strawberry answers
    # (a page's `me` and lists beside the applications), and the root's response keys in order
    beside: str | None = None
    order: tuple[str, ...] = ()

    def selection_for(self, variables: dict[str, Any]) -> Selection:
        """The selection for these coerced variables (ValueError: a condition of null)."""
        values = tuple(variables.get(name) for name in self.conditions)
        selection = self.variants.get(values)
        if selection is None:
            selection = _compile(
                self.parent,
                collect_fields((self.node.selection_set,), self.parent, self.fragments, variables),
                self.fragments,
                variables,
            )
            if len(self.variants) < VARIANTS_KEPT:
                self.variants[values] = selection
        return selection


def _unwrap(gql_type: Any) -> tuple[GraphQLNamedType, bool]:
    """The named type under NonNull/List wrappers, and whether there is a list."""
    is_list = False
    while isinstance(gql_type, GraphQLNonNull | GraphQLList):
        if isinstance(gql_type, GraphQLList):
            is_list = True
        gql_type = gql_type.of_type
    return gql_type, is_list


def _typename(name: str) -> Getter:
    return lambda source, lang, elder: name


def _attribute(name: str) -> Getter:
    """The getter of a field that is its source's attribute of that name."""
    return lambda source, lang, elder: getattr(source, name)


def _serializer(named: GraphQLNamedType) -> Callable[[Any], Any] | None:
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


def _compile(
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
            out.append((key, _typename(parent.name), None, None, False))
            continue
        getter = getters.get(name)
        definition = parent.fields.get(name)
        if getter is None or definition is None:
            raise ValueError(name)
        named, is_list = _unwrap(definition.type)
        if isinstance(named, GraphQLObjectType):
            subfields = collect_fields(
                tuple(node.selection_set for node in nodes), named, fragments, values
            )
            out.append((key, getter, None, _compile(named, subfields, fragments, values), is_list))
        else:
            if any(node.selection_set is not None for node in nodes) or is_list:
                raise ValueError(name)
            out.append((key, getter, _serializer(named), None, False))
    return tuple(out)


class Plans(PlanCache[Plan]):
    """Compiled documents by query text and operation name; None: not ours."""

    def __init__(self, schema: DoorstepSchema, max_entries: int = PLAN_ENTRIES) -> None:
        super().__init__(schema, max_entries)

    def _make(self, query: str, operation_name: str | None) -> Plan | None:
        root = self._root_field(
            query, operation_name, OperationType.QUERY, ROOT_FIELD, MAX_QUERY_CHARS
        )
        beside: str | None = None
        order: tuple[str, ...] = ()
        if root is None:
            found = self._list_beside_others(query, operation_name)
            if found is None:
                return None
            root, beside, order = found
        document, operation, node, field = root
        named, _ = _unwrap(field.type)
        assert isinstance(named, GraphQLObjectType)
        fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        conditions = ConditionVariables()
        visit(document, conditions)
        try:
            # every field whatever the conditions: what one request selects is a part of it
            every = collect_fields((node.selection_set,), named, fragments, None)
            _compile(named, every, fragments, None)
        except ValueError:
            return None
        key = node.alias.value if node.alias else ROOT_FIELD
        plan = Plan(
            document,
            operation,
            field,
            node,
            key,
            named,
            fragments,
            tuple(conditions.names),
            {},
            beside,
            order,
        )
        if not plan.conditions:
            plan.selection_for({})  # compiled now, once
        return plan

    def _list_beside_others(
        self, query: str, operation_name: str | None
    ) -> tuple[RootField, str, tuple[str, ...]] | None:
        """A page's document: the list once among other root fields, none of them with a
        directive or behind a fragment. The root field and the others as a document of their
        own (which must validate alone: a variable or fragment only the list uses keeps the
        whole document on the general way), and the response keys in the document's order."""
        if len(query) > MAX_QUERY_CHARS or ROOT_FIELD not in query:
            return None
        found = self._operation(query, operation_name, OperationType.QUERY)
        if found is None or found[1].directives:
            return None
        document, operation = found
        selections = operation.selection_set.selections
        if not all(isinstance(s, FieldNode) and not s.directives for s in selections):
            return None
        fields = [s for s in selections if isinstance(s, FieldNode)]
        lists = [f for f in fields if f.name.value == ROOT_FIELD]
        if len(lists) != 1 or len(fields) < 2:
            return None
        node = lists[0]
        others = tuple(f for f in fields if f is not node)
        rest = OperationDefinitionNode(
            operation=operation.operation,
            name=operation.name,
            variable_definitions=operation.variable_definitions,
            directives=operation.directives,
            selection_set=SelectionSetNode(selections=others),
        )
        fragments = tuple(d for d in document.definitions if isinstance(d, FragmentDefinitionNode))
        beside = print_ast(DocumentNode(definitions=(rest, *fragments)))
        if self._valid_document(beside) is None:
            return None
        root_type = self._schema._schema.get_root_type(OperationType.QUERY)
        assert root_type is not None
        order = tuple((f.alias or f.name).value for f in fields)
        return (document, operation, node, root_type.fields[ROOT_FIELD]), beside, order


def _fill(selection: Selection, source: Any, lang: str, elder: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, getter, serialize, nested, is_list in selection:
        value = getter(source, lang, elder)
        if value is None:
            out[key] = None
        elif nested is not None:
            out[key] = (
                [_fill(nested, item, lang, elder) for item in value]
                if is_list
                else _fill(nested, value, lang, elder)
            )
        else:
            out[key] = value if serialize is None else serialize(value)
    return out


async def answer(plans: Plans, context: Context, body: dict[str, Any]) -> dict[str, Any] | None:
    """The answer to `body` ({"data": ...}) by the precompiled path, or None to execute it."""
    actor = context.actor
    if actor.role is not Role.CITIZEN or actor.citizen_id is None:
        return None
    parts = request_parts(body)
    if parts is None:
        return None
    query, operation_name, variables = parts
    plan = plans.get(query, operation_name)
    if plan is None:
        return None
    started = time.perf_counter()
    coerced = get_variable_values(
        plans._schema._schema, plan.operation.variable_definitions or (), variables or {}
    )
    if isinstance(coerced, list):
        return None
    try:
        selection = plan.selection_for(coerced.coerced)
    except ValueError:  # a condition of null: GraphQL's refusal, in strawberry's words
        return None
    try:
        args = get_argument_values(plan.field, plan.node, coerced)
        before = args.get("before")
        before_id = parse_id(before, "task.id_invalid") if before else None
    except Exception:  # refused: the strawberry way says so in its own words
        return None
    others: dict[str, Any] | None = None
    if plan.beside is not None:
        # the list's own input known good, the other fields first, as strawberry would:
        # `me { lastSeq }` is read before the list
        try:
            result = await plans._schema.execute(
                plan.beside,
                variable_values=variables,
                context_value=context,
                operation_name=operation_name,
            )
        except Exception:
            return None  # refused before it ran: the general way refuses the whole document
        if result.errors or result.data is None:
            return None  # the general way answers the whole document, in its own words
        others = result.data
    try:
        listed = await service.my_application_rows(
            context.deps, actor, limit=args["first"], before_id=before_id
        )
    except Exception:
        # refused, or the database out of reach: the strawberry way reads again (a citizen's
        # own list has no side effects) and presents the refusal in its own words
        return None
    if listed is None:
        return None
    rows, task_rows = listed
    by_application: dict[int, list[ListedTaskRow]] = {}
    for task in task_rows:
        by_application.setdefault(task.application_id, []).append(task)
    lang, elder = context.language, context.elder
    try:
        listed_page = [
            _fill(selection, _Listed(row, by_application.get(row.id, [])), lang, elder)
            for row in rows
        ]
    except Exception:  # a getter out of step with the rows: say so, answer the general way
        log.exception("precompiled myApplications failed; executed instead")
        return None
    if others is None:
        data = {plan.key: listed_page}
    else:
        data = {key: listed_page if key == plan.key else others[key] for key in plan.order}
    GRAPHQL_OPERATIONS.labels(OPERATION_LABEL).inc()
    GRAPHQL_SECONDS.labels(OPERATION_LABEL).observe(time.perf_counter() - started)
    return {"data": data}
