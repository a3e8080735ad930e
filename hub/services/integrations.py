"""Integrations: create, configure, encrypt credentials (``hub.engine.connector`` builds the
context a connector is handed)."""

import re
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from hub import bounds
from hub.crypto import SecretsError, decrypt_json, encrypt_json, mask
from hub.db import db
from hub.engine.connector import integration_secrets
from hub.engine.plugins import get_registry
from hub.engine.registry import FEED_TYPES
from hub.engine.schedule import refresh_next_run
from hub.errors import BadInput, NeedsConfirmation, NotFound
from hub.models import (
    FeedSetting,
    Integration,
    IntegrationWarehouse,
    default_warehouse,
    iso,
    to_utc_naive,
    utcnow,
)
from hub.models.orders import ORDER_STATUSES
from hub.services import fixes
from hub.settings import get_settings

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.\-]{0,99}$")


def validate_url(url):
    parsed = urlsplit(url or "")
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise BadInput(f"invalid URL {url!r}: expected http(s)://host[/path]")
    return url.rstrip("/")


DEFAULT_PORTS = {"http": 80, "https": 443}


def store_address(url):
    """What identifies a store in its URL: the host (any case), the port unless it is the
    scheme's default, and the path without its trailing slash. The scheme is left out: the
    same host over http and https is the same store."""
    parsed = urlsplit(url.strip())
    try:
        port = parsed.port
    except ValueError:  # a port that is not a number: compare the URL as written
        return url.strip().lower().rstrip("/")
    port = None if port == DEFAULT_PORTS.get(parsed.scheme.lower()) else port
    host = (parsed.hostname or "").rstrip(".")
    return f"{host}{f':{port}' if port else ''}{parsed.path.rstrip('/')}"


def refuse_duplicate_store(connector, url, *, allow_duplicate=False, integration=None):
    """NeedsConfirmation when another integration already connects the same store with the
    same connector: both would import the same orders and reserve their stock twice."""
    if allow_duplicate:
        return
    address = store_address(url)
    others = Integration.select().where(Integration.connector == connector)
    if integration is not None:
        others = others.where(Integration.id != integration.id)
    for other in others.order_by(Integration.id):
        if store_address(other.base_url) == address:
            raise NeedsConfirmation(
                f"the integration {other.name!r} (id {other.id}) already connects this store "
                f"({other.base_url}) with {connector}: a second one would import the same "
                "orders and reserve their stock twice. Confirm only if that is meant (another "
                "store view or language of the same shop)",
                confirm="allow_duplicate",
            )


def get_integration(name_or_id):
    query = Integration.select()
    if bounds.as_id(name_or_id):
        found = query.where(
            (Integration.id == bounds.as_id(name_or_id)) | (Integration.name == str(name_or_id))
        ).first()
    else:
        found = query.where(Integration.name == name_or_id).first()
    if found is None:
        names = [i.name for i in Integration.select(Integration.name).order_by(Integration.name)]
        raise NotFound(
            f"unknown integration {name_or_id!r}; integrations: {', '.join(names) or 'none'}"
        )
    return found


def _coerce(spec, value):
    kind = spec["type"]
    if value is None:
        return None
    if kind == "integer":
        try:
            return int(value)
        except (TypeError, ValueError):
            raise BadInput(f"setting {spec['name']!r} must be an integer, got {value!r}") from None
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        if str(value).lower() in ("1", "true", "yes", "on"):
            return True
        if str(value).lower() in ("0", "false", "no", "off", ""):
            return False
        raise BadInput(f"setting {spec['name']!r} must be true or false, got {value!r}")
    if (
        kind == "choice"
        and spec.get("choices")
        and not spec.get("choices_from_store")
        and str(value) not in spec["choices"]
    ):
        raise BadInput(
            f"setting {spec['name']!r} must be one of {', '.join(spec['choices'])}, got {value!r}"
        )
    if kind == "url":
        return validate_url(str(value))
    return str(value)


