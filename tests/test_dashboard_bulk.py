"""Bulk work and exports of issue 18, through the dashboard (Flask's test client) on a real
SQLite file: stock-check discrepancies applied several at a time, events resolved or retried
several at a time, lists sorted by their columns and exported as CSV of what the filter shows."""

import csv
import io
import re
from datetime import datetime, timedelta

import pytest
from conftest import BACKENDS
from web_support import *  # noqa: F403  (fixtures: app, client, seeded…)
from web_support import flashes

# -- stock check discrepancies ----------------------------------------------------------------


@pytest.fixture
def drift(seeded):
    """A stock check that found four SKUs off: hub 10 / store 12, 0 / 5, 0 / 7, 0 / 3."""
    from hub.models import Product, StockDiscrepancy

    run = seeded["run"]
    rows = [seeded["discrepancy"]]
    for sku, store in (("MUG-2", 5), ("MUG-3", 7), ("MUG-4", 3)):
        product = Product.get_or_none(Product.sku == sku) or Product.create(sku=sku, name=sku)
        rows.append(
            StockDiscrepancy.create(
                run=run,
                product=product,
                sku=sku,
                hub_quantity=0,
                store_quantity=store,
                difference=store,
            )
        )
    return {"run": run, "rows": rows, "warehouse": seeded["warehouse"]}


def on_hand(sku, warehouse):
    from hub.models import Product, StockLevel

    level = StockLevel.get_or_none(
        StockLevel.product == Product.get(Product.sku == sku).id,
        StockLevel.warehouse == warehouse.id,
    )
    return level.on_hand if level else 0


def applied(rows):
    from hub.models import StockDiscrepancy

    return {
        d.sku
        for d in StockDiscrepancy.select().where(
            StockDiscrepancy.id.in_([r.id for r in rows])
            & StockDiscrepancy.applied_at.is_null(False)
        )
    }


def test_apply_selected_changes_exactly_the_ticked_discrepancies(client, drift):
    from hub.models import StockMovement

    rows, wh = drift["rows"], drift["warehouse"]
    page = client.get(f"/runs/{drift['run'].id}").get_data(as_text=True)
    assert "Apply selected" in page and "Apply all (4)" in page
    movements_before = StockMovement.select().count()

    response = client.post(
        f"/runs/{drift['run'].id}/discrepancies/apply",
        data={"ids": [rows[1].id, rows[3].id], "selected": "1"},
    )

    assert response.status_code == 302
    assert applied(rows) == {"MUG-2", "MUG-4"}
    assert on_hand("MUG-2", wh) == 5 and on_hand("MUG-4", wh) == 3
    assert on_hand("MUG-1", wh) == 10 and on_hand("MUG-3", wh) == 0  # untouched
    assert StockMovement.select().count() == movements_before + 2
    assert ("success", "Stock corrected to the store&#39;s quantity for 2 SKU(s).") in flashes(
        client.get(response.location)
    )


@pytest.mark.parametrize("hub_db", BACKENDS, indirect=True)
def test_apply_all_applies_every_open_one_once(client, drift):
    rows, wh = drift["rows"], drift["warehouse"]
    client.post(f"/runs/{drift['run'].id}/discrepancies/apply", data={"ids": [rows[1].id]})

    client.post(f"/runs/{drift['run'].id}/discrepancies/apply", data={"all": "1"})

    assert applied(rows) == {"MUG-1", "MUG-2", "MUG-3", "MUG-4"}
    # MUG-1: 10 on hand, store 12 → +2; MUG-2 applied once only (not 10)
    assert [on_hand(s, wh) for s in ("MUG-1", "MUG-2", "MUG-3", "MUG-4")] == [12, 5, 7, 3]
    page = client.get(f"/runs/{drift['run'].id}").get_data(as_text=True)
    assert "Apply all" not in page


def test_apply_selected_with_nothing_ticked_changes_nothing(client, drift):
    response = client.post(f"/runs/{drift['run'].id}/discrepancies/apply", data={})
    assert applied(drift["rows"]) == set()
    assert ("error", "Tick the discrepancies to apply or ignore, or choose all.") in flashes(
        client.get(response.location)
    )


def ignored(rows):
    from hub.models import StockDiscrepancy

    return {
        d.sku
        for d in StockDiscrepancy.select().where(
            StockDiscrepancy.id.in_([r.id for r in rows])
            & StockDiscrepancy.ignored_at.is_null(False)
        )
    }


