"""SMS to a citizen, in their language, plain for those who need it.

Citizens in elder mode and those reached only by SMS (keypad phones) get the plain variant of a
template (`sms.plain.<name>`): short sentences, the application number, a phone number to call
(the unit's, or the service hotline), and never a link. Plain variants are their own templates
rather than gettext contexts because the SMS provider registers each text as a template of its
own (`ALIYUN_SMS_TEMPLATES` maps message ids to template codes).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

import phonenumbers

from doorstep.i18n import DEFAULT_LANGUAGE, has_message
from doorstep.notify.sms_text import check_identifiers
from doorstep.services import notifications
from doorstep.services.deps import Deps
from doorstep.store.db import Connection
from doorstep.store.outbox import delivery as outbox

PLAIN_PREFIX = "sms.plain."


class SmsContact(notifications.Recipient, Protocol):
    """What an SMS to a citizen needs of their row (each store's contact row has it): whom it
    reaches, and whether they read the plain variant."""

    @property
    def elder_mode(self) -> bool: ...
    @property
    def channel_preference(self) -> str: ...


def reads_plain(contact: SmsContact) -> bool:
    return contact.elder_mode or contact.channel_preference == "sms"


def plain_template(template: str) -> str:
    return PLAIN_PREFIX + template.removeprefix("sms.")


def display_phone(raw: str) -> str:
    """A number as people dial it at home: "010 8599 0201" for +861085990201; short service
    numbers ("12345") as they are."""
    if not raw.startswith("+"):
        return raw
    try:
        number = phonenumbers.parse(raw, None)
    except phonenumbers.NumberParseException:
        return raw
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def call_us(deps: Deps) -> dict[str, Any]:
    """The parameters of an SMS whose only news is the support number to call."""
    return {"phone": display_phone(deps.settings.support_phone)}


def choose(
    contact: SmsContact, template: str, params: Mapping[str, Any], call_phone: str
) -> tuple[str, dict[str, Any]]:
    """The template and parameters this citizen gets."""
    plain = plain_template(template)
    if reads_plain(contact) and has_message(plain, DEFAULT_LANGUAGE):
        return plain, {**params, "phone": display_phone(call_phone)}
    return template, dict(params)


async def queue(
    conn: Connection,
    contact: SmsContact,
    *,
    kind: str,
    template: str,
    params: Mapping[str, Any],
    call_phone: str,
    urgent: bool = False,
    extend_code: str | None = None,
) -> int:
    """Queue an SMS to the citizen of `contact` (a store.applications.citizen_contact row)."""
    chosen, values = choose(contact, template, params, call_phone)
    return await notifications.queue_message(
        conn, _outbox_row(contact, kind, chosen, values, urgent, extend_code)
    )


def message(
    contact: SmsContact,
    *,
    kind: str,
    template: str,
    params: Mapping[str, Any],
    call_phone: str,
) -> outbox.NewMessage:
    """The SMS `queue` would write, as a row for a statement that writes it with others (a
    submission writes its event and its SMS with the application)."""
    chosen, values = choose(contact, template, params, call_phone)
    check_identifiers(values)  # as notifications.queue_message does
    return _outbox_row(contact, kind, chosen, values, urgent=False, extend_code=None)


def _outbox_row(
    contact: SmsContact,
    kind: str,
    template: str,
    params: dict[str, Any],
    urgent: bool,
    extend_code: str | None,
) -> outbox.NewMessage:
    """The outbox row of an SMS to `contact`, in their language (`template` and `params` as
    `choose` gave them)."""
    return outbox.NewMessage(
        citizen_id=contact.id,
        phone=contact.phone,
        kind=kind,
        template=template,
        params=params,
        language=contact.language,
        urgent=urgent,
        extend_code=extend_code,
    )
