"""The control API of a store emulator: the ``/_emulator`` endpoints a test (or the demo) uses
to look at the store and change it as a merchant or a customer would, beside the kit's faults
and request log (:mod:`hub.testing.emulator`).

Each emulator plugs in its store model; the routes, their verbs and the error answers are
the same for every emulator::

    control = ControlAPI(
        state=lambda: {"orders": len(store.orders)},
        reset=store.reset,
        stock=store.stock_of,  # (sku) -> {...} | None
        set_stock=store.set_stock,  # (sku, body) -> {...} | None
        add_order=store.add_order,  # (body) -> {...}
    )
    control.init_app(app)

========================================  ==============================================
``GET  /_emulator/state``                 ``state()``: counts, switches, what was written
``POST /_emulator/reset``                 ``reset()``: the seeded store again
``GET  /_emulator/stock/<sku>``           ``stock(sku)``
``POST /_emulator/stock/<sku>``           ``set_stock(sku, body)``: ``{"quantity": n}``
``POST /_emulator/orders``                ``add_order(body)``: a customer places an order
``GET  /_emulator/orders/<ref>``          ``order(ref)``
``POST /_emulator/orders/<ref>``          ``change_order(ref, body)``: paid, cancelled, ...
``POST /_emulator/products``              ``add_product(body)``
``POST /_emulator/products/<ref>``        ``change_product(ref, body)``
========================================  ==============================================

An endpoint whose handler is not given is not mounted (a 404). A handler returns what the
endpoint answers (JSON); ``None`` for a ``sku`` or ``ref`` the store does not have (a 404
``{"error": "no such ..."}``); it raises :class:`ControlError` for any other refusal. Routes
of the emulator's own (switches, webhooks) go on :attr:`ControlAPI.blueprint` too.
"""

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from flask import Blueprint, Flask, Response, jsonify, request

Body = dict[str, Any]
Answer = Any  # what jsonify takes
Lock = Callable[[], AbstractContextManager[Any]]


class ControlError(Exception):
    """A control request the store refuses: ``status`` and the JSON ``body`` answered
    (``{"error": message}`` unless given)."""

    def __init__(self, status: int, message: str, body: Body | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.body = body if body is not None else {"error": message}


def body() -> Body:
    """The JSON object of the current control request (``{}`` when there is none); a
    :class:`ControlError` when the body is JSON but not an object."""
    data = request.get_json(force=True, silent=True)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ControlError(400, "send a JSON object")
    return data


def _call(handler: Callable[..., Any], takes_body: bool) -> Callable[..., Any]:
    """``handler(ref?, body?)`` as a view calls it: with the request's JSON when it takes one."""
    if takes_body:
        return lambda **kwargs: handler(*kwargs.values(), body())
    return lambda **kwargs: handler(*kwargs.values())


class ControlAPI:
    """The standard control endpoints over one emulator's store (see the module docstring).

    ``lock`` gives the context every handler runs in (the store's lock, looked up at each
    request: a reset may replace the store and its lock)."""

    def __init__(
        self,
        *,
        state: Callable[[], Answer],
        reset: Callable[[], Any],
        stock: Callable[[str], Answer | None] | None = None,
        set_stock: Callable[[str, Body], Answer | None] | None = None,
        add_order: Callable[[Body], Answer] | None = None,
        order: Callable[[str], Answer | None] | None = None,
        change_order: Callable[[str, Body], Answer | None] | None = None,
        add_product: Callable[[Body], Answer] | None = None,
        change_product: Callable[[str, Body], Answer | None] | None = None,
        lock: Lock | None = None,
    ) -> None:
        self.lock: Lock = lock or nullcontext
        self.blueprint = Blueprint("emulator_control", __name__, url_prefix="/_emulator")
        self.blueprint.register_error_handler(ControlError, self._refused)
        self._route("GET", "/state", lambda: state())
        self._route("POST", "/reset", lambda: reset() or {"ok": True})
        # (method, rule, handler, what a None answer was not found, whether it takes a body)
        optional: list[tuple[str, str, Callable[..., Any] | None, str, bool]] = [
            ("GET", "/stock/<path:ref>", stock, "stock row", False),
            ("POST", "/stock/<path:ref>", set_stock, "stock row", True),
            ("POST", "/orders", add_order, "", True),
            ("GET", "/orders/<path:ref>", order, "order", False),
            ("POST", "/orders/<path:ref>", change_order, "order", True),
            ("POST", "/products", add_product, "", True),
            ("POST", "/products/<path:ref>", change_product, "product", True),
        ]
        for method, rule, handler, kind, takes_body in optional:
            if handler is not None:
                self._route(method, rule, _call(handler, takes_body), kind, "ref" if kind else "")

    def _route(
        self,
        method: str,
        rule: str,
        handler: Callable[..., Answer | None],
        kind: str = "",
        arg: str = "",
    ) -> None:
        def view(**kwargs: str) -> Response:
            with self.lock():
                answer = handler(**kwargs)
            if answer is None:
                raise ControlError(404, f"no such {kind}: {kwargs.get(arg)}")
            if isinstance(answer, Response):
                return answer
            return jsonify(answer)

        endpoint = f"{method.lower()}_{rule.strip('/').split('/')[0]}{'_one' if arg else ''}"
        self.blueprint.add_url_rule(rule, endpoint, view, methods=[method])

    @staticmethod
    def _refused(exc: ControlError) -> tuple[Response, int]:
        return jsonify(exc.body), exc.status

    def init_app(self, app: Flask) -> "ControlAPI":
        """Mount the endpoints (and any the emulator added to :attr:`blueprint`)."""
        app.register_blueprint(self.blueprint)
        app.extensions["emulator_control"] = self
        return self
