"""import_new_products / update_products / images through the testshop connector over HTTP."""

import pytest
from conftest import BACKENDS
from support import run

from hub.models import Binding, Checkpoint, Event, Product, ProductImage

# every engine scenario runs on SQLite and, where it is available (always in CI), on PostgreSQL
pytestmark = pytest.mark.parametrize("hub_db", BACKENDS, indirect=True)


def seed(store, n=3):
    for i in range(1, n + 1):
        store.add_product(
            i,
            f"SKU-{i}",
            f"Product {i}",
            weight="0.25",
            price="9.90",
            barcode=f"400000000000{i}",
            parent="P1" if i < 3 else None,
        )


def test_import_new_products_creates_and_is_idempotent(integration, store):
    seed(store)
    first = run(integration, "import_new_products")
    assert first.status == "succeeded", first.message
    assert (first.created, first.updated, first.failed) == (3, 0, 0)
    p = Product.get(Product.sku == "SKU-2")
    assert p.name == "Product 2" and float(p.weight_kg) == 0.25 and p.barcode.endswith("2")
    assert p.parent.name == "P1"
    assert Binding.select().where(Binding.kind == "product").count() == 3
    checkpoint = Checkpoint.get(Checkpoint.feed == "import_new_products").value
    assert checkpoint == store.products["3"]["updated"]
    # same data again: nothing created, nothing duplicated
    again = run(integration, "update_products")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert Product.select().count() == 3


def test_update_changes_fields_and_flags_missing(integration, store):
    seed(store)
    run(integration, "update_products")
    store.products["1"]["name"] = "Renamed"
    store.products["1"]["updated"] = store.tick()
    del store.products["3"]
    result = run(integration, "update_products")
    assert (result.updated, result.unchanged) == (1, 1)
    assert Product.get(Product.sku == "SKU-1").name == "Renamed"
    gone = Product.get(Product.sku == "SKU-3")
    assert gone.status == "missing"  # flagged, never deleted
    assert Event.select().where(Event.code == "products_missing").exists()


def test_match_by_sku_links_existing_product(integration, store):
    Product.create(sku="SKU-1", name="Created by another store")
    seed(store, 1)
    result = run(integration, "import_new_products")
    assert result.created == 0 and result.updated == 1
    assert Product.select().count() == 1
    assert Binding.get(Binding.external_id == "1").hub_id == Product.get(Product.sku == "SKU-1").id


def test_invalid_record_is_an_error_event_and_the_run_goes_on(integration, store):
    seed(store, 2)
    store.add_product(9, "", "No sku")  # the connector yields Invalid
    store.add_product(10, "SKU-10", "Bad weight", weight="heavy")  # fails validation
    result = run(integration, "import_new_products")
    assert result.status == "succeeded_with_errors"
    assert (result.created, result.failed) == (2, 2)
    weight = Event.get(Event.reference == "SKU-10")
    assert weight.severity == "error" and "weight_kg" in weight.message
    assert Event.get(Event.code == "invalid_record", Event.reference == "product 9")
    # seen again: one event, counted twice (the bell does not grow)
    # (the checkpoint overlap re-reads it once more, then it is updated in the store)
    run(integration, "import_new_products")
    store.products["10"]["updated"] = store.tick()
    run(integration, "import_new_products")
    assert Event.select().where(Event.reference == "SKU-10").count() == 1
    assert Event.get(Event.reference == "SKU-10").count == 3
    # fixed in the store: the next import resolves it
    store.products["10"]["weight"] = "1.5"
    store.products["10"]["updated"] = store.tick()
    run(integration, "import_new_products")
    assert Event.get(Event.reference == "SKU-10").resolved_at is not None


def test_images_downloaded_deduplicated_and_broken_url_is_per_product(integration, store, hub_db):
    store.add_product(1, "IMG-1", "One", images=[7, 8], parent="P9")
    store.add_product(2, "IMG-2", "Two", images=[7])  # same content as IMG-1's first
    store.add_product(3, "IMG-3", "Three", images=[404])  # broken
    run(integration, "import_new_products")
    result = run(integration, "import_product_images")
    assert result.status == "succeeded_with_errors"
    assert ProductImage.select().count() == 3
    files = list((hub_db.media_dir).rglob("*.png"))
    assert len(files) == 2  # deduplicated by content hash
    assert Event.get(Event.code == "image_download_failed").reference == "IMG-3"
    from hub.engine.connector import build_context

    asked = {a["sku"]: a for a in build_context(integration).cache["images_asked"]}
    assert asked["IMG-1"]["parent"] == "P9" and asked["IMG-2"]["parent"] is None
    again = run(integration, "import_product_images")  # only products without images
    assert again.created == 0 and ProductImage.select().count() == 3


def test_authentication_failure_fails_the_run_once(integration, store):
    store.faults.append({"fault": "auth", "count": 5})
    result = run(integration, "import_new_products")
    assert result.status == "failed"
    assert result.attempts == 1
    assert Event.get(Event.code == "authentication").hint.startswith("Check the")


def test_checkpoint_never_passes_the_start_of_the_run(integration, store):
    from hub.models import FeedRun

    store.add_product(1, "F-1", "From the future")
    store.products["1"]["updated"] = "2099-01-01T00:00:00Z"  # a store clock ahead of ours
    result = run(integration, "import_new_products")
    checkpoint = Checkpoint.get(Checkpoint.feed == "import_new_products").value
    started = FeedRun.get_by_id(result.id).started_at
    assert checkpoint == started.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_transient_failure_retries_the_same_run_then_fails(integration, store):
    import pytest

    from hub.engine.runs import TransientRunError, create_run, execute_run
    from hub.models import FeedRun

    store.faults.append({"fault": "5xx", "count": 100})
    queued = create_run(integration, "import_new_products")
    with pytest.raises(TransientRunError) as retry:
        execute_run(queued.id, retries_left=3)  # Huey will run it again later
    again = FeedRun.get_by_id(queued.id)
    assert again.status == "queued" and again.attempts == 1 and retry.value.delay > 0
    assert "retrying" in again.message
    execute_run(queued.id, retries_left=0)  # the last attempt
    final = FeedRun.get_by_id(queued.id)
    assert final.status == "failed" and final.attempts == 2
    assert FeedRun.select().count() == 1  # one run, two attempts
    assert not Event.select().where(Event.severity == "error").exists()  # not a record error


def test_a_product_with_bad_data_in_the_full_read_is_not_taken_for_gone(integration, store):
    seed(store, 3)
    run(integration, "update_products")
    store.products["1"]["sku"] = ""  # the connector yields Invalid for it
    store.products["2"]["weight"] = "heavy"  # fails the core's validation
    store.products["1"]["updated"] = store.products["2"]["updated"] = store.tick()
    result = run(integration, "update_products")
    assert result.failed == 2
    assert [p.status for p in Product.select().order_by(Product.sku)] == ["active"] * 3
    assert not Event.select().where(Event.code == "products_missing").exists()