def split_settings(
    connector,
    values,
    *,
    partial=False,
    existing_settings=None,
    existing_secrets=None,
    check_secrets=True,
):
    """Validate ``values`` against the connector's settings schema -> (settings, secrets).

    ``check_secrets=False``: required credentials are not checked (they are stored, and
    left untouched)."""
    info = get_registry().info(connector)
    specs = {s["name"]: s for s in info["settings"]}
    unknown = sorted(set(values) - set(specs))
    if unknown:
        raise BadInput(
            f"unknown setting(s) {', '.join(unknown)} for connector {connector!r}; "
            f"settings: {', '.join(specs) or 'none'}"
        )
    settings = dict(existing_settings or {})
    secrets = dict(existing_secrets or {})
    for name, value in values.items():
        spec = specs[name]
        target = secrets if spec["secret"] else settings
        target[name] = _coerce(spec, value)
    for name, spec in specs.items():
        target = secrets if spec["secret"] else settings
        if name not in target and spec.get("default") is not None:
            target[name] = spec["default"]
    if not partial or existing_settings is not None:
        missing = [
            n
            for n, s in specs.items()
            if s["required"]
            and (check_secrets or not s["secret"])
            and (secrets if s["secret"] else settings).get(n) in (None, "")
        ]
        if missing:
            raise BadInput(f"missing required setting(s) for {connector}: {', '.join(missing)}")
    return settings, secrets


def create_integration(
    name,
    connector,
    url,
    values=None,
    *,
    orders_since=None,
    warehouse=None,
    carrier_mapping=None,
    status_mapping=None,
    allow_duplicate=False,
    hold_feeds=False,
):
    """A new integration in test mode. ``allow_duplicate``: connect a store that another
    integration with the same connector already connects (NeedsConfirmation otherwise).
    ``hold_feeds``: its feeds are created disabled and wait for a connection test to pass
    (``hub.services.setup.run_connection_test`` enables them), as the dashboard and the API add
    integrations."""
    registry = get_registry()
    registry.state(connector)  # unknown or broken connector -> BadInput listing installed ones
    if not name or not NAME_RE.match(name):
        raise BadInput(f"invalid integration name {name!r}: letters, digits, space, _ . -")
    url = validate_url(url)
    if Integration.select().where(Integration.name == name).exists():
        raise BadInput(f"an integration named {name!r} already exists")
    refuse_duplicate_store(connector, url, allow_duplicate=allow_duplicate)
    settings, secrets = split_settings(connector, values or {})
    key = get_settings().require_secret_key()
    with db.atomic():
        wh = warehouse or default_warehouse()
        integration = Integration.create(
            name=name,
            connector=connector,
            base_url=url,
            settings=settings,
            secrets_encrypted=encrypt_json(key, secrets) if secrets else None,
            carrier_mapping=carrier_mapping or {},
            status_mapping=status_mapping or {},
            default_warehouse=wh,
            orders_since=to_utc_naive(orders_since) or utcnow(),
            feeds_held=hold_feeds,
        )
        IntegrationWarehouse.create(integration=integration, warehouse=wh)
        for feed in registry.feeds(connector):
            FeedSetting.create(
                integration=integration,
                feed=feed,
                cron=FEED_TYPES[feed].default_cron,
                enabled=not hold_feeds,
            )
        for fs in FeedSetting.select().where(FeedSetting.integration == integration):
            refresh_next_run(fs)
    return integration


