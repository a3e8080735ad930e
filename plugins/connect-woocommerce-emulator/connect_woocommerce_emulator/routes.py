"""A small route table in the manner of ``WP_REST_Server::dispatch``.

A route is a regular expression over the path after ``/wp-json`` and one handler per method, with
the permission it needs (``list`` / ``view`` / ``create`` / ``edit`` / ``delete`` / ``batch``).
No route for the path and method: 404 ``rest_no_route``. An anonymous caller on a route: 401 with
the controller's ``*_permissions_check`` code (``woocommerce_rest_cannot_view`` …).
"""

import re
from dataclasses import dataclass, field

from connect_woocommerce_emulator.store import RestError

NO_ROUTE = RestError(
    "rest_no_route", "No route was found matching the URL and request method.", 404
)

#: the permission callbacks' errors for an anonymous caller (WC_REST_*_Controller)
DENIED = {
    "list": ("woocommerce_rest_cannot_view", "Sorry, you cannot list resources."),
    "view": ("woocommerce_rest_cannot_view", "Sorry, you cannot view this resource."),
    "create": ("woocommerce_rest_cannot_create", "Sorry, you are not allowed to create resources."),
    "edit": ("woocommerce_rest_cannot_edit", "Sorry, you are not allowed to edit this resource."),
    "delete": (
        "woocommerce_rest_cannot_delete",
        "Sorry, you are not allowed to delete this resource.",
    ),
    "batch": (
        "woocommerce_rest_cannot_batch",
        "Sorry, you are not allowed to batch manipulate this resource.",
    ),
}


@dataclass
class Route:
    pattern: re.Pattern
    handlers: dict = field(default_factory=dict)  # method -> (permission, function)


class Router:
    def __init__(self):
        self.routes = []

    def route(self, pattern, method, permission):
        """Decorator: ``@router.route(r"wc/v3/products/(?P<id>\\d+)", "GET", "view")``."""
        compiled = re.compile(f"^/{pattern}/?$")

        def register(function):
            for route in self.routes:
                if route.pattern.pattern == compiled.pattern:
                    break
            else:
                route = Route(compiled)
                self.routes.append(route)
            methods = ("PUT", "PATCH") if method == "PUT" else (method,)
            for name in methods:
                route.handlers[name] = (permission, function)
            return function

        return register

    def match(self, path, method):
        lookup = "GET" if method == "HEAD" else method
        for route in self.routes:
            found = route.pattern.match(path)
            if found and lookup in route.handlers:
                permission, function = route.handlers[lookup]
                return (
                    permission,
                    function,
                    {k: int(v) if v.isdigit() else v for k, v in found.groupdict().items()},
                )
        raise NO_ROUTE


def denied(permission):
    code, message = DENIED[permission]
    return RestError(code, message, 401)
