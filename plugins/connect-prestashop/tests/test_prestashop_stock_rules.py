"""The emulator moves stock on orders the way PrestaShop 8.1 does (over loopback HTTP).

Vendor sources, as cited in ``connect_prestashop_emulator/store.py``:
* classes/order/OrderDetail.php ``checkProductStock`` (from ``PaymentModule::validateOrder``):
  an order takes its stock when it is created, unless created as PS_OS_CANCELED / PS_OS_ERROR;
  an order that drives a row below 0 is switched to "On backorder (paid / not paid)";
* classes/order/OrderHistory.php ``changeIdOrderState``: a move into PS_OS_CANCELED /
  PS_OS_ERROR gives the stock back, a move out of them into a validated state takes it again;
  shipping and refunding move nothing;
* classes/stock/StockAvailable.php ``postSave``: the product row re-sums its combinations;
* src/Adapter/StockManager.php ``updatePhysicalProductQuantity``: reserved = the open orders'
  quantities (not shipped, and valid or not cancelled / in error), physical = quantity + reserved.
"""

import base64

import defusedxml.ElementTree as SafeET
import pytest
import requests
from connect_prestashop_emulator import DEMO_KEY, create_app

AUTH = {"Authorization": "Basic " + base64.b64encode(f"{DEMO_KEY}:".encode()).decode()}


@pytest.fixture
def live(emulator):
    return emulator(products=12, orders=1, seed=7)


def _combination(live, minimum=5):
    """(sku, id_product, id_product_attribute) of a combination with at least ``minimum``."""
    s = live.store
    for combo in s["combinations"].rows.values():
        row = s.stock_row(combo["id_product"], combo["id"])
        if int(row["quantity"]) >= minimum:
            return combo["reference"], int(combo["id_product"]), combo["id"]
    raise AssertionError("no combination with stock")


def _row(sku, id_product, id_pa, quantity):
    return {
        "product_id": str(id_product),
        "product_attribute_id": str(id_pa),
        "product_quantity": str(quantity),
        "product_name": sku,
        "product_reference": sku,
        "product_price": "10.000000",
        "unit_price_tax_incl": "12.000000",
        "unit_price_tax_excl": "10.000000",
    }


def _stock(live, sku):
    return live.control("GET", f"stock/{sku}")


def _product_row_quantity(live, id_product):
    return int(live.store.stock_row(id_product, 0)["quantity"])


def _place(live, sku, id_product, id_pa, quantity, state):
    body = {"state": state, "rows": [_row(sku, id_product, id_pa, quantity)]}
    return live.control("POST", "orders", json=body)


def _move(live, order_id, state):
    return live.control("POST", f"orders/{order_id}", json={"state": state})


def test_a_placed_order_takes_its_stock_and_the_product_row_is_resummed(live):
    sku, pid, pa = _combination(live)
    before = _stock(live, sku)
    order = _place(live, sku, pid, pa, 2, "PS_OS_PAYMENT")
    after = _stock(live, sku)
    assert after["quantity"] == before["quantity"] - 2
    assert after["reserved_quantity"] == before["reserved_quantity"] + 2
    assert after["physical_quantity"] == before["physical_quantity"]  # still on the shelf
    combos = [
        r
        for r in live.store["stock_availables"].rows.values()
        if r["id_product"] == str(pid) and r["id_product_attribute"] != "0"
    ]
    assert _product_row_quantity(live, pid) == sum(int(r["quantity"]) for r in combos)
    assert order["current_state"] == int(live.store.config("PS_OS_PAYMENT"))


def test_an_unpaid_order_takes_its_stock_too_and_cancelling_it_gives_it_back(live):
    sku, pid, pa = _combination(live)
    before = _stock(live, sku)
    order = _place(live, sku, pid, pa, 3, "PS_OS_BANKWIRE")
    assert _stock(live, sku)["quantity"] == before["quantity"] - 3
    _move(live, order["id"], "PS_OS_CANCELED")
    assert _stock(live, sku) == before


def test_a_paid_order_cancelled_gives_its_stock_back_and_reactivated_takes_it_again(live):
    sku, pid, pa = _combination(live)
    before = _stock(live, sku)["quantity"]
    order = _place(live, sku, pid, pa, 2, "PS_OS_PAYMENT")
    _move(live, order["id"], "PS_OS_CANCELED")
    assert _stock(live, sku)["quantity"] == before
    _move(live, order["id"], "PS_OS_PAYMENT")  # logable again, out of a cancelled state
    assert _stock(live, sku)["quantity"] == before - 2


@pytest.mark.parametrize("state", ["PS_OS_CANCELED", "PS_OS_ERROR"])
def test_an_order_created_cancelled_or_in_error_takes_nothing(live, state):
    sku, pid, pa = _combination(live)
    before = _stock(live, sku)
    _place(live, sku, pid, pa, 2, state)
    assert _stock(live, sku) == before


def test_a_payment_error_after_awaiting_payment_gives_the_stock_back(live):
    sku, pid, pa = _combination(live)
    before = _stock(live, sku)
    order = _place(live, sku, pid, pa, 1, "PS_OS_CHEQUE")
    _move(live, order["id"], "PS_OS_ERROR")
    assert _stock(live, sku) == before


