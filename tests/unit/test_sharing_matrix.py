"""The data-sharing responsibility list as a matrix, from the list the demo publishes: every
unit x every fact and document type x state / correct (only the owner written out below), and
reads for named items and bundles written out by hand (domain/sharing.py)."""

from __future__ import annotations

import pytest

from doorstep.domain.sharing import (
    Action,
    Known,
    ListRow,
    Purpose,
    SharingList,
    SubjectKind,
    all_subjects,
    build_list,
    decide,
)
from doorstep.store import demo_data
from doorstep.store.demo_sharing import EFFECTIVE_FROM, demo_rows

KNOWN = Known(
    units=frozenset(u.code for u in demo_data.UNITS),
    items=frozenset(i.code for i in demo_data.SERVICE_ITEMS),
    bundles=frozenset(b.code for b in demo_data.BUNDLES),
)
ENTRIES, PROBLEMS = build_list(demo_rows(), KNOWN)
LIST = SharingList(version=1, effective_from=EFFECTIVE_FROM, entries=tuple(ENTRIES))
UNITS = sorted(KNOWN.units)

# who owns what, written out by hand (the articles' 数据共享责任清单 for the demo district)
OWNER = {
    "household.size": "cy-psb",
    "household.lives_alone": "cy-jianwai-yonganli",
    "household.newborn_registered_on": "cy-psb",
    "household.newborn_insured": "cy-medical-security",
    "activity.last_seen": "cy-jianwai-yonganli",
    "medical_insurance.scheme": "cy-medical-security",
    "medical_insurance.paid_until": "cy-medical-security",
    "pension.retirement_date": "cy-hrss",
    "pension.contributing": "cy-hrss",
    "disability.level": "cy-disabled",
    "disability.category": "cy-disabled",
    "elder.care_level": "cy-health",
    "maternity.expected_on": "cy-mch",
    "assistance.dibao": "cy-civil-affairs",
    "assistance.low_income": "cy-civil-affairs",
    "assistance.tekun": "cy-civil-affairs",
    "benefit.longevity_allowance": "cy-civil-affairs",
    "benefit.childcare_subsidy": "cy-health",
    "benefit.disability_care_subsidy": "cy-civil-affairs",
    "benefit.disability_living_subsidy": "cy-civil-affairs",
    "benefit.elder_care_subsidy": "cy-civil-affairs",
    "benefit.elder_service_subsidy": "cy-civil-affairs",
    "benefit.elder_card": "cy-jianwai",
    "benefit.pension": "cy-hrss",
    "resident_id_card": "cy-psb",
    "household_register": "cy-psb",
    "birth_certificate": "cy-mch",
    "marriage_certificate": "cy-civil-affairs",
    "social_security_card": "cy-hrss",
    "disability_certificate": "cy-disabled",
    "vaccination_certificate": "cy-cdc",
    "property_certificate": "cy-housing",
    "elder_card": "cy-jianwai",
    "retirement_certificate": "cy-hrss",
    # the citizen's own: on no list
    "bank_account": None,
    "id_photo": None,
}


def test_the_demo_list_is_valid_and_leaves_out_only_the_citizens_own() -> None:
    assert [p for p in PROBLEMS if not p.warning] == []
    unlisted = {p.params["key"] for p in PROBLEMS if p.code == "sharing.subject_unlisted"}
    assert unlisted == {"bank_account", "id_photo"}
    assert {k for _kind, k in all_subjects()} == set(OWNER)


@pytest.mark.parametrize("action", [Action.STATE, Action.CORRECT])
@pytest.mark.parametrize(("kind", "key"), all_subjects())
@pytest.mark.parametrize("unit", UNITS)
def test_only_the_owner_states_or_corrects(
    unit: str, kind: SubjectKind, key: str, action: Action
) -> None:
    got = decide(LIST, unit, kind, key, action)
    if OWNER[key] is None:
        assert got == "sharing.not_listed"
    elif unit == OWNER[key]:
        assert got is None
    else:
        assert got == "sharing.not_owner"


