"""The channels this process uses: SMS by Aliyun when an AccessKey is configured (else the
console), and Web Push when a VAPID key is."""

from __future__ import annotations

from typing import TYPE_CHECKING

from doorstep.config import Settings
from doorstep.notify.channels import Channel, ConsoleChannel

if TYPE_CHECKING:
    from doorstep.notify.webpush import WebPushChannel


def sms_channel(settings: Settings) -> Channel:
    if settings.sms.aliyun_enabled and settings.sms.channel != "console":
        from doorstep.notify.aliyun import AliyunSmsChannel

        return AliyunSmsChannel(settings.sms, settings.sms_sign_name)
    return ConsoleChannel(reveal_secrets=settings.dev_mode)


def push_channel(settings: Settings) -> WebPushChannel | None:
    """Web Push when a VAPID key is configured, else none (every notification goes by SMS)."""
    if not settings.push.enabled:
        return None
    from doorstep.notify.webpush import WebPushChannel

    return WebPushChannel(settings.push)
