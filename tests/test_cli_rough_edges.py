"""CLI rough edges (issue 17 §4): the schema message names the database it looked at, and
`hub ship` says when no worker will send its confirmation, or sends it with --inline."""

import json
from urllib.parse import quote

from support import hub_cli

from hub.models import Integration, Order, Shipment, utcnow


def test_the_schema_message_names_the_database_and_the_instance_dir(hub_db, tmp_path):
    wrong = tmp_path / "elsewhere"
    env = {"HUB_INSTANCE_DIR": str(wrong), "HUB_DATABASE_URL": ""}
    refused = hub_cli("integrations", "list", env=env)
    assert refused.returncode == 2
    message = refused.stderr.strip()
    assert f"database sqlite:///{wrong / 'hub.db'} (the default; instance dir {wrong})" in message
    assert "is not up to date: it is empty (no migration applied)" in message
    assert "set HUB_INSTANCE_DIR (or HUB_DATABASE_URL) to it" in message
    assert "run `hub db upgrade`" in message
    upgraded = hub_cli("db", "upgrade", env=env, check=True).stdout
    assert upgraded.startswith(f"database sqlite:///{wrong / 'hub.db'}: applied 0001")


def test_the_schema_message_masks_the_database_password(pg_url):
    # PostgreSQL here trusts local connections: the password is not checked, only shown
    url = pg_url.replace("postgresql://postgres@", "postgresql://postgres:s3cret-pw@")
    refused = hub_cli("feeds", "list", "x", env={"HUB_DATABASE_URL": url})
    assert refused.returncode == 2
    assert "s3cret-pw" not in refused.stderr
    assert "database postgresql://postgres:***@127.0.0.1:5432/test?options=" in refused.stderr
    assert "(HUB_DATABASE_URL; instance dir " in refused.stderr
    with_query = url.split("?")[0] + "?password=" + quote("qu3ry-pw") + "&" + url.split("?")[1]
    refused = hub_cli("feeds", "list", "x", env={"HUB_DATABASE_URL": with_query})
    assert "qu3ry-pw" not in refused.stderr and "password=***" in refused.stderr


def _order_to_ship(integration, store):
    from support import run

    store.add_product(1, "A", "Apple", stock=5)
    store.add_order(10, "#1001", [{"product": "1", "sku": "A", "qty": 1}])
    assert run(integration, "import_new_products").status == "succeeded"
    assert run(integration, "import_new_orders").status == "succeeded"
    from hub.services import stock

    stock.adjust("A", 5, reason="count")
    Integration.update(mode="production").execute()
    return Order.get(Order.number == "#1001")


def test_ship_without_a_worker_says_so_and_ships_inline_when_asked(integration, store):
    order = _order_to_ship(integration, store)
    queued = hub_cli("ship", "#1001", "--tracking", "1Z-A", "--line", "A=1", "--json")
    assert queued.returncode == 0, queued.stderr
    assert json.loads(queued.stdout)["confirmation_status"] == "pending"
    assert "warning: no worker has been seen for 2 minutes" in queued.stderr
    assert "hub feeds run 'Test shop' shipping_confirmation --inline" in queued.stderr
    assert store.shipments == []  # nothing sent: it waits for a worker

    Shipment.delete().execute()  # start again, this time sent from here
    from hub.models import OrderLine

    OrderLine.update(shipped_quantity=0).where(OrderLine.order == order.id).execute()
    Order.update(status="to_ship").where(Order.id == order.id).execute()
    sent = hub_cli("ship", "#1001", "--tracking", "1Z-B", "--inline")
    assert sent.returncode == 0, sent.stderr
    assert "confirmation to the store: confirmed" in sent.stdout and "warning" not in sent.stderr
    assert [s["tracking"] for s in store.shipments] == ["1Z-B"]
    assert Shipment.get().confirmation_status == "confirmed"


def test_ship_with_a_worker_running_does_not_warn(integration, store):
    from hub.models import WorkerHeartbeat

    _order_to_ship(integration, store)
    WorkerHeartbeat.create(worker_id="h:1:x", hostname="h", pid=1, seen_at=utcnow())
    queued = hub_cli("ship", "#1001", "--tracking", "1Z-C")
    assert queued.returncode == 0 and queued.stderr == ""
    assert "confirmation to the store: pending" in queued.stdout
