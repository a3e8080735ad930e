"""hub.testing's emulator kit: faults, aliases, error rate, request log, credentials, paging,
the control API and the live client, over real HTTP; and serve_app's stop (how fast: plugins'
test times in the closing note, not a timed test)."""

import base64
import importlib
import json
import re
import signal
import subprocess
import sys
import threading

import pytest
import requests
from flask import Blueprint, Flask, Response, jsonify

from hub.testing import LiveEmulators, serve_app
from hub.testing.control import ControlAPI, ControlError
from hub.testing.credentials import CredentialGuard, Presented, presented, same_secret
from hub.testing.emulator import EmulatorKit, Fault
from hub.testing.locks import ReadWriteLock
from hub.testing.paging import by_cursor, by_number, by_offset, decode_cursor, encode_cursor


def store_error(fault: Fault) -> Response:
    status = fault.status or {"auth": 401, "429": 429}.get(fault.fault, 503)
    return Response(json.dumps({"errors": [{"code": status}]}), status=status)


def make_app(**kit_options):
    app = Flask("kit_test")
    kit = EmulatorKit(api_prefix="/api", render_error=store_error, **kit_options)
    kit.init_app(app)

    @app.get("/api/items")
    def items():
        return jsonify({"items": [{"id": n, "name": f"item {n}"} for n in range(20)]})

    @app.get("/health")
    def health():
        return "ok"

    return app, kit


@pytest.fixture
def store():
    app, kit = make_app(aliases={"500": {"fault": "5xx", "status": 500}, "throttle": _throttle})
    with serve_app(app) as server:
        server.kit = kit
        yield server


def _throttle(spec):
    return {**spec, "fault": "429", "retry_after": spec.get("delay")}


def fault(store, **spec):
    return requests.post(f"{store.url}/_emulator/faults", json=spec, timeout=5)


def get(store, path="/api/items", **kwargs):
    return requests.get(store.url + path, timeout=kwargs.pop("timeout", 5), **kwargs)


def test_standard_faults_are_served_in_order_then_normal_service(store):
    for spec in ({"fault": "5xx"}, {"fault": "auth"}, {"fault": "429", "retry_after": 7}):
        assert fault(store, **spec).status_code == 200
    first, second, third = get(store), get(store), get(store)
    assert (first.status_code, first.json()) == (503, {"errors": [{"code": 503}]})
    assert second.status_code == 401
    assert third.status_code == 429 and third.headers["Retry-After"] == "7"
    assert get(store).json()["items"][0]["id"] == 0
    assert store.kit.pending() == 0


