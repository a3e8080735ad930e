"""Configuration from the environment (``HUB_*``), in one place, with embedded defaults.

* ``HUB_INSTANCE_DIR``   folder for the default SQLite files, media and the secret key file
                          (default ``./instance``)
* ``HUB_DATABASE_URL``   peewee db_url (``sqlite:///path``, ``postgresql://user@host/db``)
                          (default ``sqlite:///<instance>/hub.db``)
* ``HUB_QUEUE_URL``      ``sqlite:///path`` (default ``<instance>/queue.db``) or ``redis://…``
* ``HUB_SECRET_KEY``     encrypts store credentials and signs sessions. Required; ``hub init``
                          and ``hub demo`` write a random one to ``<instance>/secret.key``
                          (mode 0600) when the variable is not set.
* ``HUB_MEDIA_DIR``      downloaded product images (default ``<instance>/media``)
* ``HUB_ALLOW_BACKORDERS`` ``1`` lets manual operations take available below zero
* ``HUB_HELD_ORDER_MAX_AGE_HOURS`` held unpaid orders older than this become an Error (168)
* ``HUB_RUN_RETENTION_DAYS`` runs and resolved events older than this are pruned (90)
* ``HUB_WORKERS``        worker threads of ``hub worker`` (default 2)
* ``HUB_HTTP_RETRIES`` / ``HUB_HTTP_BACKOFF``  transport retries of connector sessions (4, 0.5 s)
* ``HUB_SECURE_COOKIES`` ``auto`` (default: ``Secure`` cookies on HTTPS requests), ``1``, ``0``
* ``HUB_TRUSTED_PROXIES`` reverse proxies in front of ``hub web`` whose ``X-Forwarded-For`` /
                          ``-Proto`` / ``-Host`` are believed (default 0); read by hub.app
* ``HUB_PLUGINS_STRICT`` ``1``: a broken plugin raises instead of being reported
* ``HUB_LOG_LEVEL``      level of the ``hub`` command's log (``WARNING``)
* ``HUB_WAIT_NO_WORKER_SECONDS`` ``hub feeds run --wait`` gives up after this long without a
                          worker (30)
* ``HUB_OUTBOUND_ALLOW``  hosts, IPs or networks (``images.lan, .lan, 10.1.0.0/16``) that URLs
                          chosen by a store may reach although private (default: none; the
                          store's own host is always allowed)
* ``HUB_IMAGE_TIMEOUT``  total seconds for one image download, redirects included (30)
* ``HUB_IMAGE_MAX_MB``   largest image downloaded (20)
* ``HUB_MEDIA_QUOTA_MB`` images stored per integration (1024; 0: no limit)
* ``HUB_PUBLIC_URL``     the dashboard's address as people reach it, for links in alerts and
                          the stores' webhook deliveries (not set: webhooks are off)
* ``HUB_WEBHOOK_DEBOUNCE`` seconds a webhook run waits in the queue so that deliveries arriving
                          meanwhile join it (2)
* ``HUB_WEBHOOK_RETENTION_DAYS`` accepted deliveries kept for dedup (7)
* ``HUB_SMTP_URL``       ``smtp://user:pass@host:587?starttls=1`` or ``smtps://…:465`` (alerts)
* ``HUB_ALERT_FROM`` / ``HUB_ALERT_EMAILS`` / ``HUB_ALERT_WEBHOOKS``  sender; default recipients
                          (comma-separated; webhooks optionally ``slack:``/``teams:``/``json:``…)
* ``HUB_ALERT_LATE_FACTOR`` a feed is late after this many schedule intervals without success (3)
* ``HUB_ALERT_RATE``     one message per event code per integration per period (``1h``;
                          ``30m``, or minutes)
* ``HUB_ALERT_RETENTION_DAYS`` alerts whose messages are all sent (or given up) are pruned
                          after this many days (30)
* ``HUB_ALERT_DIGEST``   ``off`` (default) or ``daily at HH:MM`` (UTC): one summary a day
* ``HUB_METRICS_TOKEN``  the bearer token a Prometheus scrape of ``/metrics`` sends
* ``HUB_METRICS_ALLOW``  addresses or networks (``127.0.0.1, 10.0.0.0/8``) that may scrape
                          ``/metrics`` without the token; with neither set, ``/metrics`` is a 404
* ``HUB_LOG_FORMAT``     ``text`` (default) or ``json``: one JSON object per log line

No other module reads the environment for a ``HUB_*`` variable: they ask ``get_settings()``.
A field of ``Settings`` with a plain type (int, float, bool, str) and a default is read from
``HUB_<FIELD NAME>`` by that rule alone (``_plain_values``); the others are read one by one.
"""

