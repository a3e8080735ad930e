"""REST API keys, as ``includes/class-wc-rest-authentication.php`` (WooCommerce 9.x) checks them.

``authenticate()``: over HTTPS (``is_ssl()``) HTTP Basic first — ``consumer_key`` /
``consumer_secret`` query parameters, else the ``Authorization: Basic`` user/password; an unknown
key leaves the request anonymous, a known key with the wrong secret is 401 "Consumer secret is
invalid." (with ``WWW-Authenticate``). Then, and always over plain HTTP, one-legged OAuth 1.0a
(``perform_oauth_authentication``): the ``oauth_*`` parameters from the query string, a form
body and the ``Authorization: OAuth`` header; all five present or 401
``woocommerce_rest_authentication_missing_parameter``; the key looked up (401 "Consumer key is
invalid."); the signature checked (``check_oauth_signature``); then the timestamp within 15
minutes and the nonce unused in the last 15 minutes (``check_oauth_timestamp_and_nonce``). With
no credentials at all the request is anonymous, and the route's permission check answers 401
``woocommerce_rest_cannot_view`` (or ``…_cannot_create`` / ``…_cannot_edit``).

Over plain HTTP, Basic credentials are ignored, as WooCommerce ignores them: the request is
anonymous. ``check_permissions``: a ``read`` key may GET/HEAD only, a ``write`` key may not read.

Where the vendor is loose the emulator is strict and says so: WooCommerce keeps used nonces keyed
by timestamp (``$used_nonces[$timestamp] = $nonce``), so a second request in the same second
forgets the first nonce; the emulator remembers every nonce for the full window.
"""

import base64
import hashlib
import hmac
import re
import time
from urllib.parse import quote, unquote, unquote_plus

from connect_woocommerce_emulator.store import RestError

WINDOW = 15 * 60  # "A timestamp is valid if it is within 15 minutes of now."
OAUTH_PARAMS = (
    "oauth_consumer_key",
    "oauth_timestamp",
    "oauth_nonce",
    "oauth_signature",
    "oauth_signature_method",
)
BASIC_REALM = (
    'Basic realm="WooCommerce API. Use a consumer key in the username field and a consumer '
    'secret in the password field."'
)


def _error(message):
    return RestError("woocommerce_rest_authentication_error", message, 401)


def rfc3986(value):
    """``wc_rest_urlencode_rfc3986``: PHP ``rawurlencode`` (only ``A-Za-z0-9-_.~`` kept)."""
    if isinstance(value, dict):
        return {k: rfc3986(v) for k, v in value.items()}
    return quote(str(value), safe="~")


def php_parse_str(raw):
    """The query string as PHP's ``$_GET`` holds it: ``+`` and ``%xx`` decoded, the last of
    repeated names wins, ``name[]`` / ``name[key]`` become arrays (one level)."""
    params = {}
    for pair in raw.split("&"):
        if not pair:
            continue
        name, _, value = pair.partition("=")
        name, value = unquote_plus(name), unquote_plus(value)
        base, bracket, rest = name.partition("[")
        if not base:
            continue
        if bracket and "]" in rest:
            sub = rest[: rest.index("]")]
            current = params.get(base)
            if not isinstance(current, dict):
                current = params[base] = {}
            current[sub if sub else str(len(current))] = value
        else:
            params[base.replace(".", "_").replace(" ", "_")] = value
    return params


def parse_oauth_header(header):
    """``parse_header``: ``oauth_*="…"`` pairs of an ``Authorization: OAuth`` header."""
    if not header.startswith("OAuth "):
        return {}
    params = {}
    for name, quoted, bare in re.findall(r'(oauth_[a-z_-]*)=(?:"([^"]*)"|([^,]*))', header):
        params[name] = unquote_plus(quoted or bare)
    return params


def _joined(params, key=""):
    """``join_with_equals_sign``: ``key=value`` strings, each RFC 3986-encoded again."""
    out = []
    for name, value in params.items():
        if key:
            name = f"{key}%5B{name}%5D"
        if isinstance(value, dict):
            out.extend(_joined(value, name))
        else:
            out.append(rfc3986(f"{name}={value}"))
    return out


def signature(method, base_url, params, secret, algorithm):
    """``check_oauth_signature``'s string to sign and HMAC, for the parameters minus
    ``oauth_signature``: keys sorted with ``strcmp``, keys and values encoded, then each
    ``k=v`` encoded again and joined with ``%26``; key ``consumer_secret&``."""
    ordered = dict(sorted(params.items(), key=lambda kv: kv[0].encode()))
    normalised = {rfc3986(k): rfc3986(v) for k, v in ordered.items()}
    query = "%26".join(_joined(normalised))
    to_sign = f"{method.upper()}&{rfc3986(base_url)}&{query}"
    digest = hashlib.sha1 if algorithm == "sha1" else hashlib.sha256
    mac = hmac.new(f"{secret}&".encode(), to_sign.encode(), digest).digest()
    return base64.b64encode(mac).decode()


