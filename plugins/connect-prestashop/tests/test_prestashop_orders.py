"""Orders: new orders whatever their state, flags from the state and the PS_OS_* configuration,
lines, carrier, addresses; order updates by date_upd; one order re-checked."""

from connect_prestashop import feeds

from hub.outcomes import Invalid


def _config(live, key):
    return int(live.store.config(key))


def test_every_new_order_is_fetched_whatever_its_state(store, ctx, records_of):
    store.control("POST", "orders", json={"state": "PS_OS_CANCELED"})
    store.control("POST", "orders", json={"state": "PS_OS_BANKWIRE"})
    records, outcomes = records_of("order", feeds.hub_fetch_new_orders(ctx, None))
    assert outcomes == []
    assert [r["external_id"] for r in records] == [str(i) for i in store.store["orders"].rows]
    states = {r["store_status"] for r in records}
    assert str(_config(store, "PS_OS_CANCELED")) in states  # the core decides, not us
    assert str(_config(store, "PS_OS_BANKWIRE")) in states


def test_new_orders_since_the_last_id(store, ctx, records_of):
    records = records_of("order", feeds.hub_fetch_new_orders(ctx, "0000000015"))[0]
    assert [r["external_id"] for r in records] == [str(i) for i in range(16, 21)]
    created = store.control("POST", "orders", json={"state": "PS_OS_BANKWIRE"})
    newer = records_of("order", feeds.hub_fetch_new_orders(ctx, records[-1]["cursor"]))[0]
    assert [r["external_id"] for r in newer] == [str(created["id"])]
    assert newer[0]["paid"] is False


def test_order_fields(store, ctx, records_of):
    s = store.store
    raw = s["orders"].rows[1]
    record = records_of("order", feeds.hub_fetch_new_orders(ctx, None))[0][0]
    assert record["number"] == raw["reference"]
    rows = raw["associations"]["order_rows"]
    assert [(line["sku"], line["quantity"]) for line in record["lines"]] == [
        (r["product_reference"], int(r["product_quantity"])) for r in rows
    ]
    line, row = record["lines"][0], rows[0]
    expected_ext = (
        row["product_id"]
        if row["product_attribute_id"] == "0"
        else f"{row['product_id']}-{row['product_attribute_id']}"
    )
    assert line["product_external_id"] == expected_ext
    carrier = s["carriers"].rows[int(raw["id_carrier"])]
    assert record["shipping_method"] == {"code": raw["id_carrier"], "title": carrier["name"]}
    address = s["addresses"].rows[int(raw["id_address_delivery"])]
    country = s["countries"].rows[int(address["id_country"])]
    assert record["shipping_address"]["country_code"] == country["iso_code"]
    assert record["shipping_address"]["city"] == address["city"]
    customer = s["customers"].rows[int(raw["id_customer"])]
    assert record["customer_email"] == customer["email"]
    assert record["currency"] == ("EUR" if raw["id_currency"] == "1" else "USD")
    assert record["created_at"].endswith("Z") and record["total"]


def test_flags_come_from_the_state_and_the_configured_state_ids(emulator, make_ctx, records_of):
    live = emulator(orders=30, state_ids_offset=20)  # nothing hard-coded: ids start at 21
    ctx = make_ctx(live)
    records = records_of("order", feeds.hub_fetch_new_orders(ctx, None))[0]
    by_state = {}
    for r in records:
        by_state.setdefault(int(r["store_status"]), r)
    cancelled, refunded = _config(live, "PS_OS_CANCELED"), _config(live, "PS_OS_REFUND")
    error = _config(live, "PS_OS_ERROR")  # off as well: PrestaShop gives its stock back
    assert cancelled == 26 and error == 28
    for state_id, r in by_state.items():
        state = live.store["order_states"].rows[state_id]
        assert r["paid"] is (state["paid"] == "1")
        assert r["fulfilled"] is (state["shipped"] == "1")
        assert r["cancelled"] is (state_id in (cancelled, error))
        assert r["refunded"] is (state_id == refunded)
    backorder = _config(live, "PS_OS_OUTOFSTOCK_PAID")  # paid although not logable/valid
    order_id = int(records[0]["external_id"])
    live.control("POST", f"orders/{order_id}", json={"state": backorder})
    assert feeds.hub_fetch_order(ctx, str(order_id))["paid"] is True


