"""Which message keys the code uses, read from the source, checked against the three catalogs.

Our message ids are stable keys, not English sentences, so gettext's `pybabel extract` (which
looks for `_()` / `gettext()` calls) finds none of them. This module reads the package with
`ast` instead and finds every key a user can be shown:

- `translate("...")` with a literal key, and any string literal that is a whole key of one of
  the catalogs' namespaces (`next.wait`, `sms.login_code`, ...), wherever it is written;
- refusals: `InvalidInput("task.reason_required")` (any DomainError subclass) means the key
  `error.task.reason_required`; module constants are resolved, a refusal without a code uses its
  class's default;
- SMS templates: `template="sms.application_submitted"`;
- timeline events: `events.append(kind="...", application_id=...)` means `event.<kind>`;
- keys built with f-strings (`f"task_status.{status.value}"`, `f"event.{kind}"`, ...): each
  such family is listed in `FAMILIES` with every value it can take, taken from the enums.
  An f-string key of a family not listed is itself a problem, so none slips by.

Then for each catalog: every used key is there, no translation drops or adds a placeholder,
every elder variant (msgctxt "elder") has a normal text and uses no placeholder it lacks, and
statuses, next steps and errors all have an elder variant.

Run `uv run python -m doorstep.i18n.extract` for the report (exit status 1 on any problem);
`tests/unit/test_i18n_catalogs.py` runs the same checks.
"""

from __future__ import annotations

import ast
import string
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from doorstep.i18n import DEFAULT_LANGUAGE, ELDER_CONTEXT, LANGUAGES, _catalog

PACKAGE_DIR = Path(__file__).resolve().parent.parent
# namespaces whose every key needs a plain-language elder variant
ELDER_REQUIRED = ("error.", "task_status.", "application_status.", "next.")
# events that never reach a citizen's timeline (no application): no message needed
_UNSHOWN_EVENT_PREFIXES = ("ops.",)


def _enum_values(path: str, *, only: str | None = None) -> Callable[[], set[str]]:
    def values() -> set[str]:
        import importlib

        module_name, _, name = path.rpartition(".")
        obj = getattr(importlib.import_module(module_name), name)
        return {str(getattr(v, "value", v)) for v in obj}

    return values


# literal prefix of an f-string key -> every value that may follow it
FAMILIES: dict[str, Callable[[], set[str]]] = {
    "task_status.": _enum_values("doorstep.domain.workflow.TaskStatus"),
    "application_status.": _enum_values("doorstep.domain.workflow.ApplicationStatus"),
    # finished applications tell the citizen by SMS
    "sms.application_": _enum_values("doorstep.domain.workflow.FINAL_APPLICATION_STATUSES"),
    "sms.plain.application_": _enum_values("doorstep.domain.workflow.FINAL_APPLICATION_STATUSES"),
    "theme.": _enum_values("doorstep.domain.delegation.Theme"),
    "priority_reason.": _enum_values("doorstep.domain.priority.Reason"),
    "escort_kind.": _enum_values("doorstep.domain.escort.SlotKind"),
    "escort_status.": _enum_values("doorstep.domain.escort.BookingStatus"),
    # a review of a refused task (申请复核): where it stands, and the SMS of its outcome
    "review_status.": lambda: {"open", "upheld", "overturned"},
    "sms.review_": lambda: {"upheld", "overturned"},
    "delegation_status.": _enum_values("doorstep.domain.delegation.DelegationStatus"),
    "consent_method.": _enum_values("doorstep.domain.delegation.ConsentMethod"),
    "confirmation_status.": _enum_values("doorstep.domain.delegation.ConfirmationStatus"),
    "data_reader.": lambda: {"staff", "agent"},
    "data_what.": _enum_values("doorstep.services.privacy.READ_WHAT"),
    "data_purpose.": _enum_values("doorstep.services.privacy.READ_PURPOSES"),
    "error.http.": lambda: {
        "not_found",
        "method_not_allowed",
        "too_large",
        "bad_request",
        "http_error",
    },
    # the once-only vault and services that find people
    "fact.": _enum_values("doorstep.domain.vault.FIELDS"),
    "fact_choice.": _enum_values("doorstep.domain.vault.FACT_CHOICES"),
    "doc_type.": _enum_values("doorstep.domain.vault.DocumentType"),
    "correction_status.": _enum_values("doorstep.domain.vault.CORRECTION_STATUSES"),
    "vault_use.": _enum_values("doorstep.domain.vault.USE_PURPOSES"),
    "offer_status.": _enum_values("doorstep.domain.rules.OFFER_STATUSES"),
    "offer_category.": _enum_values("doorstep.domain.rules.Category"),
    "rule_kind.": _enum_values("doorstep.domain.rules.RuleKind"),
    "appeal_status.": _enum_values("doorstep.domain.rules.APPEAL_STATUSES"),
    "welfare_outcome.": _enum_values("doorstep.domain.rules.WELFARE_OUTCOMES"),
    # tickets (诉求)
    "ticket_status.": _enum_values("doorstep.domain.tickets.TicketStatus"),
    "ticket_kind.": _enum_values("doorstep.domain.tickets.TicketKind"),
    "urgency.": _enum_values("doorstep.domain.tickets.Urgency"),
    "rating.": _enum_values("doorstep.domain.tickets.RATING_LABELS"),
    "dispatch_warning.": _enum_values("doorstep.domain.dispatch_checks.WARNING_CODES"),
}
# event kinds built as f"task.{action.value}"
EVENT_FAMILIES: dict[str, Callable[[], set[str]]] = {
    "task.": _enum_values("doorstep.domain.workflow.TaskAction"),
    "task.review_": lambda: {"upheld", "overturned"},
}
# keys whose family is the refusal mechanism itself (the codes are collected from the raises)
_SELF_FAMILIES = ("error.", "event.")
# refusals whose code is computed (a validator's ValueError reason passed on): their codes
DYNAMIC_ERROR_CODES: tuple[str, ...] = (
    "resident_id.format",
    "resident_id.checksum",
    "resident_id.birth_date",
    "phone.invalid",
    "delegation.themes_invalid",
    "delegation.days_invalid",
)


