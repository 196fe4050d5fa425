"""The notification rows of the GraphQL authorization matrix (test_authorization_matrix.py).

The matrix's server has no VAPID key: a citizen passes authorization and is then told that
push is not available here; everyone else is refused before that.
"""

from __future__ import annotations

OK = None
AUTH = "auth.required"
NO = "auth.forbidden"
OFF = "push.not_available"

# ROLES: anonymous, citizen, other_citizen, staff, other_staff, supervisor, admin
NOTIFICATION_EXPECTED: dict[str, tuple[str | None, ...]] = {
    "pushPublicKey": (OK, OK, OK, OK, OK, OK, OK),  # public by nature
    "myNotifications": (AUTH, OK, OK, NO, NO, NO, NO),
    "registerPushSubscription": (AUTH, OFF, OFF, NO, NO, NO, NO),
    "unregisterPushSubscription": (AUTH, OK, OK, NO, NO, NO, NO),
}
_KEY = "BAP-rTLzMR-GgQ_3273KOU1oTGONx0PKZHSKVS7jiZVDGvDOn4Mp64Tg4ttLqmHKRIvch39Vzx0cpAosz8k8dw0"
NOTIFICATION_QUERIES = {
    "pushPublicKey": "{ pushPublicKey }",
    "myNotifications": "{ myNotifications { id status } }",
    "registerPushSubscription": 'mutation { registerPushSubscription(endpoint: '
                                '"https://push.example.com/m", p256dh: "' + _KEY + '", '
                                'auth: "AAAAAAAAAAAAAAAAAAAAAA") }',
    "unregisterPushSubscription": 'mutation { unregisterPushSubscription(endpoint: '
                                  '"https://push.example.com/m") }',
}
