"""Notifications: Web Push subscriptions, and "how we told you" (every decision, with why)."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from doorstep.domain.calendar import minute_text
from doorstep.domain.errors import InvalidInput
from doorstep.graphql.context import Info
from doorstep.i18n import translate
from doorstep.mirror import GIVEN, mirror
from doorstep.services import broadcasts, notifications, push
from doorstep.services.notifications.history import DecisionView, NotificationView

STATUS_KEYS = {
    "created": "notify.status.created",
    "sending": "notify.status.sending",
    "sent": "notify.status.sent",
    "delivered": "notify.status.delivered",
    "temporary-failure": "notify.status.temporary-failure",
    "permanent-failure": "notify.status.permanent-failure",
    "technical-failure": "notify.status.technical-failure",
}
CHANNEL_KEYS = {"sms": "notify.channel.sms", "push": "notify.channel.push"}
REASON_KEYS = {
    "no_account": "notify.reason.no_account",
    "broadcast": "notify.reason.broadcast",
    "login_code": "notify.reason.login_code",
    "prefers_sms": "notify.reason.prefers_sms",
    "no_push": "notify.reason.no_push",
    "push_first": "notify.reason.push_first",
    "forced": "notify.reason.forced",
    "push_failed": "notify.reason.push_failed",
    "push_unread": "notify.reason.push_unread",
    "quiet_hours": "notify.reason.quiet_hours",
    "digest": "notify.reason.digest",
    "cap": "notify.reason.cap",
    "provider_limit": "notify.reason.provider_limit",
    "paused": "notify.reason.paused",
    "retry": "notify.reason.retry",
    "opted_out": "notify.reason.opted_out",
}
DECISION_KEYS = {"merged": "notify.decision.merged", "digest": "notify.decision.digest"}


@strawberry.type(description="One decision about a notification: which channel, or why it waited")
class NotificationDecision:
    decision: str = strawberry.field(description="channel, held, merged, digest or fallback")
    reason: str = strawberry.field(description="A stable key, e.g. quiet_hours, no_push")
    text: str = strawberry.field(description="The reason in the reader's language")
    channel: str | None
    until: datetime | None
    at: datetime


@strawberry.type(description="A notification we sent (or will send) you, and how")
class NotificationRecord:
    id: strawberry.ID
    kind: str
    channel: str | None = strawberry.field(description="sms or push, once chosen")
    channel_label: str | None
    status: str = strawberry.field(
        description="GOV.UK Notify's statuses: created, sending, "
        "sent, delivered, temporary-failure, "
        "permanent-failure, technical-failure"
    )
    status_label: str
    text: str | None = strawberry.field(
        description="What your phone showed, or will show once it is sent"
    )
    created_at: datetime
    sent_at: datetime | None
    delivered_at: datetime | None
    opened_at: datetime | None
    how: list[NotificationDecision] = strawberry.field(description="How we told you, and why")


@strawberry.type(description="A broadcast whose notifications are queued")
class BroadcastStarted:
    id: strawberry.ID
    total: int = strawberry.field(description="Citizens it goes to (one notification each)")


_decision_of = mirror(NotificationDecision, DecisionView, text=GIVEN)
_record_of = mirror(
    NotificationRecord, NotificationView, channel_label=GIVEN, status_label=GIVEN, how=GIVEN
)


def _decision(d: DecisionView, language: str) -> NotificationDecision:
    until = minute_text(d.until) if d.until else ""
    key = DECISION_KEYS.get(d.decision) or REASON_KEYS.get(d.reason)
    text = translate(key, language, until=until) if key else d.reason
    return _decision_of(d, text=text)


def _record(v: NotificationView, language: str) -> NotificationRecord:
    channel_key = CHANNEL_KEYS.get(v.channel or "")
    return _record_of(
        v,
        channel_label=translate(channel_key, language) if channel_key else None,
        status_label=translate(STATUS_KEYS[v.status], language),
        how=[_decision(d, language) for d in v.decisions],
    )


@strawberry.type
class NotificationsQuery:
    @strawberry.field(
        description="The VAPID public key for PushManager.subscribe "
        "(applicationServerKey); null when Web Push is off"
    )
    def push_public_key(self, info: Info) -> str | None:
        return push.public_key(info.context.deps)

    @strawberry.field(description="Your notifications, newest first, with how we told you")
    async def my_notifications(self, info: Info, first: int = 20) -> list[NotificationRecord]:
        ctx = info.context
        views = await notifications.my_notifications(ctx.deps, ctx.actor, limit=first)
        return [_record(v, ctx.language) for v in views]


@strawberry.type
class NotificationsMutation:
    @strawberry.mutation(
        description="Staff: one SMS template to every citizen of a region "
        "(supervisors within their own region); returns once "
        "every citizen's notification is queued"
    )
    async def start_broadcast(
        self, info: Info, template: str, params: JSON, region: str, urgent: bool = False
    ) -> BroadcastStarted:
        ctx = info.context
        if not isinstance(params, dict):
            raise InvalidInput("broadcast.param_missing", name="params")
        started = await broadcasts.start(
            ctx.deps, ctx.actor, template=template, params=params, region=region, urgent=urgent
        )
        return BroadcastStarted(id=strawberry.ID(str(started.id)), total=started.total)

    @strawberry.mutation(
        description="Receive notifications on this device by Web Push "
        "(the keys of PushSubscription.toJSON())"
    )
    async def register_push_subscription(
        self, info: Info, endpoint: str, p256dh: str, auth: str
    ) -> bool:
        ctx = info.context
        await push.subscribe(ctx.deps, ctx.actor, endpoint=endpoint, p256dh=p256dh, auth=auth)
        return True

    @strawberry.mutation(description="Stop Web Push to this device; false if it was not registered")
    async def unregister_push_subscription(self, info: Info, endpoint: str) -> bool:
        ctx = info.context
        return await push.unsubscribe(ctx.deps, ctx.actor, endpoint=endpoint)
