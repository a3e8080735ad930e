"""Products, variations, their batch endpoints and the settings the connector reads.

Controllers: ``Version3/class-wc-rest-products-controller.php``,
``class-wc-rest-product-variations-controller.php`` (extending their Version2 parents),
``class-wc-rest-crud-controller.php`` (get_items, update_item), ``class-wc-rest-controller.php``
(batch_items, check_batch_limit) and ``class-wc-rest-setting-options-controller.php``.
"""

from connect_woocommerce_emulator import render
from connect_woocommerce_emulator.params import (
    Invalid,
    column,
    date_bound,
    invalid_params,
    page_of,
    to_boolean,
    to_integer,
    wp_list,
)
from connect_woocommerce_emulator.routes import Router
from connect_woocommerce_emulator.store import KG_PER_UNIT, RestError

router = Router()

PRODUCT_ORDERBY = (
    "date",
    "modified",
    "id",
    "include",
    "title",
    "slug",
    "price",
    "popularity",
    "rating",
    "menu_order",
)
BATCH_LIMIT = 100  # apply_filters( 'woocommerce_rest_batch_items_limit', 100, … )
PRODUCT_TYPES = ("simple", "grouped", "external", "variable")
STOCK_STATUSES = ("instock", "outofstock", "onbackorder")
WEIGHT_UNITS = {"kg": "kg", "g": "g", "lbs": "lbs", "oz": "oz"}


# -- collections --------------------------------------------------------------------------------


def _sort_key(store, orderby, include):
    if orderby == "include" and include:
        position = {i: n for n, i in enumerate(include)}
        return lambda r: position.get(r["id"], len(position))
    keys = {
        "date": lambda r: r["created"],
        "modified": lambda r: r["modified"],
        "id": lambda r: r["id"],
        "title": lambda r: r["name"].lower(),
        "slug": lambda r: r.get("slug", ""),
        "menu_order": lambda r: r.get("menu_order", 0),
        "price": lambda r: float(r.get("sale_price") or r.get("regular_price") or 0),
    }
    return keys.get(orderby, keys["date"])


def select(call, records, orderby_choices, default_orderby="date", created="created"):
    """The common part of ``prepare_objects_query``: include / exclude, the four date filters
    with ``dates_are_gmt`` (strictly after / before, as ``WP_Date_Query`` without
    ``inclusive``), ``orderby`` / ``order``; then the page and its headers."""
    args, store = call.args, call.store
    include = args.id_list("include")
    exclude = args.id_list("exclude")
    gmt = args.boolean("dates_are_gmt", False)
    after, before = args.date("after"), args.date("before")
    modified_after, modified_before = args.date("modified_after"), args.date("modified_before")
    orderby = args.enum("orderby", orderby_choices, default_orderby)
    order = args.enum("order", ("asc", "desc"), "desc")
    args.integer("per_page", 10, 1, 100)
    args.integer("page", 1, 1)
    args.check()
    tz = store.tz
    tests = []
    for raw, field, later in (
        (after, created, True),
        (before, created, False),
        (modified_after, "modified", True),
        (modified_before, "modified", False),
    ):
        if raw is None:
            continue
        bound = date_bound(raw, tz)
        if later:
            tests.append(lambda r, f=field, b=bound: column(r[f], tz, gmt) > b)
        else:
            tests.append(lambda r, f=field, b=bound: column(r[f], tz, gmt) < b)
    if include:
        wanted = set(include)
        records = [r for r in records if r["id"] in wanted]
    if exclude:
        unwanted = set(exclude)
        records = [r for r in records if r["id"] not in unwanted]
    if tests:
        records = [r for r in records if all(t(r) for t in tests)]
    key = _sort_key(store, orderby, include)
    records = sorted(records, key=lambda r: (key(r), r["id"]), reverse=order == "desc")
    return page_of(args, records, call.url, call.query)


@router.route(r"wc/v3/products", "GET", "list")
def list_products(call):
    store, args = call.store, call.args
    skus = args.text_list("sku")
    kind = args.enum("type", PRODUCT_TYPES)
    stock_status = args.enum("stock_status", STOCK_STATUSES)
    status = args.enum(
        "status", ("any", "future", "trash", "draft", "pending", "private", "publish"), "any"
    )
    parents = args.id_list("parent")
    search = args.raw("search")
    args.check()
    if skus is not None:
        # V3 prepare_objects_query: an SKU filter searches product and product_variation posts
        records = [
            store.products[store.by_sku[s]] for s in dict.fromkeys(skus) if s in store.by_sku
        ]
    else:
        records = [r for r in store.products.values() if r["type"] != "variation"]
    if kind:
        records = [r for r in records if r["type"] == kind]
    if stock_status:
        records = [r for r in records if r.get("stock_status") == stock_status]
    if status != "any":
        records = [r for r in records if r.get("status", "publish") == status]
    if parents:
        records = [r for r in records if r.get("parent_id") in parents]
    if search:
        needle = str(search).lower()
        records = [r for r in records if needle in r["name"].lower()]
    chosen, headers = select(call, records, PRODUCT_ORDERBY)
    return [render.product(store, r, call.site) for r in chosen], 200, headers


