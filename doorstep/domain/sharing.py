"""数据共享责任清单, the data-sharing responsibility list, and the one rule that enforces it.

For each fact key (domain.vault.FACTS) and document type (DocumentType) of the vault, the list
names the unit that owns it (the only one that may state or correct it) and the units that may
read it, for which service items, bundles or welfare visits, each with its legal basis. It is
published in whole versions with an effective date; the version in force on a day is the latest
published whose date has come. Pure: the services load the list and ask `decide` (their
`require` raises its refusal), next to `domain.policy.authorize` (which decides the role; this
decides the unit and the data).

What it governs, decided here once:
- Stating a fact (recordFacts): the stating unit must own the key. An administrator (the
  data-sharing exchange) naming a source unit is held to the same rule for that unit.
- Correcting a fact: only the owner resolves a correction; a citizen's "this is wrong" goes to
  the owner on the list (to the unit that stated it when the key is not listed).
- A staff read of a resident's vault (readResidentData): the reading unit must be the owner or
  hold a grant for the subject naming the item or bundle the read is for. A read outside the list
  is refused and recorded as refused, so the citizen sees the attempt.
- Reads by the system on a unit's behalf:
  * An application form passes vault items held from a unit to each item's unit only when the list
    lets that unit read them for that item or its bundle; otherwise the form asks the citizen for
    the material. What the citizen provided themselves goes with their own submission.
  * A proactive rule names its unit: publishing a rule whose unit may not read every fact it
    reads (for the rule's bundle; for a rule without a bundle, a risk alert, for welfare visits)
    is refused. Citizen attributes (citizen.age) come from the account, not the vault, and are
    not on the list.
- No list in force: nothing is stated, read by staff or passed from units (fail closed). The demo
  seed publishes one; a production deployment publishes its own before units state facts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from doorstep.domain.vault import FACTS, DocumentType


class SubjectKind(StrEnum):
    FACT = "fact"
    DOCUMENT = "document"


class Action(StrEnum):
    STATE = "state"
    CORRECT = "correct"
    READ = "read"


def known_subject(kind: str, key: str) -> bool:
    if kind == SubjectKind.FACT:
        return key in FACTS
    if kind == SubjectKind.DOCUMENT:
        return key in DocumentType.__members__.values()
    return False


def all_subjects() -> list[tuple[SubjectKind, str]]:
    """Every fact key and document type the vault holds, in a stable order."""
    return [(SubjectKind.FACT, k) for k in FACTS] + [
        (SubjectKind.DOCUMENT, t.value) for t in DocumentType
    ]


def subject_ref(kind: str, key: str) -> str:
    """How a read names what it concerned: "fact:<key>" or "document:<type>"."""
    return f"{kind}:{key}"


@dataclass(frozen=True)
class Grant:
    reader: str  # unit code
    items: frozenset[str] = frozenset()
    bundles: frozenset[str] = frozenset()
    welfare_check: bool = False
    legal_basis: str = ""


@dataclass(frozen=True)
class Entry:
    kind: SubjectKind
    key: str
    owner: str  # unit code
    legal_basis: str
    grants: tuple[Grant, ...] = ()

    def grant_of(self, unit: str) -> Grant | None:
        return next((g for g in self.grants if g.reader == unit), None)


@dataclass(frozen=True)
class SharingList:
    version: int
    effective_from: date
    entries: tuple[Entry, ...]
    _index: dict[tuple[str, str], Entry] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._index.update({(e.kind.value, e.key): e for e in self.entries})

    def entry(self, kind: str, key: str) -> Entry | None:
        return self._index.get((str(kind), key))

    def owner(self, kind: str, key: str) -> str | None:
        found = self.entry(kind, key)
        return found.owner if found else None


@dataclass(frozen=True)
class Purpose:
    """What a read is for: a service item, a bundle (an application of it), a welfare visit."""

    item: str | None = None
    bundle: str | None = None
    welfare_check: bool = False

    @property
    def empty(self) -> bool:
        return self.item is None and self.bundle is None and not self.welfare_check


def decide(
    sharing: SharingList | None,
    unit: str,
    kind: str,
    key: str,
    action: Action,
    purpose: Purpose | None = None,
) -> str | None:
    """None when the unit may do it; else the stable code of the refusal."""
    if sharing is None:
        return "sharing.no_list"
    entry = sharing.entry(kind, key)
    if entry is None:
        return "sharing.not_listed"
    if entry.owner == unit:
        return None  # the owner states, corrects and reads its own
    if action is not Action.READ:
        return "sharing.not_owner"
    grant = entry.grant_of(unit)
    if grant is None:
        return "sharing.read_not_allowed"
    wanted = purpose or Purpose()
    if wanted.empty:
        return "sharing.purpose_required"
    if (
        (wanted.item is not None and wanted.item in grant.items)
        or (wanted.bundle is not None and wanted.bundle in grant.bundles)
        or (wanted.welfare_check and grant.welfare_check)
    ):
        return None
    return "sharing.read_not_allowed"


def rule_purpose(bundle_code: str | None) -> Purpose:
    """What a proactive rule reads for: its bundle, or (a risk alert without one) welfare visits."""
    return Purpose(bundle=bundle_code) if bundle_code else Purpose(welfare_check=True)


def rule_refusal(
    sharing: SharingList | None,
    unit: str,
    fact_keys: Iterable[str],
    bundle_code: str | None,
) -> tuple[str, str] | None:
    """A proactive rule reads facts for its unit: for its bundle, or (a risk alert without one)
    for welfare visits. The first fact it may not read and why, or None."""
    purpose = rule_purpose(bundle_code)
    for key in fact_keys:
        code = decide(sharing, unit, SubjectKind.FACT, key, Action.READ, purpose)
        if code is not None:
            return key, code
    return None


def readable(sharing: SharingList | None, unit: str, purpose: Purpose) -> set[tuple[str, str]]:
    """Every (kind, key) the unit may read for the purpose."""
    if sharing is None:
        return set()
    return {
        (e.kind.value, e.key)
        for e in sharing.entries
        if decide(sharing, unit, e.kind, e.key, Action.READ, purpose) is None
    }


# --- a list to publish: rows (a CSV's lines, or GraphQL's rows), checked -------------------------

MAX_LEGAL_BASIS_CHARS = 300
MAX_ROWS = 5000


@dataclass(frozen=True)
class ListRow:
    """One line: the subject and its owner; with a reader, one grant of reading it."""

    line: int
    kind: str
    key: str
    owner: str
    reader: str = ""
    items: tuple[str, ...] = ()
    bundles: tuple[str, ...] = ()
    welfare_check: bool = False
    legal_basis: str = ""


@dataclass(frozen=True)
class Problem:
    line: int
    code: str
    params: Mapping[str, Any] = field(default_factory=dict)
    warning: bool = False


@dataclass(frozen=True)
class Known:
    """What the database holds that a list may name."""

    units: frozenset[str]
    items: frozenset[str]
    bundles: frozenset[str]


def build_list(rows: Iterable[ListRow], known: Known) -> tuple[list[Entry], list[Problem]]:
    """The entries the rows make and every problem by line; any error means nothing publishes.
    Each subject has one owner row (no reader: the owner and its legal basis) and a row per unit
    that may read it. Warnings: a subject of the vault the list leaves out (no unit may state it
    or read it from another)."""
    all_rows = list(rows)
    problems: list[Problem] = []
    if not all_rows:
        return [], [Problem(0, "sharing.empty")]
    if len(all_rows) > MAX_ROWS:
        return [], [Problem(all_rows[MAX_ROWS].line, "sharing.too_many_rows", {"max": MAX_ROWS})]
    problems.extend(check_owners(all_rows))
    owners: dict[tuple[str, str], tuple[str, str, int]] = {}  # subject -> owner, basis, line
    grants: dict[tuple[str, str], dict[str, Grant]] = {}
    grant_lines: dict[tuple[str, str, str], int] = {}
    for row in all_rows:
        bad = _row_problems(row, known)
        if bad:
            problems.extend(bad)
            continue
        subject = (row.kind, row.key)
        basis = " ".join(row.legal_basis.split())
        if not row.reader:
            if subject in owners:
                first_line = owners[subject][2]
                problems.append(
                    Problem(
                        row.line,
                        "sharing.subject_repeated",
                        {"key": row.key, "first_line": first_line},
                    )
                )
                continue
            owners[subject] = (row.owner, basis, row.line)
            continue
        once = (row.kind, row.key, row.reader)
        if once in grant_lines:
            problems.append(
                Problem(
                    row.line,
                    "sharing.grant_repeated",
                    {"key": row.key, "unit": row.reader, "first_line": grant_lines[once]},
                )
            )
            continue
        grant_lines[once] = row.line
        grants.setdefault(subject, {})[row.reader] = Grant(
            reader=row.reader,
            items=frozenset(row.items),
            bundles=frozenset(row.bundles),
            welfare_check=row.welfare_check,
            legal_basis=basis,
        )
    for subject in grants:
        if subject not in owners:
            line = min(grant_lines[(subject[0], subject[1], r)] for r in grants[subject])
            problems.append(Problem(line, "sharing.owner_row_missing", {"key": subject[1]}))
    entries = [
        Entry(
            kind=SubjectKind(subject[0]),
            key=subject[1],
            owner=owner,
            legal_basis=basis,
            grants=tuple(sorted(grants.get(subject, {}).values(), key=lambda g: g.reader)),
        )
        for subject, (owner, basis, _line) in owners.items()
    ]
    for kind, key in all_subjects():
        if (kind.value, key) not in owners:
            problems.append(Problem(0, "sharing.subject_unlisted", {"key": key}, warning=True))
    return entries, problems


def check_owners(rows: Iterable[ListRow]) -> list[Problem]:
    """Every row of a subject names the same owner: a second owner is refused at its line."""
    first: dict[tuple[str, str], tuple[str, int]] = {}
    problems = []
    for row in rows:
        subject = (row.kind, row.key)
        seen = first.get(subject)
        if seen is None:
            first[subject] = (row.owner, row.line)
        elif seen[0] != row.owner:
            problems.append(
                Problem(
                    row.line,
                    "sharing.owner_conflict",
                    {"key": row.key, "owner": seen[0], "first_line": seen[1]},
                )
            )
    return problems


def _row_problems(row: ListRow, known: Known) -> list[Problem]:
    out: list[Problem] = []
    if row.kind not in (SubjectKind.FACT.value, SubjectKind.DOCUMENT.value):
        return [Problem(row.line, "sharing.kind_invalid", {"kind": row.kind[:20]})]
    if not known_subject(row.kind, row.key):
        out.append(Problem(row.line, "sharing.subject_unknown", {"key": row.key[:60]}))
    if row.owner not in known.units:
        out.append(Problem(row.line, "sharing.unit_unknown", {"unit": row.owner[:40]}))
    basis = " ".join(row.legal_basis.split())
    if not basis:
        out.append(Problem(row.line, "sharing.legal_basis_missing"))
    elif len(basis) > MAX_LEGAL_BASIS_CHARS:
        out.append(
            Problem(row.line, "sharing.legal_basis_too_long", {"limit": MAX_LEGAL_BASIS_CHARS})
        )
    if row.reader:
        if row.reader not in known.units:
            out.append(Problem(row.line, "sharing.unit_unknown", {"unit": row.reader[:40]}))
        elif row.reader == row.owner:
            out.append(Problem(row.line, "sharing.reader_is_owner", {"unit": row.reader}))
        if not row.items and not row.bundles and not row.welfare_check:
            out.append(Problem(row.line, "sharing.purpose_missing"))
        for code in row.items:
            if code not in known.items:
                out.append(Problem(row.line, "sharing.item_unknown", {"item": code[:60]}))
        for code in row.bundles:
            if code not in known.bundles:
                out.append(Problem(row.line, "sharing.bundle_unknown", {"bundle": code[:60]}))
    elif row.items or row.bundles or row.welfare_check:
        out.append(Problem(row.line, "sharing.reader_missing"))
    return out
