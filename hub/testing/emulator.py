"""The plumbing every store emulator shares: injected faults, a request log and the control
endpoints for both, as a Flask blueprint mounted at ``/_emulator``.

::

    kit = EmulatorKit(api_prefix="/api", render_error=my_store_error)
    kit.init_app(app)

``POST /_emulator/faults {"fault": name, "count": n, "path": "/orders", ...}`` makes the next
``n`` API requests whose path contains ``path`` misbehave. The standard names (the ones
:mod:`hub.testing.faults` drives):

* ``5xx`` - an error answer, ``status`` (default 503);
* ``slow`` - the answer comes after ``delay`` seconds (default 10): a read timeout;
* ``malformed`` - a 200 whose body is cut (``malform``: how the store's looks);
* ``auth`` - a 401, as for a revoked key;
* ``429`` - throttled, with ``Retry-After: retry_after`` (default 1; ``null``: no header).

and ``body``: a well-formed JSON answer of the wrong shape (``body``, ``status`` 200), which
the kit renders itself.

``rate`` (0 < rate <= 1) makes a fault an error rate: each matching request fails with that
probability (drawn from a generator seeded with ``seed``, so a run is repeatable) until
``count`` failures have been served. An emulator keeps its own names as ``aliases`` that
rewrite a request into a standard one (WooCommerce's ``500`` is ``5xx`` with status 500).

What an error looks like stays the emulator's: ``render_error(fault)`` returns the store's
answer for a ``5xx``, ``auth`` or ``429`` fault (the kit adds ``Retry-After`` to a 429);
``fault.asked_as`` is the name asked for and ``fault.spec`` the request as sent, with any keys
of the emulator's own (Shopify's throttle ``cost``).

Every API request is logged (method, path with query, status, the fault served):
``GET /_emulator/requests``, ``DELETE /_emulator/requests``. ``GET /_emulator/faults`` lists
the pending faults, ``DELETE /_emulator/faults`` drops them.
"""

import json
import random
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from flask import Blueprint, Flask, Response, g, jsonify, request

STANDARD = ("5xx", "slow", "malformed", "auth", "429", "body")
LOG_SIZE = 10_000  # requests kept in the log (the oldest go first)

Spec = dict[str, Any]
Alias = Spec | Callable[[Spec], Spec]
ErrorRenderer = Callable[["Fault"], Response]


@dataclass
class Fault:
    """One injected misbehaviour and how many more times it is served."""

    fault: str  # a standard name
    count: int = 1
    path: str | None = None  # only requests whose path (with query) contains this
    status: int | None = None
    delay: float = 10.0
    retry_after: int | None = 1  # None: a 429 without Retry-After
    rate: float = 1.0
    body: Any = None  # what a "body" fault answers
    asked_as: str = ""  # the name the client used (an alias, or the standard name)
    spec: dict[str, Any] = field(default_factory=dict)  # as asked (an emulator's own keys)

    def matches(self, path: str) -> bool:
        return self.count > 0 and (not self.path or self.path in path)


class FaultError(ValueError):
    """A fault request the kit cannot serve (unknown name, bad value): a 400."""


def plain_error(fault: Fault) -> Response:
    """The default error answer: a small JSON body. Emulators pass their store's shape."""
    status = fault.status or {"auth": 401, "429": 429}.get(fault.fault, 503)
    body = {"error": fault.asked_as or fault.fault, "status": status}
    return Response(json.dumps(body), status=status, content_type="application/json")