@router.route(r"wc/v3/products/(?P<id>\d+)", "GET", "view")
def get_product(call, id):
    record = call.store.products.get(id)
    if record is None:
        raise RestError("woocommerce_rest_product_invalid_id", "Invalid ID.", 404)
    return render.product(call.store, record, call.site), 200, {}


def _parent(store, product_id, status=404):
    parent = store.product(product_id)
    if parent is None:
        # the variations controller checks its parent the same way: "Invalid ID."
        raise RestError("woocommerce_rest_product_invalid_id", "Invalid ID.", status)
    return parent


@router.route(r"wc/v3/products/(?P<product_id>\d+)/variations", "GET", "list")
def list_variations(call, product_id):
    store, args = call.store, call.args
    # prepare_objects_query only sets post_parent: an unknown parent is an empty list, not 404
    skus = args.text_list("sku")
    args.check()
    records = [store.products[i] for i in store.children.get(product_id, [])]
    if skus is not None:
        records = [r for r in records if r.get("sku") in skus]
    chosen, headers = select(call, records, PRODUCT_ORDERBY)
    return [render.variation(store, r, call.site) for r in chosen], 200, headers


@router.route(r"wc/v3/products/(?P<product_id>\d+)/variations/(?P<id>\d+)", "GET", "view")
def get_variation(call, product_id, id):
    record = call.store.variation(product_id, id)
    if record is None:
        raise RestError("woocommerce_rest_product_variation_invalid_id", "Invalid ID.", 404)
    return render.variation(call.store, record, call.site), 200, {}


# -- writes -------------------------------------------------------------------------------------


STRING_FIELDS = ("name", "sku", "global_unique_id", "weight", "description", "status", "backorders")
INTEGER_FIELDS = ("stock_quantity", "inventory_delta", "menu_order")


def _typed(name, value, variation):
    """One field's value as the schema types it; ``Invalid`` when it does not fit."""
    if name in STRING_FIELDS:
        if not isinstance(value, str):
            raise Invalid("rest_invalid_type", f"{name} is not of type string.")
        return value
    if name in ("regular_price", "sale_price"):
        if not isinstance(value, str):
            raise Invalid("rest_invalid_type", f"{name} is not of type string.")
        if value.strip():
            try:
                float(value)  # wc_format_decimal keeps what a number reads as
            except ValueError:
                raise Invalid("rest_invalid_param", f"{name} is not a decimal number.") from None
        return value.strip()
    if name in INTEGER_FIELDS:
        return None if value is None and name == "stock_quantity" else to_integer(name, value)
    if name == "manage_stock":
        return "parent" if variation and value == "parent" else to_boolean(name, value)
    if name == "stock_status" and value not in STOCK_STATUSES:
        raise Invalid("rest_not_in_enum", f"{name} is not one of {wp_list(STOCK_STATUSES)}.")
    if name == "type" and value not in PRODUCT_TYPES:
        raise Invalid("rest_not_in_enum", f"{name} is not one of {wp_list(PRODUCT_TYPES)}.")
    return value


def _coerced(name, value, variation):
    """What the product setters make of an unvalidated value (a batch item): PHP's casts,
    ``wc_format_decimal`` for prices, ``wc_stock_amount`` (intval) for quantities,
    ``wc_string_to_bool`` for flags."""
    if name in STRING_FIELDS or name in ("regular_price", "sale_price"):
        if isinstance(value, bool):
            return "1" if value else ""
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return "" if value is None else str(value).strip()
    if name in INTEGER_FIELDS:
        if value is None and name == "stock_quantity":
            return None
        try:
            return int(float(value))
        except (TypeError, ValueError):
            return 0
    if name == "manage_stock":
        if variation and value == "parent":
            return "parent"
        return value is True or str(value).lower() in ("1", "yes", "true")
    return _typed(name, value, variation)


