"""优先办 policy: who is served first, from proven data only, and how queues order work."""

from __future__ import annotations

from datetime import date, timedelta

from doorstep.domain.calendar import WorkingCalendar
from doorstep.domain.priority import (
    DocumentEvidence,
    Evidence,
    FactEvidence,
    Reason,
    SourceKind,
    grounds,
    internal_target,
    queue_key,
    reason_of,
    target_days,
)

TODAY = date(2026, 12, 7)


def _fact(value: object, unit: str = "cy-disabled") -> FactEvidence:
    return FactEvidence(value, unit, unit)  # type: ignore[arg-type]


def test_age_thresholds_come_from_the_proved_birth_date() -> None:
    def reasons(birth: date | None) -> list[Reason]:
        return [g.reason for g in grounds(Evidence(birth, {}), TODAY)]

    assert reasons(date(1956, 12, 8)) == []  # 69, turns 70 tomorrow
    assert reasons(date(1956, 12, 7)) == [Reason.AGE_70]
    assert reasons(date(1946, 12, 7)) == [Reason.AGE_80]
    assert reasons(None) == []  # no proved ID: age unknown, never guessed
    found = grounds(Evidence(date(1940, 1, 1), {}), TODAY)
    assert found[0].source is SourceKind.IDENTITY and found[0].fact_key is None


def test_facts_count_with_their_source_and_the_strongest_ground_is_the_reason() -> None:
    evidence = Evidence(
        date(1950, 1, 1),  # 76
        {
            "disability.level": _fact(2),
            "assistance.tekun": _fact(True, "cy-civil-affairs"),
            "elder.care_level": _fact(1, "cy-health"),  # able enough: no ground
        },
    )
    found = grounds(evidence, TODAY)
    assert [g.reason for g in found] == [Reason.DISABILITY, Reason.TEKUN, Reason.AGE_70]
    assert reason_of(found) is Reason.DISABILITY
    assert (found[0].fact_key, found[0].unit_code) == ("disability.level", "cy-disabled")
    dependent = Evidence(None, {"elder.care_level": _fact(3, "cy-health")})
    assert [g.reason for g in grounds(dependent, TODAY)] == [Reason.CARE_DEPENDENT]
    assert grounds(Evidence(None, {"assistance.tekun": _fact(False)}), TODAY) == []


def test_pregnancy_counts_until_42_days_after_the_expected_date() -> None:
    def pregnant(expected: date) -> bool:
        evidence = Evidence(None, {"maternity.expected_on": _fact(expected, "cy-mch")})
        return [g.reason for g in grounds(evidence, TODAY)] == [Reason.PREGNANCY]

    assert pregnant(TODAY + timedelta(days=120))
    assert pregnant(TODAY - timedelta(days=42))
    assert not pregnant(TODAY - timedelta(days=43))
    assert not pregnant(TODAY + timedelta(days=400))  # no pregnancy lasts that long


def test_an_uploaded_certificate_is_a_claim_an_issued_one_is_proof() -> None:
    uploaded = DocumentEvidence("disability_certificate", None, None, None)
    issued = DocumentEvidence("disability_certificate", "cy-disabled", "残联", None)
    yesterday = TODAY - timedelta(1)
    expired = DocumentEvidence("disability_certificate", "cy-disabled", "残联", yesterday)
    assert grounds(Evidence(None, {}, [uploaded]), TODAY) == []
    assert grounds(Evidence(None, {}, [expired]), TODAY) == []
    [ground] = grounds(Evidence(None, {}, [issued]), TODAY)
    assert (ground.reason, ground.source, ground.unit_code) == (
        Reason.DISABILITY,
        SourceKind.DOCUMENT,
        "cy-disabled",
    )


def test_priority_comes_first_within_a_deadline_day_only() -> None:
    day = date(2026, 12, 10)
    work = [
        ("late-priority", queue_key(day + timedelta(1), True, 1)),
        ("normal-old", queue_key(day, False, 2)),
        ("priority-new", queue_key(day, True, 9)),
        ("normal-new", queue_key(day, False, 5)),
    ]
    assert [name for name, _ in sorted(work, key=lambda w: w[1])] == [
        "priority-new",
        "normal-old",
        "normal-new",
        "late-priority",
    ]


def test_priority_work_has_a_shorter_internal_target() -> None:
    calendar = WorkingCalendar()
    start = date(2026, 12, 7)  # a Monday
    due = calendar.add_working_days(start, 10)
    assert internal_target(calendar, start, due, 10, False) == due
    assert target_days(10, True) == 5 and target_days(3, True) == 2 and target_days(1, True) == 1
    assert internal_target(calendar, start, due, 10, True) == calendar.add_working_days(start, 5)
    assert internal_target(calendar, start, due, 10, True) < due