def test_ignore_selected_keeps_the_hub_figures(client, drift):
    from hub.models import StockMovement

    rows, wh = drift["rows"], drift["warehouse"]
    movements_before = StockMovement.select().count()
    client.post(
        f"/runs/{drift['run'].id}/discrepancies/apply",
        data={"action": "ignore", "ids": [rows[0].id, rows[2].id]},
    )
    assert ignored(rows) == {"MUG-1", "MUG-3"} and applied(rows) == set()
    assert on_hand("MUG-1", wh) == 10 and on_hand("MUG-3", wh) == 0
    assert StockMovement.select().count() == movements_before
    page = client.get(f"/runs/{drift['run'].id}").get_data(as_text=True)
    assert page.count("the hub's figure stays") == 2 and "Apply all (2)" in page

    # apply all then takes only the two left open
    client.post(f"/runs/{drift['run'].id}/discrepancies/apply", data={"action": "apply_all"})
    assert applied(rows) == {"MUG-2", "MUG-4"} and ignored(rows) == {"MUG-1", "MUG-3"}
    assert on_hand("MUG-1", wh) == 10


def test_an_ignored_discrepancy_is_refused_by_the_single_apply_too(client, drift):
    """The page offers no Apply for an ignored row; a POST to its Apply (or the CLI's
    apply-discrepancy, the same service) is refused with a clear error and changes nothing."""
    from hub.errors import BadInput
    from hub.models import StockDiscrepancy, StockMovement
    from hub.services import stock

    rows, wh = drift["rows"], drift["warehouse"]
    client.post(
        f"/runs/{drift['run'].id}/discrepancies/apply",
        data={"action": "ignore", "ids": [rows[0].id]},
    )
    movements_before = StockMovement.select().count()
    response = client.post(f"/runs/discrepancies/{rows[0].id}/apply")
    errors = [m for kind, m in flashes(client.get(response.location)) if kind == "error"]
    assert len(errors) == 1 and "was ignored on" in errors[0] and "new stock check" in errors[0]
    with pytest.raises(BadInput, match="was ignored"):
        stock.apply_discrepancy(rows[0].id)
    row = StockDiscrepancy.get_by_id(rows[0].id)
    assert row.applied_at is None and row.ignored_at is not None
    assert on_hand("MUG-1", wh) == 10 and StockMovement.select().count() == movements_before


def test_ignore_all_clears_the_drift_flag_without_a_movement(client, drift):
    from hub.models import StockMovement

    movements_before = StockMovement.select().count()
    client.post(f"/runs/{drift['run'].id}/discrepancies/apply", data={"action": "ignore_all"})
    assert ignored(drift["rows"]) == {"MUG-1", "MUG-2", "MUG-3", "MUG-4"}
    assert StockMovement.select().count() == movements_before
    assert "differ from the store" not in client.get("/").get_data(as_text=True)


def test_apply_selected_ignores_ids_of_another_run(client, drift, integration):
    from hub.models import FeedRun, StockDiscrepancy

    other_run = FeedRun.create(integration=integration, feed="stock_check", status="succeeded")
    foreign = StockDiscrepancy.create(
        run=other_run,
        product=drift["rows"][2].product,
        sku="MUG-3",
        hub_quantity=0,
        store_quantity=99,
        difference=99,
    )
    client.post(f"/runs/{drift['run'].id}/discrepancies/apply", data={"ids": [foreign.id]})
    assert StockDiscrepancy.get_by_id(foreign.id).applied_at is None
    assert on_hand("MUG-3", drift["warehouse"]) == 0


# -- events -----------------------------------------------------------------------------------


@pytest.fixture
def notices(seeded):
    """113 open notices of one code (a second store's stock import), two of another code."""
    from hub.models import Event

    integration = seeded["integration"]
    many = [
        Event.create(
            integration=integration,
            feed="import_stock",
            severity="error",
            code="unknown_sku",
            reference=f"SKU-{n}",
            message=f"SKU-{n} is not in the hub",
        )
        for n in range(113)
    ]
    others = [
        Event.create(
            integration=integration,
            feed="import_new_orders",
            severity="error",
            code="bad_address",
            external_id=f"o{n}",
            reference=f"10{n}",
            message=f"Order 10{n}: bad address",
        )
        for n in range(2)
    ]
    return {"many": many, "others": others, "seeded": seeded["event"]}


def open_ids():
    from hub.models import Event

    return {e.id for e in Event.select().where(Event.resolved_at.is_null())}


def test_resolve_selected_events(client, notices):
    chosen = [notices["many"][0].id, notices["others"][1].id]
    before = open_ids()
    response = client.post("/events/bulk", data={"action": "resolve", "ids": chosen})
    assert response.status_code == 302
    assert open_ids() == before - set(chosen)


