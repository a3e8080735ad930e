"""The WooCommerce REST API v3 client: authentication, error bodies, page and keyset streams.

Everything goes through ``ctx.session`` (timeouts, retries on 429/5xx honouring Retry-After:
the hub's one retry layer). What is WooCommerce's own:

* **Authentication** (``includes/class-wc-rest-authentication.php``, ``authenticate``): over
  HTTPS (``is_ssl()``) the consumer key and secret as HTTP Basic credentials
  (``perform_basic_authentication``); over plain HTTP WooCommerce refuses them and wants a
  one-legged OAuth 1.0a signature (``perform_oauth_authentication``: consumer key only, no
  token, HMAC-SHA1 or HMAC-SHA256 with the key ``secret&``, a 15-minute timestamp window, a
  nonce used once). The scheme of the store URL decides. The OAuth parameters go in the query
  string, as the REST API docs ask ("Authentication over HTTP"); list parameters are sent as
  comma-separated values (``include=1,2``), never ``include[]=``: WooCommerce's signature
  base string spells PHP arrays its own way (``join_with_equals_sign``).
* **Errors**: ``{"code", "message", "data": {"status"}}`` (``WP_Error`` through
  ``WP_REST_Server::error_to_response``).
* **Collections** (``Version3/class-wc-rest-crud-controller.php``, ``get_collection_params``,
  ``get_items``): ``page`` and ``per_page`` (1-100), ``X-WP-Total`` / ``X-WP-TotalPages``; a
  page past the end is ``[]``; ``orderby=date|modified`` is made ``date ID`` / ``modified ID``
  "for consistency with pagination"; ``after`` / ``modified_after`` compare the GMT columns
  when ``dates_are_gmt=true`` (``prepare_objects_query``) and are exclusive (WP_Date_Query).
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeAlias
from urllib.parse import urlsplit

import requests
from oauthlib.oauth1 import SIGNATURE_HMAC_SHA256, SIGNATURE_TYPE_QUERY  # type: ignore[import-untyped]
from requests_oauthlib import OAuth1  # type: ignore[import-untyped]

from hub.context import ConnectorContext
from hub.errors import ConfigurationError, TransientError
from hub.toolkit import (
    KeysetCursor,
    PageStream,
    chunked,
    json_or_none,
    raise_for_status,
    send,
)

API_PATH = "/wp-json/wc/v3"
STORE = "WooCommerce"
MAX_PAGE_SIZE = 100  # per_page's "maximum" in get_collection_params
CURSOR = KeysetCursor(width=12, empty_time="0000-00-00T00:00:00Z")
Row: TypeAlias = dict[str, Any]  # a resource as WooCommerce answers it
NO_ROUTE = object()  # get_if_route: the store has no such route (an extension not installed)
NONCE_REUSED = "nonce has already been used"
ONE_SECOND = timedelta(seconds=1)
WC_TIME = "%Y-%m-%dT%H:%M:%S"  # what WooCommerce answers in *_gmt fields and reads back
AUTH_HINT = (
    "Check the consumer key and secret (WooCommerce > Settings > Advanced > REST API): the "
    "key must exist, have Read/Write permissions, and belong to a user who may manage "
    "WooCommerce. Over plain HTTP WooCommerce accepts only OAuth 1.0a signed requests: the "
    "server's clock must be right to within 15 minutes."
)


def error_message(response: requests.Response) -> str:
    """A WordPress error body -> "message (code)", else an excerpt of the body."""
    body = json_or_none(response)
    if isinstance(body, dict) and body.get("message"):
        code = f" ({body['code']})" if body.get("code") else ""
        details = body.get("data", {}).get("params") if isinstance(body.get("data"), dict) else None
        extra = (
            "; ".join(f"{k}: {v}" for k, v in details.items()) if isinstance(details, dict) else ""
        )
        return f"{body['message']}{code}" + (f": {extra}" if extra else "")
    text = " ".join((response.text or "").split())[:200]
    return f"HTTP {response.status_code}" + (f" ({text})" if text else "")


def error_code(response: requests.Response) -> str | None:
    body = json_or_none(response)
    return str(body.get("code")) if isinstance(body, dict) and body.get("code") else None


# -- times and cursors -----------------------------------------------------------------------


def gmt(value: object) -> datetime | None:
    """A WooCommerce ``*_gmt`` value ("2026-01-31T22:10:00") -> aware datetime, or None."""
    if not value:
        return None
    try:
        return datetime.strptime(str(value)[:19], WC_TIME).replace(tzinfo=UTC)
    except ValueError:
        return None


def iso(when: datetime | None) -> str | None:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ") if when else None


def parse_since(since: str | None) -> tuple[datetime | None, int]:
    """Our cursor ("<ISO time>|<id>"), an ISO time (the hub's ``orders_since``) or None ->
    (aware datetime or None, id)."""
    stamp, ident = CURSOR.decode(since)
    if stamp is None:
        return None, ident
    try:
        when = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        raise ConfigurationError(
            f"Cannot read the cursor/date {since!r}",
            hint="Use an ISO-8601 date such as 2026-01-31 or 2026-01-31T00:00:00Z.",
        ) from None
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).astimezone(UTC), ident


@dataclass(frozen=True)
class Since:
    """An incremental stream: ``param`` the date filter, ``orderby`` its sort, ``field`` the
    GMT field of each row it compares (created: ``after``/``date``/``date_created_gmt``;
    modified: ``modified_after``/``modified``/``date_modified_gmt``)."""

    param: str
    orderby: str
    field: str


CREATED = Since("after", "date", "date_created_gmt")
MODIFIED = Since("modified_after", "modified", "date_modified_gmt")


def row_key(row: Row, field: str) -> tuple[str, int]:
    """(GMT time text, id): the order of a ``Since`` stream, comparable as a tuple."""
    return str(row.get(field) or "")[:19], int(row.get("id") or 0)


def row_cursor(row: Row, field: str) -> str:
    return CURSOR.encode(iso(gmt(row.get(field))), row.get("id"))


# -- the client --------------------------------------------------------------------------------


class WooClient:
    def __init__(self, ctx: ConnectorContext) -> None:
        self.ctx = ctx
        self.site = ctx.base_url.rstrip("/")
        self.base = self.site + API_PATH
        self.https = urlsplit(self.site).scheme == "https"
        missing = [n for n in ("consumer_key", "consumer_secret") if not ctx.secret(n)]
        if missing:
            raise ConfigurationError(
                f"Missing WooCommerce credentials: {', '.join(missing)}",
                hint="Create a key in WooCommerce > Settings > Advanced > REST API (Read/Write) "
                "and paste its consumer key and secret.",
            )
        self.key: str = ctx.secret("consumer_key")
        self.secret: str = ctx.secret("consumer_secret")
        try:
            size = int(ctx.setting("page_size", MAX_PAGE_SIZE))
        except (TypeError, ValueError):
            raise ConfigurationError("page_size must be a whole number") from None
        self.page_size = max(1, min(size, MAX_PAGE_SIZE))

    @property
    def auth_method(self) -> str:
        return "basic" if self.https else "oauth1"

    def _auth(self) -> Any:
        if self.https:
            return (self.key, self.secret)
        # a fresh signer per request: a new nonce and timestamp each time
        return OAuth1(
            self.key,
            client_secret=self.secret,
            signature_method=SIGNATURE_HMAC_SHA256,
            signature_type=SIGNATURE_TYPE_QUERY,
        )

    def url(self, path: str) -> str:
        if path.startswith("/wp-json/"):
            return self.site + path
        return f"{self.base}/{path.lstrip('/')}"

    def call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        once: bool = False,
        missing_ok: bool = False,
    ) -> requests.Response:
        """One request -> the response (a 404 too when ``missing_ok``); anything else of 400
        and above raises the hub's error. ``once``: a write that is not idempotent
        goes through ``ctx.session_once`` (never re-sent once the store may have it).

        A 401 "nonce has already been used" is signed again once: the session re-sent a
        request WooCommerce had already seen (a 5xx after its authentication step)."""
        what = f"{method} {urlsplit(self.url(path)).path}"
        session = self.ctx.session_once if once else self.ctx.session
        for attempt in (1, 2):
            response = send(
                session,
                method,
                self.url(path),
                store=STORE,
                what=what,
                params=params,
                json=json,
                auth=self._auth(),
            )
            if (
                response.status_code == 401
                and not self.https
                and attempt == 1
                and NONCE_REUSED in (response.text or "").lower()
            ):
                continue
            break
        if response.status_code == 404 and missing_ok:
            return response
        return raise_for_status(
            response,
            what,
            store=STORE,
            detail=error_message,
            hints={401: AUTH_HINT, 403: AUTH_HINT},
        )

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        """``call`` -> its JSON body (None for a tolerated 404)."""
        response = self.call(method, path, **kwargs)
        return None if response.status_code == 404 else self.json_of(response, method, path)

    def json_of(self, response: requests.Response, method: str, path: str) -> Any:
        try:
            return response.json()
        except ValueError:
            raise TransientError(
                f"{STORE} answered {method} {path} with a body that is not JSON (starts with "
                f"{response.text[:60]!r}); a PHP notice or a caching plugin's page is likely",
                hint="Open the URL in a browser with the same key: WP_DEBUG_DISPLAY on, or a "
                "security/caching plugin, can spoil the API's answers.",
                status=response.status_code,
            ) from None

    def get(self, path: str, params: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        return self.json("GET", path, params=params, **kwargs)

    def get_if_route(self, path: str, params: dict[str, Any] | None = None) -> Any:
        """GET a route an extension adds: its JSON, or ``NO_ROUTE`` when WordPress has no such
        route (404 ``rest_no_route``, ``WP_REST_Server::dispatch``). Another 404 (an unknown
        order) raises like any refusal."""
        response = self.call("GET", path, params=params, missing_ok=True)
        if response.status_code == 404:
            if error_code(response) == "rest_no_route":
                return NO_ROUTE
            raise_for_status(response, f"GET {path}", store=STORE, detail=error_message)
        return self.json_of(response, "GET", path)

    def rows(self, path: str, params: dict[str, Any]) -> tuple[list[Row], int | None]:
        """One page of a collection: (rows, X-WP-Total or None)."""
        response = self.call("GET", path, params=params)
        try:
            rows = response.json()
        except ValueError:
            rows = None
        if not isinstance(rows, list):
            raise TransientError(
                f"{STORE} answered GET {path} without a list (starts with {response.text[:60]!r})",
                status=response.status_code,
            )
        total = response.headers.get("X-WP-Total") or ""
        return rows, int(total) if total.isdigit() else None

    def by_id(self, path: str, ids: list[Any]) -> dict[int, Row]:
        """{id: row} of the collection ``path`` limited to ``ids`` (``include=``, a page of
        ids a request); ids the store does not have are absent."""
        found: dict[int, Row] = {}
        for chunk in chunked(sorted({int(i) for i in ids}), self.page_size):
            rows, _total = self.rows(
                path,
                {
                    "include": ",".join(map(str, chunk)),
                    "per_page": len(chunk),
                    "orderby": "include",
                },
            )
            found.update({int(r["id"]): r for r in rows if str(r.get("id", "")).isdigit()})
        return found

    # -- streams -------------------------------------------------------------------------------

    def page_stream(
        self,
        path: str,
        params: dict[str, Any] | None = None,
        on_total: Callable[[int], Any] | None = None,
        depth: int = 2,
    ) -> PageStream:
        """Every page of ``path`` (``page``/``per_page``), ``depth`` pages requested ahead
        (``hub.toolkit.PageStream``). ``on_total(X-WP-Total)`` after the first page."""
        size = self.page_size

        def fetch(offset: int) -> list[Row]:
            page = offset // size + 1
            rows, total = self.rows(path, {**(params or {}), "per_page": size, "page": page})
            if page == 1 and on_total is not None and total is not None:
                on_total(total)
            return rows

        return PageStream(fetch, size, depth=depth, name="woocommerce-prefetch")

    def since_pages(
        self, path: str, since: str | None, kind: Since, params: dict[str, Any] | None = None
    ) -> Iterator[list[Row]]:
        """Pages of ``path`` sorted by (``kind.field``, id) ascending, after the cursor
        ``since``: a keyset stream.

        Each request asks for what comes after the last row seen (less one second: WordPress
        compares whole seconds and ``after`` is exclusive), so a record changed while the run
        reads moves to the end of the stream instead of shifting an unread one onto a page
        already read. When one second holds more than a page of rows, the next page of the
        same request is read. Rows at or before the cursor are dropped."""
        when, last_id = parse_since(since)
        last = (when.strftime(WC_TIME), last_id) if when else None
        after = when - ONE_SECOND if when else None
        page = 1
        size = self.page_size
        while True:
            query: dict[str, Any] = {
                **(params or {}),
                "orderby": kind.orderby,
                "order": "asc",
                "per_page": size,
                "page": page,
                "dates_are_gmt": "true",
            }
            if after is not None:
                query[kind.param] = after.strftime(WC_TIME)
            rows, _total = self.rows(path, query)
            fresh = [r for r in rows if last is None or row_key(r, kind.field) > last]
            if fresh:
                yield fresh
                last = max(last or ("", 0), row_key(fresh[-1], kind.field))
            if len(rows) < size:
                return
            newest = gmt(rows[-1].get(kind.field))
            if newest is not None and (after is None or newest - ONE_SECOND > after):
                after, page = newest - ONE_SECOND, 1
            else:
                page += 1

    # -- store facts, cached per process and store ---------------------------------------------

    def setting_value(self, group: str, option: str, default: Any = None) -> Any:
        """``GET /settings/<group>/<option>``'s ``value`` (cached); ``default`` when the store
        does not have that option."""
        key = f"woocommerce:{self.site}:{group}/{option}"
        if key not in self.ctx.cache:
            data = self.get(f"settings/{group}/{option}", missing_ok=True)
            value = data.get("value") if isinstance(data, dict) else None
            self.ctx.cache[key] = value if value not in (None, "") else default
        return self.ctx.cache[key]

    def weight_unit(self) -> str:
        """The store's weight unit (``woocommerce_weight_unit``: kg, g, lbs or oz)."""
        return str(self.setting_value("products", "woocommerce_weight_unit", "kg"))

    def currency(self) -> str | None:
        value = self.setting_value("general", "woocommerce_currency")
        return str(value) if value else None
