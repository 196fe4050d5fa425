"""sharing.csv, the data-sharing responsibility list in a district's import folder, read into the
rows domain.sharing checks. One line per subject for its owner (no reader_unit_code: the owner
and the legal basis for keeping it) and one per unit that may read it:

    kind,key,owner_unit_code,reader_unit_code,items,bundles,welfare_check,legal_basis,effective_from
    fact,medical_insurance.scheme,cy-medical-security,,,,,《社会保险法》,2027-01-01
    fact,medical_insurance.scheme,cy-medical-security,cy-civil-affairs,,disability,,《政务数据共享条例》,

Lists in a cell are separated by ';' or spaces; welfare_check is true/false (是/否); the file is
one version: every effective_from given must be the same (empty: that date, or today).
"""

from __future__ import annotations

from datetime import date

from doorstep.domain.district_import import Finding, _Bad, _bool, _list
from doorstep.domain.sharing import ListRow

FILE = "sharing.csv"


def read_sharing(
    lines: list[tuple[int, dict[str, str]]], today: date
) -> tuple[list[ListRow], date, list[Finding]]:
    """The rows, the version's effective date and the problems found without the database."""
    rows: list[ListRow] = []
    found: list[Finding] = []
    day: tuple[date, int] | None = None
    for line, raw in lines:
        try:
            welfare = _bool(raw.get("welfare_check", ""), "welfare_check")
        except _Bad as bad:
            found.append(Finding(FILE, line, bad.code, bad.params))
            continue
        text = raw.get("effective_from", "")
        if text:
            try:
                when = date.fromisoformat(text)
            except ValueError:
                found.append(
                    Finding(
                        FILE,
                        line,
                        "import.value_invalid",
                        {"column": "effective_from", "value": text[:20]},
                    )
                )
                continue
            if day is None:
                day = (when, line)
            elif when != day[0]:
                found.append(
                    Finding(
                        FILE,
                        line,
                        "sharing.effective_from_mixed",
                        {"first": day[0].isoformat(), "first_line": day[1]},
                    )
                )
                continue
        rows.append(
            ListRow(
                line=line,
                kind=raw["kind"].lower(),
                key=raw["key"],
                owner=raw["owner_unit_code"],
                reader=raw.get("reader_unit_code", ""),
                items=_list(raw.get("items", "")),
                bundles=_list(raw.get("bundles", "")),
                welfare_check=welfare,
                legal_basis=raw["legal_basis"],
            )
        )
    effective = day[0] if day is not None else today
    if day is not None and effective < today:
        found.append(Finding(FILE, day[1], "sharing.effective_from_past"))
    return rows, effective, found