OK = None
NO = "sharing.read_not_allowed"
# (reader, kind, key, purpose) -> None (allowed) or the refusal
READS: list[tuple[str, SubjectKind, str, Purpose, str | None]] = [
    # the culture bureau's library card reads the social security card, nothing else
    (
        "cy-culture",
        SubjectKind.DOCUMENT,
        "social_security_card",
        Purpose("social-card-library"),
        OK,
    ),
    (
        "cy-culture",
        SubjectKind.FACT,
        "medical_insurance.scheme",
        Purpose("social-card-library"),
        NO,
    ),
    ("cy-culture", SubjectKind.DOCUMENT, "resident_id_card", Purpose("social-card-library"), NO),
    # 医保 reads the newborn's registration for the newborn insurance offer, not for others
    (
        "cy-medical-security",
        SubjectKind.FACT,
        "household.newborn_registered_on",
        Purpose(bundle="newborn-medical-insurance"),
        OK,
    ),
    (
        "cy-medical-security",
        SubjectKind.FACT,
        "household.newborn_registered_on",
        Purpose(bundle="childcare-subsidy"),
        NO,
    ),
    # 卫健 (the childcare subsidy) reads it for its bundle
    (
        "cy-health",
        SubjectKind.FACT,
        "household.newborn_registered_on",
        Purpose(bundle="childcare-subsidy"),
        OK,
    ),
    # 民政 reads disability levels for the two subsidies, 低保 is its own
    (
        "cy-civil-affairs",
        SubjectKind.FACT,
        "disability.level",
        Purpose(bundle="disability-care-subsidy"),
        OK,
    ),
    ("cy-civil-affairs", SubjectKind.FACT, "disability.level", Purpose(welfare_check=True), NO),
    ("cy-civil-affairs", SubjectKind.FACT, "assistance.dibao", Purpose(), OK),
    # signs of life: the community's own, read by 民政 for welfare visits only
    ("cy-civil-affairs", SubjectKind.FACT, "activity.last_seen", Purpose(welfare_check=True), OK),
    (
        "cy-civil-affairs",
        SubjectKind.FACT,
        "activity.last_seen",
        Purpose(bundle="longevity-allowance"),
        NO,
    ),
    # 教委 reads the birth certificate for enrolment, not for an elder card
    ("cy-education", SubjectKind.DOCUMENT, "birth_certificate", Purpose("school-enrolment"), OK),
    (
        "cy-education",
        SubjectKind.DOCUMENT,
        "birth_certificate",
        Purpose("kindergarten-enrolment"),
        OK,
    ),
    ("cy-education", SubjectKind.DOCUMENT, "birth_certificate", Purpose("elder-card"), NO),
    # 公安 registers the birth with the marriage certificate
    ("cy-psb", SubjectKind.DOCUMENT, "marriage_certificate", Purpose("birth-registration"), OK),
    # a reader must say what for
    ("cy-psb", SubjectKind.DOCUMENT, "marriage_certificate", Purpose(), "sharing.purpose_required"),
    # an item's low-income proof: 民政's facts, read by the street for temporary relief? no
    ("cy-jianwai", SubjectKind.FACT, "assistance.dibao", Purpose("temporary-relief"), NO),
    ("cy-housing-fund", SubjectKind.FACT, "pension.retirement_date", Purpose("retirement"), NO),
    # what is on no list is read by nobody
    (
        "cy-psb",
        SubjectKind.DOCUMENT,
        "bank_account",
        Purpose("pension-claim"),
        "sharing.not_listed",
    ),
]


@pytest.mark.parametrize(("unit", "kind", "key", "purpose", "expected"), READS)
def test_reads_for_an_item(
    unit: str, kind: SubjectKind, key: str, purpose: Purpose, expected: str | None
) -> None:
    assert decide(LIST, unit, kind, key, Action.READ, purpose) == expected


@pytest.mark.parametrize("action", list(Action))
def test_without_a_list_nothing_is_allowed(action: Action) -> None:
    assert decide(None, "cy-psb", "fact", "household.size", action) == "sharing.no_list"


KNOWN_SMALL = Known(frozenset({"u1", "u2"}), frozenset({"i1"}), frozenset({"b1"}))


