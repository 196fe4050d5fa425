"""The principal's own confirmation of an agent's action that moves money or property.

An agent may not alone apply for a bundle that pays out or moves money or property
(`retirement`, `after-death`), nor accept an offer of one (domain.policy.confirmation_needed).
Their submission is kept instead as a pending confirmation — the form encrypted, no
application, nothing else written — and the principal is asked by a plain SMS (reply Y / N,
a number to call, no link) and in the app (`myConfirmations`, `answerConfirmation`). Yes
creates the application in one transaction exactly as if the principal had submitted it
(their event, their SMS), recorded in delegation_actions with both people; no refuses it. It
expires after DOORSTEP_CONFIRMATION_HOURS (72), and a delegation that is revoked or ends
cancels what waits under it. Only the principal answers: from their own number, or signed in
as themselves; an agent, or anyone else, is refused. Answering yes twice gives the same
application.

This module builds on applications and proactive (which build on services.delegation); the
SMS-reply handling reaches it through `delegation.handle_sms_reply`.

Modules: views (what each side reads), asking (the agent's side), answering (the principal's
side, app and SMS), closing (expiry, a delegation's end, and the events every step records).
"""

from doorstep.services.confirmations.answering import answer, answer_by_sms
from doorstep.services.confirmations.asking import (
    MAX_ASKS_PER_AGENT_PER_DAY,
    accept_offer,
    submit_application,
)
from doorstep.services.confirmations.closing import cancel_confirmations, sweep
from doorstep.services.confirmations.views import Answered, ConfirmationView, list_mine

__all__ = [
    "MAX_ASKS_PER_AGENT_PER_DAY",
    "Answered",
    "ConfirmationView",
    "accept_offer",
    "answer",
    "answer_by_sms",
    "cancel_confirmations",
    "list_mine",
    "submit_application",
    "sweep",
]
