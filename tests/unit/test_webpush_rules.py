"""Web Push rules: push service answers, subscription keys, payload size, VAPID keys."""

from __future__ import annotations

import json

import pytest

from doorstep.notify.channels import Outcome
from doorstep.notify.webpush import (
    MAX_PAYLOAD_BYTES,
    b64url_decode,
    classify_push,
    fit_payload,
    new_vapid_keys,
    public_key_of,
    valid_client_keys,
)
from tests.fakes.push_service import FakeBrowser


@pytest.mark.parametrize(
    ("status", "outcome", "gone"),
    [
        (201, Outcome.SENT, False),
        (202, Outcome.SENT, False),
        (404, Outcome.PERMANENT, True),
        (410, Outcome.PERMANENT, True),
        (413, Outcome.PERMANENT, False),
        (400, Outcome.PERMANENT, False),
        (403, Outcome.PERMANENT, False),
        (429, Outcome.RETRY, False),
        (500, Outcome.RETRY, False),
        (503, Outcome.RETRY, False),
        (None, Outcome.RETRY, False),
    ],
)
def test_push_answers(status: int | None, outcome: Outcome, gone: bool) -> None:
    assert classify_push(status) == (outcome, gone)


def test_client_keys() -> None:
    browser = FakeBrowser()
    assert valid_client_keys(browser.p256dh, browser.auth_secret)
    assert not valid_client_keys(browser.p256dh[:-4], browser.auth_secret)
    assert not valid_client_keys("B" + "A" * 86, browser.auth_secret)  # not on the curve
    assert not valid_client_keys(browser.p256dh, "c2hvcnQ")
    assert not valid_client_keys("!!", "??")


def test_vapid_keys() -> None:
    private, public = new_vapid_keys()
    assert len(b64url_decode(private)) == 32
    raw = b64url_decode(public)
    assert len(raw) == 65 and raw[0] == 4
    assert public_key_of(private) == public
    assert new_vapid_keys() != (private, public)


@pytest.mark.parametrize("body", ["短", "长" * 5000, "a" * 10000, "🙂" * 3000, ""])
def test_payload_fits(body: str) -> None:
    payload = {"id": 1, "title": "掌上办", "body": body, "url": "/"}
    text = fit_payload(payload)
    assert len(text.encode()) <= MAX_PAYLOAD_BYTES
    sent = json.loads(text)
    if len(json.dumps(payload, ensure_ascii=False).encode()) <= MAX_PAYLOAD_BYTES:
        assert sent == payload
    else:
        assert sent["body"].endswith("…") and body.startswith(sent["body"][:-1])
        assert len(text.encode()) > MAX_PAYLOAD_BYTES - 200  # cut no more than needed
