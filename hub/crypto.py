"""Encryption of store credentials at rest (Fernet, key derived from HUB_SECRET_KEY by HKDF)."""

import base64
import json

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from hub.errors import HubError

SECRETS_HINT = (
    "Run `hub secrets rotate --old-key-env VAR` with the previous key in VAR, or enter the "
    "credentials again: `hub integrations set NAME --secret KEY` or Edit in the dashboard."
)


class SecretsError(HubError):
    """Stored credentials that the configured HUB_SECRET_KEY does not decrypt."""

    code = "credentials_unreadable"
    hint = SECRETS_HINT


def _fernet(secret_key, purpose=b"integration-credentials"):
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"connect-hub", info=purpose)
    return Fernet(base64.urlsafe_b64encode(hkdf.derive(secret_key.encode())))


def encrypt_json(secret_key, data):
    return _fernet(secret_key).encrypt(json.dumps(data, sort_keys=True).encode()).decode()


def decrypt_json(secret_key, token):
    if not token:
        return {}
    try:
        return json.loads(_fernet(secret_key).decrypt(token.encode()))
    except InvalidToken:
        raise SecretsError(
            "stored credentials cannot be decrypted with this HUB_SECRET_KEY (was the key changed?)"
        ) from None


def seal_json(secret_key, purpose, data, *, now=None):
    """``data`` encrypted for a short trip through the browser, under a key of its own
    ``purpose`` (bytes): a token sealed for one use is never read as another, and stored
    credentials (``encrypt_json``) are never read as a sealed token. ``now``: the issue time
    (seconds since the epoch; tests)."""
    fernet = _fernet(secret_key, b"sealed:" + purpose)
    payload = json.dumps(data, sort_keys=True).encode()
    token = fernet.encrypt(payload) if now is None else fernet.encrypt_at_time(payload, int(now))
    return token.decode()


def unseal_json(secret_key, purpose, token, ttl, *, now=None):
    """What ``seal_json`` sealed for ``purpose`` less than ``ttl`` seconds ago; SecretsError
    for anything else (another purpose or key, tampered, expired)."""
    fernet = _fernet(secret_key, b"sealed:" + purpose)
    try:
        if now is None:
            return json.loads(fernet.decrypt(token.encode(), ttl=ttl))
        return json.loads(fernet.decrypt_at_time(token.encode(), ttl, int(now)))
    except (InvalidToken, ValueError):
        raise SecretsError("sealed data this key and purpose do not open, or expired") from None


def mask(value):
    if not value:
        return ""
    return "••••" + (value[-2:] if len(value) >= 12 else "")