def test_order_updates_follow_date_upd(store, ctx, records_of):
    everything = records_of("order_status", feeds.hub_fetch_order_updates(ctx, None))[0]
    assert len(everything) == 20
    cursors = [r["cursor"] for r in everything]
    assert cursors == sorted(cursors)
    since = everything[-1]["cursor"]
    assert records_of("order_status", feeds.hub_fetch_order_updates(ctx, since))[0] == []
    store.control("POST", "orders/3", json={"cancelled": True})
    changed = records_of("order_status", feeds.hub_fetch_order_updates(ctx, since))[0]
    assert [(r["external_id"], r["cancelled"]) for r in changed] == [("3", True)]


def test_order_updates_since_an_iso_time(store, ctx, records_of):
    store.control("POST", "orders/5", json={"paid": True})
    changed = records_of(
        "order_status", feeds.hub_fetch_order_updates(ctx, "2026-01-01T00:00:00Z")
    )[0]
    assert [r["external_id"] for r in changed] == ["5"] and changed[0]["paid"]


def test_a_held_order_is_rechecked(store, ctx):
    unpaid = store.control("POST", "orders", json={"state": "PS_OS_BANKWIRE"})
    assert feeds.hub_fetch_order(ctx, str(unpaid["id"]))["paid"] is False
    store.control("POST", f"orders/{unpaid['id']}", json={"paid": True})
    record = feeds.hub_fetch_order(ctx, str(unpaid["id"]))
    assert record["paid"] is True and record["lines"]
    assert feeds.hub_fetch_order(ctx, "424242") is None
    assert feeds.hub_fetch_order(ctx, "not-an-id") is None


def test_an_order_without_rows_is_invalid_and_the_stream_goes_on(store, ctx, records_of):
    bad = store.control("POST", "orders", json={"rows": []})
    good = store.control("POST", "orders", json={})
    records, outcomes = records_of("order", feeds.hub_fetch_new_orders(ctx, "0000000020"))
    assert [o.external_id for o in outcomes] == [str(bad["id"])]
    assert isinstance(outcomes[0], Invalid) and "lines" in outcomes[0].errors
    assert [r["external_id"] for r in records] == [str(good["id"])]


def test_the_first_run_starts_at_orders_since(store, ctx, records_of):
    # on the first run the core hands the integration's orders_since as an ISO UTC time
    assert records_of("order", feeds.hub_fetch_new_orders(ctx, "2026-01-01T00:00:00Z"))[0] == []
    created = store.control("POST", "orders", json={"state": "PS_OS_PAYMENT"})
    records = records_of("order", feeds.hub_fetch_new_orders(ctx, "2026-01-01T00:00:00Z"))[0]
    assert [r["external_id"] for r in records] == [str(created["id"])]
    assert records[0]["cursor"] == f"{created['id']:010d}"


def _open_since(records, since):
    return [
        r
        for r in records
        if r["created_at"] >= since and not (r["cancelled"] or r["refunded"] or r["fulfilled"])
    ]


def test_open_orders_counted_since_a_date(store, ctx, records_of):
    """One list of ids in the open states since the date: orders before it and cancelled,
    refunded or shipped ones are not counted; a cancellation takes one off."""
    store.control("POST", "orders", json={"state": "PS_OS_CANCELED"})
    store.control("POST", "orders", json={"state": "PS_OS_SHIPPING"})
    store.control("POST", "orders", json={"state": "PS_OS_BANKWIRE"})
    records, _ = records_of("order", feeds.hub_fetch_new_orders(ctx, None))
    records.sort(key=lambda r: (r["created_at"], r["cursor"]))
    since = records[len(records) // 3]["created_at"]
    expected = _open_since(records, since)
    later = [r for r in records if r["created_at"] >= since]
    assert 0 < len(expected) < len(later) < len(records)
    assert feeds.hub_count_open_orders(ctx, since) == len(expected)
    store.control("POST", f"orders/{expected[0]['external_id']}", json={"state": "PS_OS_CANCELED"})
    assert feeds.hub_count_open_orders(ctx, since) == len(expected) - 1