def test_shipping_and_refunding_do_not_move_the_quantity(live):
    sku, pid, pa = _combination(live)
    before = _stock(live, sku)
    order = _place(live, sku, pid, pa, 2, "PS_OS_PAYMENT")
    _move(live, order["id"], "PS_OS_SHIPPING")
    shipped = _stock(live, sku)
    assert shipped["quantity"] == before["quantity"] - 2
    assert shipped["reserved_quantity"] == before["reserved_quantity"]  # no longer reserved
    assert shipped["physical_quantity"] == before["physical_quantity"] - 2  # it left
    other = _place(live, sku, pid, pa, 1, "PS_OS_PAYMENT")
    _move(live, other["id"], "PS_OS_REFUND")
    assert _stock(live, sku)["quantity"] == before["quantity"] - 3  # no re-stock on refund


def test_an_order_beyond_the_stock_goes_on_backorder(live):
    sku, pid, pa = _combination(live, minimum=0)
    available = _stock(live, sku)["quantity"]
    paid = _place(live, sku, pid, pa, available + 2, "PS_OS_PAYMENT")
    assert _stock(live, sku)["quantity"] == -2
    assert paid["current_state"] == int(live.store.config("PS_OS_OUTOFSTOCK_PAID"))
    unpaid = _place(live, sku, pid, pa, 1, "PS_OS_BANKWIRE")
    assert unpaid["current_state"] == int(live.store.config("PS_OS_OUTOFSTOCK_UNPAID"))
    assert _stock(live, sku)["quantity"] == -3


def test_rows_that_depend_on_stock_are_left_alone(live):
    sku, pid, pa = _combination(live)
    live.store.stock_row(pid, 0)["depends_on_stock"] = "1"
    before = _stock(live, sku)["quantity"]
    _place(live, sku, pid, pa, 2, "PS_OS_PAYMENT")
    assert _stock(live, sku)["quantity"] == before


def _post(live, resource, xml, **params):
    return requests.post(
        f"{live.url}/api/{resource}",
        params=params,
        data=xml.encode(),
        headers={**AUTH, "Content-Type": "text/xml"},
        timeout=10,
    )


def test_webservice_writes_apply_the_same_rules(live):
    """POST /api/orders (Order::addWs → validateOrder in PS_OS_WS_PAYMENT) takes the stock;
    POST /api/order_histories (addWs → changeIdOrderState) into PS_OS_CANCELED gives it back."""
    sku, pid, pa = _combination(live)
    before = _stock(live, sku)["quantity"]
    response = _post(
        live,
        "orders",
        "<prestashop><order>"
        + "".join(
            f"<{k}>{v}</{k}>"
            for k, v in {
                "id_address_delivery": 1,
                "id_address_invoice": 1,
                "id_cart": 99,
                "id_currency": 1,
                "id_lang": 1,
                "id_customer": 1,
                "id_carrier": 4,
                "current_state": live.store.config("PS_OS_DELIVERED"),
                "module": "ps_wirepayment",
                "payment": "Bank wire",
                "total_paid": "24.00",
                "total_paid_real": "24.00",
                "total_products": "20.00",
                "total_products_wt": "24.00",
                "conversion_rate": "1",
            }.items()
        )
        + "<associations><order_rows><order_row>"
        + f"<product_id>{pid}</product_id><product_attribute_id>{pa}</product_attribute_id>"
        + "<product_quantity>2</product_quantity></order_row></order_rows></associations>"
        + "</order></prestashop>",
    )
    assert response.status_code == 201, response.text
    order = SafeET.fromstring(response.content).find("order")
    assert order.findtext("current_state") == live.store.config("PS_OS_WS_PAYMENT")
    assert _stock(live, sku)["quantity"] == before - 2
    response = _post(
        live,
        "order_histories",
        "<prestashop><order_history>"
        f"<id_order>{order.findtext('id')}</id_order>"
        f"<id_order_state>{live.store.config('PS_OS_CANCELED')}</id_order_state>"
        "</order_history></prestashop>",
    )
    assert response.status_code == 201, response.text
    assert _stock(live, sku)["quantity"] == before


def test_the_seeded_orders_took_their_stock():
    """The same seed without orders gives the catalogue's quantities before any sale: each
    row is that minus what the seeded orders still hold (all but cancelled / in error), never
    below 0 (the front office sells only what is in stock), and physical = quantity +
    reserved on every row."""
    fresh = create_app(products=40, orders=0, seed=11).config["EMULATOR"].store
    sold = create_app(products=40, orders=60, seed=11).config["EMULATOR"].store
    gone = {sold.config("PS_OS_CANCELED"), sold.config("PS_OS_ERROR")}
    taken = {}
    for order in sold["orders"].rows.values():
        if order["current_state"] in gone:
            continue
        for line in order["associations"]["order_rows"]:
            key = (line["product_id"], line["product_attribute_id"])
            taken[key] = taken.get(key, 0) + int(line["product_quantity"])
    assert taken, "the seed placed no order"
    reserved = sold.reserved_quantities()
    for row in sold["stock_availables"].rows.values():
        key = (row["id_product"], row["id_product_attribute"])
        start = int(fresh["stock_availables"].rows[row["id"]]["quantity"])
        if key[1] == "0" and _combination_ids(sold, key[0]):  # the re-summed product row
            total = sum(
                int(sold.stock_row(key[0], c)["quantity"]) for c in _combination_ids(sold, key[0])
            )
            assert int(row["quantity"]) == total, key
        else:
            assert int(row["quantity"]) == start - taken.get(key, 0), key
        assert int(row["quantity"]) >= 0, key
        quantity, held, physical = sold.stock_figures(row, reserved)
        assert physical == quantity + held
    states = {o["current_state"] for o in sold["orders"].rows.values()}
    assert sold.config("PS_OS_CANCELED") in states and sold.config("PS_OS_PAYMENT") in states


def _combination_ids(store, id_product):
    combos = store["products"].rows[int(id_product)]["associations"].get("combinations") or []
    return [c["id"] for c in combos]
