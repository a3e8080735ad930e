"""Shipping several orders at once (issue 18): ticked on the orders list and shipped from one
form, or a CSV upload of order,tracking[,carrier], or the API's batch. Orders come from the test
store over HTTP; the confirmations go back to it, and it must see one fulfilment per order."""

import io
import re
from collections import Counter
from html import unescape

import pytest
from support import run
from web_support import *  # noqa: F403  (fixtures: app, client, user…)
from web_support import flashes


@pytest.fixture
def shop(integration, store):
    """Four paid orders imported from the store (one line each, stock for all), the
    integration in production mode so that confirmations reach the store."""
    from hub.models import Integration, Order

    store.add_product(1, "MUG-1", "Mug", stock=20)
    run(integration, "import_new_products")
    run(integration, "import_stock")
    for i, number in enumerate(("1001", "1002", "1003", "1004"), start=1):
        store.add_order(i, number, [{"sku": "MUG-1", "qty": i, "product": "1"}])
    run(integration, "import_new_orders")
    Integration.update(mode="production").where(Integration.id == integration.id).execute()
    return {o.number: o for o in Order.select().where(Order.integration == integration.id)}


def confirm(integration):
    """The shipping_confirmation feed, run here (the views queue it for a worker)."""
    return run(integration, "shipping_confirmation")


def fulfilments(store):
    return Counter(s["order_id"] for s in store.shipments)


def status_of(order):
    from hub.models import Order

    return Order.get_by_id(order.id).status


def html_text(fragment):
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment))).strip()


def result_rows(html):
    """(order or row text, result label, detail) of the results table."""
    section = html.split('id="ship-results"', 1)[1].split("</section>", 1)[0]
    rows = []
    for tr in re.findall(r"<tr class=\"result-[^\"]+\">(.*?)</tr>", section, re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)
        rows.append([html_text(cell) for cell in cells])
    return rows


def test_select_two_orders_and_ship_them(client, integration, store, shop):
    from hub.models import Shipment

    listing = client.get("/orders/?status=to_ship").get_data(as_text=True)
    for order in shop.values():
        assert f'name="ids" value="{order.id}"' in listing
    assert 'id="ship-selected"' in listing
    a, b = shop["1001"], shop["1002"]
    page = client.get(f"/orders/ship?ids={a.id}&ids={b.id}").get_data(as_text=True)
    assert f'id="ship-row-{a.id}"' in page and f'id="ship-row-{b.id}"' in page
    assert f'id="ship-row-{shop["1003"].id}"' not in page
    assert "2 × MUG-1" in page  # what order 1002 ships
    response = client.post(
        "/orders/ship",
        data={
            "ids": [a.id, b.id],
            "carrier_all": "UPS",
            f"tracking_{a.id}": "1Z-A",
            f"tracking_{b.id}": "1Z-B",
        },
    )
    assert response.status_code == 200
    assert flashes(response) == [("success", "2 shipped.")]
    assert [row[2] for row in result_rows(response.get_data(as_text=True))] == ["shipped"] * 2
    assert (status_of(a), status_of(b), status_of(shop["1003"])) == (
        "shipped",
        "shipped",
        "to_ship",
    )
    tracking = {s.order_id: (s.carrier, s.tracking_number) for s in Shipment.select()}
    assert tracking == {a.id: ("UPS", "1Z-A"), b.id: ("UPS", "1Z-B")}
    assert confirm(integration).status == "succeeded"
    assert fulfilments(store) == {"1": 1, "2": 1}


def test_a_row_without_tracking_stays_on_the_form(client, shop):
    a, b = shop["1001"], shop["1002"]
    response = client.post(
        "/orders/ship",
        data={"ids": [a.id, b.id], f"carrier_{a.id}": "UPS", f"tracking_{a.id}": "1Z-A"},
    )
    html = response.get_data(as_text=True)
    assert flashes(response) == [("warning", "1 shipped; 1 not shipped (see why below).")]
    assert [row[2:] for row in result_rows(html)] == [
        ["shipped", "shipped with UPS 1Z-A"],
        ["not shipped", "no tracking number"],
    ]
    assert f'id="ship-row-{b.id}"' in html and f'id="ship-row-{a.id}"' not in html
    assert (status_of(a), status_of(b)) == ("shipped", "to_ship")


