"""Credentials for a store emulator: read what a request presents (Basic auth, a Bearer
token, a key in a header or in the query) and refuse it in the store's own 401 shape.

::

    guard = CredentialGuard(
        accept=lambda given: given.scheme == "bearer" and same_secret(given.secret, TOKEN),
        reject=lambda given: (jsonify({"error": "unauthorized"}), 401),
    )
    guard.protect(api_blueprint)  # every request of the blueprint is checked first

``reject`` answers as the store does (Shopify's ``{"errors": "[API] Invalid API key or access
token ..."}``, PrestaShop's XML with its error codes, ...). An emulator whose check is more than
"is this the key" (OAuth 1.0a signatures, per-key permissions) still reads the request with
:func:`presented` and keeps its own check.
"""

import hmac
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

from flask import Blueprint, Flask, Request, request
from flask.typing import ResponseReturnValue

Scheme = Literal["basic", "bearer", "header", "query", "none"]


@dataclass(frozen=True)
class Presented:
    """What a request offers as credentials.

    ``basic``: ``user`` and ``secret`` (the password, ``""`` when none); ``bearer``: the token
    in ``secret``; ``header`` / ``query``: the key found under the emulator's header or query
    parameter name in ``secret``; ``none``: nothing at all.
    """

    scheme: Scheme
    secret: str | None = None
    user: str | None = None


NOTHING = Presented("none")


def presented(
    req: Request | None = None, *, header: str | None = None, query: str | None = None
) -> Presented:
    """The credentials of ``req`` (the current request by default), looked for in this order:
    an ``Authorization: Basic`` or ``Bearer`` header, the ``header`` named (e.g.
    ``X-Shopify-Access-Token``), the ``query`` parameter named (e.g. PrestaShop's ``ws_key``)."""
    req = req if req is not None else request
    auth = req.authorization
    if auth is not None and auth.type == "basic":
        return Presented("basic", secret=auth.password or "", user=auth.username or "")
    if auth is not None and auth.type == "bearer":
        return Presented("bearer", secret=auth.token or "")
    if header and header in req.headers:
        return Presented("header", secret=req.headers[header])
    if query and query in req.args:
        return Presented("query", secret=req.args[query])
    return NOTHING


def same_secret(given: str | None, expected: str) -> bool:
    """``given == expected`` in constant time (``None`` never matches)."""
    if given is None:
        return False
    return hmac.compare_digest(given.encode(), expected.encode())


class CredentialGuard:
    """A ``before_request`` check: ``accept(presented)`` or answer ``reject(presented)``.

    ``header`` / ``query`` name where the store takes a key besides the ``Authorization``
    header; paths starting with one of ``exempt`` are not checked (public images, the
    store's token endpoint), nor the kit's own ``/_emulator`` endpoints.
    """

    def __init__(
        self,
        accept: Callable[[Presented], bool],
        reject: Callable[[Presented], ResponseReturnValue],
        *,
        header: str | None = None,
        query: str | None = None,
        exempt: Iterable[str] = (),
    ) -> None:
        self.accept = accept
        self.reject = reject
        self.header = header
        self.query = query
        self.exempt = tuple(exempt)

    def check(self) -> ResponseReturnValue | None:
        """``None`` when the current request may go on, else the store's refusal."""
        if request.path.startswith(("/_emulator", *self.exempt)):
            return None
        given = presented(header=self.header, query=self.query)
        if self.accept(given):
            return None
        return self.reject(given)

    def protect(self, target: Flask | Blueprint) -> "CredentialGuard":
        """Check every request of ``target``. Flask runs an app's hooks in the order they were
        registered, then a blueprint's: on a blueprint (or on an app after the kit's
        ``init_app``) injected faults come first, on an app before ``init_app`` the
        credentials do."""
        target.before_request(self.check)
        return self
