"""The Shopify Admin GraphQL client: authentication, cost-based throttling, error mapping,
cursor paging and bulk operations.

* Transport retries (connection errors, 429/5xx with Retry-After) are done by ``ctx.session``
  (urllib3, waiting through ``ctx.sleep``): the hub's one retry policy. What outlives them is a
  ``TransientError`` (``hub.toolkit.raise_for_status``) and the run is tried again later.
* Every GraphQL response carries ``extensions.cost.throttleStatus``; the client keeps the last
  one (in ``ctx.cache``, so it survives across hook calls of the same integration) and, before
  each request, waits until the bucket should hold the query's expected cost. On ``THROTTLED``
  it waits ``(requestedQueryCost - currentlyAvailable) / restoreRate`` (or
  ``requestedQueryCost / restoreRate`` when that is not positive) and retries.
* 401/403 -> AuthenticationError (after one token renewal with client credentials);
  402/423 -> StoreUnavailableError; a malformed body -> one retry, then TransientError.
* ``MAX_COST_EXCEEDED`` (a query whose *requested* cost is over Shopify's single-query limit,
  refused before it runs) raises ``QueryCostExceeded``. ``execute_sized``, ``paginate`` and
  ``nodes`` catch it: a ``nodes(ids:)`` batch is split in two, a page size is halved, and the
  query is sent again, so a run never fails for it (cms-apis.md 1.5: "split on
  MAX_COST_EXCEEDED"). Every query is also sized to fit under the strict reading of the cost
  rules in the first place (``queries.py``; ``tests/test_shopify_query_cost.py``).
* ``bulkOperationRunQuery`` answering ``LIMIT_REACHED`` (the shop's concurrent bulk operations
  are all taken: five from 2026-01) waits through ``ctx.sleep`` and tries again.
"""

import json
import uuid

import requests

from connect_shopify import queries
from hub.errors import (
    AuthenticationError,
    ConfigurationError,
    StoreRejected,
    StoreUnavailableError,
    TransientError,
)
from hub.http import OutboundRefused
from hub.toolkit import json_or_none, raise_for_status, retry_after, send

DEFAULT_VERSION = "2026-10"
TOKEN_RENEW_MARGIN = 600  # renew a client-credentials token 10 minutes before it expires
MAX_THROTTLE_RETRIES = 8
BULK_TIMEOUT = 6 * 3600
# at most 1 s between polls: a merchant's first import waits on the bulk operation, and the
# overshoot past its completion is half the interval on average (a poll costs 1 point of a
# bucket that refills 50 or more a second)
BULK_POLL_FIRST, BULK_POLL_FACTOR, BULK_POLL_MAX = 0.1, 1.5, 1.0
BULK_POLL_BRISK_SECONDS = 3.0  # a poll costs 1 point: 30 of them are nothing to the bucket
BULK_LIMIT_WAIT_FIRST, BULK_LIMIT_WAIT_MAX = 5.0, 60.0  # LIMIT_REACHED: wait, then try again


class QueryCostExceeded(StoreRejected):
    """Shopify refused a query whose requested cost is over its single-query limit."""

    def __init__(self, message, *, cost=None, max_cost=None, **kwargs):
        super().__init__(message, **kwargs)
        self.cost, self.max_cost = cost, max_cost


class GraphQLResult:
    def __init__(self, data, errors, response):
        self.data = data or {}
        self.errors = errors or []  # field-level errors that came with (partial) data
        self.response = response

    def field_errors(self, prefix):
        """(path after ``prefix``, message) of the errors whose path starts with ``prefix``."""
        n = len(prefix)
        return [
            (tuple(e.get("path") or ())[n:], e.get("message", ""))
            for e in self.errors
            if tuple(e.get("path") or ())[:n] == tuple(prefix)
        ]


