"""Values as people read them (the ``display`` filter): settings, connection details and
checks are stored as Python values and store identifiers, not as text for a merchant.

``None``, empty text and NaN are "—", booleans "Yes"/"No", lists comma-joined, a mapping
"key: value" pairs (in brackets inside a list or another mapping), a time (a ``datetime``,
or ISO text from a store or a JSON payload) as the ``dt`` filter shows it, a store's global id
(``gid://shopify/Location/123``) the name the store gave it when known, else its kind and
number ("Location 123"). Names are known once a connection check read the store's choices
for its settings (``Integration.setting_labels``).
"""

import math
import re
from datetime import UTC, datetime
from decimal import Decimal

from flask import current_app, has_app_context

GID = re.compile(r"gid://[\w.-]+/([A-Za-z]+)/(\w+)(?:\?.*)?")
ISO_TIME = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)?")


def known_labels(integration):
    """{store id: name} of an integration's settings (hub.services.golive.learn_setting_labels)."""
    return getattr(integration, "setting_labels", None) or {}


def _kind(name):
    """``InventoryItem`` -> "Inventory item"."""
    words = re.findall(r"[A-Z][a-z0-9]*|[a-z0-9]+", name) or [name]
    return " ".join([words[0], *(w.lower() for w in words[1:])])


def _time(value):
    """A ``datetime`` (naive: UTC, as the hub stores it) or ISO text as the app's ``dt``
    filter shows it (in the user's zone; looked up, as hub.web.filters imports this module),
    in UTC outside an app."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    fmt_dt = current_app.jinja_env.filters.get("dt") if has_app_context() else None
    return fmt_dt(value) if fmt_dt else f"{value:%Y-%m-%d %H:%M} UTC"


def display(value, integration=None):
    """``value`` as text for a person (see the module's docstring)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return "—"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, float | Decimal) and math.isnan(value):
        return "—"
    if isinstance(value, datetime) or (isinstance(value, str) and ISO_TIME.fullmatch(value)):
        return _time(value)
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=str) if isinstance(value, set | frozenset) else value
        return ", ".join(_nested(v, integration) for v in items) or "—"
    if isinstance(value, dict):
        pairs = (f"{str(k).replace('_', ' ')}: {_nested(v, integration)}" for k, v in value.items())
        return ", ".join(pairs) or "—"
    text = str(value)
    label = known_labels(integration).get(text)
    if label:
        return label
    match = GID.fullmatch(text)
    if match:
        return f"{_kind(match.group(1))} {match.group(2)}"
    return text


def _nested(value, integration):
    """A value inside a list or a mapping: a mapping in brackets, so its pairs stay apart."""
    text = display(value, integration)
    return f"({text})" if isinstance(value, dict) and value else text