# names DomainError(code, **params) and translate(key, language, /, *, elder, **params) take
# as their own arguments (key and language are positional-only in translate)
_RESERVED_ERROR_PARAMS = frozenset({"code", "elder", "self"})


@dataclass
class Usage:
    keys: dict[str, set[str]] = field(default_factory=dict)  # key -> "file:line" places
    problems: list[str] = field(default_factory=list)

    def add(self, key: str, where: str) -> None:
        self.keys.setdefault(key, set()).add(where)


def _source_files(root: Path) -> Iterator[Path]:
    for path in sorted(root.rglob("*.py")):
        if "__pycache__" not in path.parts and path != Path(__file__).resolve():
            yield path


def _literal(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _fstring_prefix(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.JoinedStr) and node.values:
        return _literal(node.values[0]) or ""
    return None


def _call_name(node: ast.Call) -> str | None:
    if isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    return None


def _is_events_append(node: ast.Call) -> bool:
    func = node.func
    return (
        isinstance(func, ast.Attribute)
        and func.attr == "append"
        and isinstance(func.value, ast.Name)
        and func.value.id == "events"
    )


def _keyword(node: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in node.keywords if k.arg == name), None)


def _error_classes(trees: dict[Path, ast.Module]) -> dict[str, str]:
    """DomainError and its subclasses anywhere in the package -> their default code."""
    classes: dict[str, tuple[list[str], str | None]] = {}
    for tree in trees.values():
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                bases = [b.id for b in node.bases if isinstance(b, ast.Name)]
                code = None
                for stmt in node.body:
                    if (
                        isinstance(stmt, ast.AnnAssign | ast.Assign)
                        and _literal(stmt.value) is not None
                    ):
                        targets = [stmt.target] if isinstance(stmt, ast.AnnAssign) else stmt.targets
                        if any(isinstance(t, ast.Name) and t.id == "code" for t in targets):
                            code = _literal(stmt.value)
                classes[node.name] = (bases, code)
    found = {"DomainError": classes.get("DomainError", ([], "internal"))[1] or "internal"}
    changed = True
    while changed:
        changed = False
        for name, (bases, code) in classes.items():
            if name not in found and any(b in found for b in bases):
                parent = next(b for b in bases if b in found)
                found[name] = code or found[parent]
                changed = True
    return found


def _constants(trees: dict[Path, ast.Module]) -> dict[str, str]:
    """Module-level NAME = "literal" assignments, for codes passed by name."""
    values: dict[str, str] = {}
    for tree in trees.values():
        for stmt in tree.body:
            if isinstance(stmt, ast.Assign) and _literal(stmt.value) is not None:
                for target in stmt.targets:
                    if isinstance(target, ast.Name):
                        values[target.id] = _literal(stmt.value) or ""
    return values


