"""Resident ID protection: AES-256-GCM ciphertext plus an HMAC blind index for look-up;
secret SMS variables (log-in codes) sealed the same way while they wait to be sent.

Pure functions of their keys; the keys come from settings.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_NONCE_BYTES = 12


def encrypt(value: str, key: bytes, *, purpose: bytes = b"resident_id") -> bytes:
    """`purpose` is bound into the ciphertext: a vault document number cannot pass for an ID."""
    nonce = secrets.token_bytes(_NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, value.encode(), purpose)


def decrypt(blob: bytes, key: bytes, *, purpose: bytes = b"resident_id") -> str:
    nonce, ciphertext = blob[:_NONCE_BYTES], blob[_NONCE_BYTES:]
    return AESGCM(key).decrypt(nonce, ciphertext, purpose).decode()


def blind_index(value: str, key: bytes) -> bytes:
    """Deterministic keyed hash: equal IDs match without storing the ID in the clear."""
    return hmac.new(key, value.upper().encode(), hashlib.sha256).digest()


# SMS template variables that are credentials (a log-in code): kept sealed at rest, in
# outbox.params as "<name>_sealed", and masked in outbox.body; opened only to send
SECRET_SMS_PARAMS = ("code",)
SEALED_SUFFIX = "_sealed"
MASK = "******"
_SMS_PURPOSE = b"sms_param"


def seal_sms_params(params: dict[str, str], key: bytes) -> dict[str, str]:
    """The params as stored: each secret one encrypted (base64), the rest as they are."""
    out: dict[str, str] = {}
    for name, value in params.items():
        if name in SECRET_SMS_PARAMS:
            blob = encrypt(str(value), key, purpose=_SMS_PURPOSE)
            out[name + SEALED_SUFFIX] = base64.b64encode(blob).decode()
        else:
            out[name] = value
    return out


def unseal_sms_params(params: dict[str, object], key: bytes) -> dict[str, object]:
    """The params to render: sealed ones opened (ValueError if the key does not fit)."""
    out: dict[str, object] = {}
    for name, value in params.items():
        if name.endswith(SEALED_SUFFIX) and name.removesuffix(SEALED_SUFFIX) in SECRET_SMS_PARAMS:
            try:
                opened = decrypt(base64.b64decode(str(value)), key, purpose=_SMS_PURPOSE)
            except (InvalidTag, binascii.Error) as exc:
                raise ValueError(f"{name} cannot be opened with this data key") from exc
            out[name.removesuffix(SEALED_SUFFIX)] = opened
        else:
            out[name] = value
    return out


def mask_secrets(text: str, params: dict[str, object]) -> str:
    """`text` with the values of secret params replaced (what may be stored or printed)."""
    for name in SECRET_SMS_PARAMS:
        value = params.get(name)
        if value:
            text = text.replace(str(value), MASK)
    return text