def test_resolve_all_of_a_code(client, notices):
    page = client.get("/events/?code=unknown_sku").get_data(as_text=True)
    assert 'Resolve all open "unknown_sku"' in page
    assert ">unknown_sku</a> (113)" in page
    client.post(
        "/events/bulk",
        data={"action": "resolve_all", "code": "unknown_sku", "severity": "error"},
    )
    assert open_ids() == {e.id for e in notices["others"]} | {notices["seeded"].id}


def test_retry_all_of_a_code_queues_one_run_per_feed(client, notices):
    from hub.models import FeedRun

    before = FeedRun.select().count()
    response = client.post("/events/bulk", data={"action": "retry_all", "code": "bad_address"})
    runs = list(FeedRun.select().where(FeedRun.id > before).order_by(FeedRun.id))
    assert [(r.feed, r.trigger) for r in runs] == [("import_new_orders", "retry")]
    assert sorted(runs[0].params["external_ids"]) == ["o0", "o1"]
    assert open_ids() >= {e.id for e in notices["others"]}  # retried, not resolved
    messages = [m for _, m in flashes(client.get(response.location))]
    assert messages == [f"Retry of 2 event(s) queued as run(s) #{runs[0].id}."]


def test_retry_selected_events_of_two_feeds(client, notices):
    from hub.models import FeedRun

    before = FeedRun.select().count()
    chosen = [notices["others"][0].id, notices["seeded"].id]
    client.post("/events/bulk", data={"action": "retry", "ids": chosen})
    runs = list(FeedRun.select().where(FeedRun.id > before))
    assert len(runs) == 1  # both from import_new_orders of one integration: one run
    assert sorted(runs[0].params["external_ids"]) == ["o0", "o2"]


# -- sorting and CSV exports ------------------------------------------------------------------


@pytest.fixture
def dated_orders(integration):
    """Six orders imported in an order unlike their order dates, two statuses."""
    from hub.models import Order

    start = datetime(2026, 3, 1, 12)
    days = [3, 0, 5, 1, 4, 2]  # import order ≠ date order
    return [
        Order.create(
            integration=integration,
            external_id=f"d{n}",
            number=f"50{n}",
            ordered_at=start + timedelta(days=day),
            status="shipped" if n % 2 else "to_ship",
            customer_email='=HYPERLINK("http://evil")' if n == 0 else f"c{n}@example.com",
            total="12.50",
            currency="EUR",
        )
        for n, day in enumerate(days)
    ]


def listed_numbers(html):
    return re.findall(r'href="/orders/\d+">([^<]+)</a>', html)


def export_rows(client, url):
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.is_streamed
    assert "attachment" in response.headers["Content-Disposition"]
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def by_date(orders, reverse=True):
    return [o.number for o in sorted(orders, key=lambda o: o.ordered_at, reverse=reverse)]


def test_orders_sorted_by_order_date_by_default(client, dated_orders):
    html = client.get("/orders/").get_data(as_text=True)
    assert listed_numbers(html) == by_date(dated_orders)
    html = client.get("/orders/?sort=ordered_at").get_data(as_text=True)
    assert listed_numbers(html) == by_date(dated_orders, reverse=False)
    html = client.get("/orders/?sort=-number").get_data(as_text=True)
    assert listed_numbers(html) == sorted((o.number for o in dated_orders), reverse=True)


@pytest.mark.parametrize("hub_db", BACKENDS, indirect=True)
def test_sorted_orders_page_by_keyset_without_gaps_or_repeats(client, dated_orders):
    seen, url = [], "/orders/?limit=4"
    while url:
        html = client.get(url).get_data(as_text=True)
        seen += listed_numbers(html)
        more = re.search(r'href="([^"]+)" rel="next"|rel="next" href="([^"]+)"', html)
        url = (more.group(1) or more.group(2)).replace("&amp;", "&") if more else None
    assert seen == by_date(dated_orders)


@pytest.mark.parametrize("hub_db", BACKENDS, indirect=True)
def test_orders_csv_is_exactly_the_filtered_list(client, dated_orders):
    query = "?status=to_ship&from=2026-03-02&to=2026-03-05&sort=ordered_at"
    listed = listed_numbers(client.get("/orders/" + query).get_data(as_text=True))
    rows = export_rows(client, "/orders/export.csv" + query)
    assert [r["number"] for r in rows] == listed
    expected = [
        o.number
        for o in sorted(dated_orders, key=lambda o: o.ordered_at)
        if o.status == "to_ship" and datetime(2026, 3, 2) <= o.ordered_at < datetime(2026, 3, 6)
    ]
    assert listed == expected and len(expected) == 2
    assert rows[0]["ordered_at"].endswith("Z") and rows[0]["total"] == "12.50"