def upload(client, text, **form):
    data = {"file": (io.BytesIO(text.encode()), "tracking.csv"), **form}
    return client.post("/orders/ship/csv", data=data, content_type="multipart/form-data")


def test_csv_upload_good_bad_and_already_shipped_rows(client, integration, store, shop):
    from hub.feeds.shipping import ship_and_confirm
    from hub.models import Shipment

    ship_and_confirm(shop["1003"], tracking_number="1Z-C", carrier="UPS")  # shipped before
    csv_text = (
        "order,tracking,carrier\n#1001,1Z-A,UPS\n9999,1Z-X,UPS\n1003,1Z-C,\n1002,1Z-B,FedEx\n"
    )
    response = upload(client, csv_text)
    html = response.get_data(as_text=True)
    rows = result_rows(html)
    assert [(row[0], row[2]) for row in rows] == [
        ("2", "shipped"),
        ("3", "not shipped"),
        ("4", "already shipped"),
        ("5", "not shipped"),
    ]
    assert "no order numbered 9999" in rows[1][3]
    assert "already shipped with tracking 1Z-C" in rows[2][3]
    assert "unknown carrier 'FedEx'" in rows[3][3]
    assert flashes(response) == [
        ("warning", "1 shipped; 1 already shipped before; 2 not shipped (see why below).")
    ]
    assert status_of(shop["1001"]) == "shipped" and status_of(shop["1002"]) == "to_ship"
    assert confirm(integration).status == "succeeded"
    assert fulfilments(store) == {"1": 1, "3": 1}

    # the same file again: nothing is shipped twice, the store sees nothing new
    again = upload(client, csv_text)
    assert [row[2] for row in result_rows(again.get_data(as_text=True))] == [
        "already shipped",
        "not shipped",
        "already shipped",
        "not shipped",
    ]
    assert Shipment.select().count() == 2
    confirm(integration)
    assert fulfilments(store) == {"1": 1, "3": 1}


def test_csv_without_header_and_by_hub_id(client, shop):
    a, b = shop["1001"], shop["1004"]
    response = upload(client, f"id:{a.id};T-1\n1004;T-4;ups\n\n")
    assert [row[2] for row in result_rows(response.get_data(as_text=True))] == ["shipped"] * 2
    assert (status_of(a), status_of(b)) == ("shipped", "shipped")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "choose a CSV file"),
        ("order,tracking\n", "the file has no rows"),
        ("\xff\xfe", None),
    ],
    ids=["empty", "header-only", "not-utf8"],
)
def test_csv_upload_refused_as_a_whole(client, shop, content, message):
    from hub.models import Shipment

    data = content.encode("latin-1")
    response = client.post(
        "/orders/ship/csv",
        data={"file": (io.BytesIO(data), "x.csv")},
        content_type="multipart/form-data",
    )
    [(kind, text)] = flashes(response)
    assert kind == "error" and (message or "not UTF-8") in text
    assert Shipment.select().count() == 0


def test_api_batch(client, user, integration, store, shop):
    from hub.services.users import create_token

    token = create_token(user, "api")
    headers = {"Authorization": f"Bearer {token}"}
    items = [
        {"order": "#1001", "tracking_number": "API-1"},
        {"order_id": shop["1002"].id, "tracking_number": "API-2", "carrier": "UPS"},
        {"order": "nope", "tracking_number": "API-3"},
    ]
    response = client.post("/api/v1/shipments/batch", json={"shipments": items}, headers=headers)
    assert response.status_code == 200, response.data
    body = response.get_json()
    assert [r["status"] for r in body["results"]] == ["shipped", "shipped", "error"]
    assert (body["shipped"], body["errors"]) == (2, 1)
    assert body["results"][0]["shipment"]["tracking_number"] == "API-1"
    again = client.post("/api/v1/shipments/batch", json={"shipments": items[:2]}, headers=headers)
    assert [r["status"] for r in again.get_json()["results"]] == ["already_shipped"] * 2
    bad = client.post(
        "/api/v1/shipments/batch", json={"shipments": [{"tracking_number": "X"}]}, headers=headers
    )
    assert bad.status_code == 400
    confirm(integration)
    assert fulfilments(store) == {"1": 1, "2": 1}
