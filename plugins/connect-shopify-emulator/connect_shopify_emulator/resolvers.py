"""Root query and mutation resolvers over the emulated shop."""

import hashlib
import json
import uuid
from functools import lru_cache
from importlib import resources

from graphql import GraphQLError, build_schema

from connect_shopify_emulator import search, webhooks
from connect_shopify_emulator.bulk import BulkView
from connect_shopify_emulator.state import (
    ITEM_OFFSET,
    Connection,
    InventoryItem,
    InventoryLevel,
    connection,
    gid,
    iso,
    parse_gid,
)


@lru_cache(maxsize=1)
def get_schema():
    sdl = resources.files("connect_shopify_emulator").joinpath("schema.graphql").read_text("utf-8")
    schema = build_schema(sdl)
    for name in ("Node", "Media"):
        schema.get_type(name).resolve_type = _resolve_type
    return schema


def _resolve_type(value, info, abstract_type):
    if isinstance(value, dict):
        return value.get("__typename")
    return getattr(value, "TYPENAME", None)


MAX_INPUT_ARRAY = 250

PRODUCT_SORT = {
    "ID": lambda p: (p.num,),
    "CREATED_AT": lambda p: (p.created, p.num),
    "UPDATED_AT": lambda p: (p.updated, p.num),
    "TITLE": lambda p: (p.title, p.num),
    "VENDOR": lambda p: (p.vendor, p.num),
    "PRODUCT_TYPE": lambda p: (p.product_type, p.num),
}
PRODUCT_FIELDS = {
    "created_at": lambda p: p.created,
    "updated_at": lambda p: p.updated,
    "id": lambda p: p.num,
    "status": lambda p: p.status,
    "title": lambda p: p.title,
    "vendor": lambda p: p.vendor,
    "product_type": lambda p: p.product_type,
    "handle": lambda p: p.handle,
}
ORDER_SORT = {
    "ID": lambda o: (o.num,),
    "CREATED_AT": lambda o: (o.created, o.num),
    "UPDATED_AT": lambda o: (o.updated, o.num),
    "PROCESSED_AT": lambda o: (o.processed, o.num),
    "ORDER_NUMBER": lambda o: (o.number, o.num),
}
ORDER_FIELDS = {
    "created_at": lambda o: o.created,
    "updated_at": lambda o: o.updated,
    "processed_at": lambda o: o.processed,
    "id": lambda o: o.num,
    "name": lambda o: o.name,
    "financial_status": lambda o: o.financial.lower(),
    "fulfillment_status": lambda o: {"FULFILLED": "shipped"}.get(
        o.displayFulfillmentStatus, "unshipped"
    ),
    "status": lambda o: "cancelled" if o.cancelled else ("closed" if o.closed else "open"),
}
VARIANT_FIELDS = {
    "sku": lambda v: v.sku,
    "barcode": lambda v: v.barcode,
    "id": lambda v: v.num,
    "product_id": lambda v: v.product.num,
    "updated_at": lambda v: v.updated,
    "created_at": lambda v: v.created,
}

LOCATION_FIELDS = {
    "id": lambda loc: loc.num,
    "location_id": lambda loc: loc.num,
    "name": lambda loc: loc.name,
    "active": lambda loc: "true" if loc.isActive else "false",
    "city": lambda loc: loc.address["city"],
}


def _filtered(items, query, fields):
    match = search.matcher(query, fields)
    return [i for i in items if match(i)] if match else items


def _count(items, limit):
    """A ``Count``: exact, or ``limit`` and AT_LEAST when there are more (CountPrecision,
    https://shopify.dev/docs/api/admin-graphql/latest/enums/CountPrecision)."""
    if limit is not None and len(items) > limit:
        return {"count": limit, "precision": "AT_LEAST"}
    return {"count": len(items), "precision": "EXACT"}


