"""The once-only vault (一次采集、多次使用): what it may hold, and how materials map onto it.

Pure rules, no I/O:
- FACTS: every fact key a unit may record about a citizen, with its type. Rules read only these
  keys (and the citizen attributes in ATTRIBUTES), so a rule can never name a column.
- DOCUMENT_TYPES: the certificates (证照) a vault holds.
- MATERIAL_SOURCES: which catalogue material (by its code) a vault document or fact satisfies,
  so an application form asks only for what the vault does not hold.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from doorstep.domain.errors import InvalidInput
from doorstep.domain.identity import validate_resident_id


class FactType(StrEnum):
    BOOL = "bool"
    INT = "int"
    DATE = "date"
    TEXT = "text"


@dataclass(frozen=True)
class FactSpec:
    key: str
    type: FactType
    # allowed values for text facts, bounds for numbers
    choices: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    # a virtual field computed from the citizen row, not stored in the vault
    virtual: bool = False


def _spec(key: str, kind: FactType, **extra: Any) -> tuple[str, FactSpec]:
    return key, FactSpec(key, kind, **extra)


B, N, D, T = FactType.BOOL, FactType.INT, FactType.DATE, FactType.TEXT

FACTS: dict[str, FactSpec] = dict(
    [
        # household (户籍 / 民政 / 社区)
        _spec("household.size", N, minimum=1, maximum=30),
        _spec("household.lives_alone", B),
        _spec("household.newborn_registered_on", D),
        _spec("household.newborn_insured", B),
        # signs of life from community services: smart water meter, door sensor, one-key call
        _spec("activity.last_seen", D),
        # social insurance (医保 / 人社)
        _spec("medical_insurance.scheme", T, choices=("employee", "resident", "none")),
        _spec("medical_insurance.paid_until", D),
        _spec("pension.retirement_date", D),
        _spec("pension.contributing", B),
        # disability (残联) and elder care assessment (卫健: 0 able .. 4 fully dependent)
        _spec("disability.level", N, minimum=1, maximum=4),
        _spec(
            "disability.category",
            T,
            choices=(
                "visual",
                "hearing",
                "speech",
                "physical",
                "intellectual",
                "mental",
                "multiple",
            ),
        ),
        _spec("elder.care_level", N, minimum=0, maximum=4),
        # maternal health (妇幼保健): the expected date of delivery of a recorded pregnancy
        _spec("maternity.expected_on", D),
        # social assistance (民政): 低保, 低收入, 特困
        _spec("assistance.dibao", B),
        _spec("assistance.low_income", B),
        _spec("assistance.tekun", B),
        # benefits already received
        _spec("benefit.longevity_allowance", B),
        _spec("benefit.childcare_subsidy", B),
        _spec("benefit.disability_care_subsidy", B),
        _spec("benefit.disability_living_subsidy", B),
        _spec("benefit.elder_care_subsidy", B),
        _spec("benefit.elder_service_subsidy", B),
        _spec("benefit.elder_card", B),
        _spec("benefit.pension", B),
    ]
)

# Citizen attributes a rule may read; computed from the citizens row at evaluation time.
ATTRIBUTES: dict[str, FactSpec] = dict(
    [
        _spec("citizen.age", N, minimum=0, maximum=150, virtual=True),
    ]
)

FIELDS: dict[str, FactSpec] = {**FACTS, **ATTRIBUTES}

# every value a text fact may take (each has a label in the catalogs)
FACT_CHOICES = frozenset(c for spec in FACTS.values() for c in spec.choices)
CORRECTION_STATUSES = ("open", "corrected", "confirmed")
# why a unit used vault items (vault_uses.purpose)
USE_PURPOSES = ("application", "offer", "welfare_check", "correction")

MAX_TEXT_CHARS = 100
MAX_NUMBER = 10**9


def parse_fact_value(key: str, raw: Any) -> bool | int | date | str:
    """A fact value as its declared type, from JSON or from text typed into a form.

    Raises InvalidInput("vault.fact_key_unknown") or ("vault.fact_value_invalid").
    """
    spec = FACTS.get(key)
    if spec is None:
        raise InvalidInput("vault.fact_key_unknown", key=str(key)[:60])
    bad = InvalidInput("vault.fact_value_invalid", key=key, kind=spec.type.value)
    text = raw.strip() if isinstance(raw, str) else raw
    if spec.type is FactType.BOOL:
        if isinstance(text, bool):
            return text
        if text in ("true", "1", "yes", "是"):
            return True
        if text in ("false", "0", "no", "否"):
            return False
        raise bad
    if spec.type is FactType.INT:
        if isinstance(text, bool):
            raise bad
        try:
            value = int(text) if isinstance(text, (int, str)) else None
        except ValueError:
            value = None
        if value is None or abs(value) > MAX_NUMBER:
            raise bad
        if (spec.minimum is not None and value < spec.minimum) or (
            spec.maximum is not None and value > spec.maximum
        ):
            raise bad
        return value
    if spec.type is FactType.DATE:
        if isinstance(text, date) and not isinstance(text, datetime):
            return text
        if isinstance(text, str) and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
            try:
                parsed = date.fromisoformat(text)
            except ValueError:
                raise bad from None
            if date(1900, 1, 1) <= parsed <= date(2200, 1, 1):
                return parsed
        raise bad
    if not isinstance(text, str) or not text or len(text) > MAX_TEXT_CHARS:
        raise bad
    if spec.choices and text not in spec.choices:
        raise bad
    return text


def fact_value_json(value: bool | int | date | str | None) -> bool | int | str | None:
    """A fact value as JSON (dates as ISO text)."""
    if isinstance(value, date):
        return value.isoformat()
    return value


# --- documents (证照) --------------------------------------------------------------------------


class DocumentType(StrEnum):
    RESIDENT_ID_CARD = "resident_id_card"
    HOUSEHOLD_REGISTER = "household_register"
    BIRTH_CERTIFICATE = "birth_certificate"
    MARRIAGE_CERTIFICATE = "marriage_certificate"
    SOCIAL_SECURITY_CARD = "social_security_card"
    DISABILITY_CERTIFICATE = "disability_certificate"
    VACCINATION_CERTIFICATE = "vaccination_certificate"
    PROPERTY_CERTIFICATE = "property_certificate"
    BANK_ACCOUNT = "bank_account"
    ID_PHOTO = "id_photo"
    ELDER_CARD = "elder_card"
    RETIREMENT_CERTIFICATE = "retirement_certificate"


# which documents carry a number worth protecting (all of them but the photo)
NUMBERED = frozenset(DocumentType) - {DocumentType.ID_PHOTO}

# material code (service_items.materials[].code) -> what in the vault satisfies it
_DOC = "document"
_FACT = "fact"
MATERIAL_SOURCES: dict[str, tuple[str, str]] = {
    # the applicant's own resident ID card, under the names the items use
    **dict.fromkeys(
        (
            "id-card",
            "guardian-id-card",
            "card-id-document",
            "declarant-id",
            "claimant-id",
            "family-id",
            "heir-id",
            "card-guardian-id",
        ),
        (_DOC, DocumentType.RESIDENT_ID_CARD.value),
    ),
    **dict.fromkeys(
        ("household-register", "parent-household-register", "insured-household-register"),
        (_DOC, DocumentType.HOUSEHOLD_REGISTER.value),
    ),
    "birth-certificate": (_DOC, DocumentType.BIRTH_CERTIFICATE.value),
    "marriage-certificate": (_DOC, DocumentType.MARRIAGE_CERTIFICATE.value),
    "social-security-card": (_DOC, DocumentType.SOCIAL_SECURITY_CARD.value),
    "disability-card": (_DOC, DocumentType.DISABILITY_CERTIFICATE.value),
    **dict.fromkeys(
        ("vaccination-certificate",), (_DOC, DocumentType.VACCINATION_CERTIFICATE.value)
    ),
    **dict.fromkeys(
        ("housing-proof", "property-or-lease"), (_DOC, DocumentType.PROPERTY_CERTIFICATE.value)
    ),
    "bank-card": (_DOC, DocumentType.BANK_ACCOUNT.value),
    "photo": (_DOC, DocumentType.ID_PHOTO.value),
    **dict.fromkeys(("retirement-proof",), (_DOC, DocumentType.RETIREMENT_CERTIFICATE.value)),
    # facts a unit already holds stand in for a paper proof
    "low-income-proof": (_FACT, "assistance.dibao|assistance.low_income|assistance.tekun"),
}


def material_source(material_code: str) -> tuple[str, str] | None:
    """("document", type) or ("fact", "key|key") for a material the vault can hold."""
    return MATERIAL_SOURCES.get(material_code)


def document_types_for(material_code: str) -> str | None:
    source = MATERIAL_SOURCES.get(material_code)
    return source[1] if source and source[0] == _DOC else None


def mask_document_number(number: str) -> str:
    """Keep the first 2 and last 2 characters (a resident ID keeps 3 + 4, as everywhere)."""
    if len(number) == 18 and number[:17].isdigit():
        return number[:3] + "*" * 11 + number[-4:]
    if len(number) <= 4:
        return "*" * len(number)
    return number[:2] + "*" * (len(number) - 4) + number[-2:]


MAX_NUMBER_CHARS = 40
MAX_ISSUER_CHARS = 60
MAX_FILE_REF_CHARS = 200
_SHA256 = re.compile(r"[0-9a-f]{64}")
_NUMBER = re.compile(r"[0-9A-Za-z\-]{2,40}")
_FILE_REF = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/:\-]{0,199}")


@dataclass(frozen=True)
class DocumentInput:
    doc_type: str
    number: str | None = None
    issuer: str | None = None
    valid_until: date | None = None
    file_ref: str | None = None
    file_sha256: str | None = None


@dataclass(frozen=True)
class CleanDocument:
    doc_type: DocumentType
    number: str | None
    issuer: str
    valid_until: date | None
    file_ref: str | None
    file_sha256: str | None


def clean_document(doc: DocumentInput, today: date) -> CleanDocument:
    """Check a document a citizen provides; InvalidInput with a stable code if it is wrong."""
    try:
        doc_type = DocumentType(doc.doc_type)
    except ValueError:
        raise InvalidInput("vault.document_type_unknown", kind=str(doc.doc_type)[:40]) from None
    number = (doc.number or "").strip().upper() or None
    if doc_type in NUMBERED and number is None:
        raise InvalidInput("vault.document_number_required")
    if number is not None and not _NUMBER.fullmatch(number):
        raise InvalidInput("vault.document_number_invalid", limit=MAX_NUMBER_CHARS)
    if doc_type is DocumentType.RESIDENT_ID_CARD and number is not None:
        try:
            number = validate_resident_id(number, today=today)
        except ValueError as exc:
            raise InvalidInput(exc.args[0]) from None
    issuer = (doc.issuer or "").strip()
    if not issuer or len(issuer) > MAX_ISSUER_CHARS:
        raise InvalidInput("vault.document_issuer_invalid", limit=MAX_ISSUER_CHARS)
    if doc.valid_until is not None and doc.valid_until < today:
        raise InvalidInput("vault.document_expired")
    file_ref = (doc.file_ref or "").strip() or None
    sha = (doc.file_sha256 or "").strip().lower() or None
    if file_ref is not None and not _FILE_REF.fullmatch(file_ref):
        raise InvalidInput("vault.document_file_invalid")
    if sha is not None and not _SHA256.fullmatch(sha):
        raise InvalidInput("vault.document_file_invalid")
    if (file_ref is None) != (sha is None):
        # a file is kept by reference and checked by its hash: one without the other is useless
        raise InvalidInput("vault.document_file_invalid")
    return CleanDocument(doc_type, number, issuer, doc.valid_until, file_ref, sha)