def validate_product_fields(data, variation, validated=True):
    """The fields the emulator writes. ``validated``: the request's arguments were checked
    against the schema, strict as WP core's ``rest_validate_value_from_schema`` (a JSON number
    is not a string), every bad field named in one 400 — true of ``PUT`` / ``POST`` on the
    item routes. Batch items are not: ``batch_items`` hands each item to ``update_item`` /
    ``create_item`` with ``set_body_params`` and no validation, so the setters' casts apply."""
    names = (*STRING_FIELDS, "regular_price", "sale_price", *INTEGER_FIELDS, "manage_stock")
    names += ("stock_status",) if variation else ("stock_status", "type")
    errors, values = {}, {}
    for name in names:
        if name not in data:
            continue
        try:
            if validated:
                values[name] = _typed(name, data[name], variation)
            else:
                values[name] = _coerced(name, data[name], variation)
        except Invalid as exc:
            errors[name] = (exc.code, exc.message)
    if errors:
        raise invalid_params(errors)
    return values


def apply_product_fields(store, record, values):
    """``prepare_object_for_database`` (V2 products / variations controllers), the part about the
    fields the emulator keeps: the SKU and GTIN setters (unique, 400 on a duplicate), prices,
    weight, and stock — ``stock_quantity`` and ``inventory_delta`` apply only when the product
    manages stock (otherwise ignored, as WooCommerce ignores them), ``stock_status`` only when it
    does not (a managed product's status follows its quantity). A refused SKU or GTIN saves
    nothing: the setters throw before ``save()``."""
    before = {k: record.get(k) for k in ("sku", "global_unique_id")}
    try:
        if "sku" in values:
            store.set_sku(record, values["sku"])
        if "global_unique_id" in values:
            store.set_gtin(record, values["global_unique_id"])
    except RestError:
        store.set_sku(record, before["sku"])
        store.set_gtin(record, before["global_unique_id"])
        raise
    for name in (
        "name",
        "weight",
        "description",
        "status",
        "backorders",
        "regular_price",
        "sale_price",
        "menu_order",
    ):
        if name in values:
            record[name] = values[name]
    if "manage_stock" in values:
        record["manage_stock"] = values["manage_stock"]
        if values["manage_stock"] is True and record.get("stock_quantity") is None:
            record["stock_quantity"] = 0
    if "stock_status" in values:
        record["stock_status"] = values["stock_status"]
    if record.get("manage_stock") is True:
        # stock_quantity wins over inventory_delta (``elseif`` in prepare_object_for_database)
        if values.get("stock_quantity") is not None:
            record["stock_quantity"] = values["stock_quantity"]
        elif values.get("inventory_delta") is not None:
            delta = values["inventory_delta"]
            record["stock_quantity"] = (record.get("stock_quantity") or 0) + delta
    elif record.get("manage_stock") is False:
        record["stock_quantity"] = None  # set_stock_quantity( '' ), set_backorders( 'no' )
        record["backorders"] = "no"
    store.refresh_stock_status(record)
    store.modified(record)


def update_product(store, product_id, data, variation_of=None, validated=True):
    """One ``update_item``: the record, or RestError (update answers 400 on an unknown id)."""
    if variation_of is None:
        record = store.products.get(product_id)
        if record is None or record["type"] == "variation":
            raise RestError("woocommerce_rest_product_invalid_id", "Invalid ID.", 400)
    else:
        record = store.variation(variation_of, product_id)
        if record is None:
            raise RestError("woocommerce_rest_product_variation_invalid_id", "Invalid ID.", 400)
    values = validate_product_fields(data, variation_of is not None, validated)
    apply_product_fields(store, record, values)
    return record


def create_product(store, data, parent=None, validated=True):
    from connect_woocommerce_emulator.store import utcnow

    values = validate_product_fields(data, parent is not None, validated)
    now = utcnow()
    record = {
        "id": store.new_id(),
        "name": values.get("name") or (parent["name"] if parent else "Product"),
        "slug": "",
        "type": "variation" if parent else values.get("type", "simple"),
        "parent_id": parent["id"] if parent else 0,
        "status": values.get("status", "publish"),
        "sku": "",
        "global_unique_id": "",
        "regular_price": "",
        "sale_price": "",
        "manage_stock": False,
        "stock_quantity": None,
        "stock_status": "instock",
        "backorders": "no",
        "weight": "",
        "attributes": data.get("attributes") if isinstance(data.get("attributes"), list) else [],
        "created": now,
        "modified": now,
        "menu_order": 0,
    }
    if parent is None:
        record["images"] = []
        record["slug"] = record["name"].lower().replace(" ", "-")
    else:
        record["image"] = None
    # the SKU / GTIN checks run before the post is inserted: a duplicate creates nothing
    if values.get("sku") and store.by_sku.get(values["sku"].strip()) is not None:
        raise RestError("product_invalid_sku", "Invalid or duplicated SKU.", 400)
    store.add_product(record)
    apply_product_fields(store, record, values)
    store.events.append(("product.created", record["id"]))
    return record


