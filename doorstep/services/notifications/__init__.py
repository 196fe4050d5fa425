"""Notifications: queue in the caller's transaction; deliver from a worker, at least once.

Delivering one row:
1. lock the row (another worker holding it means skip) and check it is still due;
2. mark it 'sending' with the attempt recorded, and COMMIT;
3. call the provider outside any row lock;
4. record the result, guarded by the claim: news that came first (a receipt) wins.
A row found 'sending' past its lease crashed between 3 and 4. It is looked up at the provider
(QuerySendDetails by phone, day and OutId = the row id) before it would ever be sent again; so
is a row whose last attempt timed out after the request left. Only "not there" sends again.

The modules: `queueing` (the outbox row), `delivery` (claim, channel, holds, send), `digest`,
`web_push`, `sms_results` (the provider's answer, channel pauses), `provider_news` (look-ups,
receipts, polls), `history` (what a citizen sees of it), `steps` (what a claim decided).
"""

from doorstep.services.notifications.delivery import deliver, pending
from doorstep.services.notifications.history import my_notifications
from doorstep.services.notifications.provider_news import poll_receipts
from doorstep.services.notifications.queueing import (
    Recipient,
    queue,
    queue_for_staff,
    queue_message,
)
from doorstep.services.notifications.sms_results import resume_channel

__all__ = [
    "Recipient",
    "deliver",
    "my_notifications",
    "pending",
    "poll_receipts",
    "queue",
    "queue_for_staff",
    "queue_message",
    "resume_channel",
]
