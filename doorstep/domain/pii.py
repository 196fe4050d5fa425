"""Resident ID protection: AES-256-GCM ciphertext plus an HMAC blind index for look-up.

Pure functions of their keys; the keys come from settings.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

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