def test_malformed_cuts_the_body_and_only_api_paths_meet_faults(store):
    fault(store, fault="malformed", count=2)
    assert get(store, "/health").text == "ok"  # not under /api: no fault spent
    bad = get(store)
    assert bad.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(bad.text)
    assert get(store).text == bad.text  # the second use: the same half of the same body
    whole = get(store).text  # both uses spent
    assert json.loads(whole)["items"] and bad.text == whole[: len(whole) // 2]


def test_slow_is_a_read_timeout_for_the_client(store):
    fault(store, fault="slow", delay=0.6)
    with pytest.raises(requests.exceptions.ReadTimeout):
        get(store, timeout=0.2)
    assert get(store).status_code == 200


def test_path_filter_and_aliases(store):
    fault(store, fault="500", path="/other")
    assert get(store).status_code == 200
    assert store.kit.pending() == 1
    fault(store, fault="throttle", delay=3)
    throttled = get(store)  # the alias's fault comes after the one waiting for /other
    assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "3"
    store.kit.clear_faults()
    fault(store, fault="500")
    assert get(store).status_code == 500


def test_unknown_names_and_bad_values_are_refused_with_the_names_accepted(store):
    refused = fault(store, fault="teapot")
    assert refused.status_code == 400
    assert "5xx|slow|malformed|auth|429|body|500|throttle" in refused.json()["error"]
    assert fault(store, fault="5xx", rate=1.5).status_code == 400
    assert fault(store, fault="5xx", count="many").status_code == 400
    bad_body = requests.post(f"{store.url}/_emulator/faults", data="{", timeout=5)
    assert bad_body.status_code == 400
    assert store.kit.pending() == 0


def test_an_error_rate_fails_about_that_share_of_requests_until_count_is_spent(store):
    fault(store, fault="5xx", rate=0.3, count=1000)
    statuses = [get(store).status_code for _ in range(200)]
    failed = statuses.count(503)
    assert 30 <= failed <= 90, failed  # 60 expected; the generator is seeded
    assert set(statuses) == {200, 503}
    assert store.kit.pending() == 1000 - failed


def test_the_request_log_records_api_requests_with_the_fault_served(store):
    fault(store, fault="500", path="/api/items?page=2")
    get(store, "/api/items?page=1")
    get(store, "/api/items?page=2")
    get(store, "/health")
    log = requests.get(f"{store.url}/_emulator/requests", timeout=5).json()
    assert log == [
        {"method": "GET", "path": "/api/items?page=1", "status": 200, "fault": None},
        {"method": "GET", "path": "/api/items?page=2", "status": 500, "fault": "500"},
    ]
    pending = requests.get(f"{store.url}/_emulator/faults", timeout=5).json()
    assert pending == []
    requests.delete(f"{store.url}/_emulator/requests", timeout=5)
    assert requests.get(f"{store.url}/_emulator/requests", timeout=5).json() == []
    assert store.kit.requests == 2


def test_serve_app_stops_serving():
    app, _ = make_app()
    with serve_app(app) as server:
        assert get(server).status_code == 200
    assert not server.thread.is_alive()
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(server.url + "/health", timeout=1)


def test_a_body_fault_answers_json_of_the_wrong_shape_and_a_429_may_lack_retry_after(store):
    fault(store, fault="body", body={"items": "none"})
    fault(store, fault="429", retry_after=None)
    wrong = get(store)
    assert (wrong.status_code, wrong.json()) == (200, {"items": "none"})
    bare = get(store)
    assert bare.status_code == 429 and "Retry-After" not in bare.headers


# -- credentials, paging, the control API, the live client (hub.testing's emulator kit) -----

TOKEN = "kit-token"


def guarded_app():
    """An API taking a Bearer token, an ``X-Key`` header or a ``key`` query parameter, and a
    public ``/api/public`` path; refusals in the store's own shape."""
    app = Flask("kit_credentials")
    kit = EmulatorKit(api_prefix="/api", render_error=store_error)
    kit.init_app(app)
    api = Blueprint("api", __name__, url_prefix="/api")
    seen = []

    def accept(given):
        seen.append(given)
        return given.scheme != "basic" and same_secret(given.secret, TOKEN)

    CredentialGuard(
        accept,
        lambda given: (jsonify({"errors": f"refused {given.scheme}"}), 401),
        header="X-Key",
        query="key",
        exempt=("/api/public",),
    ).protect(api)

    @api.get("/items")
    def items():
        return jsonify({"items": [1, 2]})

    @api.get("/public")
    def public():
        return jsonify({"public": True})

    app.register_blueprint(api)
    return app, seen


@pytest.mark.parametrize(
    ("how", "kwargs", "status", "scheme"),
    [
        ("bearer", {"headers": {"Authorization": f"Bearer {TOKEN}"}}, 200, "bearer"),
        ("header", {"headers": {"X-Key": TOKEN}}, 200, "header"),
        ("query", {"params": {"key": TOKEN}}, 200, "query"),
        ("basic", {"auth": (TOKEN, "")}, 401, "basic"),
        ("wrong-bearer", {"headers": {"Authorization": "Bearer nope"}}, 401, "bearer"),
        ("nothing", {}, 401, "none"),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_the_credential_guard_reads_each_place_a_key_may_be_and_refuses_in_the_stores_shape(
    how, kwargs, status, scheme
):
    app, seen = guarded_app()
    with serve_app(app) as server:
        response = requests.get(f"{server.url}/api/items", timeout=5, **kwargs)
    assert response.status_code == status
    assert seen[-1].scheme == scheme
    if status == 401:
        assert response.json() == {"errors": f"refused {scheme}"}


def test_the_guard_spares_exempt_paths_the_control_endpoints_and_comes_after_faults():
    app, seen = guarded_app()
    with serve_app(app) as server:
        assert requests.get(f"{server.url}/api/public", timeout=5).json() == {"public": True}
        # the control endpoints need no store credentials, and a fault is served first
        assert fault(server, fault="5xx").status_code == 200
        assert get(server).status_code == 503
        assert get(server).status_code == 401
    assert [given.scheme for given in seen] == ["none"]


def test_presented_reads_basic_user_and_password():
    app = Flask("kit_presented")
    with app.test_request_context(
        "/", headers={"Authorization": "Basic " + base64.b64encode(b"ck_1:cs_2").decode()}
    ):
        assert presented() == Presented("basic", secret="cs_2", user="ck_1")
    assert not same_secret(None, TOKEN)


ROWS = [{"id": n, "updated": f"2026-01-{1 + n // 3:02d}"} for n in range(10)]


@pytest.mark.parametrize(
    ("number", "size", "past_end", "ids", "pages", "has_more"),
    [
        (1, 4, "empty", [0, 1, 2, 3], 3, True),
        (3, 4, "empty", [8, 9], 3, False),
        (4, 4, "empty", [], 3, False),
        (4, 4, "last", [8, 9], 3, False),
        (2, None, "empty", list(range(10)), 1, False),
    ],
    ids=["first", "last", "past-end-empty", "past-end-last-again", "unpaged"],
)
def test_paging_by_number(number, size, past_end, ids, pages, has_more):
    page = by_number(ROWS, number, size, past_end=past_end)
    assert [row["id"] for row in page.items] == ids
    assert (page.total, page.pages, page.has_more) == (10, pages, has_more)


def test_paging_by_offset_counts_every_row_and_the_page_the_offset_falls_in():
    page = by_offset(ROWS, offset=6, limit=3)
    assert [row["id"] for row in page.items] == [6, 7, 8]
    assert (page.total, page.number, page.has_more) == (10, 3, True)
    assert [row["id"] for row in by_offset(ROWS, 8).items] == [8, 9]
    assert by_offset([], 0, 5).pages == 0


@pytest.mark.parametrize("reverse", [False, True], ids=["ascending", "descending"])
def test_paging_by_cursor_walks_every_row_once_forward_and_back(reverse):
    def key(row):
        return (row["updated"], row["id"])

    seen, after = [], None
    while True:
        page = by_cursor(ROWS, key, first=4, after=after, reverse=reverse)
        seen += [row["id"] for row in page.items]
        if not page.has_next:
            break
        after = page.end_cursor
    expected = [row["id"] for row in sorted(ROWS, key=key, reverse=reverse)]
    assert seen == expected
    back = by_cursor(ROWS, key, last=2, before=page.start_cursor, reverse=reverse)
    assert [row["id"] for row in back.items] == expected[6:8]
    assert back.has_previous and back.has_next
    with pytest.raises(ValueError, match="not a cursor"):
        by_cursor(ROWS, key, first=1, after="%%%")
    assert decode_cursor(encode_cursor(("a", 1))) == ("a", 1)


def control_app():
    """A store of SKU -> quantity and orders behind the standard control API."""
    store = {"stock": {"A-1": 5}, "orders": {}}

    def set_stock(sku, body):
        if sku not in store["stock"]:
            return None
        if not isinstance(body.get("quantity"), int):
            raise ControlError(400, "quantity must be an integer")
        store["stock"][sku] = body["quantity"]
        return {"sku": sku, "quantity": body["quantity"]}

    def add_order(body):
        ref = str(len(store["orders"]) + 1)
        store["orders"][ref] = {"id": ref, "lines": body.get("lines", []), "paid": False}
        return store["orders"][ref]

    def change_order(ref, body):
        order = store["orders"].get(ref)
        if order is not None:
            order.update({k: v for k, v in body.items() if k == "paid"})
        return order

    app = Flask("kit_control")
    EmulatorKit(api_prefix="/api").init_app(app)
    control = ControlAPI(
        state=lambda: {"skus": len(store["stock"]), "orders": len(store["orders"])},
        reset=lambda: store["orders"].clear(),
        stock=lambda sku: (
            {"sku": sku, "quantity": store["stock"][sku]} if sku in store["stock"] else None
        ),
        set_stock=set_stock,
        add_order=add_order,
        order=store["orders"].get,
        change_order=change_order,
    )

    @control.blueprint.post("/switch")  # an emulator's own control route beside the standard
    def switch():
        return jsonify({"switched": True})

    control.init_app(app)
    return app


def test_the_control_api_changes_stock_and_orders_through_the_emulators_store():
    with LiveEmulators(lambda: control_app()) as emulators:
        live = emulators.start()
        assert live.state() == {"skus": 1, "orders": 0}
        assert live.control("POST", "stock/A-1", json={"quantity": 9}) == {
            "sku": "A-1",
            "quantity": 9,
        }
        assert live.control("GET", "stock/A-1")["quantity"] == 9
        made = live.control("POST", "orders", json={"lines": [{"sku": "A-1", "qty": 1}]})
        assert live.control("POST", f"orders/{made['id']}", json={"paid": True})["paid"] is True
        assert live.control("GET", f"orders/{made['id']}")["paid"] is True
        assert live.control("POST", "switch") == {"switched": True}
        missing = requests.post(f"{live.url}/_emulator/stock/NOPE", json={"quantity": 1}, timeout=5)
        assert (missing.status_code, missing.json()) == (404, {"error": "no such stock row: NOPE"})
        refused = requests.post(
            f"{live.url}/_emulator/stock/A-1", json={"quantity": "x"}, timeout=5
        )
        assert (refused.status_code, refused.json()) == (
            400,
            {"error": "quantity must be an integer"},
        )
        not_mounted = requests.post(f"{live.url}/_emulator/products", json={}, timeout=5)
        assert not_mounted.status_code == 404
        assert live.reset() == {"ok": True}
        assert live.state() == {"skus": 1, "orders": 0}


def test_live_emulators_serve_https_with_a_certificate_the_client_trusts(tmp_path):
    app, _ = make_app()
    with LiveEmulators(lambda: app, tmp_path) as emulators:
        plain, secure = emulators.start(), emulators.start(https=True)
        assert plain.url.startswith("http://") and secure.url.startswith("https://")
        assert secure.verify != plain.verify
        secure.fault("5xx")
        assert requests.get(f"{secure.url}/api/items", verify=secure.verify, timeout=5).ok is False
        assert [entry["fault"] for entry in secure.requests()] == ["5xx"]
        with pytest.raises(requests.exceptions.SSLError):
            requests.get(f"{secure.url}/api/items", timeout=5)
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(f"{plain.url}/api/items", timeout=5)


# -- the bundled emulators on the kit ------------------------------------------------------


def _shopify_sku(emu):
    return next(
        v.sku for v in emu.shop.variants.values() if v.sku and v.num in emu.shop.locations[0].levels
    )


def _woocommerce_sku(emu):
    store = emu.store
    return next(sku for sku, pid in store.by_sku.items() if store.stock_holder(store.products[pid]))


def _prestashop_sku(emu):
    return next(r["reference"] for r in emu.store["products"].rows.values() if r.get("reference"))


def _magento_sku(emu):
    return next(sku for sku, _source in emu.store.source_items)


# (create_app's module, the emulator object of an app, a SKU it stocks, the quantity a stock
# answer shows: None when the emulator has no stock setter)
BUNDLED = {
    "shopify": (
        "connect_shopify_emulator",
        lambda app: app.config["EMULATOR"],
        _shopify_sku,
        lambda answer: next(iter(answer.values()))["available"],
    ),
    "magento": (
        "connect_magento_emulator",
        lambda app: app.extensions["magento_emulator"],
        _magento_sku,
        None,
    ),
    "prestashop": (
        "connect_prestashop_emulator",
        lambda app: app.config["EMULATOR"],
        _prestashop_sku,
        lambda answer: answer["quantity"],
    ),
    "woocommerce": (
        "connect_woocommerce_emulator",
        lambda app: app.config["EMULATOR"],
        _woocommerce_sku,
        lambda answer: answer["stock_quantity"],
    ),
}


@pytest.mark.parametrize("name", sorted(BUNDLED))
def test_each_bundled_emulator_answers_the_standard_control_endpoints(name):
    module, emulator_of, sku_of, quantity_of = BUNDLED[name]
    create_app = importlib.import_module(module).create_app
    with LiveEmulators(create_app, products=6, orders=3, seed=1) as emulators:
        live = emulators.start()
        assert isinstance(live.state(), dict)
        sku = sku_of(emulator_of(live.app))
        assert live.control("GET", f"stock/{sku}")
        missing = requests.get(f"{live.url}/_emulator/stock/NO-SUCH-SKU", timeout=5)
        assert (missing.status_code, missing.json()) == (
            404,
            {"error": "no such stock row: NO-SUCH-SKU"},
        )
        no_order = requests.post(f"{live.url}/_emulator/orders/999999", json={}, timeout=5)
        assert no_order.status_code == 404
        if quantity_of is not None:
            answer = live.control("POST", f"stock/{sku}", json={"quantity": 7})
            assert quantity_of(answer) == 7
            assert quantity_of(live.control("GET", f"stock/{sku}")) == 7
            refused = requests.post(
                f"{live.url}/_emulator/stock/{sku}", json={"quantity": "many"}, timeout=5
            )
            assert refused.status_code == 400
        assert live.reset() == {"ok": True}


@pytest.mark.parametrize("name", sorted(BUNDLED))
def test_each_bundled_emulator_serves_from_the_command_line_and_is_a_demo_store(name):
    """``python -m connect_x_emulator`` (hub.testing.standalone.emulator_main): a free port
    with ``--port 0``, the banner names the URL, Ctrl-C ends it cleanly; its DEMO_STORE
    starts that module."""
    module = BUNDLED[name][0]
    demo = importlib.import_module(f"{module}.demo").DEMO_STORE
    assert (demo["connector"], demo["module"]) == (name, module)
    command = [sys.executable, "-m", module, "--port", "0", "--products", "4", "--orders", "2"]
    with subprocess.Popen(
        [*command, "--seed", "2", "--quiet"], stdout=subprocess.PIPE, text=True
    ) as process:
        try:
            banner = process.stdout.readline()
            url = re.search(r"http://127\.0\.0\.1:\d+", banner).group(0)
            assert requests.get(f"{url}/_emulator/state", timeout=10).status_code == 200
        finally:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=30)
    assert process.returncode == 0


# -- the read/write lock (PrestaShop's store) ------------------------------------------------


def test_readers_share_the_lock_and_a_writer_waits_for_them_and_holds_back_new_readers():
    lock = ReadWriteLock()
    order = []
    writer_waiting = threading.Event()

    def write():
        writer_waiting.set()
        with lock.writing():
            order.append("write")

    def late_read():
        with lock.reading():
            order.append("late read")

    with lock.reading(), lock.reading():  # two readers at once: no deadlock
        writer = threading.Thread(target=write)
        writer.start()
        writer_waiting.wait(10)
        while not lock._writers_waiting:  # the writer is queued behind the readers
            threading.Event().wait(0.01)
        reader = threading.Thread(target=late_read)
        reader.start()
        reader.join(0.2)
        assert order == [] and writer.is_alive() and reader.is_alive()
    writer.join(10)
    reader.join(10)
    assert order == ["write", "late read"]


def test_the_prestashop_emulator_answers_reads_while_another_read_holds_its_store():
    """Reads take the store's lock shared (a steady-state benchmark of concurrent reads
    measured the emulator's one lock before); a write still waits for them."""
    from connect_prestashop_emulator import DEMO_KEY, create_app

    with LiveEmulators(create_app, products=4, orders=2, seed=1) as emulators:
        live = emulators.start()
        store = live.app.config["EMULATOR"].store
        url = f"{live.url}/api/products?output_format=JSON"
        written = []

        def write():
            written.append(requests.post(f"{live.url}/_emulator/stock/NOPE", json={}, timeout=30))

        with store.lock.reading():  # a read in progress
            assert requests.get(url, auth=(DEMO_KEY, ""), timeout=10).status_code == 200
            writer = threading.Thread(target=write)
            writer.start()
            writer.join(0.3)
            assert writer.is_alive() and not written  # the control API's write waits
        writer.join(30)
        assert written[0].status_code == 404
