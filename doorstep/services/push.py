"""Web Push use cases: a citizen's subscriptions, receipts from the service worker, and the SMS
that follows an important push nobody opened."""

from __future__ import annotations

import hmac
import ipaddress
from urllib.parse import urlsplit

from doorstep.domain.delivery import DeliveryStatus
from doorstep.domain.errors import InvalidInput, NotFound
from doorstep.domain.policy import Actor, Operation, authorize_own
from doorstep.notify.policy import IMPORTANT_KINDS
from doorstep.notify.webpush import public_key_of, valid_client_keys
from doorstep.services.deps import Deps
from doorstep.services.notifications.provider_news import apply_provider_news
from doorstep.services.notifications.web_push import fall_back_to_sms, push_ack_token
from doorstep.store import push as store
from doorstep.store.db import transaction
from doorstep.store.outbox import receipts as outbox_store

MAX_ENDPOINT = 1024


def public_key(deps: Deps) -> str | None:
    """The VAPID public key browsers subscribe with (applicationServerKey); None when off."""
    push = deps.settings.push
    return public_key_of(push.vapid_private_key) if push.enabled else None


def _check_endpoint(deps: Deps, endpoint: str) -> str:
    endpoint = endpoint.strip()
    parts = urlsplit(endpoint)
    if len(endpoint) > MAX_ENDPOINT or not parts.hostname or parts.username or parts.password:
        raise InvalidInput("push.endpoint_invalid")
    if parts.scheme == "https":
        return endpoint
    loopback = parts.hostname == "localhost"
    try:
        loopback = loopback or ipaddress.ip_address(parts.hostname).is_loopback
    except ValueError:
        pass
    if parts.scheme == "http" and loopback and deps.settings.push.allow_insecure_endpoints:
        return endpoint
    raise InvalidInput("push.endpoint_invalid")


async def subscribe(deps: Deps, actor: Actor, *, endpoint: str, p256dh: str, auth: str) -> None:
    citizen_id = authorize_own(actor, Operation.NOTIFICATIONS_OWN)
    if not deps.settings.push.enabled:
        raise InvalidInput("push.not_available")
    url = _check_endpoint(deps, endpoint)
    p256dh, auth = p256dh.strip(), auth.strip()
    if len(p256dh) > 200 or len(auth) > 100 or not valid_client_keys(p256dh, auth):
        raise InvalidInput("push.keys_invalid")
    async with transaction(deps.pool) as conn:
        await store.upsert(conn, citizen_id, url, p256dh, auth)


async def unsubscribe(deps: Deps, actor: Actor, *, endpoint: str) -> bool:
    citizen_id = authorize_own(actor, Operation.NOTIFICATIONS_OWN)
    return await store.remove(deps.pool, citizen_id, endpoint.strip())


def ack_token(deps: Deps, outbox_id: int) -> str:
    return push_ack_token(deps.settings.index_key, outbox_id)


async def acknowledge(deps: Deps, outbox_id: int, token: str, *, opened: bool) -> str:
    """The citizen's device got the push (and opened it): delivered. Returns the status."""
    if not hmac.compare_digest(ack_token(deps, outbox_id).encode(), token.encode()):
        raise NotFound("push.unknown")
    async with transaction(deps.pool) as conn:
        row = await outbox_store.lock_for_news(conn, outbox_id)
        if row is None:
            raise NotFound("push.unknown")
        if opened and not await store.mark_opened(conn, outbox_id):
            raise NotFound("push.unknown")
        await apply_provider_news(
            conn,
            outbox_id,
            DeliveryStatus.DELIVERED,
            provider_id=None,
            code="opened" if opened else "received",
        )
        status: str = await conn.fetchval("select status from outbox where id = $1", outbox_id)
    return status


async def fall_back_unread(deps: Deps, *, limit: int = 200) -> list[int]:
    """An SMS for every important push not opened in time; returns the new rows (queued)."""
    push = deps.settings.push
    created: list[int] = []
    outbox_ids = await store.unread_important(
        deps.pool,
        after_seconds=push.unread_fallback_seconds,
        kinds=sorted(IMPORTANT_KINDS),
        limit=limit,
    )
    for outbox_id in outbox_ids:
        async with transaction(deps.pool) as conn:
            fallback = await fall_back_to_sms(conn, outbox_id, reason="push_unread")
        if fallback is not None:
            created.append(fallback)
    await deps.after_commit(created)
    return created
