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


def _fernet(secret_key):
    hkdf = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"connect-hub", info=b"integration-credentials"
    )
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


def mask(value):
    if not value:
        return ""
    return "••••" + (value[-2:] if len(value) >= 12 else "")