@router.route(r"wc/v3/products/(?P<id>\d+)", "PUT", "edit")
def put_product(call, id):
    if call.store.products.get(id) is None:
        raise RestError("woocommerce_rest_product_invalid_id", "Invalid ID.", 400)
    record = update_product(call.store, id, call.body)
    return render.product(call.store, record, call.site), 200, {}


@router.route(r"wc/v3/products", "POST", "create")
def post_product(call):
    record = create_product(call.store, call.body)
    location = f"{call.site}{render.API}/products/{record['id']}"
    return render.product(call.store, record, call.site), 201, {"Location": location}


@router.route(r"wc/v3/products/(?P<product_id>\d+)/variations/(?P<id>\d+)", "PUT", "edit")
def put_variation(call, product_id, id):
    _parent(call.store, product_id, status=400)
    record = update_product(call.store, id, call.body, variation_of=product_id)
    return render.variation(call.store, record, call.site), 200, {}


@router.route(r"wc/v3/products/(?P<product_id>\d+)/variations", "POST", "create")
def post_variation(call, product_id):
    parent = _parent(call.store, product_id)
    record = create_product(call.store, call.body, parent=parent)
    location = f"{call.site}{render.API}/products/{product_id}/variations/{record['id']}"
    return render.variation(call.store, record, call.site), 201, {"Location": location}


# -- batch ------------------------------------------------------------------------------------


def check_batch_limit(body):
    """``check_batch_limit``: more than 100 create + update + delete items is 413."""
    total = sum(
        len(body[k]) for k in ("create", "update", "delete") if isinstance(body.get(k), list)
    )
    if total > BATCH_LIMIT:
        raise RestError(
            "woocommerce_rest_request_entity_too_large",
            f"Unable to accept more than {BATCH_LIMIT} items for this request.",
            413,
        )


def _item_error(item_id, error):
    return {
        "id": item_id,
        "error": {
            "code": error.code,
            "message": error.message,
            "data": {"status": error.status, **error.data},
        },
    }


def _batch_lists(body):
    """The batch route's own arguments, validated against ``get_public_batch_schema``: arrays of
    objects (create, update) and of integers (delete); empty ones dropped (``array_filter``)."""
    errors, lists = {}, {}
    for name, kind in (("create", dict), ("update", dict), ("delete", int)):
        value = body.get(name)
        if value is None:
            continue
        if not isinstance(value, list):
            errors[name] = ("rest_invalid_type", f"{name} is not of type array.")
            continue
        for n, item in enumerate(value):
            if kind is dict and not isinstance(item, dict):
                errors[name] = ("rest_invalid_type", f"{name}[{n}] is not of type object.")
            elif kind is int:
                try:
                    to_integer(f"{name}[{n}]", item)
                except Invalid as exc:
                    errors[name] = (exc.code, exc.message)
        if value:
            lists[name] = value
    if errors:
        raise invalid_params(errors)
    return lists


def batch(call, render_one, create, update, delete):
    """``WC_REST_Controller::batch_items``: the limit first (413, nothing written), then create,
    update and delete in that order; a failing item is reported in place as ``{id, error: {code,
    message, data}}`` (``id`` 0 for a create, the item's own ``id`` for an update) and the others
    still run. Delete ids that cast to 0 are skipped."""
    lists = _batch_lists(call.body)
    check_batch_limit(lists)
    out = {}
    for item in lists.get("create", []):
        try:
            out.setdefault("create", []).append(render_one(create(item)))
        except RestError as error:
            out.setdefault("create", []).append(_item_error(0, error))
    for item in lists.get("update", []):
        try:
            item_id = to_integer("id", item.get("id", 0))
        except Invalid:
            item_id = 0
        try:
            out.setdefault("update", []).append(render_one(update(item_id, item)))
        except RestError as error:
            out.setdefault("update", []).append(_item_error(item.get("id"), error))
    for raw in lists.get("delete", []):
        item_id = to_integer("id", raw)
        if item_id == 0:
            continue
        try:
            out.setdefault("delete", []).append(render_one(delete(item_id)))
        except RestError as error:
            out.setdefault("delete", []).append(_item_error(item_id, error))
    return out, 200, {}


