"""SMS text: rendered from the catalogs in the recipient's language, sign name included.

Length rule: up to 70 characters is one message; beyond that each part holds 67.
"""

from __future__ import annotations

import math
from typing import Any

from doorstep.i18n import translate

SINGLE_LIMIT = 70
PART_LIMIT = 67


def render_sms(template: str, params: dict[str, Any], language: str, *, sign_name: str) -> str:
    return f"【{sign_name}】" + translate(template, language, **params)


def sms_parts(text: str) -> int:
    if len(text) <= SINGLE_LIMIT:
        return 1
    return math.ceil(len(text) / PART_LIMIT)
