"""Elder mode (长辈版): who is offered it, and the presentation rules the app follows in it.

The presentation hints follow the national elder-friendly rules for apps (互联网应用适老化及
无障碍改造): main text at least 18 pt, touch targets at least 60×60 dp, the key message of each
screen can be read aloud, and no promotional content.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

ELDER_AGE = 60


@dataclass(frozen=True)
class Presentation:
    elder_mode: bool
    min_font_pt: int
    min_touch_target_dp: int
    read_aloud: bool
    no_promotions: bool


STANDARD = Presentation(
    elder_mode=False, min_font_pt=12, min_touch_target_dp=48, read_aloud=False, no_promotions=False
)
ELDER = Presentation(
    elder_mode=True, min_font_pt=18, min_touch_target_dp=60, read_aloud=True, no_promotions=True
)


def presentation(elder_mode: bool) -> Presentation:
    return ELDER if elder_mode else STANDARD


def age_on(birth_date: date, today: date) -> int:
    """Completed years; someone born on 29 February turns a year older on 1 March."""
    before_birthday = (today.month, today.day) < (birth_date.month, birth_date.day)
    return today.year - birth_date.year - (1 if before_birthday else 0)


def offer_elder_mode(birth_date: date | None, elder_mode: bool, decided: bool, today: date) -> bool:
    """Offer elder mode at log-in to citizens of 60 or more who are not in it and never chose."""
    if elder_mode or decided or birth_date is None:
        return False
    return age_on(birth_date, today) >= ELDER_AGE
