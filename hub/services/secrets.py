"""Key rotation: re-encrypt every integration's credentials (and its other encrypted fields:
webhook secrets, alert webhook URLs) under the current HUB_SECRET_KEY."""

from hub.crypto import SecretsError, decrypt_json, encrypt_json
from hub.db import db
from hub.errors import BadInput
from hub.models import Integration


def credentials_status(key):
    """[{integration, readable}] for every integration with stored credentials."""
    rows = []
    for integration in _with_credentials():
        try:
            decrypt_json(key, integration.secrets_encrypted)
            readable = True
        except SecretsError:
            readable = False
        rows.append({"integration": integration.name, "readable": readable})
    return rows


def rotate_secret_key(old_key, new_key):
    """Decrypt every integration's credentials with ``old_key`` and encrypt them with
    ``new_key``, in one transaction. If any does not decrypt with ``old_key``, nothing is
    changed (BadInput names them). Returns the names of the re-encrypted integrations."""
    if not old_key:
        raise BadInput("the old key is empty")
    if not new_key:
        raise BadInput("HUB_SECRET_KEY (the new key) is not set")
    if old_key == new_key:
        raise BadInput("the old key is the current HUB_SECRET_KEY: nothing to rotate")
    integrations = _with_credentials()
    decrypted, unreadable = {}, []
    for integration in integrations:
        try:
            decrypted[integration.id] = decrypt_json(old_key, integration.secrets_encrypted)
        except SecretsError:
            unreadable.append(integration)
    if unreadable:
        details = []
        for integration in unreadable:
            try:
                decrypt_json(new_key, integration.secrets_encrypted)
                details.append(f"{integration.name} (already under the current key)")
            except SecretsError:
                details.append(integration.name)
        raise BadInput(
            "nothing changed: the credentials of "
            f"{', '.join(details)} do not decrypt with the old key. Check the old key, or "
            "enter those credentials again (`hub integrations set NAME --secret KEY`) and "
            "rotate the others."
        )
    optional = {field: _optional_secrets(old_key, field) for field in OPTIONAL_ENCRYPTED}
    with db.atomic():
        for integration in integrations:
            Integration.update(
                secrets_encrypted=encrypt_json(new_key, decrypted[integration.id])
            ).where(Integration.id == integration.id).execute()
        for field, found in optional.items():
            for integration_id, values in found.items():
                Integration.update({field: encrypt_json(new_key, values)}).where(
                    Integration.id == integration_id
                ).execute()
    return [integration.name for integration in integrations]


# encrypted fields an integration may leave empty: its webhook secret and path
# (hub.services.webhooks) and its alert webhook URLs (hub.services.alerts)
OPTIONAL_ENCRYPTED = (Integration.webhook_secrets_encrypted, Integration.alert_webhooks_encrypted)


def _optional_secrets(old_key, field):
    """``{integration id: decrypted value}`` of ``field`` where it decrypts with ``old_key``;
    a value that does not (already under the new key, or unreadable) is left as it is."""
    found = {}
    for integration in Integration.select(Integration.id, field).where(field.is_null(False)):
        try:
            found[integration.id] = decrypt_json(old_key, getattr(integration, field.name))
        except SecretsError:
            continue
    return found


def _with_credentials():
    return list(
        Integration.select()
        .where(Integration.secrets_encrypted.is_null(False) & (Integration.secrets_encrypted != ""))
        .order_by(Integration.name)
    )