def _delete(store, item_id, variation_of=None):
    """A batch delete is ``force=true`` (batch_items sets it): the post and, for a variable
    product, its variations are gone."""
    record = store.products.get(item_id)
    if record is None or (variation_of is not None and record.get("parent_id") != variation_of):
        code = (
            "woocommerce_rest_product_variation_invalid_id"
            if variation_of
            else "woocommerce_rest_product_invalid_id"
        )
        raise RestError(code, "Invalid ID.", 404)
    store.remove_product(record)
    return record


@router.route(r"wc/v3/products/batch", "POST", "batch")
def batch_products(call):
    store = call.store
    return batch(
        call,
        lambda r: render.product(store, r, call.site),
        lambda item: create_product(store, item, validated=False),
        lambda item_id, item: update_product(store, item_id, item, validated=False),
        lambda item_id: _delete(store, item_id),
    )


@router.route(r"wc/v3/products/(?P<product_id>\d+)/variations/batch", "POST", "batch")
def batch_variations(call, product_id):
    store = call.store
    parent = _parent(store, product_id)
    return batch(
        call,
        lambda r: render.variation(store, r, call.site),
        lambda item: create_product(store, item, parent=parent, validated=False),
        lambda item_id, item: update_product(
            store, item_id, item, variation_of=product_id, validated=False
        ),
        lambda item_id: _delete(store, item_id, variation_of=product_id),
    )


# -- settings ---------------------------------------------------------------------------------


def _setting(call, group, option):
    store = call.store
    options = {
        ("products", "woocommerce_weight_unit"): {
            "id": "woocommerce_weight_unit",
            "label": "Weight unit",
            "description": "This controls what unit you will define weights in.",
            "type": "select",
            "default": "kg",
            "options": {"kg": "kg", "g": "g", "lbs": "lbs", "oz": "oz"},
            "tip": "This controls what unit you will define weights in.",
            "value": store.weight_unit,
        },
        ("products", "woocommerce_dimension_unit"): {
            "id": "woocommerce_dimension_unit",
            "label": "Dimensions unit",
            "description": "This controls what unit you will define lengths in.",
            "type": "select",
            "default": "cm",
            "options": {"m": "m", "cm": "cm", "mm": "mm", "in": "in", "yd": "yd"},
            "tip": "This controls what unit you will define lengths in.",
            "value": "cm",
        },
        ("products", "woocommerce_manage_stock"): {
            "id": "woocommerce_manage_stock",
            "label": "Manage stock",
            "description": "Enable stock management",
            "type": "checkbox",
            "default": "yes",
            "value": "yes",
        },
        ("general", "woocommerce_currency"): {
            "id": "woocommerce_currency",
            "label": "Currency",
            "description": "This controls what currency prices are listed at in the catalog and "
            "which currency gateways will take payments in.",
            "type": "select",
            "default": "USD",
            "options": {
                "EUR": "Euro (€)",
                "USD": "United States (US) dollar ($)",
                "GBP": "Pound sterling (£)",
            },
            "value": store.currency,
        },
    }
    found = options.get((group, option))
    if found is None:
        if group not in ("products", "general"):
            raise RestError("rest_setting_setting_group_invalid", "Invalid setting group.", 404)
        raise RestError("rest_setting_setting_invalid", "Invalid setting.", 404)
    found = dict(found, group_id=group)
    found["_links"] = {
        "self": [{"href": f"{call.site}{render.API}/settings/{group}/{option}"}],
        "collection": [{"href": f"{call.site}{render.API}/settings/{group}"}],
    }
    return found


@router.route(r"wc/v3/settings/(?P<group>[\w-]+)/(?P<option>[\w-]+)", "GET", "view")
def get_setting(call, group, option):
    return _setting(call, group, option), 200, {}


@router.route(r"wc/v3/settings/(?P<group>[\w-]+)", "GET", "list")
def list_settings(call, group):
    names = {
        "products": (
            "woocommerce_weight_unit",
            "woocommerce_dimension_unit",
            "woocommerce_manage_stock",
        ),
        "general": ("woocommerce_currency",),
    }
    if group not in names:
        raise RestError("rest_setting_setting_group_invalid", "Invalid setting group.", 404)
    return [_setting(call, group, n) for n in names[group]], 200, {}


def kg(record, unit):
    """The record's weight in kg (for the tests), None when empty."""
    if not record.get("weight"):
        return None
    return float(record["weight"]) * KG_PER_UNIT[unit]
