"""Authentication as Magento 2.4.4+ does it.

* OAuth 1.0a signed requests (integration credentials), HMAC-SHA256 only, verified with
  oauthlib's server-side signature functions; nonces are single-use per consumer and the
  timestamp must be within 600 s (``Magento\\Integration\\Model\\Oauth\\Nonce\\Generator``).
* ``Authorization: Bearer <admin token>`` from ``POST /V1/integration/admin/token``.
* ``Authorization: Bearer <integration access token>`` only when the store has
  "Allow OAuth Access Tokens to be used as standalone Bearer tokens" on (off by default).
"""

import secrets
import time

from oauthlib.common import Request as OAuthRequest
from oauthlib.oauth1.rfc5849 import signature, utils

DEMO_CREDENTIALS = {
    "consumer_key": "demo0consumer0key0magento0hub000",
    "consumer_secret": "demo0consumer0secret0magento0000",
    "access_token": "demo0access0token0magento0hub000",
    "access_token_secret": "demo0access0token0secret0000000",
    "admin_username": "hubadmin",
    "admin_password": "hub-demo-123",
}
TIME_DEVIATION = 600


class AuthFailure(Exception):
    def __init__(self, message, parameters=None):
        super().__init__(message)
        self.message = message
        self.parameters = parameters


class Authenticator:
    def __init__(
        self,
        credentials=None,
        *,
        integration_as_bearer=False,
        admin_token_ttl=14400,
        clock=time.time,
    ):
        self.credentials = dict(DEMO_CREDENTIALS, **(credentials or {}))
        self.integration_as_bearer = integration_as_bearer
        self.admin_token_ttl = admin_token_ttl
        self.admin_tokens = {}  # token -> expiry
        self.nonces = {}  # (consumer_key, nonce) -> timestamp
        self.clock = clock

    def issue_admin_token(self, username, password):
        c = self.credentials
        if username != c["admin_username"] or password != c["admin_password"]:
            raise AuthFailure(
                "The account sign-in was incorrect or your account is disabled "
                "temporarily. Please wait and try again later."
            )
        token = "eyJraWQiOiIxIiwiYWxnIjoiSFMyNTYifQ." + secrets.token_urlsafe(24)
        self.admin_tokens[token] = self.clock() + self.admin_token_ttl
        return token

    def expire_admin_tokens(self):
        self.admin_tokens.clear()

    def check(self, header, method, url, query):
        """Raise AuthFailure unless the request is authenticated."""
        if not header:
            raise AuthFailure("unauthenticated")
        scheme, _, rest = header.partition(" ")
        if scheme.lower() == "bearer":
            token = rest.strip()
            expiry = self.admin_tokens.get(token)
            if expiry is not None and expiry > self.clock():
                return "admin"
            if token == self.credentials["access_token"] and self.integration_as_bearer:
                return "integration"
            raise AuthFailure("unauthenticated")
        if scheme.lower() != "oauth":
            raise AuthFailure("unauthenticated")
        return self._check_oauth(header, method, url, query)

    def _check_oauth(self, header, method, url, query):
        c = self.credentials
        try:
            oauth = {k: utils.unescape(v) for k, v in utils.parse_authorization_header(header)}
        except Exception:
            raise AuthFailure("unauthenticated") from None
        if (
            oauth.get("oauth_consumer_key") != c["consumer_key"]
            or oauth.get("oauth_token") != c["access_token"]
        ):
            raise AuthFailure("unauthenticated")
        method_name = oauth.get("oauth_signature_method")
        if method_name != "HMAC-SHA256":
            raise AuthFailure("Signature method %1 is not supported", [method_name])
        try:
            stamp = int(oauth.get("oauth_timestamp", ""))
        except ValueError:
            raise AuthFailure("Invalid timestamp") from None
        if abs(self.clock() - stamp) > TIME_DEVIATION:
            raise AuthFailure("Timestamp is out of acceptable range")
        request = OAuthRequest(url, http_method=method, headers={"Authorization": header})
        request.params = signature.collect_parameters(
            uri_query=query, headers={"Authorization": header}, exclude_oauth_signature=True
        )
        request.signature = oauth.get("oauth_signature", "")
        if not signature.verify_hmac_sha256(
            request, c["consumer_secret"], c["access_token_secret"]
        ):
            raise AuthFailure("unauthenticated")
        key = (c["consumer_key"], oauth.get("oauth_nonce"))
        if key in self.nonces:
            raise AuthFailure("The nonce is already being used by the consumer with ID %1", ["1"])
        now = self.clock()
        if len(self.nonces) > 50000:
            self.nonces = {k: t for k, t in self.nonces.items() if now - t < TIME_DEVIATION}
        self.nonces[key] = now
        return "integration"