def test_orders_csv_defuses_spreadsheet_formulas(client, dated_orders):
    rows = export_rows(client, "/orders/export.csv?q=500")
    assert [r["customer_email"] for r in rows] == ['\'=HYPERLINK("http://evil")']


def test_csv_export_streams_past_one_chunk(client, integration):
    """2,500 orders: three keyset chunks of 1,000, every row once, in order-date order."""
    from hub.models import Order

    start = datetime(2026, 1, 1)
    Order.insert_many(
        [
            {
                "integration": integration.id,
                "external_id": f"bulk{n}",
                "number": f"B{n:05d}",
                "ordered_at": start + timedelta(minutes=(n * 7919) % 2500),
                "status": "to_ship",
            }
            for n in range(2500)
        ]
    ).execute()
    rows = export_rows(client, "/orders/export.csv")
    assert len(rows) == 2500 and len({r["number"] for r in rows}) == 2500
    dates = [r["ordered_at"] for r in rows]
    assert dates == sorted(dates, reverse=True)


def test_runs_csv_equals_the_filtered_list(client, seeded, integration):
    from hub.models import FeedRun

    for _ in range(3):
        FeedRun.create(integration=integration, feed="import_products", status="failed")
    FeedRun.create(integration=integration, feed="import_products", status="succeeded")
    html = client.get("/runs/?feed=import_products&status=failed").get_data(as_text=True)
    listed = [int(i) for i in re.findall(r'href="/runs/(\d+)">', html)]
    rows = export_rows(client, "/runs/export.csv?feed=import_products&status=failed")
    assert [int(r["id"]) for r in rows] == listed and len(listed) == 3
    assert {(r["feed"], r["status"]) for r in rows} == {("import_products", "failed")}


def test_events_csv_equals_the_filtered_list(client, notices):
    html = client.get("/events/?code=bad_address&limit=500").get_data(as_text=True)
    listed = [int(i) for i in re.findall(r'name="ids" value="(\d+)"', html)]  # not the bell's
    rows = export_rows(client, "/events/export.csv?code=bad_address")
    assert [int(r["id"]) for r in rows] == listed
    assert sorted(listed) == sorted(e.id for e in notices["others"])
    rows = export_rows(client, "/events/export.csv?code=unknown_sku&sort=code")
    assert len(rows) == 113 and {r["code"] for r in rows} == {"unknown_sku"}


@pytest.fixture
def stocked(seeded):
    """Five products with stock in the default warehouse, SKUs not in creation order."""
    from hub.models import Product
    from hub.services import stock

    wh = seeded["warehouse"]
    for sku, qty in (("ZED-1", 4), ("ABC-1", 9), ("KAY-1", 1), ("BEE-1", 6), ("MUG-2", 3)):
        Product.get_or_none(Product.sku == sku) or Product.create(sku=sku, name=sku.lower())
        stock.adjust(sku, qty, warehouse=wh.id, reason="count")
    return seeded


def test_products_sorted_and_exported_as_listed(client, stocked):
    html = client.get("/products/?sort=sku").get_data(as_text=True)
    listed = re.findall(r'href="/products/\d+">([^<]+)</a>', html)
    assert listed == sorted(listed) and len(listed) == 6
    rows = export_rows(client, "/products/export.csv?sort=sku")
    assert [r["sku"] for r in rows] == listed
    mug = next(r for r in rows if r["sku"] == "MUG-1")
    assert (mug["on_hand"], mug["available"], mug["price"]) == ("10", "8", "9.50")


@pytest.mark.parametrize("hub_db", BACKENDS, indirect=True)
def test_stock_sorted_by_sku_by_default_and_by_on_hand(client, stocked):
    def listed(html):
        table = html[html.index('id="stock-levels"') :]
        return re.findall(r'href="/products/\d+">([^<]+)</a>', table)

    skus = listed(client.get("/inventory/").get_data(as_text=True))
    assert skus == ["ABC-1", "BEE-1", "KAY-1", "MUG-1", "MUG-2", "ZED-1"]
    by_stock = listed(client.get("/inventory/?sort=-on_hand").get_data(as_text=True))
    assert by_stock == ["MUG-1", "ABC-1", "BEE-1", "ZED-1", "MUG-2", "KAY-1"]
    rows = export_rows(client, "/inventory/export.csv?sort=-on_hand")
    assert [(r["sku"], r["on_hand"]) for r in rows] == [
        ("MUG-1", "10"),
        ("ABC-1", "9"),
        ("BEE-1", "6"),
        ("ZED-1", "4"),
        ("MUG-2", "3"),
        ("KAY-1", "1"),
    ]


