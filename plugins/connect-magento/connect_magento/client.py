"""The Magento 2 REST client: auth, searchCriteria paging, error mapping.

Everything goes through ``ctx.session`` (timeouts, urllib3 retries on 429/5xx with
Retry-After, waiting through ``ctx.sleep``: the hub's one retry layer; what outlives it is a
``TransientError``). This module adds what is Magento-specific:

* three auth methods (setting ``auth_method``): ``oauth`` (default; OAuth 1.0a, HMAC-SHA256,
  integration credentials, works on 2.4.4+ without touching the store's configuration),
  ``bearer`` (the integration access token as a bearer token; needs "Allow OAuth Access Tokens
  to be used as standalone Bearer tokens" on 2.4.4+), ``admin`` (username/password ->
  ``POST /V1/integration/admin/token``, renewed once on 401; impossible with admin 2FA on);
* Magento's error bodies (``message`` with ``%1``/``%name`` placeholders filled from
  ``parameters``, plus ``errors[]``) turned into clear messages and hub exceptions;
* offset paging that stops by ``total_count`` (a page past the end is the last page again)
  and keyset paging on (timestamp, entity id) for incremental streams.
"""

import re
from datetime import UTC, datetime, timedelta

from oauthlib.oauth1 import SIGNATURE_HMAC_SHA256
from requests_oauthlib import OAuth1

from hub.errors import (
    AuthenticationError,
    ConfigurationError,
    StoreRejected,
    StoreUnavailableError,
    TransientError,
)
from hub.toolkit import KeysetCursor, json_or_none, raise_for_status, send

MAX_PAGE_SIZE = 300  # Magento's Web API input limit (when enabled): never ask for more
CURSOR = KeysetCursor(width=10, empty_time="0000-00-00T00:00:00Z")
NONCE_REUSED = "nonce is already being used"
OVERLAP = timedelta(minutes=2)  # late commits, 1-second timestamps: re-read (as the core)

_PLACEHOLDER = re.compile(r"%(\w+)")


def fill_placeholders(message, parameters):
    """``"%1 of %2"`` + ``["a", "b"]`` or ``"%name"`` + ``{"name": "x"}`` -> filled text."""
    if not message or parameters in (None, [], {}):
        return message or ""

    def repl(match):
        key = match.group(1)
        if isinstance(parameters, list):
            if key.isdigit() and 1 <= int(key) <= len(parameters):
                return str(parameters[int(key) - 1])
            return match.group(0)
        if isinstance(parameters, dict) and key in parameters:
            return str(parameters[key])
        return match.group(0)

    return _PLACEHOLDER.sub(repl, str(message))


def error_message(body, fallback):
    """A Magento error body -> one readable sentence."""
    if not isinstance(body, dict) or not body.get("message"):
        return fallback
    text = fill_placeholders(body["message"], body.get("parameters")).strip()
    details = []
    for err in body.get("errors") or []:
        if isinstance(err, dict) and err.get("message"):
            details.append(fill_placeholders(err["message"], err.get("parameters")).strip())
    if details:
        text = f"{text}: {'; '.join(details)}"
    return " ".join(text.split())


# -- time and cursors ------------------------------------------------------------------------


_MAGENTO_TIME = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", re.ASCII)


def magento_time(value):
    """'2026-01-31 22:10:00' (Magento, UTC) -> aware datetime, or None. That exact shape is
    read by ``fromisoformat`` (a tenth of ``strptime``'s time: three per order), which then
    agrees with ``strptime``; any other is left to ``strptime``."""
    if not value:
        return None
    text = str(value)[:19]
    try:
        if _MAGENTO_TIME.fullmatch(text):
            return datetime.fromisoformat(text).replace(tzinfo=UTC)
        return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    except ValueError:
        return None


