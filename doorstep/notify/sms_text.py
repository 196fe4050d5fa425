"""SMS text: rendered from the catalogs in the recipient's language, sign name included.

Length rule: up to 70 characters is one message; beyond that each part holds 67. Aliyun counts
every character as one (Chinese, Latin, digits, punctuation) and the sign name 【…】 counts too.

Parameters: Aliyun allows at most 35 characters per template variable. What we do when a value
is longer depends on what it is:
- identifiers (an application number, a log-in code, a number to call) are never cut: a cut
  number is a wrong number. A value that does not fit is refused (`SmsParamRefused`), and the
  row never sends.
- free text (item names, reasons, bundle names) is cut to fit, ending in "…": the citizen gets
  the gist by SMS and the full text in the app or by replying for the status.
The whole message must also fit in `max_parts` parts; free text is cut further (longest first)
until it does, and refused if even the shortest cut does not fit.
"""

from __future__ import annotations

import math
import re
import string
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from doorstep.i18n import LANGUAGES, has_message, known_keys, translate

SINGLE_LIMIT = 70
PART_LIMIT = 67
PARAM_LIMIT = 35
MAX_PARTS = 3
ELLIPSIS = "…"
# a cut value keeps at least this many characters before the ellipsis
MIN_KEPT = 4

# identifiers: exact format, never cut
IDENTIFIER_PARAMS: dict[str, re.Pattern[str]] = {
    "number": re.compile(r"[0-9]{1,20}"),
    "code": re.compile(r"[0-9]{4,6}"),
    # a number to call (the hotline, a unit's desk)
    "phone": re.compile(r"\+?[0-9][0-9 -]{1,18}[0-9]"),
}


class SmsParamRefused(ValueError):
    """A template parameter that cannot be sent as it is (an identifier that does not fit)."""


@dataclass(frozen=True)
class FittedSms:
    body: str
    params: dict[str, str]  # exactly the template's variables, as sent to the provider
    parts: int
    cut: tuple[str, ...]  # names of the free-text parameters that were shortened


def sms_parts(text: str) -> int:
    if len(text) <= SINGLE_LIMIT:
        return 1
    return math.ceil(len(text) / PART_LIMIT)


def template_fields(template: str, language: str) -> list[str]:
    """The variables a catalog text uses, in order of first use."""
    text = translate(template, language)
    names: list[str] = []
    for _literal, name, _spec, _conv in string.Formatter().parse(text):
        if name and name not in names:
            names.append(name)
    return names


def sms_templates() -> list[str]:
    return sorted(k for k in known_keys() if k.startswith("sms."))


def aliyun_template_text(template: str, language: str) -> str:
    """The text to register with Aliyun for a catalog template: {name} becomes ${name}."""
    text = translate(template, language)
    return re.sub(r"\{(\w+)\}", r"${\1}", text)


def check_identifiers(params: Mapping[str, Any]) -> None:
    for name, pattern in IDENTIFIER_PARAMS.items():
        if name in params and not pattern.fullmatch(str(params[name])):
            raise SmsParamRefused(f"{name} is not a valid {name} for an SMS")


def _cut(value: str, keep: int) -> str:
    return value[:keep].rstrip() + ELLIPSIS


def render_sms(template: str, params: Mapping[str, Any], language: str, *, sign_name: str) -> str:
    """The text exactly as rendered, without any fitting (use `fit_sms` for what is sent)."""
    return f"【{sign_name}】" + translate(template, language, **dict(params))


def fit_sms(
    template: str,
    params: Mapping[str, Any],
    language: str,
    *,
    sign_name: str,
    param_limit: int = PARAM_LIMIT,
    max_parts: int = MAX_PARTS,
) -> FittedSms:
    """Render a template for sending: identifiers checked, free text cut to fit (see above).

    Raises KeyError for a variable the caller did not give, SmsParamRefused when it cannot fit.
    """
    if language not in LANGUAGES:
        language = "zh_Hans"
    if not has_message(template, "zh_Hans"):
        raise KeyError(template)
    names = template_fields(template, language)
    values = {name: " ".join(str(params[name]).split()) for name in names}  # KeyError: missing
    check_identifiers(values)
    cut: list[str] = []
    for name, value in values.items():
        if name in IDENTIFIER_PARAMS:
            if len(value) > param_limit:
                raise SmsParamRefused(f"{name} is longer than {param_limit} characters")
            continue
        if len(value) > param_limit:
            values[name] = _cut(value, param_limit - 1)
            cut.append(name)
    body = render_sms(template, values, language, sign_name=sign_name)
    limit = SINGLE_LIMIT if max_parts == 1 else max_parts * PART_LIMIT
    while len(body) > limit:
        free = [n for n in names if n not in IDENTIFIER_PARAMS and len(values[n]) > MIN_KEPT + 1]
        if not free:
            raise SmsParamRefused(f"{template} does not fit in {max_parts} SMS parts")
        longest = max(free, key=lambda n: len(values[n]))
        target = len(values[longest]) - (len(body) - limit)  # ellipsis included
        keep = max(MIN_KEPT, target - 1)
        values[longest] = _cut(values[longest].removesuffix(ELLIPSIS), keep)
        if longest not in cut:
            cut.append(longest)
        body = render_sms(template, values, language, sign_name=sign_name)
    return FittedSms(body=body, params=values, parts=sms_parts(body), cut=tuple(cut))


def digest_line(kind: str, template: str, params: Mapping[str, Any], language: str) -> str:
    """The latest update of a digest in a few words: the event's own short text if there is
    one ("生育津贴申领：已办结"), the application's new status, or else the SMS text itself."""
    values: dict[str, Any] = {k: str(v) for k, v in params.items()}
    candidates = [f"event.{kind}"]
    if template.startswith("sms.application_"):
        candidates.append("application_status." + template.removeprefix("sms.application_"))
    candidates.append(template)
    for key in candidates:
        if not has_message(key, "zh_Hans"):
            continue
        try:
            return translate(key, language, **values)
        except (KeyError, IndexError, ValueError):
            continue
    return ""