def _row(line: int, **values: object) -> ListRow:
    base: dict[str, object] = {
        "kind": "fact",
        "key": "household.size",
        "owner": "u1",
        "legal_basis": "依据",
    }
    base.update(values)
    return ListRow(line=line, **base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("rows", "problem"),
    [
        ([], (0, "sharing.empty")),
        ([_row(1, owner="nowhere")], (1, "sharing.unit_unknown")),
        ([_row(1), _row(2, reader="nowhere", items=("i1",))], (2, "sharing.unit_unknown")),
        ([_row(1, key="household.wealth")], (1, "sharing.subject_unknown")),
        ([_row(1, kind="document", key="passport")], (1, "sharing.subject_unknown")),
        ([_row(1, kind="secret")], (1, "sharing.kind_invalid")),
        ([_row(1, legal_basis=" ")], (1, "sharing.legal_basis_missing")),
        ([_row(1, legal_basis="x" * 301)], (1, "sharing.legal_basis_too_long")),
        ([_row(1), _row(2)], (2, "sharing.subject_repeated")),
        ([_row(1), _row(2, owner="u2")], (2, "sharing.owner_conflict")),
        ([_row(1), _row(2, reader="u2")], (2, "sharing.purpose_missing")),
        ([_row(1), _row(2, reader="u1", items=("i1",))], (2, "sharing.reader_is_owner")),
        ([_row(1), _row(2, reader="u2", items=("i9",))], (2, "sharing.item_unknown")),
        ([_row(1), _row(2, reader="u2", bundles=("b9",))], (2, "sharing.bundle_unknown")),
        ([_row(1, items=("i1",))], (1, "sharing.reader_missing")),
        (
            [_row(1), _row(2, reader="u2", items=("i1",)), _row(3, reader="u2", items=("i1",))],
            (3, "sharing.grant_repeated"),
        ),
        ([_row(1, reader="u2", items=("i1",))], (1, "sharing.owner_row_missing")),
    ],
)
def test_bad_lists_are_refused_by_line(rows: list[ListRow], problem: tuple[int, str]) -> None:
    _entries, problems = build_list(rows, KNOWN_SMALL)
    errors = [(p.line, p.code) for p in problems if not p.warning]
    assert problem in errors


def test_a_good_list_builds_its_entries() -> None:
    rows = [_row(1), _row(2, reader="u2", items=("i1",), bundles=("b1",))]
    entries, problems = build_list(rows, KNOWN_SMALL)
    assert [p for p in problems if not p.warning] == []
    [entry] = entries
    assert entry.owner == "u1"
    assert entry.grants[0].items == frozenset({"i1"})
    small = SharingList(1, EFFECTIVE_FROM, tuple(entries))
    assert decide(small, "u2", "fact", "household.size", Action.READ, Purpose(bundle="b1")) is None
    assert decide(small, "u2", "fact", "household.size", Action.STATE) == "sharing.not_owner"


def test_every_shipped_rule_may_read_what_it_tests() -> None:
    from doorstep.domain.rules import parse_rule
    from doorstep.domain.sharing import rule_refusal
    from doorstep.store.demo_vault import RULES

    for raw in RULES:
        rule = parse_rule(raw)
        assert rule_refusal(LIST, rule.owner_unit_code, rule.fact_keys, rule.bundle_code) is None


@pytest.mark.parametrize(
    ("unit", "keys", "bundle", "expected"),
    [
        # 民政's senior-card offer may not read the street's card records (not its bundle)
        ("cy-civil-affairs", ["benefit.elder_card"], "elder-card", ("benefit.elder_card", NO)),
        # the street owns them
        ("cy-jianwai", ["benefit.elder_card"], "elder-card", None),
        # a risk alert reads for welfare visits: 民政 may read signs of life, not disability
        ("cy-civil-affairs", ["activity.last_seen"], None, None),
        ("cy-civil-affairs", ["disability.level"], None, ("disability.level", NO)),
        # citizen attributes are not on the list: a rule of age alone reads no fact
        ("cy-culture", [], "elder-card", None),
    ],
)
def test_rules_read_for_their_bundle_or_welfare_visits(
    unit: str, keys: list[str], bundle: str | None, expected: tuple[str, str] | None
) -> None:
    from doorstep.domain.sharing import rule_refusal

    assert rule_refusal(LIST, unit, keys, bundle) == expected
    assert rule_refusal(None, unit, keys, bundle) == (
        None if not keys else (keys[0], "sharing.no_list")
    )


def test_a_list_too_long_is_refused_whole() -> None:
    rows = [_row(n) for n in range(1, 5002)]
    entries, problems = build_list(rows, KNOWN_SMALL)
    assert entries == []
    assert [(p.line, p.code) for p in problems] == [(5001, "sharing.too_many_rows")]