def test_walk_sorted_on_a_joined_column_in_small_chunks(stocked):
    """The export's walk, two rows per query, sorted by the product's SKU (a joined table)."""
    from hub.models import Product
    from hub.services.queries import stock_levels, walk_sorted

    chunks = list(walk_sorted(stock_levels(), key=Product.sku, descending=True, chunk=2))
    assert [len(c) for c in chunks] == [2, 2, 2]
    skus = [level.product.sku for chunk in chunks for level in chunk]
    assert skus == ["ZED-1", "MUG-2", "MUG-1", "KAY-1", "BEE-1", "ABC-1"]


def test_purchase_orders_filtered_by_time_and_exported(client, seeded):
    from hub.models import PurchaseOrder

    old = PurchaseOrder.create(
        number="PO-0002", supplier=seeded["supplier"], created_at=datetime(2025, 1, 5)
    )
    html = client.get("/purchasing/?to=2025-12-31").get_data(as_text=True)
    table = html[html.index('id="purchase-orders"') :]
    assert re.findall(r'href="/purchasing/orders/\d+">([^<]+)</a>', table) == [old.number]
    rows = export_rows(client, "/purchasing/export.csv?sort=number")
    assert [r["number"] for r in rows] == ["PO-0001", "PO-0002"]
    assert rows[0]["supplier"] == "Acme" and rows[0]["quantity"] == "5"


def test_drift_flagged_on_the_overview_and_in_the_bell_until_applied(client, drift):
    run, integration = drift["run"], drift["run"].integration
    html = client.get("/").get_data(as_text=True)
    flag = re.search(rf'id="drift-{integration.id}" href="([^"]+)">([^<]+)<', html)
    assert flag and flag.group(1) == f"/runs/{run.id}#discrepancies"
    assert flag.group(2) == "stock check: 4 SKU(s) differ from the store"
    assert re.search(r'id="bell-drift"[^>]*>1<', html)
    assert f"{integration.name}: 4 SKU(s) differ from the store" in html

    client.post(f"/runs/{run.id}/discrepancies/apply", data={"all": "1"})
    html = client.get("/").get_data(as_text=True)
    assert f'id="drift-{integration.id}"' not in html and 'id="bell-drift"' not in html


def test_only_the_latest_stock_check_is_flagged(client, drift):
    """A newer check that found nothing clears the flag: the old differences are history."""
    from hub.models import FeedRun

    FeedRun.create(integration=drift["run"].integration, feed="stock_check", status="succeeded")
    html = client.get("/").get_data(as_text=True)
    assert "differ from the store" not in html


def test_time_range_filters_take_times_in_the_users_time_zone(client, user, dated_orders):
    """The orders are placed at 12:00 UTC, 21:00 in Tokyo: a Tokyo user's "from 21:00" takes
    the order of that evening, "from 21:01" does not; "to" takes its whole minute; a bare day
    is that day in Tokyo, and the CSV export reads the same bounds."""
    from hub.models import User

    User.update(timezone="Asia/Tokyo").where(User.id == user.id).execute()

    def numbers(query):
        listed = listed_numbers(client.get("/orders/?sort=ordered_at&" + query).get_data(True))
        rows = export_rows(client, "/orders/export.csv?sort=ordered_at&" + query)
        assert [r["number"] for r in rows] == listed
        return listed

    def placed(*days):
        return [
            o.number
            for o in sorted(dated_orders, key=lambda o: o.ordered_at)
            if o.ordered_at.day in days
        ]

    assert numbers("from=2026-03-02T21:00&to=2026-03-03T21:00") == placed(2, 3)
    assert numbers("from=2026-03-02T21:01&to=2026-03-03T20:59") == []
    # Tokyo's 2 March is 15:00 UTC on the 1st to 15:00 UTC on the 2nd: the 2nd's order is in
    assert numbers("from=2026-03-02&to=2026-03-02") == placed(2)
    html = client.get("/orders/?from=2026-03-02&to=2026-03-04").get_data(as_text=True)
    assert 'name="from" value="2026-03-02T00:00"' in html
    assert 'name="to" value="2026-03-04T23:59"' in html
    assert client.get("/orders/?from=2026-03-02T25:00").status_code == 400