def update_integration(
    integration: Integration,
    *,
    values: dict[str, Any] | None = None,
    url: str | None = None,
    carriers: dict[str, str] | None = None,
    statuses: dict[str, str] | None = None,
    name: str | None = None,
    orders_since: datetime | str | None = None,
    allow_duplicate: bool = False,
) -> Integration:
    """Change what is given (None: unchanged): settings and credentials (``values``), the
    store's URL, the carrier and status mappings (an empty value removes a mapping), the name,
    the date before which orders are never imported. A URL another integration of the same
    connector already has needs ``allow_duplicate``."""
    key = get_settings().require_secret_key()
    if url is not None:
        url = validate_url(url)
        if store_address(url) != store_address(integration.base_url):
            refuse_duplicate_store(
                integration.connector, url, allow_duplicate=allow_duplicate, integration=integration
            )
        integration.base_url = url
    if name is not None and name != integration.name:
        if not NAME_RE.match(name):
            raise BadInput(f"invalid integration name {name!r}")
        if Integration.select().where(Integration.name == name).exists():
            raise BadInput(f"an integration named {name!r} already exists")
        integration.name = name
    if values:
        _apply_values(integration, values, key)
    if carriers:
        mapping = dict(integration.carrier_mapping or {})
        for method, carrier in carriers.items():
            if carrier in (None, ""):
                mapping.pop(method, None)
            else:
                mapping[method] = carrier
        integration.carrier_mapping = mapping
    if statuses:
        mapping = dict(integration.status_mapping or {})
        for store_status, hub_status in statuses.items():
            if hub_status in (None, ""):  # an empty value removes the mapping, as for carriers
                mapping.pop(store_status, None)
                continue
            if hub_status not in ORDER_STATUSES:
                raise BadInput(
                    f"unknown hub status {hub_status!r}; statuses: {', '.join(ORDER_STATUSES)}"
                )
            mapping[store_status] = hub_status
        integration.status_mapping = mapping
    if orders_since is not None:
        integration.orders_since = to_utc_naive(orders_since)
    integration.updated_at = utcnow()
    integration.save()
    fixes.resolve_mapped_methods(integration)  # the unmapped-method Errors it now explains
    return integration


def _apply_values(integration, values, key):
    """Settings and credentials from ``values``. Stored credentials that this key cannot
    decrypt (HUB_SECRET_KEY changed) are not needed: settings alone leave them as they are;
    credentials given replace them all (the required ones must then all be given)."""
    try:
        existing = decrypt_json(key, integration.secrets_encrypted)
        unreadable = False
    except SecretsError:
        existing, unreadable = {}, True
    specs = get_registry().info(integration.connector)["settings"]
    given_secrets = {s["name"] for s in specs if s["secret"]} & set(values)
    keep_stored = unreadable and not given_secrets  # settings alone: the credentials stay
    try:
        settings, secrets = split_settings(
            integration.connector,
            values,
            partial=True,
            existing_settings=integration.settings,
            existing_secrets=existing,
            check_secrets=not keep_stored,
        )
    except BadInput as exc:
        if unreadable and given_secrets:
            raise BadInput(
                f"{exc} (the stored credentials cannot be decrypted with this HUB_SECRET_KEY: "
                "enter all of them again)"
            ) from None
        raise
    integration.settings = settings
    if not keep_stored:
        integration.secrets_encrypted = encrypt_json(key, secrets) if secrets else None


def credentials_readable(integration):
    """False when the stored credentials do not decrypt with the current HUB_SECRET_KEY."""
    try:
        integration_secrets(integration)
        return True
    except SecretsError:
        return False


def masked_secrets(integration):
    return {k: mask(v) for k, v in integration_secrets(integration).items()}


def integration_summary(integration, with_secrets_masked=True):
    data = {
        "id": integration.id,
        "name": integration.name,
        "connector": integration.connector,
        "url": integration.base_url,
        "mode": integration.mode,
        "settings": integration.settings or {},
        "carrier_mapping": integration.carrier_mapping or {},
        "status_mapping": integration.status_mapping or {},
        "default_warehouse": integration.default_warehouse.name
        if integration.default_warehouse_id
        else None,
        "warehouses": [link.warehouse.name for link in integration.warehouse_links],
        "orders_since": iso(integration.orders_since),
        "stock_imported_at": iso(integration.stock_imported_at),
        "went_live_at": iso(integration.went_live_at),
        "connection_ok_at": iso(integration.connection_ok_at),
        "feeds_held": integration.feeds_held,
        "created_at": iso(integration.created_at),
    }
    if with_secrets_masked:
        try:
            data["secrets"] = masked_secrets(integration)
        except Exception:  # a changed key must not hide the rest
            data["secrets"] = {"error": "cannot decrypt with the current HUB_SECRET_KEY"}
    return data