import ipaddress
import os
import re
import secrets
from dataclasses import MISSING, dataclass, fields
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from hub.errors import BadInput
from hub.http import parse_allow_list


def _bool(value):
    return str(value).strip().lower() in ("1", "true", "yes", "on")


@dataclass
class Settings:
    instance_dir: Path
    database_url: str
    queue_url: str
    media_dir: Path
    secret_key: str | None
    allow_backorders: bool = False
    held_order_max_age_hours: int = 168
    run_retention_days: int = 90
    workers: int = 2
    lease_seconds: int = 120
    http_retries: int = 4
    http_backoff: float = 0.5
    outbound_allow: tuple = ()
    image_timeout: float = 30.0
    image_max_mb: float = 20.0
    media_quota_mb: float = 1024.0
    testing: bool = False
    secure_cookies: object = "auto"  # "auto" | True | False
    trusted_proxies: int = 0
    plugins_strict: bool = False
    log_level: str = "WARNING"
    wait_no_worker_seconds: float = 30.0
    public_url: str = "http://127.0.0.1:5000"
    public_url_set: bool = False  # HUB_PUBLIC_URL given: the stores can reach the hub
    webhook_debounce_seconds: float = 2.0
    webhook_retention_days: int = 7
    smtp: "SmtpConfig | None" = None
    alert_from: str = "connect-hub@localhost"
    alert_emails: tuple = ()
    alert_webhooks: tuple = ()
    alert_late_factor: float = 3.0
    alert_retention_days: int = 30
    alert_rate_minutes: float = 60.0
    alert_digest: str | None = None  # "HH:MM" (UTC) or None: alerts are sent at once
    metrics_token: str | None = None
    metrics_allow: tuple = ()  # ip_network objects
    log_format: str = "text"  # "text" | "json"

    def require_secret_key(self):
        if not self.secret_key:
            raise BadInput(
                "HUB_SECRET_KEY is not set (run `hub init` to create a key file in "
                f"{self.instance_dir}, or set the variable)"
            )
        return self.secret_key


def _secure_cookies(value):
    """``HUB_SECURE_COOKIES``: ``auto`` (default: Secure when the request is HTTPS), ``1``
    (always: for a TLS proxy that does not say so), ``0`` (never)."""
    value = str(value).strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    return "auto"


@dataclass(frozen=True)
class SmtpConfig:
    """``HUB_SMTP_URL`` parsed once; its repr never shows the password."""

    host: str
    port: int
    username: str | None = None
    password: str | None = None
    ssl: bool = False  # smtps://: TLS from the first byte
    starttls: bool = False

    def __repr__(self):
        user = f"{self.username}:***@" if self.username else ""
        scheme = "smtps" if self.ssl else "smtp"
        return f"SmtpConfig({scheme}://{user}{self.host}:{self.port}, starttls={self.starttls})"

    __str__ = __repr__


def parse_smtp_url(value):
    """``smtp://user:pass@host:587?starttls=1``, ``smtps://host:465``; None when empty."""
    if not value:
        return None
    parts = urlsplit(value.strip())
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise BadInput("HUB_SMTP_URL must look like smtp://user:pass@host:587?starttls=1")
    query = parse_qs(parts.query)
    ssl = parts.scheme == "smtps"
    return SmtpConfig(
        host=parts.hostname,
        port=parts.port or (465 if ssl else 25),
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        ssl=ssl,
        starttls=_bool(query.get("starttls", ["0"])[-1]),
    )


def _list(value):
    return tuple(v.strip() for v in (value or "").split(",") if v.strip())