class QueryRoot:
    def __init__(self, shop):
        self._s = shop

    @property
    def shop(self):
        return shop_resolver(self._s)

    def node(self, info, id):
        return self._s.node(id)

    def nodes(self, info, ids):
        if len(ids) > 250:
            raise GraphQLError("The ids argument accepts at most 250 ids.")
        return [self._s.node(i) for i in ids]

    def product(self, info, id):
        node = self._s.node(id)
        return node if getattr(node, "TYPENAME", None) == "Product" else None

    def products(self, info, reverse=False, sortKey="ID", query=None, **args):
        items = _filtered(self._s.products, query, PRODUCT_FIELDS)
        return connection(
            items, PRODUCT_SORT.get(sortKey, PRODUCT_SORT["ID"]), info, dict(args, reverse=reverse)
        )

    def productVariant(self, info, id):
        node = self._s.node(id)
        return node if getattr(node, "TYPENAME", None) == "ProductVariant" else None

    def productVariants(self, info, reverse=False, sortKey="ID", query=None, **args):
        items = _filtered(list(self._s.variants.values()), query, VARIANT_FIELDS)
        key = (lambda v: (v.sku or "", v.num)) if sortKey == "SKU" else (lambda v: (v.num,))
        return connection(items, key, info, dict(args, reverse=reverse))

    def productVariantsCount(self, info, query=None, limit=10000):
        return _count(_filtered(list(self._s.variants.values()), query, VARIANT_FIELDS), limit)

    def ordersCount(self, info, query=None, limit=10000):
        """``ordersCount(query:, limit:)`` (Admin GraphQL 2024-07+, ``limit`` since 2025-07:
        https://shopify.dev/docs/api/admin-graphql/latest/queries/ordersCount): the orders the
        search matches, the same filters as ``orders(query:)``; at most ``limit`` (10000 by
        default, null: uncapped), ``precision`` AT_LEAST when the limit was reached."""
        return _count(_filtered(self._s.orders, query, ORDER_FIELDS), limit)

    def order(self, info, id):
        node = self._s.node(id)
        return node if getattr(node, "TYPENAME", None) == "Order" else None

    def orders(self, info, reverse=False, sortKey="PROCESSED_AT", query=None, **args):
        items = _filtered(self._s.orders, query, ORDER_FIELDS)
        return connection(
            items, ORDER_SORT.get(sortKey, ORDER_SORT["ID"]), info, dict(args, reverse=reverse)
        )

    def location(self, info, id=None):
        if id is None:
            return self._s.locations[0]
        return self._s.location_by_gid(id)

    def locations(
        self,
        info,
        reverse=False,
        sortKey="NAME",
        query=None,
        includeInactive=False,
        includeLegacy=False,
        **args,
    ):
        items = [loc for loc in self._s.locations if includeInactive or loc.isActive]
        items = _filtered(items, query, LOCATION_FIELDS)
        key = (lambda loc: (loc.name, loc.num)) if sortKey == "NAME" else (lambda loc: (loc.num,))
        return connection(items, key, info, dict(args, reverse=reverse))

    def inventoryItem(self, info, id):
        node = self._s.node(id)
        return node if isinstance(node, InventoryItem) else None

    def fulfillmentOrder(self, info, id):
        node = self._s.node(id)
        return node if getattr(node, "TYPENAME", None) == "FulfillmentOrder" else None

    def currentBulkOperation(self, info, type="QUERY"):
        ops = [op for op in self._s.bulk_operations.values() if op.type == type]
        if not ops:
            return None
        op = ops[-1]
        return BulkView(op)

    def webhookSubscriptions(
        self, info, reverse=False, sortKey="CREATED_AT", topics=None, uri=None, **args
    ):
        uri = uri or args.pop("callbackUrl", None)
        for ignored in ("format", "query"):
            args.pop(ignored, None)
        items = [
            s
            for s in self._s.webhook_subscriptions.values()
            if (not topics or s.topic in topics) and (uri is None or s.uri == uri)
        ]
        return connection(items, lambda s: (s.num,), info, dict(args, reverse=reverse))

    @property
    def currentAppInstallation(self):
        return {
            "id": "gid://shopify/AppInstallation/1",
            "accessScopes": [
                {"handle": s, "description": s.replace("_", " ")} for s in self._s.scopes
            ],
        }