def iso(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ") if dt else None


def to_magento(dt):
    return dt.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def make_cursor(when, entity_id):
    """Sortable as text: ``2026-01-31T22:10:00Z|0000001234``."""
    return CURSOR.encode(iso(when), entity_id)


def parse_since(since):
    """A cursor of ours, an ISO date/time (e.g. the hub's ``orders_since``) or None ->
    (aware datetime or None, entity id)."""
    stamp, last_id = CURSOR.decode(since)
    if stamp is None and not last_id:
        return None, 0
    try:
        when = datetime.fromisoformat(str(stamp).replace("Z", "+00:00"))
    except ValueError:
        raise ConfigurationError(
            f"Cannot read the cursor/date {since!r}",
            hint="Use an ISO-8601 date such as 2026-01-31 or 2026-01-31T00:00:00Z.",
        ) from None
    return (when if when.tzinfo else when.replace(tzinfo=UTC)), last_id


# -- searchCriteria --------------------------------------------------------------------------


def criteria_params(groups=(), sort=(), page_size=None, current_page=None, fields=None):
    """``groups``: [[(field, value, condition), ...ORed], ...ANDed]."""
    params = {}
    for g, group in enumerate(groups):
        for f, (field, value, condition) in enumerate(group):
            prefix = f"searchCriteria[filter_groups][{g}][filters][{f}]"
            params[f"{prefix}[field]"] = field
            params[f"{prefix}[value]"] = str(value)
            params[f"{prefix}[condition_type]"] = condition
    for s, (field, direction) in enumerate(sort):
        params[f"searchCriteria[sortOrders][{s}][field]"] = field
        params[f"searchCriteria[sortOrders][{s}][direction]"] = direction
    if page_size is not None:
        params["searchCriteria[pageSize]"] = page_size
    if current_page is not None:
        params["searchCriteria[currentPage]"] = current_page
    if not groups and not sort and page_size is None:
        params["searchCriteria"] = ""  # "all, unpaged": Magento needs the parameter present
    if fields:
        params["fields"] = fields
    return params


class MagentoClient:
    def __init__(self, ctx):
        self.ctx = ctx
        self.session = ctx.session
        self.base = ctx.base_url.rstrip("/")
        self.store_code = ctx.setting("store_code", "default")
        self.auth_method = ctx.setting("auth_method", "oauth")
        if self.auth_method not in ("oauth", "bearer", "admin"):
            raise ConfigurationError(
                f"Unknown auth_method {self.auth_method!r}", hint="Use oauth, bearer or admin."
            )
        try:
            size = int(ctx.setting("page_size", MAX_PAGE_SIZE))
        except (TypeError, ValueError):
            raise ConfigurationError("page_size must be a number") from None
        self.page_size = max(1, min(size, MAX_PAGE_SIZE))
        self._oauth = None

    # -- auth --------------------------------------------------------------------------------

    def _need(self, *names):
        missing = [n for n in names if not self.ctx.secret(n) and not self.ctx.setting(n)]
        if missing:
            raise ConfigurationError(
                f"Missing Magento credentials: {', '.join(missing)} (auth_method "
                f"{self.auth_method})",
                hint="System > Extensions > Integrations in the Magento admin shows the "
                "integration's consumer key/secret and access token/secret.",
            )
        return [self.ctx.secret(n) or self.ctx.setting(n) for n in names]

    def _auth(self):
        """The keyword arguments of ``send`` that authenticate one request: ``auth`` (OAuth 1.0a
        signs each request) and ``headers`` (a bearer token)."""
        if self.auth_method == "oauth":
            if self._oauth is None:
                ck, cs, at, ats = self._need(
                    "consumer_key", "consumer_secret", "access_token", "access_token_secret"
                )
                self._oauth = OAuth1(
                    ck,
                    client_secret=cs,
                    resource_owner_key=at,
                    resource_owner_secret=ats,
                    signature_method=SIGNATURE_HMAC_SHA256,
                    signature_type="AUTH_HEADER",
                )
            return {"auth": self._oauth, "headers": {}}
        if self.auth_method == "bearer":
            (token,) = self._need("access_token")
        else:
            token = self.ctx.cache.get("magento_admin_token") or self._admin_token()
        return {"auth": None, "headers": {"Authorization": f"Bearer {token}"}}

    def _admin_token(self):
        username, password = self._need("admin_username", "admin_password")
        url = f"{self.base}/rest/{self.store_code}/V1/integration/admin/token"
        response = send(
            self.session,
            "POST",
            url,
            store="Magento",
            what="the admin token request",
            json={"username": username, "password": password},
        )
        if response.status_code in (401, 403):
            raise AuthenticationError(
                "Magento refused the admin username/password: "
                + error_message(json_or_none(response), response.reason or ""),
                hint="Check the admin user, and note that admin tokens are impossible without "
                "a one-time code when 2FA (Magento_TwoFactorAuth) is on: use OAuth "
                "integration credentials instead.",
                status=response.status_code,
            )
        self._raise_for(response, "POST", "integration/admin/token")
        token = json_or_none(response)
        if not isinstance(token, str) or not token:
            raise StoreRejected("Magento answered the admin token request without a token")
        self.ctx.cache["magento_admin_token"] = token
        return token

    # -- requests ----------------------------------------------------------------------------

    def url(self, path, store=None):
        return f"{self.base}/rest/{store or self.store_code}/V1/{path.lstrip('/')}"

    def request(self, method, path, *, params=None, json=None, store=None, allow_404=False):
        """One API call -> parsed JSON (None for a tolerated 404). Raises hub errors.

        The session retries 429/5xx; here a 401 is tried once more when a low-level retry
        replayed a signed nonce or the admin token expired (new credentials, not a retry)."""
        url = self.url(path, store)
        what = f"{method} /V1/{path}"
        renewed = nonce_retries = False
        while True:
            response = send(
                self.session,
                method,
                url,
                store="Magento",
                what=what,
                params=params,
                json=json,
                **self._auth(),
            )
            status = response.status_code
            if status == 401:
                message = error_message(json_or_none(response), "401 Unauthorized")
                if NONCE_REUSED in message.lower() and not nonce_retries:
                    nonce_retries = True  # a low-level retry replayed a signed request
                    continue
                if self.auth_method == "admin" and not renewed:
                    renewed = True  # the 4-hour admin token expired: get a new one, once
                    self.ctx.cache.pop("magento_admin_token", None)
                    continue
            if status == 503 and "maintenance" in response.text[:2000].lower():
                raise StoreUnavailableError(
                    "The Magento store is in maintenance mode (503)",
                    hint="Run the feed again once bin/magento maintenance:disable is done.",
                    status=503,
                )
            if status == 404 and allow_404:
                return None
            self._raise_for(response, method, path)
            if not response.content:
                return None
            try:
                return response.json()
            except ValueError:
                raise TransientError(
                    f"Magento answered {what} with a malformed JSON body "
                    f"(starts with {response.text[:60]!r}); a PHP error or a proxy page is likely",
                    status=status,
                ) from None

    def _raise_for(self, response, method="", path=""):
        auth_hint = self._auth_hint()
        raise_for_status(
            response,
            f"{method} /V1/{path}",
            store="Magento",
            detail=lambda r: error_message(
                json_or_none(r), f"{r.status_code} {r.reason or ''}".strip()
            ),
            hints={401: auth_hint, 403: auth_hint},
        )

    def _auth_hint(self):
        if self.auth_method == "bearer":
            return (
                "On Magento 2.4.4+ an integration token is refused as a bearer token unless "
                "Stores > Configuration > Services > OAuth > Consumer Settings > 'Allow OAuth "
                "Access Tokens to be used as standalone Bearer tokens' is Yes. Prefer "
                "auth_method=oauth with the four integration credentials."
            )
        if self.auth_method == "admin":
            return (
                "Check the admin username/password and that the user's role grants the "
                "resources named above; admin 2FA prevents unattended admin tokens."
            )
        return (
            "Check the four integration credentials (System > Extensions > Integrations), "
            "that the integration is activated, and that its API resources include the "
            "resource named above."
        )

    def get(self, path, params=None, **kwargs):
        return self.request("GET", path, params=params, **kwargs)

    # -- paging ------------------------------------------------------------------------------

    def iter_offset(self, path, *, groups=(), sort=(), fields=None, key, on_total=None):
        """Pages 1..ceil(total_count/pageSize); ``key`` of the sort order guards against the
        page-past-the-end answer (the last page again). Yields pages (lists); ``on_total``
        is called with the first page's ``total_count``."""
        size = self.page_size
        current = 1
        last_key = None
        fields = _with_total(fields)
        while True:
            data = self.get(path, criteria_params(groups, sort, size, current, fields))
            items, total = _items_total(data, path)
            if current == 1 and on_total is not None:
                on_total(total)
            if items and last_key is not None and key(items[0]) <= last_key:
                break  # Magento answered a page past the end with the last page again
            if items:
                last_key = key(items[-1])
                yield items
            if not items or current * size >= total:
                break
            current += 1

    def iter_keyset(self, path, *, time_field, id_field, since, groups=(), fields=None):
        """Stream sorted by (time_field, entity_id), always asking page 1 with a filter
        "after the last item seen": stable even while records change during the run."""
        when, last_id = parse_since(since)
        if when is not None:
            when, last_id = when - OVERLAP, 0
        stamp = to_magento(when) if when is not None else None
        fields = _with_total(fields)
        size = self.page_size
        while True:
            extra = []
            if stamp is not None:
                extra = [
                    [(time_field, stamp, "gteq")],
                    [(time_field, stamp, "gt"), ("entity_id", last_id, "gt")],
                ]
            sort = [(time_field, "ASC"), ("entity_id", "ASC")]
            data = self.get(path, criteria_params(list(groups) + extra, sort, size, 1, fields))
            items, total = _items_total(data, path)
            if items:
                yield items
            if not items or len(items) >= total:
                break
            last = items[-1]
            new_stamp, new_id = last.get(time_field), last.get(id_field)
            if (
                not new_stamp
                or new_id is None
                or (new_stamp, int(new_id))
                <= (
                    stamp or "",
                    last_id,
                )
            ):
                break  # no progress possible: never loop on the same page
            stamp, last_id = str(new_stamp)[:19], int(new_id)

    # -- store facts (cached per integration) ------------------------------------------------

    def store_config(self):
        # keyed by the store's URL too: the cache is per process and integration id, and an
        # integration may be pointed at another store
        cache_key = f"magento_store_config:{self.base}:{self.store_code}"
        config = self.ctx.cache.get(cache_key)
        if config is None:
            configs = self.get("store/storeConfigs") or []
            if not isinstance(configs, list) or not all(isinstance(c, dict) for c in configs):
                raise TransientError(
                    "Magento answered GET /V1/store/storeConfigs with "
                    f"{_shape(configs)}, not a list of store configurations",
                    hint="A module, a proxy or a PHP error altered the answer: open "
                    "/rest/V1/store/storeConfigs with the integration's credentials to see it.",
                )
            code = self.store_code if self.store_code != "all" else "default"
            config = next((c for c in configs if c.get("code") == code), None)
            if config is None and configs:
                config = configs[0]
            config = config or {}
            self.ctx.cache[cache_key] = config
        return config

    def msi_available(self):
        """True when the MSI API answers (``GET /V1/inventory/sources``), False on 404.

        Magento matches the route before it checks the ACL (Webapi
        ``Rest/RequestValidator::validate``): without the MSI modules the route does not exist
        (404 "Request does not match any route."); with them, an integration that lacks the
        route's resource gets 401 "The consumer isn't authorized to access
        Magento_InventoryApi::source." (``AuthorizationException``, answered 401 by
        ``Webapi/ErrorProcessor::maskException``; a proxy may turn it into 403). That is a
        missing permission on a store that *has* MSI, not bad credentials: it raises
        ``ConfigurationError`` naming the resource (never a silent fall-back to the legacy API,
        whose quantities mean something else under MSI)."""
        mode = self.ctx.setting("inventory_api", "auto")
        if mode == "msi":
            return True
        if mode == "legacy":
            return False
        cache_key = f"magento_msi:{self.base}"
        cached = self.ctx.cache.get(cache_key)
        if cached is None:
            try:
                data = self.get(
                    "inventory/sources",
                    criteria_params(page_size=1, current_page=1),
                    allow_404=True,
                )
            except AuthenticationError as exc:
                self.store_config()  # bad credentials fail here too: that error is raised
                raise inventory_acl_error(exc) from None
            cached = data is not None
            self.ctx.cache[cache_key] = cached
        return cached


INVENTORY_RESOURCES = (
    # magento/inventory InventoryApi/etc/webapi.xml: GET /V1/inventory/sources and
    # GET /V1/inventory/source-items need Magento_InventoryApi::source; POST
    # /V1/inventory/source-items needs Magento_InventoryApi::stock_source_item_assign
    # (titles from InventoryApi/etc/acl.xml)
    ("Magento_InventoryApi::source", "Stores > Inventory > Sources"),
    (
        "Magento_InventoryApi::stock_source_item_assign",
        "Stores > Inventory > Stocks > Source Item Assigning",
    ),
)


def inventory_acl_error(exc):
    """The MSI probe was refused although the credentials work: a missing ACL resource."""
    named = ""
    match = re.search(r"access ([\w:, ]+?)\.?$", exc.message)
    if match:
        named = f" (Magento names {match.group(1).strip()})"
    wanted = ", ".join(f"{title} ({resource})" for resource, title in INVENTORY_RESOURCES)
    return ConfigurationError(
        f"This Magento has Inventory (MSI) but the integration may not use it: Magento "
        f"answered {exc.status or 401} to GET /V1/inventory/sources{named} while the same "
        "credentials read the store configuration.",
        hint=f"In System > Extensions > Integrations, edit the integration's API resources to "
        f"include {wanted}, save and reauthorize it. Do not switch inventory_api to legacy on "
        "an MSI store: the legacy quantity there is the default source's physical stock.",
        status=exc.status,
    )


def _shape(value):
    if isinstance(value, list):
        kinds = sorted({type(v).__name__ for v in value})
        return f"a list of {'/'.join(kinds) or 'nothing'}"
    return f"a JSON {type(value).__name__} ({str(value)[:60]!r})"


def _with_total(fields):
    if fields and "total_count" not in fields:
        return f"{fields},total_count"
    return fields


def _items_total(data, path):
    if not isinstance(data, dict) or not isinstance(data.get("items", []), list):
        raise TransientError(f"Magento answered /V1/{path} without an items list")
    items = data.get("items") or []
    total = data.get("total_count")
    if not isinstance(total, int):
        total = len(items)
    return items, total
