"""Compiling a rule's condition (`domain.rules`) to SQL: a WHERE fragment, joins and evidence.

`compile_condition` turns a validated tree into a WHERE fragment, LEFT JOINs (one per fact key)
and an evidence expression (the values that produced a match), with every operand a bind
parameter: no text from the rule ever reaches the SQL. Field names are looked up in the
registry and only the registry's own keys are used as (bound) join keys. Each test compiles to
`(<present> and <comparison>)`, which is never NULL, so NOT / AND / OR keep their two-valued
meaning.
"""

from __future__ import annotations

from dataclasses import dataclass

from doorstep.domain.rules import Node, Not, Test, fields_of
from doorstep.domain.vault import FIELDS, FactType

_SQL_COMPARE = {"=": "=", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}


class Params:
    """Bind parameters for one statement: `add` returns the `$n::type` placeholder."""

    def __init__(self, *initial: object) -> None:
        self.values: list[object] = list(initial)

    def add(self, value: object, sql_type: str) -> str:
        self.values.append(value)
        return f"${len(self.values)}::{sql_type}"


_VALUE_COLUMN = {
    FactType.BOOL: "flag",
    FactType.INT: "num",
    FactType.DATE: "day",
    FactType.TEXT: "txt",
}
_SQL_TYPE = {
    FactType.BOOL: "boolean",
    FactType.INT: "numeric",
    FactType.DATE: "date",
    FactType.TEXT: "text",
}


@dataclass(frozen=True)
class CompiledCondition:
    joins: str  # LEFT JOIN clauses on vault_facts, after `citizens c`
    where: str  # a boolean expression, never NULL
    evidence: str  # a jsonb expression: the values that produced a match


def compile_condition(
    node: Node, params: Params, as_of: str, *, evidence: bool = True
) -> CompiledCondition:
    """SQL for a validated condition. `as_of` is the placeholder of the evaluation date.

    The statement around it must select `from citizens c` and add `joins` after it. Without
    `evidence` no evidence expression (nor its parameters) is made: every parameter added must
    be used by the statement.
    """
    aliases: dict[str, str] = {}
    joins: list[str] = []
    for name in fields_of(node):
        if FIELDS[name].virtual or name in aliases:
            continue
        alias = f"f{len(aliases) + 1}"
        aliases[name] = alias
        key = params.add(name, "text")
        joins.append(
            f"left join vault_facts {alias} on {alias}.citizen_id = c.id and {alias}.key = {key}"
        )

    def value_of(name: str) -> tuple[str, str]:
        """(the value expression, the presence test)."""
        if name == "citizen.age":
            return (
                f"extract(year from age({as_of}, c.birth_date))::int",
                "c.birth_date is not null",
            )
        alias = aliases[name]
        column = _VALUE_COLUMN[FIELDS[name].type]
        return f"{alias}.{column}", f"{alias}.{column} is not null"

    def test_sql(t: Test) -> str:
        spec = FIELDS[t.field]
        value, present = value_of(t.field)
        if t.op == "exists":
            return f"({present})"
        if t.op == "missing":
            return f"({aliases[t.field]}.citizen_id is null)"
        sql_type = _SQL_TYPE[spec.type]
        if t.field == "citizen.age" and t.op in _SQL_COMPARE:
            return age_sql(t.op, t.value)
        if t.op == "is":
            return f"({present} and {value} = {params.add(t.value, 'boolean')})"
        if t.op in _SQL_COMPARE:
            return f"({present} and {value} {_SQL_COMPARE[t.op]} {params.add(t.value, sql_type)})"
        if t.op == "in":
            return f"({present} and {value} = any({params.add(list(t.value), sql_type + '[]')}))"
        n = params.add(t.value, "int")
        if t.op == "days_since_at_least":
            return f"({present} and {value} <= {as_of} - {n})"
        if t.op == "days_since_at_most":
            return f"({present} and {value} <= {as_of} and {value} >= {as_of} - {n})"
        if t.op == "days_until_at_most":
            return f"({present} and {value} >= {as_of} and {value} <= {as_of} + {n})"
        if t.op == "months_since_at_least":
            return f"({present} and {value} <= ({as_of} - make_interval(months => {n}))::date)"
        if t.op == "turned_this_month":
            birthday = f"(c.birth_date + make_interval(years => {n}))::date"
            return (
                f"(c.birth_date is not null and {birthday} <= {as_of} "
                f"and {birthday} >= date_trunc('month', {as_of})::date)"
            )
        raise AssertionError(t.op)  # parse_condition admits no other operator

    def age_sql(op: str, years: int) -> str:
        """Age compared as a birth-date bound, not computed per row: age >= N holds exactly
        when birth_date <= as_of - N years (PostgreSQL's own age() agrees, 29 February
        included), and the bound is computed once."""

        def born_by(n: int) -> str:
            return f"({as_of} - make_interval(years => {params.add(n, 'int')}))::date"

        b = "c.birth_date"
        at_least = {">=": years, ">": years + 1}
        below = {"<": years, "<=": years + 1}
        if op in at_least:
            test = f"{b} <= {born_by(at_least[op])}"
        elif op in below:
            test = f"{b} > {born_by(below[op])}"
        else:
            exactly = f"{b} <= {born_by(years)} and {b} > {born_by(years + 1)}"
            test = exactly if op == "=" else f"not ({exactly})"
        return f"({b} is not null and {test})"

    def node_sql(n: Node) -> str:
        if isinstance(n, Test):
            return test_sql(n)
        if isinstance(n, Not):
            return f"(not {node_sql(n.item)})"
        glue = " and " if n.mode == "all" else " or "
        return "(" + glue.join(node_sql(i) for i in n.items) + ")"

    where = node_sql(node)
    evidence_parts: list[str] = []
    for name in fields_of(node) if evidence else ():
        label = params.add(name, "text")
        if FIELDS[name].virtual:
            value, _present = value_of(name)
            evidence_parts.append(f"{label}, jsonb_build_object('v', {value})")
            continue
        alias = aliases[name]
        column = _VALUE_COLUMN[FIELDS[name].type]
        evidence_parts.append(
            f"{label}, case when {alias}.citizen_id is null then null else jsonb_build_object("
            f"'v', {alias}.{column}, 'unit', {alias}.source_unit_id, 'at', {alias}.as_of) end"
        )
    return CompiledCondition(
        joins="\n".join(joins),
        where=where,
        evidence="jsonb_build_object(" + ", ".join(evidence_parts) + ")",
    )