def cut_in_half(body: str) -> str:
    """The default malformed body: the first half of the real one (no longer JSON)."""
    return body[: max(1, len(body) // 2)]


def _retry_after(spec: Spec) -> int | None:
    if "retry_after" in spec and spec["retry_after"] is None:
        return None
    return int(spec.get("retry_after") or 1)


class EmulatorKit:
    """Faults and the request log of one emulator app (see the module's docstring)."""

    def __init__(
        self,
        api_prefix: str | tuple[str, ...] = "/",
        render_error: ErrorRenderer = plain_error,
        aliases: Mapping[str, Alias] | None = None,
        malform: Callable[[str], str] = cut_in_half,
        seed: int = 0,
    ) -> None:
        self.api_prefixes = (api_prefix,) if isinstance(api_prefix, str) else api_prefix
        self.render_error = render_error
        self.aliases = dict(aliases or {})
        self.malform = malform
        self.lock = threading.Lock()
        self.faults: list[Fault] = []
        self.log: deque[dict[str, Any]] = deque(maxlen=LOG_SIZE)
        self.requests = 0  # API requests seen since the last reset
        self.random = random.Random(seed)
        self.seed = seed

    # -- faults --------------------------------------------------------------------------

    def names(self) -> list[str]:
        return [*STANDARD, *self.aliases]

    def add_fault(self, spec: Mapping[str, Any]) -> Fault:
        """Queue the fault ``spec`` asks for (an alias is rewritten first); raise
        :class:`FaultError` on a name or value the kit does not know."""
        asked = str(spec.get("fault"))
        resolved: Spec = dict(spec)
        alias = self.aliases.get(asked)
        if callable(alias):
            resolved = alias(resolved)
        elif alias is not None:
            resolved = {**resolved, **alias}
        name = resolved.get("fault")
        if name not in STANDARD:
            raise FaultError(f"fault must be one of {'|'.join(self.names())}, not {asked!r}")
        try:
            fault = Fault(
                fault=str(name),
                count=int(resolved.get("count", 1)),
                path=resolved.get("path") or None,
                status=int(resolved["status"]) if resolved.get("status") else None,
                delay=float(resolved.get("delay") or 10.0),
                retry_after=_retry_after(resolved),
                rate=float(resolved.get("rate", 1.0)),
                body=resolved.get("body"),
                asked_as=asked,
                spec=dict(spec),
            )
        except (TypeError, ValueError) as exc:
            raise FaultError(f"bad value in fault {dict(spec)}: {exc}") from None
        if not 0 < fault.rate <= 1:
            raise FaultError(f"rate must be in (0, 1], not {fault.rate}")
        if fault.count < 0:
            raise FaultError(f"count must be >= 0, not {fault.count}")
        with self.lock:
            if fault.count:
                self.faults.append(fault)
        return fault

    def take_fault(self, path: str) -> Fault | None:
        """The fault the request for ``path`` meets, if any (one of its uses is spent)."""
        with self.lock:
            for fault in self.faults:
                if not fault.matches(path):
                    continue
                if fault.rate < 1 and self.random.random() >= fault.rate:
                    return None
                fault.count -= 1
                if fault.count == 0:
                    self.faults.remove(fault)
                return replace(fault)
        return None

    def pending(self) -> int:
        """Fault uses not served yet."""
        with self.lock:
            return sum(fault.count for fault in self.faults)

    def clear_faults(self) -> None:
        with self.lock:
            self.faults.clear()

    def reset(self) -> None:
        """Drop the faults, the log and the request count (an emulator's own reset calls it)."""
        with self.lock:
            self.faults.clear()
            self.log.clear()
            self.requests = 0
            self.random = random.Random(self.seed)

    # -- the request hooks ---------------------------------------------------------------

    def is_api(self, path: str) -> bool:
        return not path.startswith("/_emulator") and path.startswith(self.api_prefixes)

    def before_request(self) -> Response | None:
        """Serve the fault the request meets: an error answer now, a delay, or a mark for
        :meth:`after_request` to cut the body."""
        if not self.is_api(request.path):
            return None
        with self.lock:
            self.requests += 1
        fault = self.take_fault(request.full_path)
        g.emulator_fault = fault
        if fault is None:
            return None
        if fault.fault == "slow":
            time.sleep(fault.delay)
            return None
        if fault.fault == "malformed":
            return None
        if fault.fault == "body":
            return Response(
                json.dumps(fault.body), fault.status or 200, content_type="application/json"
            )
        response = self.render_error(fault)
        if fault.fault == "429" and fault.retry_after is not None:
            response.headers.setdefault("Retry-After", str(fault.retry_after))
        return response

    def after_request(self, response: Response) -> Response:
        if not self.is_api(request.path):
            return response
        fault: Fault | None = g.get("emulator_fault")
        if fault is not None and fault.fault == "malformed" and not response.direct_passthrough:
            response.set_data(self.malform(response.get_data(as_text=True)))
        with self.lock:
            self.log.append(
                {
                    "method": request.method,
                    "path": request.full_path.rstrip("?"),
                    "status": response.status_code,
                    "fault": fault.asked_as if fault else None,
                }
            )
        return response

    # -- the control endpoints -----------------------------------------------------------

    def blueprint(self) -> Blueprint:
        bp = Blueprint("emulator_kit", __name__, url_prefix="/_emulator")

        @bp.post("/faults")
        def add() -> tuple[Response, int]:
            spec = request.get_json(force=True, silent=True)
            if not isinstance(spec, dict):
                return jsonify({"error": "send a JSON object: {fault, count, ...}"}), 400
            try:
                self.add_fault(spec)
            except FaultError as exc:
                return jsonify({"error": str(exc)}), 400
            return jsonify({"ok": True, "pending": self.pending()}), 200

        @bp.get("/faults")
        def listing() -> Response:
            with self.lock:
                return jsonify([asdict(fault) for fault in self.faults])

        @bp.delete("/faults")
        def clear() -> Response:
            self.clear_faults()
            return jsonify({"ok": True})

        @bp.get("/requests")
        def requests_seen() -> Response:
            with self.lock:
                return jsonify(list(self.log))

        @bp.delete("/requests")
        def forget() -> Response:
            with self.lock:
                self.log.clear()
            return jsonify({"ok": True})

        return bp

    def init_app(self, app: Flask) -> "EmulatorKit":
        """Mount the control endpoints and the fault hooks on ``app``."""
        app.register_blueprint(self.blueprint())
        app.before_request(self.before_request)
        app.after_request(self.after_request)
        app.extensions["emulator_kit"] = self
        return self