def _string_values(node: ast.AST | None) -> list[str]:
    """The literal strings an expression can be: "a", or "a" if x else "b"."""
    if isinstance(node, ast.IfExp):
        return _string_values(node.body) + _string_values(node.orelse)
    literal = _literal(node)
    return [literal] if literal is not None else []


def _local_strings(tree: ast.Module) -> dict[int, dict[str, list[str]]]:
    """For every node inside a function: that function's `name = "literal"` assignments."""
    scopes: dict[int, dict[str, list[str]]] = {}
    for func in ast.walk(tree):
        if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        assigned: dict[str, list[str]] = {}
        for node in ast.walk(func):
            if isinstance(node, ast.Assign | ast.AnnAssign):
                targets = [node.target] if isinstance(node, ast.AnnAssign) else node.targets
                for target in targets:
                    if isinstance(target, ast.Name):
                        assigned.setdefault(target.id, []).extend(_string_values(node.value))
        for node in ast.walk(func):
            scopes[id(node)] = assigned  # the innermost function wins: walked last
    return scopes


def _returned_strings(tree: ast.Module) -> dict[str, list[str]]:
    """Module functions -> the literal strings they return (codes chosen by a helper)."""
    found: dict[str, list[str]] = {}
    for func in tree.body:
        if isinstance(func, ast.FunctionDef):
            found[func.name] = [
                value
                for node in ast.walk(func)
                if isinstance(node, ast.Return)
                for value in _string_values(node.value)
            ]
    return found


def _namespaces() -> set[str]:
    return {key.split(".", 1)[0] + "." for (_ctx, key) in _catalog("zh_Hans") if "." in key}


def _family(prefix: str, families: dict[str, Callable[[], set[str]]]) -> set[str] | None:
    values = families.get(prefix)
    return values() if values is not None else None


def used_keys(root: Path = PACKAGE_DIR) -> Usage:
    usage = Usage()
    trees = {path: ast.parse(path.read_text(), str(path)) for path in _source_files(root)}
    errors = _error_classes(trees)
    constants = _constants(trees)
    namespaces = _namespaces()
    for code in DYNAMIC_ERROR_CODES:
        usage.add(f"error.{code}", "DYNAMIC_ERROR_CODES")

    def key_or_family(node: ast.AST | None, where: str, wrap: str = "{}") -> None:
        """A message key given literally or as an f-string of a known family."""
        literals = _string_values(node)  # "a", or "a" if x else "b"
        for literal in literals:
            usage.add(wrap.format(literal), where)
        if literals:
            return
        prefix = _fstring_prefix(node)
        if prefix is None:
            return
        full = wrap.format(prefix)
        if any(full == p for p in _SELF_FAMILIES):
            return
        values = _family(full, FAMILIES)
        if values is None:
            usage.problems.append(
                f"{where}: key family {full!r}... is not listed in doorstep.i18n.extract.FAMILIES"
            )
            return
        for value in values:
            usage.add(full + value, where)

    for path, tree in trees.items():
        rel = path.relative_to(root.parent)
        # the literal parts of f-strings are not keys by themselves
        parts = {id(v) for n in ast.walk(tree) if isinstance(n, ast.JoinedStr) for v in n.values}
        scopes = _local_strings(tree)
        helpers = _returned_strings(tree)
        for node in ast.walk(tree):
            where = f"{rel}:{getattr(node, 'lineno', 0)}"
            literal = _literal(node) if id(node) not in parts else None
            if literal is not None and any(
                literal.startswith(ns) and _is_key(literal) for ns in namespaces
            ):
                usage.add(literal, where)
            if not isinstance(node, ast.Call):
                continue
            name = _call_name(node)
            if name in ("translate", "translate_or") and node.args:
                key_or_family(node.args[0], where)
            template = _keyword(node, "template")
            if template is not None:
                key_or_family(template, where)
            if _is_events_append(node):
                kind = _keyword(node, "kind")
                shown = _keyword(node, "application_id") is not None or any(
                    k.arg is None for k in node.keywords
                )  # **common
                if not shown:
                    continue
                kind_literal = _literal(kind)
                if kind_literal is not None:
                    if not kind_literal.startswith(_UNSHOWN_EVENT_PREFIXES):
                        usage.add(f"event.{kind_literal}", where)
                    continue
                prefix = _fstring_prefix(kind)
                if prefix is not None:
                    values = _family(prefix, EVENT_FAMILIES)
                    if values is None:
                        usage.problems.append(
                            f"{where}: event kind family {prefix!r}... is "
                            "not listed in EVENT_FAMILIES"
                        )
                    else:
                        for value in values:
                            usage.add(f"event.{prefix}{value}", where)
            elif isinstance(node.func, ast.Name) and name in errors:
                first = node.args[0] if node.args else _keyword(node, "code")
                if first is None:
                    usage.add(f"error.{errors[name]}", where)
                elif _literal(first) is not None:
                    usage.add(f"error.{_literal(first)}", where)
                elif isinstance(first, ast.Name) and scopes.get(id(node), {}).get(first.id):
                    for code in scopes[id(node)][first.id]:  # failure = "login.code_wrong"
                        usage.add(f"error.{code}", where)
                elif isinstance(first, ast.Name) and first.id in constants:
                    usage.add(f"error.{constants[first.id]}", where)
                elif (
                    isinstance(first, ast.Call)
                    and isinstance(first.func, ast.Name)
                    and helpers.get(first.func.id)
                ):
                    for code in helpers[first.func.id]:  # Forbidden(_agent_refusal(...))
                        usage.add(f"error.{code}", where)
                # anything else is a computed code: see DYNAMIC_ERROR_CODES
    return usage


