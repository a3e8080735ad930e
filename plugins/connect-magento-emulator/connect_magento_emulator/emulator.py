"""The Magento emulator's state: the seeded store, the switches ``create_app`` was given
(and ``/_emulator/config`` flips), authentication, the emulator kit (injected faults, the
request log) and request counters."""

import re

from flask import request

from connect_magento_emulator.auth import Authenticator
from connect_magento_emulator.responses import dumps
from connect_magento_emulator.search import (
    SearchError,
    echo_criteria,
    filter_items,
    page,
    parse_search_criteria,
    sort_items,
)
from connect_magento_emulator.store import Store


class Emulator:
    """What the routes share (``catalog.py``, ``sales.py``, ``rest.py``, ``control.py``)."""

    def __init__(self, products, orders, seed, options, kit):
        self.options = options
        self.config = {
            "products": products,
            "orders": orders,
            "seed": seed,
            "msi": options.get("msi", True),
            "deduct_at_order": options.get("deduct_at_order", False),
            "can_subtract": options.get("can_subtract", True),
            "configurables": options.get("configurables"),
            "virtuals": options.get("virtuals"),
            "denied_resources": set(options.get("denied_resources") or ()),
            "acl_status": int(options.get("acl_status", 401)),
        }
        self.state = {"store": self.new_store(), "requests": {}}
        self.auth = Authenticator(
            options.get("credentials"),
            integration_as_bearer=options.get("integration_as_bearer", False),
            admin_token_ttl=options.get("admin_token_ttl", 14400),
        )
        self.kit = kit  # hub.testing.emulator: faults and the request log (app.py builds it)
        self.max_page_size = options.get("max_page_size", 300)

    def new_store(self):
        config = self.config
        return Store(
            config["products"],
            config["orders"],
            config["seed"],
            configurables=config["configurables"],
            msi=config["msi"],
            virtuals=config["virtuals"],
            deduct_at_order=config["deduct_at_order"],
            can_subtract=config["can_subtract"],
        )

    @property
    def store(self):
        return self.state["store"]

    def reset(self):
        self.state["store"] = self.new_store()
        self.state["requests"] = {}
        self.kit.reset()
        self.auth.nonces.clear()

    # -- searchCriteria helpers --------------------------------------------------------------

    def criteria_or_error(self, required=True):
        criteria = parse_search_criteria(request.args)
        if criteria is None and required:
            raise SearchError(
                '"%fieldName" is required. Enter and try again.', {"fieldName": "searchCriteria"}
            )
        if (
            criteria
            and self.max_page_size
            and (criteria.get("page_size") or 0) > self.max_page_size
        ):
            raise SearchError(
                "Maximum SearchCriteria pageSize is %max", {"max": self.max_page_size}
            )
        return criteria

    def list_response(self, kind, source, getter, render, criteria, default_sort=None):
        """Filter + sort (cached per store version, like an index) then page and render."""
        st = self.store
        key = (
            kind,
            dumps(criteria.get("filter_groups") if criteria else None),
            dumps(criteria.get("sort_orders") if criteria else None),
        )
        cached = st.search_cache.get(key)
        if cached is None:
            items = filter_items(source(), criteria, getter)
            cached = sort_items(items, criteria, getter, default_sort)
            st.search_cache[key] = cached
        items, total = page(cached, criteria)
        return {
            "items": [render(i) for i in items],
            "search_criteria": echo_criteria(criteria),
            "total_count": total,
        }


class Router:
    """The REST routes: ``(method, pattern)`` with ``:name`` parameters, first match wins."""

    def __init__(self):
        self.routes = []

    def route(self, method, pattern):
        regex = re.compile("^" + re.sub(r":(\w+)", r"(?P<\1>[^/]+)", pattern) + "$")

        def deco(fn):
            self.routes.append((method, regex, fn))
            return fn

        return deco


REST = Router()  # filled by catalog.py and sales.py; dispatched by rest.py
