"""SMS text: rendered from the catalogs in the recipient's language, sign name included.

Length rule: up to 70 characters is one message; beyond that each part holds 67. Aliyun counts
every character as one (Chinese, Latin, digits, punctuation) and the sign name 【…】 counts too.

Parameters: Aliyun allows at most 35 characters per template variable. What we do when a value
is longer depends on what it is:
- identifiers (an application number, a log-in code, a number to call) are never cut: a cut
  number is a wrong number. A value that does not fit is refused (`SmsParamRefused`), and the
  row never sends.
- a reason (why refused, what is missing, why offered) and the latest news are never cut
  either: half a reason misleads. When one does not fit, it is replaced by where the whole can
  be read or heard (`sms_part.*`: the app or the counter; a call, when the text gives a number).
- other free text (item names, bundle and unit names) is cut to fit, ending in "…".
The whole message must fit in `max_parts` parts (two), and the status texts in one part in
Chinese (`ONE_PART`); free text is cut further (longest first) until it does, and refused if
even the shortest cut does not fit.
"""

from __future__ import annotations

import math
import re
import string
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from doorstep.config import Settings
from doorstep.domain.pii import unseal_sms_params
from doorstep.i18n import LANGUAGES, has_message, known_keys, translate

SINGLE_LIMIT = 70
PART_LIMIT = 67
PARAM_LIMIT = 35
MAX_PARTS = 2
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


# never cut: sent whole or replaced by where the whole can be read or heard
WHOLE_PARAMS = frozenset({"reason", "latest"})
# status news a keypad phone shows at once: one part in Chinese (the plain variants too)
ONE_PART = frozenset(
    {
        "sms.application_submitted",
        "sms.application_completed",
        "sms.application_partially_completed",
        "sms.application_rejected",
        "sms.task_rejected",
        "sms.materials_requested",
        "sms.ticket_received",
        "sms.reply_status",
        "sms.reply_ticket_status",
    }
)
ONE_PART_LANGUAGES = frozenset({"zh_Hans", "zh_Hant"})


def parts_allowed(template: str, language: str, max_parts: int = MAX_PARTS) -> int:
    base = template.replace("sms.plain.", "sms.", 1)
    return 1 if base in ONE_PART and language in ONE_PART_LANGUAGES else max_parts


# (parameter, the text gives a number to call) -> where its whole can be read or heard
_ELSEWHERE = {
    ("reason", False): "sms_part.reason_elsewhere",
    ("reason", True): "sms_part.reason_call",
    ("latest", False): "sms_part.latest_elsewhere",
    ("latest", True): "sms_part.latest_call",
}


def elsewhere(name: str, language: str, has_phone: bool) -> str:
    """Where the whole of a reason (or the latest news) can be read or heard."""
    return translate(_ELSEWHERE[(name, has_phone)], language)


class SmsParamRefused(ValueError):
    """A template parameter that cannot be sent as it is (an identifier that does not fit)."""


@dataclass(frozen=True)
class FittedSms:
    body: str
    params: dict[str, str]  # exactly the template's variables, as sent to the provider
    parts: int
    # names of the free-text parameters that were shortened (a reason: replaced by where to
    # read it whole)
    cut: tuple[str, ...]


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
    has_phone = "phone" in names
    cut: list[str] = []
    for name, value in values.items():
        if name in IDENTIFIER_PARAMS:
            if len(value) > param_limit:
                raise SmsParamRefused(f"{name} is longer than {param_limit} characters")
            continue
        if name in WHOLE_PARAMS:
            # the templates end the sentence after a reason themselves
            value = values[name] = value.rstrip("。.．! ！")
            if len(value) > param_limit:
                values[name] = elsewhere(name, language, has_phone)
                cut.append(name)
            continue
        if len(value) > param_limit:
            values[name] = _cut(value, param_limit - 1)
            cut.append(name)
    body = render_sms(template, values, language, sign_name=sign_name)
    parts = parts_allowed(template, language, max_parts)
    limit = SINGLE_LIMIT if parts == 1 else parts * PART_LIMIT
    if len(body) > limit:
        for name in names:
            if name in WHOLE_PARAMS and name not in cut:
                values[name] = elsewhere(name, language, has_phone)
                cut.append(name)
        body = render_sms(template, values, language, sign_name=sign_name)
    while len(body) > limit:
        free = [
            n
            for n in names
            if n not in IDENTIFIER_PARAMS
            and n not in WHOLE_PARAMS
            and len(values[n]) > MIN_KEPT + 1
        ]
        if not free:
            raise SmsParamRefused(f"{template} does not fit in {parts} SMS parts")
        longest = max(free, key=lambda n: len(values[n]))
        target = len(values[longest]) - (len(body) - limit)  # ellipsis included
        keep = max(MIN_KEPT, target - 1)
        values[longest] = _cut(values[longest].removesuffix(ELLIPSIS), keep)
        if longest not in cut:
            cut.append(longest)
        body = render_sms(template, values, language, sign_name=sign_name)
    return FittedSms(body=body, params=values, parts=sms_parts(body), cut=tuple(cut))


def outbox_sms(
    settings: Settings, template: str, params: Mapping[str, object], language: str
) -> tuple[FittedSms, dict[str, object]]:
    """An outbox row's SMS as it is sent: its sealed parameters opened, then `fit_sms` with the
    deployment's sign name and limits. Returns the text and the opened parameters: what is
    stored or shown is the text with them masked (`domain.pii.mask_secrets`).

    Raises what `fit_sms` raises, and ValueError when a sealed parameter cannot be opened.
    """
    opened = unseal_sms_params(dict(params), settings.data_key)
    fitted = fit_sms(
        template,
        opened,
        language,
        sign_name=settings.sms_sign_name,
        param_limit=settings.sms.param_limit,
        max_parts=settings.sms.max_parts,
    )
    return fitted, opened


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