def parse_minutes(value, name):
    """``90``, ``90m``, ``1h``, ``30s`` -> minutes."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([hms]?)\s*", str(value).lower())
    if not match:
        raise BadInput(f"{name} must be minutes or a duration like 1h, 30m, got {value!r}")
    return float(match[1]) * {"h": 60, "m": 1, "": 1, "s": 1 / 60}[match[2]]


def parse_digest(value):
    """``HUB_ALERT_DIGEST``: ``off`` -> None; ``daily at 08:30`` (or ``08:30``) -> "08:30"."""
    value = (value or "off").strip().lower()
    if value in ("", "off", "0", "no", "none"):
        return None
    match = re.fullmatch(r"(?:daily(?:\s+at)?\s+)?(\d{1,2}):(\d{2})", value)
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise BadInput(f"HUB_ALERT_DIGEST must be 'off' or 'daily at HH:MM', got {value!r}")
    return f"{int(match[1]):02d}:{match[2]}"


def parse_networks(value, name):
    """``127.0.0.1, 10.0.0.0/8, ::1`` -> ip_network objects (an address is a /32 or /128)."""
    networks = []
    for entry in re.split(r"[,\s]+", value or ""):
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise BadInput(f"{name}: {entry!r} is not an IP address or network") from None
    return tuple(networks)


def parse_log_format(value):
    value = (value or "text").strip().lower()
    if value not in ("text", "json"):
        raise BadInput(f"HUB_LOG_FORMAT must be 'text' or 'json', got {value!r}")
    return value


PARSERS = {int: int, float: float, bool: _bool, str: str}
DERIVED = {"testing", "public_url_set"}  # set by the code, not by a variable of their own


def _plain_values(env, skip):
    """Each field with a default and a plain type (int, float, bool, str) from the variable
    ``HUB_<FIELD NAME>`` when it is set and not empty: the defaults are written once, in the
    class. ``skip``: the fields read another way."""
    values = {}
    for f in fields(Settings):
        name, parse = f"HUB_{f.name.upper()}", PARSERS.get(f.type)
        raw = (env.get(name) or "").strip()
        if not raw or parse is None or f.default is MISSING or f.name in skip | DERIVED:
            continue
        try:
            values[f.name] = parse(raw)
        except ValueError:
            raise BadInput(f"{name} must be a number, got {raw!r}") from None
    return values


def load_settings(env=None):
    env = os.environ if env is None else env
    instance = Path(env.get("HUB_INSTANCE_DIR") or Path.cwd() / "instance").resolve()
    secret = env.get("HUB_SECRET_KEY")
    key_file = instance / "secret.key"
    if not secret and key_file.exists():
        secret = key_file.read_text().strip()
    read_otherwise = {
        "instance_dir": instance,
        "database_url": env.get("HUB_DATABASE_URL") or f"sqlite:///{instance / 'hub.db'}",
        "queue_url": env.get("HUB_QUEUE_URL") or f"sqlite:///{instance / 'queue.db'}",
        "media_dir": Path(env.get("HUB_MEDIA_DIR") or instance / "media").resolve(),
        "secret_key": secret,
        "outbound_allow": parse_allow_list(env.get("HUB_OUTBOUND_ALLOW", "")),
        "secure_cookies": _secure_cookies(env.get("HUB_SECURE_COOKIES", "auto")),
        "public_url": (env.get("HUB_PUBLIC_URL") or "http://127.0.0.1:5000").rstrip("/"),
        "public_url_set": bool(env.get("HUB_PUBLIC_URL")),
        "webhook_debounce_seconds": float(env.get("HUB_WEBHOOK_DEBOUNCE", "2")),
        "smtp": parse_smtp_url(env.get("HUB_SMTP_URL")),
        "alert_emails": _list(env.get("HUB_ALERT_EMAILS")),
        "alert_webhooks": _list(env.get("HUB_ALERT_WEBHOOKS")),
        "alert_rate_minutes": parse_minutes(env.get("HUB_ALERT_RATE", "1h"), "HUB_ALERT_RATE"),
        "alert_digest": parse_digest(env.get("HUB_ALERT_DIGEST")),
        "metrics_token": env.get("HUB_METRICS_TOKEN") or None,
        "metrics_allow": parse_networks(env.get("HUB_METRICS_ALLOW"), "HUB_METRICS_ALLOW"),
        "log_format": parse_log_format(env.get("HUB_LOG_FORMAT")),
    }
    return Settings(**read_otherwise, **_plain_values(env, skip=set(read_otherwise)))


def ensure_secret_key_file(settings):
    """Create ``<instance>/secret.key`` with a random key if no key is configured."""
    if settings.secret_key:
        return settings.secret_key
    settings.instance_dir.mkdir(parents=True, exist_ok=True)
    key_file = settings.instance_dir / "secret.key"
    key = secrets.token_urlsafe(48)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key + "\n")
    settings.secret_key = key
    return key


_current = None


def get_settings():
    global _current
    if _current is None:
        _current = load_settings()
    return _current


def set_settings(settings):
    global _current
    _current = settings
    return settings