class Keys:
    """The ``woocommerce_api_keys`` table: consumer key → (secret, permissions, nonces)."""

    def __init__(self, keys):
        # {consumer_key: (consumer_secret, "read" | "write" | "read_write")}
        self.keys = dict(keys)
        self.nonces = {key: {} for key in self.keys}  # key -> {nonce: arrival time}

    def lookup(self, consumer_key):
        return self.keys.get(consumer_key)

    def use_nonce(self, consumer_key, timestamp, nonce):
        now = time.time()
        if timestamp < now - WINDOW or timestamp > now + WINDOW:
            raise _error("Invalid timestamp.")
        # nonce -> arrival time, in arrival order: the expired ones are at the front
        used = self.nonces.setdefault(consumer_key, {})
        while used:
            oldest = next(iter(used))
            if used[oldest] >= now - WINDOW:
                break
            del used[oldest]
        if nonce in used:
            raise _error("Invalid nonce - nonce has already been used.")
        used[nonce] = now


class Caller:
    """Who is calling: ``key`` None for an anonymous request."""

    def __init__(self, key=None, permissions=None, method=None, challenge=False):
        self.key, self.permissions, self.method, self.challenge = (
            key,
            permissions,
            method,
            challenge,
        )


def authenticate(request, keys, site_url, https_only_basic=True):
    """The caller of a Flask ``request``, or ``RestError`` (401) as WooCommerce answers it."""
    secure = request.scheme == "https" or not https_only_basic
    if secure:
        caller = _basic(request, keys)
        if caller is not None:
            return caller
    return _oauth(request, keys, site_url)


def _basic(request, keys):
    consumer_key = request.args.get("consumer_key") or ""
    consumer_secret = request.args.get("consumer_secret") or ""
    if not (consumer_key and consumer_secret):
        consumer_key = consumer_secret = ""
        auth = request.authorization
        if auth is not None and auth.type == "basic":
            consumer_key, consumer_secret = auth.username or "", auth.password or ""
    if not consumer_key or not consumer_secret:
        return None
    found = keys.lookup(consumer_key)
    if found is None:
        return None
    if not hmac.compare_digest(found[0], consumer_secret):
        error = _error("Consumer secret is invalid.")
        error.challenge = True
        raise error
    return Caller(consumer_key, found[1], "basic_auth")


def _oauth(request, keys, site_url):
    params = php_parse_str(request.query_string.decode("latin-1"))
    if request.mimetype == "application/x-www-form-urlencoded":
        params.update(php_parse_str(request.get_data(as_text=True)))
    params.update(parse_oauth_header((request.headers.get("Authorization") or "").strip()))
    missing = [name for name in OAUTH_PARAMS if not params.get(name)]
    if len(missing) == len(OAUTH_PARAMS):
        return Caller()  # not trying OAuth: anonymous
    if missing:
        noun = "parameter" if len(missing) == 1 else "parameters"
        raise RestError(
            "woocommerce_rest_authentication_missing_parameter",
            f"Missing OAuth {noun} {', '.join(missing)}",
            401,
        )
    found = keys.lookup(params["oauth_consumer_key"])
    if found is None:
        raise _error("Consumer key is invalid.")
    secret, permissions = found
    # str_replace(' ', '+') then rawurldecode (which leaves '+' alone)
    consumer_signature = unquote(params.pop("oauth_signature").replace(" ", "+"))
    method = params.get("oauth_signature_method")
    base_url = site_url.rstrip("/") + "/" + request.path.lstrip("/")
    if method not in ("HMAC-SHA1", "HMAC-SHA256"):
        raise _error("Invalid signature - signature method is invalid.")
    expected = signature(
        request.method, base_url, params, secret, method[5:].lower().replace("-", "")
    )
    if not hmac.compare_digest(expected, consumer_signature):
        raise _error("Invalid signature - provided signature does not match.")
    try:
        timestamp = int(params["oauth_timestamp"])
    except ValueError:
        raise _error("Invalid timestamp.") from None
    keys.use_nonce(params["oauth_consumer_key"], timestamp, params["oauth_nonce"])
    return Caller(params["oauth_consumer_key"], permissions, "oauth1")


def check_permissions(caller, method):
    """``check_permissions``: the key's read / write permission for the request method."""
    if caller.key is None:
        return
    if method in ("GET", "HEAD") and caller.permissions not in ("read", "read_write"):
        raise _error("The API key provided does not have read permissions.")
    if method in ("POST", "PUT", "PATCH", "DELETE") and caller.permissions not in (
        "write",
        "read_write",
    ):
        raise _error("The API key provided does not have write permissions.")
