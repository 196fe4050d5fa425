"""Channel policy, quiet hours and caps: pure rules, each answer with its reason."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from doorstep.domain.calendar import SHANGHAI
from doorstep.notify.policy import cap_wait, choose_channel, parse_clock, quiet_until
from doorstep.notify.sms_text import digest_line

NIGHT = (time(21, 0), time(8, 0))


def beijing(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("now", "until"),
    [
        (beijing(10, 21, 0), beijing(11, 8)),
        (beijing(10, 23, 59), beijing(11, 8)),
        (beijing(11, 0, 30), beijing(11, 8)),
        (beijing(11, 7, 59), beijing(11, 8)),
        (beijing(11, 8, 0), None),
        (beijing(10, 20, 59), None),
        (beijing(10, 12, 0), None),
    ],
)
def test_quiet_hours_across_midnight(now: datetime, until: datetime | None) -> None:
    assert quiet_until(now.astimezone(UTC), *NIGHT) == until


def test_quiet_hours_within_a_day_and_off() -> None:
    assert quiet_until(beijing(10, 13), time(12), time(14)) == beijing(10, 14)
    assert quiet_until(beijing(10, 15), time(12), time(14)) is None
    assert quiet_until(beijing(10, 22), None, None) is None
    assert parse_clock("") is None
    assert parse_clock("21:30") == time(21, 30)
    assert parse_clock("8") == time(8, 0)


def test_caps() -> None:
    now = beijing(10, 12)
    caps = [(60, 1), (3600, 5), (86400, 10)]
    assert cap_wait([], now, caps) is None
    # one a minute
    assert cap_wait([now - timedelta(seconds=20)], now, caps) == now + timedelta(seconds=40)
    # five an hour: room when the oldest of the hour leaves it
    hour = [now - timedelta(minutes=m) for m in (50, 40, 30, 20, 10)]
    assert cap_wait(hour, now, caps) == now + timedelta(minutes=10)
    # ten a day
    day = [now - timedelta(hours=h) for h in range(2, 12)]
    assert cap_wait(day, now, caps) == now + timedelta(hours=13)
    assert cap_wait(day[:9], now, caps) is None
    assert cap_wait(day, now, [(86400, 0)]) is None  # 0: no cap


def test_channel_choice_and_reasons() -> None:
    def choose(**kw: object) -> tuple[str, str]:
        base: dict[str, object] = {
            "has_account": True,
            "kind": "task.accept",
            "prefers_sms": False,
            "has_live_push": True,
        }
        c = choose_channel(**{**base, **kw})  # type: ignore[arg-type]
        return c.channel, c.reason

    assert choose() == ("push", "push_first")
    assert choose(has_account=False) == ("sms", "no_account")
    assert choose(kind="login_code") == ("sms", "login_code")
    assert choose(prefers_sms=True) == ("sms", "prefers_sms")
    assert choose(has_live_push=False) == ("sms", "no_push")


def test_digest_line() -> None:
    params = {"number": "1000001237", "item": "生育津贴申领", "reason": "银行账户有误"}
    assert (
        digest_line("task.reject", "sms.task_rejected", params, "zh_Hans")
        == "生育津贴申领：不予办理（银行账户有误）"
    )
    assert (
        digest_line("application.finished", "sms.application_completed", params, "zh_Hans")
        == "已办结"
    )
    # no short form: the SMS text itself
    assert (
        digest_line("application.submitted", "sms.application_submitted", params, "en")
        == "Application 1000001237 submitted"
    )
    assert (
        digest_line("custom.kind", "sms.deadline_extended", {**params, "due": "12-31"}, "en")
        == "Application 1000001237: 生育津贴申领 now due 12-31."
    )
