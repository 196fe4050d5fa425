"""Delegation (帮办代办): an agent asks, the principal consents, the agent acts, anyone stops it.

Life cycle: requested → active (consent in the app, an SMS reply "Y", or at a counter where
staff record their checks) → revoked (the principal at any time, in the app or by replying "0";
the agent may withdraw) or expired (its period ended; a request unanswered for a week). Refused
when the principal says no. Until active, nothing is allowed; once it ends, it stops at once —
the policy compares the period with the clock on every request, each agent action re-reads the
row under a lock in its own transaction, and open subscriptions re-check it.

Acting for someone under a delegation goes through one gate, `services.acting`, which the use
cases call; this package manages the delegations themselves and routes the SMS replies about
them (a "Y"/"N" may answer a confirmation: `services.confirmations`, which it builds on).

The modules: `views`, `lifecycle` (ask, answer, consent in person, revoke), `by_sms` (replies),
`expiry` (the sweep), `messages` (events and SMS about a delegation).
"""

from doorstep.services.delegation.by_sms import consent_by_sms, handle_sms_reply
from doorstep.services.delegation.expiry import sweep
from doorstep.services.delegation.lifecycle import (
    MAX_REQUESTS_PER_DAY,
    answer,
    consent_in_person,
    list_mine,
    request,
    revoke,
)
from doorstep.services.delegation.views import DelegationView

__all__ = [
    "MAX_REQUESTS_PER_DAY",
    "DelegationView",
    "answer",
    "consent_by_sms",
    "consent_in_person",
    "handle_sms_reply",
    "list_mine",
    "request",
    "revoke",
    "sweep",
]