def _is_key(text: str) -> bool:
    allowed = set(string.ascii_lowercase + string.digits + "_.")
    return (
        bool(text) and set(text) <= allowed and ".." not in text and not text.endswith((".", "_"))
    )


def placeholders(text: str) -> set[str]:
    return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name}


Messages = Mapping[tuple[str | None, str], str]


def check(usage: Usage | None = None, catalogs: Mapping[str, Messages] | None = None) -> list[str]:
    """Every problem found, as readable lines; empty when the catalogs are complete."""
    usage = usage or used_keys()
    problems = list(usage.problems)
    catalogs = catalogs or {lang: _catalog(lang) for lang in LANGUAGES}
    reference = catalogs[DEFAULT_LANGUAGE]
    for key in sorted(usage.keys):
        for lang, messages in catalogs.items():
            if (None, key) not in messages:
                where = ", ".join(sorted(usage.keys[key])[:3])
                problems.append(f"{lang}: missing {key!r} (used at {where})")
    every = set().union(*(set(m) for m in catalogs.values()))
    for ctx, key in sorted(every, key=lambda e: (e[0] or "", e[1])):
        label = f"{ctx}|{key}" if ctx else key
        for lang, messages in catalogs.items():
            if (ctx, key) not in messages:
                problems.append(f"{lang}: lacks {label!r}, which another catalog has")
        if (ctx, key) not in reference:
            continue
        expected = placeholders(reference[(ctx, key)])
        for lang, messages in catalogs.items():
            text = messages.get((ctx, key))
            if text is not None and placeholders(text) != expected:
                problems.append(
                    f"{lang}: {label!r} has placeholders "
                    f"{sorted(placeholders(text))}, {DEFAULT_LANGUAGE} has "
                    f"{sorted(expected)}"
                )
        if ctx == ELDER_CONTEXT:
            normal = reference.get((None, key))
            if normal is None:
                problems.append(f"elder variant {key!r} has no normal text")
            elif not expected <= placeholders(normal):
                problems.append(
                    f"elder variant {key!r} uses placeholders the normal text "
                    f"lacks: {sorted(expected - placeholders(normal))}"
                )
        elif ctx is not None:
            problems.append(f"unknown message context {ctx!r} for {key!r}")
    for (ctx, key), text in sorted(reference.items(), key=lambda e: (e[0][0] or "", e[0][1])):
        # a refusal's parameters travel as keyword arguments of DomainError and translate()
        reserved = placeholders(text) & _RESERVED_ERROR_PARAMS
        if key.startswith("error.") and reserved:
            label = f"{ctx}|{key}" if ctx else key
            problems.append(
                f"{label!r} uses reserved placeholder names {sorted(reserved)}: "
                "DomainError and translate() take those arguments themselves"
            )
    for _ctx, key in sorted(k for k in reference if k[0] is None):
        if key.startswith(ELDER_REQUIRED) and (ELDER_CONTEXT, key) not in reference:
            problems.append(
                f"{DEFAULT_LANGUAGE}: {key!r} has no plain-language elder variant "
                f'(msgctxt "{ELDER_CONTEXT}")'
            )
    return problems


def main() -> int:
    usage = used_keys()
    problems = check(usage)
    print(f"{len(usage.keys)} message keys used by the code; catalogs: {', '.join(LANGUAGES)}")
    for line in problems:
        print(f"  {line}")
    print("OK" if not problems else f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
