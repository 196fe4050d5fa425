"""The notification rows of the GraphQL authorization matrix (test_authorization_matrix.py).

The matrix's server has no VAPID key: a citizen passes authorization and is then told that
push is not available here; everyone else is refused before that.
"""

from __future__ import annotations

OK = None
AUTH = "auth.required"
NO = "auth.forbidden"
OFF = "push.not_available"
EMPTY = "broadcast.audience_empty"

# ROLES: anonymous, citizen, other_citizen, staff, other_staff, supervisor, admin
NOTIFICATION_EXPECTED: dict[str, tuple[str | None, ...]] = {
    "pushPublicKey": (OK, OK, OK, OK, OK, OK, OK),  # public by nature
    "myNotifications": (AUTH, OK, OK, NO, NO, NO, NO),
    "registerPushSubscription": (AUTH, OFF, OFF, NO, NO, NO, NO),
    "unregisterPushSubscription": (AUTH, OK, OK, NO, NO, NO, NO),
    # within the supervisor's district (a village code nobody lives in: authorized, then
    # refused as an empty audience, so nothing is sent)
    "startBroadcast": (AUTH, NO, NO, NO, NO, EMPTY, EMPTY),
}
_KEY = "BAP-rTLzMR-GgQ_3273KOU1oTGONx0PKZHSKVS7jiZVDGvDOn4Mp64Tg4ttLqmHKRIvch39Vzx0cpAosz8k8dw0"
NOTIFICATION_QUERIES = {
    "pushPublicKey": "{ pushPublicKey }",
    "myNotifications": "{ myNotifications { id status } }",
    "registerPushSubscription": "mutation { registerPushSubscription(endpoint: "
    '"https://push.example.com/m", p256dh: "' + _KEY + '", '
    'auth: "AAAAAAAAAAAAAAAAAAAAAA") }',
    "unregisterPushSubscription": "mutation { unregisterPushSubscription(endpoint: "
    '"https://push.example.com/m") }',
    "startBroadcast": 'mutation { startBroadcast(template: "sms.public_notice", params: '
    '{subject: "停水通知", detail: "明日停水"}, region: "110105999999") '
    "{ id total } }",
}