def shop_resolver(shop):
    return {
        "id": "gid://shopify/Shop/1",
        "name": shop.name,
        "email": "owner@example.com",
        "myshopifyDomain": shop.domain,
        "currencyCode": "EUR",
        "ianaTimezone": "Europe/Paris",
        "plan": {
            "displayName": "Basic",
            "publicDisplayName": "Basic",
            "partnerDevelopment": False,
            "shopifyPlus": False,
        },
    }


def _directive_key(info, name):
    for node in info.field_nodes:
        for directive in node.directives or ():
            if directive.name.value == name:
                for arg in directive.arguments or ():
                    if arg.name.value == "key":
                        value = arg.value
                        if value.kind == "variable":
                            return info.variable_values.get(value.name.value)
                        return getattr(value, "value", None)
    return None


def version_at_least(version, minimum):
    return version == "unstable" or version >= minimum


class Mutation:
    def __init__(self, emulator):
        self.emu = emulator
        self.shop = emulator.shop

    # -- bulk ---------------------------------------------------------------------------------

    def bulkOperationRunQuery(self, info, query, groupObjects=False):
        return self.emu.run_bulk(query)

    def bulkOperationCancel(self, info, id):
        parsed = parse_gid(id, "BulkOperation")
        op = self.shop.bulk_operations.get(parsed[1]) if parsed else None
        if op is None:
            return {
                "bulkOperation": None,
                "userErrors": [{"field": ["id"], "message": "Bulk operation not found"}],
            }
        if op.status in ("CREATED", "RUNNING"):
            op.status = "CANCELING"
        return {"bulkOperation": BulkView(op), "userErrors": []}

    # -- inventory ----------------------------------------------------------------------------

    def inventorySetQuantities(self, info, input):
        version = info.context["version"]
        key = _directive_key(info, "idempotent")
        if key is None and version_at_least(version, "2026-04"):
            raise GraphQLError(
                "The @idempotent directive is required for this mutation.",
                extensions={"code": "BAD_REQUEST"},
            )
        if key is not None:
            fingerprint = hashlib.sha256(json.dumps(input, sort_keys=True).encode()).hexdigest()
            seen = self.emu.idempotency.get(key)
            if seen is not None:
                if seen[0] != fingerprint:
                    return _inv_error(
                        "IDEMPOTENCY_KEY_PARAMETER_MISMATCH",
                        ["input"],
                        "The same idempotency key cannot be used with different "
                        "operation parameters.",
                    )
                return seen[1]
        result = self._set_quantities(input, version)
        if key is not None:
            self.emu.idempotency[key] = (fingerprint, result)
        return result

    def _set_quantities(self, data, version):  # noqa: C901 - one branch per userError Shopify's inventorySetQuantities returns
        name = data["name"]
        if name not in ("available", "on_hand"):
            return _inv_error(
                "INVALID_NAME",
                ["input", "name"],
                "The quantity name must be either 'available' or 'on_hand'.",
            )
        if not data.get("reason"):
            return _inv_error(
                "INVALID_REASON", ["input", "reason"], "The specified reason is invalid."
            )
        quantities = data["quantities"]
        if len(quantities) > 250:
            return _inv_error(
                "INVALID_QUANTITY_TOO_HIGH",
                ["input", "quantities"],
                "The input array size of 251 is greater than the maximum allowed of 250.",
            )
        errors, plan, seen = [], [], set()
        cas_mandatory = version_at_least(version, "2026-04")
        for i, q in enumerate(quantities):
            path = ["input", "quantities", str(i)]
            item = parse_gid(q["inventoryItemId"], "InventoryItem")
            variant = self.shop.variants.get(item[1] - ITEM_OFFSET) if item else None
            loc = self.shop.location_by_gid(q["locationId"])
            if variant is None:
                errors.append(
                    _err(
                        "INVALID_INVENTORY_ITEM",
                        [*path, "inventoryItemId"],
                        "The specified inventory item could not be found.",
                    )
                )
                continue
            if loc is None:
                errors.append(
                    _err(
                        "INVALID_LOCATION",
                        [*path, "locationId"],
                        "The specified location could not be found.",
                    )
                )
                continue
            if (variant.num, loc.num) in seen:
                errors.append(
                    _err(
                        "NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR",
                        path,
                        "The combination of inventoryItemId and locationId must be unique.",
                    )
                )
                continue
            seen.add((variant.num, loc.num))
            if variant.num not in loc.levels:
                errors.append(
                    _err(
                        "ITEM_NOT_STOCKED_AT_LOCATION",
                        path,
                        "The specified inventory item is not stocked at the location.",
                    )
                )
                continue
            if q["quantity"] < 0 and name == "on_hand":
                errors.append(
                    _err(
                        "INVALID_QUANTITY_NEGATIVE",
                        [*path, "quantity"],
                        "The quantity can't be negative.",
                    )
                )
                continue
            level = loc.levels[variant.num]
            current = level[0] if name == "available" else level[0] + level[1] + level[2]
            if "changeFromQuantity" in q:
                expected = q["changeFromQuantity"]
                if expected is not None and expected != current:
                    errors.append(
                        _err(
                            "CHANGE_FROM_QUANTITY_STALE",
                            [*path, "changeFromQuantity"],
                            "The changeFromQuantity value does not match persisted value.",
                        )
                    )
                    continue
            elif cas_mandatory:
                errors.append(
                    _err(
                        "CHANGE_FROM_QUANTITY_STALE",
                        [*path, "changeFromQuantity"],
                        "The changeFromQuantity argument must be given for each "
                        "quantity (pass null to opt out of the check).",
                    )
                )
                continue
            elif not data.get("ignoreCompareQuantity"):
                if q.get("compareQuantity") is None:
                    errors.append(
                        _err(
                            "COMPARE_QUANTITY_REQUIRED",
                            [*path, "compareQuantity"],
                            "The compareQuantity argument must be given to each "
                            "quantity or ignored using ignoreCompareQuantity.",
                        )
                    )
                    continue
                if q["compareQuantity"] != current:
                    errors.append(
                        _err(
                            "COMPARE_QUANTITY_STALE",
                            [*path, "compareQuantity"],
                            "The compareQuantity value does not match persisted value.",
                        )
                    )
                    continue
            plan.append((variant, loc, q["quantity"] - current))
        if errors:  # the mutation is atomic: nothing is written
            return {"inventoryAdjustmentGroup": None, "userErrors": errors}
        now = self.shop.clock()
        changes = []
        for variant, loc, delta in plan:
            level = loc.levels[variant.num]
            level[0] += delta
            level[3] = now
            if delta:
                on_hand = level[0] + level[1] + level[2]
                item, location = InventoryItem(variant), loc
                changes.append(
                    {
                        "name": "available",
                        "delta": delta,
                        "quantityAfterChange": level[0],
                        "item": item,
                        "location": location,
                        "ledgerDocumentUri": None,
                    }
                )
                changes.append(
                    {
                        "name": "on_hand",
                        "delta": delta,
                        "quantityAfterChange": on_hand,
                        "item": item,
                        "location": location,
                        "ledgerDocumentUri": None,
                    }
                )
        self.emu.counters["inventory_writes"] += 1
        group = {
            "id": gid("InventoryAdjustmentGroup", self.shop.next_num()),
            "createdAt": iso(now),
            "reason": data["reason"],
            "referenceDocumentUri": data.get("referenceDocumentUri"),
            "changes": lambda info, **kw: changes,
        }
        return {"inventoryAdjustmentGroup": group, "userErrors": []}

    # -- fulfillment --------------------------------------------------------------------------

    def fulfillmentCreate(self, info, fulfillment, message=None):  # noqa: C901 - one branch per userError Shopify's fulfillmentCreate returns
        groups = fulfillment["lineItemsByFulfillmentOrder"]
        _check_input_size(groups)
        for group in groups:
            _check_input_size(group.get("fulfillmentOrderLineItems") or ())
        if not groups:
            return _ful_error(
                ["fulfillment", "lineItemsByFulfillmentOrder"],
                "Line items by fulfillment order can't be blank.",
            )
        order, location, items = None, None, []
        for gi, group in enumerate(groups):
            path = ["fulfillment", "lineItemsByFulfillmentOrder", str(gi)]
            fo = self.shop.node(group["fulfillmentOrderId"])
            if getattr(fo, "TYPENAME", None) != "FulfillmentOrder":
                return _ful_error(
                    [*path, "fulfillmentOrderId"], "Fulfillment order does not exist."
                )
            if order is not None and fo.order is not order:
                return _ful_error(path, "All fulfillment orders must belong to the same order.")
            if location is not None and fo.location is not location:
                return _ful_error(
                    path, "All fulfillment orders must be assigned to the same location."
                )
            order, location = fo.order, fo.location
            if fo.status not in ("OPEN", "IN_PROGRESS"):
                return _ful_error(
                    path,
                    f"Fulfillment order {fo.id} has an unfulfillable status= {fo.status.lower()}.",
                )
            wanted = group.get("fulfillmentOrderLineItems")
            if not wanted:
                items.extend((fo, li, li.remaining) for li in fo.line_items if li.remaining)
                continue
            by_id = {li.id: li for li in fo.line_items}
            for wi, w in enumerate(wanted):
                li = by_id.get(w["id"])
                if li is None:
                    return _ful_error(
                        [*path, "fulfillmentOrderLineItems", str(wi), "id"],
                        "Fulfillment order line item does not exist.",
                    )
                if w["quantity"] <= 0 or w["quantity"] > li.remaining:
                    return _ful_error(
                        [*path, "fulfillmentOrderLineItems", str(wi), "quantity"],
                        "Invalid fulfillment order line item quantity requested.",
                    )
                items.append((fo, li, w["quantity"]))
        if not items:
            return _ful_error(["fulfillment"], "No remaining quantity to fulfill.")
        tracking = fulfillment.get("trackingInfo") or {}
        info_tracking = {
            "company": tracking.get("company"),
            "number": tracking.get("number") or (tracking.get("numbers") or [None])[0],
            "url": tracking.get("url") or (tracking.get("urls") or [None])[0],
        }
        now = self.shop.clock()
        by_fo = {}
        for fo, li, qty in items:
            by_fo.setdefault(fo.num, (fo, []))[1].append((li, qty))
        created = None
        for fo, pairs in by_fo.values():
            for li, qty in pairs:
                level = fo.location.levels.get(li.line.variant.num) if li.line.variant else None
                if level:
                    level[1] = max(0, level[1] - qty)  # committed stock leaves with the parcel
                    level[3] = now
            if created is None:
                created = self.shop._fulfil(order, fo, pairs, info_tracking, now)
            else:
                for li, qty in pairs:
                    li.remaining -= qty
                fo.status = (
                    "CLOSED" if all(x.remaining == 0 for x in fo.line_items) else "IN_PROGRESS"
                )
                fo.updated = now
                created.add_items(self.shop, pairs)
        if order.displayFulfillmentStatus == "FULFILLED":
            order.closed_at = now
        created.notify_customer = bool(fulfillment.get("notifyCustomer"))
        self.emu.counters["fulfillments_created"] += 1
        return {"fulfillment": created, "userErrors": []}

    # -- webhooks -----------------------------------------------------------------------------

    def webhookSubscriptionCreate(self, info, topic, webhookSubscription):
        return webhooks.create(self.shop, self.emu.clock, topic, webhookSubscription)

    def webhookSubscriptionDelete(self, info, id):
        return webhooks.delete(self.shop, id)


def _check_input_size(items):
    """Shopify caps every input array at 250 items (a top-level error, nothing is done)."""
    if len(items) > MAX_INPUT_ARRAY:
        raise GraphQLError(
            f"The input array size of {len(items)} is greater than the maximum allowed of "
            f"{MAX_INPUT_ARRAY}.",
            extensions={"code": "MAX_INPUT_SIZE_EXCEEDED"},
        )


def _err(code, field, message):
    return {"code": code, "field": field, "message": message}


def _inv_error(code, field, message):
    return {"inventoryAdjustmentGroup": None, "userErrors": [_err(code, field, message)]}


def _ful_error(field, message):
    return {"fulfillment": None, "userErrors": [{"field": field, "message": message}]}


def new_key():
    return str(uuid.uuid4())


__all__ = ["Connection", "InventoryLevel", "Mutation", "QueryRoot", "get_schema", "shop_resolver"]