class ShopifyClient:
    def __init__(self, ctx):
        self.ctx = ctx
        if not ctx.base_url:
            raise ConfigurationError(
                "The integration has no store URL.",
                hint="Set the shop's URL, e.g. https://my-shop.myshopify.com",
            )
        self.base_url = ctx.base_url.rstrip("/")
        self.version = str(ctx.setting("api_version", DEFAULT_VERSION)).strip()
        self.endpoint = f"{self.base_url}/admin/api/{self.version}/graphql.json"
        self.session = ctx.session
        self.bucket = ctx.cache.setdefault(("shopify", "bucket", self.base_url), {})
        self.costs = ctx.cache.setdefault(("shopify", "costs", self.base_url), {})
        self.last_version = None

    # -- authentication -----------------------------------------------------------------------

    @property
    def uses_client_credentials(self):
        return not self.ctx.secret("access_token")

    def token(self, renew=False):
        static = self.ctx.secret("access_token")
        if static:
            return static
        client_id = self.ctx.setting("client_id") or self.ctx.secret("client_id")
        client_secret = self.ctx.secret("client_secret")
        if not client_id or not client_secret:
            raise ConfigurationError(
                "No Shopify credentials: set an Admin API access token, or a client id and "
                "client secret.",
                hint="In the Shopify Dev Dashboard, open the app's settings for the client id "
                "and secret (or use a custom app's Admin API access token).",
            )
        key = ("shopify", "token", self.base_url, client_id)
        cached = self.ctx.cache.get(key)
        if cached and not renew and cached["expires_at"] - TOKEN_RENEW_MARGIN > self.ctx.clock():
            return cached["token"]
        try:
            response = self.session.post(
                f"{self.base_url}/admin/oauth/access_token",
                data={
                    "grant_type": "client_credentials",
                    "client_id": client_id,
                    "client_secret": client_secret,
                },
                headers={"Accept": "application/json"},
            )
        except requests.RequestException as exc:
            raise TransientError(f"Cannot reach Shopify for an access token: {exc}") from exc
        if response.status_code in (400, 401, 403):
            try:
                detail = response.json()
                detail = detail.get("error_description") or detail.get("error") or detail
            except ValueError:
                detail = response.text[:200]
            raise AuthenticationError(
                f"Shopify refused the client credentials ({response.status_code}): {detail}",
                hint="Check the client id and secret in the Dev Dashboard, and that the app is "
                "installed on this store.",
                status=response.status_code,
            )
        self._raise_for_status(response)
        try:
            data = response.json()
            token = data["access_token"]
        except (ValueError, KeyError, TypeError):
            raise TransientError(
                "Shopify's token endpoint returned a malformed response."
            ) from None
        expires_in = float(data.get("expires_in") or 86399)
        self.ctx.cache[key] = {
            "token": token,
            "expires_at": self.ctx.clock() + expires_in,
            "scope": data.get("scope"),
        }
        return token

    # -- throttling ---------------------------------------------------------------------------

    def _observe(self, cost, name, refused=False):
        """Keep the bucket's state and (unless Shopify ``refused`` the query for its cost) the
        query's requested cost, for pacing the next call."""
        if not isinstance(cost, dict):
            return
        status = cost.get("throttleStatus") or {}
        if status.get("restoreRate"):
            self.bucket.update(
                available=float(status.get("currentlyAvailable") or 0),
                maximum=float(status.get("maximumAvailable") or 0),
                rate=float(status["restoreRate"]),
                at=self.ctx.clock(),
            )
        if cost.get("requestedQueryCost") is not None and not refused:
            self.costs[name] = float(cost["requestedQueryCost"])

    def _pace(self, name):
        expected = self.costs.get(name)
        b = self.bucket
        if not expected or not b.get("rate"):
            return
        expected = min(expected, b["maximum"] or expected)  # a full bucket is all there is
        projected = min(
            b["maximum"] or expected, b["available"] + (self.ctx.clock() - b["at"]) * b["rate"]
        )
        if projected < expected:
            wait = (expected - projected + 1) / b["rate"]  # +1 point: rounding, clock skew
            self.ctx.logger.debug("shopify: pacing %.2fs before %s", wait, name)
            self.ctx.sleep(wait)

    @staticmethod
    def throttle_wait(cost):
        status = (cost or {}).get("throttleStatus") or {}
        rate = float(status.get("restoreRate") or 50)
        requested = float((cost or {}).get("requestedQueryCost") or 50)
        deficit = requested - float(status.get("currentlyAvailable") or 0)
        return (deficit if deficit > 0 else requested) / rate

    # -- requests -----------------------------------------------------------------------------

    def _raise_for_status(self, response):
        status = response.status_code
        if status in UNAVAILABLE:
            message, hint = UNAVAILABLE[status]
            raise StoreUnavailableError(message, hint=hint, status=status)
        raise_for_status(
            response,
            f"POST /admin/api/{self.version}/graphql.json",
            store="Shopify",
            detail=_error_detail,
            not_found=ConfigurationError,
            hints={
                401: "Check the access token (or client id/secret) and the app's access "
                "scopes in Shopify, then run the feed again.",
                403: "The app lacks a permission (access scope) this feed needs: grant it in "
                "Shopify, then run the feed again.",
                404: "No such shop or API version: check the store URL and the API version "
                f"setting ({self.version}).",
            },
        )

    def _post(self, payload, renewed):
        headers = {
            "X-Shopify-Access-Token": self.token(renew=renewed),
            "Content-Type": "application/json",
            "Accept": "application/json",
        }
        return send(
            self.session,
            "POST",
            self.endpoint,
            store="Shopify",
            what="the Admin API",
            data=json.dumps(payload),
            headers=headers,
        )

    def execute(self, query, variables=None, name=None):
        """Run one GraphQL document; return a GraphQLResult. Raises hub errors."""
        name = name or query.split("(", 1)[0].split("{", 1)[0].strip() or "query"
        payload = {"query": query, "variables": variables or {}}
        throttled = malformed = 0
        renewed = False
        while True:
            self._pace(name)
            response = self._post(payload, renewed)
            self.last_version = response.headers.get("X-Shopify-API-Version")
            status = response.status_code
            if status == 401 and self.uses_client_credentials and not renewed:
                renewed = True  # the cached token expired or was revoked: fetch a new one
                continue
            if status == 429:  # a throttled call can come back as 429 with a GraphQL body
                body = json_or_none(response)
                if body and _is_throttled(body) and throttled < MAX_THROTTLE_RETRIES:
                    throttled += 1
                    self.ctx.sleep(
                        retry_after(response)
                        or self.throttle_wait(body.get("extensions", {}).get("cost"))
                    )
                    continue
            self._raise_for_status(response)
            body = json_or_none(response)
            if not isinstance(body, dict):
                if malformed < 1:
                    malformed += 1
                    self.ctx.logger.warning("shopify: malformed response body, retrying")
                    self.ctx.sleep(1.0)
                    continue
                raise TransientError(
                    f"Shopify returned a malformed response (not a JSON object; "
                    f"HTTP {status}, {len(response.content)} bytes): "
                    f"{response.text[:120]!r}"
                )
            extensions = body.get("extensions") or {}
            errors = body.get("errors")
            self._observe(
                extensions.get("cost"), name, refused=_has_code(errors, "MAX_COST_EXCEEDED")
            )
            if errors:
                if _is_throttled(body):
                    throttled += 1
                    wait = self.throttle_wait(extensions.get("cost"))
                    if throttled > MAX_THROTTLE_RETRIES:
                        raise TransientError(
                            f"Shopify kept throttling the API calls ({throttled} times).",
                            retry_after=max(wait, 1.0),
                        )
                    self.ctx.logger.info("shopify: throttled, waiting %.2fs", wait)
                    self.ctx.sleep(wait)
                    continue
                self._raise_graphql_errors(errors, body.get("data"))
                return GraphQLResult(body.get("data"), errors, response)
            return GraphQLResult(body.get("data"), None, response)

    def _raise_graphql_errors(self, errors, data):
        if not isinstance(errors, list):  # REST-style {"errors": "..."}
            raise StoreRejected(f"Shopify rejected the request: {errors}")
        codes = {(e.get("extensions") or {}).get("code") for e in errors if isinstance(e, dict)}
        messages = "; ".join(str(e.get("message")) for e in errors if isinstance(e, dict))
        if "ACCESS_DENIED" in codes:
            raise AuthenticationError(
                f"Shopify denied access: {messages}",
                hint="Grant the missing access scope to the app in Shopify (Dev Dashboard or "
                "the custom app's API scopes), then run the feed again.",
            )
        if codes & {"INTERNAL_SERVER_ERROR", "SERVICE_UNAVAILABLE"}:
            raise TransientError(f"Shopify had an internal error: {messages}")
        if "MAX_COST_EXCEEDED" in codes:
            ext = next(
                (e.get("extensions") or {})
                for e in errors
                if isinstance(e, dict)
                and (e.get("extensions") or {}).get("code") == "MAX_COST_EXCEEDED"
            )
            raise QueryCostExceeded(
                f"Shopify rejected the query: {messages.splitlines()[0] if messages else ''}",
                cost=ext.get("cost"),
                max_cost=ext.get("maxCost"),
                hint="The connector sizes its queries to fit; report this if it persists.",
            )
        if data is None:
            raise StoreRejected(f"Shopify rejected the query: {messages}")
        # partial data with field errors: the caller maps them to the records concerned
        self.ctx.logger.warning("shopify: field errors in response: %s", messages[:500])

    # -- queries over Shopify's single-query cost limit ---------------------------------------

    def execute_sized(self, query, variables, sizes=(), name=None):
        """``execute``; on MAX_COST_EXCEEDED halve the first of the ``sizes`` variables that is
        still over 1 (page sizes, outermost first) and send it again.

        Returns ``(result, variables)``: the variables that fitted, for the following pages.
        Every caller pages whatever a smaller size leaves out, so halving loses nothing.
        """
        variables = dict(variables)
        while True:
            try:
                return self.execute(query, variables, name=name), variables
            except QueryCostExceeded as exc:
                key = next((k for k in sizes if (variables.get(k) or 0) > 1), None)
                if key is None:
                    raise
                variables[key] = variables[key] // 2
                self.ctx.logger.info(
                    "shopify: query cost %s over Shopify's limit %s: %s halved to %d",
                    exc.cost,
                    exc.max_cost,
                    key,
                    variables[key],
                )

    def nodes(self, query, ids, variables=None, sizes=(), name=None):
        """Yield ``(result, nodes)`` for ``nodes(ids: $ids)`` over ``ids`` (one batch as given).

        On MAX_COST_EXCEEDED the batch is split in two and each half is sent on its own (then,
        for a single id, the ``sizes`` variables are halved); a run never fails for it.
        """
        pending = [list(ids)]
        while pending:
            batch = pending.pop(0)
            if not batch:
                continue
            try:
                result = self.execute(query, dict(variables or {}, ids=batch), name=name)
            except QueryCostExceeded as exc:
                if len(batch) == 1:
                    result, _ = self.execute_sized(
                        query, dict(variables or {}, ids=batch), sizes, name=name
                    )
                else:
                    half = (len(batch) + 1) // 2
                    self.ctx.logger.info(
                        "shopify: query cost %s over Shopify's limit %s: %d ids split in two",
                        exc.cost,
                        exc.max_cost,
                        len(batch),
                    )
                    pending[:0] = [batch[:half], batch[half:]]
                    continue
            yield result, result.data.get("nodes") or []

    # -- paging -------------------------------------------------------------------------------

    def paginate(self, query, variables, path, sizes=("first",)):
        """Yield (result, page) for every page of the connection at ``path`` (a tuple of keys).

        A page refused for its cost (MAX_COST_EXCEEDED) is asked again with ``sizes`` halved;
        the smaller sizes are kept for the following pages.
        """
        cursor = None
        while True:
            result, variables = self.execute_sized(query, dict(variables, cursor=cursor), sizes)
            page = result.data
            for key in path:
                page = (page or {}).get(key)
            if page is None:
                return
            yield result, page
            info = page.get("pageInfo") or {}
            if not info.get("hasNextPage"):
                return
            cursor = info.get("endCursor")

    # -- bulk operations ----------------------------------------------------------------------

    def run_bulk_query(self, bulk_query, group_objects=True):
        """Start a bulk query, wait until it completes, return its result URL (or None)."""
        return self.wait_bulk_operation(self.start_bulk_query(bulk_query, group_objects))

    def start_bulk_query(self, bulk_query, group_objects=True):
        """Start a bulk query (waiting for another one of the shop's to end); its id.

        ``group_objects=False`` lets Shopify write nested lines in any order (cheaper: its
        docs advise it when the reader does not need each child right after its parent).
        """
        deadline = self.ctx.clock() + BULK_TIMEOUT
        variables = {"query": bulk_query, "groupObjects": bool(group_objects)}
        limit_waits = 0
        while True:
            result = self.execute(queries.BULK_RUN, variables, name="BulkRun")
            payload = result.data.get("bulkOperationRunQuery") or {}
            user_errors = payload.get("userErrors") or []
            if not user_errors:
                break
            if any(e.get("code") == "LIMIT_REACHED" for e in user_errors):
                # 2026-01 and later: up to five bulk queries per shop at once, all taken
                # (https://shopify.dev/api/usage/bulk-operations/queries). Wait and try again.
                self._until(
                    deadline, "The shop's bulk operations have been all taken for too long."
                )
                limit_waits += 1
                wait = min(
                    BULK_LIMIT_WAIT_FIRST * BULK_POLL_FACTOR ** (limit_waits - 1),
                    BULK_LIMIT_WAIT_MAX,
                )
                self.ctx.logger.info(
                    "shopify: bulk operations limit reached, trying again in %.0fs", wait
                )
                self.ctx.sleep(wait)
                continue
            if any(e.get("code") == "OPERATION_IN_PROGRESS" for e in user_errors):
                # API versions before 2026-01 allow one bulk query per shop at a time
                self._until(
                    deadline, "Another bulk operation has been running on the shop for too long."
                )
                self._wait_for_current()
                continue
            raise StoreRejected(
                "Shopify refused the bulk query: "
                + "; ".join(e.get("message", "") for e in user_errors)
            )
        return payload["bulkOperation"]["id"]

    def wait_bulk_operation(self, op_id):
        """Poll a bulk operation until it completes; its result URL (None: nothing matched)."""
        deadline = self.ctx.clock() + BULK_TIMEOUT
        wait = BULK_POLL_FIRST
        started = self.ctx.clock()
        while True:
            self.ctx.sleep(wait)
            # small exports finish in seconds: poll briskly at first, then back off
            if self.ctx.clock() - started > BULK_POLL_BRISK_SECONDS:
                wait = min(wait * BULK_POLL_FACTOR, BULK_POLL_MAX)
            node = (
                self.execute(queries.BULK_POLL, {"id": op_id}, name="BulkPoll").data.get("node")
                or {}
            )
            status = node.get("status")
            if status == "COMPLETED":
                self.bulk_info = node
                return node.get("url")  # None when the query matched nothing
            if status in ("FAILED", "CANCELED", "CANCELING", "EXPIRED"):
                raise TransientError(
                    f"Shopify bulk operation {op_id} ended {status} "
                    f"({node.get('errorCode') or 'no error code'}).",
                    retry_after=300,
                )
            if self.ctx.clock() > deadline:
                raise TransientError(
                    f"Shopify bulk operation {op_id} did not finish in time.", retry_after=600
                )

    def _until(self, deadline, message):
        """Waiting for the shop's bulk operations goes on until ``deadline`` (of ``ctx.clock``);
        past it, a TransientError(``message``): the run is retried later."""
        if self.ctx.clock() > deadline:
            raise TransientError(message, retry_after=600)

    def _wait_for_current(self):
        for _ in range(1000):
            self.ctx.sleep(BULK_POLL_MAX * 2)
            current = self.execute(queries.CURRENT_BULK, name="CurrentBulk").data.get(
                "currentBulkOperation"
            )
            if not current or current.get("status") not in ("CREATED", "RUNNING", "CANCELING"):
                return

    def stream_jsonl(self, url):
        """Yield the objects of a bulk result file, one line at a time (never the whole file).
        The URL comes from the store: fetched through the hub's guarded session (no private
        addresses but the store's own host and HUB_OUTBOUND_ALLOW; no credentials sent)."""
        try:
            response = self.ctx.public_session.get(url, stream=True)
        except OutboundRefused as exc:
            raise StoreRejected(f"The bulk result URL was {exc}.") from None
        except requests.RequestException as exc:
            raise TransientError(f"Cannot download the bulk result: {exc}") from exc
        with response:
            if response.status_code != 200:
                raise TransientError(
                    f"Downloading the bulk result failed (HTTP {response.status_code}).",
                    retry_after=retry_after(response),
                )
            try:
                for line in response.iter_lines(chunk_size=1 << 16):
                    if line:
                        yield json.loads(line)
            except (requests.RequestException, ValueError) as exc:
                raise TransientError(f"The bulk result download broke off: {exc}") from exc

    # -- shared look-ups ----------------------------------------------------------------------

    def shop_currency(self):
        key = ("shopify", "currency", self.base_url)
        if key not in self.ctx.cache:
            shop = self.execute(queries.SHOP_CURRENCY).data.get("shop") or {}
            self.ctx.cache[key] = shop.get("currencyCode")
        return self.ctx.cache[key]

    def locations(self):
        out = []
        variables = {"first": queries.LOCATION_PAGE}
        for _result, page in self.paginate(queries.LOCATIONS, variables, ("locations",)):
            out.extend(page.get("nodes") or [])
        return out

    def location_id(self):
        """The integration's location GID (setting ``location_id``), checked against the store."""
        value = self.ctx.setting("location_id")
        if value:
            value = str(value).strip()
            if value.isdigit():
                value = f"gid://shopify/Location/{value}"
            key = ("shopify", "location-ok", self.base_url, value)
            if key not in self.ctx.cache:
                loc = self.execute(queries.LOCATION, {"id": value}).data.get("location")
                if not loc:
                    raise ConfigurationError(
                        f"The Shopify location {value} does not exist (or is not visible to "
                        f"the app).",
                        hint="Choose the integration's location again in its settings.",
                    )
                self.ctx.cache[key] = loc
            return value
        active = [loc for loc in self.locations() if loc.get("isActive", True)]
        if len(active) == 1:
            return active[0]["id"]
        raise ConfigurationError(
            f"Choose which Shopify location this integration reads and writes stock for: the "
            f"store has {len(active)} active locations.",
            hint="Set the 'Location' setting of the integration.",
        )

    @staticmethod
    def new_idempotency_key():
        return str(uuid.uuid4())


UNAVAILABLE = {
    402: (
        "The Shopify store is frozen (402 Payment Required): Shopify blocks API access until "
        "the store's bill is paid.",
        "The store owner must settle the Shopify bill or reactivate the store; the feeds "
        "resume on their next run.",
    ),
    423: (
        "The Shopify store is locked (423 Locked): Shopify has locked this shop.",
        "Contact Shopify support or the store owner to unlock the shop; the feeds resume on "
        "their next run.",
    ),
}


def _error_detail(response):
    """Shopify's ``errors`` (a string or a list), else the start of the body."""
    body = json_or_none(response)
    errors = body.get("errors") if isinstance(body, dict) else None
    if errors is None:
        return response.text[:300]
    return errors if isinstance(errors, str) else json.dumps(errors)[:300]


def _has_code(errors, code):
    return isinstance(errors, list) and any(
        isinstance(e, dict) and (e.get("extensions") or {}).get("code") == code for e in errors
    )


def _is_throttled(body):
    return _has_code(body.get("errors") if isinstance(body, dict) else None, "THROTTLED")
