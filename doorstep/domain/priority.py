"""优先办 (priority handling): who is served first, and what "first" means in a queue.

Pure rules, no I/O. Priority is decided only from proven data:
- age from the resident ID the account proved (实名认证), never from a typed birth date;
- vault facts, each stated by the unit that owns it (a fact always has a source unit);
- documents only when a unit issued them into the vault (one a citizen uploaded is a claim).
Every ground keeps its source, so the citizen sees why and can ask the owning unit to correct
the fact (the vault's correction path, `flagFact`).

In a staff queue, work is ordered by its deadline band first (the legal deadline's working day:
the same day is the same band), then priority work before the rest, then the oldest. Priority
work also carries a shorter internal target: half its working days (rounded up), never later
than the legal deadline.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from doorstep.domain.calendar import WorkingCalendar


class Reason(StrEnum):
    """Grounds for priority, strongest first: the first that holds is the work's reason."""

    AGE_80 = "age_80"
    PREGNANCY = "pregnancy"
    DISABILITY = "disability"
    CARE_DEPENDENT = "care_dependent"
    TEKUN = "tekun"
    AGE_70 = "age_70"


AGE_FIRST = 70
AGE_SECOND = 80
# elder care assessment (卫健: 0 able .. 4 fully dependent): 3 and 4 need another's help
CARE_LEVEL_DEPENDENT = 3
# pregnancy counts until the expected date, and for the 42 days after it (产褥期)
PUERPERIUM_DAYS = 42
# an expected date further ahead than a pregnancy lasts is not believed
PREGNANCY_MAX_DAYS_AHEAD = 300

# the vault facts the policy reads (every one is owned by one unit, which corrects it)
FACT_KEYS = (
    "disability.level",
    "elder.care_level",
    "assistance.tekun",
    "maternity.expected_on",
)
DISABILITY_DOCUMENT = "disability_certificate"


@dataclass(frozen=True)
class FactEvidence:
    value: bool | int | date | str | None
    unit_code: str
    unit_name: str


@dataclass(frozen=True)
class DocumentEvidence:
    doc_type: str
    # the issuing unit; None when the citizen uploaded it (a claim, not proof)
    unit_code: str | None
    unit_name: str | None
    valid_until: date | None


@dataclass(frozen=True)
class Evidence:
    """What is known, with its source, about one citizen."""

    # from the proved resident ID; None if the account has not proved one
    birth_date: date | None
    facts: Mapping[str, FactEvidence]
    documents: Sequence[DocumentEvidence] = ()


class SourceKind(StrEnum):
    IDENTITY = "identity"  # the proved resident ID
    FACT = "fact"
    DOCUMENT = "document"


@dataclass(frozen=True)
class Ground:
    reason: Reason
    source: SourceKind
    # the vault fact behind it (what a correction is asked for); None for identity / documents
    fact_key: str | None = None
    unit_code: str | None = None
    unit_name: str | None = None


def age_on(birth: date, today: date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def _fact(evidence: Evidence, key: str) -> FactEvidence | None:
    fact = evidence.facts.get(key)
    return fact if fact is not None and fact.value is not None else None


def _from_fact(reason: Reason, key: str, fact: FactEvidence) -> Ground:
    return Ground(reason, SourceKind.FACT, key, fact.unit_code, fact.unit_name)


def grounds(evidence: Evidence, today: date) -> list[Ground]:
    """Every ground that holds, strongest first (see Reason); empty: no priority."""
    found: list[Ground] = []
    age = age_on(evidence.birth_date, today) if evidence.birth_date else None
    if age is not None and age >= AGE_SECOND:
        found.append(Ground(Reason.AGE_80, SourceKind.IDENTITY))
    expected = _fact(evidence, "maternity.expected_on")
    if (
        expected is not None
        and isinstance(expected.value, date)
        and today - timedelta(days=PUERPERIUM_DAYS)
        <= expected.value
        <= today + timedelta(days=PREGNANCY_MAX_DAYS_AHEAD)
    ):
        found.append(_from_fact(Reason.PREGNANCY, "maternity.expected_on", expected))
    level = _fact(evidence, "disability.level")
    if level is not None and isinstance(level.value, int):
        found.append(_from_fact(Reason.DISABILITY, "disability.level", level))
    else:
        issued = next(
            (
                d
                for d in evidence.documents
                if d.doc_type == DISABILITY_DOCUMENT
                and d.unit_code is not None
                and (d.valid_until is None or d.valid_until >= today)
            ),
            None,
        )
        if issued is not None:
            found.append(
                Ground(
                    Reason.DISABILITY,
                    SourceKind.DOCUMENT,
                    None,
                    issued.unit_code,
                    issued.unit_name,
                )
            )
    care = _fact(evidence, "elder.care_level")
    if care is not None and isinstance(care.value, int) and care.value >= CARE_LEVEL_DEPENDENT:
        found.append(_from_fact(Reason.CARE_DEPENDENT, "elder.care_level", care))
    tekun = _fact(evidence, "assistance.tekun")
    if tekun is not None and tekun.value is True:
        found.append(_from_fact(Reason.TEKUN, "assistance.tekun", tekun))
    if age is not None and AGE_FIRST <= age < AGE_SECOND:
        found.append(Ground(Reason.AGE_70, SourceKind.IDENTITY))
    return found


def reason_of(found: Sequence[Ground]) -> Reason | None:
    """The work's one recorded reason: the strongest ground."""
    return found[0].reason if found else None


# --- queues and targets ------------------------------------------------------------------------


def band_of(due_on: date) -> date:
    """The deadline band of work due on `due_on`: its working day."""
    return due_on


def queue_key(due_on: date, priority: bool, work_id: int) -> tuple[date, int, int]:
    """Order in every staff queue: the band, then priority work, then the oldest."""
    return (band_of(due_on), 0 if priority else 1, work_id)


def target_days(working_days: int, priority: bool) -> int:
    """The working days of the internal target: priority work gets half (rounded up)."""
    if not priority or working_days <= 1:
        return working_days
    return math.ceil(working_days / 2)


def internal_target(
    calendar: WorkingCalendar, start: date, due_on: date, working_days: int, priority: bool
) -> date:
    """The day a unit aims to finish by: the legal deadline, or earlier for priority work."""
    if not priority:
        return due_on
    return min(due_on, calendar.add_working_days(start, target_days(working_days, priority)))
