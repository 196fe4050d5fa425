"""doorstep.mirror: what it copies and converts, and that a field without a counterpart fails when
the pair is built (at import), naming both types and the field."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from datetime import date
from enum import Enum

import pytest
import strawberry

from doorstep.mirror import GIVEN, MirrorError, mirror


class Kind(Enum):
    DEPARTMENT = "department"
    COMMUNITY = "community"


@dataclass(frozen=True)
class UnitView:
    id: int
    code: str
    kind: str
    parent_id: int | None
    territories: tuple[str, ...]
    opened_on: date
    staff: int


@strawberry.type
class UnitOut:
    id: strawberry.ID
    code: str
    kind: Kind
    parent_id: strawberry.ID | None
    territories: list[str]
    opened_on: date
    active_staff: int


@strawberry.type
class Labelled:
    code: str
    label: str
    upper: str


def test_copies_by_name_converts_and_renames() -> None:
    to_unit = mirror(UnitOut, UnitView, active_staff="staff")
    view = UnitView(7, "u1", "community", None, ("110101",), date(2026, 1, 2), 3)
    assert to_unit(view) == UnitOut(
        id=strawberry.ID("7"),
        code="u1",
        kind=Kind.COMMUNITY,
        parent_id=None,
        territories=["110101"],
        opened_on=date(2026, 1, 2),
        active_staff=3,
    )
    assert to_unit(UnitView(7, "u1", "community", 2, (), date(2026, 1, 2), 0)).parent_id == "2"


def test_computed_and_given_fields() -> None:
    to_labelled = mirror(Labelled, UnitView, label=GIVEN, upper=lambda v: v.code.upper())
    view = UnitView(1, "ab", "department", None, (), date(2026, 1, 1), 0)
    assert to_labelled(view, label="A") == Labelled(code="ab", label="A", upper="AB")
    with pytest.raises(TypeError, match=r"Labelled_from_UnitView.* missing .*label"):
        to_labelled(view)
    with pytest.raises(TypeError, match=r"Labelled_from_UnitView.* unexpected .*colour"):
        to_labelled(view, label="A", colour="red")


def test_back_to_values_and_tuples() -> None:
    @dataclass(frozen=True)
    class Spec:
        code: str
        kind: str
        territories: tuple[str, ...]

    @strawberry.input
    class SpecInput:
        code: str
        kind: Kind
        territories: list[str]

    to_spec = mirror(Spec, SpecInput)
    assert to_spec(SpecInput(code="c", kind=Kind.DEPARTMENT, territories=["1"])) == Spec(
        "c", "department", ("1",)
    )


def test_a_missing_field_names_both_types_and_the_field() -> None:
    with pytest.raises(MirrorError, match=r"UnitOut from UnitView: UnitOut.active_staff .*staff"):
        mirror(UnitOut, UnitView)


def test_a_field_of_another_type_names_both_types_and_the_field() -> None:
    @dataclass(frozen=True)
    class Renamed:
        id: int
        code: int  # was str
        kind: str
        parent_id: int | None
        territories: tuple[str, ...]
        opened_on: date
        staff: int

    with pytest.raises(MirrorError, match=r"UnitOut.code is str but Renamed.code is int"):
        mirror(UnitOut, Renamed, active_staff="staff")


def test_an_optional_source_does_not_fill_a_required_field() -> None:
    @dataclass(frozen=True)
    class Loose:
        code: str | None
        label: str
        upper: str

    with pytest.raises(MirrorError, match=r"Labelled.code is str but Loose.code is str \| None"):
        mirror(Labelled, Loose)


def test_an_enum_from_values_of_another_type_is_refused() -> None:
    @dataclass(frozen=True)
    class Numbered:
        id: int
        code: str
        kind: int
        parent_id: int | None
        territories: tuple[str, ...]
        opened_on: date
        staff: int

    with pytest.raises(
        MirrorError,
        match=r"UnitOut.kind is tests.unit.test_mirror.Kind but Numbered.kind is int",
    ):
        mirror(UnitOut, Numbered, active_staff="staff")


def test_naming_a_field_the_target_lacks_is_refused() -> None:
    with pytest.raises(MirrorError, match=r"Labelled has no field colour"):
        mirror(Labelled, UnitView, label=GIVEN, upper=GIVEN, colour=lambda v: v.code)


def test_copies_a_property_checked_by_its_return_hint() -> None:
    @dataclass(frozen=True)
    class Counts:
        rated: int
        satisfied: int

        @property
        def rate(self) -> float | None:
            return self.satisfied / self.rated if self.rated else None

    @strawberry.type
    class Rates:
        rated: int
        rate: float | None

    assert mirror(Rates, Counts)(Counts(4, 3)) == Rates(rated=4, rate=0.75)

    @strawberry.type
    class Whole:
        rate: float

    with pytest.raises(MirrorError, match=r"Whole.rate is float but Counts.rate is float \| None"):
        mirror(Whole, Counts)


@dataclass(frozen=True)
class PartView:
    code: str


@dataclass(frozen=True)
class WholeView:
    lead: PartView
    backup: PartView | None
    parts: tuple[PartView, ...]


@strawberry.type
class Part:
    code: str


@strawberry.type
class Whole:
    lead: Part
    backup: Part | None
    parts: list[Part]


def test_a_field_built_by_another_mirror_one_optional_or_each_item() -> None:
    to_part = mirror(Part, PartView)
    to_whole = mirror(Whole, WholeView, lead=to_part, backup=to_part, parts=to_part)
    view = WholeView(PartView("a"), None, (PartView("b"), PartView("c")))
    assert to_whole(view) == Whole(
        lead=Part(code="a"), backup=None, parts=[Part(code="b"), Part(code="c")]
    )
    assert to_whole(WholeView(PartView("a"), PartView("z"), ())).backup == Part(code="z")


def test_a_mirror_of_other_types_is_refused_for_a_field() -> None:
    to_labelled = mirror(Labelled, UnitView, label=GIVEN, upper=GIVEN)
    with pytest.raises(MirrorError, match=r"Whole.lead is .*Part but WholeView.lead is .*PartView"):
        mirror(Whole, WholeView, lead=to_labelled, backup=to_labelled, parts=to_labelled)


def test_the_worker_loads_no_graphql() -> None:
    """The services declare their views with mirror; a worker importing them loads no
    strawberry (a third more modules at every start)."""
    probe = "import sys, doorstep.workers.main; print('strawberry' in sys.modules)"
    found = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert found.stdout.strip() == "False"
